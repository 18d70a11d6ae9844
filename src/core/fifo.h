/*
 * fifo.h -- a growable ring buffer of jobs: one host's queue in the frontier, and the channel
 * engine's queue of admitted URLs waiting for a worker. Owned by whoever holds the lock of the
 * structure it sits in; it has no lock of its own.
 */
#ifndef WEFT_FIFO_H
#define WEFT_FIFO_H

#include "internal.h"

struct weft__fifo {
	struct weft__job *ring;
	size_t head; /* index of the oldest job */
	size_t n;    /* jobs queued */
	size_t cap;  /* slots in ring (a power of two, or 0) */
};

/* Append job (its references move into the frontier). */
int weft__fifo_push(struct weft__fifo *f, struct weft__job *job);
/* Put a job back at the head (it is popped next). */
int weft__fifo_push_front(struct weft__fifo *f, struct weft__job *job);
/* Take the oldest job out; false when empty. */
bool weft__fifo_pop(struct weft__fifo *f, struct weft__job *out);
static inline size_t weft__fifo_len(const struct weft__fifo *f)
{
	return f->n;
}
/* Release every queued job. */
void weft__fifo_free(struct weft__fifo *f);

#endif
