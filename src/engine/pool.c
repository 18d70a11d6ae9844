/*
 * pool.c -- the bounded crawler users need: N worker threads over one shared FIFO frontier.
 *
 * A worker takes a URL, fetches it unlocked, then admits the page's links under the lock.
 * Termination: the crawl is over when the frontier is empty and no worker is busy (a busy
 * worker may still add URLs); the worker that sees this wakes the others.
 *
 * Locking: `mu` guards frontier, visited, busy and done. The calling thread runs a worker too,
 * so the crawl makes progress even if no thread at all can be started.
 */
#include <stdlib.h>

#include "core/frontier.h"
#include "engine/engine.h"
#include "sync/sync.h"

struct pool {
	struct weft_crawl *c;
	pthread_mutex_t mu;
	pthread_cond_t cv;              /* work arrived, or the crawl is done */
	struct weft__frontier frontier; /* guarded by mu */
	struct weft__visited *visited;  /* guarded by mu (an unlocked set) */
	int busy;                       /* workers fetching now; guarded by mu */
	bool done;                      /* guarded by mu */
};

/* Wait for a job; false when the crawl is over. mu held. */
static bool next_job(struct pool *p, struct weft__job *job)
{
	for (;;) {
		if (weft__canceled(p->c)) /* drop queued work; busy workers still finish */
			weft__frontier_free(&p->frontier);
		if (!p->done && weft__frontier_pop(&p->frontier, job))
			return true;
		if (p->done || p->busy == 0) {
			p->done = true;
			pthread_cond_broadcast(&p->cv);
			return false;
		}
		pthread_cond_wait(&p->cv, &p->mu);
	}
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	struct weft__jobs kids = { 0 };
	struct weft__job job;
	pthread_mutex_lock(&p->mu);
	while (next_job(p, &job)) {
		p->busy++;
		pthread_mutex_unlock(&p->mu);
		if (weft__visit(p->c, &job, &kids) != WEFT_OK)
			weft__fail(p->c, WEFT_E_NOMEM);
		weft__job_clear(&job);
		pthread_mutex_lock(&p->mu);
		p->busy--;
		size_t queued = weft__frontier_admit(p->c, p->visited, &p->frontier, &kids);
		if (queued > 1 || (p->busy == 0 && weft__frontier_len(&p->frontier) == 0))
			pthread_cond_broadcast(&p->cv);
		else if (queued == 1)
			pthread_cond_signal(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	weft__jobs_free(&kids);
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
	int rc = tids ? weft__visited_mem_new(&p.visited, 0, false) : WEFT_E_NOMEM;
	if (rc == WEFT_OK) {
		weft__frontier_admit_seeds(c, p.visited, &p.frontier);
		pthread_mutex_init(&p.mu, NULL);
		pthread_cond_init(&p.cv, NULL);
		size_t started = start_workers(&p, tids, n);
		worker(&p);
		for (size_t i = 0; i < started; i++)
			pthread_join(tids[i], NULL);
		pthread_cond_destroy(&p.cv);
		pthread_mutex_destroy(&p.mu);
	}
	weft__frontier_free(&p.frontier);
	weft__visited_free(&p.visited);
	free(tids);
	return rc;
}

const struct weft__engine_ops weft__engine_pool = {
	.name = "pool",
	.default_concurrency = 16,
	.needs = WEFT_FETCH_BLOCKING | WEFT_FETCH_THREADSAFE,
	.run = pool_run,
};
