/*
 * fuzz_url.c -- libFuzzer target for the URL parser: parse the input against a fixed base (and
 * without one, and with a legacy query charset) and check the invariants a crawl relies on:
 * parsing a parsed URL's href gives the same href (idempotence), the key is a prefix of href,
 * and weft_url_resolve_parsed() returns exactly that key. Any violation aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft/url.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with a message naming the input when an invariant fails. */
static void fail(const char *what, const uint8_t *data, size_t size, const char *href)
{
	fprintf(stderr, "fuzz_url: %s: input \"%.*s\" href \"%s\"\n", what, (int)size,
		(const char *)data, href ? href : "");
	abort();
}

/* Check u's invariants; base (may be NULL) and enc are what u was parsed with. */
static void check_url(const struct weft_url *u, const struct weft_url *base, const char *enc,
		      const uint8_t *data, size_t size)
{
	const char *href = weft_url_href(u);
	size_t key = weft_url_key_len(u);
	struct weft_url *again = NULL;
	if (weft_url_parse(&again, href, strlen(href), NULL, NULL) != 0)
		fail("href does not parse", data, size, href);
	if (strcmp(weft_url_href(again), href) != 0)
		fail("not idempotent", data, size, href);
	weft_url_free(&again);
	if (key > strlen(href) || (href[key] != '\0' && href[key] != '#'))
		fail("bad key length", data, size, href);
	char *k = NULL;
	if (weft_url_resolve_parsed(base, (const char *)data, size, enc, &k) != 0 ||
	    strlen(k) != key || memcmp(k, href, key) != 0)
		fail("resolve differs from parse", data, size, href);
	free(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const bases[] = {"http://user:pw@base.example:8080/a/b?q#f", NULL};
	static const char *const encs[] = {NULL, "shift_jis"};
	for (int i = 0; i < 2; i++) {
		struct weft_url *base = NULL, *u = NULL;
		if (bases[i] && weft_url_parse(&base, bases[i], strlen(bases[i]), NULL, NULL) != 0)
			abort();
		int rc = weft_url_parse(&u, (const char *)data, size, base, encs[i]);
		if (rc != 0 && rc != WEFT_E_PARSE)
			fail("unexpected error", data, size, NULL);
		if (u)
			check_url(u, base, encs[i], data, size);
		weft_url_free(&u);
		weft_url_free(&base);
	}
	return 0;
}
