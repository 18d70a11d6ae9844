/*
 * buf.c -- the growable byte buffer of the extractor (struct weft__buf).
 *
 * Buffers belong to one extractor and so to one thread.
 */
#include <stdlib.h>
#include <string.h>

#include <weft.h>

#include "extract/extract_int.h"

#define BUF_MIN 256

int weft__buf_reserve(struct weft__buf *b, size_t more)
{
	if (b->cap - b->n >= more)
		return WEFT_OK;
	if (more > SIZE_MAX / 2 - b->n)
		return WEFT_E_NOMEM;
	size_t cap = b->cap ? b->cap : BUF_MIN;
	while (cap - b->n < more)
		cap *= 2;
	char *np = realloc(b->p, cap);
	if (!np)
		return WEFT_E_NOMEM;
	b->p = np;
	b->cap = cap;
	return WEFT_OK;
}

int weft__buf_add(struct weft__buf *b, const void *p, size_t n)
{
	if (n == 0)
		return WEFT_OK;
	if (b->cap - b->n < n && weft__buf_reserve(b, n) != WEFT_OK)
		return WEFT_E_NOMEM;
	memcpy(b->p + b->n, p, n);
	b->n += n;
	return WEFT_OK;
}

void weft__buf_trim(struct weft__buf *b, size_t keep)
{
	b->n = 0;
	if (b->cap > keep) {
		free(b->p);
		*b = (struct weft__buf){ 0 };
	}
}
