/*
 * fuzz_robots.c -- libFuzzer target for the robots.txt module (src/core/robots.h): parse the
 * input as a body for two agents ("weft", and "" which only "*" groups reach) and use its
 * lines as paths and URLs too. Checks what a crawl relies on; any violation aborts:
 *   - "/robots.txt" is always allowed, and disallow_all() allows nothing else;
 *   - parsing is deterministic (a second parse answers every path the same);
 *   - %-encoding equivalence: a path answers the same with its letters and digits written
 *     as lower-case %xx;
 *   - Crawl-delay is -1 or a finite value >= 0; every sitemap index below the count is a
 *     string.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/robots.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_PATHS = 16, MAX_PATH = 512 };

static void fail(const char *what, const char *path, size_t n)
{
	fprintf(stderr, "fuzz_robots: %s (path \"%.*s\")\n", what, (int)n, path);
	abort();
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* p with every letter and digit written as %xx (lower-case hex) into out; its length. */
static size_t encode_alnum(char *out, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (is_alnum((char)c)) {
			out[m++] = '%';
			out[m++] = hex[c >> 4];
			out[m++] = hex[c & 15];
		} else {
			out[m++] = (char)c;
		}
	}
	return m;
}

/* Check one path against the parsed objects a and b (same body, parsed twice) and deny. */
static void check_path(const struct weft__robots *a, const struct weft__robots *b,
		       const struct weft__robots *deny, const char *p, size_t n)
{
	bool ok = weft__robots_allowed(a, p, n);
	if (weft__robots_allowed(b, p, n) != ok)
		fail("not deterministic", p, n);
	/* disallow_all allows /robots.txt (however spelled) and nothing else, and every object
	 * allows what it allows */
	bool deny_ok = weft__robots_allowed(deny, p, n);
	if (n == 11 && memcmp(p, "/robots.txt", 11) == 0 && !deny_ok)
		fail("disallow_all disallowed /robots.txt", p, n);
	if (deny_ok && (!ok || n < 10 || !memchr(p, 't', n)))
		fail("disallow_all allowed something else than /robots.txt", p, n);
	if (memchr(p, '%', n))
		return; /* re-encoding next to an existing '%' would change its meaning */
	char enc[3 * MAX_PATH];
	size_t m = encode_alnum(enc, p, n);
	if (weft__robots_allowed(a, enc, m) != ok || weft__robots_allowed(deny, enc, m) != deny_ok)
		fail("%-encoded letters answer differently", p, n);
}

/* The object's invariants that do not depend on a path. */
static void check_object(const struct weft__robots *r)
{
	double d = weft__robots_crawl_delay(r);
	if (!(d == -1 || (d >= 0 && d < 1e300)))
		fail("bad crawl delay", "", 0);
	for (size_t i = 0; i < weft__robots_n_sitemaps(r); i++)
		if (!weft__robots_sitemap(r, i))
			fail("missing sitemap", "", 0);
	if (weft__robots_sitemap(r, weft__robots_n_sitemaps(r)))
		fail("sitemap past the end", "", 0);
	if (!weft__robots_allowed(r, "/robots.txt", 11))
		fail("/robots.txt disallowed", "/robots.txt", 11);
}

static void run_agent(const uint8_t *data, size_t size, const char *agent,
		      const struct weft__robots *deny)
{
	struct weft__robots *a = NULL, *b = NULL;
	const char *body = (const char *)data;
	if (weft__robots_parse(&a, body, size, agent) || weft__robots_parse(&b, body, size, agent))
		abort(); /* only out of memory may fail, and the fuzzer's limits are far above */
	check_object(a);
	size_t i = 0;
	for (int k = 0; k < MAX_PATHS && i <= size; k++) {
		size_t j = i;
		while (j < size && body[j] != '\n')
			j++;
		size_t n = j - i < MAX_PATH ? j - i : MAX_PATH;
		const char *colon = memchr(body + i, ':', n); /* "Disallow: /x" -> " /x" */
		const char *p = colon ? colon + 1 : body + i;
		check_path(a, b, deny, p, n - (size_t)(p - (body + i)));
		check_path(a, b, deny, body + i, n);
		i = j + 1;
	}
	char url[MAX_PATH + 32];
	snprintf(url, sizeof url, "http://h.example%.*s", (int)(size < MAX_PATH ? size : MAX_PATH),
		 body);
	size_t n;
	const char *p = weft__robots_url_path(url, &n);
	if (weft__robots_allowed_url(a, url) != weft__robots_allowed(a, p, n))
		fail("allowed_url differs from allowed on its path", url, strlen(url));
	weft__robots_free(&a);
	weft__robots_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weft__robots *deny = NULL;
	if (weft__robots_disallow_all(&deny))
		abort();
	run_agent(data, size, "weft", deny);
	run_agent(data, size, "", deny);
	weft__robots_free(&deny);
	return 0;
}
