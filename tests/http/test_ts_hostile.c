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

/* ---- the hostile web ---- */

static void test_slowloris(void)
{
	struct http_resp r;
	struct http_opts o = {.timeout_ms = 2500};
	get("/_test/slowloris?bytes=100", &o, &r);
	CHECK_INT(r.err, CURLE_OPERATION_TIMEDOUT);
	CHECK_INT(r.content_length, 100);
	if (r.len < 1 || r.len > 3)
		CHECK_FAIL("slowloris sent %zu bytes in 2.5 s (one a second expected)", r.len);
	http_resp_free(&r);
}

static void test_gzip_bomb(void)
{
	struct http_resp r;
	const char *ae[] = {"Accept-Encoding: identity", NULL};
	struct http_opts raw = {.no_decode = true, .headers = ae};
	get("/_test/gzip-bomb?mb=64", &raw, &r); /* sent compressed even when not accepted */
	CHECK_STR(r.encoding, "gzip");
	CHECK(r.len > 1000 && r.len < (1u << 20) / 8); /* ~1 KiB per MiB */
	CHECK_INT(r.content_length, (long)r.len);
	http_resp_free(&r);
	struct http_opts dec = {.accept_encoding = "gzip"};
	get("/_test/gzip-bomb?mb=5", &dec, &r); /* decodes, CRC and size check out */
	CHECK_INT(r.err, CURLE_OK);
	CHECK(r.len > (5u << 20) && r.len < (5u << 20) + 1000);
	CHECK(strncmp(r.body, "<!DOCTYPE html>", 15) == 0);
	CHECK(r.body[r.len - 1] == ' ');
	http_resp_free(&r);
	struct http_opts cap = {.accept_encoding = "gzip", .max_bytes = 3u << 20};
	get("/_test/gzip-bomb", &cap, &r); /* 1 GiB by default: only our limit stops it */
	CHECK_INT(r.err, CURLE_WRITE_ERROR);
	http_resp_free(&r);
	CHECK_INT(status_of("/_test/gzip-bomb?mb=0"), 400);
}

static void test_cut(void)
{
	struct http_resp r;
	get("/_test/cut?bytes=500", NULL, &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.content_length, 1000);
	CHECK_INT(r.len, 500);
	CHECK(r.err == CURLE_PARTIAL_FILE || r.err == CURLE_RECV_ERROR);
	http_resp_free(&r);
	CHECK_INT(status_of("/_test/cut?bytes=10&of=5"), 400);
}

static size_t count(const char *s, size_t len, const char *needle)
{
	size_t n = 0, k = strlen(needle);
	for (const char *p = s; p && (p = memmem(p, len - (size_t)(p - s), needle, k)); p += k)
		n++;
	return n;
}

static void test_many_links_and_nesting(void)
{
	struct http_resp r;
	get("/_test/links", NULL, &r);
	CHECK_INT(count(r.body, r.len, "<a href=\"/_test/status/200#"), 100000);
	http_resp_free(&r);
	get("/_test/links?n=3&distinct=1", NULL, &r);
	CHECK(strstr(r.body, "href=\"/_test/status/200?i=2\"") != NULL);
	http_resp_free(&r);
	get("/_test/nested", NULL, &r);
	CHECK_INT(count(r.body, r.len, "<div>"), 100000);
	CHECK_INT(count(r.body, r.len, "</div>"), 100000);
	CHECK(strstr(r.body, "<div><a href=\"/_test/status/200\">") != NULL);
	http_resp_free(&r);
}

static void test_bad_bytes_and_long_url(void)
{
	struct http_resp r;
	get("/_test/badbytes", NULL, &r);
	CHECK_STR(r.ctype, "text/html; charset=utf-8");
	CHECK(memmem(r.body, r.len, "/trap/bad/a\xff\xfe" "b\"", 15) != NULL);
	CHECK(memmem(r.body, r.len, "/trap/bad/c\0d\"", 14) != NULL);
	http_resp_free(&r);
	get("/_test/longurl", NULL, &r);
	const char *h = strstr(r.body, "href=\"/trap/long/");
	REQUIRE(h != NULL);
	CHECK_INT(strcspn(h + 6, "\""), 1000000);
	http_resp_free(&r);
	get("/_test/longurl?bytes=20", NULL, &r);
	CHECK(strstr(r.body, "href=\"/trap/long/xxxxxxxxx\"") != NULL);
	http_resp_free(&r);
}

static void test_types(void)
{
	struct http_resp r;
	get("/_test/notype", NULL, &r);
	CHECK_INT(r.status, 200);
	CHECK_STR(r.ctype, "");
	CHECK(strstr(r.body, "<a href=") != NULL);
	http_resp_free(&r);
	get("/_test/binary", NULL, &r);
	CHECK_STR(r.ctype, "text/html");
	CHECK_INT(r.len, 65536);
	CHECK(memchr(r.body, '\0', r.len) != NULL);
	http_resp_free(&r);
}

static void test_blackhole_absent(void)
{
	CHECK_INT(status_of("/_test/blackhole"), 404); /* only with --hostile or --blackhole */
}

/* The hostile site: its lines after PORT, its pages, its /trap/ tree, its blackhole. */
static void test_hostile_site(void)
{
	struct ts_proc h;
	char line[64], url[256];
	unsigned bh = 0;
	struct http_resp r;
	const char *args[] = {"--hostile", NULL};
	REQUIRE(ts_spawn(&h, args));
	CHECK(ts_read_line(&h, line, sizeof line) && sscanf(line, "BLACKHOLE %u", &bh) == 1);
	snprintf(url, sizeof url, "%s/", h.base);
	http_get(url, NULL, &r);
	CHECK(strstr(r.body, "<a href=\"/ok/20.html\">") != NULL);
	CHECK(strstr(r.body, "<a href=\"/_test/gzip-bomb\">") != NULL);
	CHECK(strstr(r.body, "<a href=\"/trap/cal?y=2026&amp;m=12\">") != NULL);
	CHECK(strstr(r.body, "http://weft-trap.invalid/") != NULL);
	snprintf(line, sizeof line, "\"http://127.0.0.1:%u/\"", bh);
	CHECK(strstr(r.body, line) != NULL);
	http_resp_free(&r);
	static const struct {
		const char *path;
		long status;
		const char *where; /* Location, or a link in the body */
	} want[] = {
		{"/ok/20.html", 200, "<a href=\"1.html\">"},
		{"/ok/21.html", 404, NULL},
		{"/trap/loop/a", 301, "b"},
		{"/trap/loop/b", 301, "/trap/loop/a"},
		{"/trap/chain/0", 302, "/trap/chain/1"},
		{"/trap/chain/49", 302, "/trap/chain/50"},
		{"/trap/chain/50", 200, NULL},
		{"/trap/to-file", 302, "file:///etc/passwd"},
		{"/trap/to-ftp", 302, "ftp://127.0.0.1/pub/"},
		{"/trap/to-js", 302, "javascript:alert(1)"},
		{"/trap/cal?y=2026&m=12", 200, "/trap/cal?y=2027&amp;m=1\""},
		{"/trap/cal?y=2026&m=1", 200, "/trap/cal?y=2025&amp;m=12\""},
		{"/trap/cal?y=2026&m=13", 404, NULL},
		{"/trap/grow/a/a/", 200, "<a href=\"a/\">"},
		{"/trap/rep/a/b/a/", 200, "<a href=\"b/\">"},
		{"/trap/rep/a/b/", 200, "<a href=\"a/\">"},
		{"/trap/deep/s1/s2/", 200, "<a href=\"s3/\">"},
		{"/trap/bad/x", 200, NULL},
		{"/robots.txt", 404, NULL},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		snprintf(url, sizeof url, "%s%s", h.base, want[i].path);
		http_get(url, NULL, &r);
		if (r.status != want[i].status)
			CHECK_FAIL("%s: status %ld, want %ld", want[i].path, r.status, want[i].status);
		if (want[i].where && r.status >= 300 && r.status < 400)
			CHECK_STR(r.location, want[i].where);
		else if (want[i].where && !strstr(r.body ? r.body : "", want[i].where))
			CHECK_FAIL("%s: no %s in the body", want[i].path, want[i].where);
		http_resp_free(&r);
	}
	snprintf(url, sizeof url, "%s/_test/blackhole", h.base);
	http_get(url, NULL, &r);
	snprintf(line, sizeof line, "http://127.0.0.1:%u/", bh);
	CHECK_STR(r.location, line);
	http_resp_free(&r);
	/* The blackhole accepts and never answers: only the client's timeout ends the wait. */
	struct http_opts o = {.timeout_ms = 700};
	http_get(line, &o, &r);
	CHECK_INT(r.err, CURLE_OPERATION_TIMEDOUT);
	CHECK_INT(r.status, 0);
	CHECK(r.secs >= 0.6);
	http_resp_free(&r);
	CHECK_INT(ts_stop(&h, SIGTERM), 0); /* also with a connection held in the blackhole */
}

/* --tls-cert/--tls-key: an HTTPS port whose self-signed certificate curl refuses. */
static void test_tls(void)
{
	char dir[256], cert[300], key[300], cmd[1024], line[64], url[128];
	unsigned port = 0;
	struct http_resp r;
	if (system("openssl version >/dev/null 2>&1") != 0) {
		fprintf(stderr, "note: no openssl: the TLS port is not tested\n");
		return;
	}
	REQUIRE(ts_tmpdir(dir, sizeof dir));
	snprintf(cert, sizeof cert, "%s/cert.pem", dir);
	snprintf(key, sizeof key, "%s/key.pem", dir);
	snprintf(cmd, sizeof cmd, "openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
		 "-subj /CN=127.0.0.1 -keyout '%s' -out '%s' >/dev/null 2>&1", key, cert);
	REQUIRE(system(cmd) == 0);
	const char *args[] = {"--tls-cert", cert, "--tls-key", key, NULL};
	struct ts_proc t;
	REQUIRE(ts_spawn(&t, args));
	CHECK(ts_read_line(&t, line, sizeof line) && sscanf(line, "TLS %u", &port) == 1);
	snprintf(url, sizeof url, "https://127.0.0.1:%u/", port);
	http_get(url, NULL, &r);
	CHECK_INT(r.err, CURLE_PEER_FAILED_VERIFICATION);
	http_resp_free(&r);
	const char *ca[] = {NULL};
	struct http_opts insecure = {.headers = ca, .insecure = true};
	http_get(url, &insecure, &r);
	CHECK_INT(r.status, 200);
	CHECK(r.body && strstr(r.body, "self-signed") != NULL);
	http_resp_free(&r);
	CHECK_INT(ts_stop(&t, SIGTERM), 0);
	ts_rmtree(dir);
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
	RUN(test_slowloris);
	RUN(test_gzip_bomb);
	RUN(test_cut);
	RUN(test_many_links_and_nesting);
	RUN(test_bad_bytes_and_long_url);
	RUN(test_types);
	RUN(test_blackhole_absent);
	RUN(test_hostile_site);
	RUN(test_tls);
	CHECK_INT(ts_stop(&srv, SIGTERM), 0);
	curl_global_cleanup();
	return check_report();
}
