/*
 * links.h -- helpers shared by the extractor tests: a list of strings, a link collector for
 * weft_html_* callbacks, feeding a document in chunks, and the oracle's link filter.
 */
#ifndef WEFT_TEST_LINKS_H
#define WEFT_TEST_LINKS_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <weft.h>
#include <weft/extract.h>

/* A growable list of owned strings. */
struct strlist {
	char **v;
	size_t n;
	size_t cap;
};

static inline bool strlist_add(struct strlist *l, const char *s, size_t len)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv)
			return false;
		l->v = nv;
		l->cap = cap;
	}
	char *c = malloc(len + 1);
	if (!c)
		return false;
	memcpy(c, s, len);
	c[len] = '\0';
	l->v[l->n++] = c;
	return true;
}

static inline void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	*l = (struct strlist){ 0 };
}

static inline int strlist_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort in byte order and drop duplicates. */
static inline void strlist_sort_uniq(struct strlist *l)
{
	if (l->n == 0)
		return;
	qsort(l->v, l->n, sizeof(*l->v), strlist_cmp);
	size_t k = 1;
	for (size_t i = 1; i < l->n; i++) {
		if (strcmp(l->v[i], l->v[k - 1]) == 0)
			free(l->v[i]);
		else
			l->v[k++] = l->v[i];
	}
	l->n = k;
}

static inline bool strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

static inline bool strlist_eq(const struct strlist *a, const struct strlist *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

/* The collector: every link as "tag url" in document order, or only the URL (plain). */
struct collect {
	struct strlist links;
	bool with_tag;
	size_t calls;
	int stop_after; /* return 1 after this many links (0: never) */
	bool bad;       /* a callback argument was wrong (len, NUL, fragment) */
};

static inline int collect_fn(void *cookie, const char *url, size_t len, enum weft_link_tag tag)
{
	struct collect *c = cookie;
	static const char *const names[] = { "a", "area", "iframe", "frame" };
	c->calls++;
	if (!url || strlen(url) != len || memchr(url, '#', len) || (unsigned)tag > 3)
		c->bad = true;
	if (c->with_tag) {
		size_t tl = strlen(names[tag & 3]);
		char *s = malloc(tl + 1 + len + 1);
		if (!s)
			return 1;
		memcpy(s, names[tag & 3], tl);
		s[tl] = ' ';
		memcpy(s + tl + 1, url, len);
		strlist_add(&c->links, s, tl + 1 + len);
		free(s);
	} else {
		strlist_add(&c->links, url, len);
	}
	return c->stop_after && c->calls >= (size_t)c->stop_after;
}

/*
 * Extract with the document fed in chunks: sizes[i % n_sizes] bytes at a time (n_sizes 0:
 * one chunk). Returns the weft_html_* result.
 */
static inline int extract_chunked(const char *buf, size_t len, const char *page,
				  const char *charset, const size_t *sizes, size_t n_sizes,
				  struct collect *c)
{
	struct weft_html *h = NULL;
	int rc = weft_html_new(&h, page, charset, collect_fn, c);
	if (rc)
		return rc;
	size_t off = 0;
	for (size_t i = 0; off < len && !rc; i++) {
		size_t k = n_sizes ? sizes[i % n_sizes] : len;
		if (k > len - off)
			k = len - off;
		rc = weft_html_feed(h, buf + off, k);
		off += k;
	}
	if (!rc)
		rc = weft_html_finish(h);
	weft_html_free(&h);
	return rc;
}

/* The oracle's filter: javascript:, mailto: and data: URLs are not links. */
static inline bool oracle_keeps(const char *url)
{
	return strncasecmp(url, "javascript:", 11) != 0 && strncasecmp(url, "mailto:", 7) != 0 &&
	       strncasecmp(url, "data:", 5) != 0;
}

static inline bool is_http(const char *url)
{
	return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

#endif
