/*
 * weft/fake.h -- the fake web: canned pages with links, errors and simulated latency.
 *
 * The lecture's fakeFetcher, generalised. A fake web is a table URL -> page; a URL not in the
 * table is "missing", exactly as in the lecture. Pages may carry a delay (simulated network
 * latency), a status, a redirect, or a transport error. Used by `weft demo`, `weft crawl --web`
 * and the invariant tests.
 */
#ifndef WEFT_FAKE_H
#define WEFT_FAKE_H

#include <weft/fetcher.h>

#ifdef __cplusplus
extern "C" {
#endif

struct weft_fakeweb;

/* One page of a fake web. Pointers are borrowed by weft_fakeweb_add(), which copies them. */
struct weft_fakepage {
	const char *url;
	int status;                 /* 0 means 200, or 301 when redirect is set */
	const char *const *links;   /* absolute or relative to url */
	size_t n_links;
	unsigned delay_us;          /* simulated latency of the fetch */
	const char *error;          /* non-NULL: the fetch fails with this transport error */
	const char *redirect;       /* non-NULL: a 3xx to this URL */
	const char *content_type;   /* NULL means text/html */
};

WEFT_API int weft_fakeweb_new(struct weft_fakeweb **out);
/* Add or replace a page. */
WEFT_API int weft_fakeweb_add(struct weft_fakeweb *w, const struct weft_fakepage *p);
/* The lecture's table of golang.org pages, verbatim. */
WEFT_API int weft_fakeweb_lecture(struct weft_fakeweb **out);
/*
 * Load a web from a file of JSON lines:
 *   {"url": "...", "status": 200, "links": ["..."], "delay_ms": 3, "error": "...",
 *    "redirect": "...", "content_type": "..."}
 * Blank lines and lines starting with '#' are skipped. On a malformed file, returns
 * WEFT_E_PARSE and writes "FILE:LINE: what is wrong" to errbuf.
 */
WEFT_API int weft_fakeweb_load(struct weft_fakeweb **out, const char *path,
			       char *errbuf, size_t errlen);
WEFT_API size_t weft_fakeweb_size(const struct weft_fakeweb *w);
/* How many times url has been fetched through any fetcher over w (0 for unknown URLs too). */
WEFT_API unsigned weft_fakeweb_fetches(struct weft_fakeweb *w, const char *url);
/* Total fetches, including of missing URLs. */
WEFT_API uint64_t weft_fakeweb_total_fetches(const struct weft_fakeweb *w);
WEFT_API void weft_fakeweb_free(struct weft_fakeweb **w);

/*
 * A fetcher over a fake web (borrowed: it must outlive the fetcher). Blocking and thread-safe;
 * also async (timers), so the event engine runs on fake webs.
 */
WEFT_API int weft_fetcher_fake(struct weft_fetcher **out, struct weft_fakeweb *w);

#ifdef __cplusplus
}
#endif
#endif
