/*
 * fakeweb.c -- the fake web's table: add pages, look them up, count fetches.
 *
 * URLs and links are stored canonical (weft/url.h), so the table answers for a URL exactly
 * when a crawl of the real web would consider it the same page.
 */
#include <stdlib.h>
#include <string.h>

#include <weft/url.h>

#include "fetch/fakeweb.h"
#include "util/util.h"

static void page_free(struct fake_page *p)
{
	if (!p)
		return;
	free(p->url);
	for (size_t i = 0; i < p->n_links; i++)
		free(p->links[i]);
	free(p->links);
	free(p->error);
	free(p->redirect);
	free(p->content_type);
	free(p);
}

int weft_fakeweb_new(struct weft_fakeweb **out)
{
	struct weft_fakeweb *w = calloc(1, sizeof(*w));
	*out = NULL;
	if (!w)
		return WEFT_E_NOMEM;
	w->mask = 63;
	w->missing_mask = 63;
	w->pages = calloc(w->mask + 1, sizeof(*w->pages));
	w->missing = calloc(w->missing_mask + 1, sizeof(*w->missing));
	pthread_mutex_init(&w->missing_mu, NULL);
	if (!w->pages || !w->missing) {
		weft_fakeweb_free(&w);
		return WEFT_E_NOMEM;
	}
	*out = w;
	return WEFT_OK;
}

void weft_fakeweb_free(struct weft_fakeweb **wp)
{
	struct weft_fakeweb *w = wp ? *wp : NULL;
	if (!w)
		return;
	for (size_t i = 0; w->pages && i <= w->mask; i++)
		page_free(w->pages[i]);
	for (size_t i = 0; w->missing && i <= w->missing_mask; i++)
		page_free(w->missing[i]);
	free(w->pages);
	free(w->missing);
	pthread_mutex_destroy(&w->missing_mu);
	free(w);
	*wp = NULL;
}

/* The slot holding url, or the empty slot where it would go. */
static struct fake_page **slot(struct fake_page **tab, size_t mask, const char *url)
{
	size_t i = (size_t)weft__fingerprint(url, strlen(url)) & mask;
	while (tab[i] && strcmp(tab[i]->url, url) != 0)
		i = (i + 1) & mask;
	return &tab[i];
}

/* Double a table when it is half full. */
static int maybe_grow(struct fake_page ***tab, size_t *mask, size_t count)
{
	if ((count + 1) * 2 <= *mask + 1)
		return WEFT_OK;
	size_t nmask = *mask * 2 + 1;
	struct fake_page **nt = calloc(nmask + 1, sizeof(*nt));
	if (!nt)
		return WEFT_E_NOMEM;
	for (size_t i = 0; i <= *mask; i++)
		if ((*tab)[i])
			*slot(nt, nmask, (*tab)[i]->url) = (*tab)[i];
	free(*tab);
	*tab = nt;
	*mask = nmask;
	return WEFT_OK;
}

const struct fake_page *weft__fakeweb_find(const struct weft_fakeweb *w, const char *url)
{
	return *slot(w->pages, w->mask, url);
}

static int canonical(const char *base, const char *url, char **out)
{
	return weft_url_resolve(base, url, strlen(url), NULL, out);
}

static int copy_links(struct fake_page *p, const struct weft_fakepage *src)
{
	if (src->n_links == 0)
		return WEFT_OK;
	p->links = calloc(src->n_links, sizeof(*p->links));
	if (!p->links)
		return WEFT_E_NOMEM;
	for (size_t i = 0; i < src->n_links; i++) {
		int rc = canonical(p->url, src->links[i], &p->links[i]);
		if (rc)
			return rc;
		p->n_links++;
	}
	return WEFT_OK;
}

static int copy_page(struct fake_page *p, const struct weft_fakepage *src)
{
	int rc = canonical(NULL, src->url, &p->url);
	if (rc)
		return rc;
	p->status = src->status ? src->status : (src->redirect ? 301 : 200);
	p->delay_us = src->delay_us;
	if (src->redirect && (rc = canonical(p->url, src->redirect, &p->redirect)))
		return rc;
	if ((src->error && !(p->error = strdup(src->error))) ||
	    (src->content_type && !(p->content_type = strdup(src->content_type))))
		return WEFT_E_NOMEM;
	return copy_links(p, src);
}

int weft_fakeweb_add(struct weft_fakeweb *w, const struct weft_fakepage *src)
{
	if (!src->url)
		return WEFT_E_INVAL;
	struct fake_page *p = calloc(1, sizeof(*p));
	if (!p)
		return WEFT_E_NOMEM;
	int rc = copy_page(p, src);
	if (rc == WEFT_OK)
		rc = maybe_grow(&w->pages, &w->mask, w->count);
	if (rc) {
		page_free(p);
		return rc;
	}
	struct fake_page **s = slot(w->pages, w->mask, p->url);
	if (*s)
		page_free(*s);
	else
		w->count++;
	*s = p;
	return WEFT_OK;
}

/* Count a fetch of a URL that is not in the table. */
static void touch_missing(struct weft_fakeweb *w, const char *url)
{
	pthread_mutex_lock(&w->missing_mu);
	struct fake_page **s = slot(w->missing, w->missing_mask, url);
	if (!*s && maybe_grow(&w->missing, &w->missing_mask, w->missing_count) == WEFT_OK) {
		s = slot(w->missing, w->missing_mask, url);
		struct fake_page *p = calloc(1, sizeof(*p));
		if (p && (p->url = strdup(url))) {
			*s = p;
			w->missing_count++;
		} else {
			free(p);
		}
	}
	if (*s)
		atomic_fetch_add(&(*s)->fetches, 1);
	pthread_mutex_unlock(&w->missing_mu);
}

struct fake_page *weft__fakeweb_touch(struct weft_fakeweb *w, const char *url)
{
	atomic_fetch_add(&w->total, 1);
	struct fake_page *p = *slot(w->pages, w->mask, url);
	if (p)
		atomic_fetch_add(&p->fetches, 1);
	else
		touch_missing(w, url);
	return p;
}

unsigned weft_fakeweb_fetches(struct weft_fakeweb *w, const char *url)
{
	char *key = NULL;
	if (canonical(NULL, url, &key))
		return 0;
	unsigned n = 0;
	struct fake_page *p = *slot(w->pages, w->mask, key);
	if (p) {
		n = atomic_load(&p->fetches);
	} else {
		pthread_mutex_lock(&w->missing_mu);
		struct fake_page *m = *slot(w->missing, w->missing_mask, key);
		n = m ? atomic_load(&m->fetches) : 0;
		pthread_mutex_unlock(&w->missing_mu);
	}
	free(key);
	return n;
}

uint64_t weft_fakeweb_total_fetches(const struct weft_fakeweb *w)
{
	return atomic_load(&w->total);
}

size_t weft_fakeweb_size(const struct weft_fakeweb *w)
{
	return w->count;
}

/* The page's answer: status and type into *out, then (not for HEAD) its links to the sink. */
int weft__fakeweb_respond(const struct fake_page *p, const struct weft_request *req,
			  struct weft_response *out)
{
	int rc = WEFT_OK;
	if (!p) { /* fmt.Errorf("not found: %s", url) */
		out->status = 404;
		return weft_response_set_error(out, WEFT_FE_MISSING, "not found: %s", req->url);
	}
	if (p->error)
		return weft_response_set_error(out, WEFT_FE_FAKE, "%s", p->error);
	out->status = p->status;
	rc = weft_response_set_str(&out->content_type,
				   p->content_type ? p->content_type : "text/html");
	if (!rc && p->redirect)
		rc = weft_response_set_str(&out->redirect, p->redirect);
	if (!rc && p->status >= 400)
		rc = weft_response_set_error(out, WEFT_FE_HTTP, "HTTP %d", p->status);
	const struct weft_sink *k = req->sink;
	int sink_rc = 0;
	if (!rc && k && k->head)
		sink_rc = k->head(k->cookie, out);
	for (size_t i = 0; !rc && !sink_rc && !req->head && k && k->link && i < p->n_links; i++)
		sink_rc = k->link(k->cookie, p->links[i], strlen(p->links[i]));
	if (!rc && sink_rc) {
		out->status = 0;
		rc = weft_response_set_error(out, WEFT_FE_OTHER, "stopped by the caller: %s",
					     weft_strerror(sink_rc));
	}
	return rc;
}
