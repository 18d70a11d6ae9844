/*
 * test_scope.c -- what a crawl follows: http(s) only (javascript:, mailto:, data:, ftp: are
 * recorded on the page but never fetched), the seeds' hosts by default, registrable domains
 * (Public Suffix List) with --scope domain, everything with any, --include/--exclude, and
 * --max-pages. Runs on a fake web, so it checks the scope logic and nothing else.
 */
#include <weft/fake.h>

#include "check.h"

struct collect {
	struct weft_reporter base;
	char urls[64][96];
	int n;
	size_t links_on_seed;
	char skipped[64][128]; /* "reason URL" of the skip records */
	int n_skipped;
};

static int on_record(struct weft_reporter *r, const struct weft_record *rec)
{
	struct collect *c = (struct collect *)r;
	if (rec->skipped) {
		if (c->n_skipped < 64)
			snprintf(c->skipped[c->n_skipped++], 128, "%s %s", rec->skipped, rec->url);
		return 0;
	}
	if (c->n < 64)
		snprintf(c->urls[c->n++], 96, "%s", rec->url);
	if (!rec->from)
		c->links_on_seed = rec->n_links;
	return 0;
}

static void no_destroy(struct weft_reporter *r)
{
	(void)r;
}

static const struct weft_reporter_ops ops = { .name = "c", .record = on_record,
					      .destroy = no_destroy };

static bool has(const struct collect *c, const char *url)
{
	for (int i = 0; i < c->n; i++)
		if (strcmp(c->urls[i], url) == 0)
			return true;
	return false;
}

static bool has_skip(const struct collect *c, const char *what)
{
	for (int i = 0; i < c->n_skipped; i++)
		if (strcmp(c->skipped[i], what) == 0)
			return true;
	return false;
}

static const char *const seed_links[] = {
	"http://www.example.co.uk/a", "https://shop.example.co.uk/b", "http://other.co.uk/c",
	"http://www.example.co.uk/skip/me", "javascript:alert(1)", "mailto:x@example.co.uk",
	"data:text/html,<a href=x>", "ftp://www.example.co.uk/f", "HTTP://WWW.EXAMPLE.CO.UK/a#x",
};

static struct weft_fakeweb *make_web(void)
{
	struct weft_fakeweb *w = NULL;
	if (weft_fakeweb_new(&w))
		return NULL;
	struct weft_fakepage seed = { .url = "http://www.example.co.uk/", .links = seed_links,
				      .n_links = sizeof(seed_links) / sizeof(seed_links[0]) };
	weft_fakeweb_add(w, &seed);
	const char *const deeper[] = { "http://www.example.co.uk/a/2" };
	struct weft_fakepage a = { .url = "http://www.example.co.uk/a", .links = deeper,
				   .n_links = 1 };
	weft_fakeweb_add(w, &a);
	return w;
}

static void crawl(struct collect *col, void (*tweak)(struct weft_config *))
{
	struct weft_fakeweb *w = make_web();
	struct weft_fetcher *f = NULL;
	struct weft_crawl *c = NULL;
	struct weft_config cfg;
	weft_config_init(&cfg);
	cfg.engine = "serial";
	tweak(&cfg);
	memset(col, 0, sizeof(*col));
	col->base.ops = &ops;
	if (!w || weft_fetcher_fake(&f, w) || weft_crawl_new(&c, &cfg, f, NULL, 0)) {
		CHECK_FAIL("setup");
	} else {
		weft_crawl_add_reporter(c, &col->base);
		weft_crawl_add_seed(c, "http://www.example.co.uk/");
		CHECK_INT(weft_crawl_run(c), WEFT_OK);
	}
	weft_crawl_free(&c);
	weft_fetcher_free(&f);
	weft_fakeweb_free(&w);
}

static void host_scope(struct weft_config *cfg)
{
	(void)cfg;
}

static void test_host_scope_and_schemes(void)
{
	struct collect c;
	crawl(&c, host_scope);
	CHECK_INT(c.n, 4); /* /, /a, /skip/me, /a/2 */
	CHECK(has(&c, "http://www.example.co.uk/a"));
	CHECK(has(&c, "http://www.example.co.uk/a/2"));
	CHECK(!has(&c, "https://shop.example.co.uk/b"));
	CHECK(!has(&c, "http://other.co.uk/c"));
	CHECK_INT(c.links_on_seed, 9); /* every link is on the record, followed or not */
	/* and every link not followed has a record saying why, once */
	CHECK(has_skip(&c, "scope https://shop.example.co.uk/b"));
	CHECK(has_skip(&c, "scope http://other.co.uk/c"));
	CHECK(has_skip(&c, "scope mailto:x@example.co.uk"));
	CHECK(has_skip(&c, "scope ftp://www.example.co.uk/f"));
	CHECK_INT(c.n_skipped, 6); /* b, c, javascript:, mailto:, data:, ftp: */
}

static void domain_scope(struct weft_config *cfg)
{
	cfg->scope = WEFT_SCOPE_DOMAIN;
}

static void test_domain_scope_uses_psl(void)
{
	struct collect c;
	crawl(&c, domain_scope);
	CHECK(has(&c, "https://shop.example.co.uk/b")); /* same registrable domain */
	CHECK(!has(&c, "http://other.co.uk/c"));        /* co.uk is a public suffix */
	CHECK_INT(c.n, 5);
}

static void any_scope(struct weft_config *cfg)
{
	cfg->scope = WEFT_SCOPE_ANY;
}

static void test_any_scope_still_http_only(void)
{
	struct collect c;
	crawl(&c, any_scope);
	CHECK_INT(c.n, 6);
	CHECK(has(&c, "http://other.co.uk/c"));
	for (int i = 0; i < c.n; i++)
		CHECK(strncmp(c.urls[i], "http", 4) == 0);
}

static const char *const excl[] = { "/skip/" };
static const char *const incl[] = { "example\\.co\\.uk/(a|$)" };

static void patterns(struct weft_config *cfg)
{
	cfg->exclude = excl;
	cfg->n_exclude = 1;
	cfg->include = incl;
	cfg->n_include = 1;
}

static void test_include_exclude(void)
{
	struct collect c;
	crawl(&c, patterns);
	CHECK(!has(&c, "http://www.example.co.uk/skip/me"));
	CHECK(has(&c, "http://www.example.co.uk/a/2"));
	CHECK_INT(c.n, 3);
}

static void two_pages(struct weft_config *cfg)
{
	cfg->max_pages = 2;
}

static void depth_zero(struct weft_config *cfg)
{
	cfg->max_depth = 0;
}

static void test_limits(void)
{
	struct collect c;
	crawl(&c, two_pages);
	CHECK_INT(c.n, 2);
	crawl(&c, depth_zero);
	CHECK_INT(c.n, 1);
}

int main(void)
{
	weft_global_init();
	RUN(test_host_scope_and_schemes);
	RUN(test_domain_scope_uses_psl);
	RUN(test_any_scope_still_http_only);
	RUN(test_include_exclude);
	RUN(test_limits);
	weft_global_cleanup();
	return check_report();
}
