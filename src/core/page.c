/*
 * page.c -- the core's sink for one fetch (see page.h): the extractor over a page's body, the
 * body of robots.txt and sitemaps, the links of a fake web's page.
 *
 * Records are collected while the body streams in; their strings go into one growing buffer
 * (strs), so while collecting a record holds offsets (NO_STR for "absent") and only
 * weft__page_end() turns them into pointers: the buffer may move as it grows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/page.h"
#include "core/politeness.h"

#define SITEMAP_MAX_BYTES (50u * 1024u * 1024u + 1u) /* the protocol's 50 MB, and one byte to
							   tell "over" from "at" */
#define CHECK_GET_BYTES 1u /* a check that falls back to GET reads no more than this */
#define NO_STR SIZE_MAX

/* Reserve room for n more bytes in a growing buffer. */
static int grow(char **buf, size_t *cap, size_t len, size_t n)
{
	if (n <= *cap - len)
		return WEFT_OK;
	if (n > SIZE_MAX / 2 - len)
		return WEFT_E_NOMEM;
	size_t want = *cap ? *cap : 4096;
	while (want - len < n + 1)
		want *= 2;
	char *b = realloc(*buf, want);
	if (!b)
		return WEFT_E_NOMEM;
	*buf = b;
	*cap = want;
	return WEFT_OK;
}

/* Copy s (n bytes) into strs, NUL-terminated; its offset, or NO_STR for s == NULL. */
static size_t put_str(struct weft__page *p, const char *s, size_t n)
{
	if (!s)
		return NO_STR;
	if (p->rc == 0)
		p->rc = grow(&p->strs, &p->strs_cap, p->strs_len, n + 1);
	if (p->rc)
		return NO_STR;
	size_t off = p->strs_len;
	memcpy(p->strs + off, s, n);
	p->strs[off + n] = '\0';
	p->strs_len += n + 1;
	return off;
}

static const char *as_off(size_t off)
{
	return (const char *)(uintptr_t)off; /* an offset until weft__page_end() */
}

static const char *to_ptr(const struct weft__page *p, const char *off)
{
	size_t o = (size_t)(uintptr_t)off;
	return o == NO_STR ? NULL : p->strs + o;
}

/* Room for one more record, or NULL: out of memory (p->rc says so) or over cfg.max_links
   (counted in links_dropped; the page keeps its first max_links links). */
static struct weft_link *new_link(struct weft__page *p)
{
	size_t max = p->c->cfg.max_links;
	if (max && p->n_links >= max) {
		p->links_dropped++;
		return NULL;
	}
	if (p->n_links == p->cap_links) {
		size_t cap = p->cap_links ? p->cap_links * 2 : 64;
		struct weft_link *v = realloc(p->links, cap * sizeof(*v));
		if (!v) {
			p->rc = WEFT_E_NOMEM;
			return NULL;
		}
		p->links = v;
		p->cap_links = cap;
	}
	return &p->links[p->n_links++];
}

/* One record from the extractor: copied, strings as offsets. */
static int on_record(void *cookie, const struct weft_link *l)
{
	struct weft__page *p = cookie;
	struct weft_link *k = new_link(p);
	if (!k)
		return p->rc;
	*k = *l; /* tag and attr are the extractor's static names */
	k->url = as_off(put_str(p, l->url, l->url_len));
	k->raw = as_off(put_str(p, l->raw, l->raw_len));
	k->fragment = as_off(put_str(p, l->fragment, l->frag_len));
	k->text = as_off(put_str(p, l->text, l->text_len));
	k->rel = as_off(put_str(p, l->rel, l->rel_len));
	return p->rc;
}

static int on_anchor(void *cookie, const char *id, size_t len)
{
	struct weft__page *p = cookie;
	if (p->n_anchors == p->cap_anchors) {
		size_t cap = p->cap_anchors ? p->cap_anchors * 2 : 32;
		size_t *v = realloc(p->anchors, cap * sizeof(*v));
		if (!v)
			return p->rc = WEFT_E_NOMEM;
		p->anchors = v;
		p->cap_anchors = cap;
	}
	size_t off = put_str(p, id, len);
	if (off != NO_STR)
		p->anchors[p->n_anchors++] = off;
	return p->rc;
}

/* A fake web's link: a record as an <a href> with nothing else known. */
static int on_link(void *cookie, const char *url, size_t len)
{
	struct weft__page *p = cookie;
	if (!p->take_links)
		return WEFT_OK;
	struct weft_link *k = new_link(p);
	if (!k)
		return p->rc;
	size_t off = put_str(p, url, len);
	*k = (struct weft_link){ .url = as_off(off), .url_len = len, .raw = as_off(off),
				 .raw_len = len, .fragment = as_off(NO_STR), .text = as_off(off),
				 .text_len = 0, .rel = as_off(NO_STR), .tag = "a", .attr = "href",
				 .kind = WEFT_LINK_NAV };
	k->text = as_off(put_str(p, "", 0));
	return p->rc;
}

static int on_body(void *cookie, const void *buf, size_t len)
{
	struct weft__page *p = cookie;
	if (p->keep) {
		if (p->rc == 0)
			p->rc = grow(&p->body, &p->body_cap, p->body_len, len + 1);
		if (p->rc)
			return p->rc;
		memcpy(p->body + p->body_len, buf, len);
		p->body_len += len;
		p->body[p->body_len] = '\0';
	}
	if (p->parse && p->rc == 0)
		p->rc = weft_html_feed(p->html, buf, len);
	return p->rc;
}

static bool is_html(const char *mt)
{
	return mt && (strcmp(mt, "text/html") == 0 || strcmp(mt, "application/xhtml+xml") == 0);
}

/* Forget whatever an earlier response (or attempt) gave. */
static void drop_all(struct weft__page *p)
{
	p->n_links = p->n_anchors = p->links_dropped = 0;
	p->strs_len = p->body_len = 0;
	p->parse = p->keep = p->take_links = false;
	p->rc = 0;
}

/* A response begins: decide what its body means. Only a 2xx of a page is parsed. */
static int on_head(void *cookie, const struct weft_response *resp)
{
	struct weft__page *p = cookie;
	drop_all(p);
	bool ok = resp->error == WEFT_FE_NONE && resp->status >= 200 && resp->status < 300;
	uint8_t kind = p->job->kind;
	if (!ok || kind == WEFT__JOB_CHECK)
		return WEFT_OK;
	p->keep = kind == WEFT__JOB_ROBOTS || kind == WEFT__JOB_SITEMAP;
	p->take_links = kind == WEFT__JOB_PAGE;
	if (kind != WEFT__JOB_PAGE || !is_html(resp->content_type))
		return WEFT_OK;
	struct weft_html_sink hs = { .link = on_record, .cookie = p,
				     .resources = p->c->cfg.resources,
				     .anchor = p->c->cfg.anchors ? on_anchor : NULL };
	const char *url = p->job->url->s;
	int rc = p->html ? weft_html_reset_sink(p->html, url, resp->charset, &hs)
			 : weft_html_new_sink(&p->html, url, resp->charset, &hs);
	if (rc == WEFT_E_NOMEM)
		return p->rc = rc;
	p->parse = rc == WEFT_OK; /* WEFT_E_INVAL: not a URL the extractor can be based on */
	return WEFT_OK;
}

void weft__page_init(struct weft__page *p, const struct weft_crawl *c)
{
	memset(p, 0, sizeof(*p));
	p->c = c;
	p->sink = (struct weft_sink){ .head = on_head, .body = on_body, .link = on_link,
				      .cookie = p };
}

void weft__page_begin(struct weft__page *p, const struct weft__job *job)
{
	drop_all(p);
	p->job = job;
	p->req = (struct weft_request){ .url = job->url->s, .sink = &p->sink };
	switch (job->kind) {
	case WEFT__JOB_ROBOTS: p->req.max_body = WEFT__ROBOTS_MAX_BYTES; break;
	case WEFT__JOB_SITEMAP: p->req.max_body = SITEMAP_MAX_BYTES; break;
	case WEFT__JOB_CHECK:
		p->req.head = true;
		p->req.max_body = CHECK_GET_BYTES;
		break;
	default: break;
	}
}

int weft__page_end(struct weft__page *p, const struct weft_response *resp)
{
	bool ok = resp->error == WEFT_FE_NONE && resp->status >= 200 && resp->status < 300;
	if (!ok) { /* nothing of a failed response counts, whatever it delivered */
		int rc = p->rc == WEFT_E_NOMEM ? p->rc : 0;
		drop_all(p);
		return rc;
	}
	if (p->parse && p->rc == 0)
		p->rc = weft_html_finish(p->html);
	if (p->parse) /* values too long for the extractor to keep: not silently lost */
		p->links_dropped += weft_html_overlong(p->html);
	p->parse = false;
	for (size_t i = 0; i < p->n_links; i++) {
		struct weft_link *k = &p->links[i];
		k->url = to_ptr(p, k->url);
		k->raw = to_ptr(p, k->raw);
		k->fragment = to_ptr(p, k->fragment);
		k->text = to_ptr(p, k->text);
		k->rel = to_ptr(p, k->rel);
	}
	if (p->n_anchors > p->cap_anchor_ptrs) {
		const char **v = realloc(p->anchor_ptrs, p->n_anchors * sizeof(*v));
		if (!v) {
			p->n_anchors = 0;
			return p->rc = WEFT_E_NOMEM;
		}
		p->anchor_ptrs = v;
		p->cap_anchor_ptrs = p->n_anchors;
	}
	for (size_t i = 0; i < p->n_anchors; i++)
		p->anchor_ptrs[i] = p->strs + p->anchors[i];
	return p->rc;
}

const char *const *weft__page_anchors(const struct weft__page *p)
{
	return p->n_anchors ? p->anchor_ptrs : NULL;
}

void weft__page_free(struct weft__page *p)
{
	weft_html_free(&p->html);
	free(p->links);
	free(p->anchors);
	free(p->anchor_ptrs);
	free(p->strs);
	free(p->body);
	memset(p, 0, sizeof(*p));
}
