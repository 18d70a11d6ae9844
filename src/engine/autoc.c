/* autoc.c -- the `-c auto` controller (see autoc.h for the rules and why). */
#include "engine/autoc.h"

#define MIN_ROUND 16

void weft__autoc_init(struct weft__autoc *a, size_t start, size_t max, double now)
{
	*a = (struct weft__autoc){ .level = start, .min = start > 8 ? start / 2 : 4, .max = max,
				   .slow_start = true, .round_start = now, .peak = start };
	if (a->level > max)
		a->level = a->peak = max;
	a->prev_level = a->level;
}

/* Step to level (dir: +1 up, -1 down) from a level measured at rate pages/s. */
static void step(struct weft__autoc *a, size_t level, int dir, double rate)
{
	if (level < a->min)
		level = a->min;
	if (level > a->max)
		level = a->max;
	a->prev_level = a->level;
	a->base_rate = rate;
	a->level = level;
	a->dir = dir;
	if (level > a->peak)
		a->peak = level;
}

/* Go back to the level before the last step (measured at base_rate) and hold there. */
static void undo(struct weft__autoc *a)
{
	a->level = a->prev_level;
	a->dir = 0;
}

/* Stay at this level, now measured at rate. */
static void hold(struct weft__autoc *a, double rate)
{
	a->base_rate = rate;
	a->dir = 0;
}

static void judge_slow_start(struct weft__autoc *a, double rate, double lat)
{
	bool queueing = lat > a->best_lat * 1.5;
	if (a->base_rate == 0 || rate >= a->base_rate * 1.5) {
		/* the more latency shows load, the smaller the step: x4, x2, x1.5 */
		a->weak = 0;
		size_t next = lat < a->best_lat * 1.2 ? a->level * 4
			      : !queueing		 ? a->level * 2
						 : a->level + a->level / 2;
		step(a, next, +1, rate);
	} else if (++a->weak >= 2 || queueing) {
		a->slow_start = false;
		if (rate < a->base_rate * 1.1)
			undo(a);
		else
			hold(a, rate);
	} else {
		step(a, a->level * 2, +1, rate); /* one weak round: try once more */
	}
}

/* After slow start: hill climbing, judged against the direction of the last step. */
static void judge_climb(struct weft__autoc *a, double rate, double lat)
{
	bool faster = rate > a->base_rate * 1.10;
	bool slower = rate < a->base_rate * 0.90;
	bool queued = lat > a->best_lat * 2.0;
	if (a->dir > 0) {
		if (faster)
			step(a, a->level + a->level / 4, +1, rate);
		else
			undo(a);
	} else if (a->dir < 0) {
		if (slower)
			undo(a);
		else if (queued)
			step(a, a->level * 3 / 4, -1, rate);
		else
			hold(a, rate);
	} else if (queued) {
		step(a, a->level * 3 / 4, -1, rate);
	} else if (lat < a->best_lat * 1.25) {
		step(a, a->level + a->level / 4, +1, rate);
	} else {
		hold(a, rate);
	}
}

/* Judge a finished round whose counted fetches took lat ms on average. */
static void judge(struct weft__autoc *a, double lat)
{
	double rate = (double)a->level / lat; /* Little's law: in flight / latency */
	if (a->best_lat == 0 || lat < a->best_lat)
		a->best_lat = lat;
	if (a->slow_start)
		judge_slow_start(a, rate, lat);
	else
		judge_climb(a, rate, lat);
}

void weft__autoc_done(struct weft__autoc *a, double ms, double now, bool waiting)
{
	if (now - ms / 1000.0 < a->round_start)
		return; /* started under the previous level: not this round's to judge */
	a->done++;
	a->limited += waiting;
	a->lat_sum += ms;
	size_t round = a->level / 2 > MIN_ROUND ? a->level / 2 : MIN_ROUND;
	if (a->done < round)
		return;
	if (a->limited * 2 >= a->done && a->lat_sum > 0)
		judge(a, a->lat_sum / (double)a->done);
	a->done = 0;
	a->lat_sum = 0;
	a->limited = 0;
	a->round_start = now;
}
