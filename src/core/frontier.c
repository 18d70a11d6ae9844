/*
 * frontier.c -- the in-memory frontier (see frontier.h): a host table (hosts.c) whose hosts
 * hold FIFO queues, a min-heap of the hosts that may be served, keyed by the time each becomes
 * ready, and the visited set.
 *
 * Heap invariant: a host is in the heap exactly when it has queued jobs, is not fetching its
 * robots.txt, and is below its in-flight limit; its key is weft__host_ready_at(). Every change
 * to a host ends with reheap(), which restores that. Jobs that need no fetch (depth replays)
 * wait in their own queue and are taken first.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fifo.h"
#include "core/frontier.h"
#include "core/hosts.h"
#include "core/politeness.h"

struct weft__frontier {
	struct weft_crawl *c;
	struct weft__hosts *hosts;
	struct weft__visited *visited;
	struct weft__host **heap;   /* min-heap by ready time */
	size_t heap_n, heap_cap;
	struct weft__fifo instant;  /* replays: no fetch, no host */
	size_t queued;              /* jobs in host queues and instant */
	size_t in_flight;           /* taken, not settled */
};

int weft__frontier_new(struct weft__frontier **out, struct weft_crawl *c)
{
	struct weft__frontier *f = calloc(1, sizeof(*f));
	int rc = WEFT_E_NOMEM;
	if (!f)
		goto fail;
	f->c = c;
	struct weft__host_policy pol;
	weft__politeness_policy(c, &pol);
	rc = weft__hosts_new(&f->hosts, &pol);
	if (rc == WEFT_OK)
		rc = weft__visited_mem_new(&f->visited, 0, false);
	if (rc)
		goto fail;
	*out = f;
	return WEFT_OK;
fail:
	weft__frontier_free(&f);
	*out = NULL;
	return rc;
}

void weft__frontier_free(struct weft__frontier **fp)
{
	struct weft__frontier *f = fp ? *fp : NULL;
	if (!f)
		return;
	weft__hosts_free(&f->hosts); /* frees every host's queue */
	weft__fifo_free(&f->instant);
	weft__visited_free(&f->visited);
	free(f->heap);
	free(f);
	*fp = NULL;
}

/* ---- the ready heap ---- */

static bool before(const struct weft__host *a, const struct weft__host *b)
{
	return weft__host_ready_at(a) < weft__host_ready_at(b);
}

static void heap_set(struct weft__frontier *f, size_t i, struct weft__host *h)
{
	f->heap[i] = h;
	h->heap_pos = i;
}

static void sift_up(struct weft__frontier *f, size_t i)
{
	struct weft__host *h = f->heap[i];
	while (i > 0 && before(h, f->heap[(i - 1) / 2])) {
		heap_set(f, i, f->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(f, i, h);
}

static void sift_down(struct weft__frontier *f, size_t i)
{
	struct weft__host *h = f->heap[i];
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		const struct weft__host *best = h;
		if (l < f->heap_n && before(f->heap[l], best))
			best = f->heap[m = l];
		if (l + 1 < f->heap_n && before(f->heap[l + 1], best))
			m = l + 1;
		if (m == i)
			break;
		heap_set(f, i, f->heap[m]);
		i = m;
	}
	heap_set(f, i, h);
}

static void heap_remove(struct weft__frontier *f, struct weft__host *h)
{
	size_t i = h->heap_pos;
	h->heap_pos = SIZE_MAX;
	struct weft__host *last = f->heap[--f->heap_n];
	if (i == f->heap_n)
		return;
	heap_set(f, i, last);
	sift_up(f, i);
	sift_down(f, last->heap_pos);
}

static int heap_insert(struct weft__frontier *f, struct weft__host *h)
{
	if (f->heap_n == f->heap_cap) {
		size_t cap = f->heap_cap ? f->heap_cap * 2 : 64;
		struct weft__host **v = realloc(f->heap, cap * sizeof(*v));
		if (!v)
			return WEFT_E_NOMEM;
		f->heap = v;
		f->heap_cap = cap;
	}
	heap_set(f, f->heap_n++, h);
	sift_up(f, h->heap_pos);
	return WEFT_OK;
}

/* Put h where the heap invariant says it belongs, at its current ready time. */
static void reheap(struct weft__frontier *f, struct weft__host *h)
{
	const struct weft__host_policy *pol = weft__hosts_policy(f->hosts);
	bool want = weft__fifo_len(&h->queue) > 0 &&
		    h->robots_state != WEFT__ROBOTS_PENDING &&
		    (pol->max_in_flight <= 0 || h->in_flight < pol->max_in_flight);
	if (h->heap_pos != SIZE_MAX && want) { /* its ready time may have moved either way */
		sift_up(f, h->heap_pos);
		sift_down(f, h->heap_pos);
	} else if (h->heap_pos != SIZE_MAX) {
		heap_remove(f, h);
	} else if (want && heap_insert(f, h) != WEFT_OK) {
		weft__fail(f->c, WEFT_E_NOMEM); /* its jobs could never be served: say so */
	}
}

/* ---- admission ---- */

static bool queue_job(struct weft__frontier *f, struct weft__job *job)
{
	if (job->replay) {
		if (weft__fifo_push(&f->instant, job) != WEFT_OK)
			return false;
		f->queued++;
		return true;
	}
	struct weft__host *h = weft__hosts_get(f->hosts, job->url->s, job->url->len);
	if (!h || weft__fifo_push(&h->queue, job) != WEFT_OK)
		return false;
	f->queued++;
	reheap(f, h);
	return true;
}

size_t weft__frontier_admit(struct weft__frontier *f, struct weft__jobs *kids)
{
	size_t queued = 0;
	for (size_t i = 0; i < kids->n; i++) {
		struct weft__job *k = &kids->v[i];
		if (weft__admit(f->c, f->visited, k)) {
			if (queue_job(f, k)) {
				queued++;
				continue;
			}
			weft__fail(f->c, WEFT_E_NOMEM); /* admitted but unqueued: the run must say so */
		}
		weft__job_clear(k);
	}
	kids->n = 0;
	return queued;
}

size_t weft__frontier_admit_seeds(struct weft__frontier *f)
{
	struct weft__jobs seeds = { 0 };
	if (weft__seed_jobs(f->c, &seeds) != WEFT_OK)
		weft__fail(f->c, WEFT_E_NOMEM);
	size_t queued = weft__frontier_admit(f, &seeds);
	weft__jobs_free(&seeds);
	return queued;
}

/* ---- taking and settling ---- */

/* The next job of host h, which is ready: its robots.txt first, then its queue. */
static int next_of_host(struct weft__frontier *f, struct weft__host *h, double now,
			struct weft__job *out)
{
	if (weft__host_needs_robots(f->hosts, h, now)) {
		int rc = weft__robots_job(h, out);
		if (rc)
			return rc;
		h->robots_state = WEFT__ROBOTS_PENDING;
		weft__host_start(h, now);
		return WEFT_OK;
	}
	weft__fifo_pop(&h->queue, out);
	f->queued--;
	out->skip = (uint8_t)weft__host_verdict(h, out->url->s, &out->err);
	if (out->skip)
		return WEFT_OK; /* no request: the host's pace is untouched */
	weft__host_start(h, now);
	return WEFT_OK;
}

size_t weft__frontier_take(struct weft__frontier *f, double now, struct weft__jobs *out,
			   size_t max, double *next_at)
{
	size_t n = 0;
	struct weft__job job;
	while (n < max && weft__fifo_len(&f->instant) > 0) {
		weft__fifo_pop(&f->instant, &job);
		f->queued--;
		if (weft__jobs_push_job(out, &job) != WEFT_OK) {
			weft__fifo_push_front(&f->instant, &job);
			f->queued++;
			break;
		}
		n++;
	}
	while (n < max && f->heap_n > 0 && weft__host_ready_at(f->heap[0]) <= now) {
		struct weft__host *h = f->heap[0];
		memset(&job, 0, sizeof(job));
		if (next_of_host(f, h, now, &job) != WEFT_OK ||
		    weft__jobs_push_job(out, &job) != WEFT_OK) {
			weft__job_clear(&job);
			weft__fail(f->c, WEFT_E_NOMEM);
			break;
		}
		n++;
		reheap(f, h);
	}
	f->in_flight += n;
	*next_at = weft__frontier_next_at(f);
	return n;
}

void weft__frontier_settle(struct weft__frontier *f, struct weft__job *job,
			   struct weft__fate *fate, double now)
{
	f->in_flight--;
	if (job->replay || job->skip)
		return; /* no request was made */
	struct weft__host *h = weft__hosts_get(f->hosts, job->url->s, job->url->len);
	if (!h) {
		weft__fail(f->c, WEFT_E_NOMEM);
		return;
	}
	weft__host_settle(f->hosts, h, job, fate, now);
	if (fate && fate->retry) { /* back to the head of its host's queue, attempt + 1 */
		struct weft__job again = *job;
		*job = (struct weft__job){ 0 };
		again.attempt++;
		if (weft__fifo_push_front(&h->queue, &again) == WEFT_OK)
			f->queued++;
		else {
			weft__job_clear(&again);
			weft__fail(f->c, WEFT_E_NOMEM);
		}
	}
	reheap(f, h);
}

double weft__frontier_next_at(const struct weft__frontier *f)
{
	if (weft__fifo_len(&f->instant) > 0)
		return 0;
	return f->heap_n > 0 ? weft__host_ready_at(f->heap[0]) : INFINITY;
}

size_t weft__frontier_queued(const struct weft__frontier *f)
{
	return f->queued;
}

size_t weft__frontier_in_flight(const struct weft__frontier *f)
{
	return f->in_flight;
}

static void drop_host(struct weft__host *h, void *arg)
{
	struct weft__frontier *f = arg;
	f->queued -= weft__fifo_len(&h->queue);
	weft__fifo_free(&h->queue);
	if (h->heap_pos != SIZE_MAX)
		heap_remove(f, h);
}

void weft__frontier_drop(struct weft__frontier *f)
{
	weft__hosts_each(f->hosts, drop_host, f);
	f->queued -= weft__fifo_len(&f->instant);
	weft__fifo_free(&f->instant);
}
