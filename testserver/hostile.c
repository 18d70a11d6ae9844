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
 *   /_test/slowloris?bytes=N             text/html, Content-Length N (default 100000), one
 *                                        byte a second: never finishes in reasonable time
 *   /_test/gzip-bomb?mb=N                gzip body decoding to N MiB (default 1024) of HTML
 *                                        and spaces, ~1000:1, streamed (bomb.c); always
 *                                        Content-Encoding: gzip
 *   /_test/cut?bytes=N&of=M              Content-Length M (default 2N), N bytes (default
 *                                        1000) of HTML, then the connection is closed
 *   /_test/links?n=N&distinct=D          HTML with N links (default 100000): all to
 *                                        /_test/status/200#<i>, or with distinct=1 to
 *                                        /_test/status/200?i=<i>
 *   /_test/nested?depth=N                HTML nested N <div>s deep (default 100000) with a
 *                                        link at the bottom
 *   /_test/badbytes                      HTML (utf-8) whose hrefs hold invalid UTF-8 and NUL
 *                                        bytes (targets /trap/bad/...)
 *   /_test/longurl?bytes=N               HTML with one href N bytes long (default 1000000),
 *                                        /trap/long/xxx..., and one ordinary link
 *   /_test/notype                        HTML with a link and no Content-Type at all
 *   /_test/binary                        64 KiB of pseudo-random bytes (NULs included) as
 *                                        text/html, with one link among them
 *   /_test/blackhole                     302 to the blackhole port (--hostile/--blackhole),
 *                                        which accepts and never answers; 404 without it
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
	struct bomb *bomb;
	unsigned blackhole_port;	/* 0: none */
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

static bool drip_reply(struct hreq *q, uint64_t bytes, uint64_t ms, const char *ctype)
{
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
	return add_header(q->r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
}

static bool ep_drip(struct hreq *q)
{
	uint64_t bytes, ms;
	if (!arg_num(q, "bytes", 10, 0, 1u << 30, &bytes))
		return bad_request(q, "bytes");
	if (!arg_num(q, "interval_ms", 100, 0, 3600000, &ms))
		return bad_request(q, "interval_ms");
	return drip_reply(q, bytes, ms, "text/plain");
}

/* Slowloris: one byte a second of a body that would take a day. */
static bool ep_slowloris(struct hreq *q)
{
	uint64_t bytes;
	if (!arg_num(q, "bytes", 100000, 1, 1u << 30, &bytes))
		return bad_request(q, "bytes");
	return drip_reply(q, bytes, 1000, TS_HTML);
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

static bool ep_gzip_bomb(struct hreq *q)
{
	uint64_t mb;
	if (!arg_num(q, "mb", 1024, 1, 1u << 20, &mb))
		return bad_request(q, "mb (1..1048576)");
	return bomb_reply(q->h->bomb, mb, q->r);
}

/* /_test/cut: the body's first `send` bytes, then an error ends the connection. */
static ssize_t cut_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	uint64_t send = *(const uint64_t *)cls, endless = 0;
	if (pos >= send)
		return MHD_CONTENT_READER_END_WITH_ERROR; /* MHD closes the connection */
	if (max > send - pos)
		max = (size_t)(send - pos);
	return huge_read(&endless, pos, buf, max);
}

static bool ep_cut(struct hreq *q)
{
	uint64_t bytes, of;
	if (!arg_num(q, "bytes", 1000, 1, 1u << 30, &bytes))
		return bad_request(q, "bytes");
	if (!arg_num(q, "of", bytes * 2, bytes + 1, (uint64_t)1 << 40, &of))
		return bad_request(q, "of (more than bytes)");
	uint64_t *send = malloc(sizeof *send);
	if (!send)
		return false;
	*send = bytes;
	q->r->resp = MHD_create_response_from_callback(of, 4096, cut_read, send, free);
	if (!q->r->resp) {
		free(send);
		return false;
	}
	q->r->status = 200;
	return add_header(q->r, MHD_HTTP_HEADER_CONTENT_TYPE, TS_HTML);
}

static bool ep_links(struct hreq *q)
{
	uint64_t n, distinct;
	struct sb b = {0};
	if (!arg_num(q, "n", 100000, 0, 10000000, &n))
		return bad_request(q, "n");
	if (!arg_num(q, "distinct", 0, 0, 1, &distinct))
		return bad_request(q, "distinct (0 or 1)");
	sb_printf(&b, "<!DOCTYPE html>\n<html><head><title>%llu links</title></head><body>\n",
		  (unsigned long long)n);
	for (uint64_t i = 0; i < n && !b.oom; i++)
		sb_printf(&b, "<a href=\"/_test/status/200%s%llu\">%llu</a>\n",
			  distinct ? "?i=" : "#", (unsigned long long)i, (unsigned long long)i);
	sb_puts(&b, "</body></html>\n");
	q->r->resp = ts_resp_sb(&b, TS_HTML);
	q->r->status = 200;
	return q->r->resp != NULL;
}

static bool ep_nested(struct hreq *q)
{
	uint64_t depth;
	struct sb b = {0};
	if (!arg_num(q, "depth", 100000, 0, 10000000, &depth))
		return bad_request(q, "depth");
	sb_puts(&b, "<!DOCTYPE html>\n<html><head><title>nested</title></head><body>\n");
	for (uint64_t i = 0; i < depth && !b.oom; i++)
		sb_add(&b, "<div>", 5);
	sb_puts(&b, "<a href=\"/_test/status/200\">at the bottom</a>");
	for (uint64_t i = 0; i < depth && !b.oom; i++)
		sb_add(&b, "</div>", 6);
	sb_puts(&b, "\n</body></html>\n");
	q->r->resp = ts_resp_sb(&b, TS_HTML);
	q->r->status = 200;
	return q->r->resp != NULL;
}

static const char badbytes_page[] =
	"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>bad bytes</title></head>\n"
	"<body>\n"
	"<a href=\"/trap/bad/a\xff\xfe" "b\">invalid UTF-8</a>\n"
	"<a href=\"/trap/bad/c\0d\">a NUL byte</a>\n"
	"<a href=\"/trap/bad/e\xc3\">a truncated sequence</a>\n"
	"<a href=\"/trap/bad/f\xed\xa0\x80g\">an encoded surrogate</a>\n"
	"<a href=\"/trap/bad/h\xc0\xafi\">an overlong slash</a>\n"
	"<a href=\"/trap/bad/j%00k%FF\">percent-encoded NUL and 0xFF</a>\n"
	"<a href=\"\0\">only a NUL</a>\n"
	"<a href=\"/trap/bad/\xe2\x82\xac-ok\">valid UTF-8</a>\n"
	"</body></html>\n";

static bool ep_badbytes(struct hreq *q)
{
	q->r->resp = ts_resp_copy(badbytes_page, sizeof badbytes_page - 1,
				  "text/html; charset=utf-8");
	q->r->status = 200;
	return q->r->resp != NULL;
}

static bool ep_longurl(struct hreq *q)
{
	static const char prefix[] = "/trap/long/";
	uint64_t bytes;
	struct sb b = {0};
	if (!arg_num(q, "bytes", 1000000, sizeof prefix, 64u << 20, &bytes))
		return bad_request(q, "bytes");
	sb_puts(&b, "<!DOCTYPE html>\n<html><head><title>a long URL</title></head><body>\n"
		    "<p><a href=\"/_test/status/200\">an ordinary link</a></p>\n"
		    "<p><a href=\"/trap/long/");
	char x[1024];
	memset(x, 'x', sizeof x);
	for (uint64_t left = bytes - (sizeof prefix - 1); left && !b.oom;) {
		size_t n = left < sizeof x ? (size_t)left : sizeof x;
		sb_add(&b, x, n);
		left -= n;
	}
	sb_puts(&b, "\">a long one</a></p>\n</body></html>\n");
	q->r->resp = ts_resp_sb(&b, TS_HTML);
	q->r->status = 200;
	return q->r->resp != NULL;
}

static bool ep_notype(struct hreq *q)
{
	static const char page[] = "<!DOCTYPE html>\n<html><head><title>no type</title></head>"
				   "<body><a href=\"/_test/status/200\">a link</a></body></html>\n";
	q->r->resp = ts_resp_copy(page, sizeof page - 1, NULL);
	q->r->status = 200;
	return q->r->resp != NULL;
}

static bool ep_binary(struct hreq *q)
{
	enum { N = 65536 };
	static const char link[] = "<a href=\"/_test/status/200\">";
	char *p = malloc(N);
	uint64_t x = 0x9e3779b97f4a7c15u;
	if (!p)
		return false;
	for (size_t i = 0; i < N; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		p[i] = (char)(x >> 32);
	}
	memcpy(p + N / 2, link, sizeof link - 1);
	q->r->resp = ts_resp_copy(p, N, TS_HTML);
	free(p);
	q->r->status = 200;
	return q->r->resp != NULL;
}

static bool ep_blackhole(struct hreq *q)
{
	char to[64];
	if (!q->h->blackhole_port)
		return ts_html_reply(q->r, 404, "Not Found", "No blackhole: start with --hostile.");
	snprintf(to, sizeof to, "http://127.0.0.1:%u/", q->h->blackhole_port);
	return ts_redirect_reply(q->r, 302, to);
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
	{"headers", ep_headers}, {"slow-headers", ep_slow_headers},
	{"slowloris", ep_slowloris}, {"gzip-bomb", ep_gzip_bomb}, {"cut", ep_cut},
	{"links", ep_links},	 {"nested", ep_nested},     {"badbytes", ep_badbytes},
	{"longurl", ep_longurl}, {"notype", ep_notype},     {"binary", ep_binary},
	{"blackhole", ep_blackhole}, {"no-head", ep_no_head},
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
	h->bomb = bomb_new();
	if (!h->bomb || !build_gzip(h)) {
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
	bomb_free(h->bomb);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

void hostile_set_blackhole(struct hostile *h, unsigned port)
{
	h->blackhole_port = port;
}
