/*
 * report.c -- fan-out of records to the crawl's reporters.
 *
 * Locking: report_mu serialises every reporter call, so one reporter runs at a time and lines
 * are whole; reporters take no locks of their own. The first failing reporter stops the crawl
 * (its output is broken: a closed pipe, a full disk), and the run returns WEFT_E_OUTPUT.
 */
#include <stdlib.h>

#include "core/depth.h"
#include "internal.h"

static void output_failed(struct weft_crawl *c)
{
	if (!c->output_err)
		c->output_err = WEFT_E_OUTPUT;
	weft_crawl_cancel(c);
}

int weft__report_begin(struct weft_crawl *c)
{
	int rc = WEFT_OK;
	pthread_mutex_lock(&c->report_mu);
	for (size_t i = 0; i < c->n_reporters && rc == WEFT_OK; i++) {
		struct weft_reporter *r = c->reporters[i];
		if (r->ops->begin && r->ops->begin(r) != 0)
			rc = WEFT_E_OUTPUT;
	}
	if (rc)
		output_failed(c);
	pthread_mutex_unlock(&c->report_mu);
	return rc;
}

void weft__report_record(struct weft_crawl *c, const struct weft_record *rec)
{
	pthread_mutex_lock(&c->report_mu);
	for (size_t i = 0; i < c->n_reporters && !c->output_err; i++) {
		struct weft_reporter *r = c->reporters[i];
		if (r->ops->record(r, rec) != 0)
			output_failed(c);
	}
	pthread_mutex_unlock(&c->report_mu);
}

static const char *skip_name(enum weft__skip why)
{
	switch (why) {
	case WEFT__SKIP_ROBOTS: return "robots";
	case WEFT__SKIP_SCOPE: return "scope";
	case WEFT__SKIP_DEPTH: return "depth";
	case WEFT__SKIP_MAX_PAGES: return "max-pages";
	default: return "other";
	}
}

void weft__report_skip(struct weft_crawl *c, const struct weft__job *job, enum weft__skip why,
		       const char *msg)
{
	if (!c->skip_seen)
		return;
	int rc = weft__visited_add(c->skip_seen, job->url->s, job->url->len, 0);
	if (rc < 0)
		weft__fail(c, rc);
	if (rc != WEFT__NEW)
		return; /* recorded already */
	atomic_fetch_add_explicit(&c->stats.skipped, 1, memory_order_relaxed);
	struct weft_record rec = {
		.url = job->url->s,
		.from = job->from ? job->from->s : NULL,
		.depth = job->depth,
		.error_msg = msg,
		.skipped = skip_name(why),
	};
	weft__report_record(c, &rec);
}

/*
 * Links left beyond --depth: those that no shorter path brought within the limit get their
 * "depth" record now. The depth table knows every URL that was admitted.
 */
void weft__report_deferred(struct weft_crawl *c)
{
	pthread_mutex_lock(&c->deferred_mu);
	struct weft__jobs d = c->deferred;
	c->deferred = (struct weft__jobs){ 0 };
	pthread_mutex_unlock(&c->deferred_mu);
	for (size_t i = 0; i < d.n && !weft__canceled(c); i++)
		if (!c->depths || !weft__depths_known(c->depths, d.v[i].url))
			weft__report_skip(c, &d.v[i], WEFT__SKIP_DEPTH, NULL);
	weft__jobs_free(&d);
}

int weft__report_end(struct weft_crawl *c)
{
	pthread_mutex_lock(&c->report_mu);
	for (size_t i = 0; i < c->n_reporters; i++) {
		struct weft_reporter *r = c->reporters[i];
		if (r->ops->end && r->ops->end(r) != 0)
			output_failed(c);
	}
	int rc = c->output_err;
	pthread_mutex_unlock(&c->report_mu);
	return rc;
}

void weft_reporter_free(struct weft_reporter **r)
{
	if (r && *r) {
		(*r)->ops->destroy(*r);
		*r = NULL;
	}
}
