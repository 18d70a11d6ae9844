/*
 * pool.c -- the bounded crawler users need: N worker threads over the shared frontier.
 *
 * A worker takes a job the frontier says may start now (its host ready: robots.txt known, a
 * slot free, its delay passed), fetches it unlocked, then admits the page's links and settles
 * the job under the lock. When jobs are queued but none may start yet, a worker waits on the
 * condition variable until the frontier's next ready time -- never spinning, never sleeping
 * while it holds a host's slot. Termination: nothing queued and nothing taken (a taken job may
 * still add URLs); the worker that sees this wakes the others.
 *
 * Stopping: the engine's waker broadcasts cv, so workers waiting for a host's turn see the
 * canceled flag at once; workers fetching get an aborted fetch back within a second.
 *
 * Locking: `mu` guards the frontier and done. The calling thread runs a worker too, so the
 * crawl makes progress even if no thread at all can be started.
 */
#include <math.h>
#include <stdlib.h>

#include "core/frontier.h"
#include "core/politeness.h"
#include "engine/engine.h"
#include "sync/sync.h"

struct pool {
	struct weft_crawl *c;
	pthread_mutex_t mu;
	pthread_cond_t cv;               /* work arrived, a host was released, or the end */
	struct weft__frontier *frontier; /* guarded by mu */
	bool done;                       /* guarded by mu */
};

/* Wait for a job that may start now; false when the crawl is over. mu held. */
static bool next_job(struct pool *p, struct weft__jobs *one)
{
	for (;;) {
		double next = INFINITY;
		if (weft__canceled(p->c)) /* drop queued work; taken jobs still settle */
			weft__frontier_drop(p->frontier);
		if (!p->done && weft__frontier_take(p->frontier, weft__now(), one, 1, &next) > 0)
			return true;
		if (p->done || (weft__frontier_queued(p->frontier) == 0 &&
				weft__frontier_in_flight(p->frontier) == 0)) {
			p->done = true;
			pthread_cond_broadcast(&p->cv);
			return false;
		}
		weft__cond_wait_until(&p->cv, &p->mu, next);
	}
}

/* Fetch (or record) one job unlocked; then, locked, admit its links and settle it. */
static void run_job(struct pool *p, struct weft__job *job, struct weft__jobs *kids)
{
	struct weft__fate fate;
	weft__fate_init(&fate);
	pthread_mutex_unlock(&p->mu);
	if (weft__visit_once(p->c, job, kids, &fate) != WEFT_OK)
		weft__fail(p->c, WEFT_E_NOMEM);
	pthread_mutex_lock(&p->mu);
	size_t queued = weft__frontier_admit(p->frontier, kids);
	weft__frontier_settle(p->frontier, job, &fate, weft__now());
	weft__fate_clear(&fate);
	weft__job_clear(job);
	if (queued > 1 || weft__frontier_next_at(p->frontier) <= weft__now() ||
	    (weft__frontier_queued(p->frontier) == 0 && weft__frontier_in_flight(p->frontier) == 0))
		pthread_cond_broadcast(&p->cv);
	else if (queued == 1)
		pthread_cond_signal(&p->cv);
}

/* The engine's waker (weft_crawl_cancel): every waiting worker looks again. */
static void wake_all(void *arg)
{
	struct pool *p = arg;
	pthread_mutex_lock(&p->mu);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	struct weft__jobs kids = { 0 }, one = { 0 };
	pthread_mutex_lock(&p->mu);
	while (next_job(p, &one)) {
		struct weft__job job = one.v[0];
		one.n = 0;
		run_job(p, &job, &kids);
	}
	pthread_mutex_unlock(&p->mu);
	weft__jobs_free(&kids);
	weft__jobs_free(&one);
	return NULL;
}

/* Start up to n-1 more workers; the caller is the n-th. Returns how many started. */
static size_t start_workers(struct pool *p, pthread_t *tids, size_t n)
{
	size_t started = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		if (weft__thread_start(&tids[started], worker, p, p->c->thread_stack) != WEFT_OK)
			continue; /* fewer workers is slower, never wrong */
		started++;
		atomic_fetch_add_explicit(&p->c->stats.threads, 1, memory_order_relaxed);
	}
	return started;
}

static int pool_run(struct weft_crawl *c)
{
	struct pool p = { .c = c };
	size_t n = (size_t)weft__engine_concurrency(c);
	pthread_t *tids = calloc(n, sizeof(*tids));
	int rc = tids ? weft__frontier_new(&p.frontier, c) : WEFT_E_NOMEM;
	if (rc == WEFT_OK) {
		weft__frontier_admit_seeds(p.frontier);
		pthread_mutex_init(&p.mu, NULL);
		weft__cond_init_mono(&p.cv);
		weft__waker_set(c, wake_all, &p);
		size_t started = start_workers(&p, tids, n);
		worker(&p);
		for (size_t i = 0; i < started; i++)
			pthread_join(tids[i], NULL);
		weft__waker_set(c, NULL, NULL);
		pthread_cond_destroy(&p.cv);
		pthread_mutex_destroy(&p.mu);
	}
	weft__frontier_free(&p.frontier);
	free(tids);
	return rc;
}

const struct weft__engine_ops weft__engine_pool = {
	.name = "pool",
	.frontier = true,
	.default_concurrency = 16,
	.needs = WEFT_FETCH_BLOCKING | WEFT_FETCH_THREADSAFE,
	.run = pool_run,
};
