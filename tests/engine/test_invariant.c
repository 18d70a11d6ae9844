/*
 * test_invariant.c -- weft's core invariant: on thousands of random webs (cycles, self-links,
 * missing pages, errors, redirects, random delays, several hosts, depth limits), every engine
 * fetches exactly the set a breadth-first oracle computes, fetches each URL at most once, and
 * terminates -- also when thread creation fails.
 *
 * Reproduce a failure: WEFT_INVARIANT_SEED=<seed printed> WEFT_INVARIANT_WEBS=1.
 * Environment: WEFT_INVARIANT_WEBS (default 2000), WEFT_INVARIANT_SEED (default 20261126),
 * WEFT_INVARIANT_ENGINE (only this engine).
 */
#include <signal.h>
#include <unistd.h>

#include <weft.h>

#include "check.h"
#include "randweb.h"
#include "sync/sync.h"

/*
 * A reporter that keeps the URLs of the records (calls are serialised by the crawl): fetched
 * ones, skipped ones (found, not fetched, and why), and every link and redirect target the
 * fetched pages named, so the test can check that each of those ends with a record.
 */
struct collect {
	struct weft_reporter base;
	struct rw_set urls;
	struct rw_set skipped;
	struct rw_set named;
	int bad_skips;          /* skip records with an unknown reason */
};

static int collect_record(struct weft_reporter *r, const struct weft_record *rec)
{
	struct collect *col = (struct collect *)r;
	if (rec->skipped) {
		if (strcmp(rec->skipped, "depth") != 0 && strcmp(rec->skipped, "scope") != 0)
			col->bad_skips++; /* the fake web has no robots.txt, and no --max-pages here */
		rw_set_add(&col->skipped, rec->url);
		return 0;
	}
	rw_set_add(&col->urls, rec->url);
	for (size_t i = 0; weft_record_ok(rec) && i < rec->n_links; i++)
		rw_set_add(&col->named, rec->links[i].url);
	if (rec->redirect && rec->error == WEFT_FE_NONE)
		rw_set_add(&col->named, rec->redirect);
	return 0;
}

/* Every URL a fetched page named was fetched or skipped, never both, and skipped only once. */
static int check_skips(struct collect *col, const char *what)
{
	if (col->bad_skips) {
		CHECK_FAIL("%s: %d skip records with a wrong reason", what, col->bad_skips);
		return 1;
	}
	for (int i = 0; i < col->skipped.n; i++) {
		if (rw_set_has(&col->urls, col->skipped.v[i])) {
			CHECK_FAIL("%s: %s both fetched and skipped", what, col->skipped.v[i]);
			return 1;
		}
		for (int k = i + 1; k < col->skipped.n; k++)
			if (strcmp(col->skipped.v[i], col->skipped.v[k]) == 0) {
				CHECK_FAIL("%s: %s skipped twice", what, col->skipped.v[i]);
				return 1;
			}
	}
	for (int i = 0; i < col->named.n; i++)
		if (!rw_set_has(&col->urls, col->named.v[i]) &&
		    !rw_set_has(&col->skipped, col->named.v[i])) {
			CHECK_FAIL("%s: %s was found but has no record", what, col->named.v[i]);
			return 1;
		}
	return 0;
}

static void collect_destroy(struct weft_reporter *r)
{
	(void)r; /* owned by the test */
}

static const struct weft_reporter_ops collect_ops = {
	.name = "collect", .record = collect_record, .destroy = collect_destroy,
};

static char watchdog_msg[512];

static void on_alarm(int sig)
{
	(void)sig;
	ssize_t n = write(2, watchdog_msg, strlen(watchdog_msg));
	(void)n;
	_exit(1);
}

static int cmp_url(const void *a, const void *b)
{
	return strcmp(a, b);
}

struct run_params {
	uint64_t seed;
	const char *engine;
	int concurrency;
	int any_host;
	unsigned fail_every;
	int max_depth;
	int loops;
};

static void describe(const struct run_params *p, char *buf, size_t len)
{
	snprintf(buf, len, "seed=%llu engine=%s c=%d loops=%d scope=%s depth=%d thread_fail_every=%u",
		 (unsigned long long)p->seed, p->engine, p->concurrency, p->loops,
		 p->any_host ? "any" : "host", p->max_depth, p->fail_every);
}

/* Compare the sorted record URLs with the sorted oracle set. */
static int compare_sets(struct rw_set *got, struct rw_set *want, const char *what)
{
	qsort(got->v, (size_t)got->n, 64, cmp_url);
	qsort(want->v, (size_t)want->n, 64, cmp_url);
	for (int i = 1; i < got->n; i++)
		if (strcmp(got->v[i - 1], got->v[i]) == 0) {
			CHECK_FAIL("%s: %s fetched twice", what, got->v[i]);
			return 1;
		}
	if (got->n != want->n) {
		CHECK_FAIL("%s: fetched %d URLs, oracle says %d", what, got->n, want->n);
		return 1;
	}
	for (int i = 0; i < got->n; i++)
		if (strcmp(got->v[i], want->v[i]) != 0) {
			CHECK_FAIL("%s: fetched %s where oracle has %s", what, got->v[i], want->v[i]);
			return 1;
		}
	return 0;
}

static int run_engine(const struct randweb *w, struct rw_set *want, const struct run_params *p)
{
	char what[256];
	describe(p, what, sizeof(what));
	snprintf(watchdog_msg, sizeof(watchdog_msg), "watchdog: no termination: %s\n", what);
	struct weft_fakeweb *web = NULL;
	struct weft_fetcher *f = NULL;
	struct weft_crawl *c = NULL;
	struct collect col = { .base.ops = &collect_ops };
	struct weft_config cfg;
	weft_config_init(&cfg);
	cfg.engine = p->engine;
	cfg.concurrency = p->concurrency;
	cfg.scope = p->any_host ? WEFT_SCOPE_ANY : WEFT_SCOPE_HOST;
	cfg.max_depth = p->max_depth;
	cfg.loops = p->loops;
	int bad = 1;
	if (rw_to_fakeweb(w, &web) || weft_fetcher_fake(&f, web) ||
	    weft_crawl_new(&c, &cfg, f, NULL, 0) || weft_crawl_add_reporter(c, &col.base)) {
		CHECK_FAIL("%s: setup failed", what);
		goto out;
	}
	for (int s = 0; s < w->n_seeds; s++)
		weft_crawl_add_seed(c, w->seeds[s]);
	weft__thread_fail_every(p->fail_every);
	alarm(60);
	int rc = weft_crawl_run(c);
	alarm(0);
	weft__thread_fail_every(0);
	if (rc != WEFT_OK) {
		CHECK_FAIL("%s: run returned %s", what, weft_strerror(rc));
		goto out;
	}
	if (weft_fakeweb_total_fetches(web) != (uint64_t)col.urls.n) {
		CHECK_FAIL("%s: %llu fetches for %d records", what,
			   (unsigned long long)weft_fakeweb_total_fetches(web), col.urls.n);
		goto out;
	}
	bad = compare_sets(&col.urls, want, what) || check_skips(&col, what);
out:
	weft_crawl_free(&c);
	weft_fetcher_free(&f);
	weft_fakeweb_free(&web);
	free(col.urls.v);
	free(col.skipped.v);
	free(col.named.v);
	return bad;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);
	return s && *s ? strtoull(s, NULL, 10) : def;
}

static void test_engines_agree_with_oracle(void)
{
	static struct randweb w;
	const char *const *engines = weft_engine_names();
	uint64_t base = env_u64("WEFT_INVARIANT_SEED", 20261126);
	uint64_t webs = env_u64("WEFT_INVARIANT_WEBS", 2000);
	static const unsigned fails[] = { 1, 2, 5 };
	int failed_webs = 0;
	const char *only = getenv("WEFT_INVARIANT_ENGINE"); /* restrict to one engine */
	for (uint64_t i = 0; i < webs && failed_webs < 5; i++) {
		uint64_t seed = base + i;
		rw_generate(&w, seed);
		struct rw_set want = { 0 };
		int any = rw_below(&w, 4) == 0;
		int depth = rw_below(&w, 3) == 0 ? rw_below(&w, 5) : -1;
		int loops = 1 + rw_below(&w, 3);
		rw_oracle_depth(&w, any, depth, &want);
		int c = rw_below(&w, 3) == 0 ? 0 : 1 + rw_below(&w, 64);
		unsigned fe = rw_below(&w, 4) == 0 ? fails[rw_below(&w, 3)] : 0;
		int bad = 0;
		for (size_t e = 0; engines[e]; e++) {
			if (only && strcmp(only, engines[e]) != 0)
				continue;
			struct run_params p = { seed, engines[e], c, any, fe, depth, loops };
			struct rw_set copy = { 0 };
			for (int k = 0; k < want.n; k++)
				rw_set_add(&copy, want.v[k]);
			bad |= run_engine(&w, &copy, &p);
			free(copy.v);
		}
		failed_webs += bad;
		free(want.v);
	}
	fprintf(stderr, "invariant: %llu webs from seed %llu, %d failed\n",
		(unsigned long long)webs, (unsigned long long)base, failed_webs);
}

/* The lecture's web: every engine finds the lecture's five URLs. */
static void test_lecture_web(void)
{
	const char *const *engines = weft_engine_names();
	for (size_t e = 0; engines[e]; e++) {
		struct weft_fakeweb *web = NULL;
		struct weft_fetcher *f = NULL;
		struct weft_crawl *c = NULL;
		struct collect col = { .base.ops = &collect_ops };
		struct weft_config cfg;
		weft_config_init(&cfg);
		cfg.engine = engines[e];
		REQUIRE(weft_fakeweb_lecture(&web) == WEFT_OK);
		REQUIRE(weft_fetcher_fake(&f, web) == WEFT_OK);
		REQUIRE(weft_crawl_new(&c, &cfg, f, NULL, 0) == WEFT_OK);
		weft_crawl_add_reporter(c, &col.base);
		weft_crawl_add_seed(c, "http://golang.org/");
		CHECK_INT(weft_crawl_run(c), WEFT_OK);
		CHECK_INT(col.urls.n, 5);
		CHECK_INT(weft_fakeweb_fetches(web, "http://golang.org/cmd/"), 1);
		CHECK_INT(weft_fakeweb_fetches(web, "http://golang.org/"), 1);
		weft_crawl_free(&c);
		weft_fetcher_free(&f);
		weft_fakeweb_free(&web);
		free(col.urls.v);
		free(col.skipped.v);
		free(col.named.v);
	}
}

int main(void)
{
	signal(SIGALRM, on_alarm);
	weft_global_init();
	RUN(test_lecture_web);
	RUN(test_engines_agree_with_oracle);
	weft_global_cleanup();
	return check_report();
}
