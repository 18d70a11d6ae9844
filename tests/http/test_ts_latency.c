/*
 * test_ts_latency.c -- weft-testserver's --latency (and /slow/, slow-headers): every
 * response takes at least the latency, and many delayed requests overlap instead of
 * queueing behind each other (the server suspends connections; it never sleeps in a
 * worker). Bounds are generous so a loaded machine or a sanitizer build still passes,
 * while a serializing server (50 x 100 ms = 5 s) cannot.
 */
#include "../harness/check.h"
#include "ts_client.h"

#include <signal.h>

static struct ts_proc srv;

static double timed_get(const char *path, long *status)
{
	char url[256];
	struct http_resp r;
	snprintf(url, sizeof url, "%s%s", srv.base, path);
	double t0 = ts_mono();
	http_get(url, NULL, &r);
	double t = ts_mono() - t0;
	*status = r.status;
	http_resp_free(&r);
	return t;
}

static void test_single(void)
{
	long st;
	double t = timed_get("/p/1.html", &st);
	CHECK_INT(st, 200);
	if (t < 0.100)
		CHECK_FAIL("fetch took %.3f s < latency 0.100", t);
	t = timed_get("/_test/status/404", &st); /* errors and /_test/ are delayed too */
	CHECK_INT(st, 404);
	CHECK(t >= 0.100);
	t = timed_get("/slow/0.html", &st);
	CHECK_INT(st, 200);
	if (t < 0.250)
		CHECK_FAIL("slow page took %.3f s < 0.100 + 0.150", t);
	t = timed_get("/_test/slow-headers?ms=200", &st);
	CHECK_INT(st, 200);
	CHECK(t >= 0.300);
}

/* Fetch n URLs in parallel (n connections); returns the wall time; checks each one. */
static double parallel(int n, double min_each)
{
	CURLM *m = curl_multi_init();
	CURL **h = calloc((size_t)n, sizeof *h);
	struct http_resp *r = calloc((size_t)n, sizeof *r);
	struct http_sink *s = calloc((size_t)n, sizeof *s);
	struct curl_slist *hdrs;
	char url[256];
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, 0L);
	double t0 = ts_mono();
	for (int i = 0; i < n; i++) {
		snprintf(url, sizeof url, "%s/p/%d.html", srv.base, 1 + i % 90);
		h[i] = curl_easy_init();
		http_setup(h[i], url, NULL, &r[i], &s[i], &hdrs);
		curl_easy_setopt(h[i], CURLOPT_FRESH_CONNECT, 1L);
		curl_multi_add_handle(m, h[i]);
	}
	int running = n;
	while (running > 0) {
		curl_multi_perform(m, &running);
		if (running > 0)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	}
	double wall = ts_mono() - t0;
	for (int i = 0; i < n; i++) {
		long code = 0;
		curl_off_t us = 0;
		curl_easy_getinfo(h[i], CURLINFO_RESPONSE_CODE, &code);
		curl_easy_getinfo(h[i], CURLINFO_TOTAL_TIME_T, &us);
		double secs = (double)us / 1e6;
		if (code != 200 || secs < min_each)
			CHECK_FAIL("request %d: status %ld after %.3f s", i, code, secs);
		curl_multi_remove_handle(m, h[i]);
		curl_easy_cleanup(h[i]);
		http_resp_free(&r[i]);
	}
	curl_multi_cleanup(m);
	free(h), free(r), free(s);
	return wall;
}

static void test_parallel_50(void)
{
	double wall = parallel(50, 0.099);
	fprintf(stderr, "50 parallel fetches with 100 ms latency: %.3f s\n", wall);
	if (wall >= 2.0)
		CHECK_FAIL("50 parallel 100 ms fetches took %.3f s: delays serialize", wall);
}

static void test_parallel_400(void)
{
	double wall = parallel(400, 0.099);
	fprintf(stderr, "400 parallel fetches with 100 ms latency: %.3f s\n", wall);
	if (wall >= 4.0)
		CHECK_FAIL("400 parallel 100 ms fetches took %.3f s", wall);
}

int main(void)
{
	if (!getenv("WEFT_TESTSERVER"))
		return CHECK_SKIP;
	curl_global_init(CURL_GLOBAL_ALL);
	const char *args[] = {"--site", "100", "--fanout", "4", "--latency", "100", "--slow-ms",
			      "150", NULL};
	if (!ts_spawn(&srv, args))
		return 1;
	RUN(test_single);
	RUN(test_parallel_50);
	RUN(test_parallel_400);
	CHECK_INT(ts_stop(&srv, SIGTERM), 0);
	curl_global_cleanup();
	return check_report();
}
