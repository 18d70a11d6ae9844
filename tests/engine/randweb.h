/*
 * randweb.h -- seeded random fake webs for the invariant tests, and an oracle: the set of URLs
 * a correct crawl fetches, computed by a plain breadth-first search written independently of
 * weft's engines.
 */
#ifndef WEFT_TEST_RANDWEB_H
#define WEFT_TEST_RANDWEB_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft/fake.h>

#define RW_MAX_PAGES 250
#define RW_MAX_LINKS 10

enum rw_kind { RW_OK, RW_NOT_FOUND, RW_ERROR, RW_REDIRECT };

struct rw_page {
	char url[64];
	int host;
	enum rw_kind kind;
	int n_links;
	char links[RW_MAX_LINKS][64];
	int target; /* RW_REDIRECT: page index, or -1 for a missing URL */
	char redirect[64];
	unsigned delay_us;
};

struct randweb {
	int n;
	int n_hosts;
	struct rw_page pages[RW_MAX_PAGES];
	int n_seeds;
	char seeds[3][64];
	uint64_t rng;
};

static inline uint64_t rw_next(struct randweb *w)
{
	uint64_t z = (w->rng += 0x9e3779b97f4a7c15ull); /* splitmix64 */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline int rw_below(struct randweb *w, int n)
{
	return (int)(rw_next(w) % (uint64_t)n);
}

static inline void rw_missing_url(struct randweb *w, char *out, int host)
{
	snprintf(out, 64, "http://h%d.test/missing%d", host, rw_below(w, 50));
}

/* A link target: mostly pages (often on the same host), sometimes missing, sometimes self. */
static inline void rw_link(struct randweb *w, int from, char *out)
{
	int r = rw_below(w, 100);
	if (r < 10)
		rw_missing_url(w, out, rw_below(w, w->n_hosts));
	else if (r < 15)
		memcpy(out, w->pages[from].url, 64);
	else
		memcpy(out, w->pages[rw_below(w, w->n)].url, 64);
}

/* Redirect chains longer than the hop limit would make the fetched set order-dependent. */
static inline int rw_chain_len(const struct randweb *w, int i)
{
	int len = 0;
	while (i >= 0 && w->pages[i].kind == RW_REDIRECT && len <= w->n) {
		i = w->pages[i].target;
		len++;
	}
	return len;
}

static inline void rw_make_page(struct randweb *w, int i)
{
	struct rw_page *p = &w->pages[i];
	int r = rw_below(w, 100);
	p->kind = r < 80 ? RW_OK : r < 86 ? RW_NOT_FOUND : r < 92 ? RW_ERROR : RW_REDIRECT;
	p->n_links = rw_below(w, RW_MAX_LINKS + 1);
	for (int k = 0; k < p->n_links; k++)
		rw_link(w, i, p->links[k]);
	p->delay_us = rw_below(w, 100) < 10 ? (unsigned)rw_below(w, 200) : 0;
	if (p->kind == RW_REDIRECT) {
		p->target = rw_below(w, 10) == 0 ? -1 : rw_below(w, w->n);
		if (p->target < 0)
			rw_missing_url(w, p->redirect, p->host);
		else
			memcpy(p->redirect, w->pages[p->target].url, 64);
	}
}

static inline void rw_generate(struct randweb *w, uint64_t seed)
{
	memset(w, 0, sizeof(*w));
	w->rng = seed;
	w->n = rw_below(w, 100) < 75 ? 1 + rw_below(w, 40) : 1 + rw_below(w, 250);
	w->n_hosts = 1 + rw_below(w, 3);
	for (int i = 0; i < w->n; i++) {
		w->pages[i].host = rw_below(w, w->n_hosts);
		snprintf(w->pages[i].url, 64, "http://h%d.test/p%d", w->pages[i].host, i);
	}
	for (int i = 0; i < w->n; i++)
		rw_make_page(w, i);
	for (int i = 0; i < w->n; i++)
		if (rw_chain_len(w, i) > 8) {
			w->pages[i].kind = RW_OK;
		}
	w->n_seeds = 1 + rw_below(w, 3);
	for (int s = 0; s < w->n_seeds; s++)
		memcpy(w->seeds[s], w->pages[rw_below(w, w->n)].url, 64);
}

static inline int rw_to_fakeweb(const struct randweb *w, struct weft_fakeweb **out)
{
	int rc = weft_fakeweb_new(out);
	for (int i = 0; rc == 0 && i < w->n; i++) {
		const struct rw_page *p = &w->pages[i];
		const char *links[RW_MAX_LINKS];
		for (int k = 0; k < p->n_links; k++)
			links[k] = p->links[k];
		struct weft_fakepage fp = {
			.url = p->url, .links = links, .n_links = (size_t)p->n_links,
			.delay_us = p->delay_us,
			.status = p->kind == RW_NOT_FOUND ? 404 : 0,
			.error = p->kind == RW_ERROR ? "connection reset (fake)" : NULL,
			.redirect = p->kind == RW_REDIRECT ? p->redirect : NULL,
		};
		rc = weft_fakeweb_add(*out, &fp);
	}
	return rc;
}

/* ---- the oracle ---- */

struct rw_set {
	char (*v)[64];
	int n;
	int cap;
};

static inline int rw_set_has(const struct rw_set *s, const char *u)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->v[i], u) == 0)
			return 1;
	return 0;
}

static inline void rw_set_add(struct rw_set *s, const char *u)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = realloc(s->v, (size_t)s->cap * 64);
		if (!s->v)
			abort();
	}
	snprintf(s->v[s->n++], 64, "%s", u);
}

static inline int rw_host_of(const char *url)
{
	return url[8] - '0'; /* "http://h<d>.test/..." */
}

static inline const struct rw_page *rw_find(const struct randweb *w, const char *u)
{
	for (int i = 0; i < w->n; i++)
		if (strcmp(w->pages[i].url, u) == 0)
			return &w->pages[i];
	return NULL;
}

/*
 * The URLs a crawl fetches: every URL whose distance from a seed is at most max_depth (-1: no
 * limit), where a link of a usable page costs 1 and a redirect 0 -- a 0-1 breadth-first search
 * (a deque: 0-cost edges go to the front). Only in-scope URLs are followed.
 */
static inline void rw_oracle_depth(const struct randweb *w, int any_host, int max_depth,
				   struct rw_set *out)
{
	int in_scope[10] = { 0 };
	struct rw_set seen = { 0 };
	/* each page is expanded once: n * (links + redirect) pushes at most, either end */
	int size = 4 * (w->n * (RW_MAX_LINKS + 1) + 8);
	char (*dq)[64] = calloc((size_t)size, 64);
	int *dqd = calloc((size_t)size, sizeof(int));
	int head = size / 2, tail = size / 2;
	if (!dq || !dqd)
		abort();
	for (int s = 0; s < w->n_seeds; s++)
		in_scope[rw_host_of(w->seeds[s])] = 1;
	for (int s = 0; s < w->n_seeds; s++) {
		memcpy(dq[tail], w->seeds[s], 64);
		dqd[tail++] = 0;
	}
	while (head < tail) {
		char u[64];
		memcpy(u, dq[head], 64);
		int d = dqd[head++];
		if (rw_set_has(&seen, u))
			continue; /* settled earlier at a smaller or equal distance */
		rw_set_add(&seen, u);
		if (max_depth >= 0 && d > max_depth)
			continue;
		rw_set_add(out, u);
		const struct rw_page *p = rw_find(w, u);
		if (!p)
			continue;
		if (p->kind == RW_REDIRECT && (any_host || in_scope[rw_host_of(p->redirect)])) {
			memcpy(dq[--head], p->redirect, 64);
			dqd[head] = d;
		}
		if (p->kind == RW_OK)
			for (int k = 0; k < p->n_links; k++)
				if (any_host || in_scope[rw_host_of(p->links[k])]) {
					memcpy(dq[tail], p->links[k], 64);
					dqd[tail++] = d + 1;
				}
	}
	free(seen.v);
	free(dq);
	free(dqd);
}

static inline void rw_oracle(const struct randweb *w, int any_host, struct rw_set *out)
{
	rw_oracle_depth(w, any_host, -1, out);
}

#endif
