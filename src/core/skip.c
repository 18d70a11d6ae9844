/*
 * skip.c -- records for URLs that were found and not fetched, and why (robots, scope, depth,
 * max-pages): each URL once, through a locked set of those already recorded. Links beyond
 * --depth wait for the end of the crawl, since a shorter path may still bring them in.
 */
#include "core/depth.h"
#include "core/held.h"
#include "internal.h"

static const char *skip_name(enum weft__skip why)
{
	switch (why) {
	case WEFT__SKIP_ROBOTS: return "robots";
	case WEFT__SKIP_SCOPE: return "scope";
	case WEFT__SKIP_DEPTH: return "depth";
	case WEFT__SKIP_MAX_PAGES: return "max-pages";
	case WEFT__SKIP_TOO_LONG: return "url-too-long";
	case WEFT__SKIP_TRAP: return "trap";
	case WEFT__SKIP_HOST_LIMIT: return "host-limit";
	case WEFT__SKIP_MAX_TIME: return "max-time";
	default: return "other";
	}
}

void weft__report_skip(struct weft_crawl *c, const struct weft__job *job, enum weft__skip why,
		       const char *msg)
{
	if (job->hops > 0) /* a redirect chain ends here */
		weft__held_end(c, job->url->s, WEFT_FE_NONE, NULL);
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
