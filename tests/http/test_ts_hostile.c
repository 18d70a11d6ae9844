/*
 * test_ts_hostile.c -- weft-testserver's /_test/ endpoints, each one's basic behaviour.
 * The server runs with ONE worker thread, so the drip test also proves that a dripping
 * response does not block the worker: other requests finish while it is in progress.
 */
#include "../harness/check.h"
#include "ts_client.h"

#include <signal.h>

static struct ts_proc srv;

static void get(const char *path, const struct http_opts *o, struct http_resp *r)
{
	char url[1024];
	snprintf(url, sizeof url, "%s%s", srv.base, path);
	http_get(url, o, r);
}

static long status_of(const char *path)
{
	struct http_resp r;
	get(path, NULL, &r);
	http_resp_free(&r);
	return r.status;
}

static void test_status(void)
{
	struct http_resp r;
	CHECK_INT(status_of("/_test/status/404"), 404);
	CHECK_INT(status_of("/_test/status/500"), 500);
	CHECK_INT(status_of("/_test/status/418"), 418);
	CHECK_INT(status_of("/_test/status/599"), 599);
	CHECK_INT(status_of("/_test/status/abc"), 400);
	CHECK_INT(status_of("/_test/status/99"), 400);
	CHECK_INT(status_of("/_test/nope"), 404);
	get("/_test/status/204", NULL, &r);
	CHECK_INT(r.status, 204);
	CHECK_INT(r.len, 0);
	http_resp_free(&r);
	get("/_test/status/503", NULL, &r);
	CHECK_STR(r.ctype, "text/html");
	CHECK(strstr(r.body, "503") != NULL);
	http_resp_free(&r);
}

static void test_drip(void)
{
	struct http_resp r;
	get("/_test/drip?bytes=5&interval_ms=60", NULL, &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.len, 5);
	CHECK_INT(r.content_length, 5);
	if (r.secs < 0.29)
		CHECK_FAIL("drip of 5 bytes every 60 ms took only %.3f s", r.secs);
	http_resp_free(&r);
	CHECK_INT(status_of("/_test/drip?bytes=x"), 400);
}

/* While a 1.5 s drip runs, 20 sequential requests on the single worker stay fast. */
static void test_drip_does_not_block(void)
{
	char url[256];
	struct http_resp dr;
	struct http_sink ds;
	struct curl_slist *hdrs;
	CURLM *m = curl_multi_init();
	CURL *h = curl_easy_init();
	snprintf(url, sizeof url, "%s/_test/drip?bytes=15&interval_ms=100", srv.base);
	http_setup(h, url, NULL, &dr, &ds, &hdrs);
	curl_multi_add_handle(m, h);
	int running = 1;
	while (running && dr.len == 0) { /* until the drip is under way */
		curl_multi_perform(m, &running);
		curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	double t0 = ts_mono();
	for (int i = 0; i < 20; i++)
		CHECK_INT(status_of("/_test/status/200"), 200);
	double t = ts_mono() - t0;
	CHECK(running); /* the drip is still going */
	if (t > 1.0)
		CHECK_FAIL("20 requests during a drip took %.3f s", t);
	while (running) {
		curl_multi_perform(m, &running);
		if (running)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	}
	CHECK_INT(dr.len, 15);
	curl_multi_remove_handle(m, h);
	curl_easy_cleanup(h);
	curl_multi_cleanup(m);
	http_resp_free(&dr);
}

static void test_huge(void)
{
	struct http_resp r;
	get("/_test/huge?mb=2", NULL, &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.len, 2 << 20);
	CHECK_STR(r.ctype, "text/html");
	CHECK(strncmp(r.body, "<!DOCTYPE html>", 15) == 0);
	CHECK(r.len > 20 && strcmp(r.body + r.len - 15, "</body></html>\n") == 0);
	http_resp_free(&r);
	struct http_opts cap = {.max_bytes = 3 << 20};
	get("/_test/huge?mb=0", &cap, &r); /* endless: only our limit stops it */
	CHECK_INT(r.err, CURLE_WRITE_ERROR);
	CHECK(r.len > (2 << 20));
	CHECK_INT(r.content_length, -1);
	http_resp_free(&r);
}

static void test_gzip(void)
{
	struct http_resp r;
	struct http_opts dec = {.accept_encoding = "gzip"};
	get("/_test/gzip", &dec, &r);
	CHECK_STR(r.encoding, "gzip");
	CHECK(strstr(r.body, "<a href=\"/_test/headers\">") != NULL);
	http_resp_free(&r);
	const char *ae[] = {"Accept-Encoding: gzip, deflate", NULL};
	struct http_opts raw = {.no_decode = true, .headers = ae};
	get("/_test/gzip", &raw, &r);
	CHECK_STR(r.encoding, "gzip");
	CHECK(r.len > 10 && (unsigned char)r.body[0] == 0x1f && (unsigned char)r.body[1] == 0x8b);
	http_resp_free(&r);
	get("/_test/gzip", NULL, &r);
	CHECK_STR(r.encoding, "");
	CHECK(strstr(r.body, "<a href=\"/_test/headers\">") != NULL);
	http_resp_free(&r);
	const char *q0[] = {"Accept-Encoding: br, gzip;q=0", NULL};
	struct http_opts refuse = {.no_decode = true, .headers = q0};
	get("/_test/gzip", &refuse, &r);
	CHECK_STR(r.encoding, "");
	http_resp_free(&r);
}

static void test_flaky(void)
{
	CHECK_INT(status_of("/_test/flaky/a1?fail=2&code=503"), 503);
	CHECK_INT(status_of("/_test/flaky/b1?fail=1&code=500"), 500);
	CHECK_INT(status_of("/_test/flaky/a1?fail=2&code=503"), 503);
	CHECK_INT(status_of("/_test/flaky/a1?fail=2&code=503"), 200);
	CHECK_INT(status_of("/_test/flaky/a1?fail=2&code=503"), 200);
	CHECK_INT(status_of("/_test/flaky/b1?fail=1&code=500"), 200);
	CHECK_INT(status_of("/_test/flaky/c1"), 503); /* defaults: fail=1, code=503 */
	CHECK_INT(status_of("/_test/flaky/c1"), 200);
	CHECK_INT(status_of("/_test/flaky/d1?fail=x"), 400);
}

static void test_retry_after(void)
{
	struct http_resp r;
	get("/_test/retry-after/r1?seconds=2&fail=1", NULL, &r);
	CHECK_INT(r.status, 429);
	CHECK_STR(r.retry_after, "2");
	http_resp_free(&r);
	get("/_test/retry-after/r1?seconds=2&fail=1", NULL, &r);
	CHECK_INT(r.status, 200);
	CHECK_STR(r.retry_after, "");
	http_resp_free(&r);
	CHECK_INT(status_of("/_test/retry-after?id=r2&fail=2"), 429);
	CHECK_INT(status_of("/_test/retry-after?id=r2&fail=2"), 429);
	CHECK_INT(status_of("/_test/retry-after?id=r2&fail=2"), 200);
}

static void test_redirect(void)
{
	struct http_resp r;
	get("/_test/redirect?to=%2Fp%2F1.html&code=301", NULL, &r);
	CHECK_INT(r.status, 301);
	CHECK_STR(r.location, "/p/1.html");
	http_resp_free(&r);
	get("/_test/redirect?to=http%3A%2F%2F127.0.0.1%3A1%2Fx%3Fa%3Db", NULL, &r);
	CHECK_INT(r.status, 302);
	CHECK_STR(r.location, "http://127.0.0.1:1/x?a=b");
	http_resp_free(&r);
	CHECK_INT(status_of("/_test/redirect?to=/x&code=307"), 307);
	CHECK_INT(status_of("/_test/redirect?to=/x&code=200"), 400);
	CHECK_INT(status_of("/_test/redirect"), 400);
	CHECK_INT(status_of("/_test/redirect?to=%0D%0AX:%20y"), 400);
}

static void test_type_and_charset(void)
{
	struct http_resp r;
	get("/_test/type?ct=application/xhtml%2Bxml", NULL, &r);
	CHECK_STR(r.ctype, "application/xhtml+xml");
	CHECK(strstr(r.body, "<a href=") != NULL);
	http_resp_free(&r);
	get("/_test/type?ct=text/html;%20charset=utf-8", NULL, &r);
	CHECK_STR(r.ctype, "text/html; charset=utf-8");
	http_resp_free(&r);
	get("/_test/charset", NULL, &r);
	CHECK_STR(r.ctype, "text/html; charset=windows-1252");
	CHECK(strstr(r.body, "caf\xe9 ") != NULL);
	http_resp_free(&r);
	get("/_test/charset?cs=utf-8", NULL, &r);
	CHECK_STR(r.ctype, "text/html; charset=utf-8");
	CHECK(strstr(r.body, "caf\xc3\xa9 ") != NULL);
	http_resp_free(&r);
	CHECK_INT(status_of("/_test/charset?cs=a%20b"), 400);
}

static void test_headers(void)
{
	struct http_resp r;
	const char *extra[] = {"X-Weft-Test: 42", "Accept-Language: fr", NULL};
	struct http_opts o = {.headers = extra, .user_agent = "weft-test/1.0"};
	get("/_test/headers", &o, &r);
	CHECK_STR(r.ctype, "text/plain");
	CHECK(strstr(r.body, "User-Agent: weft-test/1.0\n") != NULL);
	CHECK(strstr(r.body, "X-Weft-Test: 42\n") != NULL);
	CHECK(strstr(r.body, "Accept-Language: fr\n") != NULL);
	CHECK(strstr(r.body, "Host: 127.0.0.1:") != NULL);
	http_resp_free(&r);
}

static void test_slow_headers(void)
{
	struct http_resp r;
	get("/_test/slow-headers?ms=250", NULL, &r);
	CHECK_INT(r.status, 200);
	CHECK(r.secs >= 0.25);
	http_resp_free(&r);
}

int main(void)
{
	if (!getenv("WEFT_TESTSERVER"))
		return CHECK_SKIP;
	curl_global_init(CURL_GLOBAL_ALL);
	const char *args[] = {"--threads", "1", NULL};
	if (!ts_spawn(&srv, args))
		return 1;
	RUN(test_status);
	RUN(test_drip);
	RUN(test_drip_does_not_block);
	RUN(test_huge);
	RUN(test_gzip);
	RUN(test_flaky);
	RUN(test_retry_after);
	RUN(test_redirect);
	RUN(test_type_and_charset);
	RUN(test_headers);
	RUN(test_slow_headers);
	CHECK_INT(ts_stop(&srv, SIGTERM), 0);
	curl_global_cleanup();
	return check_report();
}
