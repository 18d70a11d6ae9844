/*
 * visited.c -- the in-memory visited set: open addressing with linear probing over 64-bit
 * fingerprints (0 marks an empty slot; fingerprints are never 0).
 *
 * Locking: when created `locked`, every public call takes `mu`; otherwise the set belongs to one
 * thread (serial and channel engines, the event loop) and takes no lock at all.
 */
#include <pthread.h>
#include <stdlib.h>

#include <weft.h>

#include "core/visited.h"
#include "util/util.h"

#define MIN_SLOTS 1024u
/* Grow when count exceeds 3/4 of the slots: 8-byte slots then cost 10.7 to 21 bytes a URL. */
#define MAX_LOAD_NUM 3
#define MAX_LOAD_DEN 4

struct mem_set {
	struct weft__visited base;
	bool locked;
	pthread_mutex_t mu;   /* guards everything below when locked */
	uint64_t *slots;
	size_t mask;          /* slots - 1; slots is a power of two */
	size_t count;
};

static size_t slot_of(const struct mem_set *s, uint64_t fp)
{
	/* Fingerprints are uniformly distributed: the low bits are a fine index. */
	return (size_t)fp & s->mask;
}

static void insert_fresh(uint64_t *slots, size_t mask, uint64_t fp)
{
	size_t i = (size_t)fp & mask;
	while (slots[i])
		i = (i + 1) & mask;
	slots[i] = fp;
}

static int grow(struct mem_set *s)
{
	size_t n = (s->mask + 1) * 2;
	uint64_t *ns = calloc(n, sizeof(*ns));
	if (!ns)
		return WEFT_E_NOMEM;
	for (size_t i = 0; i <= s->mask; i++)
		if (s->slots[i])
			insert_fresh(ns, n - 1, s->slots[i]);
	free(s->slots);
	s->slots = ns;
	s->mask = n - 1;
	return WEFT_OK;
}

/* The insert-if-absent core; the caller holds mu if the set is locked. */
static int add_fp_unlocked(struct mem_set *s, uint64_t fp, size_t limit)
{
	size_t i = slot_of(s, fp);
	while (s->slots[i]) {
		if (s->slots[i] == fp)
			return WEFT__SEEN;
		i = (i + 1) & s->mask;
	}
	if (limit && s->count >= limit)
		return WEFT__FULL;
	if ((s->count + 1) * MAX_LOAD_DEN > (s->mask + 1) * MAX_LOAD_NUM) {
		int rc = grow(s);
		if (rc)
			return rc;
		insert_fresh(s->slots, s->mask, fp);
	} else {
		s->slots[i] = fp;
	}
	s->count++;
	return WEFT__NEW;
}

int weft__visited_add_fp(struct weft__visited *v, uint64_t fp, size_t limit)
{
	struct mem_set *s = (struct mem_set *)v;
	if (s->locked)
		pthread_mutex_lock(&s->mu);
	int rc = add_fp_unlocked(s, fp ? fp : 1, limit);
	if (s->locked)
		pthread_mutex_unlock(&s->mu);
	return rc;
}

static int mem_add(struct weft__visited *v, const char *key, size_t len, size_t limit)
{
	return weft__visited_add_fp(v, weft__fingerprint(key, len), limit);
}

static bool mem_contains(struct weft__visited *v, const char *key, size_t len)
{
	struct mem_set *s = (struct mem_set *)v;
	uint64_t fp = weft__fingerprint(key, len);
	bool found = false;
	if (s->locked)
		pthread_mutex_lock(&s->mu);
	for (size_t i = slot_of(s, fp); s->slots[i]; i = (i + 1) & s->mask)
		if (s->slots[i] == fp) {
			found = true;
			break;
		}
	if (s->locked)
		pthread_mutex_unlock(&s->mu);
	return found;
}

static size_t mem_count(struct weft__visited *v)
{
	struct mem_set *s = (struct mem_set *)v;
	if (s->locked)
		pthread_mutex_lock(&s->mu);
	size_t n = s->count;
	if (s->locked)
		pthread_mutex_unlock(&s->mu);
	return n;
}

static size_t mem_bytes(struct weft__visited *v)
{
	struct mem_set *s = (struct mem_set *)v;
	if (s->locked)
		pthread_mutex_lock(&s->mu);
	size_t n = (s->mask + 1) * sizeof(uint64_t);
	if (s->locked)
		pthread_mutex_unlock(&s->mu);
	return n + sizeof(*s);
}

static void mem_destroy(struct weft__visited *v)
{
	struct mem_set *s = (struct mem_set *)v;
	if (s->locked)
		pthread_mutex_destroy(&s->mu);
	free(s->slots);
	free(s);
}

static const struct weft__visited_ops mem_ops = {
	.name = "memory",
	.add = mem_add,
	.contains = mem_contains,
	.count = mem_count,
	.bytes = mem_bytes,
	.destroy = mem_destroy,
};

int weft__visited_mem_new(struct weft__visited **out, size_t expect, bool locked)
{
	*out = NULL;
	struct mem_set *s = calloc(1, sizeof(*s));
	if (!s)
		return WEFT_E_NOMEM;
	size_t n = MIN_SLOTS;
	while (n / MAX_LOAD_DEN * MAX_LOAD_NUM < expect && n < ((size_t)1 << 40))
		n *= 2;
	s->slots = calloc(n, sizeof(*s->slots));
	if (!s->slots) {
		free(s);
		return WEFT_E_NOMEM;
	}
	s->mask = n - 1;
	s->locked = locked;
	if (locked)
		pthread_mutex_init(&s->mu, NULL);
	s->base.ops = &mem_ops;
	*out = &s->base;
	return WEFT_OK;
}
