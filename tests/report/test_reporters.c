/*
 * test_reporters.c -- the built-in reporters on crafted records: exact csv (RFC 4180 quoting of
 * commas, quotes, CR and LF), jsonl outlinks, dot, sitemap XML escaping and splitting at
 * max_urls, the messages of failures (/dev/full, a path that cannot be created, a sitemap over
 * its limit), and that a record written to a pipe reaches the reader before the end.
 */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include <weft.h>

#include "check.h"

static const struct weft_link links[] = {
	{ .url = "http://h.test/a,b", .url_len = 17, .raw = "a,b#x", .raw_len = 5,
	  .fragment = "x", .frag_len = 1, .text = "say \"hi\", then\r\nbye", .text_len = 19,
	  .rel = "nofollow me", .rel_len = 11, .tag = "a", .attr = "href", .line = 3,
	  .kind = WEFT_LINK_NAV, .nofollow = true },
	{ .url = "http://h.test/i.png", .url_len = 19, .raw = "i.png", .raw_len = 5,
	  .text = "alt\xff", .text_len = 4, .tag = "img", .attr = "src", .line = 4,
	  .kind = WEFT_LINK_RESOURCE },
};

static struct weft_record page(const char *url, int status, const char *ct)
{
	return (struct weft_record){ .url = url, .final_url = url, .status = status,
				     .content_type = ct, .bytes = 10, .ms = 1.5 };
}

/* Drive r over recs and return what it wrote to a temporary file (malloc'd). */
static char *run_to_file(struct weft_reporter *r, const struct weft_record *recs, size_t n,
			 FILE *fp)
{
	if (r->ops->begin)
		CHECK_INT(r->ops->begin(r), 0);
	for (size_t i = 0; i < n; i++)
		CHECK_INT(r->ops->record(r, &recs[i]), 0);
	CHECK_INT(r->ops->end(r), 0);
	long len = ftell(fp);
	rewind(fp);
	char *buf = calloc(1, (size_t)len + 1);
	if (fread(buf, 1, (size_t)len, fp) != (size_t)len)
		CHECK_FAIL("short read");
	return buf;
}

static void test_csv(void)
{
	FILE *fp = tmpfile();
	REQUIRE(fp);
	struct weft_report_options o;
	weft_report_options_init(&o);
	o.fp = fp;
	o.flags = WEFT_REPORT_LINKS;
	struct weft_reporter *r;
	REQUIRE(weft_reporter_csv(&r, &o) == WEFT_OK);
	struct weft_record recs[3] = { page("http://h.test/", 200, "text/html"),
				       page("http://h.test/x", 0, NULL) };
	recs[0].links = links;
	recs[0].n_links = 2;
	recs[1].error = WEFT_FE_CONNECT;
	recs[1].error_msg = "refused, \"really\"";
	recs[1].from = "http://h.test/";
	recs[1].depth = 1;
	recs[2] = (struct weft_record){ .url = "mailto:a,b", .skipped = "scope", .depth = 1,
					.from = "http://h.test/" };
	char *got = run_to_file(r, recs, 3, fp);
	const char *want =
		"url,status,error,depth,from,final_url,content_type,bytes,ms,links,redirect,hops,"
		"truncated,checked,skipped,error_msg,link_index,link_url,link_fragment,link_text,"
		"link_tag,link_attr,link_line,link_rel,link_nofollow,link_kind\r\n"
		"http://h.test/,200,,0,,http://h.test/,text/html,10,1.500,2,,0,false,false,,,"
		"0,\"http://h.test/a,b\",x,\"say \"\"hi\"\", then\r\nbye\",a,href,3,nofollow me,"
		"true,nav\r\n"
		"http://h.test/,200,,0,,http://h.test/,text/html,10,1.500,2,,0,false,false,,,"
		"1,http://h.test/i.png,,alt\xef\xbf\xbd,img,src,4,,false,resource\r\n"
		"http://h.test/x,0,connect,1,http://h.test/,http://h.test/x,,10,1.500,0,,0,false,"
		"false,,\"refused, \"\"really\"\"\",,,,,,,,,,\r\n"
		"\"mailto:a,b\",,,1,http://h.test/,,,,,,,,,,scope,,,,,,,,,,,\r\n";
	CHECK_STR(got, want);
	free(got);
	weft_reporter_free(&r);
	fclose(fp);
}

static void test_jsonl_links(void)
{
	FILE *fp = tmpfile();
	REQUIRE(fp);
	struct weft_report_options o;
	weft_report_options_init(&o);
	o.fp = fp;
	o.flags = WEFT_REPORT_LINKS;
	struct weft_reporter *r;
	REQUIRE(weft_reporter_jsonl_opts(&r, &o) == WEFT_OK);
	struct weft_record recs[2] = { page("http://h.test/", 200, "text/html"),
				       page("http://h.test/sitemap.xml", 200, "application/xml") };
	recs[0].links = links;
	recs[0].n_links = 2;
	recs[1].n_links = 7; /* a sitemap: a count, no link records, no "outlinks" */
	char *got = run_to_file(r, recs, 2, fp);
	const char *want =
		"{\"url\":\"http://h.test/\",\"status\":200,\"depth\":0,\"from\":null,"
		"\"final_url\":\"http://h.test/\",\"content_type\":\"text/html\",\"bytes\":10,"
		"\"ms\":1.500,\"links\":2,\"outlinks\":["
		"{\"url\":\"http://h.test/a,b\",\"fragment\":\"x\","
		"\"text\":\"say \\\"hi\\\", then\\u000d\\u000abye\",\"tag\":\"a\",\"attr\":\"href\","
		"\"line\":3,\"rel\":\"nofollow me\",\"nofollow\":true,\"kind\":\"nav\"},"
		"{\"url\":\"http://h.test/i.png\",\"fragment\":null,\"text\":\"alt\xef\xbf\xbd\","
		"\"tag\":\"img\",\"attr\":\"src\",\"line\":4,\"rel\":null,\"nofollow\":false,"
		"\"kind\":\"resource\"}]}\n"
		"{\"url\":\"http://h.test/sitemap.xml\",\"status\":200,\"depth\":0,\"from\":null,"
		"\"final_url\":\"http://h.test/sitemap.xml\",\"content_type\":\"application/xml\","
		"\"bytes\":10,\"ms\":1.500,\"links\":7}\n";
	CHECK_STR(got, want);
	free(got);
	weft_reporter_free(&r);
	fclose(fp);
}

static void test_dot(void)
{
	FILE *fp = tmpfile();
	REQUIRE(fp);
	struct weft_report_options o;
	weft_report_options_init(&o);
	o.fp = fp;
	struct weft_reporter *r;
	REQUIRE(weft_reporter_dot(&r, &o) == WEFT_OK);
	struct weft_link l[3] = { { .url = "http://h.test/q\"" }, { .url = "http://h.test/gone" },
				  { .url = "http://h.test/q\"" } };
	struct weft_record recs[3] = { page("http://h.test/", 200, "text/html"),
				       page("http://h.test/q\"", 404, "text/html"),
				       { .url = "http://h.test/gone", .skipped = "robots" } };
	recs[0].links = l;
	recs[0].n_links = 3;
	recs[1].error = WEFT_FE_HTTP;
	char *got = run_to_file(r, recs, 3, fp);
	CHECK(strstr(got, "n0 [label=\"/\", tooltip=\"http://h.test/\", URL=\"http://h.test/\", "
			  "fillcolor=white, penwidth=2];\n"));
	CHECK(strstr(got, "n1 [label=\"/q\\\"\\n404\", tooltip=\"http://h.test/q\\\"\", "
			  "URL=\"http://h.test/q\\\"\", fillcolor=salmon"));
	/* one edge for the two links to q", none to the skipped URL */
	CHECK(strstr(got, "  n0 -> n1;\n  // 1 links to URLs not fetched"));
	CHECK(!strstr(got, "-> n2"));
	size_t len = strlen(got);
	CHECK(len > 2 && strcmp(got + len - 2, "}\n") == 0);
	free(got);
	weft_reporter_free(&r);
	fclose(fp);
}

static char *slurp_path(const char *path)
{
	size_t len;
	return check_slurp(path, &len);
}

static void test_sitemap_split(void)
{
	char dir[] = "/tmp/weft-sitemap.XXXXXX", path[256], p1[256], p2[256], p3[256];
	REQUIRE(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/site.xml", dir);
	snprintf(p1, sizeof(p1), "%s/site-1.xml", dir);
	snprintf(p2, sizeof(p2), "%s/site-2.xml", dir);
	snprintf(p3, sizeof(p3), "%s/site-3.xml", dir);
	struct weft_report_options o;
	weft_report_options_init(&o);
	o.path = path;
	o.max_urls = 2;
	o.base = "https://cdn.test/maps";
	struct weft_reporter *r;
	REQUIRE(weft_reporter_sitemap(&r, &o) == WEFT_OK);
	struct weft_record recs[] = {
		page("http://h.test/?a=1&b=<2>", 200, "text/html"),
		page("http://h.test/404", 404, "text/html"),
		page("http://h.test/doc.pdf", 200, "application/pdf"),
		page("http://h.test/x", 200, "application/xhtml+xml"),
		page("http://h.test/y", 200, "text/html"),
		page("http://h.test/moved", 301, "text/html"),
		page("http://h.test/z", 200, "text/html"),
		{ .url = "http://h.test/s", .skipped = "robots" },
	};
	REQUIRE(r->ops->begin(r) == 0);
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		CHECK_INT(r->ops->record(r, &recs[i]), 0);
	CHECK_INT(r->ops->end(r), 0);
	weft_reporter_free(&r);
	const char *head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			   "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
	char want[1024];
	char *got = slurp_path(p1);
	snprintf(want, sizeof(want), "%s  <url><loc>http://h.test/?a=1&amp;b=&lt;2&gt;</loc></url>\n"
		 "  <url><loc>http://h.test/x</loc></url>\n</urlset>\n", head);
	CHECK_STR(got, want);
	free(got);
	got = slurp_path(p2);
	snprintf(want, sizeof(want), "%s  <url><loc>http://h.test/y</loc></url>\n"
		 "  <url><loc>http://h.test/z</loc></url>\n</urlset>\n", head);
	CHECK_STR(got, want);
	free(got);
	CHECK(access(p3, F_OK) != 0);
	got = slurp_path(path);
	CHECK_STR(got, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		       "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n"
		       "  <sitemap><loc>https://cdn.test/maps/site-1.xml</loc></sitemap>\n"
		       "  <sitemap><loc>https://cdn.test/maps/site-2.xml</loc></sitemap>\n"
		       "</sitemapindex>\n");
	free(got);
	unlink(p1);
	unlink(p2);
	unlink(path);

	/* Exactly max_urls: one plain urlset at path, no parts. */
	REQUIRE(weft_reporter_sitemap(&r, &o) == WEFT_OK);
	REQUIRE(r->ops->begin(r) == 0);
	CHECK_INT(r->ops->record(r, &recs[0]), 0);
	CHECK_INT(r->ops->record(r, &recs[3]), 0);
	CHECK_INT(r->ops->end(r), 0);
	weft_reporter_free(&r);
	got = slurp_path(path);
	CHECK(got && strstr(got, "<urlset") && !strstr(got, "sitemapindex"));
	free(got);
	CHECK(access(p1, F_OK) != 0);
	unlink(path);
	rmdir(dir);
}

static void test_sitemap_stream_limit(void)
{
	FILE *fp = tmpfile();
	REQUIRE(fp);
	struct weft_report_options o;
	weft_report_options_init(&o);
	o.fp = fp;
	o.name = "out.xml";
	o.max_urls = 2;
	struct weft_reporter *r;
	REQUIRE(weft_reporter_sitemap(&r, &o) == WEFT_OK);
	struct weft_record a = page("http://h.test/a", 200, "text/html");
	REQUIRE(r->ops->begin(r) == 0);
	CHECK_INT(r->ops->record(r, &a), 0);
	CHECK_INT(r->ops->record(r, &a), 0);
	CHECK(r->ops->record(r, &a) != 0);
	int e = -1;
	const char *msg = weft_reporter_error(r, &e);
	CHECK_INT(e, 0);
	CHECK(msg && strstr(msg, "more than 2 URLs") && strstr(msg, "out.xml"));
	CHECK(r->ops->end(r) != 0);
	weft_reporter_free(&r);
	fclose(fp);
	o.max_urls = WEFT_SITEMAP_MAX_URLS + 1;
	CHECK_INT(weft_reporter_sitemap(&r, &o), WEFT_E_INVAL);
}

static void test_errors(void)
{
	struct weft_report_options o;
	struct weft_reporter *r;
	int e = 0;
	/* A full disk: the end's flush fails at the latest; the message names the file. */
	FILE *full = fopen("/dev/full", "w");
	if (full) {
		weft_report_options_init(&o);
		o.fp = full;
		o.name = "/dev/full";
		REQUIRE(weft_reporter_csv(&r, &o) == WEFT_OK);
		struct weft_record a = page("http://h.test/a", 200, "text/html");
		int rc = r->ops->begin(r);
		rc |= r->ops->record(r, &a);
		rc |= r->ops->end(r);
		CHECK(rc != 0);
		const char *msg = weft_reporter_error(r, &e);
		CHECK_INT(e, ENOSPC);
		CHECK_STR(msg, "writing /dev/full: No space left on device");
		weft_reporter_free(&r);
		fclose(full);
	}
	/* A sitemap path that cannot be created fails at begin, with the path and the reason. */
	weft_report_options_init(&o);
	o.path = "/nonexistent/dir/sitemap.xml";
	REQUIRE(weft_reporter_sitemap(&r, &o) == WEFT_OK);
	CHECK(r->ops->begin(r) != 0);
	CHECK_STR(weft_reporter_error(r, &e),
		  "writing /nonexistent/dir/sitemap.xml: No such file or directory");
	CHECK_INT(e, ENOENT);
	weft_reporter_free(&r);
	/* Nothing failed: NULL. */
	REQUIRE(weft_reporter_jsonl(&r, stderr) == WEFT_OK);
	CHECK(weft_reporter_error(r, &e) == NULL && e == 0);
	weft_reporter_free(&r);
}

/* A record written to a pipe reaches the reader well before the reporter ends. */
static void test_stream_pipe(void)
{
	int fds[2];
	REQUIRE(pipe(fds) == 0);
	FILE *w = fdopen(fds[1], "w");
	REQUIRE(w);
	struct weft_report_options o;
	weft_report_options_init(&o);
	o.fp = w;
	struct weft_reporter *r;
	REQUIRE(weft_reporter_jsonl_opts(&r, &o) == WEFT_OK);
	struct weft_record a = page("http://h.test/a", 200, "text/html");
	for (int i = 0; i < 2; i++) { /* the first starts the flusher; the second waits for it */
		CHECK_INT(r->ops->record(r, &a), 0);
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		int ready = poll(&p, 1, 5000);
		CHECK_INT(ready, 1);
		if (ready != 1)
			break;
		char buf[4096];
		ssize_t n = read(fds[0], buf, sizeof(buf));
		CHECK(n > 0 && buf[n - 1] == '\n' && memchr(buf, '\n', (size_t)n) == buf + n - 1);
	}
	CHECK_INT(r->ops->end(r), 0);
	weft_reporter_free(&r);
	fclose(w);
	close(fds[0]);
}

int main(void)
{
	RUN(test_csv);
	RUN(test_jsonl_links);
	RUN(test_dot);
	RUN(test_sitemap_split);
	RUN(test_sitemap_stream_limit);
	RUN(test_errors);
	RUN(test_stream_pipe);
	return check_report();
}
