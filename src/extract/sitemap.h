/*
 * sitemap.h -- the URLs of a sitemap file (sitemaps.org protocol 0.9), internal.
 *
 * A sitemap is a <urlset> of <url><loc>s (pages) or a <sitemapindex> of <sitemap><loc>s (more
 * sitemaps). Elements are matched by local name whatever their namespace or prefix; only a
 * <loc> that is a child of a <url> (in a urlset) or of a <sitemap> (in an index) counts, so
 * extensions such as <image:image><image:loc> are not pages. The protocol requires every <loc>
 * to be an absolute URL: one that does not parse without a base, or is not http(s), is counted
 * as rejected and not delivered.
 *
 * The body is plain XML or gzip (recognised by its magic bytes 1f 8b, never by name or
 * Content-Type). It is parsed as a stream (libxml2's SAX2 push parser, fed through zlib when
 * compressed; no tree is built): memory stays small whatever the size, and the protocol's
 * limits are enforced as it goes, so a gzip bomb stops at the cap without ever holding the
 * inflated data.
 *
 * Safety: no network, no DTD loading, no entity substitution, and a document with a DOCTYPE is
 * refused at the DOCTYPE's name (sitemaps have none; that is where entity bombs live).
 * libxml2 never prints: its messages are collected into err.
 *
 * Threading: calls may run concurrently on different threads; libxml2 is initialised once, on
 * first use (pthread_once).
 */
#ifndef WEFT_EXTRACT_SITEMAP_H
#define WEFT_EXTRACT_SITEMAP_H

#include <stdbool.h>
#include <stddef.h>

/* The protocol's limits per sitemap file. */
#define WEFT__SITEMAP_MAX_LOCS 50000u
#define WEFT__SITEMAP_MAX_BYTES 52428800u /* 50 MiB, uncompressed */
/* A <loc> with more text than this is rejected (the protocol's URLs have < 2,048 chars). */
#define WEFT__SITEMAP_MAX_LOC_LEN 65536u
/* Input the parser holds unparsed, i.e. one incomplete tag, comment or CDATA section: the
 * bound on the parser's memory (text is streamed). Checked after each 64 KB of input, so
 * markup longer than this by more than 64 KB is WEFT_E_PARSE. */
#define WEFT__SITEMAP_MAX_MARKUP (1u << 20)

enum weft__sitemap_kind {
	WEFT__SITEMAP_URL,   /* a <url><loc> in a <urlset>: a page */
	WEFT__SITEMAP_CHILD, /* a <sitemap><loc> in a <sitemapindex>: another sitemap */
};

/*
 * Called once per accepted <loc>, in document order, with its URL parsed and serialised by
 * the WHATWG parser, without fragment (the crawl key, as the HTML extractor gives links).
 * Valid during the call only. A non-zero return stops the parse and is returned by
 * weft__sitemap_parse().
 */
typedef int weft__sitemap_fn(void *cookie, enum weft__sitemap_kind kind, const char *url);

struct weft__sitemap_stats {
	size_t urls;     /* WEFT__SITEMAP_URL delivered */
	size_t children; /* WEFT__SITEMAP_CHILD delivered */
	size_t rejected; /* <loc>s not delivered: empty, relative, not http(s), unparsable, long */
	bool is_index;   /* the root is a <sitemapindex> */
};

/*
 * Parse one sitemap file: data[0..len), plain or gzip. sitemap_url names it in messages (the
 * locs are absolute and need no base). Returns:
 *  - WEFT_OK: the whole file was read;
 *  - the callback's non-zero value, when it stopped the parse;
 *  - WEFT_E_PARSE with a message in err: malformed XML (libxml2's message, with its line),
 *    a root other than <urlset>/<sitemapindex>, a DOCTYPE, corrupt or truncated gzip, a piece
 *    of markup over WEFT__SITEMAP_MAX_MARKUP, more than WEFT__SITEMAP_MAX_LOCS <loc>s or more
 *    than WEFT__SITEMAP_MAX_BYTES uncompressed bytes (the message names the limit and the
 *    file);
 *  - WEFT_E_INVAL: no callback, or no data with len > 0;
 *  - WEFT_E_NOMEM.
 * URLs delivered before an error stay delivered (the 50,000 before the 50,001st, those in the
 * first 50 MB). st (may be NULL) is filled in every case; err may be NULL.
 */
int weft__sitemap_parse(const char *sitemap_url, const void *data, size_t len,
			weft__sitemap_fn *fn, void *cookie, struct weft__sitemap_stats *st,
			char *err, size_t errlen);

#endif
