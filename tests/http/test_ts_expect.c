/*
 * test_ts_expect.c -- proves weft-testserver's --expect file right: the test crawls the
 * generated site itself over HTTP (libcurl, hrefs found with a regular expression, URLs
 * resolved here with RFC 3986 dot-segment removal) under the documented policy, writes
 * the same JSON lines and compares them with the server's file, line by line.
 *
 * Policy (as in testserver/README.md): each distinct URL (fragment removed) is fetched
 * once; only 200 text/html bodies are parsed; redirect targets are fetched at the same
 * depth, at most 10 hops; depth is the link distance, each level closed under redirects
 * before the next level's links.
 */
#include "../harness/check.h"
#include "ts_client.h"

#include <regex.h>
#include <signal.h>

struct item {
	char *url;
	unsigned depth, hops;
	long status;
	char ctype[128];
	char *redirect;	/* resolved Location, or NULL */
	char *body;	/* 200 text/html only */
};

struct crawl {
	const char *base;
	struct item *items;
	size_t n, cap;
	regex_t href;
};

/* ---- URL resolution (just what an HTML crawler needs for these pages) ---- */

/* RFC 3986 remove_dot_segments on an absolute path, in place. */
static void remove_dots(char *path)
{
	char *seg[512];
	size_t n = 0;
	bool dir = false;
	char *save = NULL, *copy = strdup(path);
	if (!copy)
		return;
	for (char *s = strtok_r(copy + 1, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
		dir = strcmp(s, ".") == 0 || strcmp(s, "..") == 0;
		if (strcmp(s, "..") == 0 && n > 0)
			n--;
		else if (!dir && n < 512)
			seg[n++] = s;
	}
	size_t len = strlen(path);
	dir = dir || (len > 1 && path[len - 1] == '/');
	char *o = path;
	for (size_t i = 0; i < n; i++)
		o += sprintf(o, "/%s", seg[i]);
	if (dir || n == 0)
		*o++ = '/';
	*o = '\0';
	free(copy);
}

/* Resolve href against the absolute URL base; returns a new string without fragment. */
static char *resolve(const char *base, const char *href, size_t hl)
{
	static const char ws[] = " \t\n\r\f";
	char out[2048], rel[1024];
	while (hl && strchr(ws, *href))
		href++, hl--;
	while (hl && strchr(ws, href[hl - 1]))
		hl--;
	snprintf(rel, sizeof rel, "%.*s", (int)hl, href);
	rel[strcspn(rel, "#")] = '\0';
	const char *path0 = strchr(base + strlen("http://"), '/');
	int origin = (int)(path0 - base);
	if (strncmp(rel, "http://", 7) == 0) {
		snprintf(out, sizeof out, "%s", rel);
		path0 = strchr(out + 7, '/');
		origin = path0 ? (int)(path0 - out) : (int)strlen(out);
		snprintf(rel, sizeof rel, "%s", path0 ? path0 : "/");
		out[origin] = '\0';
		snprintf(out + origin, sizeof out - (size_t)origin, "%s", rel);
	} else if (rel[0] == '/') {
		snprintf(out, sizeof out, "%.*s%s", origin, base, rel);
	} else if (rel[0] == '\0') {
		snprintf(out, sizeof out, "%.*s", (int)strcspn(base, "#"), base);
	} else {
		const char *slash = strrchr(base, '/');
		snprintf(out, sizeof out, "%.*s%s", (int)(slash - base + 1), base, rel);
	}
	remove_dots(out + origin);
	return strdup(out);
}

/* ---- the crawl ---- */

static struct item *find(struct crawl *c, const char *url)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->items[i].url, url) == 0)
			return &c->items[i];
	return NULL;
}

/* Add url (taking ownership) unless known; false if it was known. */
static bool add(struct crawl *c, char *url, unsigned depth, unsigned hops)
{
	if (find(c, url)) {
		free(url);
		return false;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 256;
		c->items = realloc(c->items, c->cap * sizeof *c->items);
	}
	c->items[c->n++] = (struct item){.url = url, .depth = depth, .hops = hops};
	return true;
}

static void fetch(struct item *it)
{
	struct http_resp r;
	http_get(it->url, NULL, &r);
	if (r.err != CURLE_OK)
		CHECK_FAIL("%s: curl error %d", it->url, (int)r.err);
	it->status = r.status;
	snprintf(it->ctype, sizeof it->ctype, "%s", r.ctype);
	if (r.status >= 300 && r.status < 400 && *r.location)
		it->redirect = resolve(it->url, r.location, strlen(r.location));
	if (r.status == 200 && strcmp(r.ctype, "text/html") == 0) {
		it->body = r.body;
		r.body = NULL;
	}
	http_resp_free(&r);
}

/* Queue every href of item i's body at depth d + 1. */
static void expand_links(struct crawl *c, size_t i, unsigned d)
{
	regmatch_t m[2];
	for (const char *p = c->items[i].body; p && regexec(&c->href, p, 2, m, 0) == 0;
	     p += m[0].rm_eo) {
		const char *v = p + m[1].rm_so + 1;
		size_t vl = (size_t)(m[1].rm_eo - m[1].rm_so - 2);
		char *url = resolve(c->items[i].url, v, vl);
		if (strncmp(url, c->base, strlen(c->base)) != 0)
			CHECK_FAIL("%s links off-site: %s", c->items[i].url, url);
		add(c, url, d + 1, 0);
	}
}

static void crawl_run(struct crawl *c)
{
	char root[128];
	size_t start = 0;
	snprintf(root, sizeof root, "%s/", c->base);
	add(c, strdup(root), 0, 0);
	for (unsigned d = 0; start < c->n; d++) {
		for (size_t i = start; i < c->n; i++) {
			fetch(&c->items[i]);
			if (c->items[i].redirect && c->items[i].hops < 10)
				add(c, strdup(c->items[i].redirect), d, c->items[i].hops + 1);
		}
		size_t end = c->n;
		for (size_t i = start; i < end; i++)
			expand_links(c, i, d);
		start = end;
	}
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The crawl as sorted JSON lines, in the server's format. */
static char **crawl_lines(struct crawl *c)
{
	char **lines = calloc(c->n + 1, sizeof *lines);
	for (size_t i = 0; i < c->n; i++) {
		struct item *it = &c->items[i];
		char buf[4400], red[2100] = "";
		if (it->redirect)
			snprintf(red, sizeof red, ", \"redirect\": \"%s\"", it->redirect);
		snprintf(buf, sizeof buf, "{\"url\": \"%s\", \"status\": %ld, \"content_type\": "
					  "\"%s\", \"depth\": %u%s}", it->url, it->status,
			 it->ctype, it->depth, red);
		lines[i] = strdup(buf);
	}
	qsort(lines, c->n, sizeof *lines, str_cmp);
	return lines;
}

static void crawl_free(struct crawl *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->items[i].url);
		free(c->items[i].redirect);
		free(c->items[i].body);
	}
	free(c->items);
	regfree(&c->href);
}

/* Compare the crawl with the expect file's lines. */
static void compare(char **lines, size_t n, char *file)
{
	size_t i = 0;
	for (char *save = NULL, *l = strtok_r(file, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save), i++) {
		if (i >= n) {
			CHECK_FAIL("expect has more lines than the crawl: %s", l);
			return;
		}
		if (strcmp(l, lines[i]) != 0) {
			CHECK_FAIL("line %zu differs:\n  expect: %s\n  crawl:  %s", i + 1, l,
				   lines[i]);
			return;
		}
	}
	CHECK_INT(i, n);
}

/* Serve a site, crawl it, compare with its --expect file. */
static void check_site(const char *n, const char *k, const char *seed)
{
	char tmp[256], path[300];
	struct ts_proc p;
	struct crawl c = {0};
	REQUIRE(ts_tmpdir(tmp, sizeof tmp));
	snprintf(path, sizeof path, "%s/e.jsonl", tmp);
	const char *args[] = {"--site", n, "--fanout", k, "--seed", seed, "--slow-ms", "5",
			      "--big-bytes", "30000", "--expect", path, NULL};
	REQUIRE(ts_spawn(&p, args));
	c.base = p.base;
	REQUIRE(regcomp(&c.href, "<a[[:space:]][^>]*href[[:space:]]*=[[:space:]]*"
				 "(\"[^\"]*\"|'[^']*')", REG_EXTENDED | REG_ICASE) == 0);
	crawl_run(&c);
	char **lines = crawl_lines(&c);
	char *file = check_slurp(path, NULL);
	if (file)
		compare(lines, c.n, file);
	else
		CHECK_FAIL("no expect file %s", path);
	fprintf(stderr, "site %s/%s/%s: %zu URLs crawled\n", n, k, seed, c.n);
	for (size_t i = 0; i < c.n; i++)
		free(lines[i]);
	free(lines);
	free(file);
	crawl_free(&c);
	CHECK_INT(ts_stop(&p, SIGTERM), 0);
	ts_rmtree(tmp);
}

static void test_resolve(void)
{
	char *u = resolve("http://h:1/p/3.html", "  ../p/7.html#x\n", 16);
	CHECK_STR(u, "http://h:1/p/7.html");
	free(u);
	u = resolve("http://h:1/", "../p/7.html", 11);
	CHECK_STR(u, "http://h:1/p/7.html");
	free(u);
	u = resolve("http://h:1/p/3.html", "../", 3);
	CHECK_STR(u, "http://h:1/");
	free(u);
	u = resolve("http://h:1/p/3.html", "#sec", 4);
	CHECK_STR(u, "http://h:1/p/3.html");
	free(u);
	u = resolve("http://h:1/chain/3", "4", 1);
	CHECK_STR(u, "http://h:1/chain/4");
	free(u);
}

static void test_site_small(void)
{
	check_site("20", "2", "5");
}

static void test_site_medium(void)
{
	check_site("300", "4", "11");
}

static void test_site_wide(void)
{
	check_site("1500", "10", "1");
}

int main(void)
{
	if (!getenv("WEFT_TESTSERVER"))
		return CHECK_SKIP;
	curl_global_init(CURL_GLOBAL_ALL);
	RUN(test_resolve);
	RUN(test_site_small);
	RUN(test_site_medium);
	RUN(test_site_wide);
	curl_global_cleanup();
	return check_report();
}
