/*
 * test_autoc.c -- the `-c auto` controller against a simulated server, in simulated time.
 *
 * The model: a server with a base latency b and a capacity of C responses per second. A
 * fetch started while n others are in flight takes max(b, n / C) (jittered by up to ±15%,
 * from a fixed seed), so throughput is min(level / b, C): it rises with the level up to the
 * knee C x b and is flat beyond it, where only latency grows -- the shape of the S1 crawl on
 * a CPU-bound machine. Work is always waiting, so every round is judged.
 *
 * What must hold: the controller reaches at least 85% of the best possible throughput once
 * it has had a few seconds, does not run far past the knee (each fetch costs memory and a
 * socket), climbs to its maximum when nothing saturates, and -- the bug these tests were
 * written against -- never spirals down: a step down makes a latency-bound crawl slower,
 * which must not be read as a reason to step down again.
 */
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "engine/autoc.h"

#define MAX_FLIGHT 20000

struct sim {
	double b, cap;          /* base latency (s), capacity (responses/s) */
	double heap[MAX_FLIGHT]; /* completion times of the fetches in flight */
	double start[MAX_FLIGHT];
	size_t n;
	uint64_t rng;
};

static double jitter(struct sim *s)
{
	s->rng = s->rng * 6364136223846793005u + 1442695040888963407u;
	return 0.85 + 0.30 * (double)(s->rng >> 11) / 9007199254740992.0;
}

static void heap_push(struct sim *s, double done, double start)
{
	size_t i = s->n++;
	s->heap[i] = done;
	s->start[i] = start;
	while (i > 0 && s->heap[(i - 1) / 2] > s->heap[i]) {
		size_t p = (i - 1) / 2;
		double t = s->heap[p], u = s->start[p];
		s->heap[p] = s->heap[i], s->start[p] = s->start[i];
		s->heap[i] = t, s->start[i] = u;
		i = p;
	}
}

static void heap_pop(struct sim *s, double *done, double *start)
{
	*done = s->heap[0];
	*start = s->start[0];
	s->heap[0] = s->heap[--s->n];
	s->start[0] = s->start[s->n];
	for (size_t i = 0;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < s->n && s->heap[l] < s->heap[m])
			m = l;
		if (l + 1 < s->n && s->heap[l + 1] < s->heap[m])
			m = l + 1;
		if (m == i)
			break;
		double t = s->heap[m], u = s->start[m];
		s->heap[m] = s->heap[i], s->start[m] = s->start[i];
		s->heap[i] = t, s->start[i] = u;
		i = m;
	}
}

struct outcome {
	double rate;      /* completions per second over the last half of the run */
	size_t level;     /* final level */
	size_t low, high; /* lowest and highest level over the last half */
};

/* Run the controller for secs of simulated time, starting at level start. */
static struct outcome simulate(double b, double cap, size_t start, size_t max, double secs)
{
	static struct sim s;
	struct weft__autoc a;
	struct outcome o = { .low = SIZE_MAX };
	double now = 0, half_at = secs / 2;
	size_t half_done = 0;
	s = (struct sim){ .b = b, .cap = cap, .rng = 42 };
	weft__autoc_init(&a, start, max, now);
	while (now < secs) {
		while (s.n < a.level && s.n < MAX_FLIGHT) {
			double lat = fmax(b, (double)(s.n + 1) / cap) * jitter(&s);
			heap_push(&s, now + lat, now);
		}
		double done, started;
		heap_pop(&s, &done, &started);
		now = done;
		weft__autoc_done(&a, (done - started) * 1000.0, now, true);
		if (now >= half_at) {
			half_done++;
			if (a.level < o.low)
				o.low = a.level;
			if (a.level > o.high)
				o.high = a.level;
		}
	}
	o.rate = (double)half_done / (secs - half_at);
	o.level = a.level;
	return o;
}

static void report(const char *name, struct outcome o, double best)
{
	fprintf(stderr, "  %s: %.0f/s of %.0f/s best (%.0f%%), level %zu (%zu..%zu late)\n",
		name, o.rate, best, 100.0 * o.rate / best, o.level, o.low, o.high);
}

/* S1's shape: 50 ms, saturating at 10,000/s (knee 500 in flight). */
static void test_latency_then_cpu_bound(void)
{
	struct outcome o = simulate(0.050, 10000, 16, 16384, 20);
	report("50 ms, 10k/s", o, 10000);
	CHECK(o.rate >= 0.85 * 10000);
	CHECK(o.high <= 4 * 500);  /* not far past the knee */
	CHECK(o.low >= 500 / 2);   /* no spiral down */
}

/* Nothing saturates: climb to the maximum. */
static void test_latency_only(void)
{
	struct outcome o = simulate(0.050, 1e9, 16, 2000, 20);
	report("50 ms, unlimited", o, 2000 / 0.050);
	CHECK(o.rate >= 0.85 * 2000 / 0.050);
	CHECK(o.level >= 1500);
}

/* S2's shape: a fast server, CPU-bound at a small level (knee 20). */
static void test_cpu_bound(void)
{
	struct outcome o = simulate(0.001, 20000, 32, 16384, 10);
	report("1 ms, 20k/s", o, 20000);
	CHECK(o.rate >= 0.85 * 20000);
	CHECK(o.high <= 8 * 20 + 32); /* knee x 8, or the floor of half the start */
}

/* A slow server (500 ms) saturating at 200/s: knee 100. */
static void test_slow_server(void)
{
	struct outcome o = simulate(0.500, 200, 16, 16384, 120);
	report("500 ms, 200/s", o, 200);
	CHECK(o.rate >= 0.85 * 200);
	CHECK(o.high <= 4 * 100);
	CHECK(o.low >= 100 / 2);
}

/* Rounds in which the level was not the bottleneck are not judged: the level stays. */
static void test_not_limited_holds(void)
{
	struct weft__autoc a;
	weft__autoc_init(&a, 32, 4096, 0);
	for (int i = 1; i <= 10000; i++)
		weft__autoc_done(&a, 50.0, 0.050 + i * 0.001, false);
	CHECK_INT(a.level, 32);
}

/* Fetches started before a step are not counted in the round that judges the step. */
static void test_old_fetches_not_counted(void)
{
	struct weft__autoc a;
	weft__autoc_init(&a, 32, 4096, 1.0);
	for (int i = 0; i < 1000; i++) /* all started at t = 0.5, before the round */
		weft__autoc_done(&a, 600.0, 1.1, true);
	CHECK_INT(a.level, 32);
	CHECK_INT(a.done, 0);
}

int main(void)
{
	RUN(test_latency_then_cpu_bound);
	RUN(test_latency_only);
	RUN(test_cpu_bound);
	RUN(test_slow_server);
	RUN(test_not_limited_holds);
	RUN(test_old_fetches_not_counted);
	return check_report();
}
