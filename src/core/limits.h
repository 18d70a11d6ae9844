/*
 * limits.h -- the crawl's guards against an infinite or hostile web (docs/LIMITS.md).
 *
 * Two kinds. Shape limits look at one URL alone (its length, its number of path segments, a
 * segment repeated over and over) and are checked when a link is found, before anything is
 * queued. Counting limits need the crawl's history (pages per host, URLs of one host that
 * differ only in their digits -- a calendar, a session id, an endless "next" link) and are
 * checked when a URL is admitted. Either way the URL is not fetched and gets a "skipped"
 * record naming the limit.
 *
 * Locking: the counting table has its own mutex (admission runs under each engine's own
 * lock, which differ by engine); it is taken once per admitted URL, never per link.
 */
#ifndef WEFT_CORE_LIMITS_H
#define WEFT_CORE_LIMITS_H

#include "internal.h"

struct weft__limits;

int weft__limits_new(struct weft__limits **out);
void weft__limits_free(struct weft__limits **l);

/*
 * A URL (canonical, len bytes) about to be queued: WEFT__SKIP_NONE, or WEFT__SKIP_TOO_LONG /
 * WEFT__SKIP_TRAP with what tripped written to msg.
 */
enum weft__skip weft__limits_shape(const struct weft_crawl *c, const char *url, size_t len,
				   char *msg, size_t msglen);

/*
 * A page URL newly admitted: count it against its host and its digit pattern. Returns
 * WEFT__SKIP_NONE, WEFT__SKIP_HOST_LIMIT or WEFT__SKIP_TRAP (msg says which), or a negative
 * enum weft_err (out of memory).
 */
int weft__limits_count(struct weft_crawl *c, const char *url, size_t len, char *msg,
		       size_t msglen);

#endif
