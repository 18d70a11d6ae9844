/*
 * depth.h -- exact depth limits for every engine.
 *
 * With --depth N a crawl must fetch exactly the URLs within N link hops of a seed (redirects
 * add no hop) -- whatever order the engine happens to discover them in. A depth-first or
 * concurrent engine may first reach a page by a long path; when it later finds a shorter one,
 * the page's depth must drop and its links be offered again at the new depth. So in this mode
 * the crawl remembers, per URL, its best depth and, once fetched, its in-scope links; a URL
 * found again at a smaller depth is re-admitted as a *replay* job that re-offers the stored
 * links without fetching again. Depths only decrease, so this converges to the breadth-first
 * distances.
 *
 * Locking: the table has its own mutex, a leaf lock (nothing else is locked while it is held).
 */
#ifndef WEFT_DEPTH_H
#define WEFT_DEPTH_H

#include "internal.h"

struct weft__depths;

enum {
	WEFT__DEPTH_DROP = 0,   /* already known at this depth or better, or over --max-pages */
	WEFT__DEPTH_FETCH = 1,  /* new URL: fetch it */
	WEFT__DEPTH_REPLAY = 2, /* fetched before at a greater depth: re-offer its links */
};

int weft__depths_new(struct weft__depths **out);
void weft__depths_free(struct weft__depths **d);

/* Decide what to do with url found at depth. limit: --max-pages for new URLs (0: none). */
int weft__depths_admit(struct weft__depths *d, const struct weft__str *url, int depth,
		       size_t limit);

/*
 * url was fetched: keep its candidate links (jobs whose depth is relative: 1 for links, 0 for
 * a redirect target; references are taken) and return its best depth now.
 */
int weft__depths_store(struct weft__depths *d, const struct weft__str *url,
		       const struct weft__jobs *cands, int *best);

/* Was url ever admitted (at any depth)? */
bool weft__depths_known(struct weft__depths *d, const struct weft__str *url);

/* Copy url's stored candidates into out (new references) and give its best depth. */
int weft__depths_replay(struct weft__depths *d, const struct weft__str *url,
			struct weft__jobs *out, int *best);

#endif
