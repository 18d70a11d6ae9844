/*
 * test_ts_polite.c -- weft-testserver --hosts: the many-host site and its politeness
 * accounting, seen from a client. Parallel slow requests to one host show up as that
 * host's max_in_flight and nowhere else; gaps between request starts are measured;
 * robots.txt and the sitemaps (index, plain child, gzip child decoded here with zlib)
 * say what they should; the rate limit answers the K-th page request with 429 and
 * counts a request inside the Retry-After window as a violation but not one after it;
 * a crawl by links from host 1's / plus the sitemaps finds exactly the --expect file,
 * and the polite crawl leaves no /private/ request and no duplicate in the accounting.
 */
#include "../harness/check.h"
#include "ts_client.h"

#include <signal.h>
#include <time.h>
#include <zlib.h>

#define NHOSTS 4
#define PAGES 12

static char tmp[256];

/* ---- helpers --------------------------------------------------------------------- */

static void url_of(const struct ts_proc *p, unsigned host, const char *path, char *buf,
		   size_t len)
{
	char o[64];
	ts_host_origin(p, host, o, sizeof o);
	snprintf(buf, len, "%s%s", o, path);
}

static long get_status(const struct ts_proc *p, unsigned host, const char *path,
		       struct http_resp *keep)
{
	char url[256];
	struct http_resp r;
	url_of(p, host, path, url, sizeof url);
	http_get(url, NULL, &r);
	long st = r.status;
	if (keep)
		*keep = r;
	else
		http_resp_free(&r);
	return st;
}

/* The stats JSON (from the control host); caller frees. */
static char *stats(const struct ts_proc *p)
{
	struct http_resp r;
	if (get_status(p, 0, "/_test/polite-stats", &r) != 200 ||
	    !strstr(r.ctype, "application/json"))
		CHECK_FAIL("/_test/polite-stats: status %ld, type '%s'", r.status, r.ctype);
	return r.body;
}

/*
 * A number field of host's object ("totals" when host < 0) in the stats JSON: -1 when
 * absent, -2 when null. The counters precede the nested "duplicates" list, so the search
 * stops at the first '}' or '['.
 */
static double field(const struct ts_proc *p, const char *json, int host, const char *name)
{
	char key[96], o[64];
	if (host < 0) {
		snprintf(key, sizeof key, "\"totals\": {");
	} else {
		ts_host_origin(p, (unsigned)host, o, sizeof o);
		snprintf(key, sizeof key, "\"%s\": {", o + strlen("http://"));
	}
	const char *obj = strstr(json, key);
	if (!obj)
		return -1;
	const char *end = strpbrk(obj + strlen(key), "}[");
	snprintf(key, sizeof key, "\"%s\": ", name);
	const char *f = strstr(obj, key);
	if (!f || (end && f > end))
		return -1;
	f += strlen(key);
	return strncmp(f, "null", 4) == 0 ? -2 : strtod(f, NULL);
}

static double stat1(const struct ts_proc *p, int host, const char *name)
{
	char *j = stats(p);
	double v = j ? field(p, j, host, name) : -1;
	free(j);
	return v;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL); /* waiting out a Retry-After on purpose */
}

/* Fetch n URLs of host in parallel, each on its own connection. */
static void parallel(const struct ts_proc *p, unsigned host, int n)
{
	CURLM *m = curl_multi_init();
	CURL *h[8];
	struct http_resp r[8];
	struct http_sink s[8];
	struct curl_slist *hdrs;
	char url[256], path[32];
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof path, "/p/%d", i);
		url_of(p, host, path, url, sizeof url);
		h[i] = curl_easy_init();
		http_setup(h[i], url, NULL, &r[i], &s[i], &hdrs);
		curl_easy_setopt(h[i], CURLOPT_FRESH_CONNECT, 1L);
		curl_multi_add_handle(m, h[i]);
	}
	for (int running = n; running > 0;) {
		curl_multi_perform(m, &running);
		if (running > 0)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	}
	for (int i = 0; i < n; i++) {
		long code = 0;
		curl_easy_getinfo(h[i], CURLINFO_RESPONSE_CODE, &code);
		CHECK_INT(code, 200);
		curl_multi_remove_handle(m, h[i]);
		curl_easy_cleanup(h[i]);
		http_resp_free(&r[i]);
	}
	curl_multi_cleanup(m);
}

/* Fetch n pages of host one after the other on one keep-alive connection. */
static void sequential(const struct ts_proc *p, unsigned host, int n)
{
	CURL *h = curl_easy_init();
	struct http_resp r;
	struct http_sink s;
	struct curl_slist *hdrs;
	char url[256], path[32];
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof path, "/p/%d", i);
		url_of(p, host, path, url, sizeof url);
		http_setup(h, url, NULL, &r, &s, &hdrs);
		CHECK_INT(curl_easy_perform(h), CURLE_OK);
		long code = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		CHECK_INT(code, 200);
		http_resp_free(&r);
	}
	curl_easy_cleanup(h);
}

/* ---- in flight and gaps (a server with 400 ms latency) --------------------------- */

static void test_in_flight_and_gaps(void)
{
	struct ts_proc p;
	const char *args[] = {"--hosts", "4", "--site", "12", "--latency", "400", NULL};
	REQUIRE(ts_spawn(&p, args));
	parallel(&p, 2, 3);
	sequential(&p, 1, 3);
	char *j = stats(&p);
	REQUIRE(j);
	CHECK_INT(field(&p, j, 2, "max_in_flight"), 3);
	CHECK_INT(field(&p, j, 2, "requests"), 3);
	CHECK_INT(field(&p, j, 2, "in_flight"), 0);
	CHECK_INT(field(&p, j, 1, "max_in_flight"), 1);
	CHECK_INT(field(&p, j, 3, "max_in_flight"), 0);
	CHECK_INT(field(&p, j, 0, "max_in_flight"), 0); /* /_test/ is not counted */
	CHECK_INT(field(&p, j, 0, "requests"), 0);
	CHECK_INT(field(&p, j, -1, "max_in_flight"), 3);
	CHECK_INT(field(&p, j, -1, "requests"), 6);
	double g1 = field(&p, j, 1, "min_gap_ms"), g2 = field(&p, j, 2, "min_gap_ms");
	/* one after the other with 400 ms latency: starts >= 400 ms apart; in parallel: close
	 * (the latency runs from the request line, the accounting from the headers: 1 ms slack) */
	if (g1 < 399 || g2 < 0 || g2 > 350)
		CHECK_FAIL("min gaps: sequential host %.3f ms, parallel host %.3f ms", g1, g2);
	CHECK_INT(field(&p, j, 3, "min_gap_ms"), -2); /* null: no two requests */
	free(j);
	CHECK_INT(ts_stop(&p, SIGTERM), 0);
}

/* ---- robots.txt, sitemaps, rate limit (one server) ------------------------------- */

static struct ts_proc srv;
static char expect_path[300], stats_path[300];

static void test_robots(void)
{
	struct http_resp r;
	char want[512], o[64];
	ts_host_origin(&srv, 3, o, sizeof o);
	snprintf(want, sizeof want, "User-agent: *\nDisallow: /private/\nCrawl-delay: 0.5\n\n"
				    "Sitemap: %s/sitemap.xml\n", o);
	CHECK_INT(get_status(&srv, 3, "/robots.txt", &r), 200);
	CHECK_STR(r.body, want);
	CHECK_STR(r.ctype, "text/plain");
	http_resp_free(&r);
	CHECK_INT(get_status(&srv, 0, "/robots.txt", NULL), 404); /* the control host */
}

/* A newline-separated list of strings. */
struct sb_list {
	char *p;
	size_t len;
};

static void list_add(struct sb_list *l, const char *s, size_t n)
{
	l->p = realloc(l->p, l->len + n + 2);
	memcpy(l->p + l->len, s, n);
	l->len += n;
	l->p[l->len++] = '\n';
	l->p[l->len] = '\0';
}

/* Append every <loc> of an XML text to list. */
static void locs(const char *xml, struct sb_list *list)
{
	for (const char *a = strstr(xml, "<loc>"); a; a = strstr(a, "<loc>")) {
		a += 5;
		const char *b = strstr(a, "</loc>");
		if (!b)
			return;
		list_add(list, a, (size_t)(b - a));
	}
}

/* gunzip len bytes (RFC 1952) into a new NUL-terminated string, NULL on error. */
static char *gunzip(const char *in, size_t len)
{
	z_stream z = {0};
	size_t cap = 1 << 20;
	char *out = malloc(cap);
	if (!out || inflateInit2(&z, 15 + 16) != Z_OK) {
		free(out);
		return NULL;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap - 1;
	int rc = inflate(&z, Z_FINISH);
	out[z.total_out] = '\0';
	inflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of a list sorted (byte order), as one string; uniq drops repeats; frees l. */
static char *sorted(struct sb_list *l, bool uniq)
{
	size_t n = 0, k = 0;
	for (size_t i = 0; i < l->len; i++)
		n += l->p[i] == '\n';
	char **v = calloc(n + 1, sizeof *v);
	for (char *s = l->p, *e; s && (e = strchr(s, '\n')); s = e + 1) {
		*e = '\0';
		v[k++] = s;
	}
	qsort(v, k, sizeof *v, cmp_line);
	struct sb_list out = {0};
	for (size_t i = 0; i < k; i++)
		if (!uniq || i == 0 || strcmp(v[i], v[i - 1]) != 0)
			list_add(&out, v[i], strlen(v[i]));
	free(v);
	free(l->p);
	return out.p ? out.p : calloc(1, 1);
}

/* The URLs both sitemaps of host list (through the index), into list. */
static void sitemap_urls(unsigned host, struct sb_list *list)
{
	struct http_resp r;
	struct sb_list children = {0};
	CHECK_INT(get_status(&srv, host, "/sitemap.xml", &r), 200);
	CHECK(strstr(r.body, "<sitemapindex"));
	locs(r.body, &children);
	http_resp_free(&r);
	char a[128], b[128];
	url_of(&srv, host, "/sitemap-a.xml", a, sizeof a);
	url_of(&srv, host, "/sitemap-b.xml.gz", b, sizeof b);
	char want[300];
	snprintf(want, sizeof want, "%s\n%s\n", a, b);
	CHECK_STR(children.p, want);
	free(children.p);
	http_get(a, NULL, &r);
	CHECK_INT(r.status, 200);
	CHECK(strstr(r.body, "<urlset"));
	locs(r.body, list);
	http_resp_free(&r);
	http_get(b, NULL, &r);
	CHECK_INT(r.status, 200);
	CHECK_STR(r.ctype, "application/gzip");
	char *xml = gunzip(r.body, r.len);
	CHECK(xml && strstr(xml, "<urlset") && strstr(xml, "/s/0</loc>"));
	if (xml)
		locs(xml, list);
	free(xml);
	http_resp_free(&r);
}

/* The lines of the --expect file that belong to host. */
static char *expect_for(unsigned host)
{
	struct sb_list l = {0};
	char line[256], o[64];
	FILE *f = fopen(expect_path, "r");
	ts_host_origin(&srv, host, o, sizeof o);
	strcat(o, "/");
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, o, strlen(o)) == 0)
			list_add(&l, line, strcspn(line, "\n"));
	if (f)
		fclose(f);
	return sorted(&l, false);
}

static void test_sitemaps(void)
{
	struct sb_list l = {0};
	sitemap_urls(3, &l);
	char *got = sorted(&l, false), *want = expect_for(3);
	CHECK_STR(got, want);
	char s0[128];
	url_of(&srv, 3, "/s/0\n", s0, sizeof s0);
	CHECK(strstr(got, s0)); /* a sitemap-only page */
	free(got);
	free(want);
}

/* GET path on host: status and Retry-After. */
static long get_ra(unsigned host, const char *path, char *ra, size_t len)
{
	struct http_resp r;
	long st = get_status(&srv, host, path, &r);
	snprintf(ra, len, "%s", r.retry_after);
	http_resp_free(&r);
	return st;
}

static void test_rate_limit(void)
{
	char ra[64];
	/* --rate-limit 3 on host 4: robots.txt and sitemaps do not count */
	CHECK_INT(get_ra(4, "/p/0", ra, sizeof ra), 200);
	CHECK_INT(get_ra(4, "/robots.txt", ra, sizeof ra), 200);
	CHECK_INT(get_ra(4, "/", ra, sizeof ra), 200);
	CHECK_INT(get_ra(4, "/sitemap.xml", ra, sizeof ra), 200);
	CHECK_INT(get_ra(4, "/p/1", ra, sizeof ra), 429); /* the third page request */
	double t429 = ts_mono();
	CHECK_STR(ra, "1");
	CHECK_INT(get_ra(4, "/p/9", ra, sizeof ra), 429); /* refused, but within the 50 ms */
	CHECK_INT(stat1(&srv, 4, "violations"), 0);      /* grace for requests on their way */
	sleep_ms((long)((t429 + 0.1 - ts_mono()) * 1000)); /* past the grace, inside the block */
	CHECK_INT(get_ra(4, "/p/1", ra, sizeof ra), 429); /* too early: a violation */
	CHECK_STR(ra, "1");
	CHECK_INT(get_ra(4, "/robots.txt", ra, sizeof ra), 429); /* any path is too early */
	CHECK_INT(stat1(&srv, 4, "violations"), 2);
	CHECK_INT(get_ra(2, "/p/0", ra, sizeof ra), 200); /* other hosts are not blocked */
	sleep_ms((long)((t429 + 1.05 - ts_mono()) * 1000));
	CHECK_INT(get_ra(4, "/p/1", ra, sizeof ra), 200); /* after Retry-After: fine */
	CHECK_STR(ra, "");
	CHECK_INT(get_ra(4, "/p/2", ra, sizeof ra), 200);
	CHECK_INT(get_ra(4, "/p/3", ra, sizeof ra), 429); /* the 6th page request */
	char *j = stats(&srv);
	REQUIRE(j);
	CHECK_INT(field(&srv, j, 4, "violations"), 2);
	CHECK_INT(field(&srv, j, 4, "status_429"), 5);
	CHECK_INT(field(&srv, j, 4, "requests"), 11);
	CHECK_INT(field(&srv, j, 4, "robots_txt"), 1); /* the 429 was not served */
	CHECK_INT(field(&srv, j, 4, "duplicate_urls"), 0); /* p/1 was served once */
	CHECK_INT(field(&srv, j, 2, "status_429"), 0);
	CHECK_INT(field(&srv, j, -1, "violations"), 2);
	free(j);
}

/* ---- a crawl by links + sitemaps against --expect -------------------------------- */

struct crawl {
	struct sb_list seen;	/* every URL queued, newline-terminated */
	char **queue;
	size_t head, tail, cap;
};

static bool seen_has(const struct crawl *c, const char *url)
{
	size_t n = strlen(url);
	for (const char *s = c->seen.p; s && *s; s = strchr(s, '\n') + 1)
		if (strncmp(s, url, n) == 0 && s[n] == '\n')
			return true;
	return false;
}

static void enqueue(struct crawl *c, const char *url)
{
	if (seen_has(c, url))
		return;
	list_add(&c->seen, url, strlen(url));
	if (c->tail == c->cap)
		c->queue = realloc(c->queue, (c->cap = c->cap ? 2 * c->cap : 64) * sizeof *c->queue);
	c->queue[c->tail++] = strdup(url);
}

/* Queue every href of a page fetched from url (absolute or absolute-path links only). */
static void extract(struct crawl *c, const char *url, const char *body)
{
	char origin[96], abs[256];
	const char *slash = strchr(url + strlen("http://"), '/');
	snprintf(origin, sizeof origin, "%.*s", (int)(slash - url), url);
	for (const char *a = strstr(body, "href=\""); a; a = strstr(a, "href=\"")) {
		a += 6;
		size_t n = strcspn(a, "\"");
		if (a[0] == '/')
			snprintf(abs, sizeof abs, "%s%.*s", origin, (int)n, a);
		else
			snprintf(abs, sizeof abs, "%.*s", (int)n, a);
		if (!strstr(abs, "/private/")) /* robots.txt: Disallow: /private/ */
			enqueue(c, abs);
	}
}

static void test_crawl_matches_expect(void)
{
	struct crawl c = {0};
	char start[128];
	struct sb_list all = {0}, e = {0};
	CHECK_INT(get_status(&srv, 0, "/_test/polite-reset", NULL), 200);
	url_of(&srv, 1, "/", start, sizeof start);
	enqueue(&c, start);
	while (c.head < c.tail) {
		struct http_resp r;
		char *url = c.queue[c.head++];
		http_get(url, NULL, &r);
		if (r.status != 200)
			CHECK_FAIL("%s: status %ld", url, r.status);
		extract(&c, url, r.body);
		http_resp_free(&r);
		free(url);
	}
	CHECK(!strstr(c.seen.p, "/s/")); /* sitemap-only pages are linked from nowhere */
	list_add(&all, c.seen.p, c.seen.len - 1); /* all = the linked pages (one per line) */
	for (unsigned h = 1; h <= NHOSTS; h++)
		sitemap_urls(h, &all);
	char *s = sorted(&all, true), line[256];
	FILE *f = fopen(expect_path, "r");
	while (f && fgets(line, sizeof line, f))
		list_add(&e, line, strcspn(line, "\n"));
	if (f)
		fclose(f);
	char *want = e.p;
	CHECK_STR(s, want);
	CHECK_INT((long)(c.tail), NHOSTS * (1 + PAGES)); /* every linked page of every host */
	char *j = stats(&srv);
	REQUIRE(j);
	CHECK_INT(field(&srv, j, -1, "private"), 0);
	CHECK_INT(field(&srv, j, -1, "duplicate_urls"), 0);
	CHECK_INT(field(&srv, j, -1, "status_429"), 0);
	free(j);
	free(s);
	free(want);
	free(c.seen.p);
	free(c.queue);
}

/* Requests to /private/ and duplicates are counted and listed. */
static void test_private_and_duplicates(void)
{
	CHECK_INT(get_status(&srv, 0, "/_test/polite-reset", NULL), 200);
	CHECK_INT(get_status(&srv, 2, "/private/5", NULL), 200);
	CHECK_INT(get_status(&srv, 2, "/p/7", NULL), 200);
	CHECK_INT(get_status(&srv, 2, "/p/7", NULL), 200);
	CHECK_INT(get_status(&srv, 2, "/p/7", NULL), 200);
	char *j = stats(&srv);
	REQUIRE(j);
	CHECK_INT(field(&srv, j, 2, "private"), 1);
	CHECK_INT(field(&srv, j, 2, "duplicate_urls"), 1);
	CHECK_INT(field(&srv, j, 2, "duplicate_requests"), 2);
	CHECK(strstr(j, "{\"url\": \"/p/7\", \"served\": 3}"));
	CHECK_INT(field(&srv, j, 1, "private"), 0);
	free(j);
}

/* --retry-after-date, with every page request limited (--rate-limit 1). */
static void test_retry_after_date(void)
{
	struct ts_proc p;
	const char *args[] = {"--hosts", "1", "--site", "3", "--rate-limit", "1",
			      "--retry-after-date", NULL};
	struct http_resp r;
	REQUIRE(ts_spawn(&p, args));
	time_t now = time(NULL);
	CHECK_INT(get_status(&p, 1, "/p/0", &r), 429);
	time_t t = curl_getdate(r.retry_after, NULL);
	if (t < now + 1 || t > now + 3)
		CHECK_FAIL("Retry-After '%s' is %ld s from now", r.retry_after, (long)(t - now));
	CHECK(strstr(r.retry_after, " GMT"));
	http_resp_free(&r);
	CHECK_INT(ts_stop(&p, SIGTERM), 0);
}

/* The --hosts family of options is checked: usage errors exit 2 with a message. */
static void test_cli(void)
{
	static const char *const bad[][8] = {
		{"--rate-limit", "3", NULL},
		{"--hosts", "2", "--retry-after-date", NULL},
		{"--hosts", "2", "--site", "3", "--crawl-delay", "x", NULL},
		{"--hosts", "2", "--site", "3", "--fanout", "2", NULL},
		{"--stats", "f", NULL},
		{"--hosts", "0", NULL},
		{"--hosts", "10001", NULL},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *out = NULL, *err = NULL;
		int rc = ts_run(bad[i], &out, &err);
		if (rc != 2 || !err || !strstr(err, "weft-testserver: "))
			CHECK_FAIL("%s ...: exit %d, stderr '%s'", bad[i][0], rc, err ? err : "");
		free(out);
		free(err);
	}
}

/* --stats FILE is written at exit with the final numbers. */
static void check_stats_file(void)
{
	FILE *f = fopen(stats_path, "r");
	char buf[16384];
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	CHECK(n > 0);
	CHECK_INT(field(&srv, buf, 2, "duplicate_requests"), 2);
	CHECK_INT(field(&srv, buf, -1, "in_flight"), 0);
}

int main(void)
{
	if (!getenv("WEFT_TESTSERVER"))
		return CHECK_SKIP;
	curl_global_init(CURL_GLOBAL_ALL);
	RUN(test_cli);
	RUN(test_in_flight_and_gaps);
	RUN(test_retry_after_date);
	if (!ts_tmpdir(tmp, sizeof tmp))
		return 1;
	/* a server without rate limit: the crawl, private pages and duplicates, --stats */
	snprintf(expect_path, sizeof expect_path, "%s/expect-crawl.txt", tmp);
	snprintf(stats_path, sizeof stats_path, "%s/stats.json", tmp);
	const char *a1[] = {"--hosts", "4", "--site", "12", "--expect", expect_path,
			    "--stats", stats_path, NULL};
	if (!ts_spawn(&srv, a1))
		return 1;
	RUN(test_crawl_matches_expect);
	RUN(test_private_and_duplicates);
	CHECK_INT(ts_stop(&srv, SIGTERM), 0);
	RUN(check_stats_file);
	/* one with --rate-limit 3 and a Crawl-delay */
	snprintf(expect_path, sizeof expect_path, "%s/expect.txt", tmp);
	const char *a2[] = {"--hosts", "4", "--site", "12", "--rate-limit", "3",
			    "--crawl-delay", "0.5", "--expect", expect_path, NULL};
	if (!ts_spawn(&srv, a2))
		return 1;
	RUN(test_robots);
	RUN(test_sitemaps);
	RUN(test_rate_limit);
	CHECK_INT(ts_stop(&srv, SIGTERM), 0);
	ts_rmtree(tmp);
	curl_global_cleanup();
	return check_report();
}
