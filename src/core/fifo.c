/* fifo.c -- a growable ring buffer of jobs. */
#include <stdlib.h>

#include "core/fifo.h"

static int grow(struct weft__fifo *f)
{
	size_t cap = f->cap ? f->cap * 2 : 64;
	struct weft__job *ring = malloc(cap * sizeof(*ring));
	if (!ring)
		return WEFT_E_NOMEM;
	for (size_t i = 0; i < f->n; i++)
		ring[i] = f->ring[(f->head + i) & (f->cap - 1)];
	free(f->ring);
	f->ring = ring;
	f->cap = cap;
	f->head = 0;
	return WEFT_OK;
}

int weft__fifo_push(struct weft__fifo *f, struct weft__job *job)
{
	if (f->n == f->cap) {
		int rc = grow(f);
		if (rc)
			return rc;
	}
	f->ring[(f->head + f->n) & (f->cap - 1)] = *job;
	f->n++;
	return WEFT_OK;
}

int weft__fifo_push_front(struct weft__fifo *f, struct weft__job *job)
{
	if (f->n == f->cap) {
		int rc = grow(f);
		if (rc)
			return rc;
	}
	f->head = (f->head + f->cap - 1) & (f->cap - 1);
	f->ring[f->head] = *job;
	f->n++;
	return WEFT_OK;
}

bool weft__fifo_pop(struct weft__fifo *f, struct weft__job *out)
{
	if (f->n == 0)
		return false;
	*out = f->ring[f->head];
	f->head = (f->head + 1) & (f->cap - 1);
	f->n--;
	return true;
}

void weft__fifo_free(struct weft__fifo *f)
{
	struct weft__job job;
	while (weft__fifo_pop(f, &job))
		weft__job_clear(&job);
	free(f->ring);
	f->ring = NULL;
	f->cap = f->head = 0;
}
