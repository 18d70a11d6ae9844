/*
 * page.h -- the core's sink for one fetch: what the bytes of a response mean.
 *
 * The fetcher only fetches (weft/fetcher.h): it hands status, headers and body pieces to a
 * struct weft_sink. This module is that sink. For a page it runs the HTML extractor on the
 * body as it arrives (streaming: links are found while the body downloads) and keeps one link
 * record per link, plus the page's anchors when the crawl wants them; for robots.txt and
 * sitemaps it keeps the body itself; a fetcher whose pages are link lists (the fake web) hands
 * its links straight in. Nothing here touches the crawl's shared state: the visit step
 * (visit.c) reads the records afterwards and decides what to follow.
 *
 * Ownership: a page belongs to the one thread driving its fetch. Its buffers (and the HTML
 * extractor) are kept between fetches, so an engine that reuses a page allocates nothing per
 * fetch once warm. Link records point into the page's own storage and stay valid until the
 * next weft__page_begin() or weft__page_free().
 */
#ifndef WEFT_CORE_PAGE_H
#define WEFT_CORE_PAGE_H

#include <weft/extract.h>
#include <weft/fetcher.h>

#include "internal.h"

struct weft__page {
	const struct weft_crawl *c;     /* borrowed: its read-only configuration */
	const struct weft__job *job;    /* borrowed for the fetch */
	struct weft_sink sink;          /* handed to the fetcher; cookie = this page */
	struct weft_request req;        /* what weft__page_begin() asks of the fetcher */
	struct weft_html *html;         /* kept between pages; NULL until first needed */
	int rc;                         /* first failure of our own (out of memory), or 0 */
	bool parse;                     /* this response's body goes to the extractor */
	bool keep;                      /* this response's body is kept (robots.txt, sitemap) */
	bool take_links;                /* this response's links (fake web) are taken */

	struct weft_link *links;        /* the response's link records; strings in `strs` */
	size_t n_links;                 /* at most cfg.max_links */
	size_t links_dropped;           /* found beyond cfg.max_links */
	size_t cap_links;
	size_t *anchors;                /* offsets into strs (cfg.anchors) */
	size_t n_anchors;
	size_t cap_anchors;
	const char **anchor_ptrs;       /* filled by weft__page_end() */
	size_t cap_anchor_ptrs;
	char *strs;                     /* every string of the records, NUL-terminated */
	size_t strs_len;
	size_t strs_cap;
	char *body;                     /* kept body (NUL-terminated) */
	size_t body_len;
	size_t body_cap;
};

void weft__page_init(struct weft__page *p, const struct weft_crawl *c);
/* Set up p for a fetch of job: p->req is then the request to hand the fetcher. */
void weft__page_begin(struct weft__page *p, const struct weft__job *job);
/*
 * The fetch ended with resp: flush the extractor if the page was parsed and make the records'
 * pointers final. Returns p->rc (out of memory while collecting: the records are incomplete).
 */
int weft__page_end(struct weft__page *p, const struct weft_response *resp);
/* The anchors of the last page, NUL-terminated (valid as the records are). */
const char *const *weft__page_anchors(const struct weft__page *p);
void weft__page_free(struct weft__page *p);

#endif
