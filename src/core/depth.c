/* depth.c -- the best-depth table behind exact --depth limits (see depth.h). */
#include <stdlib.h>

#include "core/depth.h"

struct entry {
	uint64_t fp;             /* fingerprint of the canonical URL */
	int depth;               /* best depth found so far */
	bool fetched;            /* cands is valid */
	struct weft__jobs cands; /* the page's links, depth relative to the page */
};

struct weft__depths {
	pthread_mutex_t mu;      /* guards everything below */
	struct entry **slots;    /* open addressing by fp; NULL = empty */
	size_t mask;
	size_t count;
};

int weft__depths_new(struct weft__depths **out)
{
	struct weft__depths *d = calloc(1, sizeof(*d));
	*out = NULL;
	if (!d)
		return WEFT_E_NOMEM;
	d->mask = 1023;
	if (!(d->slots = calloc(d->mask + 1, sizeof(*d->slots)))) {
		free(d);
		return WEFT_E_NOMEM;
	}
	pthread_mutex_init(&d->mu, NULL);
	*out = d;
	return WEFT_OK;
}

void weft__depths_free(struct weft__depths **dp)
{
	struct weft__depths *d = dp ? *dp : NULL;
	if (!d)
		return;
	for (size_t i = 0; i <= d->mask; i++)
		if (d->slots[i]) {
			weft__jobs_free(&d->slots[i]->cands);
			free(d->slots[i]);
		}
	free(d->slots);
	pthread_mutex_destroy(&d->mu);
	free(d);
	*dp = NULL;
}

static struct entry **slot(struct entry **slots, size_t mask, uint64_t fp)
{
	size_t i = (size_t)fp & mask;
	while (slots[i] && slots[i]->fp != fp)
		i = (i + 1) & mask;
	return &slots[i];
}

static int grow(struct weft__depths *d)
{
	size_t nmask = d->mask * 2 + 1;
	struct entry **ns = calloc(nmask + 1, sizeof(*ns));
	if (!ns)
		return WEFT_E_NOMEM;
	for (size_t i = 0; i <= d->mask; i++)
		if (d->slots[i])
			*slot(ns, nmask, d->slots[i]->fp) = d->slots[i];
	free(d->slots);
	d->slots = ns;
	d->mask = nmask;
	return WEFT_OK;
}

/* A new entry for fp; mu held. */
static int insert(struct weft__depths *d, uint64_t fp, int depth)
{
	if ((d->count + 1) * 2 > d->mask + 1 && grow(d) != WEFT_OK)
		return WEFT_E_NOMEM;
	struct entry *e = calloc(1, sizeof(*e));
	if (!e)
		return WEFT_E_NOMEM;
	e->fp = fp;
	e->depth = depth;
	*slot(d->slots, d->mask, fp) = e;
	d->count++;
	return WEFT_OK;
}

int weft__depths_admit(struct weft__depths *d, const struct weft__str *url, int depth,
		       size_t limit)
{
	uint64_t fp = weft__fingerprint(url->s, url->len);
	int rc = WEFT__DEPTH_DROP;
	pthread_mutex_lock(&d->mu);
	struct entry *e = *slot(d->slots, d->mask, fp);
	if (!e) {
		if (!limit || d->count < limit)
			rc = insert(d, fp, depth) ? WEFT_E_NOMEM : WEFT__DEPTH_FETCH;
	} else if (depth < e->depth) {
		e->depth = depth;
		rc = e->fetched ? WEFT__DEPTH_REPLAY : WEFT__DEPTH_DROP; /* pending: it will
									    read the new depth */
	}
	pthread_mutex_unlock(&d->mu);
	return rc;
}

static int copy_jobs(struct weft__jobs *dst, const struct weft__jobs *src)
{
	for (size_t i = 0; i < src->n; i++) {
		struct weft__job j = src->v[i];
		j.url = weft__str_ref(j.url);
		j.from = weft__str_ref(j.from);
		j.chain = weft__str_ref(j.chain);
		int rc = weft__jobs_push_job(dst, &j);
		if (rc) {
			weft__job_clear(&j);
			return rc;
		}
	}
	return WEFT_OK;
}

int weft__depths_store(struct weft__depths *d, const struct weft__str *url,
		       const struct weft__jobs *cands, int *best)
{
	uint64_t fp = weft__fingerprint(url->s, url->len);
	int rc = WEFT_OK;
	pthread_mutex_lock(&d->mu);
	struct entry *e = *slot(d->slots, d->mask, fp);
	if (e && !e->fetched) {
		rc = copy_jobs(&e->cands, cands);
		e->fetched = rc == WEFT_OK;
	}
	*best = e ? e->depth : 0;
	pthread_mutex_unlock(&d->mu);
	return rc;
}

int weft__depths_replay(struct weft__depths *d, const struct weft__str *url,
			struct weft__jobs *out, int *best)
{
	uint64_t fp = weft__fingerprint(url->s, url->len);
	int rc = WEFT_OK;
	pthread_mutex_lock(&d->mu);
	struct entry *e = *slot(d->slots, d->mask, fp);
	if (e && e->fetched)
		rc = copy_jobs(out, &e->cands);
	*best = e ? e->depth : 0;
	pthread_mutex_unlock(&d->mu);
	return rc;
}

bool weft__depths_known(struct weft__depths *d, const struct weft__str *url)
{
	uint64_t fp = weft__fingerprint(url->s, url->len);
	pthread_mutex_lock(&d->mu);
	bool known = *slot(d->slots, d->mask, fp) != NULL;
	pthread_mutex_unlock(&d->mu);
	return known;
}
