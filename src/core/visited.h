/*
 * visited.h -- the visited set: "have we already claimed this URL?"
 *
 * The lecture's `fetched map[string]bool`, behind a small interface so that later backends
 * (SQLite for resumable crawls, Redis for many machines) can take its place. The in-memory set
 * stores 64-bit fingerprints of canonical URLs in one open-addressing table: 8 bytes per slot.
 */
#ifndef WEFT_VISITED_H
#define WEFT_VISITED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	WEFT__SEEN = 0, /* already in the set */
	WEFT__NEW = 1,  /* added now: the caller owns fetching it */
	WEFT__FULL = 2, /* not added: the set already holds `limit` URLs */
};

struct weft__visited;

struct weft__visited_ops {
	const char *name;
	/* Insert-if-absent; limit 0 means none. Returns WEFT__SEEN/NEW/FULL or a weft_err. */
	int (*add)(struct weft__visited *v, const char *key, size_t len, size_t limit);
	bool (*contains)(struct weft__visited *v, const char *key, size_t len);
	size_t (*count)(struct weft__visited *v);
	size_t (*bytes)(struct weft__visited *v); /* memory held */
	void (*destroy)(struct weft__visited *v);
};

struct weft__visited {
	const struct weft__visited_ops *ops;
};

/*
 * In-memory fingerprint set. expect: a size hint (0 is fine). locked: guard every call with the
 * set's own mutex (the lecture's fetchState{mu, fetched}); unlocked sets belong to one thread.
 */
int weft__visited_mem_new(struct weft__visited **out, size_t expect, bool locked);

/* The same table for raw 64-bit keys (fingerprints), for benchmarks and other sets. */
int weft__visited_add_fp(struct weft__visited *v, uint64_t fp, size_t limit);

static inline int weft__visited_add(struct weft__visited *v, const char *key, size_t len,
				    size_t limit)
{
	return v->ops->add(v, key, len, limit);
}

static inline void weft__visited_free(struct weft__visited **v)
{
	if (v && *v) {
		(*v)->ops->destroy(*v);
		*v = NULL;
	}
}

#endif
