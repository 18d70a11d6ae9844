/* jobs.c -- the job array: a growable vector of (url, from, depth, hops). */
#include <stdlib.h>

#include "internal.h"

int weft__jobs_push_job(struct weft__jobs *js, struct weft__job *job)
{
	if (js->n == js->cap) {
		size_t cap = js->cap ? js->cap * 2 : 8;
		struct weft__job *v = realloc(js->v, cap * sizeof(*v));
		if (!v)
			return WEFT_E_NOMEM;
		js->v = v;
		js->cap = cap;
	}
	js->v[js->n++] = *job;
	return WEFT_OK;
}

int weft__jobs_push(struct weft__jobs *js, struct weft__str *url, struct weft__str *from,
		    int depth, int hops)
{
	struct weft__job j = {
		.url = weft__str_ref(url), .from = weft__str_ref(from), .depth = depth, .hops = hops
	};
	int rc = weft__jobs_push_job(js, &j);
	if (rc)
		weft__job_clear(&j);
	return rc;
}

int weft__jobs_push_copy(struct weft__jobs *js, const struct weft__job *job)
{
	struct weft__job j = *job;
	j.url = weft__str_ref(job->url);
	j.from = weft__str_ref(job->from);
	j.chain = weft__str_ref(job->chain);
	int rc = weft__jobs_push_job(js, &j);
	if (rc)
		weft__job_clear(&j);
	return rc;
}

void weft__job_clear(struct weft__job *job)
{
	weft__str_unref(job->url);
	weft__str_unref(job->from);
	weft__str_unref(job->chain);
	job->url = job->from = job->chain = NULL;
}

void weft__jobs_free(struct weft__jobs *js)
{
	for (size_t i = 0; i < js->n; i++)
		weft__job_clear(&js->v[i]);
	free(js->v);
	js->v = NULL;
	js->n = js->cap = 0;
}

int weft__jobs_move(struct weft__jobs *dst, struct weft__jobs *src)
{
	for (size_t i = 0; i < src->n; i++) {
		int rc = weft__jobs_push_job(dst, &src->v[i]);
		if (rc) {
			/* dst holds src->v[0..i); drop the rest so nothing leaks or is owned twice */
			for (size_t k = i; k < src->n; k++)
				weft__job_clear(&src->v[k]);
			src->n = 0;
			return rc;
		}
	}
	src->n = 0;
	return WEFT_OK;
}
