/*
 * progress.c -- the live status line and the end-of-run summary of `weft crawl`.
 *
 * The status line is the lecture's "every second, do the periodic work": a background thread
 * wakes on a timer (a condition variable's timed wait on the monotonic clock), reads the
 * crawl's counters (weft_crawl_stats: relaxed atomics, no lock the crawl takes) and redraws one
 * line on stderr. Stopping signals the same condition variable, so the thread ends at once
 * rather than at its next tick. It runs only when stderr is a terminal and --quiet is not
 * given; it uses no colour (so NO_COLOR has nothing to turn off), only "\r" and "erase to end
 * of line".
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

struct progress {
	struct weft_crawl *c;   /* borrowed; outlives the thread */
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* signalled by progress_stop() */
	bool stop;              /* guarded by mu */
	bool drawn;             /* the thread's own: a line is on the screen */
	struct timespec t0;
	uint64_t last_done;     /* the thread's own: for pages/s over the last tick */
	double last_t;
};

static double since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) / 1e9;
}

static unsigned columns(void)
{
	struct winsize ws;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10)
		return ws.ws_col;
	return 80;
}

static void draw(struct progress *p)
{
	struct weft_stats s;
	weft_crawl_stats(p->c, &s);
	double t = since(&p->t0);
	double rate = t > p->last_t ? (double)(s.fetched - p->last_done) / (t - p->last_t) : 0;
	p->last_done = s.fetched;
	p->last_t = t;
	char line[256];
	unsigned secs = (unsigned)t;
	int n = snprintf(line, sizeof(line),
			 "weft: %llu done, %llu in flight, %llu queued, %llu errors, %.0f pages/s, "
			 "%u:%02u elapsed",
			 (unsigned long long)s.fetched, (unsigned long long)s.in_flight,
			 (unsigned long long)s.queued, (unsigned long long)s.failed, rate,
			 secs / 60, secs % 60);
	unsigned cols = columns() - 1; /* never wrap: "\r" only returns within one line */
	if (n > 0 && (unsigned)n > cols)
		line[cols] = '\0';
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	p->drawn = true;
}

static void *progress_main(void *arg)
{
	struct progress *p = arg;
	pthread_mutex_lock(&p->mu);
	while (!p->stop) {
		pthread_mutex_unlock(&p->mu);
		draw(p);
		pthread_mutex_lock(&p->mu);
		struct timespec at;
		clock_gettime(CLOCK_MONOTONIC, &at);
		at.tv_sec += 1; /* every second, do the periodic work */
		while (!p->stop && pthread_cond_timedwait(&p->cv, &p->mu, &at) == 0)
			; /* woken early: only stop matters */
	}
	pthread_mutex_unlock(&p->mu);
	if (p->drawn) { /* leave the terminal as it was: the summary takes the line */
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	return NULL;
}

struct progress *progress_start(struct weft_crawl *c, bool quiet)
{
	if (quiet || !isatty(STDERR_FILENO))
		return NULL;
	struct progress *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL; /* no status line: the crawl does not need one */
	p->c = c;
	clock_gettime(CLOCK_MONOTONIC, &p->t0);
	pthread_mutex_init(&p->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&p->tid, NULL, progress_main, p) != 0) {
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		free(p);
		return NULL;
	}
	return p;
}

void progress_stop(struct progress **pp)
{
	struct progress *p = *pp;
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->tid, NULL);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
	*pp = NULL;
}

static double tv(struct timeval t)
{
	return (double)t.tv_sec + t.tv_usec / 1e6;
}

/* Bytes in a short human form ("12.3 MiB"). */
static void human(uint64_t b, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	size_t u = 0;
	while (v >= 1024 && u + 1 < sizeof unit / sizeof unit[0]) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

void progress_summary(const struct weft_crawl *c, bool interrupted)
{
	struct weft_stats s;
	struct rusage ru;
	weft_crawl_stats(c, &s);
	memset(&ru, 0, sizeof(ru));
	getrusage(RUSAGE_SELF, &ru);
	char bytes[32];
	human(s.bytes, bytes, sizeof(bytes));
	fprintf(stderr, "weft: %s%llu fetched (%llu ok, %llu failed) in %.3f s, %.0f pages/s\n",
		interrupted ? "interrupted: " : "", (unsigned long long)s.fetched,
		(unsigned long long)s.ok, (unsigned long long)s.failed, s.seconds,
		s.seconds > 0 ? (double)s.fetched / s.seconds : 0.0);
	if (s.abandoned)
		fprintf(stderr, "weft: %llu abandoned in flight (no record)\n",
			(unsigned long long)s.abandoned);
	char kinds[512] = "";
	size_t n = 0;
	for (int e = WEFT_FE_NONE + 1; e <= WEFT_FE_OTHER; e++)
		if (s.errors[e] && n < sizeof(kinds))
			n += (size_t)snprintf(kinds + n, sizeof(kinds) - n, "%s%llu %s",
					      n ? ", " : "", (unsigned long long)s.errors[e],
					      weft_fetch_err_name((enum weft_fetch_err)e));
	if (n)
		fprintf(stderr, "weft: errors: %s\n", kinds);
	fprintf(stderr, "weft: %s of bodies, %.3f s CPU (%.3f user, %.3f system), peak memory "
			"%.1f MiB\n",
		bytes, tv(ru.ru_utime) + tv(ru.ru_stime), tv(ru.ru_utime), tv(ru.ru_stime),
		ru.ru_maxrss / 1024.0);
	if (s.concurrency)
		fprintf(stderr, "weft: -c auto settled on %llu fetches in flight\n",
			(unsigned long long)s.concurrency);
}
