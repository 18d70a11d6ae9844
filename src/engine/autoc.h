/*
 * autoc.h -- `-c auto`: choose the number of fetches in flight while crawling.
 *
 * The lecture's advice, as a controller: raise concurrency until pages per second stop rising.
 * Like TCP's congestion control: start low and double each round while throughput grows by
 * at least half (slow start, left after two weaker rounds; a doubling that bought under 10% is
 * undone; never below half the starting level); then grow gently
 * (+25%) while it rises by more than 10%, hold on a plateau, and back off to 3/4 when it falls
 * by more than 10% or latency more than doubles against the best seen.
 * A round lasts as many completions as the current level, and only rounds in which the level
 * was the bottleneck most of the time (work was waiting while the level was full after most
 * completions) are judged -- early in a crawl the frontier, not concurrency, limits throughput.
 *
 * Owned by the event loop's thread; no locks.
 */
#ifndef WEFT_AUTOC_H
#define WEFT_AUTOC_H

#include <stdbool.h>
#include <stddef.h>

struct weft__autoc {
	size_t level;        /* fetches allowed in flight now */
	size_t min, max;
	bool slow_start;
	int weak;            /* slow start: consecutive rounds that gained under half */
	size_t limited;      /* this round: completions that found work waiting */
	size_t done;         /* completions this round */
	double round_start;  /* monotonic seconds */
	double lat_sum;      /* sum of fetch latencies this round, ms */
	double prev_rate;    /* pages/s of the last judged round; 0 = none yet */
	double best_lat;     /* lowest mean latency of a judged round, ms */
	size_t peak;         /* highest level used */
};

void weft__autoc_init(struct weft__autoc *a, size_t start, size_t max, double now);
/*
 * A fetch completed after ms; waiting: work was queued for lack of a free slot. May change
 * a->level.
 */
void weft__autoc_done(struct weft__autoc *a, double ms, double now, bool waiting);

#endif
