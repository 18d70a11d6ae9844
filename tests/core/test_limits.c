/*
 * test_limits.c -- the crawl's limits on fake webs built to trip them: each trap stops where
 * its limit says, with a record naming why, and every ordinary page is still fetched. Every
 * engine, since admission runs under each engine's own locking.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft.h>
#include <weft/fake.h>

#include "check.h"

/* Records of one crawl, by kind. */
struct collect {
	struct weft_reporter base;
	int fetched;
	int skipped_by[8];       /* by reason, index of reasons[] */
	char last_msg[200];      /* error_msg of the last skip */
	int errors[WEFT_FE_OTHER + 1];
	size_t links_kept;       /* of the page named in probe */
	size_t links_dropped;
	const char *probe;
	char *seen[4096];        /* URLs of fetched records, to find doubles */
	int n_seen;
	int doubles;
};

static const char *const reasons[] = { "url-too-long", "trap", "host-limit", "max-time",
				       "scope", "max-pages", "depth", "robots" };

static int on_record(struct weft_reporter *r, const struct weft_record *rec)
{
	struct collect *c = (struct collect *)r;
	if (rec->skipped) {
		for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
			if (strcmp(rec->skipped, reasons[i]) == 0)
				c->skipped_by[i]++;
		snprintf(c->last_msg, sizeof(c->last_msg), "%s",
			 rec->error_msg ? rec->error_msg : "");
		return 0;
	}
	c->fetched++;
	c->errors[rec->error]++;
	for (int i = 0; i < c->n_seen; i++)
		c->doubles += strcmp(c->seen[i], rec->url) == 0;
	if (c->n_seen < 4096)
		c->seen[c->n_seen++] = strdup(rec->url);
	if (c->probe && strcmp(rec->url, c->probe) == 0) {
		c->links_kept = rec->n_links;
		c->links_dropped = rec->links_dropped;
	}
	return 0;
}

static void no_destroy(struct weft_reporter *r)
{
	(void)r;
}

static const struct weft_reporter_ops ops = { .name = "collect", .record = on_record,
					      .destroy = no_destroy };

static int skips(const struct collect *c, const char *why)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(reasons[i], why) == 0)
			return c->skipped_by[i];
	return -1;
}

static void page(struct weft_fakeweb *w, const char *url, const char *const *links, size_t n)
{
	struct weft_fakepage p = { .url = url, .links = links, .n_links = n };
	if (weft_fakeweb_add(w, &p) != WEFT_OK)
		CHECK_FAIL("adding %s", url);
}

/* Crawl w from seed with cfg (engine set by the caller); records into *col. */
static int crawl(struct weft_fakeweb *w, struct weft_config *cfg, const char *seed,
		 struct collect *col)
{
	struct weft_fetcher *f = NULL;
	struct weft_crawl *c = NULL;
	char err[256] = "";
	col->base.ops = &ops;
	int rc = weft_fetcher_fake(&f, w);
	if (rc == WEFT_OK)
		rc = weft_crawl_new(&c, cfg, f, err, sizeof(err));
	if (rc == WEFT_OK && (rc = weft_crawl_add_seed(c, seed)) == WEFT_OK &&
	    (rc = weft_crawl_add_reporter(c, &col->base)) == WEFT_OK)
		rc = weft_crawl_run(c);
	if (rc)
		CHECK_FAIL("crawl: %s %s", weft_strerror(rc), err);
	weft_crawl_free(&c);
	weft_fetcher_free(&f);
	return rc;
}

static void collect_free(struct collect *c)
{
	for (int i = 0; i < c->n_seen; i++)
		free(c->seen[i]);
}

static const char *engines[] = { "serial", "mutex", "channel", "pool", "event" };
#define N_ENGINES (sizeof(engines) / sizeof(engines[0]))

/* A long URL, deep and repeating paths: skipped when found, with the limit in the message. */
static void test_shape(void)
{
	char *longu = malloc(6000);
	REQUIRE(longu);
	strcpy(longu, "http://s.test/");
	memset(longu + 14, 'x', 5000);
	longu[5014] = '\0';
	char deep[400] = "http://s.test";
	for (int i = 0; i < 40; i++)
		strcat(deep, "/d");
	for (int i = 0; i < 40; i++) /* A..Z, A..N: each at most twice, so only the count trips */
		deep[14 + 2 * i] = (char)('A' + i % 26);
	const char *links[] = { longu, "http://s.test/x/y/x/y/x/y/x/y", "http://s.test/x/y/x/y",
				"http://s.test/ok", deep };
	for (size_t e = 0; e < N_ENGINES; e++) {
		struct weft_fakeweb *w = NULL;
		REQUIRE(weft_fakeweb_new(&w) == WEFT_OK);
		page(w, "http://s.test/", links, 5);
		page(w, "http://s.test/ok", NULL, 0);
		page(w, "http://s.test/x/y/x/y", NULL, 0);
		struct weft_config cfg;
		weft_config_init(&cfg);
		cfg.engine = engines[e];
		struct collect col = { 0 };
		crawl(w, &cfg, "http://s.test/", &col);
		CHECK_INT(col.fetched, 3); /* /, /ok, /x/y/x/y (each segment twice: fine) */
		CHECK_INT(skips(&col, "url-too-long"), 1);
		CHECK_INT(skips(&col, "trap"), 2); /* x four times; 40 segments */
		collect_free(&col);
		/* 0 turns each limit off: all five links are fetched (two are missing pages) */
		cfg.max_url_len = 0;
		cfg.max_repeats = 0;
		cfg.max_path_segments = 0;
		struct collect off = { 0 };
		crawl(w, &cfg, "http://s.test/", &off);
		CHECK_INT(off.fetched, 6);
		CHECK_INT(off.errors[WEFT_FE_MISSING], 3);
		collect_free(&off);
		weft_fakeweb_free(&w);
	}
	free(longu);
}

/*
 * An endless calendar: /cal/N links to /cal/N+1 and /cal/N-1 forever (pages are made on the
 * fly: a fake web is finite, so this one has 3,000 months, far beyond the limit of 100).
 */
static struct weft_fakeweb *calendar_web(int months, int hosts_pages)
{
	struct weft_fakeweb *w = NULL;
	if (weft_fakeweb_new(&w) != WEFT_OK)
		return NULL;
	char url[64], prev[64], next[64], other[64], mid[64];
	snprintf(mid, sizeof(mid), "http://c.test/cal/%d", months / 2);
	const char *seed_links[] = { mid, "http://c.test/about", "http://c.test/p/aa" };
	page(w, "http://c.test/", seed_links, 3);
	page(w, "http://c.test/about", NULL, 0);
	for (int m = 0; m < months; m++) {
		snprintf(url, sizeof(url), "http://c.test/cal/%d", m);
		snprintf(prev, sizeof(prev), "http://c.test/cal/%d", m - 1);
		snprintf(next, sizeof(next), "http://c.test/cal/%d", m + 1);
		const char *l[] = { prev, next };
		page(w, url, l, 2);
	}
	for (int i = 0; i < hosts_pages; i++) { /* a chain of ordinary pages, letters only */
		snprintf(url, sizeof(url), "http://c.test/p/%c%c", 'a' + i / 26, 'a' + i % 26);
		snprintf(other, sizeof(other), "http://c.test/p/%c%c", 'a' + (i + 1) / 26,
			 'a' + (i + 1) % 26);
		const char *l[] = { other };
		page(w, url, l, 1);
	}
	return w;
}

static void test_similar(void)
{
	struct weft_fakeweb *w = calendar_web(3000, 0);
	REQUIRE(w);
	for (size_t e = 0; e < N_ENGINES; e++) {
		struct weft_config cfg;
		weft_config_init(&cfg);
		cfg.engine = engines[e];
		cfg.max_similar = 100;
		struct collect col = { 0 };
		crawl(w, &cfg, "http://c.test/", &col);
		/* /, /about, 100 months, and /p/aa (missing: its own pattern) */
		CHECK_INT(col.fetched, 103);
		CHECK(skips(&col, "trap") >= 1);
		CHECK(strstr(col.last_msg, "--max-similar 100") != NULL);
		CHECK_INT(col.doubles, 0);
		collect_free(&col);
	}
	weft_fakeweb_free(&w);
}

static void test_per_host(void)
{
	struct weft_fakeweb *w = calendar_web(10, 100);
	REQUIRE(w);
	for (size_t e = 0; e < N_ENGINES; e++) {
		struct weft_config cfg;
		weft_config_init(&cfg);
		cfg.engine = engines[e];
		cfg.max_pages_per_host = 50;
		struct collect col = { 0 };
		crawl(w, &cfg, "http://c.test/", &col);
		CHECK_INT(col.fetched, 51); /* the seed is not counted: the user named it */
		CHECK(skips(&col, "host-limit") >= 1);
		collect_free(&col);
	}
	weft_fakeweb_free(&w);
}

static void test_max_links(void)
{
	static char urls[60][40];
	const char *links[60];
	struct weft_fakeweb *w = NULL;
	REQUIRE(weft_fakeweb_new(&w) == WEFT_OK);
	for (int i = 0; i < 60; i++) {
		snprintf(urls[i], sizeof(urls[i]), "http://m.test/%c%c", 'a' + i / 26, 'a' + i % 26);
		links[i] = urls[i];
		page(w, urls[i], NULL, 0);
	}
	page(w, "http://m.test/", links, 60);
	for (size_t e = 0; e < N_ENGINES; e++) {
		struct weft_config cfg;
		weft_config_init(&cfg);
		cfg.engine = engines[e];
		cfg.max_links = 20;
		struct collect col = { .probe = "http://m.test/" };
		crawl(w, &cfg, "http://m.test/", &col);
		CHECK_INT(col.links_kept, 20);
		CHECK_INT(col.links_dropped, 40);
		CHECK_INT(col.fetched, 21); /* the page and the 20 links it kept */
		collect_free(&col);
	}
	weft_fakeweb_free(&w);
}

/* A chain of 5 redirects: an error at the hop that passes --max-redirects 3. */
static void test_redirects(void)
{
	struct weft_fakeweb *w = NULL;
	REQUIRE(weft_fakeweb_new(&w) == WEFT_OK);
	const char *l[] = { "http://r.test/r0" };
	page(w, "http://r.test/", l, 1);
	char from[32], to[32];
	for (int i = 0; i < 5; i++) {
		snprintf(from, sizeof(from), "http://r.test/r%d", i);
		snprintf(to, sizeof(to), "http://r.test/r%d", i + 1);
		struct weft_fakepage p = { .url = from, .redirect = to };
		weft_fakeweb_add(w, &p);
	}
	page(w, "http://r.test/r5", NULL, 0);
	for (size_t e = 0; e < N_ENGINES; e++) {
		struct weft_config cfg;
		weft_config_init(&cfg);
		cfg.engine = engines[e];
		cfg.max_redirects = 3;
		struct collect col = { 0 };
		crawl(w, &cfg, "http://r.test/", &col);
		/* on r3, whose redirect would be hop 4, and on r0, where the chain starts */
		CHECK_INT(col.errors[WEFT_FE_TOO_MANY_REDIRECTS], 2);
		CHECK_INT(col.fetched, 5); /* /, r0..r3; r4 is never requested */
		collect_free(&col);
		cfg.max_redirects = 10;
		struct collect ok = { 0 };
		crawl(w, &cfg, "http://r.test/", &ok);
		CHECK_INT(ok.errors[WEFT_FE_TOO_MANY_REDIRECTS], 0);
		CHECK_INT(ok.fetched, 7);
		collect_free(&ok);
	}
	weft_fakeweb_free(&w);
}

/*
 * --max-time: a long chain of slow pages stops starting new fetches once the time is up;
 * every URL that was found still ends with a record (fetched, or skipped "max-time").
 */
static void test_max_time(void)
{
	struct weft_fakeweb *w = NULL;
	REQUIRE(weft_fakeweb_new(&w) == WEFT_OK);
	char url[40], next[40];
	for (int i = 0; i < 400; i++) {
		snprintf(url, sizeof(url), "http://t.test/%c%c", 'a' + i / 26, 'a' + i % 26);
		snprintf(next, sizeof(next), "http://t.test/%c%c", 'a' + (i + 1) / 26,
			 'a' + (i + 1) % 26);
		const char *l[] = { next };
		struct weft_fakepage p = { .url = url, .links = l, .n_links = 1,
					   .delay_us = 10000 };
		weft_fakeweb_add(w, &p);
	}
	for (size_t e = 0; e < N_ENGINES; e++) {
		struct weft_config cfg;
		weft_config_init(&cfg);
		cfg.engine = engines[e];
		cfg.max_time = 0.3; /* about 30 of the 400 pages */
		struct collect col = { 0 };
		crawl(w, &cfg, "http://t.test/aa", &col);
		CHECK(col.fetched >= 1 && col.fetched < 400);
		CHECK_INT(skips(&col, "max-time"), 1); /* a chain: one URL found and not started */
		collect_free(&col);
	}
	weft_fakeweb_free(&w);
}

static void test_bad_config(void)
{
	struct weft_fakeweb *w = NULL;
	struct weft_fetcher *f = NULL;
	struct weft_crawl *c = NULL;
	char err[256] = "";
	REQUIRE(weft_fakeweb_new(&w) == WEFT_OK && weft_fetcher_fake(&f, w) == WEFT_OK);
	struct weft_config cfg;
	weft_config_init(&cfg);
	cfg.max_similar = -1;
	CHECK_INT(weft_crawl_new(&c, &cfg, f, err, sizeof(err)), WEFT_E_INVAL);
	CHECK(strstr(err, "limits") != NULL);
	weft_config_init(&cfg);
	cfg.max_time = -2;
	CHECK_INT(weft_crawl_new(&c, &cfg, f, err, sizeof(err)), WEFT_E_INVAL);
	weft_config_init(&cfg); /* the defaults bound an infinite URL space */
	CHECK(cfg.max_similar > 0 && cfg.max_repeats > 0 && cfg.max_path_segments > 0 &&
	      cfg.max_url_len > 0 && cfg.max_links > 0 && cfg.max_redirects > 0);
	weft_fetcher_free(&f);
	weft_fakeweb_free(&w);
}

int main(void)
{
	RUN(test_shape);
	RUN(test_similar);
	RUN(test_per_host);
	RUN(test_max_links);
	RUN(test_redirects);
	RUN(test_max_time);
	RUN(test_bad_config);
	return check_report();
}
