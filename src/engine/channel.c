/*
 * channel.c -- the lecture's ConcurrentChannel: one master owns the `fetched` set; a worker per
 * URL fetches and sends the page's links (an empty list on failure) back on one channel; the
 * master counts outstanding work and stops at zero.
 *
 *   func worker(url string, ch chan []string, fetcher Fetcher) {
 *       urls, err := fetcher.Fetch(url)
 *       if err != nil { ch <- []string{} } else { ch <- urls }
 *   }
 *   func master(ch chan []string, fetcher Fetcher) {
 *       n := 1
 *       fetched := make(map[string]bool)
 *       for urls := range ch {
 *           for _, u := range urls {
 *               if fetched[u] == false { fetched[u] = true; n += 1; go worker(u, ch, fetcher) }
 *           }
 *           n -= 1
 *           if n == 0 { break }
 *       }
 *   }
 *
 * C threads are finite, so the master keeps admitted URLs it cannot start a worker for (limit
 * reached, or pthread_create failed) in `pending`, starts them as workers finish, and -- if no
 * worker is running at all -- fetches one itself. n still counts every admitted URL whose links
 * have not come back yet, so termination is exactly the lecture's.
 *
 * Ownership: master_state belongs to the master thread only (no locks). A message's job array
 * belongs to whoever holds the message: the worker until it sends, then the master.
 */
#include <stdlib.h>

#include "core/fifo.h"
#include "engine/engine.h"
#include "sync/sync.h"

struct msg {
	struct weft__jobs *urls; /* the page's in-scope links; owned by the receiver */
	bool from_worker;        /* false for the starter's message */
};

struct worker_arg {
	struct weft_crawl *c;
	struct weft__chan *ch;
	struct weft__job job;
};

struct master_state {
	struct weft_crawl *c;
	struct weft__chan *ch;
	struct weft__visited *fetched; /* the master's own map: no lock */
	struct weft__fifo pending; /* admitted, waiting for a worker */
	long n;                        /* admitted URLs (and the starter) not yet answered */
	int live;                      /* workers started and not yet answered */
	int max_live;
};

/* Fetch one URL; the links (empty on failure) come back in a new array. */
static struct weft__jobs *fetch_links(struct weft_crawl *c, struct weft__job *job)
{
	struct weft__jobs *urls = calloc(1, sizeof(*urls));
	if (!urls || weft__visit(c, job, urls) != WEFT_OK)
		weft__fail(c, WEFT_E_NOMEM);
	return urls; /* NULL (out of memory) stands for an empty list */
}

static void *worker(void *arg)
{
	struct worker_arg *w = arg;
	struct msg m = { .urls = fetch_links(w->c, &w->job), .from_worker = true };
	weft__job_clear(&w->job);
	struct weft__chan *ch = w->ch; /* our reference, taken by dispatch() */
	free(w);
	weft__chan_send(ch, &m); /* ch <- urls */
	weft__chan_free(&ch);
	return NULL;
}

struct starter_arg {
	struct weft__chan *ch;       /* a reference of the starter's own */
	struct weft__jobs *seeds;    /* read-only */
};

static void *starter(void *arg)
{
	struct starter_arg *s = arg;
	struct msg first = { .urls = s->seeds, .from_worker = false };
	weft__chan_send(s->ch, &first); /* go func() { ch <- []string{url} }() */
	weft__chan_free(&s->ch);
	free(s);
	return NULL;
}

/* Admit a message's URLs: the body of `for urls := range ch`. */
static void absorb(struct master_state *m, struct weft__jobs *urls, bool owned)
{
	for (size_t i = 0; urls && i < urls->n; i++) {
		struct weft__job seed, *u = &urls->v[i];
		if (!owned) { /* the seeds stay the crawl's: take new references */
			seed = (struct weft__job){ .url = weft__str_ref(u->url), .kind = u->kind };
			u = &seed;
		}
		if (weft__admit(m->c, m->fetched, u)) { /* fetched[u] == false */
			struct weft__job copy = *u;
			*u = (struct weft__job){ 0 };
			if (weft__fifo_push(&m->pending, &copy) != WEFT_OK) {
				weft__job_clear(&copy);
				weft__fail(m->c, WEFT_E_NOMEM);
				continue;
			}
			m->n++;
		} else if (!owned) {
			weft__job_clear(&seed);
		}
	}
	if (owned && urls) {
		weft__jobs_free(urls);
		free(urls);
	}
	m->n--;
}

/* go worker(u, ch, fetcher) for pending URLs, as far as threads allow. */
static void dispatch(struct master_state *m)
{
	struct weft__job job;
	while (m->live < m->max_live && weft__fifo_pop(&m->pending, &job)) {
		struct worker_arg *w = malloc(sizeof(*w));
		if (w) {
			*w = (struct worker_arg){ .c = m->c, .ch = weft__chan_ref(m->ch), .job = job };
			if (weft__go(worker, w, m->c->thread_stack) == WEFT_OK) {
				m->live++;
				atomic_fetch_add_explicit(&m->c->stats.threads, 1,
							  memory_order_relaxed);
				continue;
			}
			weft__chan_free(&w->ch);
			free(w);
		}
		weft__fifo_push_front(&m->pending, &job); /* cannot fail: we just popped */
		break;
	}
}

/* No worker is running and none can be started: the master fetches one URL itself. */
static bool run_one_inline(struct master_state *m)
{
	struct weft__job job;
	if (!weft__fifo_pop(&m->pending, &job))
		return false;
	atomic_fetch_add_explicit(&m->c->stats.inline_runs, 1, memory_order_relaxed);
	struct weft__jobs *urls = fetch_links(m->c, &job);
	weft__job_clear(&job);
	absorb(m, urls, true);
	return true;
}

/* After weft_crawl_cancel(): forget admitted URLs no worker has started on. */
static void drop_if_canceled(struct master_state *m)
{
	struct weft__job job;
	if (!weft__canceled(m->c))
		return;
	while (weft__fifo_pop(&m->pending, &job)) {
		weft__job_clear(&job);
		m->n--;
	}
}

static bool start_starter(struct master_state *m)
{
	struct starter_arg *s = malloc(sizeof(*s));
	if (!s)
		return false;
	*s = (struct starter_arg){ .ch = weft__chan_ref(m->ch), .seeds = &m->c->seeds };
	if (weft__go(starter, s, m->c->thread_stack) == WEFT_OK)
		return true;
	weft__chan_free(&s->ch);
	free(s);
	return false;
}

static void master(struct master_state *m)
{
	struct msg msg;
	bool starter_running = start_starter(m);
	if (!starter_running)
		absorb(m, &m->c->seeds, false);
	while (m->n > 0) {
		drop_if_canceled(m);
		if (m->n == 0)
			break;
		dispatch(m);
		if (m->live == 0 && !starter_running) {
			if (!run_one_inline(m))
				break; /* unreachable while n counts correctly */
			continue;
		}
		if (!weft__chan_recv(m->ch, &msg))
			break;
		if (msg.from_worker)
			m->live--;
		else
			starter_running = false;
		absorb(m, msg.urls, msg.from_worker);
	}
}

static int channel_run(struct weft_crawl *c)
{
	struct master_state m = { .c = c, .n = 1, .max_live = weft__engine_concurrency(c) };
	int rc = weft__chan_new(&m.ch, sizeof(struct msg), 0); /* ch := make(chan []string) */
	if (rc == WEFT_OK)
		rc = weft__visited_mem_new(&m.fetched, 0, false);
	if (rc == WEFT_OK)
		master(&m);
	weft__fifo_free(&m.pending);
	weft__visited_free(&m.fetched);
	weft__chan_free(&m.ch);
	return rc;
}

const struct weft__engine_ops weft__engine_channel = {
	.name = "channel",
	.default_concurrency = 1000,
	.needs = WEFT_FETCH_BLOCKING | WEFT_FETCH_THREADSAFE,
	.run = channel_run,
};
