/*
 * site.c -- the generated site: a deterministic web of N HTML pages plus special URLs.
 *
 * The graph (see site.h) depends only on (N, fanout, seed); the port only appears in the
 * rendered text of full-URL links and absolute redirect targets.
 *
 *   page 0 is "/", page i >= 1 is "/p/<i>.html"
 *   tree:    page i links to K*i+1 .. K*i+K (those < N), so every page is reachable
 *   extras:  (K+1)/3 links per page to hash-chosen pages (cycles, back links)
 *   self:    a quarter of the pages link to themselves ("#sec" or their own URL)
 *   specials (only when N >= 20, at least one of each; sources hash-chosen):
 *     N/100 links to /missing/<j>.html (404)      N/100 to /r/<i>  (301 -> /p/<i>.html)
 *     N/500 to /r2/<i> (302 -> /r/<i>)           N/200 to /f/<j>.pdf, N/200 to /f/<j>.txt
 *     N/2000 (<= 10) to /big/<j>.html             N/1000 (<= 20) to /slow/<j>.html
 *     page 1 links to /loop/a and to /chain/0 (exactly once each)
 *
 * Links are written in varied but valid forms chosen by hash bits: absolute path,
 * relative ("7.html", "p/7.html", "./7.html", "../p/7.html"), full URL with the real
 * port; some with a fragment, surrounding whitespace, single quotes, upper-case tags.
 * Redirect targets are written as absolute path (/r/), full URL (/r2/) or relative
 * (/chain/, /loop/a) Location values.
 *
 * Serving: page responses are rendered on first request and cached in an array of
 * atomic pointers (a racing duplicate is destroyed), big pages are prebuilt iovec
 * responses sharing one padding buffer; everything else is rendered per request.
 */
#include "site.h"

#include <stdlib.h>
#include <string.h>

enum salt { S_EXTRA = 1, S_SELF, S_STYLE, S_SRC, S_TARGET, S_TEXT, S_BIGT, S_SLOWT };

/* The specials and how many of each per page count (at least 1, at most cap). */
static const struct {
	enum node_kind kind;
	uint32_t per;
	uint32_t cap;
} special_plan[] = {
	{NK_MISSING, 100, 0}, {NK_R, 100, 0}, {NK_R2, 500, 0}, {NK_PDF, 200, 0},
	{NK_TXT, 200, 0}, {NK_BIG, 2000, 10}, {NK_SLOW, 1000, 20},
};

static const char *const words[] = {
	"crawler", "frontier", "thread", "queue", "socket", "page", "link", "anchor",
	"index", "fetch", "parse", "robot", "depth", "breadth", "graph", "node",
	"edge", "cycle", "visit", "render", "header", "body", "status", "redirect",
	"latency", "buffer", "channel", "worker", "mutex", "atomic", "epoll", "keep-alive",
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* A deterministic hash of (seed, a, b, c): the only source of "randomness". */
uint64_t site_hash(const struct site *s, uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t h = mix64(s->seed + 0x9e3779b97f4a7c15ull);
	h = mix64(h ^ (a * 0x9e3779b97f4a7c15ull));
	h = mix64(h ^ (b * 0xc2b2ae3d27d4eb4full));
	return mix64(h ^ (c * 0x165667b19e3779f9ull));
}

static int special_cmp(const void *a, const void *b)
{
	const struct special *x = a, *y = b;
	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	if (x->to.kind != y->to.kind)
		return x->to.kind < y->to.kind ? -1 : 1;
	return x->to.id < y->to.id ? -1 : x->to.id > y->to.id;
}

/* Place the special links (N >= 20 only) and sort them by source page. */
static bool build_specials(struct site *s)
{
	size_t total = 2;
	if (s->n < 20)
		return true;
	for (size_t k = 0; k < sizeof special_plan / sizeof special_plan[0]; k++) {
		uint32_t c = s->n / special_plan[k].per;
		if (c < 1)
			c = 1;
		if (special_plan[k].cap && c > special_plan[k].cap)
			c = special_plan[k].cap;
		s->count[special_plan[k].kind] = c;
		total += c;
	}
	s->sp = calloc(total, sizeof *s->sp);
	if (!s->sp)
		return false;
	for (size_t k = 0; k < sizeof special_plan / sizeof special_plan[0]; k++) {
		enum node_kind kind = special_plan[k].kind;
		for (uint32_t j = 0; j < s->count[kind]; j++) {
			struct special *p = &s->sp[s->nsp++];
			p->src = (uint32_t)(site_hash(s, S_SRC, kind, j) % s->n);
			p->to.kind = kind;
			p->to.id = j;
			uint64_t h = site_hash(s, S_TARGET, kind, j);
			if (kind == NK_R || kind == NK_R2)
				p->to.id = 1 + (uint32_t)(h % (s->n - 1));
		}
	}
	s->sp[s->nsp++] = (struct special){1, {NK_LOOP, 0}};
	s->sp[s->nsp++] = (struct special){1, {NK_CHAIN, 0}};
	s->count[NK_LOOP] = 2;
	s->count[NK_CHAIN] = SITE_CHAIN_LEN;
	s->count[NK_BIGTAIL] = s->count[NK_BIG];
	qsort(s->sp, s->nsp, sizeof *s->sp, special_cmp);
	return true;
}

/* The largest number of specials any one page carries. */
static size_t max_specials_per_page(const struct site *s)
{
	size_t best = 0, run = 0;
	for (size_t i = 0; i < s->nsp; i++) {
		run = (i > 0 && s->sp[i].src == s->sp[i - 1].src) ? run + 1 : 1;
		if (run > best)
			best = run;
	}
	return best;
}

struct site *site_new(uint32_t n, unsigned fanout, uint64_t seed, size_t big_bytes,
		      unsigned slow_ms)
{
	struct site *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	*s = (struct site){.n = n, .fanout = fanout, .seed = seed, .big_bytes = big_bytes,
			   .slow_ms = slow_ms};
	s->count[NK_PAGE] = n;
	if (!build_specials(s))
		goto fail;
	s->max_links = fanout + (fanout + 1) / 3 + 1 + max_specials_per_page(s) + 2;
	s->cache = calloc(n, sizeof *s->cache);
	if (!s->cache)
		goto fail;
	return s;
fail:
	site_free(s);
	return NULL;
}

/* First index of s->sp with src >= page (binary search). */
static size_t special_lower(const struct site *s, uint32_t page)
{
	size_t lo = 0, hi = s->nsp;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->sp[mid].src < page)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t page_links(const struct site *s, uint32_t i, struct link *out)
{
	size_t k = 0;
	for (uint64_t c = (uint64_t)s->fanout * i + 1;
	     c <= (uint64_t)s->fanout * i + s->fanout && c < s->n; c++)
		out[k++].to = (struct node){NK_PAGE, (uint32_t)c};
	for (unsigned j = 0; j < (s->fanout + 1) / 3; j++) {
		uint64_t h = site_hash(s, S_EXTRA, i, j);
		out[k++].to = (struct node){NK_PAGE, (uint32_t)(h % s->n)};
	}
	for (size_t j = special_lower(s, i); j < s->nsp && s->sp[j].src == i; j++)
		out[k++].to = s->sp[j].to;
	if (site_hash(s, S_SELF, i, 0) % 4 == 0) {
		out[k].to = (struct node){NK_PAGE, i};
		out[k++].frag_only = site_hash(s, S_SELF, i, 1) % 2 == 0;
	}
	return k;
}

/*
 * The links of an HTML node, in page order; out must hold s->max_links entries. Nodes
 * that are not HTML 200 pages have none (404 and redirect bodies carry no links).
 */
size_t site_links(const struct site *s, struct node from, struct link *out)
{
	size_t k = 0;
	memset(out, 0, s->max_links * sizeof *out);
	switch (from.kind) {
	case NK_PAGE:
		k = page_links(s, from.id, out);
		break;
	case NK_BIG:
		out[k++].to = (struct node){NK_PAGE, (uint32_t)(site_hash(s, S_BIGT, from.id, 0) %
								s->n)};
		out[k++].to = (struct node){NK_BIGTAIL, from.id};
		break;
	case NK_BIGTAIL:
		out[k++].to = (struct node){NK_PAGE, 0};
		break;
	case NK_SLOW:
		out[k++].to = (struct node){NK_PAGE, 0};
		out[k++].to = (struct node){NK_PAGE, (uint32_t)(site_hash(s, S_SLOWT, from.id, 0) %
								s->n)};
		break;
	default:
		break;
	}
	for (size_t j = 0; j < k; j++)
		out[j].style = site_hash(s, S_STYLE, ((uint64_t)from.kind << 32) | from.id, j);
	return k;
}

static bool node_valid(const struct site *s, struct node nd)
{
	if (nd.kind == NK_R || nd.kind == NK_R2)
		return s->nsp > 0 && nd.id >= 1 && nd.id < s->n;
	if (nd.kind == NK_MISSING)
		return false;
	return nd.id < s->count[nd.kind];
}

static void redirect_info(struct node nd, struct node_info *info)
{
	info->redirect = true;
	info->status = 302;
	switch (nd.kind) {
	case NK_R:
		info->status = 301;
		info->target = (struct node){NK_PAGE, nd.id};
		break;
	case NK_R2:
		info->target = (struct node){NK_R, nd.id};
		break;
	case NK_LOOP:
		info->status = 301;
		info->target = (struct node){NK_LOOP, 1 - nd.id};
		break;
	default: /* NK_CHAIN */
		info->target = nd.id + 1 < SITE_CHAIN_LEN ? (struct node){NK_CHAIN, nd.id + 1}
							  : (struct node){NK_PAGE, 1};
		break;
	}
}

/* Status, content type and redirect target of a node; unknown nodes are 404 HTML. */
void site_node_info(const struct site *s, struct node nd, struct node_info *info)
{
	*info = (struct node_info){.status = 200, .ctype = TS_HTML};
	if (!node_valid(s, nd)) {
		info->status = 404;
		return;
	}
	switch (nd.kind) {
	case NK_R:
	case NK_R2:
	case NK_LOOP:
	case NK_CHAIN:
		redirect_info(nd, info);
		break;
	case NK_PDF:
		info->ctype = "application/pdf";
		break;
	case NK_TXT:
		info->ctype = "text/plain";
		break;
	default:
		break;
	}
}

void site_node_path(struct node nd, char *buf, size_t len)
{
	static const char *const affix[NK_COUNT][2] = {
		[NK_PAGE] = {"/p/", ".html"},	     [NK_MISSING] = {"/missing/", ".html"},
		[NK_R] = {"/r/", ""},		     [NK_R2] = {"/r2/", ""},
		[NK_LOOP] = {"/loop/", ""},	     [NK_CHAIN] = {"/chain/", ""},
		[NK_PDF] = {"/f/", ".pdf"},	     [NK_TXT] = {"/f/", ".txt"},
		[NK_BIG] = {"/big/", ".html"},	     [NK_BIGTAIL] = {"/bigtail/", ".html"},
		[NK_SLOW] = {"/slow/", ".html"},
	};
	if (nd.kind == NK_PAGE && nd.id == 0)
		snprintf(buf, len, "/");
	else if (nd.kind == NK_LOOP)
		snprintf(buf, len, "/loop/%c", nd.id ? 'b' : 'a');
	else
		snprintf(buf, len, "%s%u%s", affix[nd.kind][0], nd.id, affix[nd.kind][1]);
}

/* Map a (decoded) request path to a node; false for paths that are no node at all. */
bool site_parse(const struct site *s, const char *path, struct node *out)
{
	static const struct {
		const char *prefix, *suffix;
		enum node_kind kind;
	} routes[] = {
		{"/p/", ".html", NK_PAGE},     {"/r/", "", NK_R},
		{"/r2/", "", NK_R2},	       {"/chain/", "", NK_CHAIN},
		{"/f/", ".pdf", NK_PDF},       {"/f/", ".txt", NK_TXT},
		{"/big/", ".html", NK_BIG},    {"/bigtail/", ".html", NK_BIGTAIL},
		{"/slow/", ".html", NK_SLOW},
	};
	(void)s;
	if (strcmp(path, "/") == 0 || strcmp(path, "/loop/a") == 0 ||
	    strcmp(path, "/loop/b") == 0) {
		*out = (struct node){path[1] ? NK_LOOP : NK_PAGE, path[1] ? path[6] == 'b' : 0};
		return true;
	}
	for (size_t k = 0; k < sizeof routes / sizeof routes[0]; k++) {
		size_t pl = strlen(routes[k].prefix);
		if (strncmp(path, routes[k].prefix, pl) == 0 &&
		    ts_parse_id(path + pl, routes[k].suffix, &out->id)) {
			out->kind = routes[k].kind;
			/* page 0 is "/" only */
			return !(out->kind == NK_PAGE && out->id == 0);
		}
	}
	return false;
}

/* ---------------------------------------------------------------------------------- */
/* Rendering                                                                           */

/* The directory of a node's URL path: "/" for the root page, else "/<first segment>/". */
static void node_dir(struct node nd, char *buf, size_t len)
{
	char path[64];
	site_node_path(nd, path, sizeof path);
	const char *slash = strrchr(path, '/');
	snprintf(buf, len, "%.*s", (int)(slash - path + 1), path);
}

/* The href text of a link from `from`, in the form the style bits choose. */
static void link_href(const struct site *s, struct node from, const struct link *l,
		      struct sb *b)
{
	char to[64], dir[64];
	unsigned form = (unsigned)(l->style % 100);
	site_node_path(l->to, to, sizeof to);
	node_dir(from, dir, sizeof dir);
	size_t dl = strlen(dir);
	if (l->frag_only) {
		sb_puts(b, "#sec");
		return;
	}
	if (form < 45) {
		sb_puts(b, to);
	} else if (form < 75) {
		if (form >= 65)
			sb_puts(b, "./");
		if (dl > 1 && strncmp(to, dir, dl) == 0)
			sb_puts(b, to + dl);
		else if (dl > 1)
			sb_printf(b, "..%s", to);
		else
			sb_puts(b, to[1] ? to + 1 : (form >= 65 ? "" : "./"));
	} else if (form < 85) {
		sb_printf(b, "..%s", to);
	} else {
		sb_printf(b, "%s%s", s->origin, to);
	}
	if ((l->style >> 8) % 100 < 15)
		sb_puts(b, (l->style >> 16) % 2 ? "#sec" : "#top");
}

static void render_link(const struct site *s, struct node from, const struct link *l,
			struct sb *b)
{
	bool upper = (l->style >> 24) % 100 < 10;
	bool space = (l->style >> 32) % 100 < 8;
	char q = (l->style >> 40) % 100 < 10 ? '\'' : '"';
	bool title = (l->style >> 48) % 4 == 0;
	char to[64];
	site_node_path(l->to, to, sizeof to);
	sb_puts(b, upper ? "<li><A " : "<li><a ");
	if (title)
		sb_printf(b, "title=\"go to %s\" ", to);
	sb_printf(b, "%s=%c%s", upper ? "HREF" : "href", q, space ? "  " : "");
	link_href(s, from, l, b);
	sb_printf(b, "%s%c>link to %s</%s></li>\n", space ? "\n\t" : "", q, to,
		  upper ? "A" : "a");
}

/* A paragraph of `count` hash-chosen words. */
static void render_words(const struct site *s, struct node nd, unsigned salt, unsigned count,
			 struct sb *b)
{
	sb_puts(b, "<p>");
	for (unsigned w = 0; w < count; w++) {
		uint64_t key = ((uint64_t)nd.kind << 32) | nd.id;
		uint64_t h = site_hash(s, S_TEXT, key, salt * 1000 + w);
		sb_printf(b, "%s%s", w ? " " : "", words[h % (sizeof words / sizeof words[0])]);
	}
	sb_puts(b, ".</p>\n");
}

static void render_head(const struct site *s, struct node nd, struct sb *b)
{
	char path[64];
	site_node_path(nd, path, sizeof path);
	sb_printf(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		     "<title>weft test site: %s</title>\n</head>\n<body>\n"
		     "<h1 id=\"top\">Test page %s</h1>\n", path, path);
	render_words(s, nd, 1, 12 + (unsigned)(site_hash(s, S_TEXT, nd.kind, nd.id) % 30), b);
}

static void render_tail(const struct site *s, struct node nd, struct sb *b)
{
	struct link *links = calloc(s->max_links, sizeof *links);
	if (!links) {
		b->oom = true;
		return;
	}
	size_t n = site_links(s, nd, links);
	sb_puts(b, "<ul>\n");
	for (size_t i = 0; i < n; i++)
		render_link(s, nd, &links[i], b);
	sb_puts(b, "</ul>\n<h2 id=\"sec\">Notes</h2>\n");
	render_words(s, nd, 2, 8, b);
	sb_puts(b, "</body>\n</html>\n");
	free(links);
}

/* The complete HTML of a page-like node (page, bigtail, slow). */
static struct MHD_Response *render_page(const struct site *s, struct node nd)
{
	struct sb b = {0};
	render_head(s, nd, &b);
	render_tail(s, nd, &b);
	return ts_resp_sb(&b, TS_HTML);
}

/* The cached response of page id, rendering it on first use. */
static struct MHD_Response *cached_page(struct site *s, uint32_t id)
{
	struct MHD_Response *r = atomic_load_explicit(&s->cache[id], memory_order_acquire);
	if (r)
		return r;
	struct MHD_Response *fresh = render_page(s, (struct node){NK_PAGE, id});
	if (!fresh)
		return NULL;
	if (atomic_compare_exchange_strong_explicit(&s->cache[id], &r, fresh,
						    memory_order_acq_rel, memory_order_acquire))
		return fresh;
	MHD_destroy_response(fresh);
	return r;
}

static const char pad_line[] = "<p>Padding text of a big page: the links are at the very end, "
			       "keep reading.</p>\n";

/* Fill the padding buffer with whole lines of pad_line (a partial one is never used). */
static void fill_pad(char *pad, size_t len)
{
	size_t ll = sizeof pad_line - 1;
	for (size_t i = 0; i < len; i += ll)
		memcpy(pad + i, pad_line, len - i < ll ? len - i : ll);
}

/*
 * Build one big page response of exactly big_bytes (unless head and tail alone are
 * longer): head, then whole lines of the shared padding, then the tail with the links.
 * The remainder that is less than a line goes into the head as spaces.
 */
static bool build_big(struct site *s, uint32_t id)
{
	struct sb head = {0}, tail = {0};
	struct node nd = {NK_BIG, id};
	size_t ll = sizeof pad_line - 1, avail = 0;
	render_head(s, nd, &head);
	render_tail(s, nd, &tail);
	if (s->big_bytes > head.len + tail.len)
		avail = s->big_bytes - head.len - tail.len;
	size_t pad = avail / ll * ll;
	for (size_t i = pad; i < avail; i++)
		sb_add(&head, i + 1 == avail ? "\n" : " ", 1);
	if (head.oom || tail.oom)
		goto fail;
	struct MHD_IoVec iov[3] = {{head.p, head.len}, {s->pad, pad}, {tail.p, tail.len}};
	s->big[id] = MHD_create_response_from_iovec(iov, 3, NULL, NULL);
	if (!s->big[id] ||
	    MHD_add_response_header(s->big[id], MHD_HTTP_HEADER_CONTENT_TYPE, TS_HTML) != MHD_YES)
		goto fail;
	s->big_parts[2 * id] = head.p;
	s->big_parts[2 * id + 1] = tail.p;
	return true;
fail:
	sb_free(&head);
	sb_free(&tail);
	return false;
}

/* Record the port (it appears in full-URL links) and prebuild the big pages. */
bool site_set_port(struct site *s, unsigned port)
{
	uint32_t nb = s->count[NK_BIG];
	s->port = port;
	snprintf(s->origin, sizeof s->origin, "http://127.0.0.1:%u", port);
	if (nb == 0)
		goto ready;
	s->pad_len = s->big_bytes;
	s->pad = malloc(s->pad_len ? s->pad_len : 1);
	s->big = calloc(nb, sizeof *s->big);
	s->big_parts = calloc(2 * (size_t)nb, sizeof *s->big_parts);
	if (!s->pad || !s->big || !s->big_parts)
		return false;
	fill_pad(s->pad, s->pad_len);
	for (uint32_t j = 0; j < nb; j++)
		if (!build_big(s, j))
			return false;
ready:
	atomic_store_explicit(&s->ready, true, memory_order_release);
	return true;
}

void site_free(struct site *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; s->cache && i < s->n; i++) {
		struct MHD_Response *r = atomic_load(&s->cache[i]);
		if (r)
			MHD_destroy_response(r);
	}
	for (uint32_t j = 0; s->big && j < s->count[NK_BIG]; j++)
		if (s->big[j])
			MHD_destroy_response(s->big[j]);
	for (size_t j = 0; s->big_parts && j < 2 * (size_t)s->count[NK_BIG]; j++)
		free(s->big_parts[j]);
	free(s->big_parts);
	free(s->big);
	free(s->pad);
	free(s->cache);
	free(s->sp);
	free(s);
}

/* A few KB of PDF-looking bytes (with an HTML-looking trap inside a comment). */
static struct MHD_Response *render_pdf(uint32_t id)
{
	struct sb b = {0};
	sb_printf(&b, "%%PDF-1.4\n%% weft test document %u\n"
		      "%% <a href=\"/pdf-trap/%u.html\">not a link: this is not HTML</a>\n",
		  id, id);
	for (unsigned i = 0; i < 40; i++)
		sb_printf(&b, "%% filler line %02u of a small fake PDF file, %u\n", i, id);
	sb_puts(&b, "%%EOF\n");
	return ts_resp_sb(&b, "application/pdf");
}

/* Plain text that looks like HTML: a crawler that parses it requests /txt-trap/. */
static struct MHD_Response *render_txt(uint32_t id)
{
	struct sb b = {0};
	sb_printf(&b, "Plain text file %u.\n"
		      "It mentions <a href=\"/p/2.html\">page 2</a> and "
		      "<a href=\"/txt-trap/%u.html\">a trap</a>,\n"
		      "but text/plain is not HTML: a crawler must not parse these.\n", id, id);
	return ts_resp_sb(&b, "text/plain");
}

/* The Location header value of a redirect node: varied forms, see the header comment. */
static void redirect_location(const struct site *s, struct node nd, struct node target,
			      char *buf, size_t len)
{
	char to[64];
	site_node_path(target, to, sizeof to);
	if (nd.kind == NK_R2)
		snprintf(buf, len, "%s%s", s->origin, to);
	else if (nd.kind == NK_CHAIN && target.kind == NK_CHAIN)
		snprintf(buf, len, "%u", target.id);
	else if (nd.kind == NK_LOOP && nd.id == 0)
		snprintf(buf, len, "b");
	else
		snprintf(buf, len, "%s", to);
}

/* Answer a request for `path` (decoded, no query) on the generated site. */
bool site_handle(struct site *s, const char *path, struct ts_reply *r)
{
	struct node nd = {0};
	struct node_info info;
	char loc[96];
	if (!atomic_load_explicit(&s->ready, memory_order_acquire))
		return ts_html_reply(r, 503, "Starting", "The site is not ready yet.");
	if (!site_parse(s, path, &nd))
		nd = (struct node){NK_MISSING, 0};
	site_node_info(s, nd, &info);
	r->status = info.status;
	if (info.status == 404)
		return ts_html_reply(r, 404, "Not Found", "There is no such page on this site.");
	if (info.redirect) {
		redirect_location(s, nd, info.target, loc, sizeof loc);
		return ts_redirect_reply(r, info.status, loc);
	}
	switch (nd.kind) {
	case NK_PAGE:
		r->resp = cached_page(s, nd.id);
		r->shared = true;
		break;
	case NK_BIG:
		r->resp = s->big[nd.id];
		r->shared = true;
		break;
	case NK_PDF:
		r->resp = render_pdf(nd.id);
		break;
	case NK_TXT:
		r->resp = render_txt(nd.id);
		break;
	default: /* NK_BIGTAIL, NK_SLOW */
		r->resp = render_page(s, nd);
		r->delay_ms = nd.kind == NK_SLOW ? s->slow_ms : 0;
		break;
	}
	return r->resp != NULL;
}
