/*
 * test_http_fetcher.c -- the HTTP fetcher against weft-testserver's hostile endpoints: every
 * failure becomes a record with the right error kind, never a crash or a hang; limits, retries,
 * Retry-After, redirects, content types, compression and headers behave as documented. Both
 * faces: blocking fetch() and the async start()/run() the event engine uses.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <weft.h>
#include <weft/http.h>

#include "check.h"
#include "sink.h"
#include "ts_client.h"
#include "util/util.h"

static struct ts_proc server;
static int next_id;
static struct test_sink sink; /* what the last blocking fetch delivered */

static struct weft_fetcher *make(void (*tweak)(struct weft_http_options *))
{
	struct weft_http_options o;
	struct weft_fetcher *f = NULL;
	char err[256];
	weft_http_options_init(&o);
	o.retries = 0;
	o.retry_base_ms = 10;
	if (tweak)
		tweak(&o);
	if (weft_fetcher_http(&f, &o, err, sizeof(err)) != WEFT_OK)
		fprintf(stderr, "weft_fetcher_http: %s\n", err);
	return f;
}

/* Blocking fetch of base+path into r (initialised here). */
static void get(struct weft_fetcher *f, const char *path, struct weft_response *r)
{
	static char url[1024];
	snprintf(url, sizeof(url), "%s%s", server.base, path);
	weft_response_init(r);
	test_sink_drop(&sink);
	test_sink_init(&sink, url);
	CHECK_INT(f->ops->fetch(f, &sink.req, r), WEFT_OK);
}

static void test_status_and_links(void)
{
	struct weft_fetcher *f = make(NULL);
	struct weft_response r;
	get(f, "/_test/status/404", &r);
	CHECK_INT(r.status, 404);
	CHECK_INT(r.error, WEFT_FE_HTTP);
	CHECK_INT(sink.heads, 1);
	CHECK_INT(sink.head_status, 404); /* the sink hears the status; parsing is its choice */
	weft_response_reset(&r);
	get(f, "/_test/type?ct=text/html", &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.error, WEFT_FE_NONE);
	CHECK_STR(r.content_type, "text/html");
	CHECK(test_sink_html_links(&sink) >= 1); /* the whole body reached the sink */
	CHECK(r.bytes > 0);
	CHECK_INT(sink.body_len, r.bytes);
	weft_response_reset(&r);
	weft_fetcher_free(&f);
}

static void test_content_types(void)
{
	struct weft_fetcher *f = make(NULL);
	struct weft_response r;
	get(f, "/_test/type?ct=application/pdf", &r);
	CHECK_STR(r.content_type, "application/pdf");
	CHECK(r.bytes > 0);
	CHECK_INT(sink.body_len, r.bytes);
	weft_response_reset(&r);
	get(f, "/_test/type?ct=Application/XHTML%2BXML;%20charset=utf-8", &r);
	CHECK_STR(r.content_type, "application/xhtml+xml");
	CHECK_STR(r.charset, "utf-8");
	weft_response_reset(&r);
	get(f, "/_test/type?ct=text/plain", &r);
	CHECK_STR(r.content_type, "text/plain");
	CHECK(r.charset == NULL);
	weft_response_reset(&r);
	weft_fetcher_free(&f);
}

static void small_body(struct weft_http_options *o)
{
	o->max_body = 256 * 1024;
}

static void test_body_limit(void)
{
	struct weft_fetcher *f = make(small_body);
	struct weft_response r;
	get(f, "/_test/huge?mb=2", &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.error, WEFT_FE_NONE); /* still a usable page: the rest is dropped */
	CHECK(r.truncated);
	CHECK_INT(r.bytes, 256 * 1024);
	CHECK_INT(sink.body_len, 256 * 1024); /* the sink got exactly what was kept */
	weft_response_reset(&r);
	get(f, "/_test/huge?mb=0", &r); /* endless */
	CHECK(r.truncated);
	CHECK_INT(r.bytes, 256 * 1024);
	weft_response_reset(&r);
	get(f, "/_test/gzip", &r); /* decoded bytes count, links still found */
	CHECK_INT(r.status, 200);
	CHECK(!r.truncated);
	CHECK(test_sink_html_links(&sink) >= 1); /* decoded before the sink */
	weft_response_reset(&r);
	weft_fetcher_free(&f);
}

static void impatient(struct weft_http_options *o)
{
	o->timeout_ms = 400;
	o->low_speed_bytes = 50;
	o->low_speed_secs = 1;
}

static void test_timeouts(void)
{
	struct weft_fetcher *f = make(impatient);
	struct weft_response r;
	double t0 = weft__now();
	get(f, "/_test/slow-headers?ms=3000", &r);
	CHECK_INT(r.error, WEFT_FE_TIMEOUT);
	CHECK_INT(r.status, 0);
	CHECK(r.error_msg != NULL);
	CHECK(weft__now() - t0 < 2.5);
	weft_response_reset(&r);
	get(f, "/_test/drip?bytes=20&interval_ms=300", &r);
	CHECK_INT(r.error, WEFT_FE_TIMEOUT);
	weft_response_reset(&r);
	weft_fetcher_free(&f);
}

static void two_retries(struct weft_http_options *o)
{
	o->retries = 2;
	o->retry_base_ms = 20;
}

static void test_retries(void)
{
	struct weft_fetcher *f = make(two_retries), *once = make(NULL);
	struct weft_response r;
	char path[128];
	snprintf(path, sizeof(path), "/_test/flaky/f%d?fail=2&code=500", next_id++);
	get(f, path, &r);
	CHECK_INT(r.status, 200); /* 500, 500, then 200 */
	CHECK_INT(r.error, WEFT_FE_NONE);
	weft_response_reset(&r);
	snprintf(path, sizeof(path), "/_test/flaky/f%d?fail=3&code=502", next_id++);
	get(f, path, &r);
	CHECK_INT(r.status, 502); /* bounded: three attempts in all */
	CHECK_INT(r.error, WEFT_FE_HTTP);
	weft_response_reset(&r);
	snprintf(path, sizeof(path), "/_test/flaky/f%d?fail=1&code=404", next_id++);
	get(f, path, &r);
	CHECK_INT(r.status, 404); /* 404 is not transient */
	weft_response_reset(&r);
	snprintf(path, sizeof(path), "/_test/flaky/f%d?fail=1&code=500", next_id++);
	get(once, path, &r);
	CHECK_INT(r.status, 500); /* retries 0 */
	weft_response_reset(&r);
	snprintf(path, sizeof(path), "/_test/flaky/f%d?fail=1&code=503", next_id++);
	get(f, path, &r);
	CHECK_INT(r.status, 503); /* 503 and 429 go back to the crawl, which blocks the host */
	CHECK_INT(r.retry_after_ms, -1);
	weft_response_reset(&r);
	weft_fetcher_free(&f);
	weft_fetcher_free(&once);
}

/* A 429 comes back at once with its Retry-After: the crawl, not the fetcher, waits it out. */
static void test_retry_after(void)
{
	struct weft_fetcher *f = make(two_retries);
	struct weft_response r;
	char path[128];
	snprintf(path, sizeof(path), "/_test/retry-after/r%d?seconds=7&fail=1", next_id++);
	double t0 = weft__now();
	get(f, path, &r);
	CHECK_INT(r.status, 429);
	CHECK_INT(r.error, WEFT_FE_HTTP);
	CHECK_INT(r.retry_after_ms, 7000);
	CHECK(weft__now() - t0 < 5); /* not waited inside the fetcher */
	weft_response_reset(&r);
	get(f, path, &r);
	CHECK_INT(r.status, 200); /* the server's second answer */
	CHECK_INT(r.retry_after_ms, -1);
	weft_response_reset(&r);
	weft_fetcher_free(&f);
}

static void test_redirects(void)
{
	struct weft_fetcher *f = make(NULL);
	struct weft_response r;
	char want[256];
	get(f, "/_test/redirect?to=../a/./b%3Fx&code=301", &r);
	CHECK_INT(r.status, 301);
	snprintf(want, sizeof(want), "%s/a/b?x", server.base); /* the server decodes to= */
	CHECK_STR(r.redirect, want);
	CHECK_INT(r.error, WEFT_FE_NONE);
	weft_response_reset(&r);
	get(f, "/_test/redirect?to=HTTP://Example.COM:80/a/../b%23frag", &r);
	CHECK_STR(r.redirect, "http://example.com/b"); /* WHATWG form, fragment dropped */
	weft_response_reset(&r);
	get(f, "/_test/redirect?to=http://%5B::1&code=302", &r);
	CHECK_INT(r.error, WEFT_FE_PROTOCOL); /* unparseable Location */
	CHECK(r.redirect == NULL);
	weft_response_reset(&r);
	weft_fetcher_free(&f);
}

static const char *const extra[] = { "X-Weft-Test: yes", "Accept-Language: fr" };

static void with_headers(struct weft_http_options *o)
{
	o->headers = extra;
	o->n_headers = 2;
	o->user_agent = "probe/1.0";
}

struct find_link {
	const char *needle;
	bool found;
};

static int find_link(void *cookie, const char *url, size_t len, enum weft_link_tag tag)
{
	struct find_link *fl = cookie;
	(void)len, (void)tag;
	fl->found |= strcasestr(url, fl->needle) != NULL;
	return 0;
}

/* Does the page the sink kept link to a URL containing needle? */
static bool has_link(const struct weft_response *r, const char *needle)
{
	struct find_link fl = { .needle = needle };
	(void)r;
	if (sink.body)
		weft_html_extract(sink.body, sink.body_len, sink.req.url, NULL, find_link, &fl);
	return fl.found;
}

/* What the server received: User-Agent, extra headers, Accept-Encoding; no cookies. */
static void test_request_headers(void)
{
	struct weft_fetcher *f = make(with_headers), *d = make(NULL);
	struct weft_response r;
	char ua[64];
	get(f, "/_test/headers?as=links", &r);
	CHECK(has_link(&r, "/_test/h?X%2DWeft%2DTest=yes"));
	CHECK(has_link(&r, "/_test/h?Accept%2DLanguage=fr"));
	CHECK(has_link(&r, "/_test/h?User%2DAgent=probe%2F1%2E0"));
	CHECK(has_link(&r, "/_test/h?Accept%2DEncoding="));
	CHECK(!has_link(&r, "/_test/h?Cookie="));
	weft_response_reset(&r);
	get(d, "/_test/headers?as=links", &r);
	snprintf(ua, sizeof(ua), "/_test/h?User%%2DAgent=weft%%2F%s", weft_version());
	for (char *p = strchr(ua, '='); p && *p; p++) /* dots in the version are encoded */
		if (*p == '.') {
			memmove(p + 3, p + 1, strlen(p + 1) + 1);
			memcpy(p, "%2E", 3);
		}
	CHECK(has_link(&r, ua)); /* default User-Agent: weft/VERSION */
	weft_response_reset(&r);
	weft_fetcher_free(&f);
	weft_fetcher_free(&d);
}

/* A port nothing listens on: bind one, note it, close it. */
static int dead_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t len = sizeof(a);
	bind(s, (struct sockaddr *)&a, sizeof(a));
	getsockname(s, (struct sockaddr *)&a, &len);
	close(s);
	return ntohs(a.sin_port);
}

static void test_connection_refused(void)
{
	struct weft_fetcher *f = make(two_retries);
	struct weft_response r;
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", dead_port());
	weft_response_init(&r);
	struct weft_request req = { .url = url };
	CHECK_INT(f->ops->fetch(f, &req, &r), WEFT_OK);
	CHECK_INT(r.status, 0);
	CHECK_INT(r.error, WEFT_FE_CONNECT);
	CHECK(r.error_msg && *r.error_msg);
	weft_response_reset(&r);
	weft_fetcher_free(&f);
}

/* A clone (another event loop's fetcher) sends every extra header, however many there are. */
static void many_headers(struct weft_http_options *o)
{
	static char names[100][24];
	static const char *v[100];
	for (int i = 0; i < 100; i++) {
		snprintf(names[i], sizeof(names[i]), "X-H%d: v%d", i, i);
		v[i] = names[i];
	}
	o->headers = v;
	o->n_headers = 100;
}

static void test_clone_keeps_headers(void)
{
	struct weft_fetcher *f = make(many_headers), *c = NULL;
	struct weft_response r;
	REQUIRE(f);
	CHECK_INT(f->ops->clone(f, &c), WEFT_OK);
	REQUIRE(c);
	get(c, "/_test/headers?as=links", &r);
	CHECK(has_link(&r, "/_test/h?X%2DH0=v0"));
	CHECK(has_link(&r, "/_test/h?X%2DH64=v64"));
	CHECK(has_link(&r, "/_test/h?X%2DH99=v99"));
	weft_response_reset(&r);
	weft_fetcher_free(&c);
	weft_fetcher_free(&f);
}

/*
 * A *_proxy variable in the environment is honoured (when the fetcher is made, it checks
 * whether to let libcurl look; libcurl then reads it for each transfer): a
 * proxy on a dead port makes a fetch of the live server fail to connect; without the
 * variable the same fetch succeeds.
 */
static void test_proxy_from_env(void)
{
	char proxy[64];
	struct weft_response r;
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", dead_port());
	setenv("http_proxy", proxy, 1);
	struct weft_fetcher *f = make(NULL);
	if (f)
		get(f, "/_test/type?ct=text/html", &r); /* libcurl reads the variable now */
	unsetenv("http_proxy");
	REQUIRE(f);
	CHECK_INT(r.status, 0);
	CHECK_INT(r.error, WEFT_FE_CONNECT);
	weft_response_reset(&r);
	weft_fetcher_free(&f);
	f = make(NULL);
	REQUIRE(f);
	get(f, "/_test/type?ct=text/html", &r);
	CHECK_INT(r.status, 200);
	weft_response_reset(&r);
	weft_fetcher_free(&f);
}

/* ---- the async face ---- */

struct done_count {
	int n;
	int ok;
};

static void on_done(void *cookie, struct weft_response *resp)
{
	struct done_count *d = cookie;
	d->n++;
	d->ok += resp->status == 200 && resp->error == WEFT_FE_NONE;
}

static void test_async_many(void)
{
	struct weft_fetcher *f = make(two_retries);
	enum { N = 200 };
	static struct weft_response r[N];
	static char url[N][256];
	static struct weft_request req[N];
	struct done_count d = { 0 };
	for (int i = 0; i < N; i++) {
		weft_response_init(&r[i]);
		if (i % 10 == 0) /* some need a retry, on the loop's timers */
			snprintf(url[i], sizeof(url[i]), "%s/_test/flaky/a%d?fail=1&code=500",
				 server.base, next_id++);
		else
			snprintf(url[i], sizeof(url[i]), "%s/_test/type?ct=text/html&i=%d",
				 server.base, i);
		req[i] = (struct weft_request){ .url = url[i] };
		REQUIRE(f->ops->start(f, &req[i], &r[i], on_done, &d) == WEFT_OK);
	}
	CHECK_INT(f->ops->in_flight(f), N);
	double t0 = weft__now();
	while (d.n < N && weft__now() - t0 < 30)
		f->ops->run(f, 1000);
	CHECK_INT(d.n, N);
	CHECK_INT(d.ok, N);
	CHECK_INT(f->ops->in_flight(f), 0);
	for (int i = 0; i < N; i++)
		weft_response_reset(&r[i]);
	weft_fetcher_free(&f);
}

static void *waker(void *p)
{
	struct weft_fetcher *f = p;
	weft__sleep_us(50000);
	f->ops->wake(f);
	return NULL;
}

/* wake() from another thread ends a run() that would otherwise wait a minute. */
static void test_async_wake(void)
{
	struct weft_fetcher *f = make(NULL);
	struct weft_response r;
	char url[256];
	struct done_count d = { 0 };
	weft_response_init(&r);
	snprintf(url, sizeof(url), "%s/_test/slow-headers?ms=2000", server.base);
	struct weft_request req = { .url = url };
	REQUIRE(f->ops->start(f, &req, &r, on_done, &d) == WEFT_OK);
	pthread_t t;
	pthread_create(&t, NULL, waker, f);
	double t0 = weft__now();
	f->ops->run(f, 60000);
	CHECK(weft__now() - t0 < 1.5);
	pthread_join(t, NULL);
	while (d.n < 1)
		f->ops->run(f, 1000);
	CHECK_INT(r.status, 200);
	weft_response_reset(&r);
	weft_fetcher_free(&f);
}

int main(void)
{
	weft_global_init();
	const char *args[] = { NULL };
	if (!ts_spawn(&server, args))
		return 1;
	RUN(test_status_and_links);
	RUN(test_content_types);
	RUN(test_body_limit);
	RUN(test_timeouts);
	RUN(test_retries);
	RUN(test_retry_after);
	RUN(test_redirects);
	RUN(test_request_headers);
	RUN(test_connection_refused);
	RUN(test_proxy_from_env);
	RUN(test_clone_keeps_headers);
	RUN(test_async_many);
	RUN(test_async_wake);
	test_sink_drop(&sink);
	CHECK_INT(ts_stop(&server, SIGTERM), 0);
	weft_global_cleanup();
	return check_report();
}
