/* autoc.c -- the `-c auto` controller (see autoc.h). */
#include "engine/autoc.h"

#define MIN_ROUND 16

void weft__autoc_init(struct weft__autoc *a, size_t start, size_t max, double now)
{
	*a = (struct weft__autoc){ .level = start, .min = start > 8 ? start / 2 : 4, .max = max,
				   .slow_start = true, .round_start = now, .peak = start };
	if (a->level > max)
		a->level = a->peak = max;
}

static void set_level(struct weft__autoc *a, size_t level)
{
	if (level < a->min)
		level = a->min;
	if (level > a->max)
		level = a->max;
	a->level = level;
	if (level > a->peak)
		a->peak = level;
}

/*
 * Slow start: each round doubled the level, so a latency-bound crawl should nearly double its
 * rate. Less than 1.5x means the server or the CPU is saturating: stop doubling, and if the
 * doubling bought (almost) nothing, go back to the level before it.
 */
static void judge_slow_start(struct weft__autoc *a, double rate)
{
	if (a->prev_rate == 0 || rate >= a->prev_rate * 1.5) {
		a->weak = 0;
		set_level(a, a->level * 2);
	} else if (++a->weak >= 2) { /* twice in a row: one round can be noise */
		a->slow_start = false;
		if (rate < a->prev_rate * 1.1)
			set_level(a, a->level / 2);
	}
	a->prev_rate = rate;
}

/* Judge a finished round in which concurrency was the bottleneck. */
static void judge(struct weft__autoc *a, double rate, double lat)
{
	if (a->slow_start) {
		judge_slow_start(a, rate);
		if (a->best_lat == 0 || lat < a->best_lat)
			a->best_lat = lat;
		return;
	}
	bool faster = a->prev_rate == 0 || rate > a->prev_rate * 1.10;
	bool slower = a->prev_rate > 0 && rate < a->prev_rate * 0.90;
	bool queueing = a->best_lat > 0 && lat > a->best_lat * 2.0;
	if (a->best_lat == 0 || lat < a->best_lat)
		a->best_lat = lat;
	if (slower || (queueing && !faster)) {
		set_level(a, a->level * 3 / 4);
		a->slow_start = false;
	} else if (faster) {
		set_level(a, a->level + a->level / 4);
	} /* else a plateau: stay */
	a->prev_rate = rate;
}

void weft__autoc_done(struct weft__autoc *a, double ms, double now, bool waiting)
{
	a->done++;
	a->limited += waiting;
	a->lat_sum += ms;
	size_t round = a->level > MIN_ROUND ? a->level : MIN_ROUND;
	if (a->done < round)
		return;
	double secs = now - a->round_start;
	if (a->limited * 2 >= a->done && secs > 0)
		judge(a, (double)a->done / secs, a->lat_sum / (double)a->done);
	a->done = 0;
	a->lat_sum = 0;
	a->limited = 0;
	a->round_start = now;
}
