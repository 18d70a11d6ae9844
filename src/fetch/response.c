/* response.c -- lifecycle of struct weft_response, the outcome of one fetch. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft/fetcher.h>

void weft_response_init(struct weft_response *r)
{
	memset(r, 0, sizeof(*r));
	r->retry_after_ms = -1;
}

void weft_response_reset(struct weft_response *r)
{
	free(r->error_msg);
	free(r->final_url);
	free(r->content_type);
	free(r->redirect);
	for (size_t i = 0; i < r->n_links; i++)
		free(r->links[i]);
	free(r->links);
	free(r->body);
	uint64_t keep = r->keep_body;
	weft_response_init(r);
	r->keep_body = keep;
}

int weft_response_keep(struct weft_response *r, const void *p, size_t len)
{
	uint64_t room = r->keep_body > r->body_len ? r->keep_body - r->body_len : 0;
	if (len > room) {
		len = (size_t)room;
		r->truncated = true;
	}
	if (len == 0)
		return WEFT_OK;
	char *b = realloc(r->body, r->body_len + len + 1);
	if (!b)
		return WEFT_E_NOMEM;
	memcpy(b + r->body_len, p, len);
	r->body = b;
	r->body_len += len;
	b[r->body_len] = '\0';
	return WEFT_OK;
}

void weft_response_reset_links(struct weft_response *r)
{
	for (size_t i = 0; i < r->n_links; i++)
		free(r->links[i]);
	r->n_links = 0;
}

int weft_response_add_link(struct weft_response *r, const char *url, size_t len)
{
	if (r->n_links == r->cap_links) {
		size_t cap = r->cap_links ? r->cap_links * 2 : 16;
		char **v = realloc(r->links, cap * sizeof(*v));
		if (!v)
			return WEFT_E_NOMEM;
		r->links = v;
		r->cap_links = cap;
	}
	char *s = malloc(len + 1);
	if (!s)
		return WEFT_E_NOMEM;
	memcpy(s, url, len);
	s[len] = '\0';
	r->links[r->n_links++] = s;
	return WEFT_OK;
}

int weft_response_set_error(struct weft_response *r, enum weft_fetch_err e, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	r->error = e;
	return weft_response_set_str(&r->error_msg, buf);
}

int weft_response_set_str(char **field, const char *s)
{
	char *copy = NULL;
	if (s && !(copy = strdup(s)))
		return WEFT_E_NOMEM;
	free(*field);
	*field = copy;
	return WEFT_OK;
}

void weft_fetcher_free(struct weft_fetcher **f)
{
	if (f && *f) {
		(*f)->ops->destroy(*f);
		*f = NULL;
	}
}
