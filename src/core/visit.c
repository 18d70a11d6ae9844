/*
 * visit.c -- the one step every engine runs per admitted URL: fetch it, report it, and list the
 * links worth following. Pure with respect to the crawl's shared state: it reads the read-only
 * configuration, bumps atomic counters and calls the reporters under their lock. Which thread
 * calls it, and what happens to the children it returns, is the engine's business.
 */
#include <stdlib.h>
#include <string.h>

#include <weft/url.h>

#include "core/depth.h"
#include "core/held.h"
#include "core/limits.h"
#include "core/page.h"
#include "core/politeness.h"
#include "core/robots.h"
#include "extract/sitemap.h"
#include "internal.h"

static void fill_record(struct weft_record *rec, const struct weft__job *job,
			const struct weft_response *resp, const struct weft__page *page)
{
	memset(rec, 0, sizeof(*rec));
	rec->url = job->url->s;
	rec->final_url = resp->final_url ? resp->final_url : job->url->s;
	rec->from = job->from ? job->from->s : NULL;
	rec->depth = job->depth;
	rec->status = resp->status;
	rec->error = resp->error;
	rec->error_msg = resp->error_msg;
	rec->content_type = resp->content_type;
	rec->bytes = resp->bytes;
	rec->ms = resp->ms;
	rec->redirect = resp->redirect;
	rec->hops = job->hops;
	rec->truncated = resp->truncated;
	rec->checked = job->kind == WEFT__JOB_CHECK;
	rec->links_dropped = page ? page->links_dropped : 0;
	if (page && page->n_links) {
		rec->n_links = page->n_links;
		rec->links = page->links;
	}
	if (page && page->n_anchors) {
		rec->n_anchors = page->n_anchors;
		rec->anchors = weft__page_anchors(page);
	}
}

static bool is_redirect(const struct weft_response *resp)
{
	return resp->error == WEFT_FE_NONE && resp->status >= 300 && resp->status < 400 &&
	       resp->redirect;
}

/* Is url one of the URLs that redirected to here (job->chain holds "\nA\nB\n")? */
static bool in_chain(const struct weft__job *job, const char *url)
{
	if (strcmp(job->url->s, url) == 0)
		return true;
	if (!job->chain)
		return false;
	size_t n = strlen(url);
	for (const char *p = job->chain->s; (p = strstr(p, url)) != NULL; p++)
		if (p > job->chain->s && p[-1] == '\n' && p[n] == '\n')
			return true;
	return false;
}

static bool is_http_url(const char *u)
{
	return strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0;
}

/* Turn a too-long, looping or non-HTTP(S) redirect into an error on this URL. */
static void check_redirect(const struct weft_crawl *c, const struct weft__job *job,
			   struct weft_response *resp)
{
	if (!is_redirect(resp))
		return;
	if (!is_http_url(resp->redirect))
		weft_response_set_error(resp, WEFT_FE_BAD_URL, "redirect to a non-HTTP(S) URL: %.200s",
					resp->redirect);
	else if (in_chain(job, resp->redirect))
		weft_response_set_error(resp, WEFT_FE_REDIRECT_LOOP, "redirect loop back to %s",
					resp->redirect);
	else if (c->cfg.max_redirects > 0 && job->hops >= c->cfg.max_redirects)
		weft_response_set_error(resp, WEFT_FE_TOO_MANY_REDIRECTS,
					"more than %d redirects (--max-redirects)",
					c->cfg.max_redirects);
}

/* A link the crawl will not follow: its "skipped" record (once per URL). */
static int skip_kid(struct weft_crawl *c, const struct weft__job *job, const char *url,
		    size_t len, int depth, int hops, enum weft__skip why, const char *msg)
{
	if (hops > 0) /* a redirect chain ends here */
		weft__held_end(c, url, WEFT_FE_NONE, NULL);
	if (!c->skip_seen)
		return WEFT_OK;
	struct weft__str *u = weft__str_new(url, len);
	if (!u)
		return WEFT_E_NOMEM;
	struct weft__job kid = { .url = u, .from = job->url, .depth = job->depth + depth };
	weft__report_skip(c, &kid, why, msg);
	weft__str_unref(u);
	return WEFT_OK;
}

/*
 * A candidate child: depth is relative to the page (1 for a link, 0 for a redirect target).
 * In scope it is a page to fetch; on another host, a link checker checks it (a check job);
 * otherwise it is skipped.
 */
static int add_kid(struct weft_crawl *c, const struct weft__job *job, const char *url,
		   int depth, int hops, struct weft__jobs *kids)
{
	struct weft__job kid = { .depth = depth, .hops = hops };
	size_t len = strlen(url);
	enum weft__scope where = weft__scope_of(c, url);
	if (where == WEFT__SCOPE_OTHER_HOST && c->cfg.check_external)
		kid.kind = WEFT__JOB_CHECK;
	else if (where != WEFT__SCOPE_IN)
		return skip_kid(c, job, url, len, depth, hops, WEFT__SKIP_SCOPE, NULL);
	char msg[160];
	enum weft__skip shape = weft__limits_shape(c, url, len, msg, sizeof(msg));
	if (shape != WEFT__SKIP_NONE)
		return skip_kid(c, job, url, len, depth, hops, shape, msg);
	kid.url = weft__str_new(url, len);
	kid.from = weft__str_ref(job->url);
	if (hops > 0)
		kid.chain = weft__chain_extend(job);
	if (!kid.url || (hops > 0 && !kid.chain)) {
		weft__job_clear(&kid);
		return WEFT_E_NOMEM;
	}
	int rc = weft__jobs_push_job(kids, &kid);
	if (rc)
		weft__job_clear(&kid);
	return rc;
}

/* The links of a usable page worth a fetch (resources only when asked for), or a redirect's
   target, with relative depths. A checked URL's links are never followed. */
static int candidates(struct weft_crawl *c, const struct weft__job *job,
		      const struct weft_response *resp, const struct weft__page *page,
		      struct weft__jobs *cands)
{
	int rc = WEFT_OK;
	if (is_redirect(resp))
		return add_kid(c, job, resp->redirect, 0, job->hops + 1, cands);
	if (resp->error != WEFT_FE_NONE || resp->status < 200 || resp->status >= 300 ||
	    job->kind != WEFT__JOB_PAGE)
		return WEFT_OK;
	for (size_t i = 0; i < page->n_links && rc == WEFT_OK; i++) {
		const struct weft_link *l = &page->links[i];
		if (l->kind == WEFT_LINK_NAV || c->cfg.resources)
			rc = add_kid(c, job, l->url, 1, 0, cands);
	}
	return rc;
}

/*
 * A link beyond --depth: a shorter path may still reach it, so its "skipped" record waits for
 * the end of the crawl (weft__report_deferred).
 */
static void defer_depth(struct weft_crawl *c, struct weft__job *k)
{
	if (!c->skip_seen) {
		weft__job_clear(k);
		return;
	}
	pthread_mutex_lock(&c->deferred_mu);
	int rc = weft__visited_add(c->deferred_seen, k->url->s, k->url->len, 0);
	if (rc == WEFT__NEW)
		rc = weft__jobs_push_job(&c->deferred, k);
	else if (rc == WEFT__SEEN)
		weft__job_clear(k);
	pthread_mutex_unlock(&c->deferred_mu);
	if (rc < 0) {
		weft__job_clear(k);
		weft__fail(c, rc);
	}
}

/*
 * Move candidates into kids at depth base + relative depth; those over --depth are deferred.
 * A child that cannot be kept (out of memory) stops the crawl with an error: never a silent loss.
 */
static void place_kids(struct weft_crawl *c, int base, struct weft__jobs *cands,
		       struct weft__jobs *kids)
{
	for (size_t i = 0; i < cands->n; i++) {
		struct weft__job *k = &cands->v[i];
		k->depth += base;
		if (c->cfg.max_depth >= 0 && k->depth > c->cfg.max_depth) {
			defer_depth(c, k);
		} else if (weft__jobs_push_job(kids, k) != WEFT_OK) {
			weft__job_clear(k);
			weft__fail(c, WEFT_E_NOMEM);
		}
	}
	cands->n = 0;
}

/* Children of a fetched page; with --depth, remember its links and use its best depth. */
static int collect_kids(struct weft_crawl *c, const struct weft__job *job,
			const struct weft_response *resp, const struct weft__page *page,
			struct weft__jobs *kids)
{
	struct weft__jobs cands = { 0 };
	int base = job->depth;
	int rc = candidates(c, job, resp, page, &cands);
	if (rc == WEFT_OK && c->depths)
		rc = weft__depths_store(c->depths, job->url, &cands, &base);
	place_kids(c, base, &cands, kids);
	weft__jobs_free(&cands);
	return rc;
}

int weft__visit_replay(struct weft_crawl *c, const struct weft__job *job, struct weft__jobs *kids)
{
	struct weft__jobs cands = { 0 };
	int base = job->depth;
	int rc = weft__depths_replay(c->depths, job->url, &cands, &base);
	place_kids(c, base, &cands, kids);
	weft__jobs_free(&cands);
	return rc;
}

static void count(struct weft_crawl *c, const struct weft_response *resp, size_t n_links)
{
	struct weft__stats *s = &c->stats;
	atomic_fetch_add_explicit(&s->fetched, 1, memory_order_relaxed);
	bool ok = resp->error == WEFT_FE_NONE && resp->status >= 200 && resp->status < 400;
	atomic_fetch_add_explicit(ok ? &s->ok : &s->failed, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->links, n_links, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->bytes, resp->bytes, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->errors[resp->error <= WEFT_FE_OTHER ? resp->error : WEFT_FE_OTHER],
				  1, memory_order_relaxed);
}

void weft__count_started(struct weft_crawl *c, const struct weft__job *job)
{
	if (job->kind == WEFT__JOB_PAGE && job->attempt == 0)
		atomic_fetch_add_explicit(&c->stats.started, 1, memory_order_relaxed);
}

/* ---- robots.txt answers (RFC 9309 §2.3) ---- */

/* Sitemap: lines of a robots.txt become sitemap jobs (--sitemap). */
static int robots_sitemaps(struct weft_crawl *c, const struct weft__robots *r,
			   struct weft__jobs *found)
{
	size_t n = c->cfg.sitemaps ? weft__robots_n_sitemaps(r) : 0;
	for (size_t i = 0; i < n; i++) {
		char *u = NULL;
		const char *s = weft__robots_sitemap(r, i);
		if (weft_url_resolve(NULL, s, strlen(s), NULL, &u) != WEFT_OK)
			continue; /* not a URL: nothing to fetch */
		struct weft__job j = { .kind = WEFT__JOB_SITEMAP };
		bool http = is_http_url(u);
		j.url = http ? weft__str_new(u, strlen(u)) : NULL;
		free(u);
		if (!http)
			continue; /* only http(s) is fetched */
		if (!j.url || weft__jobs_push_job(found, &j) != WEFT_OK) {
			weft__job_clear(&j);
			return WEFT_E_NOMEM;
		}
	}
	return WEFT_OK;
}

/*
 * What a robots.txt answer means: 2xx, the rules; 3xx, fetch the target next (the host counts
 * the hops); 4xx, everything allowed ("unavailable"); 429, 5xx or no answer, everything
 * disallowed until a retry works ("unreachable"; 429 too, as Google reads it).
 */
static int robots_answer(struct weft_crawl *c, struct weft_response *resp,
			 const struct weft__page *page, struct weft__fate *fate,
			 struct weft__jobs *found)
{
	atomic_fetch_add_explicit(&c->stats.robots, 1, memory_order_relaxed);
	int st = resp->status, rc = WEFT_OK;
	if (resp->error == WEFT_FE_DNS || resp->error == WEFT_FE_CONNECT ||
	    resp->error == WEFT_FE_TLS || resp->error == WEFT_FE_TIMEOUT) {
		fate->robots_failed = true; /* the fetcher has retried already */
		fate->robots_down = (uint8_t)resp->error;
	} else if (resp->error != WEFT_FE_NONE && resp->error != WEFT_FE_HTTP) {
		fate->robots_failed = true;
	} else if (st == 429 || st >= 500) {
		fate->robots_failed = true;
		fate->block = resp->retry_after_ms >= 0 ? resp->retry_after_ms / 1000.0 : -2;
	} else if (st >= 300 && st < 400 && resp->redirect && is_http_url(resp->redirect)) {
		fate->robots_next = weft__str_new(resp->redirect, strlen(resp->redirect));
		rc = fate->robots_next ? WEFT_OK : WEFT_E_NOMEM;
	} else if (st >= 200 && st < 300) {
		rc = weft__robots_parse(&fate->robots, page->body ? page->body : "", page->body_len,
					c->robots_agent);
		if (rc == WEFT_OK)
			rc = robots_sitemaps(c, fate->robots, found);
	} else {
		rc = weft__robots_allow_all(&fate->robots);
	}
	return rc;
}

/* ---- sitemaps ---- */

struct sitemap_ctx {
	struct weft_crawl *c;
	const struct weft__job *job;
	struct weft__jobs *kids;
};

/* One <loc>: a page becomes a seed-like job (depth 0, found on the sitemap), a child sitemap a
   sitemap job. Out-of-scope pages are skipped as links are. */
static int on_loc(void *cookie, enum weft__sitemap_kind kind, const char *url)
{
	struct sitemap_ctx *x = cookie;
	if (kind == WEFT__SITEMAP_URL)
		return add_kid(x->c, x->job, url, 0, 0, x->kids);
	struct weft__job j = { .kind = WEFT__JOB_SITEMAP };
	j.url = weft__str_new(url, strlen(url));
	j.from = weft__str_ref(x->job->url);
	if (!j.url || weft__jobs_push_job(x->kids, &j) != WEFT_OK) {
		weft__job_clear(&j);
		return WEFT_E_NOMEM;
	}
	return WEFT_OK;
}

/* A fetched sitemap: its URLs into kids; a parse error or a limit becomes the record's error. */
static int sitemap_kids(struct weft_crawl *c, const struct weft__job *job,
			struct weft_response *resp, const struct weft__page *page,
			struct weft__jobs *kids, size_t *n_locs)
{
	if (resp->error != WEFT_FE_NONE || resp->status < 200 || resp->status >= 300)
		return WEFT_OK;
	struct sitemap_ctx x = { .c = c, .job = job, .kids = kids };
	struct weft__sitemap_stats st = { 0 };
	char err[256] = "";
	int rc = weft__sitemap_parse(job->url->s, page->body ? page->body : "", page->body_len,
				     on_loc, &x, &st, err, sizeof(err));
	*n_locs = st.urls + st.children;
	if (rc == WEFT_E_NOMEM)
		return rc;
	if (rc != WEFT_OK)
		weft_response_set_error(resp, WEFT_FE_OTHER, "sitemap: %s",
					err[0] ? err : weft_strerror(rc));
	return WEFT_OK;
}

/* ---- the visit ---- */

static bool refused(const struct weft_response *resp)
{
	return resp->status == 429 || resp->status == 503;
}

/* A 429/503: block the host for its Retry-After (or the back-off); retry unless worn out. */
static bool take_refusal(struct weft_crawl *c, const struct weft__job *job,
			 const struct weft_response *resp, struct weft__fate *fate)
{
	if (!fate || !refused(resp))
		return false;
	fate->block = resp->retry_after_ms >= 0 ? resp->retry_after_ms / 1000.0 : -2;
	if (job->attempt + 1 >= WEFT__MAX_REFUSALS || weft__canceled(c))
		return false;
	fate->retry = true;
	atomic_fetch_add_explicit(&c->stats.refused, 1, memory_order_relaxed);
	return true;
}

/* The errors that end a redirect chain for the URL that started it (held.h). */
static bool chain_error(enum weft_fetch_err e)
{
	return e == WEFT_FE_REDIRECT_LOOP || e == WEFT_FE_TOO_MANY_REDIRECTS ||
	       e == WEFT_FE_BAD_URL;
}

/*
 * Write a fetched URL's record, minding redirect chains: a chain's first URL that redirects
 * is held until the chain ends (then written, with the chain's error if any); a later hop is
 * written at once and moves the chain along, or ends it.
 */
static int report_in_chain(struct weft_crawl *c, const struct weft__job *job,
			   const struct weft_response *resp, const struct weft_record *rec)
{
	bool follows = is_redirect(resp) && job->kind != WEFT__JOB_SITEMAP;
	if (follows && job->hops == 0)
		return weft__held_put(c, rec, resp->redirect);
	weft__report_record(c, rec);
	if (job->hops == 0)
		return WEFT_OK;
	if (follows)
		weft__held_move(c, job->url->s, resp->redirect);
	else
		weft__held_end(c, job->url->s, chain_error(resp->error) ? resp->error : WEFT_FE_NONE,
			       resp->error_msg);
	return WEFT_OK;
}

int weft__visit_end(struct weft_crawl *c, const struct weft__job *job, int fetch_rc,
		    struct weft_response *resp, struct weft__page *page, struct weft__jobs *kids,
		    struct weft__fate *fate)
{
	int rc = WEFT_OK;
	if (fate)
		weft__fate_init(fate);
	if (resp->aborted || (fetch_rc == WEFT_E_CANCELED && weft__canceled(c))) {
		/* abandoned in flight by a stop: no record (interrupted crawls report what
		   completed), and nothing for the host to learn */
		atomic_fetch_add_explicit(&c->stats.abandoned, 1, memory_order_relaxed);
		if (fate && job->kind == WEFT__JOB_ROBOTS)
			fate->robots_failed = true;
		weft_response_reset(resp);
		return WEFT_OK;
	}
	if (fetch_rc < 0) /* the fetcher itself failed: still a record, never a lost URL */
		weft_response_set_error(resp, WEFT_FE_OTHER, "fetcher: %s",
					weft_strerror(fetch_rc));
	int page_rc = weft__page_end(page, resp);
	if (page_rc == WEFT_E_NOMEM) /* the page's links are incomplete: never a silent loss */
		weft_response_set_error(resp, WEFT_FE_OTHER, "out of memory keeping its links");
	else if (page_rc < 0)
		weft_response_set_error(resp, WEFT_FE_OTHER, "link extraction: %s",
					weft_strerror(page_rc));
	if (job->kind == WEFT__JOB_ROBOTS) {
		struct weft__fate scratch;
		weft__fate_init(&scratch);
		rc = robots_answer(c, resp, page, fate ? fate : &scratch, kids);
		weft__fate_clear(&scratch);
		weft_response_reset(resp);
		return rc;
	}
	if (take_refusal(c, job, resp, fate)) {
		weft_response_reset(resp); /* no record yet: it is fetched again */
		return WEFT_OK;
	}
	check_redirect(c, job, resp);
	if (job->kind == WEFT__JOB_CHECK)
		resp->truncated = false; /* a check reads no body: nothing was cut */
	size_t n_locs = 0;
	if (job->kind == WEFT__JOB_SITEMAP)
		rc = sitemap_kids(c, job, resp, page, kids, &n_locs);
	bool usable = page_rc == WEFT_OK && resp->error == WEFT_FE_NONE;
	count(c, resp, usable ? page->n_links : 0);

	struct weft_record rec;
	fill_record(&rec, job, resp, usable ? page : NULL);
	if (job->kind == WEFT__JOB_SITEMAP)
		rec.n_links = n_locs; /* the URLs it listed (they are not kept as links) */
	if (rc == WEFT_OK)
		rc = report_in_chain(c, job, resp, &rec);

	if (rc == WEFT_OK && job->kind != WEFT__JOB_SITEMAP)
		rc = collect_kids(c, job, resp, page, kids);
	weft_response_reset(resp);
	return rc;
}

/* A URL of a host that never answered: an error record of the host's kind, as a fetch of it
   would have given, counted as a failed fetch. */
static void report_down(struct weft_crawl *c, const struct weft__job *job, uint8_t err)
{
	struct weft_response resp;
	weft_response_init(&resp);
	weft_response_set_error(&resp, (enum weft_fetch_err)err,
				"host unreachable (%s while fetching its robots.txt)",
				weft_fetch_err_name((enum weft_fetch_err)err));
	count(c, &resp, 0);
	struct weft_record rec;
	fill_record(&rec, job, &resp, NULL);
	weft__report_record(c, &rec);
	if (job->hops > 0)
		weft__held_end(c, job->url->s, WEFT_FE_NONE, NULL);
	weft_response_reset(&resp);
}

int weft__visit_instant(struct weft_crawl *c, const struct weft__job *job,
			struct weft__jobs *kids)
{
	if (job->replay)
		return weft__visit_replay(c, job, kids);
	weft__count_started(c, job);
	if (job->skip == WEFT__SKIP_DOWN)
		report_down(c, job, job->err);
	else
		weft__report_skip(c, job, (enum weft__skip)job->skip, NULL);
	return WEFT_OK;
}

int weft__visit_once(struct weft_crawl *c, const struct weft__job *job, struct weft__jobs *kids,
		     struct weft__fate *fate)
{
	if (job->replay || job->skip)
		return weft__visit_instant(c, job, kids);
	if (job->kind != WEFT__JOB_ROBOTS && weft__past_deadline(c)) {
		weft__report_skip(c, job, WEFT__SKIP_MAX_TIME, NULL);
		return WEFT_OK;
	}
	struct weft_response resp;
	struct weft__page page;
	weft_response_init(&resp);
	weft__page_init(&page, c);
	weft__page_begin(&page, job);
	double t0 = weft__now();
	weft__count_started(c, job);
	atomic_fetch_add_explicit(&c->stats.in_flight, 1, memory_order_relaxed);
	int rc = c->fetcher->ops->fetch(c->fetcher, &page.req, &resp);
	atomic_fetch_sub_explicit(&c->stats.in_flight, 1, memory_order_relaxed);
	if (resp.ms == 0)
		resp.ms = (weft__now() - t0) * 1000.0;
	rc = weft__visit_end(c, job, rc, &resp, &page, kids, fate);
	weft__page_free(&page);
	return rc;
}

/*
 * The lecture engines' step. With a gate (politeness is on): wait for the host, fetch, release
 * it; a refused fetch waits out the host's block at the gate and is fetched again.
 */
int weft__visit(struct weft_crawl *c, const struct weft__job *job, struct weft__jobs *kids)
{
	if (!c->gate)
		return weft__visit_once(c, job, kids, NULL);
	if (job->replay)
		return weft__visit_replay(c, job, kids);
	struct weft__job j = *job; /* a shallow copy: only attempt changes */
	struct weft__fate fate;
	int rc = weft__gate_take_found(c->gate, kids);
	while (rc == WEFT_OK) {
		int verdict = weft__gate_enter(c->gate, &j, &j.err);
		if (verdict != WEFT__SKIP_NONE) {
			j.skip = (uint8_t)verdict;
			if (verdict > 0)
				rc = weft__visit_instant(c, &j, kids);
			break;
		}
		rc = weft__visit_once(c, &j, kids, &fate);
		weft__gate_leave(c->gate, &j, &fate);
		bool again = fate.retry;
		weft__fate_clear(&fate);
		if (!again)
			break;
		j.attempt++;
	}
	return rc;
}

/*
 * A new URL against the counting limits (pages per host, similar URLs) and the crawl's time
 * limit: false, with its "skipped" record, when one of them says no. Seeds and checked links
 * are not counted: the user named the first, and the second are never followed.
 */
static bool admit_counted(struct weft_crawl *c, const struct weft__job *job)
{
	char msg[160] = "";
	if (weft__past_deadline(c)) {
		weft__report_skip(c, job, WEFT__SKIP_MAX_TIME, NULL);
		return false;
	}
	if (!job->from || job->kind != WEFT__JOB_PAGE)
		return true;
	int verdict = weft__limits_count(c, job->url->s, job->url->len, msg, sizeof(msg));
	if (verdict < 0) {
		weft__fail(c, verdict);
		return false;
	}
	if (verdict != WEFT__SKIP_NONE)
		weft__report_skip(c, job, (enum weft__skip)verdict, msg);
	return verdict == WEFT__SKIP_NONE;
}

/* With --depth, the best-depth table decides (see core/depth.h). */
static bool admit_depth(struct weft_crawl *c, struct weft__job *job)
{
	int rc = weft__depths_admit(c->depths, job->url, job->depth, (size_t)c->cfg.max_pages);
	if (rc < 0)
		weft__fail(c, rc);
	if (rc != WEFT__DEPTH_FETCH && job->hops > 0) /* the chain joins a URL the crawl knows */
		weft__held_end(c, job->url->s, WEFT_FE_NONE, NULL);
	if (rc == WEFT__DEPTH_FETCH && !admit_counted(c, job))
		return false;
	if (rc == WEFT__DEPTH_FETCH)
		atomic_fetch_add_explicit(&c->stats.admitted, 1, memory_order_relaxed);
	job->replay = rc == WEFT__DEPTH_REPLAY;
	return rc == WEFT__DEPTH_FETCH || rc == WEFT__DEPTH_REPLAY;
}

bool weft__admit(struct weft_crawl *c, struct weft__visited *set, struct weft__job *job)
{
	if (weft__canceled(c))
		return false; /* a held chain start is written at the end (weft__held_flush) */
	if (job->kind != WEFT__JOB_PAGE)
		return weft__admit_aux(c, set, job);
	if (c->depths)
		return admit_depth(c, job);
	int rc = weft__visited_add(set, job->url->s, job->url->len, (size_t)c->cfg.max_pages);
	if (rc < 0)
		weft__fail(c, rc);
	if (rc == WEFT__FULL)
		weft__report_skip(c, job, WEFT__SKIP_MAX_PAGES, NULL);
	if (rc == WEFT__SEEN && job->hops > 0) /* the chain joins a URL the crawl knows */
		weft__held_end(c, job->url->s, WEFT_FE_NONE, NULL);
	if (rc != WEFT__NEW || !admit_counted(c, job))
		return false;
	atomic_fetch_add_explicit(&c->stats.admitted, 1, memory_order_relaxed);
	return true;
}

/* Sitemaps are keyed apart from pages ("S" + URL): a page and a sitemap at one URL are two
   different fetches; neither counts against --max-pages. */
bool weft__admit_aux(struct weft_crawl *c, struct weft__visited *set, struct weft__job *job)
{
	if (weft__canceled(c))
		return false;
	size_t n = job->url->len;
	char *key = malloc(n + 2);
	if (!key) {
		weft__fail(c, WEFT_E_NOMEM);
		return false;
	}
	key[0] = 'S';
	memcpy(key + 1, job->url->s, n + 1);
	int rc = weft__visited_add(set, key, n + 1, 0);
	free(key);
	if (rc < 0)
		weft__fail(c, rc);
	return rc == WEFT__NEW;
}

int weft__seed_jobs(struct weft_crawl *c, struct weft__jobs *out)
{
	for (size_t i = 0; i < c->seeds.n; i++)
		if (weft__jobs_push_copy(out, &c->seeds.v[i]) != WEFT_OK)
			return WEFT_E_NOMEM;
	return WEFT_OK;
}

struct weft__str *weft__chain_extend(const struct weft__job *job)
{
	const char *prev = job->chain ? job->chain->s : "\n";
	size_t np = strlen(prev), nu = job->url->len;
	char *buf = malloc(np + nu + 2);
	if (!buf)
		return NULL;
	memcpy(buf, prev, np);
	memcpy(buf + np, job->url->s, nu);
	buf[np + nu] = '\n';
	struct weft__str *s = weft__str_new(buf, np + nu + 1);
	free(buf);
	return s;
}
