/*
 * test_ts_site.c -- weft-testserver's generated site over real HTTP: page and special
 * URL statuses, content types, redirect Location headers, big page size, HEAD, method
 * refusal, the variety of link forms, determinism across ports and seeds, and the
 * special kinds present in small sites' --expect files.
 */
#include "../harness/check.h"
#include "ts_client.h"

#include <signal.h>

static struct ts_proc srv;
static char tmp[256];

static void get(const char *path, struct http_resp *r)
{
	char url[512];
	snprintf(url, sizeof url, "%s%s", srv.base, path);
	http_get(url, NULL, r);
}

/* GET path and check status and content type. */
static void expect_status(const char *path, long status, const char *ctype)
{
	struct http_resp r;
	get(path, &r);
	if (r.status != status || strcmp(r.ctype, ctype) != 0)
		CHECK_FAIL("%s: got %ld '%s', want %ld '%s'", path, r.status, r.ctype, status,
			   ctype);
	http_resp_free(&r);
}

static void expect_redirect(const char *path, long status, const char *location)
{
	struct http_resp r;
	get(path, &r);
	if (r.status != status || strcmp(r.location, location) != 0)
		CHECK_FAIL("%s: got %ld -> '%s', want %ld -> '%s'", path, r.status, r.location,
			   status, location);
	CHECK(!strstr(r.body, "href")); /* redirect bodies carry no links */
	http_resp_free(&r);
}

static void test_pages(void)
{
	struct http_resp r;
	get("/", &r);
	CHECK_INT(r.status, 200);
	CHECK_STR(r.ctype, "text/html");
	CHECK(strstr(r.body, "<!DOCTYPE html>") && strstr(r.body, "<title>"));
	CHECK(strstr(r.body, "</html>"));
	http_resp_free(&r);
	expect_status("/p/1.html", 200, "text/html");
	expect_status("/p/199.html", 200, "text/html");
	expect_status("/p/200.html", 404, "text/html");
	expect_status("/p/0.html", 404, "text/html");
	expect_status("/p/01.html", 404, "text/html");
	expect_status("/p/1.htm", 404, "text/html");
	expect_status("/missing/0.html", 404, "text/html");
	expect_status("/nothing", 404, "text/html");
	expect_status("/_test/status/200", 200, "text/html");
}

static void test_specials(void)
{
	char loc[128];
	expect_redirect("/r/5", 301, "/p/5.html");
	snprintf(loc, sizeof loc, "%s/r/5", srv.base);
	expect_redirect("/r2/5", 302, loc);
	expect_redirect("/loop/a", 301, "b");
	expect_redirect("/loop/b", 301, "/loop/a");
	expect_redirect("/chain/0", 302, "1");
	expect_redirect("/chain/10", 302, "11");
	expect_redirect("/chain/11", 302, "/p/1.html");
	expect_status("/chain/12", 404, "text/html");
	expect_status("/r/0", 404, "text/html");
	expect_status("/f/0.pdf", 200, "application/pdf");
	expect_status("/f/0.txt", 200, "text/plain");
	expect_status("/slow/0.html", 200, "text/html");
	expect_status("/bigtail/0.html", 200, "text/html");
	struct http_resp r;
	get("/f/0.txt", &r);
	CHECK(strstr(r.body, "<a href=\"/p/2.html\">") != NULL);
	http_resp_free(&r);
	get("/f/0.pdf", &r);
	CHECK(strncmp(r.body, "%PDF-", 5) == 0 && r.len > 1000);
	http_resp_free(&r);
}

static void test_big(void)
{
	struct http_resp r;
	get("/big/0.html", &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.len, 100000);
	CHECK(r.len > 100 && strcmp(r.body + r.len - 8, "</html>\n") == 0);
	const char *tail = strstr(r.body, "/bigtail/0.html");
	CHECK(tail && tail > r.body + 90000); /* the links are at the very end */
	http_resp_free(&r);
}

static void test_head_and_methods(void)
{
	char url[256];
	struct http_resp g, h;
	struct http_opts head = {.head = true};
	snprintf(url, sizeof url, "%s/p/3.html", srv.base);
	http_get(url, NULL, &g);
	http_get(url, &head, &h);
	CHECK_INT(h.status, 200);
	CHECK_INT(h.len, 0);
	CHECK_INT(h.content_length, (long)g.len);
	http_resp_free(&g);
	http_resp_free(&h);
	CURL *c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, "a=b");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fwrite);
	FILE *null = fopen("/dev/null", "w");
	curl_easy_setopt(c, CURLOPT_WRITEDATA, null);
	long code = 0;
	CHECK_INT(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	CHECK_INT(code, 405);
	curl_easy_cleanup(c);
	fclose(null);
}

/* All pages' HTML, concatenated. */
static char *all_pages(const struct ts_proc *p, unsigned n)
{
	size_t len = 0;
	char *all = calloc(1, 1);
	for (unsigned i = 0; i < n && all; i++) {
		char url[128];
		struct http_resp r;
		snprintf(url, sizeof url, i ? "%s/p/%u.html" : "%s/", p->base, i);
		http_get(url, NULL, &r);
		char *na = realloc(all, len + r.len + 1);
		if (na) {
			memcpy(na + len, r.body, r.len + 1);
			len += r.len;
		}
		all = na;
		http_resp_free(&r);
	}
	return all;
}

static void test_link_variety(void)
{
	char full[128];
	char *all = all_pages(&srv, 200);
	REQUIRE(all);
	snprintf(full, sizeof full, "\"%s/p/", srv.base);
	CHECK(strstr(all, full));		/* full URL with the real port */
	CHECK(strstr(all, "<A HREF="));	/* upper case */
	CHECK(strstr(all, "href='"));	/* single quotes */
	CHECK(strstr(all, "=\"  "));		/* surrounding whitespace */
	CHECK(strstr(all, "\"../p/"));	/* dot-dot relative */
	CHECK(strstr(all, "\"./"));		/* dot relative */
	CHECK(strstr(all, "#sec\""));	/* fragments */
	CHECK(strstr(all, "href=\"#sec\"") || strstr(all, "href='#sec'"));
	CHECK(strstr(all, "/missing/") && strstr(all, "/loop/a") && strstr(all, "/chain/0"));
	CHECK(!strstr(all, "/chain/11") && !strstr(all, "/loop/b"));
	CHECK(!strstr(all, "?")); /* no query strings */
	free(all);
}

/* Replace every occurrence of the port digits after "127.0.0.1:" with "PORT". */
static void unport(char *s)
{
	for (char *p = strstr(s, "127.0.0.1:"); p; p = strstr(p + 1, "127.0.0.1:")) {
		char *d = p + 10, *e = d;
		while (*e >= '0' && *e <= '9')
			e++;
		memcpy(d, "PORT", 4);
		memmove(d + 4, e, strlen(e) + 1);
	}
}

static void test_determinism(void)
{
	char path[300];
	struct ts_proc other, seeded;
	snprintf(path, sizeof path, "%s/e2.jsonl", tmp);
	const char *a1[] = {"--site", "200", "--fanout", "4", "--seed", "7", "--big-bytes",
			    "100000", "--expect", path, NULL};
	const char *a2[] = {"--site", "200", "--fanout", "4", "--seed", "8", NULL};
	REQUIRE(ts_spawn(&other, a1));
	REQUIRE(ts_spawn(&seeded, a2));
	char *x = all_pages(&srv, 50), *y = all_pages(&other, 50), *z = all_pages(&seeded, 50);
	REQUIRE(x && y && z);
	unport(x);
	unport(y);
	unport(z);
	CHECK(strcmp(x, y) == 0);
	CHECK(strcmp(x, z) != 0);
	char p1[300];
	snprintf(p1, sizeof p1, "%s/e1.jsonl", tmp);
	char *e1 = check_slurp(p1, NULL), *e2 = check_slurp(path, NULL);
	REQUIRE(e1 && e2);
	unport(e1);
	unport(e2);
	CHECK(strcmp(e1, e2) == 0);
	free(x), free(y), free(z), free(e1), free(e2);
	CHECK_INT(ts_stop(&other, SIGTERM), 0);
	CHECK_INT(ts_stop(&seeded, SIGTERM), 0);
}

/* Run a site of n pages with --expect and return the file's text. */
static char *expect_of(const char *n, const char *fanout)
{
	char path[300];
	struct ts_proc p;
	snprintf(path, sizeof path, "%s/small-%s.jsonl", tmp, n);
	const char *args[] = {"--site", n, "--fanout", fanout, "--expect", path, NULL};
	if (!ts_spawn(&p, args))
		return NULL;
	ts_stop(&p, SIGTERM);
	return check_slurp(path, NULL);
}

static void test_small_sites(void)
{
	static const char *const kinds[] = {
		"/missing/", "/r/", "/r2/", "/loop/a\"", "/loop/b\"", "/chain/0\"",
		"/chain/10\"", ".pdf\"", ".txt\"", "/big/", "/bigtail/", "/slow/",
	};
	char *e = expect_of("20", "2");
	REQUIRE(e);
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (!strstr(e, kinds[i]))
			CHECK_FAIL("N=20 expect lacks %s", kinds[i]);
	CHECK(!strstr(e, "/chain/11\", \"status\""));	/* the 11th hop is not requested */
	CHECK(strstr(e, "\"redirect\": \"http://127.0.0.1:"));
	free(e);
	e = expect_of("10", "3");
	REQUIRE(e);
	size_t lines = 0;
	for (char *p = e; (p = strchr(p, '\n')); p++)
		lines++;
	CHECK_INT(lines, 10); /* tiny sites: pages only */
	CHECK(!strstr(e, "/r/") && !strstr(e, "/loop/"));
	free(e);
}

int main(void)
{
	char path[300];
	if (!getenv("WEFT_TESTSERVER"))
		return CHECK_SKIP;
	curl_global_init(CURL_GLOBAL_ALL);
	if (!ts_tmpdir(tmp, sizeof tmp))
		return 1;
	snprintf(path, sizeof path, "%s/e1.jsonl", tmp);
	const char *args[] = {"--site", "200", "--fanout", "4", "--seed", "7", "--big-bytes",
			      "100000", "--slow-ms", "20", "--expect", path, NULL};
	if (!ts_spawn(&srv, args))
		return 1;
	RUN(test_pages);
	RUN(test_specials);
	RUN(test_big);
	RUN(test_head_and_methods);
	RUN(test_link_variety);
	RUN(test_determinism);
	RUN(test_small_sites);
	CHECK_INT(ts_stop(&srv, SIGTERM), 0);
	ts_rmtree(tmp);
	curl_global_cleanup();
	return check_report();
}
