/*
 * test_ts_dir.c -- weft-testserver --dir [--prefix]: content types by extension, index.html
 * for directory URLs, 301 to the slash form, percent-decoding, 404s, HEAD, and refusal
 * of ".." traversal in every spelling (the secret outside the root must never leak).
 */
#include "../harness/check.h"
#include "ts_client.h"

#include <signal.h>
#include <sys/stat.h>

static char tmp[256], root[300];
static struct ts_proc srv;

static void make_tree(void)
{
	static const char *const files[][2] = {
		{"index.html", "<html><body>root index</body></html>\n"},
		{"style.css", "body{}\n"}, {"app.js", "var x;\n"}, {"img.png", "PNG"},
		{"photo.JPG", "JPG"}, {"x.gif", "GIF"}, {"pic.svg", "<svg/>"},
		{"notes.txt", "notes\n"}, {"doc.pdf", "%PDF-1.4\n"}, {"data.json", "{}\n"},
		{"feed.xml", "<x/>\n"}, {"blob.bin", "bin"}, {"noext", "plain"},
		{"old.htm", "<html>htm</html>\n"}, {"with space.html", "<p>space</p>\n"},
		{"caf\xc3\xa9.html", "<p>cafe</p>\n"}, {"sub/index.html", "<p>sub index</p>\n"},
		{"sub/page.htm", "<p>sub page</p>\n"}, {"empty/.keep", ""},
	};
	char path[600];
	snprintf(root, sizeof root, "%s/site", tmp);
	mkdir(root, 0755);
	snprintf(path, sizeof path, "%s/sub", root);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/empty", root);
	mkdir(path, 0755);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", root, files[i][0]);
		ts_write_file(path, files[i][1]);
	}
	snprintf(path, sizeof path, "%s/secret.txt", tmp);
	ts_write_file(path, "TOP SECRET\n");
}

static void get(const char *path, const struct http_opts *o, struct http_resp *r)
{
	char url[512];
	snprintf(url, sizeof url, "%s%s", srv.base, path);
	http_get(url, o, r);
}

static void expect(const char *path, long status, const char *ctype, const char *body)
{
	struct http_resp r;
	get(path, NULL, &r);
	if (r.status != status || (ctype && strcmp(r.ctype, ctype) != 0) ||
	    (body && strcmp(r.body, body) != 0))
		CHECK_FAIL("%s: got %ld '%s' '%.40s'", path, r.status, r.ctype, r.body);
	http_resp_free(&r);
}

static void test_types(void)
{
	expect("/index.html", 200, "text/html", "<html><body>root index</body></html>\n");
	expect("/old.htm", 200, "text/html", NULL);
	expect("/style.css", 200, "text/css", NULL);
	expect("/app.js", 200, "text/javascript", NULL);
	expect("/img.png", 200, "image/png", "PNG");
	expect("/photo.JPG", 200, "image/jpeg", NULL);
	expect("/x.gif", 200, "image/gif", NULL);
	expect("/pic.svg", 200, "image/svg+xml", NULL);
	expect("/notes.txt", 200, "text/plain", NULL);
	expect("/doc.pdf", 200, "application/pdf", NULL);
	expect("/data.json", 200, "application/json", NULL);
	expect("/feed.xml", 200, "text/xml", NULL);
	expect("/blob.bin", 200, "application/octet-stream", NULL);
	expect("/noext", 200, "application/octet-stream", "plain");
}

static void test_directories(void)
{
	struct http_resp r;
	expect("/", 200, "text/html", "<html><body>root index</body></html>\n");
	expect("/sub/", 200, "text/html", "<p>sub index</p>\n");
	expect("/sub/page.htm", 200, "text/html", "<p>sub page</p>\n");
	get("/sub", NULL, &r);
	CHECK_INT(r.status, 301);
	CHECK_STR(r.location, "/sub/");
	http_resp_free(&r);
	expect("/empty/", 404, NULL, NULL);
	expect("/missing.html", 404, "text/html", NULL);
	expect("/sub/missing/", 404, NULL, NULL);
	expect("/index.html/x", 404, NULL, NULL);
	expect("/index.html?q=1", 200, "text/html", NULL);
}

static void test_decoding(void)
{
	expect("/with%20space.html", 200, "text/html", "<p>space</p>\n");
	expect("/caf%C3%A9.html", 200, "text/html", "<p>cafe</p>\n");
	expect("/%73ub/page.htm", 200, "text/html", "<p>sub page</p>\n");
}

static void test_head(void)
{
	struct http_resp r;
	struct http_opts head = {.head = true};
	get("/index.html", &head, &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.len, 0);
	CHECK_INT(r.content_length, 37);
	http_resp_free(&r);
}

static void test_traversal(void)
{
	static const char *const paths[] = {
		"/../secret.txt", "/sub/../../secret.txt", "/%2e%2e/secret.txt",
		"/%2E%2E%2Fsecret.txt", "/..%2fsecret.txt", "/sub/%2e%2e/%2e%2e/secret.txt",
		"/..", "/../",
	};
	struct http_opts raw = {.path_as_is = true};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct http_resp r;
		get(paths[i], &raw, &r);
		if ((r.status != 403 && r.status != 404) || strstr(r.body, "SECRET"))
			CHECK_FAIL("%s: status %ld, body '%.40s'", paths[i], r.status, r.body);
		http_resp_free(&r);
	}
}

static void test_prefix(void)
{
	struct ts_proc p;
	struct http_resp r;
	char url[256];
	const char *args[] = {"--dir", root, "--prefix", "/docs/", NULL};
	REQUIRE(ts_spawn(&p, args));
	snprintf(url, sizeof url, "%s/docs/sub/page.htm", p.base);
	http_get(url, NULL, &r);
	CHECK_INT(r.status, 200);
	CHECK_STR(r.body, "<p>sub page</p>\n");
	http_resp_free(&r);
	snprintf(url, sizeof url, "%s/docs", p.base);
	http_get(url, NULL, &r);
	CHECK_INT(r.status, 301);
	CHECK_STR(r.location, "/docs/");
	http_resp_free(&r);
	snprintf(url, sizeof url, "%s/docs/sub", p.base);
	http_get(url, NULL, &r);
	CHECK_STR(r.location, "/docs/sub/");
	http_resp_free(&r);
	snprintf(url, sizeof url, "%s/index.html", p.base);
	http_get(url, NULL, &r);
	CHECK_INT(r.status, 404);
	http_resp_free(&r);
	snprintf(url, sizeof url, "%s/_test/status/201", p.base);
	http_get(url, NULL, &r);
	CHECK_INT(r.status, 201);
	http_resp_free(&r);
	CHECK_INT(ts_stop(&p, SIGTERM), 0);
}

int main(void)
{
	if (!getenv("WEFT_TESTSERVER"))
		return CHECK_SKIP;
	curl_global_init(CURL_GLOBAL_ALL);
	if (!ts_tmpdir(tmp, sizeof tmp))
		return 1;
	make_tree();
	const char *args[] = {"--dir", root, NULL};
	if (!ts_spawn(&srv, args))
		return 1;
	RUN(test_types);
	RUN(test_directories);
	RUN(test_decoding);
	RUN(test_head);
	RUN(test_traversal);
	RUN(test_prefix);
	CHECK_INT(ts_stop(&srv, SIGTERM), 0);
	ts_rmtree(tmp);
	curl_global_cleanup();
	return check_report();
}
