/*
 * event.c -- the event-driven engine: one thread, thousands of fetches in flight.
 *
 * The lecture's alternative to threads: a single loop that starts fetches on an asynchronous
 * fetcher (libcurl's multi interface over epoll, or the fake web's timers), waits for any of
 * them to finish, and handles each completion -- record, links, admission -- before starting
 * more. No locks: the visited set, the frontier and every in-flight slot belong to the loop
 * thread. Concurrency is the number of fetches in flight (-c), not the number of threads.
 *
 * Termination: the frontier is empty and nothing is in flight. weft_crawl_cancel() wakes the
 * loop (the fetcher's wake()); queued work is dropped and in-flight fetches finish.
 */
#include <stdlib.h>

#include "core/frontier.h"
#include "engine/autoc.h"
#include "engine/engine.h"

struct loop;

/* One fetch in flight: its job and the response the fetcher fills. */
struct slot {
	struct loop *ev;
	struct weft__job job;
	struct weft_response resp;
};

struct loop {
	struct weft_crawl *c;
	struct weft_fetcher *f;
	struct weft__visited *visited;  /* loop thread only */
	struct weft__frontier frontier; /* loop thread only */
	struct weft__jobs kids;         /* scratch for one completion */
	size_t in_flight;
	size_t max_in_flight;           /* the -c level (or the auto controller's) */
	bool autoc_on;                  /* -c auto */
	struct weft__autoc autoc;
};

/* Admit the children of one page into the frontier. */
static void admit_kids(struct loop *ev)
{
	for (size_t i = 0; i < ev->kids.n; i++) {
		struct weft__job *k = &ev->kids.v[i];
		if (weft__admit(ev->c, ev->visited, k) &&
		    weft__frontier_push(&ev->frontier, k) == WEFT_OK)
			continue;
		weft__job_clear(k);
	}
	ev->kids.n = 0;
}

/* End of one fetch, successful or not: record it, admit its links, free the slot. */
static void finish(struct slot *s, int fetch_rc)
{
	struct loop *ev = s->ev;
	if (weft__visit_end(ev->c, &s->job, fetch_rc, &s->resp, &ev->kids) != WEFT_OK)
		weft__fail(ev->c, WEFT_E_NOMEM);
	weft__job_clear(&s->job);
	free(s);
	admit_kids(ev);
}

static void on_done(void *cookie, struct weft_response *resp)
{
	struct slot *s = cookie;
	struct loop *ev = s->ev;
	ev->in_flight--;
	if (ev->autoc_on) {
		weft__autoc_done(&ev->autoc, resp->ms, weft__now(),
				 weft__frontier_len(&ev->frontier) > 0);
		ev->max_in_flight = ev->autoc.level;
	}
	finish(s, WEFT_OK);
}

/* Start one job; replays need no fetch and complete at once. */
static void start_job(struct loop *ev, struct weft__job *job)
{
	if (job->replay) {
		if (weft__visit_replay(ev->c, job, &ev->kids) != WEFT_OK)
			weft__fail(ev->c, WEFT_E_NOMEM);
		weft__job_clear(job);
		admit_kids(ev);
		return;
	}
	struct slot *s = malloc(sizeof(*s));
	if (!s) {
		weft__job_clear(job);
		weft__fail(ev->c, WEFT_E_NOMEM);
		return;
	}
	s->ev = ev;
	s->job = *job;
	weft_response_init(&s->resp);
	int rc = ev->f->ops->start(ev->f, s->job.url->s, &s->resp, on_done, s);
	if (rc == WEFT_OK)
		ev->in_flight++;
	else
		finish(s, rc); /* a record with the error; never a lost URL */
}

static void start_more(struct loop *ev)
{
	struct weft__job job;
	if (weft__canceled(ev->c))
		weft__frontier_free(&ev->frontier);
	while (ev->in_flight < ev->max_in_flight && weft__frontier_pop(&ev->frontier, &job))
		start_job(ev, &job);
}

/* -c auto: start at 32 in flight, never above what file descriptors allow. */
static void setup_concurrency(struct loop *ev)
{
	struct weft_crawl *c = ev->c;
	ev->autoc_on = c->cfg.concurrency == WEFT_CONCURRENCY_AUTO;
	if (!ev->autoc_on) {
		ev->max_in_flight = (size_t)weft__engine_concurrency(c);
		return;
	}
	weft__autoc_init(&ev->autoc, 32, weft__fd_budget(), weft__now());
	ev->max_in_flight = ev->autoc.level;
}

static int admit_seeds(struct loop *ev)
{
	for (size_t i = 0; i < ev->c->seeds.n; i++) {
		struct weft__job j = { .url = weft__str_ref(ev->c->seeds.v[i].url) };
		if (weft__admit(ev->c, ev->visited, &j) &&
		    weft__frontier_push(&ev->frontier, &j) == WEFT_OK)
			continue;
		weft__job_clear(&j);
	}
	return WEFT_OK;
}

static int event_run(struct weft_crawl *c)
{
	struct loop ev = { .c = c, .f = c->fetcher };
	setup_concurrency(&ev);
	int rc = weft__visited_mem_new(&ev.visited, 0, false);
	if (rc == WEFT_OK)
		rc = admit_seeds(&ev);
	while (rc == WEFT_OK) {
		start_more(&ev);
		if (ev.in_flight == 0 && weft__frontier_len(&ev.frontier) == 0)
			break;
		int n = ev.f->ops->run(ev.f, -1);
		if (n < 0)
			rc = n;
	}
	if (ev.autoc_on)
		atomic_store(&c->stats.concurrency, ev.autoc.level);
	weft__jobs_free(&ev.kids);
	weft__frontier_free(&ev.frontier);
	weft__visited_free(&ev.visited);
	return rc;
}

const struct weft__engine_ops weft__engine_event = {
	.name = "event",
	.default_concurrency = 256,
	.needs = WEFT_FETCH_ASYNC,
	.run = event_run,
};
