/*
 * visit.c -- the one step every engine runs per admitted URL: fetch it, report it, and list the
 * links worth following. Pure with respect to the crawl's shared state: it reads the read-only
 * configuration, bumps atomic counters and calls the reporters under their lock. Which thread
 * calls it, and what happens to the children it returns, is the engine's business.
 */
#include <stdlib.h>
#include <string.h>

#include "core/depth.h"
#include "internal.h"

#define MAX_REDIRECT_HOPS 10

bool weft_record_ok(const struct weft_record *r)
{
	return r->error == WEFT_FE_NONE && r->status >= 200 && r->status < 300;
}

static void fill_record(struct weft_record *rec, const struct weft__job *job,
			const struct weft_response *resp)
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
	rec->n_links = resp->n_links;
	rec->links = (const char *const *)resp->links;
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

/* Turn a too-long or looping redirect into an error on this URL. */
static void check_redirect(const struct weft__job *job, struct weft_response *resp)
{
	if (!is_redirect(resp))
		return;
	if (in_chain(job, resp->redirect))
		weft_response_set_error(resp, WEFT_FE_REDIRECT_LOOP, "redirect loop back to %s",
					resp->redirect);
	else if (job->hops >= MAX_REDIRECT_HOPS)
		weft_response_set_error(resp, WEFT_FE_TOO_MANY_REDIRECTS,
					"more than %d redirects", MAX_REDIRECT_HOPS);
}

/* A candidate child: depth is relative to the page (1 for a link, 0 for a redirect target). */
static int add_kid(struct weft_crawl *c, const struct weft__job *job, const char *url,
		   int depth, int hops, struct weft__jobs *kids)
{
	if (!weft__scope_allows(c, url))
		return WEFT_OK;
	struct weft__job kid = { .depth = depth, .hops = hops };
	kid.url = weft__str_new(url, strlen(url));
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

/* The in-scope links of a usable page, or a redirect's target, with relative depths. */
static int candidates(struct weft_crawl *c, const struct weft__job *job,
		      const struct weft_response *resp, struct weft__jobs *cands)
{
	int rc = WEFT_OK;
	if (is_redirect(resp))
		return add_kid(c, job, resp->redirect, 0, job->hops + 1, cands);
	if (resp->error != WEFT_FE_NONE || resp->status < 200 || resp->status >= 300)
		return WEFT_OK;
	for (size_t i = 0; i < resp->n_links && rc == WEFT_OK; i++)
		rc = add_kid(c, job, resp->links[i], 1, 0, cands);
	return rc;
}

/* Move candidates into kids at depth base + relative depth, dropping those over --depth. */
static void place_kids(struct weft_crawl *c, int base, struct weft__jobs *cands,
		       struct weft__jobs *kids)
{
	for (size_t i = 0; i < cands->n; i++) {
		struct weft__job *k = &cands->v[i];
		k->depth += base;
		if ((c->cfg.max_depth >= 0 && k->depth > c->cfg.max_depth) ||
		    weft__jobs_push_job(kids, k) != WEFT_OK)
			weft__job_clear(k);
	}
	cands->n = 0;
}

/* Children of a fetched page; with --depth, remember its links and use its best depth. */
static int collect_kids(struct weft_crawl *c, const struct weft__job *job,
			const struct weft_response *resp, struct weft__jobs *kids)
{
	struct weft__jobs cands = { 0 };
	int base = job->depth;
	int rc = candidates(c, job, resp, &cands);
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

static void count(struct weft_crawl *c, const struct weft_response *resp)
{
	struct weft__stats *s = &c->stats;
	atomic_fetch_add_explicit(&s->fetched, 1, memory_order_relaxed);
	bool ok = resp->error == WEFT_FE_NONE && resp->status >= 200 && resp->status < 400;
	atomic_fetch_add_explicit(ok ? &s->ok : &s->failed, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->links, resp->n_links, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->bytes, resp->bytes, memory_order_relaxed);
}

int weft__visit_end(struct weft_crawl *c, const struct weft__job *job, int fetch_rc,
		    struct weft_response *resp, struct weft__jobs *kids)
{
	if (fetch_rc < 0) /* the fetcher itself failed: still a record, never a lost URL */
		weft_response_set_error(resp, WEFT_FE_OTHER, "fetcher: %s",
					weft_strerror(fetch_rc));
	check_redirect(job, resp);
	count(c, resp);

	struct weft_record rec;
	fill_record(&rec, job, resp);
	weft__report_record(c, &rec);

	int rc = collect_kids(c, job, resp, kids);
	weft_response_reset(resp);
	return rc;
}

int weft__visit(struct weft_crawl *c, const struct weft__job *job, struct weft__jobs *kids)
{
	if (job->replay)
		return weft__visit_replay(c, job, kids);
	struct weft_response resp;
	weft_response_init(&resp);
	double t0 = weft__now();
	int rc = c->fetcher->ops->fetch(c->fetcher, job->url->s, &resp);
	if (resp.ms == 0)
		resp.ms = (weft__now() - t0) * 1000.0;
	return weft__visit_end(c, job, rc, &resp, kids);
}

/* With --depth, the best-depth table decides (see core/depth.h). */
static bool admit_depth(struct weft_crawl *c, struct weft__job *job)
{
	int rc = weft__depths_admit(c->depths, job->url, job->depth, (size_t)c->cfg.max_pages);
	if (rc < 0)
		weft__fail(c, rc);
	if (rc == WEFT__DEPTH_FETCH)
		atomic_fetch_add_explicit(&c->stats.admitted, 1, memory_order_relaxed);
	job->replay = rc == WEFT__DEPTH_REPLAY;
	return rc == WEFT__DEPTH_FETCH || rc == WEFT__DEPTH_REPLAY;
}

bool weft__admit(struct weft_crawl *c, struct weft__visited *set, struct weft__job *job)
{
	if (weft__canceled(c))
		return false;
	if (c->depths)
		return admit_depth(c, job);
	int rc = weft__visited_add(set, job->url->s, job->url->len, (size_t)c->cfg.max_pages);
	if (rc < 0)
		weft__fail(c, rc);
	if (rc != WEFT__NEW)
		return false;
	atomic_fetch_add_explicit(&c->stats.admitted, 1, memory_order_relaxed);
	return true;
}

void weft__fail(struct weft_crawl *c, int err)
{
	int expected = 0;
	atomic_compare_exchange_strong(&c->run_err, &expected, err);
	weft_crawl_cancel(c);
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
