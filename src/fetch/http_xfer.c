/*
 * http_xfer.c -- one HTTP transfer: the libcurl callbacks that stream the body to the caller's
 * sink (struct weft_sink: the fetcher knows no HTML), the body-size limit, the Location and
 * Retry-After headers, the mapping of libcurl errors to weft's error kinds, and the decision to
 * retry.
 *
 * Used by the blocking face (http.c) and the event engine's multi face alike; a transfer
 * belongs to the one thread driving it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <weft/url.h>

#include "fetch/http_int.h"

/* Media type without parameters, lower case; charset parameter into *charset (malloc'd). */
static char *media_type(const char *ct, char **charset)
{
	*charset = NULL;
	if (!ct)
		return NULL;
	size_t n = strcspn(ct, ";");
	while (n && isspace((unsigned char)ct[n - 1]))
		n--;
	char *mt = strndup(ct, n);
	for (char *p = mt; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	const char *cs = strcasestr(ct + n, "charset=");
	if (cs) {
		cs += 8;
		cs += *cs == '"';
		*charset = strndup(cs, strcspn(cs, "\";, \t"));
	}
	return mt;
}

/* First body bytes (or the end): status and type are known; tell the sink a response begins. */
static void decide(struct weft__xfer *x)
{
	long status = 0;
	char *ct = NULL;
	x->decided = true;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct);
	x->out->status = (int)status;
	free(x->out->content_type);
	free(x->out->charset);
	x->out->content_type = media_type(ct, &x->out->charset);
	const struct weft_sink *k = x->req.sink;
	if (k && k->head && x->sink_rc == 0)
		x->sink_rc = k->head(k->cookie, x->out);
}

/*
 * A decompression bomb: past WEFT_HTTP_RATIO_MIN_BYTES decoded, more than max_ratio decoded
 * bytes per byte received. CURLINFO_SIZE_DOWNLOAD_T counts the body as it came off the wire
 * (before content decoding), so for an identity body the ratio is 1.
 */
static bool is_bomb(struct weft__xfer *x)
{
	unsigned ratio = x->h->opt.max_ratio;
	if (!ratio || x->decoded <= WEFT_HTTP_RATIO_MIN_BYTES)
		return false;
	curl_off_t wire = 0;
	curl_easy_getinfo(x->easy, CURLINFO_SIZE_DOWNLOAD_T, &wire);
	return (uint64_t)(wire > 0 ? wire : 0) * ratio < x->decoded;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct weft__xfer *x = ud;
	size_t len = size * n, keep = len;
	if (!x->decided)
		decide(x);
	x->decoded += len;
	if (is_bomb(x)) {
		x->bomb = true;
		return 0; /* ends the transfer: an error, not a truncated page */
	}
	uint64_t limit = x->req.max_body ? x->req.max_body : x->h->opt.max_body;
	uint64_t room = limit > x->out->bytes ? limit - x->out->bytes : 0;
	if (keep > room) {
		keep = (size_t)room;
		x->truncated = true;
	}
	x->out->bytes += keep;
	const struct weft_sink *k = x->req.sink;
	if (k && k->body && x->sink_rc == 0 && keep)
		x->sink_rc = k->body(k->cookie, p, keep);
	if (x->sink_rc)
		return 0; /* the sink stopped the fetch */
	return x->truncated ? 0 : len; /* 0 ends the transfer: the rest is dropped */
}

/* Retry-After (RFC 9110 §10.2.3): delta-seconds, or an HTTP-date (libcurl's curl_getdate reads
   all three date formats). Milliseconds from now, at most a day; -1 when unreadable. */
static long parse_retry_after(const char *v, size_t n)
{
	long s = 0;
	size_t i = 0;
	while (i < n && isspace((unsigned char)v[i]))
		i++;
	if (i < n && isdigit((unsigned char)v[i])) {
		for (; i < n && isdigit((unsigned char)v[i]) && s < 86400; i++)
			s = s * 10 + (v[i] - '0');
		return (s > 86400 ? 86400 : s) * 1000;
	}
	char date[64];
	if (n - i == 0 || n - i >= sizeof(date))
		return -1;
	memcpy(date, v + i, n - i);
	date[n - i] = '\0';
	time_t at = curl_getdate(date, NULL);
	if (at == (time_t)-1)
		return -1;
	double d = difftime(at, time(NULL));
	return d <= 0 ? 0 : d > 86400 ? 86400000 : (long)(d * 1000.0);
}

/* The value of header line `line` if its name is `name`, trimmed; else NULL. */
static const char *header_value(const char *line, size_t n, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);
	if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return NULL;
	const char *v = line + nl + 1;
	const char *end = line + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && isspace((unsigned char)end[-1]))
		end--;
	*vlen = (size_t)(end - v);
	return v;
}

static size_t on_header(char *line, size_t size, size_t n, void *ud)
{
	struct weft__xfer *x = ud;
	size_t len = size * n, vlen;
	const char *v;
	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) { /* a new response (after 1xx) */
		free(x->location);
		x->location = NULL;
		x->retry_after_ms = -1;
	} else if ((v = header_value(line, len, "location", &vlen))) {
		free(x->location);
		x->location = strndup(v, vlen);
	} else if ((v = header_value(line, len, "retry-after", &vlen))) {
		x->retry_after_ms = parse_retry_after(v, vlen);
	}
	return len;
}

/* Called by libcurl during every transfer (about once a second when idle, more often while
   data flows): a non-zero return ends it with CURLE_ABORTED_BY_CALLBACK. */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct weft__xfer *x = ud;
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return weft__http_aborted(x->h);
}

int weft__xfer_begin(struct weft__xfer *x, struct weft__http *h, CURL *easy,
		     const struct weft_request *req, struct weft_response *out)
{
	memset(x, 0, sizeof(*x));
	x->h = h;
	x->easy = easy;
	x->req = *req;
	x->url = req->url;
	x->out = out;
	x->retry_after_ms = -1;
	if (curl_easy_setopt(easy, CURLOPT_URL, x->url) != CURLE_OK)
		return WEFT_E_NOMEM;
	if (req->head) /* handles are reused: say the method every time */
		curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
	else
		curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(easy, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
	return WEFT_OK;
}

/* The error kind of a libcurl failure. */
static enum weft_fetch_err kind_of(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY: return WEFT_FE_DNS;
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR: return WEFT_FE_CONNECT;
	case CURLE_OPERATION_TIMEDOUT: return WEFT_FE_TIMEOUT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE: return WEFT_FE_TLS;
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM: return WEFT_FE_PROTOCOL;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL: return WEFT_FE_BAD_URL;
	default: return WEFT_FE_OTHER;
	}
}

/* A 3xx with a Location: resolve the target the way a browser does. */
static void take_redirect(struct weft__xfer *x)
{
	int st = x->out->status;
	if (st < 300 || st >= 400 || st == 304 || !x->location)
		return;
	char *target = NULL;
	if (weft_url_resolve(x->url, x->location, strlen(x->location), NULL, &target) != WEFT_OK) {
		weft_response_set_error(x->out, WEFT_FE_PROTOCOL, "bad Location header: %.200s",
					x->location);
		return;
	}
	free(x->out->redirect);
	x->out->redirect = target;
}

void weft__xfer_finish(struct weft__xfer *x, CURLcode rc)
{
	if (weft__http_aborted(x->h)) { /* cut off: no result, whatever came so far */
		weft_response_reset(x->out);
		x->out->aborted = true;
		return;
	}
	if (!x->decided && rc == CURLE_OK)
		decide(x); /* no body at all */
	x->out->truncated = x->truncated;
	if (x->bomb) {
		curl_off_t wire = 0;
		curl_easy_getinfo(x->easy, CURLINFO_SIZE_DOWNLOAD_T, &wire);
		weft_response_set_error(x->out, WEFT_FE_TOO_BIG,
					"decompressed body over %u times its compressed size "
					"(%llu bytes from %lld)", x->h->opt.max_ratio,
					(unsigned long long)x->decoded, (long long)wire);
		return;
	}
	if (x->sink_rc) {
		x->out->status = 0;
		weft_response_set_error(x->out, WEFT_FE_OTHER, "stopped by the caller: %s",
					weft_strerror(x->sink_rc));
		return;
	}
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && x->truncated)) {
		x->out->status = 0;
		weft_response_set_error(x->out, kind_of(rc), "%s",
					x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
		return;
	}
	if (x->out->status >= 400)
		weft_response_set_error(x->out, WEFT_FE_HTTP, "HTTP %d", x->out->status);
	if (x->out->status == 429 || x->out->status == 503)
		x->out->retry_after_ms = x->retry_after_ms;
	take_redirect(x);
}

static bool transient(const struct weft__xfer *x)
{
	switch (x->out->error) {
	case WEFT_FE_CONNECT: /* refused, reset: the server may be restarting */
		return true;
	case WEFT_FE_HTTP: /* 429 and 503 go back to the crawl, which blocks the whole host */
		return x->out->status == 500 || x->out->status == 502 || x->out->status == 504;
	default:
		return false;
	}
}

/* A HEAD the server would not answer as asked: not allowed, not implemented, or answered with
   an error a GET may not get (servers that mishandle HEAD are common). */
static bool head_refused(const struct weft__xfer *x)
{
	int st = x->out->status;
	if (!x->req.head)
		return false;
	if (x->out->error == WEFT_FE_PROTOCOL)
		return true;
	return st >= 400 && st != 404 && st != 410 && st != 429 && st != 503;
}

long weft__xfer_retry_delay(struct weft__xfer *x, int attempt)
{
	const struct weft_http_options *o = &x->h->opt;
	if (x->out->aborted)
		return -1;
	if (head_refused(x)) {
		x->req.head = false; /* at once, with GET; the request's body limit stays */
		return 0;
	}
	if (attempt > o->retries || !transient(x))
		return -1;
	long ms = o->retry_base_ms << (attempt - 1 < 16 ? attempt - 1 : 16);
	if (x->retry_after_ms >= 0)
		ms = x->retry_after_ms;
	return ms > o->retry_max_ms ? o->retry_max_ms : ms;
}

void weft__xfer_clear(struct weft__xfer *x)
{
	free(x->location);
	x->location = NULL;
}
