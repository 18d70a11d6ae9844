/*
 * test_hosts.c -- the per-host politeness table (src/core/hosts.c): one host per origin,
 * in-flight limits, start-to-start delay, blocks after 429/503 (Retry-After, doubling back-off,
 * the cap), robots.txt's verdicts and Crawl-delay, and a table of thousands of hosts.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "core/hosts.h"
#include "core/robots.h"

static struct weft__hosts *table(int max, double delay, double max_cd)
{
	struct weft__host_policy pol = {
		.max_in_flight = max, .delay = delay, .max_crawl_delay = max_cd,
		.backoff_first = 1, .backoff_max = 60, .robots = true, .agent = "weft",
	};
	struct weft__hosts *t = NULL;
	return weft__hosts_new(&t, &pol) == WEFT_OK ? t : NULL;
}

static struct weft__host *get(struct weft__hosts *t, const char *url)
{
	return weft__hosts_get(t, url, strlen(url));
}

static void test_one_host_per_origin(void)
{
	struct weft__hosts *t = table(2, 0, 30);
	REQUIRE(t);
	struct weft__host *h = get(t, "http://a.test/x");
	CHECK(h != NULL);
	CHECK(get(t, "http://a.test/y?q#f") == h);
	CHECK(get(t, "http://user:pw@a.test/z") == h); /* userinfo is not part of the host */
	CHECK(get(t, "http://a.test:8080/") != h);     /* another port, another host */
	CHECK(get(t, "https://a.test/") != h);         /* another scheme, another host */
	CHECK(get(t, "http://a.test.evil/") != h);
	CHECK_INT(weft__hosts_count(t), 4);
	CHECK_STR(h->key, "http://a.test");
	weft__hosts_free(&t);
}

static void test_many_hosts(void)
{
	struct weft__hosts *t = table(2, 0, 30);
	REQUIRE(t);
	char url[64];
	struct weft__host *first = get(t, "http://h0.test/");
	for (int i = 1; i < 5000; i++) {
		snprintf(url, sizeof(url), "http://h%d.test/p", i);
		CHECK(get(t, url) != NULL);
	}
	CHECK_INT(weft__hosts_count(t), 5000);
	CHECK(get(t, "http://h0.test/other") == first); /* still found after the table grew */
	snprintf(url, sizeof(url), "http://h%d.test/", 4321);
	struct weft__host *h = get(t, url);
	CHECK(h != NULL && strcmp(h->key, "http://h4321.test") == 0);
	CHECK_INT(weft__hosts_count(t), 5000);
	weft__hosts_free(&t);
}

static void test_limits_and_delay(void)
{
	struct weft__hosts *t = table(2, 0.5, 30);
	REQUIRE(t);
	struct weft__host *h = get(t, "http://a.test/");
	CHECK(weft__host_can_start(t, h, 100.0));
	weft__host_start(h, 100.0);
	CHECK(!weft__host_can_start(t, h, 100.2)); /* the delay, start to start */
	CHECK(weft__host_can_start(t, h, 100.5));
	weft__host_start(h, 100.5);
	CHECK(!weft__host_can_start(t, h, 200.0)); /* two in flight: the limit */
	weft__host_end(t, h, 100.6, -1);
	CHECK(weft__host_can_start(t, h, 101.0));
	weft__hosts_free(&t);
}

static void test_refusals_block_the_host(void)
{
	struct weft__hosts *t = table(0, 0, 30);
	REQUIRE(t);
	struct weft__host *h = get(t, "http://a.test/");
	weft__host_start(h, 10.0);
	weft__host_end(t, h, 10.0, 7.0); /* Retry-After: 7 */
	CHECK(!weft__host_can_start(t, h, 16.9));
	CHECK(weft__host_can_start(t, h, 17.0));
	weft__host_start(h, 20.0);
	weft__host_end(t, h, 20.0, -2); /* no Retry-After: 1 s, then 2, then 4 */
	CHECK(weft__host_ready_at(h) == 21.0);
	weft__host_start(h, 21.0);
	weft__host_end(t, h, 21.0, -2);
	CHECK(weft__host_ready_at(h) == 23.0);
	weft__host_start(h, 23.0);
	weft__host_end(t, h, 23.0, -2);
	CHECK(weft__host_ready_at(h) == 27.0);
	weft__host_start(h, 30.0);
	weft__host_end(t, h, 30.0, -1); /* an answer that was not refused ends the back-off */
	weft__host_start(h, 30.0);
	weft__host_end(t, h, 30.0, -2);
	CHECK(weft__host_ready_at(h) == 31.0);
	weft__host_start(h, 40.0);
	weft__host_end(t, h, 40.0, 86400); /* capped at backoff_max */
	CHECK(weft__host_ready_at(h) == 100.0);
	weft__hosts_free(&t);
}

static void test_robots_verdicts(void)
{
	struct weft__hosts *t = table(0, 0.1, 5);
	REQUIRE(t);
	struct weft__host *h = get(t, "http://a.test/");
	uint8_t err = 0;
	CHECK(weft__host_needs_robots(t, h, 0));
	CHECK_INT(weft__host_verdict(h, "http://a.test/private/x", &err), WEFT__SKIP_NONE);
	static const char body[] = "User-agent: *\nDisallow: /private/\nCrawl-delay: 60\n";
	struct weft__robots *r = NULL;
	REQUIRE(weft__robots_parse(&r, body, sizeof(body) - 1, "weft") == WEFT_OK);
	weft__host_set_robots(t, h, r, 0);
	CHECK(!weft__host_needs_robots(t, h, 3600));
	CHECK(weft__host_needs_robots(t, h, 24 * 3600 + 1)); /* kept 24 h at most */
	CHECK_INT(weft__host_verdict(h, "http://a.test/private/x", &err), WEFT__SKIP_ROBOTS);
	CHECK_INT(weft__host_verdict(h, "http://a.test/public#private/", &err), WEFT__SKIP_NONE);
	CHECK(h->delay == 5.0); /* Crawl-delay 60, capped at 5 */
	h->down = WEFT_FE_CONNECT;
	CHECK_INT(weft__host_verdict(h, "http://a.test/public", &err), WEFT__SKIP_DOWN);
	CHECK_INT(err, WEFT_FE_CONNECT);
	weft__hosts_free(&t);
}

int main(void)
{
	RUN(test_one_host_per_origin);
	RUN(test_many_hosts);
	RUN(test_limits_and_delay);
	RUN(test_refusals_block_the_host);
	RUN(test_robots_verdicts);
	return check_report();
}
