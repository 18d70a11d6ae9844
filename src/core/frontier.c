/* frontier.c -- a growable ring buffer of jobs. */
#include <stdlib.h>

#include "core/frontier.h"

static int grow(struct weft__frontier *f)
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

int weft__frontier_push(struct weft__frontier *f, struct weft__job *job)
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

int weft__frontier_push_front(struct weft__frontier *f, struct weft__job *job)
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

bool weft__frontier_pop(struct weft__frontier *f, struct weft__job *out)
{
	if (f->n == 0)
		return false;
	*out = f->ring[f->head];
	f->head = (f->head + 1) & (f->cap - 1);
	f->n--;
	return true;
}

void weft__frontier_free(struct weft__frontier *f)
{
	struct weft__job job;
	while (weft__frontier_pop(f, &job))
		weft__job_clear(&job);
	free(f->ring);
	f->ring = NULL;
	f->cap = f->head = 0;
}

size_t weft__frontier_admit(struct weft_crawl *c, struct weft__visited *set,
			    struct weft__frontier *f, struct weft__jobs *kids)
{
	size_t queued = 0;
	for (size_t i = 0; i < kids->n; i++) {
		struct weft__job *k = &kids->v[i];
		if (weft__admit(c, set, k)) {
			if (weft__frontier_push(f, k) == WEFT_OK) {
				queued++;
				continue;
			}
			weft__fail(c, WEFT_E_NOMEM); /* admitted but unqueued: the run must say so */
		}
		weft__job_clear(k);
	}
	kids->n = 0;
	return queued;
}

size_t weft__frontier_admit_seeds(struct weft_crawl *c, struct weft__visited *set,
				  struct weft__frontier *f)
{
	struct weft__jobs seeds = { 0 };
	for (size_t i = 0; i < c->seeds.n; i++)
		if (weft__jobs_push(&seeds, c->seeds.v[i].url, NULL, 0, 0) != WEFT_OK)
			weft__fail(c, WEFT_E_NOMEM);
	size_t queued = weft__frontier_admit(c, set, f, &seeds);
	weft__jobs_free(&seeds);
	return queued;
}
