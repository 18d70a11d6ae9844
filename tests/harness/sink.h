/*
 * sink.h -- a struct weft_sink for tests of fetchers: keeps what a fetch delivered (the number
 * of responses begun, the last status seen at head(), the body, the links of a link-list
 * fetcher) so a test can check it. Header-only; one per fetch.
 */
#ifndef WEFT_TEST_SINK_H
#define WEFT_TEST_SINK_H

#include <stdlib.h>
#include <string.h>

#include <weft/extract.h>
#include <weft/fetcher.h>

struct test_sink {
	struct weft_sink sink;
	struct weft_request req;
	int heads;           /* head() calls */
	int head_status;     /* status at the last head() */
	char *body;          /* the last response's body, NUL-terminated */
	size_t body_len;
	char *links[256];    /* link() calls of the last response (copies) */
	size_t n_links;
};

static inline void test_sink_drop(struct test_sink *t)
{
	for (size_t i = 0; i < t->n_links; i++)
		free(t->links[i]);
	t->n_links = 0;
	free(t->body);
	t->body = NULL;
	t->body_len = 0;
}

static inline int test_sink_head(void *cookie, const struct weft_response *r)
{
	struct test_sink *t = cookie;
	test_sink_drop(t); /* a new response: what an earlier attempt gave is void */
	t->heads++;
	t->head_status = r->status;
	return 0;
}

static inline int test_sink_body(void *cookie, const void *p, size_t n)
{
	struct test_sink *t = cookie;
	char *b = realloc(t->body, t->body_len + n + 1);
	if (!b)
		return WEFT_E_NOMEM;
	memcpy(b + t->body_len, p, n);
	t->body = b;
	t->body_len += n;
	b[t->body_len] = '\0';
	return 0;
}

static inline int test_sink_link(void *cookie, const char *url, size_t n)
{
	struct test_sink *t = cookie;
	if (t->n_links < sizeof(t->links) / sizeof(t->links[0]))
		t->links[t->n_links++] = strndup(url, n);
	return 0;
}

/* Set t up for a fetch of url; t->req is the request to hand the fetcher. */
static inline void test_sink_init(struct test_sink *t, const char *url)
{
	memset(t, 0, sizeof(*t));
	t->sink = (struct weft_sink){ .head = test_sink_head, .body = test_sink_body,
				      .link = test_sink_link, .cookie = t };
	t->req = (struct weft_request){ .url = url, .sink = &t->sink };
}

static inline int count_link(void *cookie, const char *url, size_t len, enum weft_link_tag tag)
{
	(void)url, (void)len, (void)tag;
	(*(size_t *)cookie)++;
	return 0;
}

/* Links the HTML extractor finds in the kept body (as the crawl's sink would). */
static inline size_t test_sink_html_links(const struct test_sink *t)
{
	size_t n = 0;
	if (t->body)
		weft_html_extract(t->body, t->body_len, t->req.url, NULL, count_link, &n);
	return n;
}

#endif
