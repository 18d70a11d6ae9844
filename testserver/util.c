/*
 * util.c -- small helpers of weft-testserver: monotonic time, a growable string, strict
 * number parsing, JSON string output, path percent-encoding and response constructors.
 *
 * Everything here is reentrant and thread-safe (no shared state).
 */
#include "ts.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t ts_now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Make room for n more bytes plus a NUL; false (and oom set) when memory runs out. */
static bool sb_reserve(struct sb *b, size_t n)
{
	if (b->oom)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + n + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void sb_add(struct sb *b, const char *s, size_t n)
{
	if (!sb_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void sb_puts(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char tmp[256];
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if ((size_t)n < sizeof tmp) {
		sb_add(b, tmp, (size_t)n);
		return;
	}
	if (!sb_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sb_free(struct sb *b)
{
	free(b->p);
	*b = (struct sb){0};
}

/* Strict decimal: digits only, no sign, no spaces, value <= max. */
bool ts_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	if (!s || !isdigit((unsigned char)*s))
		return false;
	uint64_t v = 0;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return false;
		unsigned d = (unsigned)(*s - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/*
 * Parse "<canonical decimal><suffix>" exactly (no leading zeros except "0"), so each id
 * has one URL: "/p/007.html" is not page 7.
 */
bool ts_parse_id(const char *s, const char *suffix, uint32_t *out)
{
	size_t n = 0;
	while (isdigit((unsigned char)s[n]))
		n++;
	if (n == 0 || n > 9 || (n > 1 && s[0] == '0') || strcmp(s + n, suffix) != 0)
		return false;
	uint32_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (uint32_t)(s[i] - '0');
	*out = v;
	return true;
}

bool ts_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

void ts_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/*
 * Percent-encode a decoded URL path for a Location header: unreserved characters and
 * "/" stay, everything else becomes %XX. Returns the length needed (output truncated
 * and NUL-terminated when cap is too small).
 */
size_t ts_url_encode_path(const char *in, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	for (; *in; in++) {
		unsigned char c = (unsigned char)*in;
		bool keep = isalnum(c) || strchr("-._~/!$&'()*+,;=:@", c);
		char tmp[3] = {(char)c, 0, 0};
		size_t k = 1;
		if (!keep) {
			tmp[0] = '%';
			tmp[1] = hex[c >> 4];
			tmp[2] = hex[c & 15];
			k = 3;
		}
		for (size_t i = 0; i < k; i++, n++)
			if (n + 1 < cap)
				out[n] = tmp[i];
	}
	if (cap)
		out[n < cap ? n : cap - 1] = '\0';
	return n;
}

/* A response owning a copy of body, with the given Content-Type (NULL for none). */
struct MHD_Response *ts_resp_copy(const void *body, size_t len, const char *ctype)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
								 MHD_RESPMEM_MUST_COPY);
	if (r && ctype && MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype) !=
				  MHD_YES) {
		MHD_destroy_response(r);
		return NULL;
	}
	return r;
}

/* A response taking ownership of the builder's buffer (the builder is emptied). */
struct MHD_Response *ts_resp_sb(struct sb *b, const char *ctype)
{
	if (b->oom) {
		sb_free(b);
		return NULL;
	}
	void *body = b->p ? (void *)b->p : (void *)(uintptr_t)"";
	enum MHD_ResponseMemoryMode mode = b->p ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT;
	struct MHD_Response *r = MHD_create_response_from_buffer(b->len, body, mode);
	if (!r) {
		sb_free(b);
		return NULL;
	}
	*b = (struct sb){0};
	if (ctype && MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype) != MHD_YES) {
		MHD_destroy_response(r);
		return NULL;
	}
	return r;
}

/* A small valid HTML page (title + one paragraph of plain text), no links. */
bool ts_html_reply(struct ts_reply *r, unsigned status, const char *title, const char *text)
{
	struct sb b = {0};
	sb_printf(&b, "<!DOCTYPE html>\n<html><head><title>%s</title></head>\n"
		      "<body><h1>%s</h1>\n<p>%s</p>\n</body></html>\n", title, title, text);
	r->resp = ts_resp_sb(&b, TS_HTML);
	r->status = status;
	return r->resp != NULL;
}

/* A redirect with a small HTML body that deliberately has no link in it. */
bool ts_redirect_reply(struct ts_reply *r, unsigned status, const char *location)
{
	if (!ts_html_reply(r, status, "Moved", "This resource has moved."))
		return false;
	if (MHD_add_response_header(r->resp, MHD_HTTP_HEADER_LOCATION, location) != MHD_YES) {
		MHD_destroy_response(r->resp);
		r->resp = NULL;
		return false;
	}
	return true;
}
