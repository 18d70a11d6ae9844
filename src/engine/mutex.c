/*
 * mutex.c -- the lecture's ConcurrentMutex: a thread per URL, the shared `fetched` set under a
 * mutex, and a WaitGroup in every parent so each waits for its children.
 *
 *   func ConcurrentMutex(url string, fetcher Fetcher, f *fetchState) {
 *       f.mu.Lock(); already := f.fetched[url]; f.fetched[url] = true; f.mu.Unlock()
 *       if already { return }
 *       urls, err := fetcher.Fetch(url)
 *       if err != nil { return }
 *       var done sync.WaitGroup
 *       for _, u := range urls {
 *           done.Add(1)
 *           go func(u string) { defer done.Done(); ConcurrentMutex(u, fetcher, f) }(u)
 *       }
 *       done.Wait()
 *   }
 *
 * Where Go would always start a goroutine, C threads are finite: at most `concurrency` live
 * threads, and when that limit is reached or pthread_create fails, the parent keeps the child
 * URL on a stack of its own and crawls it inline after its loop -- never recursing, so a long
 * chain cannot overflow a small thread stack, and never waiting for a slot, so parents waiting
 * for children cannot deadlock.
 *
 * Shared: fetch_state (the visited set locks itself: it is fetchState.mu + fetched); `live` is
 * atomic. Everything else belongs to one thread.
 */
#include <stdlib.h>

#include "engine/engine.h"
#include "sync/sync.h"

struct fetch_state {
	struct weft_crawl *c;
	struct weft__visited *fetched; /* a locked set: fetchState{mu, fetched} */
	atomic_int live;               /* threads running now */
	int max_live;
};

struct child {
	struct fetch_state *f;
	struct weft__job job;
	struct weft__waitgroup *done;  /* the parent's WaitGroup */
};

static void concurrent_mutex(struct fetch_state *f, struct weft__jobs *local);

static void *child_main(void *arg)
{
	struct child *ch = arg;
	struct fetch_state *f = ch->f;
	struct weft__waitgroup *done = ch->done;
	struct weft__jobs local = { 0 };
	if (weft__jobs_push_job(&local, &ch->job) != WEFT_OK) {
		weft__fail(f->c, WEFT_E_NOMEM);
		weft__job_clear(&ch->job);
	}
	free(ch);
	concurrent_mutex(f, &local);
	atomic_fetch_sub(&f->live, 1);
	weft__wg_done(done); /* defer done.Done(): the last touch of shared state */
	return NULL;
}

/* go func(u) {...}(u), or keep u for this thread when no thread can be had. */
static void spawn_or_keep(struct fetch_state *f, struct weft__job *kid,
			  struct weft__waitgroup *done, struct weft__jobs *local)
{
	struct weft_crawl *c = f->c;
	struct child *ch = NULL;
	if (atomic_fetch_add(&f->live, 1) < f->max_live && (ch = malloc(sizeof(*ch)))) {
		*ch = (struct child){ .f = f, .job = *kid, .done = done };
		weft__wg_add(done, 1);
		if (weft__go(child_main, ch, c->thread_stack) == WEFT_OK) {
			atomic_fetch_add_explicit(&c->stats.threads, 1, memory_order_relaxed);
			return;
		}
		weft__wg_done(done);
		free(ch);
	}
	atomic_fetch_sub(&f->live, 1);
	atomic_fetch_add_explicit(&c->stats.inline_runs, 1, memory_order_relaxed);
	if (weft__jobs_push_job(local, kid) != WEFT_OK) {
		weft__fail(c, WEFT_E_NOMEM);
		weft__job_clear(kid);
	}
}

/* One thread's share of the crawl: its URL, plus any children it had to keep. */
static void concurrent_mutex(struct fetch_state *f, struct weft__jobs *local)
{
	struct weft__waitgroup done;
	struct weft__jobs kids = { 0 };
	weft__wg_init(&done);
	while (local->n > 0) {
		struct weft__job job = local->v[--local->n];
		if (weft__admit(f->c, f->fetched, &job)) {
			if (weft__visit(f->c, &job, &kids) != WEFT_OK)
				weft__fail(f->c, WEFT_E_NOMEM);
			for (size_t i = 0; i < kids.n; i++)
				spawn_or_keep(f, &kids.v[i], &done, local);
			kids.n = 0;
		}
		weft__job_clear(&job);
	}
	weft__wg_wait(&done); /* done.Wait() */
	weft__wg_destroy(&done);
	weft__jobs_free(&kids);
	weft__jobs_free(local);
}

static int mutex_run(struct weft_crawl *c)
{
	struct fetch_state f = { .c = c, .max_live = weft__engine_concurrency(c) };
	atomic_init(&f.live, 0);
	struct weft__jobs local = { 0 };
	int rc = weft__visited_mem_new(&f.fetched, 0, true);
	for (size_t i = c->seeds.n; i-- > 0 && rc == WEFT_OK;)
		rc = weft__jobs_push_copy(&local, &c->seeds.v[i]);
	if (rc == WEFT_OK)
		concurrent_mutex(&f, &local);
	weft__jobs_free(&local);
	weft__visited_free(&f.fetched);
	return rc;
}

const struct weft__engine_ops weft__engine_mutex = {
	.name = "mutex",
	.default_concurrency = 1000,
	.needs = WEFT_FETCH_BLOCKING | WEFT_FETCH_THREADSAFE,
	.run = mutex_run,
};
