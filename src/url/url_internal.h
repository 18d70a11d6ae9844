/*
 * url_internal.h -- shared pieces of the WHATWG URL module (src/url/).
 *
 * A URL under construction or parsed is a "record": its serialisation (href) in one buffer plus
 * the offsets of the components inside it, in the manner of ada's url_aggregator. The parser
 * (parser.c) appends to the buffer in serialisation order, hosts come from host.c, percent-
 * encoding and the query's legacy charsets from encode.c, and url.c wraps a finished record in
 * the public struct weft_url.
 */
#ifndef WEFT_URL_INTERNAL_H
#define WEFT_URL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <weft/url.h>

#include "util/util.h"

#define WEFT__URL_NONE SIZE_MAX /* an absent (null) query or fragment */
#define WEFT__URL_INLINE 480    /* bytes of href kept inside the record before using the heap */

/* A growable byte buffer that starts in place (no allocation for short URLs). */
struct weft__ubuf {
	char *s;
	size_t len;
	size_t cap;
	char inl[WEFT__URL_INLINE];
};

enum weft__scheme {
	WEFT__SCHEME_OTHER = 0, /* not special */
	WEFT__SCHEME_HTTP,
	WEFT__SCHEME_HTTPS,
	WEFT__SCHEME_WS,
	WEFT__SCHEME_WSS,
	WEFT__SCHEME_FTP,
	WEFT__SCHEME_FILE,
};

/*
 * A URL record: the component offsets into its href (kept elsewhere, in a weft__ubuf while
 * parsing and in struct weft_url after):
 *   scheme ':' ['//' [user [':' pass] '@'] host [':' port]] ['/.'] path ['?' query] ['#' frag]
 * user_end == pass_end when there is no password; host_start == user_end (or user_end + 1 after
 * the '@') when there are credentials. Without a host (has_host false) every authority offset
 * equals scheme_end + 1.
 */
struct weft__url_rec {
	size_t len;        /* of href */
	size_t scheme_end; /* index of the ':' after the scheme */
	size_t user_end;
	size_t pass_end;
	size_t host_start;
	size_t host_end;
	size_t auth_end;    /* end of host[:port]; a "/." may sit between it and path_start */
	size_t path_start;
	size_t query_start; /* index of '?', or WEFT__URL_NONE */
	size_t frag_start;  /* index of '#', or WEFT__URL_NONE */
	int32_t port;       /* -1: none (or the scheme's default) */
	uint8_t scheme;     /* enum weft__scheme */
	bool has_host;      /* host is not null (there is a "//") */
	bool opaque_path;
};

/* ---- buffer (url.c) ---- */
void weft__ubuf_init(struct weft__ubuf *b);
void weft__ubuf_free(struct weft__ubuf *b);
/* Make room for n more bytes; WEFT_OK or WEFT_E_NOMEM. */
int weft__ubuf_reserve(struct weft__ubuf *b, size_t n);

static inline int weft__ubuf_add(struct weft__ubuf *b, const char *s, size_t n)
{
	if (b->cap - b->len < n && weft__ubuf_reserve(b, n) != 0)
		return WEFT_E_NOMEM;
	for (size_t i = 0; i < n; i++)
		b->s[b->len + i] = s[i];
	b->len += n;
	return WEFT_OK;
}

static inline int weft__ubuf_addc(struct weft__ubuf *b, char c)
{
	if (b->len == b->cap && weft__ubuf_reserve(b, 1) != 0)
		return WEFT_E_NOMEM;
	b->s[b->len++] = c;
	return WEFT_OK;
}

/* ---- record ---- */
/* End of href without the fragment. */
static inline size_t weft__url_key_end(const struct weft__url_rec *r)
{
	return r->frag_start != WEFT__URL_NONE ? r->frag_start : r->len;
}

/* End of the path: the '?', the '#' or the end of href. */
static inline size_t weft__url_path_end(const struct weft__url_rec *r)
{
	return r->query_start != WEFT__URL_NONE ? r->query_start : weft__url_key_end(r);
}

/* ---- parser (parser.c) ---- */
/*
 * The basic URL parser: parse input (UTF-8, len bytes) against the base URL base_href/base (both
 * NULL: none), writing href to out (initialised, empty) and its offsets to rec. charset is an
 * iconv name from weft__url_charset(), NULL for UTF-8.
 */
int weft__url_parse_rec(struct weft__ubuf *out, struct weft__url_rec *rec, const char *input,
			size_t len, const char *base_href, const struct weft__url_rec *base,
			const char *charset);

/* ---- hosts (host.c) ---- */
/*
 * The host parser: append the serialised host of in[0..len) to out. special: the URL's scheme
 * is special (else the host is opaque). WEFT_E_PARSE when the standard says failure.
 */
int weft__url_host(struct weft__ubuf *out, const char *in, size_t len, bool special);

/* ---- encoding (encode.c) ---- */
/* Percent-encode sets, as bits in a 128-entry table of ASCII (non-ASCII is always encoded). */
enum weft__pe_set {
	WEFT__PE_C0 = 1,
	WEFT__PE_FRAGMENT = 2,
	WEFT__PE_QUERY = 4,
	WEFT__PE_SPECIAL_QUERY = 8,
	WEFT__PE_PATH = 16,
	WEFT__PE_USERINFO = 32,
};

extern const uint8_t weft__pe_table[128];

static inline bool weft__pe_in(unsigned char c, enum weft__pe_set set)
{
	return c >= 0x80 || (weft__pe_table[c] & set);
}

/* UTF-8 percent-encode in[0..len) (valid UTF-8) with set, appending to out. */
int weft__pe_append(struct weft__ubuf *out, const char *in, size_t len, enum weft__pe_set set);

/*
 * Percent-encode after encoding in[0..len) (valid UTF-8) to charset (an iconv name; NULL for
 * UTF-8), with set; code points charset lacks become "%26%23NNN%3B".
 */
int weft__pe_append_charset(struct weft__ubuf *out, const char *in, size_t len,
			    enum weft__pe_set set, const char *charset);

/* The iconv name for a WHATWG encoding label, or NULL when it means UTF-8 (or is unknown). */
const char *weft__url_charset(const char *label);

/*
 * Find the end of the first invalid UTF-8 sequence in s[0..len): returns len when all of it is
 * valid, else the index where the maximal valid prefix ends.
 */
size_t weft__utf8_valid_prefix(const unsigned char *s, size_t len);

/*
 * Append s[0..len) to out with each invalid UTF-8 sequence (maximal subpart) replaced by U+FFFD,
 * as the WHATWG UTF-8 decoder does.
 */
int weft__utf8_sanitize(struct weft__ubuf *out, const char *s, size_t len);

#endif
