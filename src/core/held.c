/*
 * held.c -- held records of redirect chain starts (see held.h).
 *
 * A chained hash table of items, one per held record, keyed by the URL its chain has reached
 * (several chains may reach one URL: each is its own item). Each item owns a copy of every
 * string of its record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/held.h"

struct item {
	struct item *next;
	uint64_t key;              /* fingerprint of at */
	char *at;                  /* the URL the chain has reached */
	struct weft_record rec;    /* strings below, owned */
	char *url, *final_url, *from, *content_type, *error_msg, *redirect;
};

struct weft__held {
	pthread_mutex_t mu;
	atomic_size_t count;       /* items held; read without mu to skip the lock */
	struct item **b;           /* guarded by mu */
	size_t mask;
};

int weft__held_new(struct weft__held **out)
{
	struct weft__held *h = calloc(1, sizeof(*h));
	*out = NULL;
	if (!h || !(h->b = calloc(256, sizeof(*h->b)))) {
		free(h);
		return WEFT_E_NOMEM;
	}
	h->mask = 255;
	pthread_mutex_init(&h->mu, NULL);
	*out = h;
	return WEFT_OK;
}

static void item_free(struct item *it)
{
	free(it->at);
	free(it->url);
	free(it->final_url);
	free(it->from);
	free(it->content_type);
	free(it->error_msg);
	free(it->redirect);
	free(it);
}

void weft__held_free(struct weft__held **h)
{
	if (!h || !*h)
		return;
	for (size_t i = 0; i <= (*h)->mask; i++)
		for (struct item *it = (*h)->b[i], *n; it; it = n) {
			n = it->next;
			item_free(it);
		}
	pthread_mutex_destroy(&(*h)->mu);
	free((*h)->b);
	free(*h);
	*h = NULL;
}

static void link_in(struct weft__held *h, struct item *it)
{
	struct item **slot = &h->b[it->key & h->mask];
	it->next = *slot;
	*slot = it;
}

/* Double the buckets when items outnumber them (mu held); on failure keep the old ones. */
static void maybe_grow(struct weft__held *h)
{
	size_t n = atomic_load(&h->count), cap = h->mask + 1;
	if (n <= cap)
		return;
	struct item **nb = calloc(cap * 2, sizeof(*nb));
	if (!nb)
		return;
	struct item **old = h->b;
	h->b = nb;
	h->mask = cap * 2 - 1;
	for (size_t i = 0; i < cap; i++)
		for (struct item *it = old[i], *next; it; it = next) {
			next = it->next;
			link_in(h, it);
		}
	free(old);
}

int weft__held_put(struct weft_crawl *c, const struct weft_record *rec, const char *next)
{
	struct weft__held *h = c->held;
	struct item *it = calloc(1, sizeof(*it));
	if (!it)
		return WEFT_E_NOMEM;
	it->rec = *rec;
	it->at = strdup(next);
	it->url = weft__strdup(rec->url);
	it->final_url = weft__strdup(rec->final_url);
	it->from = weft__strdup(rec->from);
	it->content_type = weft__strdup(rec->content_type);
	it->error_msg = weft__strdup(rec->error_msg);
	it->redirect = weft__strdup(rec->redirect);
	if (!it->at || !it->url || (rec->final_url && !it->final_url) ||
	    (rec->from && !it->from) || (rec->content_type && !it->content_type) ||
	    (rec->error_msg && !it->error_msg) || (rec->redirect && !it->redirect)) {
		item_free(it);
		return WEFT_E_NOMEM;
	}
	it->rec.links = NULL; /* a redirect's body is not parsed: no links, no anchors */
	it->rec.n_links = 0;
	it->rec.anchors = NULL;
	it->rec.n_anchors = 0;
	it->key = weft__fingerprint(next, strlen(next));
	pthread_mutex_lock(&h->mu);
	atomic_fetch_add(&h->count, 1);
	maybe_grow(h);
	link_in(h, it);
	pthread_mutex_unlock(&h->mu);
	return WEFT_OK;
}

/* Unlink and return every item held at `at` (mu held). */
static struct item *take(struct weft__held *h, const char *at)
{
	uint64_t key = weft__fingerprint(at, strlen(at));
	struct item *got = NULL;
	for (struct item **pp = &h->b[key & h->mask]; *pp;) {
		struct item *it = *pp;
		if (it->key == key && strcmp(it->at, at) == 0) {
			*pp = it->next;
			it->next = got;
			got = it;
			atomic_fetch_sub(&h->count, 1);
		} else {
			pp = &it->next;
		}
	}
	return got;
}

void weft__held_move(struct weft_crawl *c, const char *at, const char *next)
{
	struct weft__held *h = c->held;
	if (!atomic_load_explicit(&h->count, memory_order_relaxed))
		return;
	pthread_mutex_lock(&h->mu);
	struct item *got = take(h, at), *n;
	for (struct item *it = got; it; it = n) {
		n = it->next;
		char *copy = strdup(next);
		if (copy) { /* else it stays keyed where it was, and is written at the end */
			free(it->at);
			it->at = copy;
			it->key = weft__fingerprint(next, strlen(next));
		}
		atomic_fetch_add(&h->count, 1);
		link_in(h, it);
	}
	pthread_mutex_unlock(&h->mu);
}

/* Write the records of a list of items, each with err (unless NONE), and free them. */
static void emit(struct weft_crawl *c, struct item *list, enum weft_fetch_err err,
		 const char *msg)
{
	for (struct item *it = list, *n; it; it = n) {
		n = it->next;
		char buf[600];
		struct weft_record rec = it->rec;
		rec.url = it->url;
		rec.final_url = it->final_url;
		rec.from = it->from;
		rec.content_type = it->content_type;
		rec.error_msg = it->error_msg;
		rec.redirect = it->redirect;
		if (err != WEFT_FE_NONE) {
			snprintf(buf, sizeof(buf), "redirect chain: %s", msg ? msg : "");
			rec.error = err;
			rec.error_msg = buf;
			atomic_fetch_add_explicit(&c->stats.failed, 1, memory_order_relaxed);
			atomic_fetch_sub_explicit(&c->stats.ok, 1, memory_order_relaxed);
		}
		weft__report_record(c, &rec);
		item_free(it);
	}
}

void weft__held_end(struct weft_crawl *c, const char *at, enum weft_fetch_err err,
		    const char *msg)
{
	struct weft__held *h = c->held;
	if (!atomic_load_explicit(&h->count, memory_order_relaxed))
		return;
	pthread_mutex_lock(&h->mu);
	struct item *got = take(h, at);
	pthread_mutex_unlock(&h->mu);
	emit(c, got, err, msg);
}

void weft__held_flush(struct weft_crawl *c)
{
	struct weft__held *h = c->held;
	struct item *all = NULL;
	pthread_mutex_lock(&h->mu);
	for (size_t i = 0; i <= h->mask; i++) {
		for (struct item *it = h->b[i], *n; it; it = n) {
			n = it->next;
			it->next = all;
			all = it;
		}
		h->b[i] = NULL;
	}
	atomic_store(&h->count, 0);
	pthread_mutex_unlock(&h->mu);
	emit(c, all, WEFT_FE_NONE, NULL);
}
