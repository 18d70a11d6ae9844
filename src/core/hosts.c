/*
 * hosts.c -- the per-host politeness table (see hosts.h): an open-addressing hash of origins to
 * host records, and the few rules that decide when a host may be sent its next request.
 */
#include <stdlib.h>
#include <string.h>

#include "core/hosts.h"
#include "core/robots.h"

#define ROBOTS_TTL (24.0 * 3600.0) /* RFC 9309 §2.4: cache for at most 24 hours */

struct weft__hosts {
	struct weft__host_policy pol; /* agent points into agent_copy */
	char *agent_copy;
	struct weft__host **slot;     /* open addressing by fingerprint; NULL = empty */
	size_t cap;                   /* a power of two */
	size_t n;
};

int weft__hosts_new(struct weft__hosts **out, const struct weft__host_policy *pol)
{
	struct weft__hosts *t = calloc(1, sizeof(*t));
	if (!t)
		goto nomem;
	t->pol = *pol;
	t->agent_copy = strdup(pol->agent ? pol->agent : "weft");
	t->cap = 64;
	t->slot = calloc(t->cap, sizeof(*t->slot));
	if (!t->agent_copy || !t->slot)
		goto nomem;
	t->pol.agent = t->agent_copy;
	*out = t;
	return WEFT_OK;
nomem:
	weft__hosts_free(&t);
	*out = NULL;
	return WEFT_E_NOMEM;
}

static void host_free(struct weft__host *h)
{
	free(h->key);
	weft__robots_free(&h->robots);
	weft__str_unref(h->robots_url);
	weft__fifo_free(&h->queue);
	if (h->cv) {
		pthread_cond_destroy(h->cv);
		free(h->cv);
	}
	free(h);
}

void weft__hosts_free(struct weft__hosts **tp)
{
	struct weft__hosts *t = tp ? *tp : NULL;
	if (!t)
		return;
	for (size_t i = 0; t->slot && i < t->cap; i++)
		if (t->slot[i])
			host_free(t->slot[i]);
	free(t->slot);
	free(t->agent_copy);
	free(t);
	*tp = NULL;
}

const struct weft__host_policy *weft__hosts_policy(const struct weft__hosts *t)
{
	return &t->pol;
}

/*
 * "scheme://authority" of a canonical URL, without userinfo: the authority ends at the first
 * '/', '?' or '#' after "://". Canonical http(s) URLs always have one.
 */
size_t weft__origin_len(const char *url, size_t len)
{
	const char *p = memchr(url, ':', len);
	if (!p || (size_t)(p - url) + 3 > len || p[1] != '/' || p[2] != '/')
		return len;
	size_t i = (size_t)(p - url) + 3;
	while (i < len && url[i] != '/' && url[i] != '?' && url[i] != '#')
		i++;
	return i;
}

struct weft__str *weft__origin_path(const char *url, size_t len, const char *path)
{
	size_t o = weft__origin_len(url, len), n = strlen(path);
	char *buf = malloc(o + n + 1);
	if (!buf)
		return NULL;
	memcpy(buf, url, o);
	memcpy(buf + o, path, n + 1);
	struct weft__str *s = weft__str_new(buf, o + n);
	free(buf);
	return s;
}

/*
 * The host key of a canonical URL: its origin, without userinfo ("http://u:p@h/" and
 * "http://h/" are one host). Points into url unless userinfo must be cut out, which needs a
 * copy (*copy, to free); most URLs have none, so the lookup on every admit and settle
 * allocates nothing.
 */
static const char *origin_key(const char *url, size_t len, size_t *n, char **copy)
{
	size_t o = weft__origin_len(url, len);
	const char *at = memchr(url, '@', o);
	*copy = NULL;
	*n = o;
	if (!at)
		return url;
	const char *slashes = strstr(url, "://");
	if (!slashes || at < slashes)
		return url;
	size_t scheme = (size_t)(slashes - url) + 3, rest = o - (size_t)(at + 1 - url);
	char *k = malloc(scheme + rest + 1);
	if (!k)
		return NULL;
	memcpy(k, url, scheme);
	memcpy(k + scheme, at + 1, rest);
	k[scheme + rest] = '\0';
	*n = scheme + rest;
	return *copy = k;
}

static int grow(struct weft__hosts *t)
{
	size_t cap = t->cap * 2;
	struct weft__host **slot = calloc(cap, sizeof(*slot));
	if (!slot)
		return WEFT_E_NOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		struct weft__host *h = t->slot[i];
		if (!h)
			continue;
		size_t j = h->fp & (cap - 1);
		while (slot[j])
			j = (j + 1) & (cap - 1);
		slot[j] = h;
	}
	free(t->slot);
	t->slot = slot;
	t->cap = cap;
	return WEFT_OK;
}

static struct weft__host *host_new(struct weft__hosts *t, char *key, size_t n, uint64_t fp)
{
	struct weft__host *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->key = key;
	h->key_len = n;
	h->fp = fp;
	h->delay = t->pol.delay;
	h->heap_pos = SIZE_MAX;
	h->robots_state = t->pol.robots ? WEFT__ROBOTS_NONE : WEFT__ROBOTS_READY;
	return h;
}

struct weft__host *weft__hosts_get(struct weft__hosts *t, const char *url, size_t len)
{
	size_t n;
	char *copy;
	const char *key = origin_key(url, len, &n, &copy);
	if (!key)
		return NULL;
	uint64_t fp = weft__fingerprint(key, n);
	size_t i = fp & (t->cap - 1);
	struct weft__host *h = NULL;
	for (; t->slot[i]; i = (i + 1) & (t->cap - 1)) {
		h = t->slot[i];
		if (h->fp == fp && h->key_len == n && memcmp(h->key, key, n) == 0)
			goto out;
	}
	h = NULL;
	if ((t->n + 1) * 2 > t->cap && grow(t) != WEFT_OK && t->n + 1 >= t->cap)
		goto out; /* full: never probe a table without an empty slot */
	for (i = fp & (t->cap - 1); t->slot[i];) /* grow() may have moved the slots */
		i = (i + 1) & (t->cap - 1);
	char *owned = copy ? copy : strndup(key, n);
	if (owned && (h = host_new(t, owned, n, fp))) {
		copy = NULL;
		t->slot[i] = h;
		t->n++;
	} else if (owned != copy) {
		free(owned);
	}
out:
	free(copy);
	return h;
}

double weft__host_ready_at(const struct weft__host *h)
{
	return h->next_start > h->blocked_until ? h->next_start : h->blocked_until;
}

bool weft__host_can_start(const struct weft__hosts *t, const struct weft__host *h, double now)
{
	if (t->pol.max_in_flight > 0 && h->in_flight >= t->pol.max_in_flight)
		return false;
	return weft__host_ready_at(h) <= now;
}

void weft__host_start(struct weft__host *h, double now)
{
	h->in_flight++;
	h->next_start = now + h->delay;
}

void weft__host_end(const struct weft__hosts *t, struct weft__host *h, double now, double block)
{
	h->in_flight--;
	if (block == -1) {
		h->backoff = 0;
		return;
	}
	if (block < 0) { /* no Retry-After: double the host's back-off */
		block = h->backoff > 0 ? h->backoff * 2 : t->pol.backoff_first;
		h->backoff = block;
	}
	if (block > t->pol.backoff_max)
		block = t->pol.backoff_max;
	if (now + block > h->blocked_until)
		h->blocked_until = now + block;
}

bool weft__host_needs_robots(const struct weft__hosts *t, struct weft__host *h, double now)
{
	if (!t->pol.robots)
		return false;
	if (h->robots_state == WEFT__ROBOTS_READY && now >= h->robots_expires) {
		h->robots_state = WEFT__ROBOTS_NONE; /* stale: fetch again, keep the old rules */
		h->robots_failures = 0;
	}
	return h->robots_state == WEFT__ROBOTS_NONE;
}

void weft__host_set_robots(const struct weft__hosts *t, struct weft__host *h,
			   struct weft__robots *r, double now)
{
	weft__robots_free(&h->robots);
	h->robots = r;
	h->robots_state = WEFT__ROBOTS_READY;
	h->robots_expires = now + ROBOTS_TTL;
	h->robots_hops = 0;
	weft__str_unref(h->robots_url);
	h->robots_url = NULL;
	h->delay = t->pol.delay;
	double cd = r ? weft__robots_crawl_delay(r) : -1;
	if (cd > 0 && t->pol.max_crawl_delay >= 0) {
		if (cd > t->pol.max_crawl_delay)
			cd = t->pol.max_crawl_delay;
		if (cd > h->delay)
			h->delay = cd;
	}
}

int weft__host_verdict(const struct weft__host *h, const char *url, uint8_t *err)
{
	if (!h->robots)
		return WEFT__SKIP_NONE;
	if (h->down) {
		*err = h->down;
		return WEFT__SKIP_DOWN;
	}
	return weft__robots_allowed_url(h->robots, url) ? WEFT__SKIP_NONE : WEFT__SKIP_ROBOTS;
}

void weft__hosts_each(struct weft__hosts *t, void (*fn)(struct weft__host *h, void *arg),
		      void *arg)
{
	for (size_t i = 0; i < t->cap; i++)
		if (t->slot[i])
			fn(t->slot[i], arg);
}

size_t weft__hosts_count(const struct weft__hosts *t)
{
	return t->n;
}
