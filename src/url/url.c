/*
 * url.c -- the public URL API (include/weft/url.h): a parsed URL is one allocation holding the
 * component offsets, the href and a NUL-terminated copy of each getter's value, so getters are
 * constant-time and a struct weft_url is immutable and safe to share between threads.
 *
 * weft_url_resolve(), the crawler's hot path, parses base and link into in-place buffers and
 * allocates only the returned key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "url/url_internal.h"

enum part {
	P_PROTOCOL,
	P_USERNAME,
	P_PASSWORD,
	P_HOST,
	P_HOSTNAME,
	P_PORT,
	P_PATHNAME,
	P_SEARCH,
	P_HASH,
	P_COUNT
};

struct weft_url {
	struct weft__url_rec r;
	const char *part[P_COUNT];
	char href[]; /* href, NUL, then each part NUL-terminated */
};

/* ---- buffers ---- */

void weft__ubuf_init(struct weft__ubuf *b)
{
	b->s = b->inl;
	b->len = 0;
	b->cap = sizeof b->inl;
}

void weft__ubuf_free(struct weft__ubuf *b)
{
	if (b->s != b->inl)
		free(b->s);
	weft__ubuf_init(b);
}

int weft__ubuf_reserve(struct weft__ubuf *b, size_t n)
{
	if (b->cap - b->len >= n)
		return WEFT_OK;
	if (n > SIZE_MAX / 2 - b->len)
		return WEFT_E_NOMEM;
	size_t cap = b->cap * 2 > b->len + n ? b->cap * 2 : b->len + n;
	char *s = b->s == b->inl ? malloc(cap) : realloc(b->s, cap);
	if (!s)
		return WEFT_E_NOMEM;
	if (b->s == b->inl)
		memcpy(s, b->inl, b->len);
	b->s = s;
	b->cap = cap;
	return WEFT_OK;
}

/* ---- building struct weft_url ---- */

/* The [start, end) span of each getter's value in href (port is formatted separately). */
static void part_spans(const struct weft__url_rec *r, size_t span[P_COUNT][2])
{
	size_t user = r->has_host ? r->scheme_end + 3 : r->scheme_end + 1;
	size_t pe = weft__url_path_end(r), ke = weft__url_key_end(r);
	span[P_PROTOCOL][0] = 0, span[P_PROTOCOL][1] = r->scheme_end + 1;
	span[P_USERNAME][0] = user, span[P_USERNAME][1] = r->user_end;
	span[P_PASSWORD][0] = r->pass_end > r->user_end ? r->user_end + 1 : r->user_end;
	span[P_PASSWORD][1] = r->pass_end;
	span[P_HOST][0] = r->host_start, span[P_HOST][1] = r->auth_end;
	span[P_HOSTNAME][0] = r->host_start, span[P_HOSTNAME][1] = r->host_end;
	span[P_PORT][0] = span[P_PORT][1] = 0;
	span[P_PATHNAME][0] = r->path_start, span[P_PATHNAME][1] = pe;
	span[P_SEARCH][0] = pe, span[P_SEARCH][1] = ke - pe > 1 ? ke : pe;
	span[P_HASH][0] = ke, span[P_HASH][1] = r->len - ke > 1 ? r->len : ke;
}

/* Wrap the parsed href s (offsets r) into a new struct weft_url. */
static int make_url(struct weft_url **out, const char *s, const struct weft__url_rec *r)
{
	size_t span[P_COUNT][2], total = r->len + 1;
	char port[12] = "";
	part_spans(r, span);
	if (r->port >= 0)
		port[weft__fmt_u32(port, (uint32_t)r->port)] = '\0';
	for (int i = 0; i < P_COUNT; i++)
		total += span[i][1] - span[i][0] + 1;
	total += strlen(port);
	struct weft_url *u = malloc(sizeof *u + total);
	if (!u)
		return WEFT_E_NOMEM;
	u->r = *r;
	memcpy(u->href, s, r->len);
	u->href[r->len] = '\0';
	char *w = u->href + r->len + 1;
	for (int i = 0; i < P_COUNT; i++) {
		const char *src = i == P_PORT ? port : s + span[i][0];
		size_t n = i == P_PORT ? strlen(port) : span[i][1] - span[i][0];
		u->part[i] = w;
		memcpy(w, src, n);
		w[n] = '\0';
		w += n + 1;
	}
	*out = u;
	return WEFT_OK;
}

int weft_url_parse(struct weft_url **out, const char *input, size_t len,
		   const struct weft_url *base, const char *encoding)
{
	struct weft__ubuf buf;
	struct weft__url_rec r;
	*out = NULL;
	if (!input)
		return WEFT_E_INVAL;
	weft__ubuf_init(&buf);
	int rc = weft__url_parse_rec(&buf, &r, input, len, base ? base->href : NULL,
				     base ? &base->r : NULL, weft__url_charset(encoding));
	if (rc == WEFT_OK)
		rc = make_url(out, buf.s, &r);
	weft__ubuf_free(&buf);
	return rc;
}

void weft_url_free(struct weft_url **u)
{
	if (u) {
		free(*u);
		*u = NULL;
	}
}

/* ---- getters ---- */

const char *weft_url_href(const struct weft_url *u)
{
	return u->href;
}

const char *weft_url_protocol(const struct weft_url *u)
{
	return u->part[P_PROTOCOL];
}

const char *weft_url_username(const struct weft_url *u)
{
	return u->part[P_USERNAME];
}

const char *weft_url_password(const struct weft_url *u)
{
	return u->part[P_PASSWORD];
}

const char *weft_url_host(const struct weft_url *u)
{
	return u->part[P_HOST];
}

const char *weft_url_hostname(const struct weft_url *u)
{
	return u->part[P_HOSTNAME];
}

const char *weft_url_port(const struct weft_url *u)
{
	return u->part[P_PORT];
}

const char *weft_url_pathname(const struct weft_url *u)
{
	return u->part[P_PATHNAME];
}

const char *weft_url_search(const struct weft_url *u)
{
	return u->part[P_SEARCH];
}

const char *weft_url_hash(const struct weft_url *u)
{
	return u->part[P_HASH];
}

bool weft_url_is_http(const struct weft_url *u)
{
	return u->r.scheme == WEFT__SCHEME_HTTP || u->r.scheme == WEFT__SCHEME_HTTPS;
}

size_t weft_url_key_len(const struct weft_url *u)
{
	return weft__url_key_end(&u->r);
}

/* ---- resolve ---- */

/* Parse input against base (href bs, offsets b; NULL: none) and return its key in *out. */
static int resolve_key(const char *bs, const struct weft__url_rec *b, const char *input,
		       size_t len, const char *encoding, char **out)
{
	struct weft__ubuf buf;
	struct weft__url_rec r;
	weft__ubuf_init(&buf);
	int rc = weft__url_parse_rec(&buf, &r, input, len, bs, b, weft__url_charset(encoding));
	if (rc != WEFT_OK)
		goto free_buf;
	size_t n = weft__url_key_end(&r);
	*out = malloc(n + 1);
	if (!*out) {
		rc = WEFT_E_NOMEM;
		goto free_buf;
	}
	memcpy(*out, buf.s, n);
	(*out)[n] = '\0';
free_buf:
	weft__ubuf_free(&buf);
	return rc;
}

int weft_url_resolve(const char *base, const char *input, size_t len, const char *encoding,
		     char **out)
{
	struct weft__ubuf bbuf;
	struct weft__url_rec br;
	*out = NULL;
	if (!input)
		return WEFT_E_INVAL;
	if (!base)
		return resolve_key(NULL, NULL, input, len, encoding, out);
	weft__ubuf_init(&bbuf);
	int rc = weft__url_parse_rec(&bbuf, &br, base, strlen(base), NULL, NULL, NULL);
	if (rc == WEFT_OK)
		rc = resolve_key(bbuf.s, &br, input, len, encoding, out);
	weft__ubuf_free(&bbuf);
	return rc;
}

int weft_url_resolve_parsed(const struct weft_url *base, const char *input, size_t len,
			    const char *encoding, char **out)
{
	*out = NULL;
	if (!input)
		return WEFT_E_INVAL;
	return resolve_key(base ? base->href : NULL, base ? &base->r : NULL, input, len, encoding,
			   out);
}
