/*
 * politeness.c -- fates applied to hosts, and the gate for the thread-per-URL crawlers
 * (see politeness.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/politeness.h"
#include "core/robots.h"

void weft__fate_init(struct weft__fate *f)
{
	memset(f, 0, sizeof(*f));
	f->block = -1;
}

void weft__fate_clear(struct weft__fate *f)
{
	weft__robots_free(&f->robots);
	weft__str_unref(f->robots_next);
	weft__fate_init(f);
}

void weft__politeness_policy(const struct weft_crawl *c, struct weft__host_policy *pol)
{
	const struct weft_config *cfg = &c->cfg;
	memset(pol, 0, sizeof(*pol));
	pol->max_in_flight = c->max_per_host;
	pol->delay = cfg->delay > 0 ? cfg->delay : 0;
	pol->max_crawl_delay = cfg->ignore_crawl_delay ? -1 : cfg->max_crawl_delay;
	pol->backoff_first = 1.0;
	pol->backoff_max = cfg->max_backoff > 0 ? cfg->max_backoff : 60.0;
	pol->robots = c->robots;
	pol->agent = c->robots_agent;
}

int weft__robots_job(struct weft__host *h, struct weft__job *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = WEFT__JOB_ROBOTS;
	if (h->robots_url) {
		out->url = weft__str_ref(h->robots_url);
		return WEFT_OK;
	}
	out->url = weft__origin_path(h->key, strlen(h->key), "/robots.txt");
	return out->url ? WEFT_OK : WEFT_E_NOMEM;
}

/* A robots.txt fetch ended: the host takes its rules, follows its redirect or retries it. */
static void settle_robots(struct weft__hosts *t, struct weft__host *h, struct weft__fate *fate,
			  double now)
{
	struct weft__robots *r = NULL;
	if (fate && fate->robots) {
		weft__host_set_robots(t, h, fate->robots, now);
		fate->robots = NULL;
		h->robots_failures = 0;
		return;
	}
	if (fate && fate->robots_next && h->robots_hops < WEFT__ROBOTS_MAX_HOPS) {
		weft__str_unref(h->robots_url);
		h->robots_url = fate->robots_next;
		fate->robots_next = NULL;
		h->robots_hops++;
		h->robots_state = WEFT__ROBOTS_NONE;
		return;
	}
	if (fate && fate->robots_down) { /* no answer at all: nothing of this host can be fetched */
		if (weft__robots_disallow_all(&r) == WEFT_OK)
			weft__host_set_robots(t, h, r, now);
		h->down = fate->robots_down;
		return;
	}
	if (fate && fate->robots_next) { /* too many redirects: RFC 9309 lets us take 4xx's "allow" */
		if (weft__robots_allow_all(&r) == WEFT_OK)
			weft__host_set_robots(t, h, r, now);
		return;
	}
	/* 5xx, unreachable, or the crawl stopped: everything is disallowed until a retry works */
	if (++h->robots_failures < WEFT__ROBOTS_TRIES) {
		h->robots_state = WEFT__ROBOTS_NONE;
		return;
	}
	if (weft__robots_disallow_all(&r) == WEFT_OK)
		weft__host_set_robots(t, h, r, now);
}

void weft__host_settle(struct weft__hosts *t, struct weft__host *h, const struct weft__job *job,
		       struct weft__fate *fate, double now)
{
	double block = fate ? fate->block : -1;
	if (job->kind == WEFT__JOB_ROBOTS && (!fate || fate->robots_failed) && block == -1)
		block = -2; /* an unreachable robots.txt is retried after the host's back-off */
	weft__host_end(t, h, now, block);
	if (job->kind == WEFT__JOB_ROBOTS)
		settle_robots(t, h, fate, now);
}

/* ---- the gate ---- */

/*
 * Threads wait on their host's own condition variable, so a released slot wakes one thread of
 * that host (which passes the turn on if more may start), not every thread of the crawl.
 */
struct weft__gate {
	struct weft_crawl *c;
	pthread_mutex_t mu;
	struct weft__hosts *hosts;  /* guarded by mu; each host's cv is used with mu */
	struct weft__jobs found;    /* guarded by mu: sitemaps named by robots.txt files */
};

int weft__gate_new(struct weft__gate **out, struct weft_crawl *c)
{
	struct weft__gate *g = calloc(1, sizeof(*g));
	if (!g)
		return WEFT_E_NOMEM;
	struct weft__host_policy pol;
	weft__politeness_policy(c, &pol);
	int rc = weft__hosts_new(&g->hosts, &pol);
	if (rc) {
		free(g);
		return rc;
	}
	pthread_mutex_init(&g->mu, NULL);
	g->c = c;
	*out = g;
	return WEFT_OK;
}

void weft__gate_free(struct weft__gate **gp)
{
	struct weft__gate *g = gp ? *gp : NULL;
	if (!g)
		return;
	weft__hosts_free(&g->hosts);
	weft__jobs_free(&g->found);
	pthread_mutex_destroy(&g->mu);
	free(g);
	*gp = NULL;
}

/* h's condition variable, made on first use; mu held. */
static pthread_cond_t *host_cv(struct weft__host *h)
{
	if (!h->cv && (h->cv = malloc(sizeof(*h->cv))))
		weft__cond_init_mono(h->cv);
	return h->cv;
}

/* Wait for h until `until` (monotonic seconds; INFINITY: until woken); mu held. Without memory
   for a condition variable, poll every 10 ms: slower, never stuck. */
static void wait_until(struct weft__gate *g, struct weft__host *h, double until)
{
	pthread_cond_t *cv = host_cv(h);
	if (cv) {
		weft__cond_wait_until(cv, &g->mu, until);
		return;
	}
	pthread_mutex_unlock(&g->mu);
	weft__sleep_us(10000);
	pthread_mutex_lock(&g->mu);
}

/* Something changed on h: wake all its waiters (robots.txt known) or one (a slot). */
static void wake(struct weft__host *h, bool all)
{
	if (!h->cv)
		return;
	if (all)
		pthread_cond_broadcast(h->cv);
	else
		pthread_cond_signal(h->cv);
}

/* This thread fetches h's robots.txt (mu held on entry and on return, dropped meanwhile). */
static void fetch_robots(struct weft__gate *g, struct weft__host *h, double now)
{
	struct weft__job rj;
	struct weft__fate fate;
	struct weft__jobs found = { 0 };
	weft__fate_init(&fate);
	if (weft__robots_job(h, &rj) != WEFT_OK) {
		weft__fail(g->c, WEFT_E_NOMEM);
		return;
	}
	h->robots_state = WEFT__ROBOTS_PENDING;
	weft__host_start(h, now);
	pthread_mutex_unlock(&g->mu);
	if (weft__visit_once(g->c, &rj, &found, &fate) != WEFT_OK)
		weft__fail(g->c, WEFT_E_NOMEM);
	pthread_mutex_lock(&g->mu);
	weft__host_settle(g->hosts, h, &rj, &fate, weft__now());
	if (weft__jobs_move(&g->found, &found) != WEFT_OK)
		weft__fail(g->c, WEFT_E_NOMEM);
	weft__jobs_free(&found);
	weft__fate_clear(&fate);
	weft__job_clear(&rj);
	wake(h, true);
}

int weft__gate_enter(struct weft__gate *g, const struct weft__job *job, uint8_t *err)
{
	int verdict = -1;
	pthread_mutex_lock(&g->mu);
	struct weft__host *h = weft__hosts_get(g->hosts, job->url->s, job->url->len);
	if (!h)
		weft__fail(g->c, WEFT_E_NOMEM);
	while (h && !weft__canceled(g->c)) {
		double now = weft__now();
		bool robots = weft__host_needs_robots(g->hosts, h, now);
		if (h->robots_state == WEFT__ROBOTS_PENDING) {
			wait_until(g, h, INFINITY);
			continue;
		}
		if (!robots && (verdict = weft__host_verdict(h, job->url->s, err))) {
			if (weft__host_can_start(g->hosts, h, now))
				wake(h, false); /* this thread takes no slot: pass the turn on */
			break;
		}
		verdict = -1;
		if (!weft__host_can_start(g->hosts, h, now)) {
			double at = weft__host_ready_at(h);
			wait_until(g, h, at > now ? at : INFINITY);
			continue;
		}
		if (robots) {
			fetch_robots(g, h, now);
			continue;
		}
		weft__host_start(h, now);
		verdict = WEFT__SKIP_NONE;
		if (weft__host_can_start(g->hosts, h, now))
			wake(h, false); /* room for one more: pass the turn on */
		break;
	}
	pthread_mutex_unlock(&g->mu);
	return verdict;
}

void weft__gate_leave(struct weft__gate *g, const struct weft__job *job, struct weft__fate *fate)
{
	pthread_mutex_lock(&g->mu);
	struct weft__host *h = weft__hosts_get(g->hosts, job->url->s, job->url->len);
	if (h) {
		weft__host_settle(g->hosts, h, job, fate, weft__now());
		wake(h, job->kind == WEFT__JOB_ROBOTS);
	}
	pthread_mutex_unlock(&g->mu);
}

int weft__gate_take_found(struct weft__gate *g, struct weft__jobs *out)
{
	pthread_mutex_lock(&g->mu);
	int rc = g->found.n ? weft__jobs_move(out, &g->found) : WEFT_OK;
	pthread_mutex_unlock(&g->mu);
	return rc;
}

static void wake_host(struct weft__host *h, void *arg)
{
	(void)arg;
	wake(h, true);
}

void weft__gate_wake_all(struct weft__gate *g)
{
	pthread_mutex_lock(&g->mu);
	weft__hosts_each(g->hosts, wake_host, NULL);
	pthread_mutex_unlock(&g->mu);
}
