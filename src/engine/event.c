/*
 * event.c -- the event-driven engine: a few loop threads, thousands of fetches in flight.
 *
 * The lecture's alternative to a thread per URL: a loop starts fetches on an asynchronous
 * fetcher (libcurl's multi interface over epoll, or the fake web's timers), waits until any of
 * them finishes, and handles each completion -- record, links, admission -- before starting
 * more. Concurrency is the number of fetches in flight (-c), not the number of threads.
 *
 * When parsing and HTTP work make one core the bottleneck, one loop per core runs over a
 * shared frontier (cfg.loops; each loop drives its own fetcher, a clone of the crawl's, and
 * gets an equal share of -c). With one loop the lock below is never contended.
 *
 * Politeness lives in the frontier (core/frontier.h): it hands out only jobs whose host is
 * ready, and says when the next one will be; a loop with room to spare and nothing ready waits
 * in its fetcher's run() with that time as its timeout, so a host's delay or Retry-After costs
 * a timer, not a thread or a busy loop.
 *
 * Locking: `mu` guards the frontier (and the visited set in it), `done` and every
 * loop's `sleeping` flag. Fetches, records and link extraction run unlocked, each on the
 * thread of the loop that started them. A loop that has spare capacity and nothing to start
 * marks itself sleeping (under mu) before it blocks in its fetcher's run(); whoever queues work
 * wakes sleeping loops (their fetcher's wake(), an eventfd) under the same lock, so no wake-up
 * is lost. Termination: the frontier is empty and nothing is in flight in any loop.
 * Stopping: weft_crawl_cancel() (or a failure) sets the canceled flag and aborts the crawl's
 * fetcher; the engine's waker aborts every loop's fetcher under mu, and so does the first loop
 * to see the flag in take() (a stop from inside the crawl runs no waker). An aborted fetcher
 * completes everything in flight at once without a record, so every loop drains and ends
 * within one turn, whatever the servers do; queued work is dropped.
 */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/frontier.h"
#include "core/page.h"
#include "core/politeness.h"
#include "engine/autoc.h"
#include "engine/engine.h"
#include "sync/sync.h"

#define MAX_LOOPS 8

struct shared;

/* One event loop: a thread, a fetcher, its fetches in flight. */
struct loop {
	struct shared *sh;
	struct weft_fetcher *f;         /* the crawl's fetcher (loop 0) or a clone */
	pthread_t tid;
	size_t in_flight;               /* this loop's fetches; its thread only */
	size_t level;                   /* this loop's -c share (or the controller's) */
	bool sleeping;                  /* guarded by sh->mu: may be woken for new work */
	bool waiting;                   /* work was queued after this loop's last completion */
	double next_at;                 /* when the frontier said its next job may start */
	bool autoc_on;                  /* -c auto */
	struct weft__autoc autoc;
	struct weft__jobs kids;         /* scratch: one completion's children */
	struct slot *spare;             /* finished slots kept for reuse (their pages' buffers
					   and extractors stay warm); this loop's thread only */
	struct weft__jobs batch;        /* scratch: jobs taken from the frontier */
};

/* What all loops share. */
struct shared {
	struct weft_crawl *c;
	pthread_mutex_t mu;
	struct weft__frontier *frontier;/* guarded by mu; counts what is taken, not settled */
	bool done;                      /* guarded by mu */
	bool aborted;                   /* guarded by mu: abort_loops() ran */
	struct loop loops[MAX_LOOPS];
	size_t n_loops;
};

/* One fetch in flight: its job, the response the fetcher fills, the sink its bytes go to. */
struct slot {
	struct loop *lp;
	struct weft__job job;
	struct weft_response resp;
	struct weft__page page;
	struct slot *next;              /* in lp->spare */
};

static struct slot *slot_get(struct loop *lp)
{
	struct slot *s = lp->spare;
	if (s) {
		lp->spare = s->next;
		return s;
	}
	s = malloc(sizeof(*s));
	if (s) {
		s->lp = lp;
		weft__page_init(&s->page, lp->sh->c);
	}
	return s;
}

static void slot_put(struct loop *lp, struct slot *s)
{
	s->next = lp->spare;
	lp->spare = s;
}

/* Wake loops that sleep with room for more work, if a job may start now; mu held. */
static void wake_sleepers(struct shared *sh, const struct loop *self)
{
	if (weft__frontier_next_at(sh->frontier) > weft__now())
		return; /* nothing ready: each sleeper's timer is set for the next ready time */
	for (size_t i = 0; i < sh->n_loops; i++) {
		struct loop *o = &sh->loops[i];
		if (o != self && o->sleeping) {
			o->sleeping = false;
			o->f->ops->wake(o->f);
		}
	}
}

/* The crawl stops: every loop's fetcher abandons what it has in flight; mu held. */
static void abort_loops(struct shared *sh)
{
	sh->aborted = true;
	for (size_t i = 0; i < sh->n_loops; i++) {
		struct weft_fetcher *f = sh->loops[i].f;
		if (f->ops->abort)
			f->ops->abort(f);
		else
			f->ops->wake(f);
	}
}

/* The engine's waker (weft_crawl_cancel): abort and wake every loop now. */
static void wake_all(void *arg)
{
	struct shared *sh = arg;
	pthread_mutex_lock(&sh->mu);
	abort_loops(sh);
	pthread_mutex_unlock(&sh->mu);
}

/* Admit lp's scratch kids, then settle the job they came from (its host slot, a retry). */
static void admit_and_settle(struct loop *lp, struct weft__job *job, struct weft__fate *fate)
{
	struct shared *sh = lp->sh;
	pthread_mutex_lock(&sh->mu);
	weft__frontier_admit(sh->frontier, &lp->kids);
	weft__frontier_settle(sh->frontier, job, fate, weft__now());
	lp->waiting = weft__frontier_queued(sh->frontier) > 0;
	wake_sleepers(sh, lp);
	pthread_mutex_unlock(&sh->mu);
	weft__job_clear(job);
}

/* End of one fetch, successful or not: record it, admit its links, settle it, free the slot. */
static void finish(struct slot *s, int fetch_rc)
{
	struct loop *lp = s->lp;
	struct weft__fate fate;
	if (weft__visit_end(lp->sh->c, &s->job, fetch_rc, &s->resp, &s->page, &lp->kids,
			    &fate) != WEFT_OK)
		weft__fail(lp->sh->c, WEFT_E_NOMEM);
	admit_and_settle(lp, &s->job, &fate);
	weft__fate_clear(&fate);
	slot_put(lp, s);
}

static void on_done(void *cookie, struct weft_response *resp)
{
	struct slot *s = cookie;
	struct loop *lp = s->lp;
	double ms = resp->ms;
	lp->in_flight--;
	atomic_fetch_sub_explicit(&lp->sh->c->stats.in_flight, 1, memory_order_relaxed);
	finish(s, WEFT_OK);
	if (lp->autoc_on) {
		weft__autoc_done(&lp->autoc, ms, weft__now(), lp->waiting);
		lp->level = lp->autoc.level;
	}
}

/*
 * Start one job. Replays and skips need no fetch and complete at once, as does a job the
 * fetcher refuses; returns true for those (their links may already be queued).
 */
static bool start_job(struct loop *lp, struct weft__job *job)
{
	struct weft_crawl *c = lp->sh->c;
	if (job->replay || job->skip) {
		if (weft__visit_instant(c, job, &lp->kids) != WEFT_OK)
			weft__fail(c, WEFT_E_NOMEM);
		admit_and_settle(lp, job, NULL);
		return true;
	}
	if (job->kind != WEFT__JOB_ROBOTS && weft__past_deadline(c)) { /* --max-time */
		weft__report_skip(c, job, WEFT__SKIP_MAX_TIME, NULL);
		admit_and_settle(lp, job, NULL);
		return true;
	}
	struct slot *s = slot_get(lp);
	if (!s) {
		weft__fail(c, WEFT_E_NOMEM);
		admit_and_settle(lp, job, NULL);
		return true;
	}
	s->job = *job;
	weft_response_init(&s->resp);
	weft__page_begin(&s->page, &s->job);
	weft__count_started(c, &s->job);
	atomic_fetch_add_explicit(&c->stats.in_flight, 1, memory_order_relaxed);
	int rc = lp->f->ops->start(lp->f, &s->page.req, &s->resp, on_done, s);
	if (rc == WEFT_OK) {
		lp->in_flight++;
		return false;
	}
	atomic_fetch_sub_explicit(&c->stats.in_flight, 1, memory_order_relaxed);
	finish(s, rc); /* a record with the error; never a lost URL */
	return true;
}

/*
 * Take as many jobs as lp has room for. Returns false when the crawl is over. Decides, under
 * the lock, whether lp may be woken for new work while it blocks.
 */
static bool take(struct loop *lp)
{
	struct shared *sh = lp->sh;
	pthread_mutex_lock(&sh->mu);
	if (weft__canceled(sh->c) && !sh->aborted)
		abort_loops(sh);
	if (weft__canceled(sh->c))
		weft__frontier_drop(sh->frontier);
	lp->next_at = INFINITY;
	if (lp->in_flight < lp->level)
		weft__frontier_take(sh->frontier, weft__now(), &lp->batch,
				    lp->level - lp->in_flight, &lp->next_at);
	if (weft__frontier_in_flight(sh->frontier) == 0 &&
	    weft__frontier_queued(sh->frontier) == 0 && !sh->done) {
		sh->done = true;
		for (size_t i = 0; i < sh->n_loops; i++)
			if (&sh->loops[i] != lp)
				sh->loops[i].f->ops->wake(sh->loops[i].f);
	}
	bool done = sh->done;
	lp->sleeping = !done && lp->in_flight + lp->batch.n < lp->level;
	pthread_mutex_unlock(&sh->mu);
	return !done;
}

/* How long run() may block: until the frontier's next ready time if this loop has room. */
static int wait_ms(const struct loop *lp, bool synced)
{
	if (synced)
		return 0;
	if (isinf(lp->next_at) || lp->in_flight + lp->batch.n >= lp->level)
		return -1;
	double ms = (lp->next_at - weft__now()) * 1000.0;
	return ms <= 0 ? 0 : ms > 3600000.0 ? 3600000 : (int)ms + 1;
}

static void *loop_main(void *arg)
{
	struct loop *lp = arg;
	while (take(lp)) {
		bool synced = false; /* something finished already: look for work, don't block */
		for (size_t i = 0; i < lp->batch.n; i++)
			synced |= start_job(lp, &lp->batch.v[i]);
		lp->batch.n = 0;
		if (lp->f->ops->run(lp->f, wait_ms(lp, synced)) < 0)
			weft__fail(lp->sh->c, WEFT_E_IO);
	}
	return NULL;
}

/* How many loops: cfg.loops, or one per core; one if the fetcher cannot be cloned. */
static size_t loop_count(const struct weft_crawl *c)
{
	long n = c->cfg.loops > 0 ? c->cfg.loops : sysconf(_SC_NPROCESSORS_ONLN);
	if (!c->fetcher->ops->clone || n < 1)
		n = 1;
	return n > MAX_LOOPS ? MAX_LOOPS : (size_t)n;
}

/* Give each loop its fetcher and its share of the concurrency. */
static int setup_loops(struct shared *sh)
{
	struct weft_crawl *c = sh->c;
	size_t n = loop_count(c);
	bool autoc = c->cfg.concurrency == WEFT_CONCURRENCY_AUTO;
	size_t fds = weft__fd_budget(); /* every fetch in flight holds a socket */
	size_t total = autoc ? 64 : (size_t)weft__engine_concurrency(c);
	if (total > fds)
		total = fds;
	for (size_t i = 0; i < n; i++) {
		struct loop *lp = &sh->loops[sh->n_loops];
		*lp = (struct loop){ .sh = sh, .f = c->fetcher, .autoc_on = autoc };
		if (i > 0 && c->fetcher->ops->clone(c->fetcher, &lp->f) != WEFT_OK)
			break; /* fewer loops: slower, never wrong */
		lp->level = total / n + (i < total % n);
		if (lp->level == 0)
			lp->level = 1;
		if (autoc)
			weft__autoc_init(&lp->autoc, lp->level, fds / n, weft__now());
		sh->n_loops++;
	}
	return WEFT_OK;
}

/*
 * Start loops 1..n-1 on threads and run loop 0 here. The lock is held while starting, so no
 * loop looks at the others before the set of loops is final (a failed start drops the rest).
 */
static void run_loops(struct shared *sh)
{
	size_t started = 1;
	pthread_mutex_lock(&sh->mu);
	for (size_t i = 1; i < sh->n_loops; i++) {
		struct loop *lp = &sh->loops[i];
		if (weft__thread_start(&lp->tid, loop_main, lp, sh->c->thread_stack) != WEFT_OK)
			break; /* the loops that run take all the work */
		started++;
		atomic_fetch_add_explicit(&sh->c->stats.threads, 1, memory_order_relaxed);
	}
	for (size_t i = started; i < sh->n_loops; i++) { /* never started: not a loop */
		weft_fetcher_free(&sh->loops[i].f);
	}
	sh->n_loops = started;
	pthread_mutex_unlock(&sh->mu);
	loop_main(&sh->loops[0]);
	for (size_t i = 1; i < sh->n_loops; i++)
		pthread_join(sh->loops[i].tid, NULL);
}

static void free_loops(struct shared *sh)
{
	uint64_t level = 0;
	for (size_t i = 0; i < sh->n_loops; i++) {
		struct loop *lp = &sh->loops[i];
		level += lp->level;
		weft__jobs_free(&lp->kids);
		weft__jobs_free(&lp->batch);
		while (lp->spare) {
			struct slot *s = lp->spare;
			lp->spare = s->next;
			weft__page_free(&s->page);
			free(s);
		}
		if (i > 0)
			weft_fetcher_free(&lp->f);
	}
	if (sh->n_loops && sh->loops[0].autoc_on)
		atomic_store(&sh->c->stats.concurrency, level);
}

static int event_run(struct weft_crawl *c)
{
	struct shared *sh = calloc(1, sizeof(*sh));
	if (!sh)
		return WEFT_E_NOMEM;
	sh->c = c;
	pthread_mutex_init(&sh->mu, NULL);
	int rc = weft__frontier_new(&sh->frontier, c);
	if (rc == WEFT_OK) {
		weft__frontier_admit_seeds(sh->frontier);
		rc = setup_loops(sh);
	}
	if (rc == WEFT_OK) {
		weft__waker_set(c, wake_all, sh);
		run_loops(sh);
		weft__waker_set(c, NULL, NULL);
	}
	free_loops(sh);
	weft__frontier_free(&sh->frontier);
	pthread_mutex_destroy(&sh->mu);
	free(sh);
	return rc;
}

const struct weft__engine_ops weft__engine_event = {
	.name = "event",
	.frontier = true,
	.default_concurrency = 256,
	.needs = WEFT_FETCH_ASYNC,
	.run = event_run,
};
