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
/*
 * Grow by half when count passes 3/4 of the slots, so the load stays between 1/2 and 3/4 and
 * an 8-byte slot costs 10.7 to 16 bytes per URL. Tables are not powers of two; a fingerprint
 * maps to a slot by multiply-shift (fp * n / 2^64), which keeps every slot equally likely.
 */
#define MAX_LOAD_NUM 3
#define MAX_LOAD_DEN 4

struct mem_set {
	struct weft__visited base;
	bool locked;
	pthread_mutex_t mu;   /* guards everything below when locked */
	uint64_t *slots;
	size_t n;             /* number of slots */
	size_t count;
};

__extension__ typedef unsigned __int128 u128; /* GCC and Clang have it on 64-bit targets */

static size_t slot_of(uint64_t fp, size_t n)
{
	return (size_t)(((u128)fp * n) >> 64);
}

static void insert_fresh(uint64_t *slots, size_t n, uint64_t fp)
{
	size_t i = slot_of(fp, n);
	while (slots[i])
		i = i + 1 == n ? 0 : i + 1;
	slots[i] = fp;
}

static int grow(struct mem_set *s)
{
	size_t n = s->n + s->n / 2;
	uint64_t *ns = calloc(n, sizeof(*ns));
	if (!ns)
		return WEFT_E_NOMEM;
	for (size_t i = 0; i < s->n; i++)
		if (s->slots[i])
			insert_fresh(ns, n, s->slots[i]);
	free(s->slots);
	s->slots = ns;
	s->n = n;
	return WEFT_OK;
}

/* The insert-if-absent core; the caller holds mu if the set is locked. */
static int add_fp_unlocked(struct mem_set *s, uint64_t fp, size_t limit)
{
	size_t i = slot_of(fp, s->n);
	while (s->slots[i]) {
		if (s->slots[i] == fp)
			return WEFT__SEEN;
		i = i + 1 == s->n ? 0 : i + 1;
	}
	if (limit && s->count >= limit)
		return WEFT__FULL;
	if ((s->count + 1) * MAX_LOAD_DEN > s->n * MAX_LOAD_NUM) {
		int rc = grow(s);
		if (rc)
			return rc;
		insert_fresh(s->slots, s->n, fp);
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
	for (size_t i = slot_of(fp, s->n); s->slots[i]; i = i + 1 == s->n ? 0 : i + 1)
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
	size_t n = s->n * sizeof(uint64_t);
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
		n += n / 2;
	s->slots = calloc(n, sizeof(*s->slots));
	if (!s->slots) {
		free(s);
		return WEFT_E_NOMEM;
	}
	s->n = n;
	s->locked = locked;
	if (locked)
		pthread_mutex_init(&s->mu, NULL);
	s->base.ops = &mem_ops;
	*out = &s->base;
	return WEFT_OK;
}
