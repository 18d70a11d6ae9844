/*
 * crawl.c -- the public face of a crawl: validate the configuration, hold the seeds and the
 * reporters, pick the engine, run it, and report totals.
 */
#include <stdlib.h>
#include <string.h>

#include <weft/url.h>

#include "core/depth.h"
#include "core/held.h"
#include "core/limits.h"
#include "core/politeness.h"
#include "core/robots.h"
#include "engine/engine.h"
#include "sync/sync.h"

static int check_config(const struct weft_config *cfg, const struct weft__engine_ops *engine,
			const struct weft_fetcher *f, char *err, size_t errlen)
{
	if (!engine)
		return weft__err(WEFT_E_INVAL, err, errlen, "unknown engine '%s'", cfg->engine);
	if (cfg->concurrency < 0 && cfg->concurrency != WEFT_CONCURRENCY_AUTO)
		return weft__err(WEFT_E_INVAL, err, errlen, "concurrency must be >= 1, not %d",
				 cfg->concurrency);
	if (cfg->concurrency == WEFT_CONCURRENCY_AUTO && strcmp(engine->name, "event") != 0)
		return weft__err(WEFT_E_INVAL, err, errlen,
				 "-c auto needs the event engine, not '%s'", engine->name);
	if (cfg->max_pages < 0)
		return weft__err(WEFT_E_INVAL, err, errlen, "max pages must be >= 0");
	if (cfg->scope > WEFT_SCOPE_ANY)
		return weft__err(WEFT_E_INVAL, err, errlen, "unknown scope %d", (int)cfg->scope);
	if (!f || !f->ops)
		return weft__err(WEFT_E_INVAL, err, errlen, "no fetcher");
	if (cfg->max_per_host < 0 && cfg->max_per_host != WEFT_PER_HOST_DEFAULT)
		return weft__err(WEFT_E_INVAL, err, errlen, "max per host must be >= 0, not %d",
				 cfg->max_per_host);
	if (!(cfg->delay >= 0 && cfg->delay <= 86400))
		return weft__err(WEFT_E_INVAL, err, errlen, "delay must be 0 to 86400 seconds");
	if (!(cfg->max_crawl_delay >= 0) || !(cfg->max_backoff >= 0))
		return weft__err(WEFT_E_INVAL, err, errlen, "crawl-delay and back-off caps must be >= 0");
	if (cfg->max_redirects < 0 || cfg->max_path_segments < 0 || cfg->max_repeats < 0 ||
	    cfg->max_similar < 0 || cfg->max_pages_per_host < 0)
		return weft__err(WEFT_E_INVAL, err, errlen, "limits must be >= 0 (0: no limit)");
	if (!(cfg->max_time >= 0))
		return weft__err(WEFT_E_INVAL, err, errlen, "max time must be >= 0 seconds");
	if ((f->ops->caps & engine->needs) != engine->needs)
		return weft__err(WEFT_E_UNSUPPORTED, err, errlen,
				 "engine '%s' cannot use fetcher '%s'", engine->name, f->ops->name);
	return WEFT_OK;
}

/*
 * Resolve the politeness defaults against the fetcher: robots.txt and the per-host limit of 6
 * apply to fetchers that talk to real servers; the in-process fake web (like the lecture's) has
 * no robots.txt and no server to spare. The lecture's engines get a gate only when a limit
 * applies, so over the fake web they run exactly as the lecture wrote them.
 */
static int politeness_init(struct weft_crawl *c, char *err, size_t errlen)
{
	const struct weft_config *cfg = &c->cfg;
	bool net = (c->fetcher->ops->caps & WEFT_FETCH_NETWORK) != 0;
	c->max_per_host = cfg->max_per_host >= 0 ? cfg->max_per_host : net ? 6 : 0;
	c->robots = net && cfg->robots != WEFT_ROBOTS_OFF;
	char token[64];
	const char *agent = cfg->robots_agent ? cfg->robots_agent : "weft";
	if (weft__robots_product_token(agent, token, sizeof(token)) != WEFT_OK || !token[0])
		return weft__err(WEFT_E_INVAL, err, errlen,
				 "no robots.txt product token in '%s' (letters, digits, - and _)",
				 agent);
	c->robots_agent = strdup(token);
	if (!c->robots_agent)
		return WEFT_E_NOMEM;
	int rc = WEFT_OK;
	if (!cfg->no_skipped) {
		rc = weft__visited_mem_new(&c->skip_seen, 0, true);
		if (rc == WEFT_OK && cfg->max_depth >= 0)
			rc = weft__visited_mem_new(&c->deferred_seen, 0, false);
	}
	bool limited = c->robots || c->max_per_host > 0 || cfg->delay > 0;
	if (rc == WEFT_OK && limited && !c->engine->frontier)
		rc = weft__gate_new(&c->gate, c);
	return rc;
}

/* --sitemap: each seed's origin's /sitemap.xml joins the seeds as a sitemap job. */
static int sitemap_seeds(struct weft_crawl *c)
{
	size_t n = c->seeds.n;
	for (size_t i = 0; i < n && c->cfg.sitemaps; i++) {
		const struct weft__str *u = c->seeds.v[i].url;
		if (c->seeds.v[i].kind != WEFT__JOB_PAGE)
			continue;
		struct weft__job j = { .kind = WEFT__JOB_SITEMAP };
		j.url = weft__origin_path(u->s, u->len, "/sitemap.xml");
		if (!j.url || weft__jobs_push_job(&c->seeds, &j) != WEFT_OK) {
			weft__job_clear(&j);
			return WEFT_E_NOMEM;
		}
	}
	return WEFT_OK;
}

int weft_crawl_new(struct weft_crawl **out, const struct weft_config *cfg,
		   struct weft_fetcher *fetcher, char *err, size_t errlen)
{
	*out = NULL;
	const struct weft__engine_ops *engine = weft__engine_find(cfg->engine);
	int rc = check_config(cfg, engine, fetcher, err, errlen);
	if (rc)
		return rc;
	struct weft_crawl *c = calloc(1, sizeof(*c));
	if (!c)
		return WEFT_E_NOMEM;
	c->cfg = *cfg;
	c->engine = engine;
	c->fetcher = fetcher;
	c->thread_stack = cfg->thread_stack ? cfg->thread_stack : weft__default_stack();
	pthread_mutex_init(&c->report_mu, NULL);
	pthread_mutex_init(&c->deferred_mu, NULL);
	pthread_mutex_init(&c->stop_mu, NULL);
	rc = politeness_init(c, err, errlen);
	if (rc == WEFT_OK)
		rc = weft__scope_init(c, err, errlen);
	if (rc == WEFT_OK)
		rc = weft__limits_new(&c->limits);
	if (rc == WEFT_OK)
		rc = weft__held_new(&c->held);
	/* the borrowed strings are compiled now; do not keep pointers to them */
	c->cfg.engine = engine->name;
	c->cfg.include = c->cfg.exclude = NULL;
	c->cfg.robots_agent = NULL;
	if (rc) {
		weft_crawl_free(&c);
		return rc;
	}
	*out = c;
	return WEFT_OK;
}

/* The seed's crawl key: the canonical URL without fragment. */
static int canonical_seed(const char *url, char **out)
{
	return weft_url_resolve(NULL, url, strlen(url), NULL, out);
}

int weft_crawl_add_seed(struct weft_crawl *c, const char *url)
{
	char *key = NULL;
	int rc = canonical_seed(url, &key);
	if (rc)
		return rc == WEFT_E_NOMEM ? rc : WEFT_E_INVAL;
	if (strncmp(key, "http://", 7) != 0 && strncmp(key, "https://", 8) != 0) {
		free(key); /* only http(s) is ever fetched */
		return WEFT_E_INVAL;
	}
	struct weft__str *s = weft__str_new(key, strlen(key));
	free(key);
	if (!s)
		return WEFT_E_NOMEM;
	rc = weft__jobs_push(&c->seeds, s, NULL, 0, 0);
	weft__str_unref(s);
	return rc;
}

int weft_crawl_add_reporter(struct weft_crawl *c, struct weft_reporter *r)
{
	struct weft_reporter **v = realloc(c->reporters, (c->n_reporters + 1) * sizeof(*v));
	if (!v)
		return WEFT_E_NOMEM;
	c->reporters = v;
	v[c->n_reporters++] = r;
	return WEFT_OK;
}

int weft_crawl_run(struct weft_crawl *c)
{
	double t0 = weft__now();
	c->deadline = c->cfg.max_time > 0 ? t0 + c->cfg.max_time : 0;
	int rc = weft__scope_add_seeds(c);
	if (rc == WEFT_OK)
		rc = sitemap_seeds(c);
	if (rc == WEFT_OK && c->cfg.max_depth >= 0 && !c->depths)
		rc = weft__depths_new(&c->depths);
	if (rc == WEFT_OK)
		rc = weft__report_begin(c);
	if (rc == WEFT_OK)
		rc = c->engine->run(c);
	if (rc == WEFT_OK)
		weft__report_deferred(c);
	if (c->held)
		weft__held_flush(c); /* chains a stop cut short: their starts' records */
	int end_rc = weft__report_end(c);
	atomic_store(&c->finished, true);
	atomic_store(&c->seconds, weft__now() - t0);
	if (rc == WEFT_OK)
		rc = atomic_load(&c->run_err);
	if (rc == WEFT_OK && c->output_err)
		rc = WEFT_E_OUTPUT;
	if (rc == WEFT_OK)
		rc = end_rc;
	if (rc == WEFT_OK && atomic_load(&c->canceled))
		rc = WEFT_E_CANCELED;
	return rc;
}

void weft_crawl_cancel(struct weft_crawl *c)
{
	weft__stop_and_wake(c); /* not from a signal handler: it takes locks (weft.h) */
}

void weft_crawl_stats(const struct weft_crawl *c, struct weft_stats *out)
{
	const struct weft_crawl *m = c;
	out->fetched = atomic_load(&m->stats.fetched);
	out->ok = atomic_load(&m->stats.ok);
	out->failed = atomic_load(&m->stats.failed);
	out->admitted = atomic_load(&m->stats.admitted);
	out->links = atomic_load(&m->stats.links);
	out->bytes = atomic_load(&m->stats.bytes);
	out->threads = atomic_load(&m->stats.threads);
	out->inline_runs = atomic_load(&m->stats.inline_runs);
	out->concurrency = atomic_load(&m->stats.concurrency);
	out->skipped = atomic_load(&m->stats.skipped);
	out->robots = atomic_load(&m->stats.robots);
	out->refused = atomic_load(&m->stats.refused);
	out->seconds = atomic_load(&m->seconds);
	out->in_flight = atomic_load_explicit(&m->stats.in_flight, memory_order_relaxed);
	uint64_t admitted = out->admitted;
	uint64_t started = atomic_load_explicit(&m->stats.started, memory_order_relaxed);
	out->queued = admitted > started && !c->finished ? admitted - started : 0;
	out->abandoned = atomic_load_explicit(&m->stats.abandoned, memory_order_relaxed);
	for (size_t i = 0; i <= WEFT_FE_OTHER; i++)
		out->errors[i] = atomic_load_explicit(&m->stats.errors[i], memory_order_relaxed);
}

void weft_crawl_free(struct weft_crawl **cp)
{
	struct weft_crawl *c = cp ? *cp : NULL;
	if (!c)
		return;
	for (size_t i = 0; i < c->n_reporters; i++)
		weft_reporter_free(&c->reporters[i]);
	free(c->reporters);
	weft__jobs_free(&c->seeds);
	weft__scope_free(c);
	weft__depths_free(&c->depths);
	weft__limits_free(&c->limits);
	weft__held_free(&c->held);
	weft__gate_free(&c->gate);
	weft__visited_free(&c->skip_seen);
	weft__visited_free(&c->deferred_seen);
	weft__jobs_free(&c->deferred);
	free(c->robots_agent);
	pthread_mutex_destroy(&c->deferred_mu);
	pthread_mutex_destroy(&c->report_mu);
	pthread_mutex_destroy(&c->stop_mu);
	free(c);
	*cp = NULL;
}
