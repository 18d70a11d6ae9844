/*
 * fuzz_resolve.c -- libFuzzer target for URL resolution: a base URL and a relative reference,
 * as a page's links are resolved. The input is "BASE\nREFERENCE" (without a newline, the whole
 * input is a reference against a fixed base). Checks:
 *  - weft_url_resolve() on the base string, weft_url_resolve_parsed() on the parsed base and
 *    weft_url_parse() agree: same success, same key (href without fragment);
 *  - the result is absolute: its href parses alone, and against the base, to itself;
 *  - a legacy document encoding changes only the query: success and everything up to the
 *    query are the same as in UTF-8.
 * Any violation aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft.h>
#include <weft/url.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *base, const char *ref, size_t n, const char *got)
{
	fprintf(stderr, "fuzz_resolve: %s: base \"%s\" reference \"%.*s\" got \"%s\"\n", what,
		base ? base : "(none)", (int)n, ref, got ? got : "");
	abort();
}

/* href up to (not including) its query or fragment. */
static size_t before_query(const char *href)
{
	return strcspn(href, "?#");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	const char *nl = memchr(in, '\n', size);
	char *base_s = NULL;
	const char *ref = in;
	size_t n = size;
	if (nl) {
		size_t bl = (size_t)(nl - in);
		if (memchr(in, '\0', bl))
			return 0; /* the string API cannot take such a base */
		base_s = malloc(bl + 1);
		if (!base_s)
			abort();
		memcpy(base_s, in, bl);
		base_s[bl] = '\0';
		ref = nl + 1;
		n = size - bl - 1;
	} else {
		base_s = strdup("http://a/b/c/d;p?q#f");
		if (!base_s)
			abort();
	}
	struct weft_url *base = NULL, *u = NULL;
	int brc = weft_url_parse(&base, base_s, strlen(base_s), NULL, NULL);
	if (brc != WEFT_OK && brc != WEFT_E_PARSE)
		fail("base: unexpected error", base_s, ref, n, NULL);

	char *k1 = NULL, *k2 = NULL;
	int r1 = weft_url_resolve(base_s, ref, n, NULL, &k1);
	int r2 = weft_url_resolve_parsed(base, ref, n, NULL, &k2);
	int r3 = weft_url_parse(&u, ref, n, base, NULL);
	if (brc != WEFT_OK) {
		/* the string API fails on the base; the parsed API resolves against no base */
		if (r1 != WEFT_E_PARSE || k1)
			fail("bad base accepted", base_s, ref, n, k1);
	} else if (r1 != r2 || (r1 == WEFT_OK && strcmp(k1, k2) != 0)) {
		fail("resolve and resolve_parsed differ", base_s, ref, n, k1 ? k1 : k2);
	}
	if (r2 != r3 || (r2 != WEFT_OK && r2 != WEFT_E_PARSE))
		fail("resolve_parsed and parse differ", base_s, ref, n, k2);
	if (u) {
		const char *href = weft_url_href(u);
		size_t key = weft_url_key_len(u);
		if (strlen(k2) != key || memcmp(k2, href, key) != 0)
			fail("key is not href without fragment", base_s, ref, n, href);
		struct weft_url *alone = NULL, *again = NULL;
		if (weft_url_parse(&alone, href, strlen(href), NULL, NULL) != WEFT_OK ||
		    strcmp(weft_url_href(alone), href) != 0)
			fail("href does not parse to itself", base_s, ref, n, href);
		if (weft_url_parse(&again, href, strlen(href), base, NULL) != WEFT_OK ||
		    strcmp(weft_url_href(again), href) != 0)
			fail("href against the base is not itself", base_s, ref, n, href);
		weft_url_free(&alone);
		weft_url_free(&again);

		struct weft_url *leg = NULL;
		int r4 = weft_url_parse(&leg, ref, n, base, "windows-1252");
		if (r4 != WEFT_OK)
			fail("fails only in windows-1252", base_s, ref, n, href);
		const char *lh = weft_url_href(leg);
		size_t q = before_query(href);
		if (before_query(lh) != q || memcmp(lh, href, q) != 0)
			fail("windows-1252 changed more than the query", base_s, ref, n, lh);
		weft_url_free(&leg);
	}
	weft_url_free(&u);
	weft_url_free(&base);
	free(k1);
	free(k2);
	free(base_s);
	return 0;
}
