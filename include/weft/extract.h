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
 * Memory stays small whatever the page size: the body is never buffered. A link checker's
 * view (every field of each link, resources, the page's anchors) is weft_html_new_sink().
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

/*
 * ---- Link records and anchors (a link checker's view) ----------------------------------------
 *
 * The same extractor, with a richer callback: one struct weft_link per link, and the page's
 * anchors. Same elements, order, resolution and base URL rules as weft_link_fn for the
 * navigation links (a[href], area[href], iframe[src], frame[src] in a frameset); with
 * sink.resources also img[src], img[srcset] and source[srcset] (one record per candidate URL),
 * source[src], link[href], script[src], video[src], video[poster], audio[src], embed[src] and
 * object[data], by the same rules (not in <template> content, not SVG/MathML elements, not in
 * a frameset). A value that does not parse as a URL gives no record (as with weft_link_fn).
 *
 * Order and timing: records and anchors come in document order (of their start tags; an
 * element's anchors after its own records, an img's src before its srcset candidates). An
 * <a>'s text is only known at its end, so an <a> record (and whatever follows it) waits until
 * its </a>, the next <a> start tag, or the end of the document; links may also wait for the
 * base URL, as above, or for a frameset that could still replace the body (their records and
 * anchors are then dropped). An <a> left open while a megabyte of records queues behind it
 * goes out early, with its text so far. All pointers are valid only during the callback;
 * strings are UTF-8 (converted from the page's encoding, character references resolved) and
 * the ones named so are NUL-terminated. How the body is cut into pieces never changes what is
 * reported. The old callback's links are exactly the navigation records' url, in order.
 *
 * Link text is the text of the data state between <a> and its end (as textContent, but not
 * the content of script, style, title, textarea and the like, nor of <template>): references
 * resolved by the rules for text, NUL dropped.
 */
/* enum weft_link_kind and struct weft_link (a link record) are declared in weft.h: records
   carry them to reporters. */

#define WEFT_LINK_TEXT_MAX 200

/* A record; a non-zero return stops extraction (feed()/finish() return it). */
typedef int weft_link_record_fn(void *cookie, const struct weft_link *link);
/*
 * An anchor a fragment can point at: the value of every non-empty id attribute of an element
 * in the document (HTML, SVG or MathML; not in <template> content; in a frameset only frame,
 * frameset and noframes), and of every non-empty name attribute of an HTML <a>. As written
 * (references resolved, CR as LF), not NUL-terminated; the first attribute of a name wins.
 * Duplicates are reported as they occur. Start tags the tree builder merges or ignores (a
 * second <body>, a stray <td>) still report their id. A non-zero return stops extraction.
 */
typedef int weft_anchor_fn(void *cookie, const char *id, size_t len);

struct weft_html_sink {
	weft_link_record_fn *link; /* may be NULL (anchors only) */
	weft_anchor_fn *anchor;    /* may be NULL (links only); not both */
	void *cookie;              /* passed to both */
	bool resources;            /* also report resource links (default: navigation only) */
};

/* As weft_html_new() / weft_html_reset(), reporting to *sink (copied). */
WEFT_API int weft_html_new_sink(struct weft_html **out, const char *page_url,
				const char *charset, const struct weft_html_sink *sink);
WEFT_API int weft_html_reset_sink(struct weft_html *h, const char *page_url,
				  const char *charset, const struct weft_html_sink *sink);

/*
 * Link values of the current document dropped, without a record or a callback, because they
 * were longer than the extractor keeps (1 MiB of raw attribute value): counted, so that a
 * caller can say so (a crawl adds them to the page's links_dropped).
 */
WEFT_API size_t weft_html_overlong(const struct weft_html *h);

/* One-shot convenience over a whole buffer. */
WEFT_API int weft_html_extract(const void *buf, size_t len, const char *page_url,
			       const char *charset, weft_link_fn *fn, void *cookie);

#ifdef __cplusplus
}
#endif
#endif
