/*
 * held.h -- records of redirect chain starts, held until the chain ends.
 *
 * A page links to A; A answers 301 to B, B 302 to C, ... The URL the page linked to is A, so
 * when the chain loops, runs past --max-redirects or leaves HTTP(S), the error belongs on A's
 * record (each hop keeps its own record too). The hops are fetched one by one, as separate
 * jobs, possibly on other threads, so A's record is not written when A answers: it is held
 * here, keyed by the URL the chain has reached, and moved along as each hop redirects again.
 * When the chain ends -- a hop answers without redirecting, fails, is skipped, or joins a URL
 * the crawl already knew -- A's record is written, with the chain's error if it ended in one.
 * Whatever is still held when the crawl ends (a stop, say) is written then: nothing is lost.
 *
 * Locking: the table has its own mutex; records are written after it is released. Every call
 * is cheap when nothing is held (an atomic count), which is the common case.
 */
#ifndef WEFT_CORE_HELD_H
#define WEFT_CORE_HELD_H

#include "internal.h"

struct weft__held;

int weft__held_new(struct weft__held **out);
void weft__held_free(struct weft__held **h);

/* Hold a chain start's record (copied) until the chain, now at next, ends. */
int weft__held_put(struct weft_crawl *c, const struct weft_record *rec, const char *next);
/* The chain at `at` redirected on to next. */
void weft__held_move(struct weft_crawl *c, const char *at, const char *next);
/* The chain at `at` ended: write the records held for it, with err and msg when err is not
   WEFT_FE_NONE (a loop, too many hops, a redirect out of HTTP(S)). */
void weft__held_end(struct weft_crawl *c, const char *at, enum weft_fetch_err err,
		    const char *msg);
/* End of the crawl: write whatever is still held, as it is. */
void weft__held_flush(struct weft_crawl *c);

#endif
