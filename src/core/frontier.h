/*
 * frontier.h -- the crawl's to-do list for the scheduling engines (event, pool): per-host
 * queues, each host ready at a time T, and the visited set behind them.
 *
 * The interface is the one a scheduler needs and no more (after URLFrontier, Heritrix and
 * Scrapy; docs/ARCHITECTURE.md):
 *   admit   a page's candidate links, in one call (dedup + enqueue);
 *   take    the jobs that may start now, never blocking; when none may, the time the next one
 *           may (an event loop arms a timer, a worker waits on its condvar until then);
 *   settle  a taken job's fate: done, or refused by the server and to be retried when its host's
 *           block ends (429/503 and Retry-After block the whole host), or a robots.txt answer.
 * A host is served only when it is ready: its robots.txt is known (fetched first, as a job of
 * its own), fewer than --max-per-host of its requests are in flight, its delay since the last
 * start has passed and no Retry-After blocks it. Hosts wait in a min-heap keyed by the time
 * they become ready, so thousands of hosts cost a heap entry each, not a thread or a scan.
 * URLs robots.txt disallows come out of take() as skip jobs (no fetch: a record says why).
 *
 * This is the in-memory store. An on-disk (SQLite) or shared (Redis) store implements the same
 * calls; the engines see only these.
 *
 * Locking: none inside; the engine's lock guards every call (one lock per page, not per link).
 */
#ifndef WEFT_FRONTIER_H
#define WEFT_FRONTIER_H

#include "internal.h"

struct weft__frontier;
struct weft__fate;

int weft__frontier_new(struct weft__frontier **out, struct weft_crawl *c);
void weft__frontier_free(struct weft__frontier **f);

/* Admit the crawl's seeds (new references; the seeds stay the crawl's). */
size_t weft__frontier_admit_seeds(struct weft__frontier *f);
/* Admit each job of kids (weft__admit: dedup, --max-pages, --depth) and queue the new ones; the
   rest are released and kids ends empty. Returns how many were queued. */
size_t weft__frontier_admit(struct weft__frontier *f, struct weft__jobs *kids);

/*
 * Move up to max jobs that may start at `now` into out and count them in flight. *next_at:
 * when the next queued job may start (INFINITY when nothing is queued, or every host with
 * queued work is at its in-flight limit or fetching its robots.txt: a settle() will change it).
 */
size_t weft__frontier_take(struct weft__frontier *f, double now, struct weft__jobs *out,
			   size_t max, double *next_at);
/* The fate of a job take() gave out (fate NULL: done, nothing refused). */
void weft__frontier_settle(struct weft__frontier *f, struct weft__job *job,
			   struct weft__fate *fate, double now);

/* When the next queued job may start; INFINITY as in take(). */
double weft__frontier_next_at(const struct weft__frontier *f);
size_t weft__frontier_queued(const struct weft__frontier *f);   /* waiting, not taken */
size_t weft__frontier_in_flight(const struct weft__frontier *f);/* taken, not settled */
/* Drop every queued job (the crawl was canceled); jobs in flight still settle. */
void weft__frontier_drop(struct weft__frontier *f);

#endif
