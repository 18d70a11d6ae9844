/*
 * trap.c -- the hostile site (--hostile): a small ordinary site whose pages link to every
 * crawler trap, so one crawl from / meets them all.
 *
 * Ordinary pages: / and /ok/<i>.html for i = 1..TRAP_OK_PAGES (20). / links every ordinary
 * page and every trap; /ok/<i>.html links /, the next ordinary page and one trap. The traps
 * (README.md has the table): the /_test/ endpoints (slowloris, endless body, gzip bomb,
 * 100,000 links, 100,000-deep nesting, bad bytes in hrefs, a 1 MB href, wrong and missing
 * content types, binary as HTML, a cut connection, the blackhole), the absolute URLs of the
 * blackhole port, of the TLS port (--tls-cert) and of a host under .invalid, and the /trap/
 * tree served here:
 *
 *   /trap/loop/a, /trap/loop/b     301 to each other
 *   /trap/chain/<k>                302 to /trap/chain/<k+1> for k < 50; /trap/chain/50 is a page
 *   /trap/to-file, -ftp, -js       302 to file:///etc/passwd, ftp://127.0.0.1/pub/,
 *                                  javascript:alert(1)
 *   /trap/cal?y=Y&m=M              a month (1 <= Y <= 99999999, 1 <= M <= 12) linking the
 *                                  previous and the next month, forever: URLs differ only
 *                                  in their digits
 *   /trap/grow/<a/...>             any path: links "a/" (relative), so the path grows
 *   /trap/rep/<a/b/...>            links "b/" after an "a" segment, else "a/": /a/b/a/b/...
 *   /trap/deep/<s1/s2/...>         links "s<k+1>/" below k segments: distinct segments
 *   /trap/bad/..., /trap/long/...  a page without links (targets of the bad-bytes and
 *                                  long-URL pages)
 * Anything else is 404 (robots.txt too: everything is allowed).
 *
 * Threading: immutable after trap_new() (ports are set before the PORT line).
 */
#include "ts.h"

#include <stdlib.h>
#include <string.h>

struct trap_site {
	unsigned blackhole_port, tls_port;
};

static const char *const traps[] = {
	"/_test/slowloris",
	"/_test/huge?mb=0",
	"/_test/gzip-bomb",
	"/trap/loop/a",
	"/trap/chain/0",
	"/trap/to-file",
	"/trap/to-ftp",
	"/trap/to-js",
	"/trap/cal?y=2026&amp;m=12",
	"/trap/grow/a/",
	"/trap/rep/a/",
	"/trap/deep/s1/",
	"/_test/links?n=100000",
	"/_test/nested?depth=100000",
	"/_test/badbytes",
	"/_test/longurl",
	"/_test/type?ct=image/png",
	"/_test/notype",
	"/_test/binary",
	"/_test/cut?bytes=1000",
	"/_test/blackhole",
};
#define N_TRAPS (sizeof traps / sizeof traps[0])

struct trap_site *trap_new(void)
{
	return calloc(1, sizeof(struct trap_site));
}

void trap_set_ports(struct trap_site *t, unsigned blackhole, unsigned tls)
{
	t->blackhole_port = blackhole;
	t->tls_port = tls;
}

void trap_free(struct trap_site *t)
{
	free(t);
}

static bool page(struct ts_reply *r, struct sb *b, const char *title)
{
	struct sb whole = {0};
	sb_printf(&whole, "<!DOCTYPE html>\n<html><head><title>%s</title></head><body>\n<h1>%s</h1>\n",
		  title, title);
	if (b->p)
		sb_add(&whole, b->p, b->len);
	whole.oom |= b->oom;
	sb_puts(&whole, "</body></html>\n");
	sb_free(b);
	r->resp = ts_resp_sb(&whole, TS_HTML);
	r->status = 200;
	return r->resp != NULL;
}

static bool home(struct trap_site *t, struct ts_reply *r)
{
	struct sb b = {0};
	sb_puts(&b, "<h2>Ordinary pages</h2>\n<ul>\n");
	for (int i = 1; i <= TRAP_OK_PAGES; i++)
		sb_printf(&b, "<li><a href=\"/ok/%d.html\">page %d</a></li>\n", i, i);
	sb_puts(&b, "</ul>\n<h2>Traps</h2>\n<ul>\n");
	for (size_t i = 0; i < N_TRAPS; i++)
		sb_printf(&b, "<li><a href=\"%s\">trap %zu</a></li>\n", traps[i], i);
	if (t->blackhole_port)
		sb_printf(&b, "<li><a href=\"http://127.0.0.1:%u/\">blackhole</a></li>\n",
			  t->blackhole_port);
	if (t->tls_port)
		sb_printf(&b, "<li><a href=\"https://127.0.0.1:%u/\">self-signed TLS</a></li>\n",
			  t->tls_port);
	sb_puts(&b, "<li><a href=\"http://weft-trap.invalid/\">a host that does not resolve</a>"
		    "</li>\n</ul>\n");
	return page(r, &b, "The hostile web");
}

static bool ok_page(uint32_t i, struct ts_reply *r)
{
	struct sb b = {0};
	char title[32];
	sb_printf(&b, "<p><a href=\"/\">home</a> <a href=\"%u.html\">next</a> "
		      "<a href=\"%s\">a trap</a></p>\n",
		  i % TRAP_OK_PAGES + 1, traps[(i - 1) % N_TRAPS]);
	snprintf(title, sizeof title, "Ordinary page %u", i);
	return page(r, &b, title);
}

static bool leaf(struct ts_reply *r, const char *title)
{
	struct sb b = {0};
	sb_puts(&b, "<p>Nothing to follow here.</p>\n");
	return page(r, &b, title);
}

static bool one_link(struct ts_reply *r, const char *title, const char *href)
{
	struct sb b = {0};
	sb_printf(&b, "<p><a href=\"%s\">onwards</a></p>\n", href);
	return page(r, &b, title);
}

static bool calendar(struct MHD_Connection *c, struct ts_reply *r)
{
	const char *ys = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "y");
	const char *ms = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "m");
	uint64_t y, m;
	struct sb b = {0};
	char title[64];
	if (!ys || !ms || !ts_parse_u64(ys, 99999999, &y) || !ts_parse_u64(ms, 12, &m) || !y || !m)
		return ts_html_reply(r, 404, "Not Found", "No such month.");
	if (y > 1 || m > 1)
		sb_printf(&b, "<a href=\"/trap/cal?y=%llu&amp;m=%llu\">previous month</a>\n",
			  (unsigned long long)(m == 1 ? y - 1 : y),
			  (unsigned long long)(m == 1 ? 12 : m - 1));
	if (y < 99999999 || m < 12)
		sb_printf(&b, "<a href=\"/trap/cal?y=%llu&amp;m=%llu\">next month</a>\n",
			  (unsigned long long)(m == 12 ? y + 1 : y),
			  (unsigned long long)(m == 12 ? 1 : m + 1));
	snprintf(title, sizeof title, "Calendar %llu-%02llu", (unsigned long long)y,
		 (unsigned long long)m);
	return page(r, &b, title);
}

/* The number of segments of a path ending in '/' (after the prefix), and its last one. */
static size_t segments(const char *p, const char **last, size_t *last_len)
{
	size_t n = 0;
	*last = p;
	*last_len = 0;
	while (*p) {
		size_t k = strcspn(p, "/");
		if (k) {
			n++;
			*last = p;
			*last_len = k;
		}
		p += k + (p[k] == '/');
	}
	return n;
}

bool trap_handle(struct trap_site *t, struct MHD_Connection *c, const char *path,
		 struct ts_reply *r)
{
	uint64_t k;
	uint32_t id;
	char to[64];
	const char *last;
	size_t last_len;
	if (strcmp(path, "/") == 0)
		return home(t, r);
	if (ts_has_prefix(path, "/ok/") && ts_parse_id(path + 4, ".html", &id) && id >= 1 &&
	    id <= TRAP_OK_PAGES)
		return ok_page(id, r);
	if (strcmp(path, "/trap/loop/a") == 0)
		return ts_redirect_reply(r, 301, "b");
	if (strcmp(path, "/trap/loop/b") == 0)
		return ts_redirect_reply(r, 301, "/trap/loop/a");
	if (ts_has_prefix(path, "/trap/chain/") && ts_parse_u64(path + 12, 50, &k)) {
		if (k == 50)
			return leaf(r, "The end of the chain");
		snprintf(to, sizeof to, "/trap/chain/%llu", (unsigned long long)k + 1);
		return ts_redirect_reply(r, 302, to);
	}
	if (strcmp(path, "/trap/to-file") == 0)
		return ts_redirect_reply(r, 302, "file:///etc/passwd");
	if (strcmp(path, "/trap/to-ftp") == 0)
		return ts_redirect_reply(r, 302, "ftp://127.0.0.1/pub/");
	if (strcmp(path, "/trap/to-js") == 0)
		return ts_redirect_reply(r, 302, "javascript:alert(1)");
	if (strcmp(path, "/trap/cal") == 0)
		return calendar(c, r);
	if (ts_has_prefix(path, "/trap/grow/"))
		return one_link(r, "Growing", "a/");
	if (ts_has_prefix(path, "/trap/rep/")) {
		segments(path + 10, &last, &last_len);
		return one_link(r, "Repeating", last_len == 1 && *last == 'a' ? "b/" : "a/");
	}
	if (ts_has_prefix(path, "/trap/deep/")) {
		snprintf(to, sizeof to, "s%zu/", segments(path + 11, &last, &last_len) + 1);
		return one_link(r, "Deeper", to);
	}
	if (ts_has_prefix(path, "/trap/bad/") || ts_has_prefix(path, "/trap/long/"))
		return leaf(r, "A target");
	return ts_html_reply(r, 404, "Not Found", "Not part of the hostile site.");
}
