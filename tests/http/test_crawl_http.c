/*
 * test_crawl_http.c -- every engine over real HTTP against weft-testserver.
 *
 * 1. A generated site (cycles, 404s, redirects, a redirect loop, a 12-hop chain, non-HTML,
 *    big and slow pages): each engine must request exactly the URLs of the server's own
 *    --expect file, each once, with the expected statuses and redirect targets.
 * 2. A real site written by others: PostgreSQL's HTML documentation (Debian package
 *    postgresql-doc-15) served from disk; each engine must request exactly the URLs that
 *    tests/http/reachable.py -- Python's html.parser and urljoin, independent of weft --
 *    computes from the files.
 *
 * Arguments choose the parts: "site" (1, with a many-thread run) and "pgdocs" (2); none means
 * both. A skip (77) is decided before any check runs, never after one may have failed: only
 * "pgdocs" alone skips, when the package is absent (CI installs it: scripts/install-deps.sh
 * --test). Run with both parts and no package, it says so and reports on part 1 only.
 */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <weft.h>
#include <weft/http.h>

#include "check.h"
#include "ts_client.h"

struct rec {
	char *url;
	int status;
	char *redirect;
	char *error;
};

struct collect {
	struct weft_reporter base;
	struct rec *v;
	size_t n, cap;
};

static int collect_record(struct weft_reporter *r, const struct weft_record *rec)
{
	struct collect *c = (struct collect *)r;
	if (rec->skipped)
		return 0; /* found and not fetched: these tests compare what was requested */
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n++] = (struct rec){
		.url = strdup(rec->url), .status = rec->status,
		.redirect = rec->redirect ? strdup(rec->redirect) : NULL,
		.error = strdup(weft_fetch_err_name(rec->error)),
	};
	return 0;
}

static void collect_destroy(struct weft_reporter *r)
{
	(void)r;
}

static const struct weft_reporter_ops collect_ops = {
	.name = "collect", .record = collect_record, .destroy = collect_destroy,
};

static void collect_free(struct collect *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].url);
		free(c->v[i].redirect);
		free(c->v[i].error);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static int by_url(const void *a, const void *b)
{
	return strcmp(((const struct rec *)a)->url, ((const struct rec *)b)->url);
}

/* Crawl seed with engine over HTTP (per_host: --max-per-host, or WEFT_PER_HOST_DEFAULT);
   records sorted by URL into out. */
static int crawl_limited(const char *engine, int conc, int per_host, const char *seed,
			 struct collect *out)
{
	struct weft_http_options ho;
	struct weft_config cfg;
	struct weft_fetcher *f = NULL;
	struct weft_crawl *c = NULL;
	char err[256] = "";
	weft_http_options_init(&ho);
	ho.retries = 0;
	weft_config_init(&cfg);
	cfg.engine = engine;
	cfg.concurrency = conc;
	cfg.max_per_host = per_host;
	out->base.ops = &collect_ops;
	int rc = weft_fetcher_http(&f, &ho, err, sizeof(err));
	if (!rc)
		rc = weft_crawl_new(&c, &cfg, f, err, sizeof(err));
	if (!rc)
		rc = weft_crawl_add_seed(c, seed);
	if (!rc)
		rc = weft_crawl_add_reporter(c, &out->base);
	if (!rc)
		rc = weft_crawl_run(c);
	if (rc)
		fprintf(stderr, "crawl %s: %s %s\n", engine, weft_strerror(rc), err);
	weft_crawl_free(&c);
	weft_fetcher_free(&f);
	qsort(out->v, out->n, sizeof(*out->v), by_url);
	return rc;
}

static int crawl(const char *engine, int conc, const char *seed, struct collect *out)
{
	return crawl_limited(engine, conc, WEFT_PER_HOST_DEFAULT, seed, out);
}

static bool no_duplicates(const struct collect *got, const char *engine)
{
	for (size_t i = 1; i < got->n; i++)
		if (strcmp(got->v[i - 1].url, got->v[i].url) == 0) {
			CHECK_FAIL("%s: %s requested twice", engine, got->v[i].url);
			return false;
		}
	return true;
}

/* Compare one engine's records with the expect file's objects (sorted by url). */
static void compare_expect(const struct collect *got, json_t *want, const char *engine)
{
	size_t n = json_array_size(want);
	if (!no_duplicates(got, engine))
		return;
	if (got->n != n)
		CHECK_FAIL("%s: %zu URLs requested, %zu expected", engine, got->n, n);
	size_t i = 0, k = 0, shown = 0;
	while ((i < got->n || k < n) && shown < 10) {
		json_t *w = k < n ? json_array_get(want, k) : NULL;
		const char *wu = w ? json_string_value(json_object_get(w, "url")) : NULL;
		int cmp = !wu ? -1 : i == got->n ? 1 : strcmp(got->v[i].url, wu);
		if (cmp < 0) {
			CHECK_FAIL("%s: unexpected %s", engine, got->v[i++].url);
			shown++;
		} else if (cmp > 0) {
			CHECK_FAIL("%s: missed %s", engine, wu);
			k++, shown++;
		} else {
			const struct rec *r = &got->v[i++];
			json_t *rd = json_object_get(w, "redirect");
			if (r->status != json_integer_value(json_object_get(w, "status"))) {
				CHECK_FAIL("%s: %s status %d", engine, r->url, r->status);
				shown++;
			}
			if (rd && (!r->redirect || strcmp(r->redirect, json_string_value(rd)))) {
				CHECK_FAIL("%s: %s redirect %s", engine, r->url, r->redirect);
				shown++;
			}
			k++;
		}
	}
}

static json_t *load_jsonl(const char *path)
{
	json_t *arr = json_array();
	FILE *f = fopen(path, "r");
	char line[4096];
	while (f && fgets(line, sizeof(line), f))
		json_array_append_new(arr, json_loads(line, 0, NULL));
	if (f)
		fclose(f);
	return arr;
}

static const char *const engines[] = { "serial", "mutex", "channel", "pool", "event", NULL };

static void test_generated_site(void)
{
	char expect[] = "/tmp/weft-expect-XXXXXX";
	int fd = mkstemp(expect);
	REQUIRE(fd >= 0);
	close(fd);
	const char *args[] = { "--site", "400", "--fanout", "6", "--big-bytes", "300000",
			       "--slow-ms", "30", "--expect", expect, NULL };
	struct ts_proc p;
	REQUIRE(ts_spawn(&p, args));
	json_t *want = load_jsonl(expect);
	REQUIRE(json_array_size(want) > 400);
	char seed[128];
	snprintf(seed, sizeof(seed), "%s/", p.base);
	for (int e = 0; engines[e]; e++) {
		struct collect got = { 0 };
		CHECK_INT(crawl(engines[e], 16, seed, &got), WEFT_OK);
		compare_expect(&got, want, engines[e]);
		for (size_t i = 0; i < got.n; i++) {
			if (strstr(got.v[i].url, "/loop/b") && strstr(got.v[i].error, "none"))
				CHECK_FAIL("%s: /loop/b not reported as a loop", engines[e]);
			if (strstr(got.v[i].url, "/chain/10") &&
			    strcmp(got.v[i].error, "too_many_redirects") != 0)
				CHECK_FAIL("%s: /chain/10 error %s", engines[e], got.v[i].error);
		}
		fprintf(stderr, "generated site, %s: %zu URLs\n", engines[e], got.n);
		collect_free(&got);
	}
	json_decref(want);
	CHECK_INT(ts_stop(&p, SIGTERM), 0);
	unlink(expect);
}

/*
 * Hundreds of threads fetching at once, each with its own libcurl handle: once crashed with
 * heap corruption when handles shared one connection cache (curl issue #4915).
 */
static void test_many_threads(void)
{
	char expect[] = "/tmp/weft-expect-XXXXXX";
	int fd = mkstemp(expect);
	REQUIRE(fd >= 0);
	close(fd);
	const char *args[] = { "--site", "3000", "--fanout", "10", "--latency", "20", "--expect",
			       expect, NULL };
	struct ts_proc p;
	REQUIRE(ts_spawn(&p, args));
	json_t *want = load_jsonl(expect);
	char seed[128];
	snprintf(seed, sizeof(seed), "%s/", p.base);
	static const char *const threaded[] = { "pool", "mutex", NULL };
	for (int e = 0; threaded[e]; e++) {
		for (int round = 0; round < 2; round++) {
			struct collect got = { 0 };
			/* no per-host limit: 400 fetches at once is what this test is about */
			CHECK_INT(crawl_limited(threaded[e], 400, 0, seed, &got), WEFT_OK);
			compare_expect(&got, want, threaded[e]);
			collect_free(&got);
		}
	}
	json_decref(want);
	CHECK_INT(ts_stop(&p, SIGTERM), 0);
	unlink(expect);
}

/* reachable.py's answer for the docs served at base. */
static char **oracle(const char *dir, const char *base, size_t *n)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "python3 '%s/tests/http/reachable.py' '%s' '%s/' 2>/dev/null",
		 getenv("WEFT_SOURCE_ROOT"), dir, base);
	FILE *f = popen(cmd, "r");
	char **v = NULL, line[4096];
	*n = 0;
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		v = realloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = strdup(line);
	}
	if (f && pclose(f) != 0)
		*n = 0;
	return v;
}

static void compare_oracle(const struct collect *got, char **want, size_t n, const char *eng)
{
	if (!no_duplicates(got, eng))
		return;
	size_t shown = 0;
	if (got->n != n)
		CHECK_FAIL("%s: %zu URLs requested, reachable.py says %zu", eng, got->n, n);
	for (size_t i = 0, k = 0; (i < got->n || k < n) && shown < 10;) {
		int cmp = k == n ? -1 : i == got->n ? 1 : strcmp(got->v[i].url, want[k]);
		if (cmp == 0) {
			i++, k++;
			continue;
		}
		if (cmp < 0)
			CHECK_FAIL("%s: not in reachable.py's set: %s", eng, got->v[i++].url);
		else
			CHECK_FAIL("%s: reachable.py has %s", eng, want[k++]);
		shown++;
	}
}

static const char pg_dir[] = "/usr/share/doc/postgresql-doc-15/html";

static void test_postgres_docs(void)
{
	const char *dir = pg_dir;
	const char *args[] = { "--dir", dir, NULL };
	struct ts_proc p;
	REQUIRE(ts_spawn(&p, args));
	size_t n = 0;
	char **want = oracle(dir, p.base, &n);
	REQUIRE(n > 1000);
	char seed[128];
	snprintf(seed, sizeof(seed), "%s/index.html", p.base);
	for (int e = 0; engines[e]; e++) {
		struct collect got = { 0 };
		CHECK_INT(crawl(engines[e], 8, seed, &got), WEFT_OK);
		compare_oracle(&got, want, n, engines[e]);
		fprintf(stderr, "postgresql-doc-15, %s: %zu URLs (reachable.py: %zu)\n",
			engines[e], got.n, n);
		collect_free(&got);
	}
	for (size_t i = 0; i < n; i++)
		free(want[i]);
	free(want);
	CHECK_INT(ts_stop(&p, SIGTERM), 0);
}

int main(int argc, char **argv)
{
	bool site = argc < 2, pg = argc < 2;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "site") == 0)
			site = true;
		else if (strcmp(argv[i], "pgdocs") == 0)
			pg = true;
		else {
			fprintf(stderr, "usage: %s [site] [pgdocs]\n", argv[0]);
			return 2;
		}
	}
	/* Decide about skipping before any check is made. */
	struct stat st;
	if (pg && stat(pg_dir, &st) != 0) {
		fprintf(stderr, "skip: %s absent (apt-get install postgresql-doc-15, or "
			"scripts/install-deps.sh --test)%s\n", pg_dir,
			site ? ": the postgresql-doc-15 part is not run" : "");
		if (!site)
			return CHECK_SKIP;
		pg = false;
	}
	weft_global_init();
	if (site) {
		RUN(test_generated_site);
		RUN(test_many_threads);
	}
	if (pg)
		RUN(test_postgres_docs);
	weft_global_cleanup();
	return check_report();
}
