/*
 * frontier.h -- the queue of admitted URLs waiting to be fetched (FIFO, so a pool crawls
 * breadth-first). A plain ring buffer owned by whoever holds the engine's lock; later backends
 * (an on-disk queue for resumable crawls) implement the same four calls.
 */
#ifndef WEFT_FRONTIER_H
#define WEFT_FRONTIER_H

#include "internal.h"

struct weft__frontier {
	struct weft__job *ring;
	size_t head; /* index of the oldest job */
	size_t n;    /* jobs queued */
	size_t cap;  /* slots in ring (a power of two, or 0) */
};

/* Append job (its references move into the frontier). */
int weft__frontier_push(struct weft__frontier *f, struct weft__job *job);
/* Put a job back at the head (it is popped next). */
int weft__frontier_push_front(struct weft__frontier *f, struct weft__job *job);
/* Take the oldest job out; false when empty. */
bool weft__frontier_pop(struct weft__frontier *f, struct weft__job *out);
static inline size_t weft__frontier_len(const struct weft__frontier *f)
{
	return f->n;
}
/*
 * Admit each job of kids (weft__admit) and queue the new ones; the rest are released and kids
 * ends empty. Returns how many were queued. The caller holds whatever lock guards set and f.
 */
size_t weft__frontier_admit(struct weft_crawl *c, struct weft__visited *set,
			    struct weft__frontier *f, struct weft__jobs *kids);
/* The same for the crawl's seeds (new references; the seeds stay the crawl's). */
size_t weft__frontier_admit_seeds(struct weft_crawl *c, struct weft__visited *set,
				  struct weft__frontier *f);
/* Release every queued job. */
void weft__frontier_free(struct weft__frontier *f);

#endif
