/*
 * sitemap.c -- the sitemap reporter: a sitemaps.org urlset of the pages fetched with status
 * 200 and an HTML media type (text/html, application/xhtml+xml), in completion order.
 *
 * To a stream: one urlset; a URL past max_urls fails (the protocol allows 50,000 a file).
 * To a path P: P is the urlset while it holds at most max_urls URLs (or 50 MB); at the first
 * URL past that, P is renamed to STEM-1.xml, STEM-2.xml is started, and so on; at the end P is
 * written as the sitemap index listing BASE + "STEM-N.xml" for every part (STEM: P's base name
 * without ".xml"; BASE: options.base, or the first page's origin + "/"). docs/OUTPUTS.md.
 */
#include <stdlib.h>
#include <string.h>

#include "report/out.h"

#define SITEMAP_MAX_BYTES 52428800u /* 50 MiB uncompressed, the protocol's other limit */
#define SITEMAP_MAX_URL 2048        /* the protocol: URLs "less than 2,048 characters" */

static const char urlset_head[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
static const char urlset_tail[] = "</urlset>\n";

struct sitemap_reporter {
	struct weft_reporter base;
	struct weft__out out;
	char *path;        /* NULL: one urlset to the stream */
	char *stem;        /* path without ".xml": parts are STEM-N.xml */
	char *loc_base;    /* index <loc> prefix; NULL until known */
	size_t max_urls;
	size_t n_in_part;  /* URLs in the file being written */
	uint64_t bytes;    /* bytes in the file being written */
	unsigned parts;    /* parts finished and renamed (0 while P is a plain urlset) */
};

static bool is_html_200(const struct weft_record *rec)
{
	const char *t = rec->content_type;
	return !rec->skipped && !rec->checked && rec->error == WEFT_FE_NONE && rec->status == 200 &&
	       t && (strcmp(t, "text/html") == 0 || strcmp(t, "application/xhtml+xml") == 0);
}

/* s with & < > " ' as entities; the length written. */
static size_t xml_escaped(FILE *fp, const char *s)
{
	size_t n = 0;
	for (; *s; s++) {
		const char *e = NULL;
		switch (*s) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&apos;"; break;
		default: break;
		}
		if (e) {
			fputs(e, fp);
			n += strlen(e);
		} else {
			fputc(*s, fp);
			n++;
		}
	}
	return n;
}

static char *part_name(const struct sitemap_reporter *s, unsigned n)
{
	size_t len = strlen(s->stem) + 32;
	char *p = malloc(len);
	if (p)
		snprintf(p, len, "%s-%u.xml", s->stem, n);
	return p;
}

static int sitemap_begin(struct weft_reporter *r)
{
	struct sitemap_reporter *s = (struct sitemap_reporter *)r;
	if (s->path && weft__out_open(&s->out, s->path) != 0)
		return -1;
	weft__out_start(&s->out);
	fputs(urlset_head, s->out.fp);
	s->bytes = sizeof(urlset_head) - 1 + sizeof(urlset_tail) - 1;
	return weft__out_done(&s->out);
}

/* Close the urlset being written; the first time, P moves to STEM-1.xml. Open the next. */
static int next_part(struct sitemap_reporter *s)
{
	weft__out_start(&s->out);
	fputs(urlset_tail, s->out.fp);
	if (weft__out_done(&s->out) != 0 || weft__out_finish(&s->out) != 0)
		return -1;
	if (s->parts == 0) {
		char *first = part_name(s, 1);
		if (!first)
			return weft__out_fail(&s->out, ENOMEM, "sitemap: %s", strerror(ENOMEM));
		if (rename(s->path, first) != 0) {
			int e = errno;
			weft__out_fail(&s->out, e, "renaming %s to %s: %s", s->path, first,
				       strerror(e));
			free(first);
			return -1;
		}
		free(first);
		s->parts = 1;
	}
	char *next = part_name(s, ++s->parts);
	if (!next)
		return weft__out_fail(&s->out, ENOMEM, "sitemap: %s", strerror(ENOMEM));
	int rc = weft__out_open(&s->out, next);
	free(next);
	if (rc != 0)
		return -1;
	weft__out_start(&s->out);
	fputs(urlset_head, s->out.fp);
	s->bytes = sizeof(urlset_head) - 1 + sizeof(urlset_tail) - 1;
	s->n_in_part = 0;
	return weft__out_done(&s->out);
}

/* "scheme://authority/" of url, for the index's <loc>s. */
static char *origin_slash(const char *url)
{
	const char *p = strstr(url, "://");
	size_t n = p ? (size_t)(p + 3 - url) + strcspn(p + 3, "/?#") : 0;
	char *o = malloc(n + 2);
	if (o) {
		memcpy(o, url, n);
		o[n] = '/';
		o[n + 1] = '\0';
	}
	return o;
}

static int sitemap_record(struct weft_reporter *r, const struct weft_record *rec)
{
	struct sitemap_reporter *s = (struct sitemap_reporter *)r;
	if (weft__out_failed(&s->out))
		return -1;
	if (!is_html_200(rec) || strlen(rec->url) >= SITEMAP_MAX_URL)
		return 0;
	if (!s->loc_base && !(s->loc_base = origin_slash(rec->url)))
		return weft__out_fail(&s->out, ENOMEM, "sitemap: %s", strerror(ENOMEM));
	/* An entry: "  <url><loc>" URL "</loc></url>\n", at most 6 times the URL escaped. */
	uint64_t worst = 28 + 6 * (uint64_t)strlen(rec->url);
	if (s->n_in_part >= s->max_urls || s->bytes + worst > SITEMAP_MAX_BYTES) {
		if (!s->path)
			return weft__out_fail(&s->out, 0,
					      "writing %s: more than %zu URLs, the limit of one "
					      "sitemap file; write to a file to get a sitemap index "
					      "and its parts", s->out.name, s->max_urls);
		if (next_part(s) != 0)
			return -1;
	}
	weft__out_start(&s->out);
	fputs("  <url><loc>", s->out.fp);
	s->bytes += 28 + xml_escaped(s->out.fp, rec->url);
	fputs("</loc></url>\n", s->out.fp);
	s->n_in_part++;
	return weft__out_done(&s->out);
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

static int sitemap_end(struct weft_reporter *r)
{
	struct sitemap_reporter *s = (struct sitemap_reporter *)r;
	if (weft__out_failed(&s->out))
		return -1;
	weft__out_start(&s->out);
	fputs(urlset_tail, s->out.fp);
	if (weft__out_done(&s->out) != 0 || weft__out_finish(&s->out) != 0)
		return -1;
	if (s->parts == 0)
		return 0;
	/* The index, at P. */
	if (weft__out_open(&s->out, s->path) != 0)
		return -1;
	FILE *fp = s->out.fp;
	weft__out_start(&s->out);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	      "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n", fp);
	for (unsigned i = 1; i <= s->parts; i++) {
		char *name = part_name(s, i);
		if (!name)
			return weft__out_fail(&s->out, ENOMEM, "sitemap: %s", strerror(ENOMEM));
		fputs("  <sitemap><loc>", fp);
		xml_escaped(fp, s->loc_base);
		xml_escaped(fp, base_name(name));
		fputs("</loc></sitemap>\n", fp);
		free(name);
	}
	fputs("</sitemapindex>\n", fp);
	if (weft__out_done(&s->out) != 0)
		return -1;
	return weft__out_finish(&s->out);
}

static const char *sitemap_error(struct weft_reporter *r, int *errnum)
{
	return weft__out_error(&((struct sitemap_reporter *)r)->out, errnum);
}

static void sitemap_destroy(struct weft_reporter *r)
{
	struct sitemap_reporter *s = (struct sitemap_reporter *)r;
	weft__out_free(&s->out);
	free(s->path);
	free(s->stem);
	free(s->loc_base);
	free(s);
}

static const struct weft_reporter_ops sitemap_ops = {
	.name = "sitemap", .begin = sitemap_begin, .record = sitemap_record, .end = sitemap_end,
	.destroy = sitemap_destroy, .error = sitemap_error,
};

int weft_reporter_sitemap(struct weft_reporter **out, const struct weft_report_options *o)
{
	*out = NULL;
	if (o->max_urls > WEFT_SITEMAP_MAX_URLS)
		return WEFT_E_INVAL;
	struct sitemap_reporter *s = calloc(1, sizeof(*s));
	if (!s)
		return WEFT_E_NOMEM;
	s->base.ops = &sitemap_ops;
	s->max_urls = o->max_urls ? o->max_urls : WEFT_SITEMAP_MAX_URLS;
	int rc = weft__out_init(&s->out, o->fp, o->name);
	if (rc == WEFT_OK && o->path) {
		size_t n = strlen(o->path);
		if (n > 4 && strcmp(o->path + n - 4, ".xml") == 0)
			n -= 4;
		s->path = strdup(o->path);
		s->stem = strndup(o->path, n);
		if (!s->path || !s->stem)
			rc = WEFT_E_NOMEM;
	}
	if (rc == WEFT_OK && o->base) {
		size_t n = strlen(o->base);
		if ((s->loc_base = malloc(n + 2)) != NULL) {
			memcpy(s->loc_base, o->base, n + 1);
			if (n == 0 || o->base[n - 1] != '/')
				strcat(s->loc_base, "/");
		} else {
			rc = WEFT_E_NOMEM;
		}
	}
	if (rc != WEFT_OK) {
		sitemap_destroy(&s->base);
		return rc;
	}
	*out = &s->base;
	return WEFT_OK;
}
