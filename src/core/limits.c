/*
 * limits.c -- shape and counting limits on URLs (see limits.h).
 *
 * The counting table maps a 64-bit fingerprint to a count: of "H" + host (pages of a host)
 * and of "P" + the URL with every run of digits after the host replaced by '#' (URLs that
 * differ only in their digits). Only fingerprints are kept, 16 bytes per key in an open-addressing table; a
 * collision between two keys (2^-64 per pair) would merge their counts, which is harmless.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"

struct slot {
	uint64_t key; /* 0: empty (fingerprints are never 0) */
	uint64_t n;
};

struct weft__limits {
	pthread_mutex_t mu;
	struct slot *v; /* guarded by mu */
	size_t mask;
	size_t used;
};

int weft__limits_new(struct weft__limits **out)
{
	struct weft__limits *l = calloc(1, sizeof(*l));
	*out = NULL;
	if (!l || !(l->v = calloc(1024, sizeof(*l->v)))) {
		free(l);
		return WEFT_E_NOMEM;
	}
	l->mask = 1023;
	pthread_mutex_init(&l->mu, NULL);
	*out = l;
	return WEFT_OK;
}

void weft__limits_free(struct weft__limits **l)
{
	if (!l || !*l)
		return;
	pthread_mutex_destroy(&(*l)->mu);
	free((*l)->v);
	free(*l);
	*l = NULL;
}

static int grow(struct weft__limits *l)
{
	size_t cap = (l->mask + 1) * 2;
	struct slot *v = calloc(cap, sizeof(*v));
	if (!v)
		return WEFT_E_NOMEM;
	for (size_t i = 0; i <= l->mask; i++) {
		if (!l->v[i].key)
			continue;
		size_t j = l->v[i].key & (cap - 1);
		while (v[j].key)
			j = (j + 1) & (cap - 1);
		v[j] = l->v[i];
	}
	free(l->v);
	l->v = v;
	l->mask = cap - 1;
	return WEFT_OK;
}

/* Add one to key's count; the new count, or 0 when out of memory. mu held. */
static uint64_t bump(struct weft__limits *l, uint64_t key)
{
	if ((l->used + 1) * 4 > (l->mask + 1) * 3 && grow(l) != WEFT_OK)
		return 0;
	size_t i = key & l->mask;
	while (l->v[i].key && l->v[i].key != key)
		i = (i + 1) & l->mask;
	if (!l->v[i].key) {
		l->v[i].key = key;
		l->used++;
	}
	return ++l->v[i].n;
}

/* Where the host of an http(s) URL starts and ends (userinfo never appears in ours). */
static void host_span(const char *url, size_t len, size_t *a, size_t *b)
{
	const char *p = memchr(url, ':', len);
	size_t i = p ? (size_t)(p - url) + 3 : 0;
	if (i > len)
		i = len;
	size_t j = i;
	while (j < len && url[j] != '/' && url[j] != '?' && url[j] != '#')
		j++;
	*a = i;
	*b = j;
}

/* The path's segments: how many, and the most times one segment occurs. */
static void path_shape(const char *path, size_t n, int *segments, int *worst, size_t *w_at,
		       size_t *w_len)
{
	enum { MAX_SEG = 256 };
	size_t at[MAX_SEG], ln[MAX_SEG];
	int k = 0;
	*segments = 0;
	*worst = 0;
	for (size_t i = 0; i < n && path[i] == '/';) {
		size_t s = ++i;
		while (i < n && path[i] != '/')
			i++;
		(*segments)++;
		if (k < MAX_SEG && i > s) {
			at[k] = s;
			ln[k++] = i - s;
		}
	}
	for (int x = 0; x < k; x++) { /* quadratic in at most 256 segments, only for deep paths */
		int same = 1;
		for (int y = x + 1; y < k; y++)
			same += ln[y] == ln[x] && memcmp(path + at[y], path + at[x], ln[x]) == 0;
		if (same > *worst) {
			*worst = same;
			*w_at = at[x];
			*w_len = ln[x];
		}
	}
}

enum weft__skip weft__limits_shape(const struct weft_crawl *c, const char *url, size_t len,
				   char *msg, size_t msglen)
{
	const struct weft_config *cfg = &c->cfg;
	if (cfg->max_url_len && len > cfg->max_url_len) {
		snprintf(msg, msglen, "URL of %zu bytes, over --max-url-len %zu", len,
			 cfg->max_url_len);
		return WEFT__SKIP_TOO_LONG;
	}
	if (cfg->max_path_segments <= 0 && cfg->max_repeats <= 0)
		return WEFT__SKIP_NONE;
	size_t a, b;
	host_span(url, len, &a, &b);
	size_t plen = strcspn(url + b, "?#");
	if (plen > len - b)
		plen = len - b;
	int segs, worst;
	size_t w_at = 0, w_len = 0;
	path_shape(url + b, plen, &segs, &worst, &w_at, &w_len);
	if (cfg->max_path_segments > 0 && segs > cfg->max_path_segments) {
		snprintf(msg, msglen, "%d path segments, over --max-path-segments %d", segs,
			 cfg->max_path_segments);
		return WEFT__SKIP_TRAP;
	}
	if (cfg->max_repeats > 0 && worst > cfg->max_repeats) {
		snprintf(msg, msglen, "path segment '%.*s' %d times, over --max-repeats %d",
			 (int)(w_len > 60 ? 60 : w_len), url + b + w_at, worst, cfg->max_repeats);
		return WEFT__SKIP_TRAP;
	}
	return WEFT__SKIP_NONE;
}

/* Fingerprint of "P" + url with each run of digits after the host as one '#' (the host stays
   as it is: 127.1.0.5 and 127.1.0.6 are different hosts, not one pattern). */
static uint64_t pattern_key(const char *url, size_t len, size_t host_end)
{
	char stack[512];
	char *buf = len + 2 <= sizeof(stack) ? stack : malloc(len + 2);
	if (!buf)
		return 0;
	size_t k = 0;
	buf[k++] = 'P';
	memcpy(buf + k, url, host_end);
	k += host_end;
	for (size_t i = host_end; i < len; i++) {
		bool digit = url[i] >= '0' && url[i] <= '9';
		if (!digit)
			buf[k++] = url[i];
		else if (buf[k - 1] != '#')
			buf[k++] = '#';
	}
	uint64_t key = weft__fingerprint(buf, k);
	if (buf != stack)
		free(buf);
	return key;
}

int weft__limits_count(struct weft_crawl *c, const char *url, size_t len, char *msg,
		       size_t msglen)
{
	long per_host = c->cfg.max_pages_per_host, similar = c->cfg.max_similar;
	if (per_host <= 0 && similar <= 0)
		return WEFT__SKIP_NONE;
	size_t a, b;
	host_span(url, len, &a, &b);
	uint64_t hkey = 0, pkey = 0;
	if (per_host > 0) {
		char hbuf[300];
		size_t hn = b - a < sizeof(hbuf) - 1 ? b - a : sizeof(hbuf) - 1;
		hbuf[0] = 'H';
		memcpy(hbuf + 1, url + a, hn);
		hkey = weft__fingerprint(hbuf, hn + 1);
	}
	if (similar > 0 && !(pkey = pattern_key(url, len, b)))
		return WEFT_E_NOMEM;
	struct weft__limits *l = c->limits;
	int verdict = WEFT__SKIP_NONE;
	pthread_mutex_lock(&l->mu);
	uint64_t nh = hkey ? bump(l, hkey) : 1, np = pkey ? bump(l, pkey) : 1;
	pthread_mutex_unlock(&l->mu);
	if (!nh || !np)
		return WEFT_E_NOMEM;
	if (per_host > 0 && nh > (uint64_t)per_host) {
		snprintf(msg, msglen, "over --max-pages-per-host %ld", per_host);
		verdict = WEFT__SKIP_HOST_LIMIT;
	} else if (similar > 0 && np > (uint64_t)similar) {
		snprintf(msg, msglen, "over --max-similar %ld URLs of this host that differ only "
				      "in their digits", similar);
		verdict = WEFT__SKIP_TRAP;
	}
	return verdict;
}
