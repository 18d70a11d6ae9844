/*
 * test_ts_cli.c -- weft-testserver's command line and lifecycle: --help, clear errors for
 * bad arguments (exit 2), --port-file, a busy fixed port, exactly one PORT line, and a
 * clean exit 0 on SIGTERM and SIGINT -- also while responses are delayed or dripping.
 */
#include "../harness/check.h"
#include "ts_client.h"

#include <signal.h>
#include <unistd.h>

/* Run with args, expect exit code rc and `needle` in stderr (or stdout for rc 0). */
static void expect_exit(const char *const *args, int rc, const char *needle)
{
	char *out = NULL, *err = NULL;
	int got = ts_run(args, &out, &err);
	const char *text = rc == 0 ? out : err;
	if (got != rc || !text || !strstr(text, needle))
		CHECK_FAIL("%s ...: exit %d (want %d), output '%s' lacks '%s'", args[0], got, rc,
			   text ? text : "(null)", needle);
	free(out);
	free(err);
}

static void test_usage(void)
{
	const char *help[] = {"--help", NULL};
	expect_exit(help, 0, "Usage: weft-testserver");
	const char *fanout[] = {"--site", "5", "--fanout", "x", NULL};
	expect_exit(fanout, 2, "weft-testserver: --fanout 'x': expected a positive integer");
	const char *zero[] = {"--site", "0", NULL};
	expect_exit(zero, 2, "weft-testserver: --site '0': out of range");
	const char *port[] = {"--port=70000", NULL};
	expect_exit(port, 2, "--port '70000': out of range");
	const char *neg[] = {"--latency", "-5", NULL};
	expect_exit(neg, 2, "--latency '-5': expected a non-negative integer");
	const char *unknown[] = {"--bogus", NULL};
	expect_exit(unknown, 2, "unknown option '--bogus'");
	const char *missing[] = {"--port", NULL};
	expect_exit(missing, 2, "--port: missing value");
	const char *both[] = {"--dir", "/", "--site", "5", NULL};
	expect_exit(both, 2, "cannot be combined");
	const char *nodir[] = {"--dir", "/nonexistent/weft", NULL};
	expect_exit(nodir, 2, "not a directory");
	const char *expect[] = {"--expect", "/tmp/x", NULL};
	expect_exit(expect, 2, "need --site");
	const char *prefix[] = {"--dir", "/", "--prefix", "docs", NULL};
	expect_exit(prefix, 2, "--prefix must start and end with '/'");
}

static void test_port_file_and_one_line(void)
{
	char tmp[256], path[300];
	struct ts_proc p;
	REQUIRE(ts_tmpdir(tmp, sizeof tmp));
	snprintf(path, sizeof path, "%s/port", tmp);
	const char *args[] = {"--port-file", path, NULL};
	REQUIRE(ts_spawn(&p, args));
	char *text = check_slurp(path, NULL);
	CHECK(text && (unsigned)atoi(text) == p.port);
	free(text);
	/* a second server on the same fixed port fails clearly */
	char port[16];
	snprintf(port, sizeof port, "%u", p.port);
	const char *busy[] = {"--port", port, NULL};
	expect_exit(busy, 1, "cannot listen on 127.0.0.1");
	kill(p.pid, SIGTERM);
	char rest[64];
	ssize_t n = read(p.out_fd, rest, sizeof rest); /* EOF after exit: nothing more */
	CHECK_INT(n, 0);
	CHECK_INT(ts_stop(&p, SIGTERM), 0);
	ts_rmtree(tmp);
}

static void test_signals(void)
{
	struct ts_proc p;
	const char *args[] = {"--site", "50", NULL};
	REQUIRE(ts_spawn(&p, args));
	CHECK_INT(ts_stop(&p, SIGTERM), 0);
	REQUIRE(ts_spawn(&p, args));
	CHECK_INT(ts_stop(&p, SIGINT), 0);
}

/* Add n transfers of url, each on a fresh connection, to m. */
static void start_transfers(CURLM *m, CURL **h, struct http_resp *r, struct http_sink *s,
			    int n, const char *url)
{
	struct curl_slist *hdrs;
	for (int i = 0; i < n; i++) {
		h[i] = curl_easy_init();
		http_setup(h[i], url, NULL, &r[i], &s[i], &hdrs);
		curl_easy_setopt(h[i], CURLOPT_FRESH_CONNECT, 1L);
		curl_multi_add_handle(m, h[i]);
	}
}

static void finish_transfers(CURLM *m, CURL **h, struct http_resp *r, int n, double *secs)
{
	int running = n;
	double t0 = ts_mono();
	while (running > 0 && ts_mono() - t0 < 30) {
		curl_multi_perform(m, &running);
		if (running)
			curl_multi_poll(m, NULL, 0, 200, NULL);
	}
	*secs = ts_mono() - t0;
	for (int i = 0; i < n; i++) {
		curl_multi_remove_handle(m, h[i]);
		curl_easy_cleanup(h[i]);
		http_resp_free(&r[i]);
	}
}

/*
 * SIGTERM while 8 responses are suspended for 60 s (slow pages) and 4 are dripping: the
 * server resumes them all and exits 0 promptly; clients get an answer or a closed
 * connection, never a 60 s hang.
 */
static void test_shutdown_while_suspended(void)
{
	struct ts_proc p;
	CURL *h[12];
	struct http_resp r[12];
	struct http_sink s[12];
	char url[256];
	const char *args[] = {"--site", "50", "--slow-ms", "60000", NULL};
	REQUIRE(ts_spawn(&p, args));
	CURLM *m = curl_multi_init();
	snprintf(url, sizeof url, "%s/slow/0.html", p.base);
	start_transfers(m, h, r, s, 8, url);
	snprintf(url, sizeof url, "%s/_test/drip?bytes=100&interval_ms=1000", p.base);
	start_transfers(m, h + 8, r + 8, s + 8, 4, url);
	int running = 12;
	double t0 = ts_mono();
	while (ts_mono() - t0 < 20) { /* until every drip has sent its first byte */
		curl_multi_perform(m, &running);
		int dripping = 0;
		for (int i = 8; i < 12; i++)
			dripping += r[i].len > 0;
		if (dripping == 4)
			break;
		curl_multi_poll(m, NULL, 0, 200, NULL);
	}
	struct http_resp probe; /* the slow requests came first; this one answers now */
	snprintf(url, sizeof url, "%s/p/1.html", p.base);
	http_get(url, NULL, &probe);
	CHECK_INT(probe.status, 200);
	http_resp_free(&probe);
	double t = ts_mono();
	int rc = ts_stop(&p, SIGTERM);
	t = ts_mono() - t;
	CHECK_INT(rc, 0);
	if (t > 5.0)
		CHECK_FAIL("shutdown with suspended connections took %.3f s", t);
	double secs;
	finish_transfers(m, h, r, 12, &secs);
	CHECK(secs < 10);
	curl_multi_cleanup(m);
}

/* Quiet by default; --log writes one line per request to stderr. */
static void test_log(void)
{
	char tmp[256], quiet[300], loud[300], url[256];
	struct ts_proc p;
	struct http_resp r;
	struct http_opts head = {.head = true};
	REQUIRE(ts_tmpdir(tmp, sizeof tmp));
	snprintf(quiet, sizeof quiet, "%s/quiet.txt", tmp);
	snprintf(loud, sizeof loud, "%s/loud.txt", tmp);
	const char *q[] = {"--site", "30", NULL}, *l[] = {"--site", "30", "--log", NULL};
	for (int i = 0; i < 2; i++) {
		REQUIRE(ts_spawn_logged(&p, i ? l : q, i ? loud : quiet));
		snprintf(url, sizeof url, "%s/p/1.html", p.base);
		http_get(url, NULL, &r);
		http_resp_free(&r);
		snprintf(url, sizeof url, "%s/missing/x?y=1", p.base);
		http_get(url, &head, &r);
		http_resp_free(&r);
		CHECK_INT(ts_stop(&p, SIGTERM), 0);
	}
	char *qt = check_slurp(quiet, NULL), *lt = check_slurp(loud, NULL);
	CHECK(qt && *qt == '\0');
	CHECK(lt && strstr(lt, "GET /p/1.html 200 ") && strstr(lt, "HEAD /missing/x?y=1 404 "));
	free(qt);
	free(lt);
	ts_rmtree(tmp);
}

int main(void)
{
	if (!getenv("WEFT_TESTSERVER"))
		return CHECK_SKIP;
	curl_global_init(CURL_GLOBAL_ALL);
	RUN(test_usage);
	RUN(test_port_file_and_one_line);
	RUN(test_signals);
	RUN(test_log);
	RUN(test_shutdown_while_suspended);
	curl_global_cleanup();
	return check_report();
}
