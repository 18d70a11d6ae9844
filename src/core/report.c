/*
 * report.c -- fan-out of records to the crawl's reporters (the reporters themselves, which
 * only turn records into output, are in src/report/).
 *
 * Locking: report_mu serialises every reporter call, so one reporter runs at a time and lines
 * are whole; reporters take no locks of their own. The first failing reporter stops the crawl
 * (its output is broken: a closed pipe, a full disk), and the run returns WEFT_E_OUTPUT.
 */
#include <stdlib.h>

#include "internal.h"

static void output_failed(struct weft_crawl *c)
{
	if (!c->output_err)
		c->output_err = WEFT_E_OUTPUT;
	weft__stop(c, 0); /* report_mu held: the lock-free stop (internal.h) */
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

