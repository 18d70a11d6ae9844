/*
 * weft/url.h -- URLs parsed and serialised the way browsers do (WHATWG URL Standard).
 *
 * The canonical serialisation without the fragment is the crawl's dedup key.
 */
#ifndef WEFT_URL_H
#define WEFT_URL_H

#include <weft.h>

#ifdef __cplusplus
extern "C" {
#endif

struct weft_url;

/*
 * Parse input (len bytes, UTF-8, need not be NUL-terminated) against base (may be NULL), per
 * the WHATWG "basic URL parser". encoding is the document's character encoding label for the
 * query's percent-encoding (NULL or "utf-8": UTF-8). Returns WEFT_OK, WEFT_E_PARSE when the
 * standard says failure, or WEFT_E_NOMEM. Free with weft_url_free().
 */
WEFT_API int weft_url_parse(struct weft_url **out, const char *input, size_t len,
			    const struct weft_url *base, const char *encoding);

/* Getters, as the URL API of browsers defines them. Valid as long as u. */
WEFT_API const char *weft_url_href(const struct weft_url *u);     /* the whole serialisation */
WEFT_API const char *weft_url_protocol(const struct weft_url *u); /* "https:" */
WEFT_API const char *weft_url_username(const struct weft_url *u);
WEFT_API const char *weft_url_password(const struct weft_url *u);
WEFT_API const char *weft_url_host(const struct weft_url *u);     /* hostname[:port] */
WEFT_API const char *weft_url_hostname(const struct weft_url *u); /* "[::1]", "example.com" */
WEFT_API const char *weft_url_port(const struct weft_url *u);     /* "" when default */
WEFT_API const char *weft_url_pathname(const struct weft_url *u);
WEFT_API const char *weft_url_search(const struct weft_url *u);   /* "" or "?..." */
WEFT_API const char *weft_url_hash(const struct weft_url *u);     /* "" or "#..." */
/* True for http: and https: URLs, the only ones a crawl fetches. */
WEFT_API bool weft_url_is_http(const struct weft_url *u);
/* Length of href without the fragment: the crawl key is href[0 .. weft_url_key_len(u)). */
WEFT_API size_t weft_url_key_len(const struct weft_url *u);

WEFT_API void weft_url_free(struct weft_url **u);

/*
 * Convenience: resolve input against the base string and return the crawl key (href without
 * fragment) in *out, malloc'd. Same errors as weft_url_parse().
 */
WEFT_API int weft_url_resolve(const char *base, const char *input, size_t len,
			      const char *encoding, char **out);

/*
 * Like weft_url_resolve() against an already parsed base (may be NULL): parse a page's base URL
 * once and resolve all its links with this, which is about twice as fast.
 */
WEFT_API int weft_url_resolve_parsed(const struct weft_url *base, const char *input, size_t len,
				     const char *encoding, char **out);

#ifdef __cplusplus
}
#endif
#endif
