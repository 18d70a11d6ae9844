/*
 * test_hostile_crawl.c -- crawls of the hostile web (weft-testserver --hostile): whatever a
 * server sends, weft must not crash, hang, balloon, or lose or misreport a result.
 *
 * 1. One scenario per trap, through the public API with a reporter collecting records, with
 *    the event engine (the fetcher's multi face) and the pool engine (its blocking face):
 *    seeded at / and at the trap, --include limited to the ordinary pages and the trap, so
 *    each scenario is the trap alone. Every ordinary page (/ and /ok/1..20) must be found,
 *    and the trap's records must carry the right error kind.
 * 2. The whole hostile site with the CLI (`weft crawl -c 64 -f jsonl`) as a child process:
 *    it must end in well under a minute with every ordinary page found, every trap URL it
 *    requested carrying the right kind, and a bounded peak RSS (wait4's ru_maxrss; not
 *    checked under TSan, whose shadow memory is no measure of weft's).
 * 3. File descriptors: /proc/self/fd counted before and after 10,000-page crawls through the
 *    library (event and pool engines) must not grow beyond a small constant.
 *
 * Timeouts are shortened (low-speed 100 B/s over 2 s) so slowloris and the blackhole end in
 * seconds; nothing here sleeps to wait for anything.
 */
#include <dirent.h>
#include <jansson.h>
#include <regex.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <weft.h>
#include <weft/http.h>

#include "check.h"
#include "ts_client.h"
#include "weft_build.h"

extern char **environ;

static struct ts_proc srv;
static unsigned bh_port, tls_port;
static char tmpdir[256];

struct rec {
	char *url;
	int status;
	enum weft_fetch_err error;
	char *error_msg;
	char *skipped;
	bool truncated;
	size_t n_links;
};

struct collect {
	struct weft_reporter base;
	struct rec *v;
	size_t n, cap;
};

static int collect_record(struct weft_reporter *r, const struct weft_record *rec)
{
	struct collect *c = (struct collect *)r;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n++] = (struct rec){
		.url = strdup(rec->url), .status = rec->status, .error = rec->error,
		.error_msg = rec->error_msg ? strdup(rec->error_msg) : NULL,
		.skipped = rec->skipped ? strdup(rec->skipped) : NULL,
		.truncated = rec->truncated, .n_links = rec->n_links,
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
		free(c->v[i].error_msg);
		free(c->v[i].skipped);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* The fetched (not skipped) record of url, or NULL. */
static const struct rec *find(const struct collect *c, const char *url)
{
	for (size_t i = 0; i < c->n; i++)
		if (!c->v[i].skipped && strcmp(c->v[i].url, url) == 0)
			return &c->v[i];
	return NULL;
}

struct crawl_spec {
	const char *engine;
	const char *const *seeds;    /* paths on the server, or absolute URLs */
	const char *const *include;  /* extra regexes besides the ordinary pages */
	bool insecure;
	uint64_t max_body;
};

static void abs_url(const char *s, char *buf, size_t len)
{
	if (strstr(s, "://"))
		snprintf(buf, len, "%s", s);
	else
		snprintf(buf, len, "%s%s", srv.base, s);
}

/* Crawl with the spec; records into out. */
static int crawl(const struct crawl_spec *sp, struct collect *out)
{
	struct weft_http_options ho;
	struct weft_config cfg;
	struct weft_fetcher *f = NULL;
	struct weft_crawl *c = NULL;
	char err[256] = "", ordinary[128], url[512];
	const char *inc[16];
	size_t ninc = 0;
	weft_http_options_init(&ho);
	ho.low_speed_bytes = 100;
	ho.low_speed_secs = 2;
	ho.timeout_ms = 20000;
	ho.connect_timeout_ms = 2000;
	ho.retry_base_ms = 20;
	ho.insecure = sp->insecure;
	if (sp->max_body)
		ho.max_body = sp->max_body;
	weft_config_init(&cfg);
	cfg.engine = sp->engine;
	cfg.concurrency = 16;
	snprintf(ordinary, sizeof(ordinary), "^%s/(ok/[0-9]+\\.html)?$", srv.base);
	inc[ninc++] = ordinary;
	for (size_t i = 0; sp->include && sp->include[i]; i++)
		inc[ninc++] = sp->include[i];
	cfg.include = inc;
	cfg.n_include = ninc;
	out->base.ops = &collect_ops;
	int rc = weft_fetcher_http(&f, &ho, err, sizeof(err));
	if (!rc)
		rc = weft_crawl_new(&c, &cfg, f, err, sizeof(err));
	if (!rc)
		rc = weft_crawl_add_seed(c, srv.base);
	for (size_t i = 0; !rc && sp->seeds && sp->seeds[i]; i++) {
		abs_url(sp->seeds[i], url, sizeof(url));
		rc = weft_crawl_add_seed(c, url);
	}
	if (!rc)
		rc = weft_crawl_add_reporter(c, &out->base);
	if (!rc)
		rc = weft_crawl_run(c);
	if (rc)
		fprintf(stderr, "crawl %s: %s %s\n", sp->engine, weft_strerror(rc), err);
	weft_crawl_free(&c);
	weft_fetcher_free(&f);
	return rc;
}

/* Every ordinary page was fetched and is a usable page. */
static void ordinary_found(const struct collect *c, const char *what)
{
	char url[128];
	for (int i = 0; i <= 20; i++) {
		if (i == 0)
			snprintf(url, sizeof(url), "%s/", srv.base);
		else
			snprintf(url, sizeof(url), "%s/ok/%d.html", srv.base, i);
		const struct rec *r = find(c, url);
		if (!r)
			CHECK_FAIL("%s: ordinary page %s not fetched", what, url);
		else if (r->status != 200 || r->error != WEFT_FE_NONE)
			CHECK_FAIL("%s: ordinary page %s: status %d, error %s", what, url, r->status,
				   weft_fetch_err_name(r->error));
	}
}

/* The record of path (or absolute URL) has error kind e (or also e2, when e2 != NONE). */
static const struct rec *expect_kind(const struct collect *c, const char *what, const char *path,
				     enum weft_fetch_err e, enum weft_fetch_err e2)
{
	char url[512];
	abs_url(path, url, sizeof(url));
	const struct rec *r = find(c, url);
	if (!r) {
		CHECK_FAIL("%s: %s not fetched", what, url);
		return NULL;
	}
	if (r->error != e && (e2 == WEFT_FE_NONE || r->error != e2))
		CHECK_FAIL("%s: %s: error %s (%s), want %s", what, url, weft_fetch_err_name(r->error),
			   r->error_msg ? r->error_msg : "", weft_fetch_err_name(e));
	return r;
}

static const char *const engines[] = { "event", "pool", NULL };

/* Run one scenario with each engine: check(collect, engine) judges the trap's records. */
static void scenario(const char *name, const char *const *seeds, const char *const *include,
		     bool insecure, uint64_t max_body, double max_secs,
		     void (*judge)(const struct collect *, const char *))
{
	for (int e = 0; engines[e]; e++) {
		struct collect got = { 0 };
		struct crawl_spec sp = { engines[e], seeds, include, insecure, max_body };
		char what[128];
		snprintf(what, sizeof(what), "%s (%s)", name, engines[e]);
		double t0 = ts_mono();
		CHECK_INT(crawl(&sp, &got), WEFT_OK);
		double t = ts_mono() - t0;
		if (t > max_secs)
			CHECK_FAIL("%s: %.1f s (at most %.0f s expected)", what, t, max_secs);
		ordinary_found(&got, what);
		judge(&got, what);
		fprintf(stderr, "%s: %zu records, %.2f s\n", what, got.n, t);
		collect_free(&got);
	}
}

/* ---- the scenarios ---- */

static void judge_slowloris(const struct collect *c, const char *what)
{
	const struct rec *r = expect_kind(c, what, "/_test/slowloris", WEFT_FE_TIMEOUT, 0);
	if (r)
		CHECK_INT(r->status, 0);
}

static void test_slowloris(void)
{
	const char *seeds[] = { "/_test/slowloris", NULL }, *inc[] = { "/_test/slowloris", NULL };
	scenario("slowloris", seeds, inc, false, 0, 15, judge_slowloris);
}

static void judge_endless(const struct collect *c, const char *what)
{
	const struct rec *r = expect_kind(c, what, "/_test/huge?mb=0", WEFT_FE_NONE, 0);
	if (r && !r->truncated)
		CHECK_FAIL("%s: endless body not marked truncated", what);
}

static void test_endless_body(void)
{
	const char *seeds[] = { "/_test/huge?mb=0", NULL }, *inc[] = { "/_test/huge", NULL };
	scenario("endless body", seeds, inc, false, 4u << 20, 30, judge_endless);
}

static void judge_bomb(const struct collect *c, const char *what)
{
	const struct rec *r = expect_kind(c, what, "/_test/gzip-bomb", WEFT_FE_TOO_BIG, 0);
	if (r && (!r->error_msg || !strstr(r->error_msg, "times its compressed size")))
		CHECK_FAIL("%s: gzip bomb message '%s'", what, r->error_msg ? r->error_msg : "");
}

static void test_gzip_bomb(void)
{
	const char *seeds[] = { "/_test/gzip-bomb", NULL }, *inc[] = { "/_test/gzip-bomb", NULL };
	scenario("gzip bomb", seeds, inc, false, 0, 30, judge_bomb);
}

static void judge_redirects(const struct collect *c, const char *what)
{
	char url[128];
	/* the error is on the hop that tripped it and on the URL where the chain starts (the
	   one a page linked to), which keeps its own 3xx status */
	const struct rec *start = expect_kind(c, what, "/trap/loop/a", WEFT_FE_REDIRECT_LOOP, 0);
	if (start)
		CHECK(start->status >= 300 && start->status < 400);
	expect_kind(c, what, "/trap/loop/b", WEFT_FE_REDIRECT_LOOP, 0);
	expect_kind(c, what, "/trap/chain/0", WEFT_FE_TOO_MANY_REDIRECTS, 0);
	for (int k = 1; k < 10; k++) {
		snprintf(url, sizeof(url), "/trap/chain/%d", k);
		expect_kind(c, what, url, WEFT_FE_NONE, 0);
	}
	expect_kind(c, what, "/trap/chain/10", WEFT_FE_TOO_MANY_REDIRECTS, 0);
	snprintf(url, sizeof(url), "%s/trap/chain/11", srv.base);
	if (find(c, url))
		CHECK_FAIL("%s: the 11th hop was followed", what);
	static const char *const other[] = { "/trap/to-file", "/trap/to-ftp", "/trap/to-js" };
	for (int i = 0; i < 3; i++) {
		const struct rec *r = expect_kind(c, what, other[i], WEFT_FE_BAD_URL, 0);
		if (r)
			CHECK_INT(r->status, 302);
	}
}

static void test_redirects(void)
{
	const char *seeds[] = { "/trap/loop/a", "/trap/chain/0", "/trap/to-file", "/trap/to-ftp",
				"/trap/to-js", NULL };
	const char *inc[] = { "/trap/(loop|chain|to-)", NULL };
	scenario("redirects", seeds, inc, false, 0, 20, judge_redirects);
}

static void judge_cut(const struct collect *c, const char *what)
{
	const struct rec *r = expect_kind(c, what, "/_test/cut?bytes=1000", WEFT_FE_PROTOCOL,
					  WEFT_FE_CONNECT);
	if (r)
		CHECK_INT(r->status, 0);
}

static void test_cut(void)
{
	const char *seeds[] = { "/_test/cut?bytes=1000", NULL }, *inc[] = { "/_test/cut", NULL };
	scenario("cut connection", seeds, inc, false, 0, 20, judge_cut);
}

static char bh_url[64], tls_url[64];

static void judge_blackhole(const struct collect *c, const char *what)
{
	const struct rec *r = expect_kind(c, what, bh_url, WEFT_FE_TIMEOUT, 0);
	if (r)
		CHECK_INT(r->status, 0);
	expect_kind(c, what, "/_test/blackhole", WEFT_FE_NONE, 0); /* its 302 */
}

static void test_blackhole(void)
{
	char inc_bh[80];
	snprintf(inc_bh, sizeof(inc_bh), "^%s", bh_url);
	const char *seeds[] = { "/_test/blackhole", NULL };
	const char *inc[] = { "/_test/blackhole", inc_bh, NULL };
	scenario("blackhole", seeds, inc, false, 0, 20, judge_blackhole);
}

static void judge_tls(const struct collect *c, const char *what)
{
	const struct rec *r = expect_kind(c, what, tls_url, WEFT_FE_TLS, 0);
	if (r)
		CHECK_INT(r->status, 0);
}

static void judge_tls_insecure(const struct collect *c, const char *what)
{
	const struct rec *r = expect_kind(c, what, tls_url, WEFT_FE_NONE, 0);
	if (r)
		CHECK_INT(r->status, 200);
}

static void test_tls(void)
{
	if (!tls_port) {
		fprintf(stderr, "note: no openssl or no TLS in libmicrohttpd: TLS not tested\n");
		return;
	}
	char inc_tls[80];
	snprintf(inc_tls, sizeof(inc_tls), "^%s", tls_url);
	const char *seeds[] = { tls_url, NULL }, *inc[] = { inc_tls, NULL };
	scenario("self-signed TLS", seeds, inc, false, 0, 20, judge_tls);
	scenario("self-signed TLS, --insecure", seeds, inc, true, 0, 20, judge_tls_insecure);
}

static void judge_dns(const struct collect *c, const char *what)
{
	const struct rec *r = expect_kind(c, what, "http://weft-trap.invalid/", WEFT_FE_DNS, 0);
	if (r)
		CHECK_INT(r->status, 0);
}

/* A name under .invalid (RFC 2606) never resolves, and fails fast without a network too. */
static void test_dns(void)
{
	const char *seeds[] = { "http://weft-trap.invalid/", NULL };
	const char *inc[] = { "^http://weft-trap\\.invalid/", NULL };
	scenario("unresolvable host", seeds, inc, false, 0, 10, judge_dns);
}

static void judge_odd_pages(const struct collect *c, const char *what)
{
	static const char *const ok[] = { "/_test/nested?depth=100000", "/_test/badbytes",
					  "/_test/binary", "/_test/notype",
					  "/_test/type?ct=image/png", "/_test/links?n=100000",
					  "/trap/bad/%E2%82%AC-ok", "/trap/bad/c%EF%BF%BDd",
					  "/trap/bad/a%EF%BF%BD%EF%BF%BDb" };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		const struct rec *r = expect_kind(c, what, ok[i], WEFT_FE_NONE, 0);
		if (r)
			CHECK_INT(r->status, 200);
	}
	char url[256];
	snprintf(url, sizeof(url), "%s/_test/nested?depth=100000", srv.base);
	const struct rec *r = find(c, url);
	if (r)
		CHECK_INT(r->n_links, 1); /* the link at the bottom of 100,000 divs */
	snprintf(url, sizeof(url), "%s/_test/type?ct=image/png", srv.base);
	if ((r = find(c, url)))
		CHECK_INT(r->n_links, 0); /* not HTML by its type: not parsed */
}

static void test_odd_pages(void)
{
	const char *seeds[] = { "/_test/nested?depth=100000", "/_test/badbytes", "/_test/binary",
				"/_test/notype", "/_test/type?ct=image/png",
				"/_test/links?n=100000", NULL };
	const char *inc[] = { "/_test/(nested|badbytes|binary|notype|type|links|status)",
			      "/trap/bad/", NULL };
	scenario("odd pages", seeds, inc, false, 0, 30, judge_odd_pages);
}

/* ---- file descriptors ---- */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static int count_record(struct weft_reporter *r, const struct weft_record *rec)
{
	struct collect *c = (struct collect *)r;
	c->n += !rec->skipped && weft_record_ok(rec);
	return 0;
}

static const struct weft_reporter_ops count_ops = {
	.name = "count", .record = count_record, .destroy = collect_destroy,
};

static void test_fds(void)
{
	const char *args[] = { "--site", "10000", "--fanout", "10", NULL };
	struct ts_proc site;
	REQUIRE(ts_spawn(&site, args));
	char seed[128];
	snprintf(seed, sizeof(seed), "%s/", site.base);
	int before = count_fds();
	for (int e = 0; engines[e]; e++) {
		struct weft_http_options ho;
		struct weft_config cfg;
		struct weft_fetcher *f = NULL;
		struct weft_crawl *c = NULL;
		struct collect got = { .base.ops = &count_ops };
		weft_http_options_init(&ho);
		weft_config_init(&cfg);
		cfg.engine = engines[e];
		cfg.concurrency = 64;
		cfg.max_per_host = 0;
		CHECK_INT(weft_fetcher_http(&f, &ho, NULL, 0), WEFT_OK);
		CHECK_INT(weft_crawl_new(&c, &cfg, f, NULL, 0), WEFT_OK);
		CHECK_INT(weft_crawl_add_seed(c, seed), WEFT_OK);
		CHECK_INT(weft_crawl_add_reporter(c, &got.base), WEFT_OK);
		int during = count_fds();
		CHECK_INT(weft_crawl_run(c), WEFT_OK);
		weft_crawl_free(&c);
		weft_fetcher_free(&f);
		int after = count_fds();
		fprintf(stderr, "fds, %s: %d before, %d with the crawl made, %d after %zu pages\n",
			engines[e], before, during, after, got.n);
		CHECK(got.n >= 10000);
		if (after > before + 2)
			CHECK_FAIL("%s: %d file descriptors before a 10,000-page crawl, %d after",
				   engines[e], before, after);
	}
	CHECK_INT(ts_stop(&site, SIGTERM), 0);
}

/* ---- the whole site, with the CLI ---- */

/* Run argv (NULL-terminated) to completion; its wall time and peak RSS (KiB). */
static int run_child(const char *const *argv, double *secs, long *maxrss_kb)
{
	pid_t pid;
	int st;
	struct rusage ru;
	double t0 = ts_mono();
	if (posix_spawn(&pid, argv[0], NULL, NULL, (char *const *)(uintptr_t)argv, environ) != 0)
		return -1;
	if (wait4(pid, &st, 0, &ru) != pid)
		return -1;
	*secs = ts_mono() - t0;
	*maxrss_kb = ru.ru_maxrss;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* What a trap URL's record must say; NULL when any answer will do (no crash is the test). */
struct rule {
	const char *re;
	const char *error;    /* the "error" value, "-" for none */
	const char *skipped;  /* or this "skipped" value instead of a fetch */
};

static void test_whole_site(void)
{
	const char *weft = getenv("WEFT_CLI");
	char out[300], seed[128], bh_re[96], tls_re[96];
	REQUIRE(weft && *weft);
	snprintf(out, sizeof(out), "%s/whole.jsonl", tmpdir);
	snprintf(seed, sizeof(seed), "%s/", srv.base);
	/*
	 * The defaults, as a user gets them. The calendar is then cut at --max-similar's default
	 * of 50,000 pages; under the sanitizers (5-15 times slower) at 5,000, so that the run
	 * stays within the bound below.
	 */
#if WEFT_SANITIZE_ADDRESS || WEFT_SANITIZE_THREAD
	const char *similar = "5000";
#else
	const char *similar = "50000";
#endif
	const char *argv[] = { weft, "crawl", "-c", "64", "-f", "jsonl", "-o", out, "-q",
			       "--connect-timeout", "3000", "--max-similar", similar, seed,
			       "http://weft-trap.invalid/", NULL };
	double secs = 0;
	long rss = 0;
	CHECK_INT(run_child(argv, &secs, &rss), 0);
	fprintf(stderr, "whole hostile site: %.1f s, peak RSS %.1f MiB\n", secs, rss / 1024.0);
	if (secs > 60)
		CHECK_FAIL("the whole hostile site took %.1f s", secs);
#if !WEFT_SANITIZE_THREAD
	long limit_mb = WEFT_SANITIZE_ADDRESS ? 600 : 150;
	if (rss > limit_mb * 1024)
		CHECK_FAIL("peak RSS %.1f MiB (at most %ld expected)", rss / 1024.0, limit_mb);
#endif
	snprintf(bh_re, sizeof(bh_re), "^http://127\\.0\\.0\\.1:%u/", bh_port);
	snprintf(tls_re, sizeof(tls_re), "^https://127\\.0\\.0\\.1:%u/", tls_port);
	const struct rule rules[] = {
		{ "/_test/slowloris$", "timeout", NULL },
		{ "/_test/gzip-bomb$", "too_big", NULL },
		{ "/_test/cut\\?", "protocol|connect", NULL },
		{ "/trap/loop/b$", "redirect_loop", NULL },
		{ "/trap/chain/10$", "too_many_redirects", NULL },
		{ "/trap/chain/0$", "too_many_redirects", NULL }, /* where the chain starts */
		{ "/trap/chain/([1-9]|[1-9][0-9])$", "-", NULL },
		{ "/trap/to-", "bad_url", NULL },
		{ bh_re, "timeout", NULL },
		{ tls_re, "tls", NULL },
		{ "^http://weft-trap\\.invalid/", "dns", NULL },
		{ "/trap/long/", NULL, "url-too-long" },
		{ "/trap/(cal|grow|rep|deep)", "-", "trap" },
		{ "/_test/(nested|badbytes|binary|notype|type|links|status|huge|longurl)", "-", NULL },
		{ "/trap/bad/", "-", NULL },
		{ "/_test/%EF%BF%BD$", "http", NULL }, /* href="\0": U+FFFD, relative: a 404 */
		{ "/trap/loop/a$", "redirect_loop", NULL }, /* where the loop starts */
		{ "/_test/blackhole$", "-", NULL },
	};
	enum { NR = sizeof(rules) / sizeof(rules[0]) };
	regex_t re[NR];
	size_t hits[NR] = { 0 }, cal = 0, dropped = 0;
	for (size_t i = 0; i < NR; i++)
		REQUIRE(regcomp(&re[i], rules[i].re, REG_EXTENDED | REG_NOSUB) == 0);
	struct collect got = { 0 };
	FILE *f = fopen(out, "r");
	REQUIRE(f);
	char *line = NULL;
	size_t cap = 0;
	bool truncated_endless = false;
	while (getline(&line, &cap, f) > 0) {
		json_t *o = json_loads(line, 0, NULL);
		if (!o) {
			CHECK_FAIL("not JSON: %.200s", line);
			continue;
		}
		const char *url = json_string_value(json_object_get(o, "url"));
		const char *err = json_string_value(json_object_get(o, "error"));
		const char *skip = json_string_value(json_object_get(o, "skipped"));
		int status = (int)json_integer_value(json_object_get(o, "status"));
		json_t *ld = json_object_get(o, "links_dropped");
		dropped += ld ? (size_t)json_integer_value(ld) : 0;
		struct weft_record fake = { .url = url, .status = status,
					    .error = err ? WEFT_FE_OTHER : WEFT_FE_NONE };
		if (!skip)
			collect_record(&got.base, &fake);
		if (url && strstr(url, "/_test/huge?mb=0"))
			truncated_endless = json_is_true(json_object_get(o, "truncated"));
		if (url && strstr(url, "/trap/cal") && !skip)
			cal++;
		bool ordinary = url && strncmp(url, srv.base, strlen(srv.base)) == 0 &&
				(strcmp(url + strlen(srv.base), "/") == 0 ||
				 strncmp(url + strlen(srv.base), "/ok/", 4) == 0);
		size_t i = 0;
		while (!ordinary && i < NR && regexec(&re[i], url ? url : "", 0, NULL, 0) != 0)
			i++;
		if (ordinary) {
			/* checked below */
		} else if (i == NR) {
			CHECK_FAIL("a record nobody expected: %.300s", line);
		} else if (skip) {
			if (!rules[i].skipped || strcmp(skip, rules[i].skipped) != 0)
				CHECK_FAIL("%.200s: skipped %s", url, skip);
			hits[i]++;
		} else if (!rules[i].error) {
			CHECK_FAIL("%.200s: fetched, should have been skipped", url);
		} else {
			char want[64];
			snprintf(want, sizeof(want), "^(%s)$", rules[i].error);
			regex_t w;
			REQUIRE(regcomp(&w, want, REG_EXTENDED | REG_NOSUB) == 0);
			if (regexec(&w, err ? err : "-", 0, NULL, 0) != 0)
				CHECK_FAIL("%.200s: error %s, want %s", url, err ? err : "none",
					   rules[i].error);
			regfree(&w);
			hits[i]++;
		}
		json_decref(o);
	}
	free(line);
	fclose(f);
	ordinary_found(&got, "whole site");
	for (size_t i = 0; i < NR; i++) {
		if (!hits[i] && (rules[i].re != tls_re || tls_port))
			CHECK_FAIL("no record for the trap %s", rules[i].re);
		regfree(&re[i]);
	}
	CHECK(truncated_endless);
	if (cal > (size_t)atol(similar) + 100)
		CHECK_FAIL("%zu calendar pages fetched (--max-similar %s)", cal, similar);
	if (dropped < 90000)
		CHECK_FAIL("links_dropped totals %zu (the 100,000-link page keeps 10,000)", dropped);
	fprintf(stderr, "whole hostile site: %zu records, %zu calendar pages\n", got.n, cal);
	collect_free(&got);
}

static void make_cert(char *cert, char *key, size_t len)
{
	char cmd[1024];
	snprintf(cert, len, "%s/cert.pem", tmpdir);
	snprintf(key, len, "%s/key.pem", tmpdir);
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
		 "-subj /CN=127.0.0.1 -keyout '%s' -out '%s' >/dev/null 2>&1", key, cert);
	if (system(cmd) != 0)
		cert[0] = key[0] = '\0';
}

int main(int argc, char **argv)
{
	char cert[300], key[300], line[64];
	bool whole = argc < 2, scenarios = argc < 2, fds = argc < 2;
	for (int i = 1; i < argc; i++) {
		whole |= strcmp(argv[i], "whole") == 0;
		scenarios |= strcmp(argv[i], "scenarios") == 0;
		fds |= strcmp(argv[i], "fds") == 0;
	}
	weft_global_init();
	if (!ts_tmpdir(tmpdir, sizeof(tmpdir)))
		return 1;
	make_cert(cert, key, sizeof(cert));
	if (!cert[0]) /* the TLS scenario must run: openssl is a test dependency */
		CHECK_FAIL("could not make a self-signed certificate with openssl");
	const char *args[] = { "--hostile", cert[0] ? "--tls-cert" : NULL, cert, "--tls-key", key,
			       NULL };
	if (!ts_spawn(&srv, args))
		return 1;
	if (!ts_read_line(&srv, line, sizeof(line)) || sscanf(line, "BLACKHOLE %u", &bh_port) != 1)
		return 1;
	if (cert[0] && (!ts_read_line(&srv, line, sizeof(line)) ||
			sscanf(line, "TLS %u", &tls_port) != 1))
		return 1;
	snprintf(bh_url, sizeof(bh_url), "http://127.0.0.1:%u/", bh_port);
	snprintf(tls_url, sizeof(tls_url), "https://127.0.0.1:%u/", tls_port);
	if (scenarios) {
		RUN(test_slowloris);
		RUN(test_endless_body);
		RUN(test_gzip_bomb);
		RUN(test_redirects);
		RUN(test_cut);
		RUN(test_blackhole);
		RUN(test_tls);
		RUN(test_dns);
		RUN(test_odd_pages);
	}
	if (whole)
		RUN(test_whole_site);
	CHECK_INT(ts_stop(&srv, SIGTERM), 0);
	if (fds)
		RUN(test_fds);
	ts_rmtree(tmpdir);
	weft_global_cleanup();
	return check_report();
}
