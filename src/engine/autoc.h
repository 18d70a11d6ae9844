/*
 * autoc.h -- `-c auto`: choose the number of fetches in flight while crawling.
 *
 * The lecture's advice, as a controller: raise concurrency until pages per second stop rising.
 *
 * Throughput is read through Little's law, level / mean latency, and not by counting
 * completions per second: completions arrive in bursts (fetches started together end
 * together), so a completion count over a short round swings by ±30% on a steady crawl,
 * while the mean latency of the round is steady. Only fetches started under the current
 * level are counted, so a round measures the level it judges and not the one before it.
 *
 * Like TCP's congestion control it starts low (the event engine starts it at 64 in flight)
 * and multiplies the level each round while throughput grows by at least half (slow start):
 * by 4 while latency shows no load (within 1.2x the best seen), by 2 under some, by 1.5 once
 * fetches queue (over 1.5x). It leaves slow start after two weaker rounds, or one if latency
 * also shows queueing; a step that bought under 10% is undone. Then it climbs a hill with a
 * direction, because "throughput fell" means different things after a step up, a step down
 * or no step:
 *   - after a step up (+25%): more than 10% faster, step up again; else go back and hold;
 *   - after a step down (x3/4): more than 10% slower, go back and hold; else step down
 *     again while latency is over twice the best, or hold;
 *   - holding: step down if latency is over twice the best, probe up if it is within a
 *     quarter of the best.
 * A rule of "slower, so step down" regardless of the last step would spiral: a smaller level
 * is slower in a latency-bound crawl, which would call for a smaller level still.
 *
 * A round lasts as many counted completions as half the level (at least 16): the fetches a
 * step adds start together, so half the level completes about one latency after the step.
 * Only rounds in which the level was the bottleneck (work waited for a free slot after most
 * completions) are judged: early in a crawl the frontier, not concurrency, limits
 * throughput. Never below half the starting level.
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
	size_t prev_level;   /* the level before the last step */
	int dir;             /* the last step: +1 up, -1 down, 0 none (holding) */
	bool slow_start;
	int weak;            /* slow start: consecutive rounds that gained under half */
	size_t limited;      /* this round: counted completions that found work waiting */
	size_t done;         /* this round: completions of fetches started in it */
	double round_start;  /* monotonic seconds */
	double lat_sum;      /* sum of counted latencies this round, ms */
	double base_rate;    /* level / latency at the level stepped from (or held); 0 = none */
	double best_lat;     /* lowest mean latency of a judged round, ms */
	size_t peak;         /* highest level used */
};

void weft__autoc_init(struct weft__autoc *a, size_t start, size_t max, double now);
/*
 * A fetch completed after ms, at monotonic time now; waiting: work was queued for lack of a
 * free slot. May change a->level.
 */
void weft__autoc_done(struct weft__autoc *a, double ms, double now, bool waiting);

#endif
