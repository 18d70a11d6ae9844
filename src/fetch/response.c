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
	free(r->charset);
	free(r->redirect);
	weft_response_init(r);
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
