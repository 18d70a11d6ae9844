/*
 * hostile.c -- the /_test/ endpoints, for the HTTP fetcher's tests (every mode has them;
 * the generated site never links to them).
 *
 *   /_test/status/<code>                 that status (200..999), small HTML body
 *                                        (none for 204 and 304)
 *   /_test/drip?bytes=N&interval_ms=M    text/plain, Content-Length N, one byte every M ms
 *                                        (defaults 10, 100); the first after M ms
 *   /_test/huge?mb=N                     N MiB of HTML (default 1); mb=0: endless (chunked)
 *   /_test/gzip                          HTML with links; Content-Encoding: gzip only when
 *                                        Accept-Encoding allows gzip, else identity
 *   /_test/flaky/<id>?fail=N&code=C      the first N requests per id answer C (default 1,
 *                                        503), later ones 200 HTML
 *   /_test/retry-after/<id>?seconds=S&fail=N   429 with Retry-After: S for the first N
 *                                        requests per id (defaults 1, 1), then 200
 *                                        (also /_test/retry-after?id=<id>&...)
 *   /_test/redirect?to=URL&code=C        redirect (default 302, 300..399) to URL verbatim
 *   /_test/type?ct=TYPE                  Content-Type TYPE (default text/html), HTML body
 *                                        with a link
 *   /_test/charset?cs=CS                 text/html; charset=CS (default windows-1252), body
 *                                        encoded in CS (é as 0xE9 for 1252/latin-1)
 *   /_test/headers[?as=links]            the request headers echoed as text/plain (as=links:
 *                                        an HTML page with a link /_test/h?NAME=VALUE each),
 *                                        "Name: value" per line, in received order
 *   /_test/slow-headers?ms=M             response starts after M ms (default 1000)
 *   /_test/no-head                       405 to HEAD, 200 HTML to GET
 * Bad parameters get 400, unknown endpoints 404. Delays never block a worker: drip and
 * slow-headers suspend the connection through delay.c (drip from its content reader).
 *
 * Threading: the flaky/retry counters live in a mutex-protected hash map; everything
 * else is per request or built once in hostile_new().
 */
#include "ts.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define COUNTER_BUCKETS 256

struct counter {
	struct counter *next;
	unsigned count;
	char key[];
};

struct hostile {
	struct ts_delay *delay;
	pthread_mutex_t mu;
	struct counter *buckets[COUNTER_BUCKETS];
	struct MHD_Response *gz_plain, *gz_packed;
};

/* One request's parameters and the connection they came from. */
struct hreq {
	struct hostile *h;
	struct MHD_Connection *c;
	const char *rest;	/* path after the endpoint name, e.g. "/<id>" or "" */
	struct ts_reply *r;
	bool head;		/* the request is a HEAD */
};

/* ---- counters ------------------------------------------------------------------- */

static size_t key_hash(const char *s)
{
	size_t h = 5381;
	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h % COUNTER_BUCKETS;
}

/* Increment the counter of key and return its new value (0 when out of memory). */
static unsigned bump(struct hostile *h, const char *key)
{
	unsigned v = 0;
	size_t b = key_hash(key);
	pthread_mutex_lock(&h->mu);
	struct counter *c = h->buckets[b];
	while (c && strcmp(c->key, key) != 0)
		c = c->next;
	if (!c && (c = malloc(sizeof *c + strlen(key) + 1))) {
		strcpy(c->key, key);
		c->count = 0;
		c->next = h->buckets[b];
		h->buckets[b] = c;
	}
	if (c)
		v = ++c->count;
	pthread_mutex_unlock(&h->mu);
	return v;
}

/* ---- parameters ------------------------------------------------------------------ */

static const char *arg(const struct hreq *q, const char *name)
{
	return MHD_lookup_connection_value(q->c, MHD_GET_ARGUMENT_KIND, name);
}

/* A numeric query parameter in [min, max] (def when absent); false when malformed. */
static bool arg_num(const struct hreq *q, const char *name, uint64_t def, uint64_t min,
		    uint64_t max, uint64_t *out)
{
	const char *v = arg(q, name);
	*out = def;
	return !v || (ts_parse_u64(v, max, out) && *out >= min);
}

/* Header-safe text: printable ASCII only (no CR/LF injection), 1..limit bytes. */
static bool header_safe(const char *s, size_t limit)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (s[n] < 0x20 || s[n] > 0x7e || n >= limit)
			return false;
	return n > 0;
}

static bool bad_request(struct hreq *q, const char *what)
{
	char text[160];
	snprintf(text, sizeof text, "Bad or missing parameter: %s.", what);
	return ts_html_reply(q->r, 400, "Bad Request", text);
}

static bool add_header(struct ts_reply *r, const char *name, const char *value)
{
	return r->resp && MHD_add_response_header(r->resp, name, value) == MHD_YES;
}

/* The id of a counter endpoint: "/<id>" after the name, else ?id=, else "". */
static const char *endpoint_id(const struct hreq *q)
{
	if (q->rest[0] == '/' && q->rest[1])
		return q->rest + 1;
	const char *id = arg(q, "id");
	return id ? id : "";
}

/* ---- endpoints ------------------------------------------------------------------- */

static bool ep_status(struct hreq *q)
{
	uint64_t code;
	char text[64];
	if (q->rest[0] != '/' || !ts_parse_u64(q->rest + 1, 999, &code) || code < 200)
		return bad_request(q, "status code (200..999)");
	q->r->status = (unsigned)code;
	if (code == 204 || code == 304) {
		q->r->resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		return q->r->resp != NULL;
	}
	snprintf(text, sizeof text, "This is status %u.", (unsigned)code);
	return ts_html_reply(q->r, (unsigned)code, "Status", text);
}

struct drip {
	struct ts_delay *delay;
	struct MHD_Connection *conn;
	uint64_t interval_ns;
	uint64_t next;	/* when the next byte is due; 0 = not started */
};

/*
 * Content reader of /_test/drip: one byte when it is due, else suspend the connection
 * until it is (returning 0 without suspending would make MHD spin).
 */
static ssize_t drip_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	static const char text[] = "weft drip\n";
	struct drip *d = cls;
	uint64_t now = ts_now_ns();
	(void)max;
	if (d->next == 0)
		d->next = now + d->interval_ns;
	if (now < d->next) {
		if (!delay_suspend(d->delay, d->conn, d->next))
			return MHD_CONTENT_READER_END_WITH_ERROR; /* shutting down */
		return 0;
	}
	d->next += d->interval_ns;
	buf[0] = text[pos % (sizeof text - 1)];
	return 1;
}

static bool ep_drip(struct hreq *q)
{
	uint64_t bytes, ms;
	if (!arg_num(q, "bytes", 10, 0, 1u << 30, &bytes))
		return bad_request(q, "bytes");
	if (!arg_num(q, "interval_ms", 100, 0, 3600000, &ms))
		return bad_request(q, "interval_ms");
	struct drip *d = malloc(sizeof *d);
	if (!d)
		return false;
	*d = (struct drip){q->h->delay, q->c, ms * 1000000u, 0};
	q->r->resp = MHD_create_response_from_callback(bytes, 64, drip_read, d, free);
	if (!q->r->resp) {
		free(d);
		return false;
	}
	q->r->status = 200;
	return add_header(q->r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
}

static const char huge_head[] = "<!DOCTYPE html>\n<html><head><title>huge</title></head>"
				"<body>\n<p><a href=\"/_test/status/200\">a link</a></p>\n";
static const char huge_tail[] = "</body></html>\n";
static const char huge_line[] = "<p>huge huge huge huge huge huge huge huge huge.</p>\n";

/* Copy from one region [start, start+len) of the body at pos; returns bytes copied. */
static size_t copy_part(const char *src, uint64_t start, size_t len, uint64_t pos, char *buf,
			size_t max)
{
	size_t off = (size_t)(pos - start), n = len - off;
	memcpy(buf, src + off, n < max ? n : max);
	return n < max ? n : max;
}

/* Content reader of /_test/huge: head, repeated lines, tail (no tail when endless). */
static ssize_t huge_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	uint64_t total = *(const uint64_t *)cls;
	const uint64_t hl = sizeof huge_head - 1, tl = sizeof huge_tail - 1;
	const uint64_t ll = sizeof huge_line - 1;
	size_t n = 0;
	while (n < max && (total == 0 || pos + n < total)) {
		uint64_t p = pos + n;
		if (p < hl) {
			n += copy_part(huge_head, 0, hl, p, buf + n, max - n);
		} else if (total && p >= total - tl) {
			n += copy_part(huge_tail, total - tl, tl, p, buf + n, max - n);
		} else {
			uint64_t end = total ? total - tl : UINT64_MAX;
			size_t room = end - p < max - n ? (size_t)(end - p) : max - n;
			uint64_t line_start = p - (p - hl) % ll;
			n += copy_part(huge_line, line_start, ll, p, buf + n, room);
		}
	}
	return n ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
}

static bool ep_huge(struct hreq *q)
{
	uint64_t mb;
	if (!arg_num(q, "mb", 1, 0, 1u << 20, &mb))
		return bad_request(q, "mb");
	uint64_t *total = malloc(sizeof *total);
	if (!total)
		return false;
	*total = mb << 20;
	q->r->resp = MHD_create_response_from_callback(mb ? *total : MHD_SIZE_UNKNOWN, 65536,
						       huge_read, total, free);
	if (!q->r->resp) {
		free(total);
		return false;
	}
	q->r->status = 200;
	return add_header(q->r, MHD_HTTP_HEADER_CONTENT_TYPE, TS_HTML);
}

/* Does an Accept-Encoding value allow gzip (gzip, x-gzip or *, with q != 0)? */
static bool accepts_gzip(const char *ae)
{
	while (ae && *ae) {
		ae += strspn(ae, " \t,");
		size_t n = strcspn(ae, ",");
		size_t tok = strcspn(ae, ";, \t");
		bool name = (tok == 4 && strncasecmp(ae, "gzip", 4) == 0) ||
			    (tok == 6 && strncasecmp(ae, "x-gzip", 6) == 0) ||
			    (tok == 1 && ae[0] == '*');
		const char *qp = strstr(ae, "q=");
		bool zero = qp && qp < ae + n && strtod(qp + 2, NULL) == 0.0;
		if (name && !zero)
			return true;
		ae += n;
	}
	return false;
}

static bool ep_gzip(struct hreq *q)
{
	const char *ae = MHD_lookup_connection_value(q->c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_ACCEPT_ENCODING);
	q->r->resp = accepts_gzip(ae) ? q->h->gz_packed : q->h->gz_plain;
	q->r->shared = true;
	q->r->status = 200;
	return true;
}

/* 200 HTML with one link, the success answer of flaky and retry-after. */
static bool ok_page(struct hreq *q, const char *what)
{
	return ts_html_reply(q->r, 200, what, "Success now. <a href=\"/_test/status/200\">ok</a>");
}

/* Count this request under (endpoint, id); true while it is among the first `fail`. */
static bool should_fail(struct hreq *q, const char *endpoint, uint64_t fail, bool *oom)
{
	const char *id = endpoint_id(q);
	size_t n = strlen(endpoint) + strlen(id) + 2;
	char *key = malloc(n);
	*oom = !key;
	if (!key)
		return false;
	snprintf(key, n, "%s\n%s", endpoint, id);
	unsigned count = bump(q->h, key);
	free(key);
	*oom = count == 0;
	return count <= fail;
}

static bool ep_flaky(struct hreq *q)
{
	uint64_t fail, code;
	bool oom;
	char text[96];
	if (!arg_num(q, "fail", 1, 0, 1000000, &fail))
		return bad_request(q, "fail");
	if (!arg_num(q, "code", 503, 200, 999, &code))
		return bad_request(q, "code");
	if (!should_fail(q, "flaky", fail, &oom))
		return !oom && ok_page(q, "Flaky");
	snprintf(text, sizeof text, "Failing on purpose with %u.", (unsigned)code);
	return ts_html_reply(q->r, (unsigned)code, "Flaky", text);
}

static bool ep_retry_after(struct hreq *q)
{
	uint64_t fail, secs;
	bool oom;
	const char *s = arg(q, "seconds");
	if (!arg_num(q, "fail", 1, 0, 1000000, &fail))
		return bad_request(q, "fail");
	if (!arg_num(q, "seconds", 1, 0, 86400 * 365, &secs))
		return bad_request(q, "seconds");
	if (!should_fail(q, "retry-after", fail, &oom))
		return !oom && ok_page(q, "Retry-After");
	if (!ts_html_reply(q->r, 429, "Too Many Requests", "Retry later."))
		return false;
	return add_header(q->r, MHD_HTTP_HEADER_RETRY_AFTER, s ? s : "1");
}

static bool ep_redirect(struct hreq *q)
{
	uint64_t code;
	const char *to = arg(q, "to");
	if (!to || !header_safe(to, 4000))
		return bad_request(q, "to");
	if (!arg_num(q, "code", 302, 300, 399, &code))
		return bad_request(q, "code (300..399)");
	return ts_redirect_reply(q->r, (unsigned)code, to);
}

static bool ep_type(struct hreq *q)
{
	const char *ct = arg(q, "ct");
	if (ct && !header_safe(ct, 200))
		return bad_request(q, "ct");
	if (!ts_html_reply(q->r, 200, "Type", "Served with the requested type. "
					      "<a href=\"/_test/status/200\">a link</a>"))
		return false;
	if (!ct)
		return true;
	MHD_del_response_header(q->r->resp, MHD_HTTP_HEADER_CONTENT_TYPE, TS_HTML);
	return add_header(q->r, MHD_HTTP_HEADER_CONTENT_TYPE, ct);
}

/* The bytes of "café" in charset cs (ASCII "cafe" for charsets we do not know). */
static const char *cafe_in(const char *cs)
{
	static const char *const latin[] = {"windows-1252", "cp1252", "iso-8859-1",
					    "latin1", "iso-8859-15", "latin-1"};
	if (strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0)
		return "caf\xc3\xa9";
	for (size_t i = 0; i < sizeof latin / sizeof latin[0]; i++)
		if (strcasecmp(cs, latin[i]) == 0)
			return "caf\xe9";
	return "cafe";
}

static bool ep_charset(struct hreq *q)
{
	const char *cs = arg(q, "cs");
	char ct[96];
	struct sb b = {0};
	if (!cs)
		cs = "windows-1252";
	for (const char *p = cs; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-_.:", *p))
			return bad_request(q, "cs");
	if (!*cs || strlen(cs) > 40)
		return bad_request(q, "cs");
	snprintf(ct, sizeof ct, "text/html; charset=%s", cs);
	sb_printf(&b, "<!DOCTYPE html>\n<html><head><title>charset %s</title></head>\n"
		      "<body><p>Un %s au lait.</p>\n<p><a href=\"/_test/status/200\">link</a></p>\n"
		      "</body></html>\n", cs, cafe_in(cs));
	q->r->resp = ts_resp_sb(&b, ct);
	q->r->status = 200;
	return q->r->resp != NULL;
}

static enum MHD_Result echo_header(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	(void)kind;
	sb_printf(cls, "%s: %s\n", key, value ? value : "");
	return MHD_YES;
}

/* Percent-encode everything but ASCII letters and digits. */
static void sb_pct(struct sb *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))
			sb_printf(b, "%c", *p);
		else
			sb_printf(b, "%%%02X", *p);
	}
}

/* ?as=links: one link per header, so a crawler (which keeps links, not bodies) can see them. */
static enum MHD_Result link_header(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	(void)kind;
	sb_printf(cls, "<a href=\"/_test/h?");
	sb_pct(cls, key);
	sb_printf(cls, "=");
	sb_pct(cls, value ? value : "");
	sb_printf(cls, "\">header</a>\n");
	return MHD_YES;
}

static bool ep_headers(struct hreq *q)
{
	struct sb b = {0};
	const char *as = arg(q, "as");
	bool links = as && strcmp(as, "links") == 0;
	if (links)
		sb_printf(&b, "<!DOCTYPE html>\n<html><head><title>headers</title></head><body>\n");
	MHD_get_connection_values(q->c, MHD_HEADER_KIND, links ? link_header : echo_header, &b);
	if (links)
		sb_printf(&b, "</body></html>\n");
	q->r->resp = ts_resp_sb(&b, links ? "text/html" : "text/plain");
	q->r->status = 200;
	return q->r->resp != NULL;
}

static bool ep_slow_headers(struct hreq *q)
{
	uint64_t ms;
	if (!arg_num(q, "ms", 1000, 0, 3600000, &ms))
		return bad_request(q, "ms");
	q->r->delay_ms = (unsigned)ms;
	return ts_html_reply(q->r, 200, "Slow headers", "These headers came late.");
}

/* /_test/no-head: 405 to HEAD, 200 HTML to GET (servers that refuse HEAD exist). */
static bool ep_no_head(struct hreq *q)
{
	if (q->head)
		return ts_html_reply(q->r, 405, "Method Not Allowed", "No HEAD here; GET works.");
	return ts_html_reply(q->r, 200, "No HEAD", "GET works here.");
}

static const struct {
	const char *name;
	bool (*fn)(struct hreq *q);
} endpoints[] = {
	{"status", ep_status},	 {"drip", ep_drip},	    {"huge", ep_huge},
	{"gzip", ep_gzip},	 {"flaky", ep_flaky},	    {"retry-after", ep_retry_after},
	{"redirect", ep_redirect}, {"type", ep_type},	    {"charset", ep_charset},
	{"headers", ep_headers}, {"slow-headers", ep_slow_headers}, {"no-head", ep_no_head},
};

/* Answer /_test/<path>; path is what follows "/_test/". */
bool hostile_handle(struct hostile *h, struct MHD_Connection *c, const char *path, bool head,
		    struct ts_reply *r)
{
	for (size_t i = 0; i < sizeof endpoints / sizeof endpoints[0]; i++) {
		size_t n = strlen(endpoints[i].name);
		if (strncmp(path, endpoints[i].name, n) == 0 &&
		    (path[n] == '\0' || path[n] == '/')) {
			struct hreq q = {h, c, path + n, r, head};
			return endpoints[i].fn(&q);
		}
	}
	return ts_html_reply(r, 404, "Not Found", "No such /_test/ endpoint.");
}

/* The /_test/gzip page: links, and enough repeated text that compression matters. */
static bool build_gzip(struct hostile *h)
{
	struct sb b = {0};
	void *gz = NULL;
	size_t gz_len = 0;
	sb_puts(&b, "<!DOCTYPE html>\n<html><head><title>gzip</title></head><body>\n"
		    "<p><a href=\"/_test/status/200\">status 200</a></p>\n"
		    "<p><a href=\"/_test/headers\">headers</a></p>\n");
	for (int i = 0; i < 100; i++)
		sb_puts(&b, "<p>Compressible text, compressible text, compressible text.</p>\n");
	sb_puts(&b, "</body></html>\n");
	if (b.oom || !ts_gzip(b.p, b.len, &gz, &gz_len))
		goto fail;
	h->gz_plain = ts_resp_copy(b.p, b.len, TS_HTML);
	h->gz_packed = ts_resp_copy(gz, gz_len, TS_HTML);
	free(gz);
	sb_free(&b);
	if (!h->gz_plain || !h->gz_packed)
		return false;
	return MHD_add_response_header(h->gz_packed, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip") ==
		       MHD_YES &&
	       MHD_add_response_header(h->gz_packed, MHD_HTTP_HEADER_VARY, "Accept-Encoding") ==
		       MHD_YES &&
	       MHD_add_response_header(h->gz_plain, MHD_HTTP_HEADER_VARY, "Accept-Encoding") ==
		       MHD_YES;
fail:
	sb_free(&b);
	return false;
}

struct hostile *hostile_new(struct ts_delay *delay)
{
	struct hostile *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->delay = delay;
	pthread_mutex_init(&h->mu, NULL);
	if (!build_gzip(h)) {
		hostile_free(h);
		return NULL;
	}
	return h;
}

void hostile_free(struct hostile *h)
{
	if (!h)
		return;
	for (size_t b = 0; b < COUNTER_BUCKETS; b++)
		for (struct counter *c = h->buckets[b], *next; c; c = next) {
			next = c->next;
			free(c);
		}
	if (h->gz_plain)
		MHD_destroy_response(h->gz_plain);
	if (h->gz_packed)
		MHD_destroy_response(h->gz_packed);
	pthread_mutex_destroy(&h->mu);
	free(h);
}
