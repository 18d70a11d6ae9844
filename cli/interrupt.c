/*
 * interrupt.c -- SIGINT and SIGTERM for `weft crawl`, done the async-signal-safe way.
 *
 * The handler touches nothing but lock-free atomics and a self-pipe: it notes the signal and
 * writes its number to the pipe. A watcher thread blocks reading the pipe and does the real
 * work on an ordinary thread:
 *  - the first signal: weft_crawl_cancel() (which takes locks, so never from a handler). The
 *    crawl abandons its fetches in flight, weft_crawl_run() returns, the records written so far
 *    are flushed by the reporter's end(), the summary is printed, and weft exits 130 (SIGINT)
 *    or 143 (SIGTERM).
 *  - a second signal: exit at once, _exit(128 + signal). Records are written under out_mu (the
 *    guard reporter below wraps the real one), so the watcher takes out_mu -- no record is
 *    half-written then -- flushes what stdio holds (whole lines only) and exits. No torn line.
 * The crawl pointer lives in the watcher's argument, never in a global the handler reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int sig_pipe[2] = { -1, -1 };  /* written by the handler, read by the watcher */
static atomic_int first_signal;       /* the first SIGINT/SIGTERM, 0 before */
static atomic_int n_signals;

static void on_signal(int sig)
{
	int saved = errno;
	int none = 0;
	atomic_compare_exchange_strong(&first_signal, &none, sig);
	atomic_fetch_add(&n_signals, 1);
	unsigned char b = (unsigned char)sig;
	ssize_t r = write(sig_pipe[1], &b, 1); /* async-signal-safe; non-blocking */
	(void)r;
	errno = saved;
}

int cli_signal_exit(void)
{
	int sig = atomic_load(&first_signal);
	return sig ? 128 + sig : 0;
}

/* ---- the guard reporter: records are written under out_mu ---- */

struct guard {
	struct weft_reporter base;
	struct weft_reporter *inner;
	FILE *out;
	pthread_mutex_t mu;
};

static struct guard *guard_of(struct weft_reporter *r)
{
	return (struct guard *)r;
}

static int guard_begin(struct weft_reporter *r)
{
	struct guard *g = guard_of(r);
	if (!g->inner->ops->begin)
		return 0;
	pthread_mutex_lock(&g->mu);
	int rc = g->inner->ops->begin(g->inner);
	pthread_mutex_unlock(&g->mu);
	return rc;
}

static int guard_record(struct weft_reporter *r, const struct weft_record *rec)
{
	struct guard *g = guard_of(r);
	pthread_mutex_lock(&g->mu);
	int rc = g->inner->ops->record(g->inner, rec);
	pthread_mutex_unlock(&g->mu);
	return rc;
}

static int guard_end(struct weft_reporter *r)
{
	struct guard *g = guard_of(r);
	if (!g->inner->ops->end)
		return 0;
	pthread_mutex_lock(&g->mu);
	int rc = g->inner->ops->end(g->inner);
	pthread_mutex_unlock(&g->mu);
	return rc;
}

struct weft_reporter *cli_guarded(struct weft_reporter *guard)
{
	return guard_of(guard)->inner;
}

static const char *guard_error(struct weft_reporter *r, int *errnum)
{
	return weft_reporter_error(guard_of(r)->inner, errnum);
}

static void guard_destroy(struct weft_reporter *r)
{
	struct guard *g = guard_of(r);
	weft_reporter_free(&g->inner);
	pthread_mutex_destroy(&g->mu);
	free(g);
}

static const struct weft_reporter_ops guard_ops = {
	.name = "guard",
	.begin = guard_begin,
	.record = guard_record,
	.end = guard_end,
	.destroy = guard_destroy,
	.error = guard_error,
};

int cli_guard_reporter(struct weft_reporter **out, struct weft_reporter *inner, FILE *fp)
{
	struct guard *g = calloc(1, sizeof(*g));
	if (!g)
		return WEFT_E_NOMEM;
	g->base.ops = &guard_ops;
	g->inner = inner;
	g->out = fp;
	pthread_mutex_init(&g->mu, NULL);
	*out = &g->base;
	return WEFT_OK;
}

/* ---- the watcher ---- */

struct watcher {
	struct weft_crawl *c;
	struct guard *guard;
	pthread_t tid;
};

static void *watcher_main(void *arg)
{
	struct watcher *w = arg;
	bool canceled = false;
	for (;;) {
		unsigned char b;
		ssize_t r = read(sig_pipe[0], &b, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || b == 0)
			break; /* 0: the run is over (cli_run_crawl) */
		if (atomic_load(&n_signals) >= 2) {
			/* the second signal: no record is half-written while we hold the guard */
			pthread_mutex_lock(&w->guard->mu);
			fflush(w->guard->out);
			_exit(128 + b);
		}
		if (!canceled) {
			canceled = true;
			weft_crawl_cancel(w->c);
		}
	}
	return NULL;
}

/* Install the handlers (SA_RESTART: other threads' reads and writes are not cut short). */
static int install(void)
{
	if (sig_pipe[0] < 0 && pipe2(sig_pipe, O_CLOEXEC) != 0)
		return -1;
	int fl = fcntl(sig_pipe[1], F_GETFL);
	fcntl(sig_pipe[1], F_SETFL, fl | O_NONBLOCK);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
		return -1;
	return 0;
}

int cli_run_crawl(struct weft_crawl *c, struct weft_reporter *guard, bool quiet)
{
	struct watcher w = { .c = c, .guard = guard_of(guard) };
	bool watching = false;
	if (install() == 0 && pthread_create(&w.tid, NULL, watcher_main, &w) == 0)
		watching = true;
	else
		fputs("weft: cannot watch for signals\n", stderr);
	struct progress *p = progress_start(c, quiet);
	int rc = weft_crawl_run(c); /* the handler may run in any thread: it only notes and writes */
	progress_stop(&p);
	int e = 0;
	if (rc == WEFT_E_OUTPUT)
		weft_reporter_error(guard, &e);
	if (!quiet && e != EPIPE) /* a closed pipe (| head) ends quietly, as other tools do */
		progress_summary(c, cli_signal_exit() != 0);
	if (watching) {
		unsigned char stop = 0;
		ssize_t r;
		do
			r = write(sig_pipe[1], &stop, 1);
		while (r < 0 && errno == EINTR);
		pthread_join(w.tid, NULL);
	}
	return rc;
}
