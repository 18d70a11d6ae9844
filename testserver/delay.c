/*
 * delay.c -- the deadline heap: resumes suspended libmicrohttpd connections on time.
 *
 * Design: a binary min-heap of (deadline, connection) entries behind one mutex, and one
 * timer thread that sleeps on a CLOCK_MONOTONIC condition variable until the earliest
 * deadline (rounded up to a 1 ms tick, so one wake-up serves a batch), pops every
 * expired entry and calls MHD_resume_connection() on it (outside the lock). A worker thread never sleeps: it suspends its connection and pushes an
 * entry, then returns to its event loop, so thousands of delayed responses cost one
 * heap entry each and no thread.
 *
 * Ordering: delay_suspend() suspends the connection *before* pushing it, under the heap
 * lock, so the timer can never resume a connection that is not yet suspended.
 *
 * Shutdown: libmicrohttpd forbids stopping a daemon with suspended connections, so
 * delay_shutdown() resumes every pending entry, waits for a batch the timer thread is
 * resuming at that moment, and makes later delay_suspend() calls refuse (the caller then
 * answers at once or aborts its stream).
 */
#include "ts.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

/*
 * Timer granularity. Deadlines are honoured exactly or up to one tick late, never early;
 * batching them per tick caps the timer's wake-ups (and context switches on a busy
 * 2-core machine) at 1000 per second, however many thousand responses are delayed.
 */
#define TICK_NS 1000000u

struct entry {
	uint64_t deadline;
	struct MHD_Connection *conn;
};

struct ts_delay {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	struct entry *heap;
	size_t n, cap;
	bool closing;	/* no more suspensions: shutdown in progress */
	unsigned resuming; /* batches taken off the heap and not yet resumed (outside mu) */
	pthread_cond_t idle; /* signalled when resuming drops to 0 */
	bool stop;	/* timer thread must exit */
};

static void heap_swap(struct entry *h, size_t a, size_t b)
{
	struct entry t = h[a];
	h[a] = h[b];
	h[b] = t;
}

static void heap_up(struct entry *h, size_t i)
{
	while (i > 0 && h[(i - 1) / 2].deadline > h[i].deadline) {
		heap_swap(h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct entry *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < n && h[l].deadline < h[m].deadline)
			m = l;
		if (l + 1 < n && h[l + 1].deadline < h[m].deadline)
			m = l + 1;
		if (m == i)
			return;
		heap_swap(h, i, m);
		i = m;
	}
}

static struct entry heap_pop(struct ts_delay *d)
{
	struct entry top = d->heap[0];
	d->heap[0] = d->heap[--d->n];
	heap_down(d->heap, d->n, 0);
	return top;
}

/* Pop up to cap expired entries (all of them when closing) into out; lock held. */
static size_t take_due(struct ts_delay *d, uint64_t now, struct MHD_Connection **out,
		       size_t cap)
{
	size_t k = 0;
	while (k < cap && d->n > 0 && (d->closing || d->heap[0].deadline <= now))
		out[k++] = heap_pop(d).conn;
	return k;
}

static void wait_until(struct ts_delay *d, uint64_t deadline)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline / 1000000000u),
		.tv_nsec = (long)(deadline % 1000000000u),
	};
	pthread_cond_timedwait(&d->cv, &d->mu, &ts);
}

/* The timer thread: sleep until the earliest deadline, resume what is due, repeat. */
static void *timer_main(void *arg)
{
	struct ts_delay *d = arg;
	struct MHD_Connection *batch[128];
	pthread_mutex_lock(&d->mu);
	while (!d->stop) {
		size_t k = take_due(d, ts_now_ns(), batch, 128);
		if (k > 0) {
			d->resuming++; /* shutdown waits for this batch: see delay_shutdown() */
			pthread_mutex_unlock(&d->mu);
			for (size_t i = 0; i < k; i++)
				MHD_resume_connection(batch[i]);
			pthread_mutex_lock(&d->mu);
			if (--d->resuming == 0)
				pthread_cond_broadcast(&d->idle);
		} else if (d->n == 0) {
			pthread_cond_wait(&d->cv, &d->mu);
		} else {
			/* round up to the tick: one wake-up resumes a whole tick's batch */
			uint64_t t = d->heap[0].deadline + TICK_NS - 1;
			wait_until(d, t - t % TICK_NS);
		}
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

struct ts_delay *delay_start(void)
{
	struct ts_delay *d = calloc(1, sizeof *d);
	pthread_condattr_t ca;
	if (!d)
		return NULL;
	pthread_mutex_init(&d->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&d->idle, NULL);
	if (pthread_create(&d->thread, NULL, timer_main, d) != 0) {
		pthread_cond_destroy(&d->cv);
		pthread_mutex_destroy(&d->mu);
		free(d);
		return NULL;
	}
	return d;
}

/* Grow the heap array; lock held. */
static bool heap_grow(struct ts_delay *d)
{
	size_t cap = d->cap ? d->cap * 2 : 1024;
	struct entry *h = realloc(d->heap, cap * sizeof *h);
	if (!h)
		return false;
	d->heap = h;
	d->cap = cap;
	return true;
}

/*
 * Suspend c (from its access handler or content reader) until deadline_ns. Returns false
 * -- and leaves c running -- when shutting down or out of memory.
 */
bool delay_suspend(struct ts_delay *d, struct MHD_Connection *c, uint64_t deadline_ns)
{
	pthread_mutex_lock(&d->mu);
	if (d->closing || (d->n == d->cap && !heap_grow(d))) {
		pthread_mutex_unlock(&d->mu);
		return false;
	}
	MHD_suspend_connection(c);
	d->heap[d->n] = (struct entry){deadline_ns, c};
	heap_up(d->heap, d->n++);
	if (d->heap[0].conn == c)
		pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
	return true;
}

/* Resume every pending connection now and refuse new suspensions. */
void delay_shutdown(struct ts_delay *d)
{
	struct MHD_Connection *batch[128];
	size_t k;
	pthread_mutex_lock(&d->mu);
	d->closing = true;
	do {
		k = take_due(d, 0, batch, 128);
		pthread_mutex_unlock(&d->mu);
		for (size_t i = 0; i < k; i++)
			MHD_resume_connection(batch[i]);
		pthread_mutex_lock(&d->mu);
	} while (k > 0);
	/* A batch the timer popped just before closing may not be resumed yet: the daemon must
	   not stop until it is (libmicrohttpd aborts on a suspended connection at stop). */
	while (d->resuming > 0)
		pthread_cond_wait(&d->idle, &d->mu);
	pthread_mutex_unlock(&d->mu);
}

/* Stop and join the timer thread; call after the daemon is stopped. */
void delay_free(struct ts_delay *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->mu);
	d->stop = true;
	d->closing = true;
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
	pthread_join(d->thread, NULL);
	pthread_cond_destroy(&d->cv);
	pthread_cond_destroy(&d->idle);
	pthread_mutex_destroy(&d->mu);
	free(d->heap);
	free(d);
}
