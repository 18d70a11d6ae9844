/*
 * dot.c -- the dot reporter: the site graph in Graphviz's DOT language (docs/OUTPUTS.md).
 *
 * A node per fetched URL, written as its record arrives (so the output streams); an edge per
 * distinct link between two fetched URLs, and one per redirect, written at the end, when it is
 * known which link targets were fetched. URLs are interned once in a hash table; edges are
 * pairs of indices, so memory is the URLs seen plus 8 bytes an edge.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/out.h"

struct dot_url {
	char *url;
	uint64_t hash;
	bool node; /* a record was written for it */
};

struct dot_edge {
	uint32_t from, to;
	bool redirect;
};

struct dot_reporter {
	struct weft_reporter base;
	struct weft__out out;
	struct dot_url *urls;
	size_t n_urls, cap_urls;
	uint32_t *slots; /* open addressing: index + 1, 0 empty */
	size_t n_slots;
	struct dot_edge *edges;
	size_t n_edges, cap_edges;
	char *host;      /* "scheme://host[:port]" of the first node: labels leave it out */
	bool nomem;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int rehash(struct dot_reporter *d)
{
	size_t n = d->n_slots ? d->n_slots * 2 : 1024;
	uint32_t *s = calloc(n, sizeof(*s));
	if (!s)
		return -1;
	for (size_t i = 0; i < d->n_urls; i++) {
		size_t j = d->urls[i].hash & (n - 1);
		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = (uint32_t)i + 1;
	}
	free(d->slots);
	d->slots = s;
	d->n_slots = n;
	return 0;
}

/* The index of url, added if new; -1 when out of memory. */
static long intern(struct dot_reporter *d, const char *url)
{
	if ((d->n_urls + 1) * 2 > d->n_slots && rehash(d) != 0)
		return -1;
	uint64_t h = hash_str(url);
	size_t j = h & (d->n_slots - 1);
	for (; d->slots[j]; j = (j + 1) & (d->n_slots - 1)) {
		struct dot_url *u = &d->urls[d->slots[j] - 1];
		if (u->hash == h && strcmp(u->url, url) == 0)
			return (long)(d->slots[j] - 1);
	}
	if (d->n_urls == d->cap_urls) {
		size_t cap = d->cap_urls ? d->cap_urls * 2 : 256;
		struct dot_url *v = realloc(d->urls, cap * sizeof(*v));
		if (!v || d->n_urls >= UINT32_MAX - 1) {
			if (v)
				d->urls = v;
			return -1;
		}
		d->urls = v;
		d->cap_urls = cap;
	}
	char *copy = strdup(url);
	if (!copy)
		return -1;
	d->urls[d->n_urls] = (struct dot_url){ .url = copy, .hash = h };
	d->slots[j] = (uint32_t)d->n_urls + 1;
	return (long)d->n_urls++;
}

static int add_edge(struct dot_reporter *d, long from, long to, bool redirect)
{
	if (d->n_edges == d->cap_edges) {
		size_t cap = d->cap_edges ? d->cap_edges * 2 : 1024;
		struct dot_edge *v = realloc(d->edges, cap * sizeof(*v));
		if (!v)
			return -1;
		d->edges = v;
		d->cap_edges = cap;
	}
	d->edges[d->n_edges++] = (struct dot_edge){ (uint32_t)from, (uint32_t)to, redirect };
	return 0;
}

/*
 * A URL as a DOT string for the URL and tooltip attributes: '"' and '\' escaped, and '&' as
 * "&amp;": Graphviz decodes entities in these strings, and its SVG output copies an href
 * verbatim, so a raw '&' in a query would make the SVG ill-formed.
 */
static void quoted(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', fp);
		if (*s == '&')
			fputs("&amp;", fp);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', fp);
		else
			fputc(*s, fp);
	}
	fputc('"', fp);
}

/* "scheme://authority" of url into buf (empty if it has none). */
static void origin_of(const char *url, char *buf, size_t len)
{
	const char *p = strstr(url, "://");
	size_t n = 0;
	if (p) {
		p += 3;
		n = (size_t)(p - url) + strcspn(p, "/?#");
	}
	if (n >= len)
		n = 0;
	memcpy(buf, url, n);
	buf[n] = '\0';
}

static int dot_begin(struct weft_reporter *r)
{
	struct dot_reporter *d = (struct dot_reporter *)r;
	weft__out_start(&d->out);
	fputs("digraph weft {\n"
	      "  // weft crawl -f dot: a node per fetched URL, an edge per link between them\n"
	      "  graph [rankdir=LR, overlap=false, fontname=\"Helvetica\"];\n"
	      "  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"Helvetica\","
	      " fontsize=10];\n"
	      "  edge [color=gray40, arrowsize=0.6];\n",
	      d->out.fp);
	return weft__out_done(&d->out);
}

static int dot_record(struct weft_reporter *r, const struct weft_record *rec)
{
	struct dot_reporter *d = (struct dot_reporter *)r;
	if (d->nomem)
		return -1;
	if (rec->skipped)
		return 0; /* found, not fetched: no node, and links to it draw no edge */
	long id = intern(d, rec->url);
	if (id < 0)
		goto nomem;
	if (d->urls[id].node)
		return 0;
	d->urls[id].node = true;
	if (!d->host) {
		char o[1024];
		origin_of(rec->url, o, sizeof(o));
		if (!(d->host = strdup(o)))
			goto nomem;
	}
	for (size_t i = 0; rec->links && i < rec->n_links; i++) {
		long to = intern(d, rec->links[i].url);
		if (to < 0 || add_edge(d, id, to, false) != 0)
			goto nomem;
	}
	if (rec->redirect) {
		long to = intern(d, rec->redirect);
		if (to < 0 || add_edge(d, id, to, true) != 0)
			goto nomem;
	}

	FILE *fp = d->out.fp;
	size_t hl = strlen(d->host);
	const char *label = rec->url;
	if (hl && strncmp(label, d->host, hl) == 0 && label[hl] == '/')
		label += hl;
	weft__out_start(&d->out);
	fprintf(fp, "  n%ld [label=", id);
	fputc('"', fp);
	for (const char *s = label; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', fp);
		fputc(*s, fp);
	}
	const char *fill = "white";
	if (rec->error != WEFT_FE_NONE || rec->status >= 400) {
		fill = "salmon";
		if (rec->status)
			fprintf(fp, "\\n%d", rec->status);
		else
			fprintf(fp, "\\n%s", weft_fetch_err_name(rec->error));
	} else if (rec->status >= 300 && rec->status < 400) {
		fill = "lightblue";
		fprintf(fp, "\\n%d", rec->status);
	} else if (!weft_record_ok(rec)) {
		fill = "khaki";
		fprintf(fp, "\\n%d", rec->status);
	}
	fputs("\", tooltip=", fp);
	quoted(fp, rec->url);
	fputs(", URL=", fp);
	quoted(fp, rec->url);
	fprintf(fp, ", fillcolor=%s", fill);
	if (rec->depth == 0 && !rec->hops && !rec->checked)
		fputs(", penwidth=2", fp); /* a start URL */
	if (rec->checked)
		fputs(", shape=ellipse, style=\"dashed,filled\"", fp);
	fputs("];\n", fp);
	return weft__out_done(&d->out);
nomem:
	d->nomem = true;
	return weft__out_fail(&d->out, ENOMEM, "dot: %s", strerror(ENOMEM));
}

static int cmp_edge(const void *a, const void *b)
{
	const struct dot_edge *x = a, *y = b;
	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	return (int)x->redirect - (int)y->redirect;
}

static int dot_end(struct weft_reporter *r)
{
	struct dot_reporter *d = (struct dot_reporter *)r;
	if (weft__out_failed(&d->out))
		return -1;
	FILE *fp = d->out.fp;
	uint64_t dropped = 0;
	weft__out_start(&d->out);
	if (d->n_edges)
		qsort(d->edges, d->n_edges, sizeof(*d->edges), cmp_edge);
	for (size_t i = 0; i < d->n_edges; i++) {
		const struct dot_edge *e = &d->edges[i];
		if (i && cmp_edge(e, e - 1) == 0)
			continue; /* a page links to one URL many times: one edge */
		if (!d->urls[e->to].node) {
			dropped++;
			continue;
		}
		fprintf(fp, "  n%u -> n%u%s;\n", (unsigned)e->from, (unsigned)e->to,
			e->redirect ? " [style=dashed, color=blue]" : "");
	}
	if (dropped)
		fprintf(fp, "  // %llu links to URLs not fetched (skipped, out of scope) are not drawn\n",
			(unsigned long long)dropped);
	fputs("}\n", fp);
	if (weft__out_done(&d->out) != 0)
		return -1;
	return weft__out_finish(&d->out);
}

static const char *dot_error(struct weft_reporter *r, int *errnum)
{
	return weft__out_error(&((struct dot_reporter *)r)->out, errnum);
}

static void dot_destroy(struct weft_reporter *r)
{
	struct dot_reporter *d = (struct dot_reporter *)r;
	for (size_t i = 0; i < d->n_urls; i++)
		free(d->urls[i].url);
	free(d->urls);
	free(d->slots);
	free(d->edges);
	free(d->host);
	weft__out_free(&d->out);
	free(d);
}

static const struct weft_reporter_ops dot_ops = {
	.name = "dot", .begin = dot_begin, .record = dot_record, .end = dot_end,
	.destroy = dot_destroy, .error = dot_error,
};

int weft_reporter_dot(struct weft_reporter **out, const struct weft_report_options *o)
{
	struct dot_reporter *d = calloc(1, sizeof(*d));
	*out = NULL;
	if (!d)
		return WEFT_E_NOMEM;
	if (weft__out_init(&d->out, o->fp, o->name) != WEFT_OK) {
		free(d);
		return WEFT_E_NOMEM;
	}
	d->base.ops = &dot_ops;
	*out = &d->base;
	return WEFT_OK;
}
