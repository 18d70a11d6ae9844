/*
 * test_fakeweb.c -- the fake web: the lecture's table, the JSON-lines loader and its error
 * messages (each must name the line and what is wrong), and the fetcher's answers.
 */
#include <unistd.h>

#include <weft/fake.h>

#include "check.h"
#include "sink.h"

static char tmpdir[] = "/tmp/weft-fakeweb-XXXXXX";

static const char *write_file(const char *name, const char *text)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	return path;
}

/* Loading text must fail with a message containing want. */
static void expect_error(const char *text, const char *want)
{
	char err[512] = "";
	struct weft_fakeweb *w = NULL;
	const char *path = write_file("bad.jsonl", text);
	int rc = weft_fakeweb_load(&w, path, err, sizeof(err));
	CHECK(rc == WEFT_E_PARSE || rc == WEFT_E_IO);
	CHECK(w == NULL);
	if (!strstr(err, want))
		CHECK_FAIL("error \"%s\" does not contain \"%s\"", err, want);
}

static void test_loader_errors_name_the_line(void)
{
	expect_error("{\"url\": \"http://a/\"}\n{\"url\": \"http://b/\",}\n", "bad.jsonl:2: invalid JSON");
	expect_error("\n\n[1,2]\n", ":3: expected a JSON object");
	expect_error("{\"links\": []}\n", ":1: missing \"url\"");
	expect_error("{\"url\": 5}\n", ":1: \"url\" must be a string");
	expect_error("{\"url\": \"http://a/\", \"links\": \"x\"}\n", "\"links\" must be an array");
	expect_error("{\"url\": \"http://a/\", \"links\": [\"http://b/\", 3]}\n",
		     "\"links\"[1] must be a string");
	expect_error("{\"url\": \"http://a/\", \"status\": 99}\n", "\"status\" must be an integer");
	expect_error("{\"url\": \"http://a/\", \"delay_ms\": -1}\n", "\"delay_ms\" must be");
	expect_error("{\"url\": \"http://a/\", \"colour\": 1}\n", "unknown field \"colour\"");
	expect_error("{\"url\": \"http://a/\"}\n{\"url\": \"http://a/\"}\n", ":2: duplicate url");
	expect_error("{\"url\": \"http://a/\", \"url\": \"http://b/\"}\n", ":1: invalid JSON");
	expect_error("{\"url\": \"no scheme\"}\n", ":1: a URL does not parse");

	char err[512] = "";
	struct weft_fakeweb *w = NULL;
	CHECK_INT(weft_fakeweb_load(&w, "/nonexistent/web.jsonl", err, sizeof(err)), WEFT_E_IO);
	CHECK(strstr(err, "/nonexistent/web.jsonl") != NULL);
}

/* One blocking fetch of url; what it delivered goes to *ts (emptied first). */
static int get(struct weft_fetcher *f, const char *url, struct test_sink *ts,
	       struct weft_response *r)
{
	test_sink_drop(ts);
	test_sink_init(ts, url);
	return f->ops->fetch(f, &ts->req, r);
}

static void test_loader_reads_pages(void)
{
	char err[512] = "", path[512];
	struct weft_fakeweb *w = NULL;
	snprintf(path, sizeof(path), "%s/tests/data/webs/small.jsonl", getenv("WEFT_SOURCE_ROOT"));
	REQUIRE(weft_fakeweb_load(&w, path, err, sizeof(err)) == WEFT_OK);
	CHECK_INT(weft_fakeweb_size(w), 6);
	struct weft_fetcher *f = NULL;
	REQUIRE(weft_fetcher_fake(&f, w) == WEFT_OK);
	struct weft_response r;
	struct test_sink ts = { 0 };
	weft_response_init(&r);
	CHECK_INT(get(f, "http://site.test/a", &ts, &r), WEFT_OK);
	CHECK_INT(r.status, 200);
	CHECK_INT(ts.n_links, 3);
	CHECK(r.ms == 0 || r.ms >= 2.0);
	weft_response_reset(&r);
	CHECK_INT(get(f, "http://site.test/c", &ts, &r), WEFT_OK);
	CHECK_INT(r.status, 0);
	CHECK_INT(r.error, WEFT_FE_FAKE);
	CHECK_STR(r.error_msg, "connection refused (fake)");
	weft_response_reset(&r);
	CHECK_INT(get(f, "http://site.test/old", &ts, &r), WEFT_OK);
	CHECK_INT(r.status, 301);
	CHECK_STR(r.redirect, "http://site.test/new");
	weft_response_reset(&r);
	CHECK_INT(get(f, "http://site.test/nope", &ts, &r), WEFT_OK);
	CHECK_INT(r.status, 404);
	CHECK_INT(r.error, WEFT_FE_MISSING);
	CHECK_STR(r.error_msg, "not found: http://site.test/nope");
	weft_response_reset(&r);
	CHECK_INT(weft_fakeweb_fetches(w, "http://site.test/nope"), 1);
	CHECK_INT(weft_fakeweb_fetches(w, "http://site.test/a"), 1);
	CHECK_INT(weft_fakeweb_total_fetches(w), 4);
	test_sink_drop(&ts);
	weft_fetcher_free(&f);
	weft_fakeweb_free(&w);
}

static void test_lecture_table(void)
{
	struct weft_fakeweb *w = NULL;
	REQUIRE(weft_fakeweb_lecture(&w) == WEFT_OK);
	CHECK_INT(weft_fakeweb_size(w), 4);
	struct weft_fetcher *f = NULL;
	REQUIRE(weft_fetcher_fake(&f, w) == WEFT_OK);
	struct weft_response r;
	struct test_sink ts = { 0 };
	weft_response_init(&r);
	get(f, "http://golang.org/pkg/", &ts, &r);
	CHECK_INT(ts.n_links, 4);
	if (ts.n_links == 4) {
		CHECK_STR(ts.links[0], "http://golang.org/");
		CHECK_STR(ts.links[3], "http://golang.org/pkg/os/");
	}
	weft_response_reset(&r);
	test_sink_drop(&ts);
	weft_fetcher_free(&f);
	weft_fakeweb_free(&w);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 1;
	RUN(test_loader_errors_name_the_line);
	RUN(test_loader_reads_pages);
	RUN(test_lecture_table);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		return 1;
	return check_report();
}
