/*
 * fake.c -- the Fetcher over a fake web: the lecture's fakeFetcher.Fetch, plus latency.
 *
 * Blocking face: sleep delay_us, then answer. Thread-safe: the table is read-only during a
 * crawl and fetch counts are atomic.
 *
 * Async face (for the event engine): start() files the fetch in a min-heap by due time
 * (now + delay_us); run() sleeps until the earliest is due (or until wake()), then answers every
 * due fetch through its done callback. Timers stand in for the network, so an event loop over
 * a fake web overlaps latencies exactly as it would over HTTP. The heap belongs to the one
 * thread calling start() and run(); wake() may come from any thread (an eventfd).
 *
 * abort() ends every timer: blocking fetches sleeping out their latency wake (a condition
 * variable) and return aborted; run() completes everything in the heap at once, aborted.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "fetch/fakeweb.h"
#include "util/util.h"

struct pending {
	double due;                  /* monotonic seconds */
	uint64_t seq;                /* tie-break: first started, first answered */
	const struct fake_page *page;/* NULL: missing */
	char *url;                   /* owned copy of the request's URL */
	struct weft_request req;     /* req.url points at url */
	struct weft_response *out;
	weft_fetch_done_fn *done;
	void *cookie;
};

struct fake_fetcher {
	struct weft_fetcher base;
	struct weft_fakeweb *web;    /* borrowed */
	struct pending *heap;        /* async face: loop thread only */
	size_t n;
	size_t cap;
	uint64_t seq;
	int wake_fd;                 /* eventfd: wake() from any thread */
	atomic_bool aborted;         /* abort() was called */
	pthread_mutex_t mu;          /* blocking face: sleepers wait on cv until due or abort */
	pthread_cond_t cv;
};

/* Sleep us microseconds unless abort() comes first; false when aborted. */
static bool latency(struct fake_fetcher *ff, unsigned us)
{
	double until = weft__now() + us / 1e6;
	pthread_mutex_lock(&ff->mu);
	while (!atomic_load(&ff->aborted) && weft__now() < until)
		weft__cond_wait_until(&ff->cv, &ff->mu, until);
	pthread_mutex_unlock(&ff->mu);
	return !atomic_load(&ff->aborted);
}

static int fake_fetch(struct weft_fetcher *f, const struct weft_request *req,
		      struct weft_response *out)
{
	struct fake_fetcher *ff = (struct fake_fetcher *)f;
	const struct fake_page *p = weft__fakeweb_touch(ff->web, req->url);
	if (atomic_load(&ff->aborted) || (p && p->delay_us && !latency(ff, p->delay_us))) {
		out->aborted = true;
		return WEFT_OK;
	}
	return weft__fakeweb_respond(p, req, out);
}

static bool before(const struct pending *a, const struct pending *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void sift_up(struct pending *h, size_t i)
{
	while (i > 0 && before(&h[i], &h[(i - 1) / 2])) {
		struct pending t = h[i];
		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static void sift_down(struct pending *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && before(&h[l], &h[m]))
			m = l;
		if (r < n && before(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		struct pending t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static int fake_start(struct weft_fetcher *f, const struct weft_request *req,
		      struct weft_response *out, weft_fetch_done_fn *done, void *cookie)
{
	struct fake_fetcher *ff = (struct fake_fetcher *)f;
	if (atomic_load(&ff->aborted))
		return WEFT_E_CANCELED;
	if (ff->n == ff->cap) {
		size_t cap = ff->cap ? ff->cap * 2 : 64;
		struct pending *h = realloc(ff->heap, cap * sizeof(*h));
		if (!h)
			return WEFT_E_NOMEM;
		ff->heap = h;
		ff->cap = cap;
	}
	char *copy = strdup(req->url);
	if (!copy)
		return WEFT_E_NOMEM;
	const struct fake_page *p = weft__fakeweb_touch(ff->web, req->url);
	double delay = p ? p->delay_us / 1e6 : 0;
	ff->heap[ff->n] = (struct pending){ .due = weft__now() + delay, .seq = ff->seq++,
					    .page = p, .req = *req, .out = out,
					    .done = done, .cookie = cookie };
	ff->heap[ff->n].req.url = copy;
	ff->heap[ff->n].url = copy;
	sift_up(ff->heap, ff->n++);
	return WEFT_OK;
}

/* Sleep until `until` (monotonic seconds) or a wake-up, whichever is first. */
static void wait_until(struct fake_fetcher *ff, double until, bool forever)
{
	struct timespec ts = { 0 };
	double d = until - weft__now();
	if (!forever && d <= 0)
		return;
	if (!forever) {
		ts.tv_sec = (time_t)d;
		ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
	}
	struct pollfd pfd = { .fd = ff->wake_fd, .events = POLLIN };
	if (ppoll(&pfd, 1, forever ? NULL : &ts, NULL) > 0) {
		uint64_t v;
		ssize_t r = read(ff->wake_fd, &v, sizeof(v)); /* drain */
		(void)r;
	}
}

static int fake_run(struct weft_fetcher *f, int timeout_ms)
{
	struct fake_fetcher *ff = (struct fake_fetcher *)f;
	double now = weft__now();
	double until = timeout_ms < 0 ? 0 : now + timeout_ms / 1000.0;
	if (ff->n && (timeout_ms < 0 || ff->heap[0].due < until))
		until = ff->heap[0].due;
	if (!atomic_load(&ff->aborted))
		wait_until(ff, until, ff->n == 0 && timeout_ms < 0);
	bool aborted = atomic_load(&ff->aborted);
	now = weft__now();
	int answered = 0;
	while (ff->n && (aborted || ff->heap[0].due <= now)) {
		struct pending p = ff->heap[0];
		ff->heap[0] = ff->heap[--ff->n];
		sift_down(ff->heap, ff->n, 0);
		if (aborted) { /* the timer just ends: no answer */
			free(p.url);
			p.out->aborted = true;
			p.done(p.cookie, p.out);
			answered++;
			continue;
		}
		int rc = weft__fakeweb_respond(p.page, &p.req, p.out);
		p.out->ms = p.page ? p.page->delay_us / 1000.0 : 0;
		free(p.url);
		if (rc)
			weft_response_set_error(p.out, WEFT_FE_OTHER, "%s", weft_strerror(rc));
		p.done(p.cookie, p.out);
		answered++;
	}
	return answered;
}

static void fake_wake(struct weft_fetcher *f)
{
	struct fake_fetcher *ff = (struct fake_fetcher *)f;
	uint64_t one = 1;
	ssize_t r = write(ff->wake_fd, &one, sizeof(one)); /* async-signal-safe */
	(void)r;
}

static void fake_abort(struct weft_fetcher *f)
{
	struct fake_fetcher *ff = (struct fake_fetcher *)f;
	atomic_store(&ff->aborted, true);
	pthread_mutex_lock(&ff->mu); /* a leaf lock, held only around a sleeper's check and wait */
	pthread_cond_broadcast(&ff->cv);
	pthread_mutex_unlock(&ff->mu);
	fake_wake(f);
}

static size_t fake_in_flight(struct weft_fetcher *f)
{
	return ((struct fake_fetcher *)f)->n;
}

static void fake_destroy(struct weft_fetcher *f)
{
	struct fake_fetcher *ff = (struct fake_fetcher *)f;
	for (size_t i = 0; i < ff->n; i++)
		free(ff->heap[i].url);
	free(ff->heap);
	close(ff->wake_fd);
	pthread_cond_destroy(&ff->cv);
	pthread_mutex_destroy(&ff->mu);
	free(ff);
}

static int fake_clone(struct weft_fetcher *f, struct weft_fetcher **out)
{
	return weft_fetcher_fake(out, ((struct fake_fetcher *)f)->web);
}

static const struct weft_fetcher_ops fake_ops = {
	.name = "fake",
	.caps = WEFT_FETCH_BLOCKING | WEFT_FETCH_THREADSAFE | WEFT_FETCH_ASYNC,
	.fetch = fake_fetch,
	.start = fake_start,
	.run = fake_run,
	.wake = fake_wake,
	.in_flight = fake_in_flight,
	.clone = fake_clone,
	.destroy = fake_destroy,
	.abort = fake_abort,
};

int weft_fetcher_fake(struct weft_fetcher **out, struct weft_fakeweb *w)
{
	struct fake_fetcher *f = calloc(1, sizeof(*f));
	*out = NULL;
	if (!f)
		return WEFT_E_NOMEM;
	f->base.ops = &fake_ops;
	f->web = w;
	f->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (f->wake_fd < 0) {
		free(f);
		return WEFT_E_IO;
	}
	pthread_mutex_init(&f->mu, NULL);
	weft__cond_init_mono(&f->cv);
	*out = &f->base;
	return WEFT_OK;
}
