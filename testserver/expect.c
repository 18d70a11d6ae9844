/*
 * expect.c -- the expected crawl of the generated site (--expect FILE).
 *
 * A level-synchronous BFS from "/" over the site's own graph (site_links and
 * site_node_info, the functions the server answers with), encoding the crawler's policy:
 *   - every distinct URL reachable by links (fragment removed) is requested once,
 *     including 404s and non-HTML; only 200 text/html bodies are parsed for links;
 *   - a redirect target is requested like a link (deduplicated) at the *same* depth as
 *     the redirecting URL; a chain is followed for at most 10 hops: the URL reached by the
 *     10th redirect is requested, but its own redirect is an error and not followed;
 *   - depth is the least number of links from "/" (redirects add none). Each level is
 *     closed under redirects before the next level's links are taken, so a URL reachable
 *     at depth d through a redirect is never recorded at d+1.
 * Output: one JSON object per line, sorted by URL (byte order), e.g.
 *   {"url": "http://127.0.0.1:PORT/r/5", "status": 301, "content_type": "text/html",
 *    "depth": 3, "redirect": "http://127.0.0.1:PORT/p/5.html"}
 * plus a summary line on stderr. Runs once at startup, single-threaded.
 */
#include "site.h"

#include <stdlib.h>
#include <string.h>

#define MAX_HOPS 10

/* Open-addressing set of nodes with their depth and redirect hop count. */
struct seen {
	uint64_t *keys;	/* (kind << 32 | id) + 1; 0 = empty */
	uint32_t *depth;
	uint8_t *hops;
	size_t mask;
};

struct bfs {
	const struct site *s;
	struct seen seen;
	struct node *order;	/* every requested node, level by level */
	size_t n;
	unsigned max_depth;
	struct link *links;
};

static uint64_t node_key(struct node nd)
{
	return (((uint64_t)nd.kind << 32) | nd.id) + 1;
}

static size_t seen_slot(const struct seen *m, uint64_t key)
{
	size_t i = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & m->mask;
	while (m->keys[i] && m->keys[i] != key)
		i = (i + 1) & m->mask;
	return i;
}

/* Mark nd as requested at depth/hops and append it to the order; false if already. */
static bool visit(struct bfs *b, struct node nd, unsigned depth, unsigned hops)
{
	uint64_t key = node_key(nd);
	size_t i = seen_slot(&b->seen, key);
	if (b->seen.keys[i])
		return false;
	b->seen.keys[i] = key;
	b->seen.depth[i] = depth;
	b->seen.hops[i] = (uint8_t)hops;
	b->order[b->n++] = nd;
	if (depth > b->max_depth)
		b->max_depth = depth;
	return true;
}

static unsigned hops_of(const struct bfs *b, struct node nd)
{
	return b->seen.hops[seen_slot(&b->seen, node_key(nd))];
}

static unsigned depth_of(const struct bfs *b, struct node nd)
{
	return b->seen.depth[seen_slot(&b->seen, node_key(nd))];
}

/* Walk the graph; b->order[0 .. b->n) is the requested set afterwards. */
static void bfs_run(struct bfs *b)
{
	size_t start = 0;
	unsigned d = 0;
	visit(b, (struct node){NK_PAGE, 0}, 0, 0);
	while (start < b->n) {
		/* close this level under redirects (the level grows while we scan it) */
		for (size_t i = start; i < b->n; i++) {
			struct node_info info;
			site_node_info(b->s, b->order[i], &info);
			unsigned h = hops_of(b, b->order[i]);
			if (info.redirect && h < MAX_HOPS)
				visit(b, info.target, d, h + 1);
		}
		size_t end = b->n;
		for (size_t i = start; i < end; i++) {
			struct node_info info;
			site_node_info(b->s, b->order[i], &info);
			if (info.status != 200 || strcmp(info.ctype, TS_HTML) != 0)
				continue;
			size_t k = site_links(b->s, b->order[i], b->links);
			for (size_t j = 0; j < k; j++)
				visit(b, b->links[j].to, d + 1, 0);
		}
		start = end;
		d++;
	}
}

struct line {
	char url[96];
	struct node nd;
};

static int line_cmp(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->url, ((const struct line *)b)->url);
}

static void write_line(const struct bfs *b, FILE *f, const struct line *l)
{
	struct node_info info;
	char target[64];
	site_node_info(b->s, l->nd, &info);
	fputs("{\"url\": ", f);
	ts_json_string(f, l->url);
	fprintf(f, ", \"status\": %u, \"content_type\": ", info.status);
	ts_json_string(f, info.ctype);
	fprintf(f, ", \"depth\": %u", depth_of(b, l->nd));
	if (info.redirect) {
		site_node_path(info.target, target, sizeof target);
		fprintf(f, ", \"redirect\": \"%s%s\"", b->s->origin, target);
	}
	fputs("}\n", f);
}

/* Sort the requested URLs and write them; -1 on I/O or memory errors. */
static int write_lines(const struct bfs *b, const char *file)
{
	int rc = -1;
	FILE *f = NULL;
	struct line *lines = calloc(b->n ? b->n : 1, sizeof *lines);
	if (!lines)
		goto out;
	for (size_t i = 0; i < b->n; i++) {
		char path[64];
		site_node_path(b->order[i], path, sizeof path);
		snprintf(lines[i].url, sizeof lines[i].url, "%s%s", b->s->origin, path);
		lines[i].nd = b->order[i];
	}
	qsort(lines, b->n, sizeof *lines, line_cmp);
	f = fopen(file, "w");
	if (!f)
		goto out;
	for (size_t i = 0; i < b->n; i++)
		write_line(b, f, &lines[i]);
	rc = ferror(f) ? -1 : 0;
out:
	if (f && fclose(f) != 0)
		rc = -1;
	free(lines);
	return rc;
}

/* Compute the expected crawl and write it to file; prints a summary to stderr. */
int site_write_expect(const struct site *s, const char *file)
{
	int rc = -1;
	struct bfs b = {.s = s};
	size_t cap = 64;
	while (cap < 2 * ((size_t)s->n + 2 * s->nsp + 64))
		cap *= 2;
	b.seen.mask = cap - 1;
	b.seen.keys = calloc(cap, sizeof *b.seen.keys);
	b.seen.depth = calloc(cap, sizeof *b.seen.depth);
	b.seen.hops = calloc(cap, sizeof *b.seen.hops);
	b.order = calloc(cap, sizeof *b.order);
	b.links = calloc(s->max_links, sizeof *b.links);
	if (!b.seen.keys || !b.seen.depth || !b.seen.hops || !b.order || !b.links)
		goto out;
	bfs_run(&b);
	rc = write_lines(&b, file);
	if (rc == 0)
		fprintf(stderr, TS_PROG ": expect: %u pages, %zu requests expected, "
				"max depth %u (%s)\n", s->n, b.n, b.max_depth, file);
out:
	free(b.seen.keys);
	free(b.seen.depth);
	free(b.seen.hops);
	free(b.order);
	free(b.links);
	return rc;
}
