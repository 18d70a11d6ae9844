/*
 * weft/extract.h -- links out of HTML, streaming.
 *
 * Feed the body in pieces as it arrives; links come out through a callback, already resolved
 * against the document's base URL (the page URL, or the first <base href>) and serialised by
 * weft/url.h. Elements: a[href], area[href], iframe[src], frame[src], as an HTML5 browser with
 * scripting off parses the page: not in <template> content, not SVG/MathML elements, frames
 * only in a frameset, nothing in raw text (script, style, textarea, ...). How the body is cut
 * into pieces never changes the links. Character encoding from the HTTP header, a BOM or
 * <meta charset>; queries of non-UTF-8 pages are percent-encoded in the page's encoding, as
 * browsers do. Links may be held back until the base URL is known (at the latest, finish()).
 * Memory stays small whatever the page size: the body is never buffered.
 */
#ifndef WEFT_EXTRACT_H
#define WEFT_EXTRACT_H

#include <weft.h>

#ifdef __cplusplus
extern "C" {
#endif

enum weft_link_tag {
	WEFT_LINK_A = 0,
	WEFT_LINK_AREA,
	WEFT_LINK_IFRAME,
	WEFT_LINK_FRAME,
};

/*
 * Called once per link element whose value parses as a URL (any scheme), in document order.
 * url is the href without its fragment, NUL-terminated, valid only during the call.
 * A non-zero return stops extraction; weft_html_feed()/finish() then return it.
 */
typedef int weft_link_fn(void *cookie, const char *url, size_t len, enum weft_link_tag tag);

struct weft_html;

/*
 * page_url: the URL the document was fetched from (copied). charset: the charset parameter of
 * the HTTP Content-Type, or NULL.
 */
WEFT_API int weft_html_new(struct weft_html **out, const char *page_url, const char *charset,
			   weft_link_fn *fn, void *cookie);
WEFT_API int weft_html_feed(struct weft_html *h, const void *buf, size_t len);
/* End of document: flush what is pending. */
WEFT_API int weft_html_finish(struct weft_html *h);
WEFT_API void weft_html_free(struct weft_html **h);

/*
 * Start a new document on an extractor, as weft_html_free() + weft_html_new() would with these
 * arguments, but keeping its buffers: a crawl can keep one extractor per connection (or per
 * thread) instead of allocating one per page. Any state of the previous document is dropped,
 * finished or not. On an error (WEFT_E_INVAL: bad page_url or fn; WEFT_E_NOMEM) feed() and
 * finish() fail until a reset succeeds; free() is always allowed.
 */
WEFT_API int weft_html_reset(struct weft_html *h, const char *page_url, const char *charset,
			     weft_link_fn *fn, void *cookie);

/* One-shot convenience over a whole buffer. */
WEFT_API int weft_html_extract(const void *buf, size_t len, const char *page_url,
			       const char *charset, weft_link_fn *fn, void *cookie);

#ifdef __cplusplus
}
#endif
#endif
