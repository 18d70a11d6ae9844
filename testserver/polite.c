/*
 * polite.c -- the generated many-host site (--hosts N --site M), for politeness tests.
 *
 * Every host i in 1..N (addresses: hosts.c) serves the same layout; host 0 (127.0.0.1,
 * the control host) serves only /_test/ and answers 404 elsewhere. ORIGIN below is
 * "http://ADDR:PORT" of the host itself, S = M/5 + 1.
 *
 *   /                 home: links /p/0, the next host's / (absolute URL; host N links
 *                     host 1, so from any / every host is reached), /private/0
 *   /p/<i>, i < M     links / , /p/<2i+1> and /p/<2i+2> (a tree: every page is reached
 *                     from /p/0), two hash-chosen pages of the same host, one
 *                     hash-chosen page of another host (absolute URL), /private/<i> and,
 *                     on even i, /private/<M+i>. A quarter of same-host links are written
 *                     as absolute URLs of the host itself.
 *   /s/<j>, j < S     linked from nowhere, listed only in the sitemap; links /, /p/<j%M>
 *                     and /private/<j>
 *   /private/<k>      200 HTML linking /private/<2k+1> and /private/<2k+2> (any other
 *                     /private/ path links /private/0): robots.txt disallows /private/,
 *                     so a polite crawler requests none of them
 *   /robots.txt       User-agent: *, Disallow: /private/, [Crawl-delay: D],
 *                     Sitemap: ORIGIN/sitemap.xml
 *   /sitemap.xml      sitemap index: ORIGIN/sitemap-a.xml and ORIGIN/sitemap-b.xml.gz
 *   /sitemap-a.xml    urlset: / and /p/0 .. /p/<ceil(M/2)-1>
 *   /sitemap-b.xml.gz gzip-compressed urlset (application/gzip, no Content-Encoding):
 *                     the other /p/ pages and every /s/ page
 * Page ids are canonical decimals ("/p/07" is 404). The whole site is a pure function of
 * (N, M, seed, port); only the gzip sitemaps are cached (built on first request and
 * published with an atomic pointer per host), everything else is rendered per request.
 */
#include "ts.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct polite {
	unsigned nhosts;
	uint32_t pages;			/* M */
	uint32_t spages;		/* S */
	uint64_t seed;
	const char *crawl_delay;	/* verbatim, or NULL */
	unsigned port;
	_Atomic(struct MHD_Response *) *gz;	/* by host */
};

struct polite *polite_new(unsigned nhosts, uint32_t pages, uint64_t seed,
			  const char *crawl_delay)
{
	struct polite *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->gz = calloc(nhosts + 1, sizeof *p->gz);
	if (!p->gz) {
		free(p);
		return NULL;
	}
	p->nhosts = nhosts;
	p->pages = pages;
	p->spages = pages / 5 + 1;
	p->seed = seed;
	p->crawl_delay = crawl_delay;
	return p;
}

/* Call before any request can arrive (the port goes into absolute URLs). */
void polite_set_port(struct polite *p, unsigned port)
{
	p->port = port;
}

void polite_free(struct polite *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i <= p->nhosts; i++) {
		struct MHD_Response *r = atomic_load(&p->gz[i]);
		if (r)
			MHD_destroy_response(r);
	}
	free(p->gz);
	free(p);
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t hash4(const struct polite *p, uint64_t a, uint64_t b, uint64_t c)
{
	return mix(mix(mix(p->seed ^ a) ^ b) ^ c);
}

static void origin(const struct polite *p, unsigned host, char *buf, size_t len)
{
	char name[32];
	hosts_name(host, name, sizeof name);
	snprintf(buf, len, "http://%s:%u", name, p->port);
}

/* ---- URL parsing ----------------------------------------------------------------- */

enum pkind { PK_NONE, PK_HOME, PK_PAGE, PK_SPAGE, PK_PRIVATE, PK_ROBOTS, PK_INDEX,
	     PK_SITEMAP_A, PK_SITEMAP_B };

static enum pkind parse(const struct polite *p, const char *path, uint32_t *id)
{
	static const struct { const char *path; enum pkind k; } fixed[] = {
		{"/", PK_HOME}, {"/robots.txt", PK_ROBOTS}, {"/sitemap.xml", PK_INDEX},
		{"/sitemap-a.xml", PK_SITEMAP_A}, {"/sitemap-b.xml.gz", PK_SITEMAP_B},
	};
	*id = 0;
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		if (strcmp(path, fixed[i].path) == 0)
			return fixed[i].k;
	if (ts_has_prefix(path, "/p/") && ts_parse_id(path + 3, "", id) && *id < p->pages)
		return PK_PAGE;
	if (ts_has_prefix(path, "/s/") && ts_parse_id(path + 3, "", id) && *id < p->spages)
		return PK_SPAGE;
	if (ts_has_prefix(path, "/private/")) {
		if (!ts_parse_id(path + 9, "", id) || *id > UINT32_MAX / 2 - 1)
			*id = UINT32_MAX; /* "links /private/0" */
		return PK_PRIVATE;
	}
	return PK_NONE;
}

/* A normal page of a site host (/, /p/<i>, /s/<j>): what the rate limit counts. */
bool polite_is_page(const struct polite *p, unsigned host, const char *path)
{
	uint32_t id;
	enum pkind k = parse(p, path, &id);
	return host > 0 && (k == PK_HOME || k == PK_PAGE || k == PK_SPAGE);
}

/* ---- HTML pages ------------------------------------------------------------------ */

static void head(struct sb *b, unsigned host, const char *title)
{
	sb_printf(b, "<!DOCTYPE html>\n<html><head><title>Host %u: %s</title></head>\n"
		     "<body><h1>Host %u: %s</h1>\n<p>A page of the politeness test site.</p>\n"
		     "<ul>\n", host, title, host, title);
}

/* A same-host link; a quarter of them (by hash) written as an absolute URL. */
static void link_local(const struct polite *p, struct sb *b, unsigned host, uint64_t h,
		       const char *path)
{
	char o[64] = "";
	if ((h & 3) == 0)
		origin(p, host, o, sizeof o);
	sb_printf(b, "<li><a href=\"%s%s\">%s</a></li>\n", o, path, path);
}

static void link_page(const struct polite *p, struct sb *b, unsigned host, uint64_t h,
		      uint32_t i)
{
	char path[32];
	snprintf(path, sizeof path, "/p/%u", i);
	link_local(p, b, host, h, path);
}

static void link_private(struct sb *b, uint64_t k)
{
	sb_printf(b, "<li><a href=\"/private/%llu\">private %llu</a></li>\n",
		  (unsigned long long)k, (unsigned long long)k);
}

/* An absolute link to path on another host. */
static void link_remote(const struct polite *p, struct sb *b, unsigned host, const char *path)
{
	char o[64];
	origin(p, host, o, sizeof o);
	sb_printf(b, "<li><a href=\"%s%s\">host %u %s</a></li>\n", o, path, host, path);
}

static void render_home(const struct polite *p, struct sb *b, unsigned host)
{
	head(b, host, "home");
	link_page(p, b, host, hash4(p, host, 0, 100), 0);
	link_remote(p, b, host % p->nhosts + 1, "/");
	link_private(b, 0);
}

/* Page i: home, tree children, two same-host and one other-host hash links, private. */
static void render_page(const struct polite *p, struct sb *b, unsigned host, uint32_t i)
{
	char title[32], path[32];
	snprintf(title, sizeof title, "page %u", i);
	head(b, host, title);
	link_local(p, b, host, hash4(p, host, i, 0), "/");
	for (uint64_t c = 2 * (uint64_t)i + 1; c <= 2 * (uint64_t)i + 2; c++)
		if (c < p->pages)
			link_page(p, b, host, hash4(p, host, i, c), (uint32_t)c);
	for (unsigned k = 0; k < 2; k++) {
		uint64_t h = hash4(p, host, i, 10 + k);
		link_page(p, b, host, h >> 8, (uint32_t)(h % p->pages));
	}
	if (p->nhosts > 1) {
		uint64_t h = hash4(p, host, i, 20);
		unsigned other = (unsigned)((host + h % (p->nhosts - 1)) % p->nhosts) + 1;
		snprintf(path, sizeof path, "/p/%u", (uint32_t)((h >> 20) % p->pages));
		link_remote(p, b, other, path);
	}
	link_private(b, i);
	if (i % 2 == 0)
		link_private(b, (uint64_t)p->pages + i);
}

static void render_spage(const struct polite *p, struct sb *b, unsigned host, uint32_t j)
{
	char title[32];
	snprintf(title, sizeof title, "sitemap-only page %u", j);
	head(b, host, title);
	link_local(p, b, host, hash4(p, host, j, 30), "/");
	link_page(p, b, host, hash4(p, host, j, 31), j % p->pages);
	link_private(b, j);
}

static void render_private(const struct polite *p, struct sb *b, unsigned host, uint32_t k)
{
	head(b, host, "private");
	(void)p;
	if (k == UINT32_MAX) {
		link_private(b, 0);
		return;
	}
	link_private(b, 2 * (uint64_t)k + 1);
	link_private(b, 2 * (uint64_t)k + 2);
}

/* ---- robots.txt and sitemaps ----------------------------------------------------- */

static void render_robots(const struct polite *p, struct sb *b, unsigned host)
{
	char o[64];
	origin(p, host, o, sizeof o);
	sb_puts(b, "User-agent: *\nDisallow: /private/\n");
	if (p->crawl_delay)
		sb_printf(b, "Crawl-delay: %s\n", p->crawl_delay);
	sb_printf(b, "\nSitemap: %s/sitemap.xml\n", o);
}

static void render_index(const struct polite *p, struct sb *b, unsigned host)
{
	char o[64];
	origin(p, host, o, sizeof o);
	sb_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n"
		     "  <sitemap><loc>%s/sitemap-a.xml</loc></sitemap>\n"
		     "  <sitemap><loc>%s/sitemap-b.xml.gz</loc></sitemap>\n"
		     "</sitemapindex>\n", o, o);
}

/* Sitemap a (second = false): / and the first half of /p/; b: the rest and /s/. */
static void render_urlset(const struct polite *p, struct sb *b, unsigned host, bool second)
{
	char o[64];
	uint32_t half = (p->pages + 1) / 2;
	origin(p, host, o, sizeof o);
	sb_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
	if (!second)
		sb_printf(b, "  <url><loc>%s/</loc></url>\n", o);
	for (uint32_t i = second ? half : 0; i < (second ? p->pages : half); i++)
		sb_printf(b, "  <url><loc>%s/p/%u</loc></url>\n", o, i);
	for (uint32_t j = 0; second && j < p->spages; j++)
		sb_printf(b, "  <url><loc>%s/s/%u</loc></url>\n", o, j);
	sb_puts(b, "</urlset>\n");
}

/* The gzip sitemap of host, built once and shared (a lost race frees its copy). */
static struct MHD_Response *gz_sitemap(struct polite *p, unsigned host)
{
	struct MHD_Response *r = atomic_load(&p->gz[host]), *expected = NULL;
	struct sb b = {0};
	void *gz = NULL;
	size_t gz_len = 0;
	if (r)
		return r;
	render_urlset(p, &b, host, true);
	if (b.oom || !ts_gzip(b.p, b.len, &gz, &gz_len))
		goto out;
	r = MHD_create_response_from_buffer(gz_len, gz, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(gz);
		goto out;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/gzip");
	if (!atomic_compare_exchange_strong(&p->gz[host], &expected, r)) {
		MHD_destroy_response(r);
		r = expected;
	}
out:
	sb_free(&b);
	return r;
}

/* ---- dispatch -------------------------------------------------------------------- */

/* Render the body of a text kind into b; returns its content type. */
static const char *render(struct polite *p, enum pkind k, uint32_t id, unsigned host,
			  struct sb *b)
{
	switch (k) {
	case PK_HOME: render_home(p, b, host); break;
	case PK_PAGE: render_page(p, b, host, id); break;
	case PK_SPAGE: render_spage(p, b, host, id); break;
	case PK_PRIVATE: render_private(p, b, host, id); break;
	case PK_ROBOTS: render_robots(p, b, host); return "text/plain";
	case PK_INDEX: render_index(p, b, host); return "application/xml";
	case PK_SITEMAP_A: render_urlset(p, b, host, false); return "application/xml";
	default: break;
	}
	sb_puts(b, "</ul>\n</body></html>\n");
	return TS_HTML;
}

/* Answer path on host (1..N; host 0 has only /_test/). */
bool polite_handle(struct polite *p, unsigned host, const char *path, struct ts_reply *r)
{
	uint32_t id;
	enum pkind k = host ? parse(p, path, &id) : PK_NONE;
	struct sb b = {0};
	if (k == PK_NONE)
		return ts_html_reply(r, 404, "Not Found", "No such page on this host.");
	r->status = 200;
	if (k == PK_SITEMAP_B) {
		r->resp = gz_sitemap(p, host);
		r->shared = true;
		return r->resp != NULL;
	}
	const char *ctype = render(p, k, id, host, &b);
	r->resp = ts_resp_sb(&b, ctype);
	return r->resp != NULL;
}

/* ---- --expect -------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every page URL of every site host (/, /p/, /s/) into list; returns the count. */
static size_t all_pages(const struct polite *p, char **list)
{
	size_t n = 0;
	char o[64], url[96];
	for (unsigned h = 1; h <= p->nhosts; h++) {
		origin(p, h, o, sizeof o);
		snprintf(url, sizeof url, "%s/", o);
		list[n++] = strdup(url);
		for (uint32_t i = 0; i < p->pages; i++) {
			snprintf(url, sizeof url, "%s/p/%u", o, i);
			list[n++] = strdup(url);
		}
		for (uint32_t j = 0; j < p->spages; j++) {
			snprintf(url, sizeof url, "%s/s/%u", o, j);
			list[n++] = strdup(url);
		}
	}
	return n;
}

/*
 * --expect FILE: the page URLs a correct polite crawl requests -- every /, /p/ and /s/
 * page of every site host, no /private/ -- sorted (byte order), one per line. (It also
 * requests each host's robots.txt and sitemaps; those are not listed.)
 */
int polite_write_expect(const struct polite *p, const char *file)
{
	size_t cap = (size_t)p->nhosts * (1 + p->pages + p->spages), n;
	char **list = calloc(cap, sizeof *list);
	FILE *f = NULL;
	int rc = -1;
	if (!list)
		return -1;
	n = all_pages(p, list);
	for (size_t i = 0; i < n; i++)
		if (!list[i])
			goto out;
	qsort(list, n, sizeof *list, cmp_str);
	f = fopen(file, "w");
	if (!f)
		goto out;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\n", list[i]);
	rc = fclose(f) == 0 ? 0 : -1;
	fprintf(stderr, TS_PROG ": expect: %u hosts, %zu pages (%s)\n", p->nhosts, n, file);
out:
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return rc;
}
