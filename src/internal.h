/*
 * internal.h -- the run's shared state and the internal interfaces between modules.
 *
 * Data flows one way:
 *   seeds -> engine (frontier) -> fetcher -> extractor -> URL resolver -> scope -> visited -> engine
 * and every fetched URL becomes a record for the reporters. Engines (src/engine/) decide which
 * thread calls which step; the steps themselves (weft__visit, weft__scope_*) touch no shared
 * state except the stats counters (atomics) and the reporters (under report_mu).
 */
#ifndef WEFT_INTERNAL_H
#define WEFT_INTERNAL_H

#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>

#include <weft.h>
#include <weft/fetcher.h>

#include "util/util.h"
#include "core/visited.h"

struct weft__engine_ops;
struct weft__depths;
struct weft__gate;
struct weft__fate;

/* Counters of a run. Atomics: any thread may bump them. */
struct weft__stats {
	atomic_uint_fast64_t fetched;
	atomic_uint_fast64_t ok;
	atomic_uint_fast64_t failed;
	atomic_uint_fast64_t admitted;
	atomic_uint_fast64_t links;
	atomic_uint_fast64_t bytes;
	atomic_uint_fast64_t threads;
	atomic_uint_fast64_t inline_runs;
	atomic_uint_fast64_t concurrency;
	atomic_uint_fast64_t skipped;
	atomic_uint_fast64_t robots;
	atomic_uint_fast64_t refused;
	atomic_uint_fast64_t in_flight;  /* fetches between start and end (relaxed) */
	atomic_uint_fast64_t started;    /* page jobs taken from the queue (first attempt only) */
	atomic_uint_fast64_t abandoned;  /* fetches cut off by a stop: no record */
	atomic_uint_fast64_t errors[WEFT_FE_OTHER + 1];
};

/*
 * How an engine hears that the crawl stops: wake(arg) wakes its waiting threads (broadcasts
 * its condition variables, aborts its own fetchers). Registered while the engine runs
 * (weft__waker_set), under stop_mu; called by weft_crawl_cancel() under stop_mu, from a thread
 * that holds no crawl lock, so wake may take the engine's locks (stop_mu comes first).
 */
struct weft__waker {
	void (*wake)(void *arg);
	void *arg;
};

/* What a job fetches. */
enum weft__job_kind {
	WEFT__JOB_PAGE = 0, /* a URL found on a page, a seed, a redirect target */
	WEFT__JOB_ROBOTS,   /* a host's robots.txt: no record; its rules go to the host */
	WEFT__JOB_SITEMAP,  /* a sitemap (--sitemap): its URLs are admitted as seeds */
	WEFT__JOB_CHECK,    /* an out-of-scope link (cfg.check_external): HEAD (or GET), no
			       parsing, no links followed; a redirect is followed */
};

/* Why a URL that was found is not fetched (weft_record.skipped). */
enum weft__skip {
	WEFT__SKIP_NONE = 0,
	WEFT__SKIP_ROBOTS,
	WEFT__SKIP_SCOPE,
	WEFT__SKIP_DEPTH,
	WEFT__SKIP_MAX_PAGES,
	WEFT__SKIP_DOWN,    /* not a skip: the host's robots.txt could not be fetched at all (no
			       connection, no DNS), so nothing of it can be; an error record */
	WEFT__SKIP_TOO_LONG,/* over cfg.max_url_len */
	WEFT__SKIP_TRAP,    /* over max_path_segments, max_repeats or max_similar */
	WEFT__SKIP_HOST_LIMIT, /* over max_pages_per_host */
	WEFT__SKIP_MAX_TIME,/* the crawl's max_time passed before it was started */
};

/* One URL to fetch: admitted (or about to be) into the visited set. */
struct weft__job {
	struct weft__str *url;  /* canonical URL; owned reference */
	struct weft__str *from; /* page it was found on; owned reference; NULL for a seed */
	int depth;              /* link hops from a seed */
	int hops;               /* redirect hops that led here */
	struct weft__str *chain;/* "\nA\nB\n": the URLs that redirected to here; NULL if none */
	bool replay;            /* depth limits: re-offer this fetched page's links (core/depth.h) */
	uint8_t kind;           /* enum weft__job_kind */
	uint8_t skip;           /* enum weft__skip: record why, fetch nothing */
	uint8_t attempt;        /* times the server refused it (429/503) so far */
	uint8_t err;            /* WEFT__SKIP_DOWN: the enum weft_fetch_err of its host */
};

/* A growable array of jobs; the array owns the references in its jobs. */
struct weft__jobs {
	struct weft__job *v;
	size_t n;
	size_t cap;
};

struct weft_crawl {
	/* Set up by weft_crawl_new()/add_*() before run; read-only while running. */
	struct weft_config cfg;           /* copy; include/exclude point into our copies */
	const struct weft__engine_ops *engine;
	struct weft_fetcher *fetcher;     /* borrowed */
	struct weft__jobs seeds;
	char **seed_hosts;                /* hosts (or registrable domains) in scope, sorted */
	size_t n_seed_hosts;
	regex_t *include_re;
	size_t n_include;
	regex_t *exclude_re;
	size_t n_exclude;
	size_t thread_stack;

	/* Reporters: called one at a time, under report_mu. */
	pthread_mutex_t report_mu;
	struct weft_reporter **reporters; /* owned */
	size_t n_reporters;
	int output_err;                   /* guarded by report_mu */

	struct weft__depths *depths;      /* exact --depth bookkeeping; NULL without --depth */
	struct weft__limits *limits;      /* counting limits (core/limits.h); own lock */
	struct weft__held *held;          /* redirect chain starts' records (core/held.h) */
	double deadline;                  /* weft__now() after which nothing starts (max_time);
					     0: none. Written before the engine starts */

	/* Politeness, resolved from cfg and the fetcher when the crawl is made. */
	int max_per_host;                 /* 0: unlimited */
	bool robots;                      /* fetch and obey robots.txt */
	char *robots_agent;               /* product token */
	struct weft__gate *gate;          /* serial/mutex/channel: per-host waits around fetch;
					     NULL when nothing limits hosts or for frontier engines */

	/* Skipped URLs: each is recorded once (a locked set of those already recorded). */
	struct weft__visited *skip_seen;  /* NULL with cfg.no_skipped */
	pthread_mutex_t deferred_mu;
	struct weft__visited *deferred_seen; /* guarded by deferred_mu; only with --depth */
	struct weft__jobs deferred;       /* --depth: links beyond the limit; recorded at the end
					     unless a shorter path reached them */

	struct weft__stats stats;
	pthread_mutex_t stop_mu;          /* guards waker; taken before any engine lock */
	struct weft__waker waker;         /* the running engine's; .wake NULL when none */
	atomic_bool canceled;
	atomic_bool finished;             /* the engine returned: nothing is queued any more */
	atomic_int run_err;               /* first run-level failure (e.g. out of memory), or 0 */
	_Atomic double seconds;           /* written by run() after the engine returns; stats may
					     be read meanwhile from another thread */
};

/* ---- src/core/visit.c: the per-URL step every engine runs ---- */

/*
 * Fetch job->url, hand the record to the reporters, and append to kids the in-scope links of a
 * usable page (and the target of a redirect), not yet deduplicated. Safe from any thread.
 */
int weft__visit(struct weft_crawl *c, const struct weft__job *job, struct weft__jobs *kids);

/*
 * The two halves of weft__visit for engines that fetch asynchronously: weft__page_begin()
 * (core/page.h) makes the request and its sink; after the fetch ends (fetch_rc: what the
 * fetcher returned), visit_end records it and computes kids; resets resp. A replay job
 * (job->replay) is not fetched at all: weft__visit_replay gives its kids at once.
 */
struct weft__page;
int weft__visit_end(struct weft_crawl *c, const struct weft__job *job, int fetch_rc,
		    struct weft_response *resp, struct weft__page *page, struct weft__jobs *kids,
		    struct weft__fate *fate);
/* One fetch of job with the blocking face, no gate; fate says what the host should make of it. */
int weft__visit_once(struct weft_crawl *c, const struct weft__job *job, struct weft__jobs *kids,
		     struct weft__fate *fate);
/* A job the frontier gave out that needs no fetch (a replay, a skip): its record or kids. */
int weft__visit_instant(struct weft_crawl *c, const struct weft__job *job,
			struct weft__jobs *kids);
/* A job leaves the queue (for the stats' queued count): call once when its fetch starts. */
void weft__count_started(struct weft_crawl *c, const struct weft__job *job);
/* Record that job's URL was found but not fetched, and why (once per URL). */
void weft__report_skip(struct weft_crawl *c, const struct weft__job *job, enum weft__skip why,
		       const char *msg);
/* --depth: record the links left beyond the limit that no shorter path reached. */
void weft__report_deferred(struct weft_crawl *c);
/* --depth: the page was reached again by a shorter path; offer its links again. */
int weft__visit_replay(struct weft_crawl *c, const struct weft__job *job, struct weft__jobs *kids);

/* True once cfg.max_time has passed: jobs not started become "max-time" skips. */
static inline bool weft__past_deadline(const struct weft_crawl *c)
{
	return c->deadline > 0 && weft__now() >= c->deadline;
}

/* True once weft_crawl_cancel() was called or a reporter failed. */
static inline bool weft__canceled(struct weft_crawl *c)
{
	return atomic_load_explicit(&c->canceled, memory_order_relaxed);
}

/*
 * Admission: claim job's URL in set (respecting max_pages). Returns true when the caller must
 * now visit the job: a new URL, or (with --depth) a replay of a page found again closer to a
 * seed, which weft__admit marks in job->replay. The caller provides whatever lock set needs.
 */
bool weft__admit(struct weft_crawl *c, struct weft__visited *set, struct weft__job *job);

/* Admission of a sitemap job: once per URL, outside --max-pages and --depth. */
bool weft__admit_aux(struct weft_crawl *c, struct weft__visited *set, struct weft__job *job);
/* The jobs a crawl starts from: its seeds and, with --sitemap, their origins' /sitemap.xml. */
int weft__seed_jobs(struct weft_crawl *c, struct weft__jobs *out);

/* Record a run-level failure (the first one wins) and stop the crawl (weft__stop). */
void weft__fail(struct weft_crawl *c, int err);

/* ---- stopping a crawl, from inside it or from outside (src/core/stop.c) ---- */

/*
 * Stop the crawl from inside it (a failed allocation, a broken output), with any crawl lock
 * held: record err as the run's error if it is the first (0: none), set the canceled flag and
 * abort the crawl's fetcher. Takes no lock, so it runs no waker: threads waiting on a timer
 * see the flag when they wake, and the fetches they wait for end at once (aborted). Inline
 * here, so the reporters' fan-out (src/report/) can stop a crawl without calling into core.
 */
static inline void weft__stop(struct weft_crawl *c, int err)
{
	int expected = 0;
	if (err)
		atomic_compare_exchange_strong(&c->run_err, &expected, err);
	atomic_store(&c->canceled, true);
	if (c->fetcher->ops->abort)
		c->fetcher->ops->abort(c->fetcher);
	else if (c->fetcher->ops->wake) /* an event loop may be waiting for I/O */
		c->fetcher->ops->wake(c->fetcher);
}
/* weft__stop plus the engine's waker and the gate's, under stop_mu: every waiting thread wakes
   now. Only from a thread holding no crawl lock (weft_crawl_cancel). */
void weft__stop_and_wake(struct weft_crawl *c);
/* The running engine's waker (wake NULL: none). Call holding no crawl lock. */
void weft__waker_set(struct weft_crawl *c, void (*wake)(void *arg), void *arg);

/* A new chain string: job's chain plus job's URL (for the target of its redirect). */
struct weft__str *weft__chain_extend(const struct weft__job *job);

/* ---- src/core/scope.c ---- */
int weft__scope_init(struct weft_crawl *c, char *err, size_t errlen);
/* Take the seeds' hosts (or domains) as the scope; called when the run starts. */
int weft__scope_add_seeds(struct weft_crawl *c);
/* May a link to url (canonical) be followed (scheme, host or domain, include/exclude)? */
bool weft__scope_allows(const struct weft_crawl *c, const char *url);
enum weft__scope {
	WEFT__SCOPE_IN = 0,     /* follow it */
	WEFT__SCOPE_OTHER_HOST, /* http(s), allowed by the patterns, another host (or domain):
				   a link checker checks it */
	WEFT__SCOPE_NEVER,      /* another scheme, or ruled out by --include/--exclude */
};
enum weft__scope weft__scope_of(const struct weft_crawl *c, const char *url);
void weft__scope_free(struct weft_crawl *c);

/* ---- src/core/jobs.c ---- */
int weft__jobs_push(struct weft__jobs *js, struct weft__str *url, struct weft__str *from,
		    int depth, int hops);
/* Move a job in (references transfer). */
int weft__jobs_push_job(struct weft__jobs *js, struct weft__job *job);
void weft__job_clear(struct weft__job *job);
/* Release every job and the array. */
void weft__jobs_free(struct weft__jobs *js);
/* Append a copy of job (new references). */
int weft__jobs_push_copy(struct weft__jobs *js, const struct weft__job *job);
/* Move all jobs of src to the end of dst; src ends empty. */
int weft__jobs_move(struct weft__jobs *dst, struct weft__jobs *src);

/* ---- src/report/report.c ---- */
int weft__report_begin(struct weft_crawl *c);
void weft__report_record(struct weft_crawl *c, const struct weft_record *rec);
int weft__report_end(struct weft_crawl *c);

#endif
