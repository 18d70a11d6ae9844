/*
 * fakeload.c -- the fake web from a file of JSON lines, and the lecture's built-in table.
 *
 * Every problem is reported as "FILE:LINE: what is wrong", and the whole load fails: a test
 * web that silently lost a page would make every later result meaningless.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft/url.h>

#include "fetch/fakeweb.h"
#include "util/util.h"

struct line_ctx {
	const char *path;
	long line;
	char *err;
	size_t errlen;
};

#define LOAD_ERR(ctx, ...) load_err(ctx, __VA_ARGS__)

__attribute__((format(printf, 2, 3))) static int load_err(struct line_ctx *ctx,
							  const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return weft__err(WEFT_E_PARSE, ctx->err, ctx->errlen, "%s:%ld: %s", ctx->path, ctx->line,
			 msg);
}

static int get_string(struct line_ctx *ctx, json_t *obj, const char *key, const char **out)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return WEFT_OK;
	if (!json_is_string(v))
		return LOAD_ERR(ctx, "\"%s\" must be a string", key);
	*out = json_string_value(v);
	return WEFT_OK;
}

static int get_links(struct line_ctx *ctx, json_t *obj, const char ***links, size_t *n)
{
	json_t *v = json_object_get(obj, "links");
	*links = NULL;
	*n = 0;
	if (!v || json_is_null(v))
		return WEFT_OK;
	if (!json_is_array(v))
		return LOAD_ERR(ctx, "\"links\" must be an array of strings");
	size_t count = json_array_size(v);
	if (count == 0)
		return WEFT_OK;
	*links = calloc(count, sizeof(**links));
	if (!*links)
		return WEFT_E_NOMEM;
	for (size_t i = 0; i < count; i++) {
		json_t *s = json_array_get(v, i);
		if (!json_is_string(s))
			return LOAD_ERR(ctx, "\"links\"[%zu] must be a string", i);
		(*links)[i] = json_string_value(s);
	}
	*n = count;
	return WEFT_OK;
}

static int get_numbers(struct line_ctx *ctx, json_t *obj, struct weft_fakepage *p)
{
	json_t *st = json_object_get(obj, "status");
	if (st && !json_is_null(st)) {
		if (!json_is_integer(st) || json_integer_value(st) < 100 ||
		    json_integer_value(st) > 599)
			return LOAD_ERR(ctx, "\"status\" must be an integer from 100 to 599");
		p->status = (int)json_integer_value(st);
	}
	json_t *d = json_object_get(obj, "delay_ms");
	if (d && !json_is_null(d)) {
		double ms = json_number_value(d);
		if (!json_is_number(d) || !(ms >= 0 && ms <= 600000))
			return LOAD_ERR(ctx, "\"delay_ms\" must be a number from 0 to 600000");
		p->delay_us = (unsigned)lround(ms * 1000.0);
	}
	return WEFT_OK;
}

static int check_keys(struct line_ctx *ctx, json_t *obj)
{
	static const char *const known[] = { "url", "status", "links", "delay_ms", "error",
					     "redirect", "content_type", NULL };
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		size_t i = 0;
		while (known[i] && strcmp(known[i], key) != 0)
			i++;
		if (!known[i])
			return LOAD_ERR(ctx, "unknown field \"%s\"", key);
	}
	return WEFT_OK;
}

/* Explain why weft_fakeweb_add() refused a page. */
static int add_err(struct line_ctx *ctx, int rc, const struct weft_fakepage *p)
{
	if (rc == WEFT_E_NOMEM)
		return rc;
	return LOAD_ERR(ctx, "a URL does not parse (url \"%s\", its links or redirect)", p->url);
}

/* A page listed twice is a mistake in the file, not a replacement. */
static int check_duplicate(struct line_ctx *ctx, const struct weft_fakeweb *w, const char *url)
{
	char *key = NULL;
	if (weft_url_resolve(NULL, url, strlen(url), NULL, &key) != WEFT_OK)
		return WEFT_OK; /* weft_fakeweb_add() reports the bad URL */
	bool dup = weft__fakeweb_find(w, key) != NULL;
	free(key);
	return dup ? LOAD_ERR(ctx, "duplicate url \"%s\"", url) : WEFT_OK;
}

static int load_line(struct line_ctx *ctx, struct weft_fakeweb *w, const char *buf, size_t n)
{
	json_error_t jerr;
	json_t *obj = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &jerr);
	struct weft_fakepage p = { 0 };
	const char **links = NULL;
	int rc;
	if (!obj)
		return LOAD_ERR(ctx, "invalid JSON at column %d: %s", jerr.column, jerr.text);
	if (!json_is_object(obj)) {
		rc = LOAD_ERR(ctx, "expected a JSON object");
		goto out_free_obj;
	}
	if ((rc = check_keys(ctx, obj)) || (rc = get_string(ctx, obj, "url", &p.url)) ||
	    (rc = get_string(ctx, obj, "error", &p.error)) ||
	    (rc = get_string(ctx, obj, "redirect", &p.redirect)) ||
	    (rc = get_string(ctx, obj, "content_type", &p.content_type)) ||
	    (rc = get_numbers(ctx, obj, &p)) || (rc = get_links(ctx, obj, &links, &p.n_links)))
		goto out_free_links;
	if (!p.url) {
		rc = LOAD_ERR(ctx, "missing \"url\"");
		goto out_free_links;
	}
	p.links = links;
	if ((rc = check_duplicate(ctx, w, p.url)) == WEFT_OK && (rc = weft_fakeweb_add(w, &p)))
		rc = add_err(ctx, rc, &p);
out_free_links:
	free(links);
out_free_obj:
	json_decref(obj);
	return rc;
}

static bool blank_or_comment(const char *s)
{
	s += strspn(s, " \t\r\n");
	return *s == '\0' || *s == '#';
}

int weft_fakeweb_load(struct weft_fakeweb **out, const char *path, char *err, size_t errlen)
{
	struct line_ctx ctx = { .path = path, .err = err, .errlen = errlen };
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	*out = NULL;
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return weft__err(WEFT_E_IO, err, errlen, "%s: %s", path, strerror(errno));
	struct weft_fakeweb *w = NULL;
	int rc = weft_fakeweb_new(&w);
	while (rc == WEFT_OK && (n = getline(&buf, &cap, fp)) >= 0) {
		ctx.line++;
		if (memchr(buf, '\0', (size_t)n))
			rc = LOAD_ERR(&ctx, "NUL byte in line");
		else if (!blank_or_comment(buf))
			rc = load_line(&ctx, w, buf, (size_t)n);
	}
	if (rc == WEFT_OK && ferror(fp))
		rc = weft__err(WEFT_E_IO, err, errlen, "%s: read error", path);
	free(buf);
	fclose(fp);
	if (rc)
		weft_fakeweb_free(&w);
	*out = w;
	return rc;
}

/* The lecture's `var fetcher = fakeFetcher{...}`, verbatim. */
int weft_fakeweb_lecture(struct weft_fakeweb **out)
{
	static const char *const root[] = { "http://golang.org/pkg/", "http://golang.org/cmd/" };
	static const char *const pkg[] = { "http://golang.org/", "http://golang.org/cmd/",
					   "http://golang.org/pkg/fmt/",
					   "http://golang.org/pkg/os/" };
	static const char *const fmt[] = { "http://golang.org/", "http://golang.org/pkg/" };
	static const char *const os[] = { "http://golang.org/", "http://golang.org/pkg/" };
	const struct weft_fakepage pages[] = {
		{ .url = "http://golang.org/", .links = root, .n_links = 2 },
		{ .url = "http://golang.org/pkg/", .links = pkg, .n_links = 4 },
		{ .url = "http://golang.org/pkg/fmt/", .links = fmt, .n_links = 2 },
		{ .url = "http://golang.org/pkg/os/", .links = os, .n_links = 2 },
	};
	int rc = weft_fakeweb_new(out);
	for (size_t i = 0; rc == WEFT_OK && i < sizeof(pages) / sizeof(pages[0]); i++)
		rc = weft_fakeweb_add(*out, &pages[i]);
	if (rc)
		weft_fakeweb_free(out);
	return rc;
}
