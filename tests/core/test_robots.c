/*
 * test_robots.c -- the robots.txt module (src/core/robots.h) against the shared test vectors
 * (Google's robots_test.cc assertions and the RFC 9309 examples, robots/cases.json): every
 * RFC case must pass; a google_specific case must pass unless it is listed in `differ` below
 * with the reason, and then it must really differ. Plus parse_cases.json (sitemaps; rule
 * counts where the directive counts imply them), the URL -> path helper cases, and unit tests
 * for what the vectors do not cover: product tokens, Crawl-delay, Sitemap lines, the 500 KiB
 * limit, allow/disallow-all, /robots.txt, %-encoding equivalence, and a huge body's speed.
 *
 * Without the shared test data the whole program exits 77 (skip) before any check.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <weft.h>

#include "check.h"
#include "core/robots.h"

/* google_specific cases we answer differently on purpose, and why. */
static const struct {
	const char *id;
	const char *why;
} differ[] = {
	{ "robots-064", "raw non-ASCII octets in the URL are %-encoded before matching "
			"(RFC 9309 2.2.2), so /foo/bar/<U+30C4> matches the rule" },
	{ "robots-066", "same: the raw URL octets equal the rule's %E3%83%84 once encoded" },
	{ "robots-067", "%xx of unreserved characters is decoded in rules as in paths, so "
			"%62%61%7A is baz (percent-encoding equivalence)" },
	{ "robots-079", "no index.html => directory heuristic: RFC 9309 rules match by "
			"prefix only" },
	{ "robots-084", "no 16,663-octet line limit: the whole rule counts (the body limit "
			"is 500 KiB)" },
	{ "robots-087", "same: the long Allow rule is kept whole, so it does not match" },
};

static const char *why_differ(const char *id)
{
	for (size_t i = 0; i < sizeof differ / sizeof differ[0]; i++)
		if (strcmp(differ[i].id, id) == 0)
			return differ[i].why;
	return NULL;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decode base64 s into a new buffer; *n gets its length. Stops at '=' or junk. */
static char *b64decode(const char *s, size_t *n)
{
	char *out = malloc(strlen(s) * 3 / 4 + 3);
	uint32_t acc = 0;
	int bits = 0;
	*n = 0;
	for (; out && *s && b64val(*s) >= 0; s++) {
		acc = acc << 6 | (uint32_t)b64val(*s);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[(*n)++] = (char)(acc >> bits & 0xFF);
		}
	}
	return out;
}

/* The body of a record: a copy of its robotstxt string or its decoded robotstxt_base64. */
static char *body_of(const json_t *c, size_t *n)
{
	const json_t *t = json_object_get(c, "robotstxt");
	if (json_is_string(t)) {
		*n = json_string_length(t);
		char *b = malloc(*n + 1);
		if (b)
			memcpy(b, json_string_value(t), *n + 1);
		return b;
	}
	const char *b64 = json_string_value(json_object_get(c, "robotstxt_base64"));
	return b64 ? b64decode(b64, n) : NULL;
}

static const char *jstr(const json_t *c, const char *key)
{
	const char *s = json_string_value(json_object_get(c, key));
	return s ? s : "";
}

/* Our answer for one record; -1 if the body could not be parsed. */
static int answer(const json_t *c)
{
	size_t n;
	char *body = body_of(c, &n);
	struct weft__robots *r = NULL;
	int rc = body ? weft__robots_parse(&r, body, n, jstr(c, "user_agent")) : WEFT_E_NOMEM;
	free(body);
	if (rc)
		return -1;
	int ok = weft__robots_allowed_url(r, jstr(c, "url"));
	weft__robots_free(&r);
	return ok;
}

struct tally {
	int rfc, rfc_ok, g, g_ok, g_listed;
};

static void one_case(struct tally *t, const json_t *c)
{
	const char *id = jstr(c, "id");
	bool want = json_is_true(json_object_get(c, "allowed"));
	bool g = json_is_true(json_object_get(c, "google_specific"));
	int got = answer(c);
	const char *why = why_differ(id);
	CHECK(got >= 0);
	if (!g) {
		t->rfc++;
		t->rfc_ok += got == want;
		if (got != want)
			CHECK_FAIL("%s (%s): got %d, want %d", id, jstr(c, "name"), got, want);
		if (why)
			CHECK_FAIL("%s is listed as a difference but is not google_specific", id);
		return;
	}
	t->g++;
	t->g_ok += got == want;
	t->g_listed += why != NULL;
	if (why && got == want)
		CHECK_FAIL("%s is listed as a deliberate difference but passes", id);
	if (why)
		printf("robots: %s differs on purpose: %s\n", id, why);
	if (!why && got != want)
		CHECK_FAIL("%s (%s): got %d, want %d", id, jstr(c, "name"), got, want);
}

static json_t *load(const char *rel)
{
	char path[4096];
	json_error_t err;
	if (!check_testdata(rel, path, sizeof path))
		return NULL;
	json_t *j = json_load_file(path, JSON_ALLOW_NUL, &err);
	if (!j)
		CHECK_FAIL("%s: %s (line %d)", path, err.text, err.line);
	return j;
}

static void test_cases(void)
{
	json_t *all = load("robots/cases.json");
	REQUIRE(all);
	struct tally t = { 0 };
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(all, "cases"), i, c)
		one_case(&t, c);
	json_decref(all);
	CHECK_INT(t.rfc, 161);
	CHECK_INT(t.g, 23);
	CHECK_INT(t.g_listed, (int)(sizeof differ / sizeof differ[0]));
	printf("robots: %d/%d RFC cases passed, %d/%d google-specific passed, %d listed as "
	       "deliberate differences\n", t.rfc_ok, t.rfc, t.g_ok, t.g, t.g_listed);
}

/* Rules kept for agent in body. */
static size_t n_rules(const char *body, size_t n, const char *agent)
{
	struct weft__robots *r = NULL;
	if (weft__robots_parse(&r, body, n, agent))
		return (size_t)-1;
	size_t k = weft__robots_n_rules(r);
	weft__robots_free(&r);
	return k;
}

/*
 * parse_cases.json. We do not count directives or lines (the parser keeps only what the crawl
 * needs), so line numbers are not checked; directive counts are checked through their
 * consequence. Line-ending bodies: one rule each for foo and bar. BOM bodies: one user-agent
 * line for foo and one Allow line, so foo keeps a rule exactly when both are recognised, i.e.
 * when valid_directives is 2.
 */
static void one_parse_case(const json_t *c)
{
	size_t n;
	char *body = body_of(c, &n);
	const char *id = jstr(c, "id");
	const json_t *sm = json_object_get(c, "sitemap");
	const json_t *valid = json_object_get(c, "valid_directives");
	struct weft__robots *r = NULL;
	if (!body || weft__robots_parse(&r, body, n, "foo")) {
		CHECK_FAIL("%s: parse failed", id);
		free(body);
		return;
	}
	if (json_is_string(sm)) {
		CHECK_INT(weft__robots_n_sitemaps(r), 1);
		CHECK_STR(weft__robots_sitemap(r, 0), json_string_value(sm));
	}
	if (json_is_integer(valid) && strstr(jstr(c, "name"), "LinesNumbers")) {
		CHECK_INT(json_integer_value(valid), 4);
		CHECK_INT(n_rules(body, n, "foo"), 1);
		CHECK_INT(n_rules(body, n, "bar"), 1);
	} else if (json_is_integer(valid)) {
		CHECK_INT(weft__robots_n_rules(r), json_integer_value(valid) == 2 ? 1 : 0);
	}
	weft__robots_free(&r);
	free(body);
}

static void test_parse_cases(void)
{
	json_t *all = load("robots/parse_cases.json");
	REQUIRE(all);
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(all, "cases"), i, c)
		one_parse_case(c);
	CHECK_INT(json_array_size(json_object_get(all, "cases")), 12);
	json_decref(all);
}

/* helper_cases.json's URL -> path+query checks, against weft__robots_url_path(). */
static void test_url_paths(void)
{
	json_t *all = load("robots/helper_cases.json");
	REQUIRE(all);
	size_t i, n = 0;
	json_t *c;
	json_array_foreach(json_object_get(all, "path_params_query"), i, c) {
		size_t len;
		const char *p = weft__robots_url_path(jstr(c, "url"), &len);
		char got[512];
		snprintf(got, sizeof got, "%s%.*s", len && p[0] == '/' ? "" : "/", (int)len, p);
		CHECK_STR(got, jstr(c, "path"));
		n++;
	}
	CHECK_INT(n, 19);
	json_decref(all);
}

/* ---- unit tests ---- */

static struct weft__robots *parse(const char *body, const char *agent)
{
	struct weft__robots *r = NULL;
	if (weft__robots_parse(&r, body, strlen(body), agent))
		return NULL;
	return r;
}

static bool allowed(const struct weft__robots *r, const char *path)
{
	return weft__robots_allowed(r, path, strlen(path));
}

static void test_product_token(void)
{
	char tok[16];
	CHECK_INT(weft__robots_product_token("weft/0.1.0 (+http://x)", tok, sizeof tok), 0);
	CHECK_STR(tok, "weft");
	CHECK_INT(weft__robots_product_token("Foo_Bar-2 extra", tok, sizeof tok), 0);
	CHECK_STR(tok, "Foo_Bar-2");
	CHECK_INT(weft__robots_product_token("Mozilla/5.0 (compatible; weft)", tok, sizeof tok),
		  0);
	CHECK_STR(tok, "Mozilla");
	CHECK_INT(weft__robots_product_token("", tok, sizeof tok), WEFT_E_INVAL);
	CHECK_INT(weft__robots_product_token(" weft", tok, sizeof tok), WEFT_E_INVAL);
	CHECK_INT(weft__robots_product_token("/1.0", tok, sizeof tok), WEFT_E_INVAL);
	CHECK_INT(weft__robots_product_token(NULL, tok, sizeof tok), WEFT_E_INVAL);
	CHECK_INT(weft__robots_product_token("weft", tok, 4), WEFT_E_INVAL); /* no room for NUL */
	CHECK_INT(weft__robots_product_token("weft", tok, 5), 0);
	CHECK_STR(tok, "weft");
}

/* Crawl-delay of body for agent "weft". */
static double delay(const char *body)
{
	struct weft__robots *r = parse(body, "weft");
	double d = r ? weft__robots_crawl_delay(r) : -2;
	weft__robots_free(&r);
	return d;
}

static void test_crawl_delay(void)
{
	CHECK(delay("User-agent: weft\nCrawl-delay: 10\n") == 10);
	CHECK(delay("User-agent: weft\ncrawl-delay:0.5\n") == 0.5);
	CHECK(delay("User-agent: weft\nCrawl-Delay: 2.25 # two and a quarter\n") == 2.25);
	CHECK(delay("User-agent: weft\nCrawl-delay: 3.\n") == 3);
	CHECK(delay("User-agent: weft\nCrawl-delay: 0\n") == 0);
	CHECK(delay("User-agent: weft\nCrawl-delay: abc\n") == -1);
	CHECK(delay("User-agent: weft\nCrawl-delay: 5s\n") == -1);
	CHECK(delay("User-agent: weft\nCrawl-delay: -1\n") == -1);
	CHECK(delay("User-agent: weft\nCrawl-delay: 1e3\n") == -1);
	CHECK(delay("User-agent: weft\nCrawl-delay: .\n") == -1);
	CHECK(delay("User-agent: weft\nCrawl-delay: 0x10\n") == -1);
	CHECK(delay("User-agent: weft\nCrawl-delay: 1 2\n") == -1);
	CHECK(delay("User-agent: weft\nCrawl-delay:\n") == -1);
	CHECK(delay("User-agent: weft\nDisallow: /x\n") == -1);
	CHECK(delay("") == -1);
	/* another agent's delay is not ours; "*" counts only without a group of our own */
	CHECK(delay("User-agent: other\nCrawl-delay: 7\n") == -1);
	CHECK(delay("User-agent: *\nCrawl-delay: 7\n") == 7);
	CHECK(delay("User-agent: *\nCrawl-delay: 7\nUser-agent: weft\nDisallow: /a\n") == -1);
	/* merged groups: the largest valid value */
	CHECK(delay("User-agent: weft\nCrawl-delay: 2\nCrawl-delay: x\n\nUser-agent: weft\n"
		    "Crawl-delay: 4\n") == 4);
	/* a Crawl-delay line ends a run of user-agent lines like a rule does */
	CHECK(delay("User-agent: weft\nCrawl-delay: 1\nUser-agent: b\nCrawl-delay: 9\n") == 1);
}

static void test_sitemaps(void)
{
	struct weft__robots *r = parse("Sitemap: http://a.example/s1.xml\n"
				       "User-agent: weft\n"
				       "SITEMAP:https://a.example/s2.xml.gz # comment\n"
				       "Sitemap:\n"
				       "User-agent: other\nDisallow: /\n"
				       "sitemap: http://b.example/s3.xml\n",
				       "weft");
	REQUIRE(r);
	CHECK_INT(weft__robots_n_sitemaps(r), 3);
	CHECK_STR(weft__robots_sitemap(r, 0), "http://a.example/s1.xml");
	CHECK_STR(weft__robots_sitemap(r, 1), "https://a.example/s2.xml.gz");
	CHECK_STR(weft__robots_sitemap(r, 2), "http://b.example/s3.xml");
	CHECK(weft__robots_sitemap(r, 3) == NULL);
	/* the Sitemap line did not end weft's user-agent run: "other" joined weft's group */
	CHECK(!allowed(r, "/x"));
	weft__robots_free(&r);
	r = parse("User-agent: weft\nDisallow: /a\n", "weft");
	REQUIRE(r);
	CHECK_INT(weft__robots_n_sitemaps(r), 0);
	CHECK(weft__robots_sitemap(r, 0) == NULL);
	weft__robots_free(&r);
}

/* A body of `size` bytes: a group for weft, comment padding, then `tail`. */
static char *padded(size_t size, const char *tail, size_t *n)
{
	const char *head = "User-agent: weft\nDisallow: /early\n";
	size_t h = strlen(head), t = strlen(tail);
	char *b = malloc(size + 1);
	if (!b)
		return NULL;
	memcpy(b, head, h);
	memset(b + h, '#', size - h - t);
	for (size_t i = h + 99; i < size - t; i += 100)
		b[i] = '\n';
	memcpy(b + size - t, tail, t);
	b[size - t - 1] = '\n';
	b[size] = '\0';
	*n = size;
	return b;
}

static void test_size_limit(void)
{
	const size_t lim = WEFT__ROBOTS_MAX_BODY;
	size_t n;
	struct weft__robots *r = NULL;
	/* a rule that ends before the limit counts */
	char *b = padded(lim, "Disallow: /late\n", &n);
	REQUIRE(b);
	REQUIRE(weft__robots_parse(&r, b, n, "weft") == 0);
	CHECK(!allowed(r, "/early"));
	CHECK(!allowed(r, "/late"));
	weft__robots_free(&r);
	free(b);
	/* after the limit: ignored */
	b = padded(lim + 100, "Disallow: /late\n", &n);
	REQUIRE(b);
	REQUIRE(weft__robots_parse(&r, b, n, "weft") == 0);
	CHECK(!allowed(r, "/early"));
	CHECK(allowed(r, "/late"));
	weft__robots_free(&r);
	free(b);
	/* cut by the limit: the whole line is dropped ("/l" would block far more) */
	b = padded(lim + 8, "Disallow: /late\n", &n);
	REQUIRE(b);
	REQUIRE(weft__robots_parse(&r, b, n, "weft") == 0);
	CHECK(allowed(r, "/late"));
	CHECK(allowed(r, "/l"));
	CHECK_INT(weft__robots_n_rules(r), 1);
	weft__robots_free(&r);
	free(b);
	/* exactly at the limit, the line break just after it: the line is whole, it counts */
	b = padded(lim + 1, "Disallow: /late\n", &n);
	REQUIRE(b);
	REQUIRE(weft__robots_parse(&r, b, n, "weft") == 0);
	CHECK(!allowed(r, "/late"));
	weft__robots_free(&r);
	free(b);
}

static void test_allow_disallow_all(void)
{
	struct weft__robots *r = NULL;
	REQUIRE(weft__robots_allow_all(&r) == 0);
	CHECK(allowed(r, "/"));
	CHECK(allowed(r, "/anything?x=1"));
	CHECK(weft__robots_allowed_url(r, "http://a.example/x/y"));
	CHECK(weft__robots_crawl_delay(r) == -1);
	CHECK_INT(weft__robots_n_sitemaps(r), 0);
	weft__robots_free(&r);
	CHECK(r == NULL);
	REQUIRE(weft__robots_disallow_all(&r) == 0);
	CHECK(!allowed(r, "/"));
	CHECK(!allowed(r, ""));
	CHECK(!allowed(r, "/anything?x=1"));
	CHECK(!weft__robots_allowed_url(r, "http://a.example"));
	CHECK(allowed(r, "/robots.txt"));
	CHECK(weft__robots_allowed_url(r, "https://a.example:8443/robots.txt#x"));
	weft__robots_free(&r);
	weft__robots_free(&r); /* harmless twice */
	CHECK_INT(weft__robots_allow_all(NULL), WEFT_E_INVAL);
	CHECK_INT(weft__robots_parse(&r, NULL, 3, "weft"), WEFT_E_INVAL);
}

static void test_robots_txt_allowed(void)
{
	struct weft__robots *r = parse("User-agent: *\nDisallow: /\nDisallow: /robots.txt$\n",
				       "weft");
	REQUIRE(r);
	CHECK(allowed(r, "/robots.txt"));
	CHECK(weft__robots_allowed_url(r, "http://a.example/robots.txt"));
	CHECK(!allowed(r, "/robots.txt.bak"));
	CHECK(!allowed(r, "/x/robots.txt"));
	CHECK(!allowed(r, "/"));
	weft__robots_free(&r);
}

/* Equivalent spellings meet: hex case, encoded unreserved octets, raw octets, '*' and '$'. */
static void test_encoding(void)
{
	struct weft__robots *r = parse("User-agent: weft\n"
				       "Disallow: /a%7eb\n"
				       "Disallow: /c%aa\n"
				       "Disallow: /path/file-with-a-%2A.html\n"
				       "Disallow: /price$5\n"
				       "Disallow: /sp ace\n"
				       "Disallow: /caf\xc3\xa9\n"
				       "Disallow: /slash%2Fx\n"
				       "Allow: /q?x=%41\n"
				       "Disallow: /q\n",
				       "weft");
	REQUIRE(r);
	CHECK(!allowed(r, "/a~b"));
	CHECK(!allowed(r, "/a%7Eb"));
	CHECK(!allowed(r, "/c%AA"));
	CHECK(!allowed(r, "/c%aA/d"));
	CHECK(!allowed(r, "/path/file-with-a-*.html"));
	CHECK(allowed(r, "/path/file-with-a-x.html"));
	CHECK(!allowed(r, "/price$5"));
	CHECK(!allowed(r, "/price%245"));
	CHECK(allowed(r, "/price"));
	CHECK(!allowed(r, "/sp%20ace"));
	CHECK(!allowed(r, "/caf%C3%A9"));
	CHECK(!allowed(r, "/caf%c3%a9/menu"));
	CHECK(!allowed(r, "/slash%2fx"));
	CHECK(allowed(r, "/slash/x"));
	CHECK(allowed(r, "/q?x=A"));
	CHECK(!allowed(r, "/q?x=B"));
	CHECK(!allowed(r, "/q"));
	CHECK(allowed(r, "/%"));
	weft__robots_free(&r);
}

/* Wildcards, anchors, groups and leniencies beyond the shared vectors. */
static void test_matching(void)
{
	struct weft__robots *r = parse("\xef\xbb\xbfUser-agent: other\n"
				       "User-agent: WEFT/2.0 (+http://x)\n"
				       "Disallow /colonless\n"
				       "Disallow /two words\n"
				       "Disallow: /**/deep/***\n"
				       "Disallow: /*.pdf$\n"
				       "Allow: /docs/*.pdf$\n"
				       "Disallow: /x*y*z$\n"
				       "User-agent: weftbot\nDisallow: /\n",
				       "weft");
	REQUIRE(r);
	CHECK(!allowed(r, "/colonless"));
	CHECK(allowed(r, "/two"));
	CHECK(!allowed(r, "/a/b/deep/c"));
	CHECK(allowed(r, "/deep"));
	CHECK(!allowed(r, "/a.pdf"));
	CHECK(allowed(r, "/a.pdf?x"));
	CHECK(allowed(r, "/docs/a.pdf"));
	CHECK(!allowed(r, "/x1y2z"));
	CHECK(!allowed(r, "/xyzyz"));
	CHECK(allowed(r, "/xyz1"));
	CHECK_INT(weft__robots_n_rules(r), 5);
	weft__robots_free(&r);
	r = parse("User-agent: weft\nDisallow: *$\nAllow: /ok\n", "weft");
	REQUIRE(r);
	CHECK(!allowed(r, "/anything")); /* "*$" is "*": everything */
	CHECK(allowed(r, "/ok"));
	weft__robots_free(&r);
	/* no group and no "*": everything allowed; an empty agent names no group */
	r = parse("User-agent: other\nDisallow: /\n", "weft");
	REQUIRE(r);
	CHECK(allowed(r, "/x"));
	weft__robots_free(&r);
	r = parse("User-agent: *\nDisallow: /s\nUser-agent: \nDisallow: /\n", "");
	REQUIRE(r);
	CHECK(!allowed(r, "/s"));
	CHECK(allowed(r, "/t")); /* the empty user-agent line named nobody */
	weft__robots_free(&r);
	/* our own group, even empty, beats "*" */
	r = parse("User-agent: *\nDisallow: /\n\nUser-agent: weft\n", "weft");
	REQUIRE(r);
	CHECK(allowed(r, "/x"));
	weft__robots_free(&r);
}

/* Full URLs without a path, fragments, and a long path that needs normalising. */
static void test_url_edge(void)
{
	struct weft__robots *r = parse("User-agent: *\nDisallow: /$\nDisallow: /?\n", "weft");
	REQUIRE(r);
	CHECK(!weft__robots_allowed_url(r, "http://a.example"));
	CHECK(!weft__robots_allowed_url(r, "http://a.example?q"));
	CHECK(!weft__robots_allowed_url(r, "http://a.example/#frag"));
	CHECK(weft__robots_allowed_url(r, "http://a.example/x#"));
	CHECK(!weft__robots_allowed_url(r, ""));
	weft__robots_free(&r);
	/* a path longer than the matcher's stack buffer that needs normalising */
	size_t n = 5000;
	char *p = malloc(n + 1);
	REQUIRE(p);
	memset(p, 'a', n);
	memcpy(p, "/deep/", 6);
	memcpy(p + n - 4, "%7e$", 4);
	p[n] = '\0';
	r = parse("User-agent: *\nDisallow: /deep/*~%24$\n", "weft");
	CHECK(r && !allowed(r, p));
	p[n - 1] = 'x';
	CHECK(r && allowed(r, p));
	weft__robots_free(&r);
	free(p);
}

/* Reference matcher for the differential test: pat ('*', final '$') against all of s. */
static bool ref_match(const char *pat, const char *s)
{
	if (*pat == '\0')
		return true;
	if (pat[0] == '$' && pat[1] == '\0')
		return *s == '\0';
	if (*pat == '*') {
		for (;; s++) {
			if (ref_match(pat + 1, s))
				return true;
			if (!*s)
				return false;
		}
	}
	return *s == *pat && ref_match(pat + 1, s + 1);
}

static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

/* A random string over alphabet (no "**"), starting with first if it is not NUL. */
static void rnd_str(char *out, size_t maxlen, const char *alphabet, char first, uint64_t *seed)
{
	size_t n = 0, len = 1 + rnd(seed) % maxlen, k = strlen(alphabet);
	if (first)
		out[n++] = first;
	while (n < len) {
		char c = alphabet[rnd(seed) % k];
		if (!(c == '*' && n && out[n - 1] == '*'))
			out[n++] = c;
	}
	out[n] = '\0';
}

/*
 * The indexed matcher against a brute-force one (every rule, longest wins, Allow on a tie) on
 * random rule sets and paths over a small alphabet, so prefixes collide and wildcards overlap.
 */
static void test_differential(void)
{
	enum { NRULES = 300, NPATHS = 3000 };
	static char pats[NRULES][16];
	static bool allow[NRULES];
	uint64_t seed = 42;
	int diffs = 0;
	for (int round = 0; round < 4; round++) {
		char body[NRULES * 32] = "User-agent: *\n";
		size_t n = strlen(body);
		for (int i = 0; i < NRULES; i++) {
			rnd_str(pats[i], 9, "/ab.*", rnd(&seed) % 4 ? '/' : '*', &seed);
			if (rnd(&seed) % 4 == 0)
				strcat(pats[i], "$");
			allow[i] = rnd(&seed) % 2;
			n += (size_t)snprintf(body + n, sizeof body - n, "%s: %s\n",
					      allow[i] ? "Allow" : "Disallow", pats[i]);
		}
		struct weft__robots *r = NULL;
		REQUIRE(weft__robots_parse(&r, body, n, "weft") == 0);
		for (int p = 0; p < NPATHS; p++) {
			char path[16];
			rnd_str(path, 12, "/ab.", '/', &seed);
			size_t best = 0;
			bool want = true, found = false;
			for (int i = 0; i < NRULES; i++) {
				size_t len = strlen(pats[i]);
				if (!ref_match(pats[i], path) || (found && len < best) ||
				    (found && len == best && (want || !allow[i])))
					continue;
				found = true;
				best = len;
				want = allow[i];
			}
			if (allowed(r, path) != want && diffs++ < 5)
				CHECK_FAIL("round %d path %s: got %d, want %d", round, path, !want,
					   want);
		}
		weft__robots_free(&r);
	}
	CHECK_INT(diffs, 0);
}

struct shared {
	const struct weft__robots *r;
	int mismatches;
};

static const char *const thread_paths[] = { "/a", "/a/b", "/b.pdf", "/docs/x.pdf", "/c?d",
					    "/robots.txt", "/e%7e", "/e~/f", "/" };

static bool thread_answer(const struct weft__robots *r, size_t i)
{
	return allowed(r, thread_paths[i % (sizeof thread_paths / sizeof thread_paths[0])]);
}

static void *query_many(void *arg)
{
	struct shared *s = arg;
	for (size_t i = 0; i < 20000; i++)
		if (thread_answer(s->r, i) != thread_answer(s->r, i % 9))
			s->mismatches++;
	return NULL;
}

/* One parsed object queried by several threads at once, without locks. */
static void test_threads(void)
{
	struct weft__robots *r = parse("User-agent: *\nDisallow: /a\nAllow: /a/\n"
				       "Disallow: /*.pdf$\nAllow: /docs/\nDisallow: /e~\n",
				       "weft");
	REQUIRE(r);
	pthread_t t[4];
	struct shared s[4];
	int started = 0;
	for (int i = 0; i < 4; i++) {
		s[i] = (struct shared){ r, 0 };
		if (pthread_create(&t[i], NULL, query_many, &s[i]) == 0)
			started++;
		else
			break;
	}
	for (int i = 0; i < started; i++) {
		pthread_join(t[i], NULL);
		CHECK_INT(s[i].mismatches, 0);
	}
	CHECK(started > 0);
	CHECK(!allowed(r, "/a") && allowed(r, "/a/b") && !allowed(r, "/e%7E/f"));
	CHECK(!allowed(r, "/b.pdf") && allowed(r, "/docs/x.html"));
	CHECK(!allowed(r, "/docs/x.pdf")); /* the .pdf$ rule is longer than /docs/ */
	weft__robots_free(&r);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 20,000 rules (about 500 KiB): parse and 200,000 lookups must stay fast. */
static void test_huge_body(void)
{
	const int nrules = 20000;
	size_t cap = (size_t)nrules * 48 + 64, n = 0;
	char *b = malloc(cap);
	REQUIRE(b);
	n += (size_t)snprintf(b, cap, "User-agent: *\n");
	for (int i = 0; i < nrules && n + 48 < cap; i++) {
		if (i % 4 == 3)
			n += (size_t)snprintf(b + n, cap - n, "Allow: /d%d/keep*.html$\n", i - 3);
		else if (i % 4 == 2 && i < 400) /* these must be tried on every path */
			n += (size_t)snprintf(b + n, cap - n, "Disallow: /*/x%d/\n", i);
		else if (i % 4 == 2)
			n += (size_t)snprintf(b + n, cap - n, "Disallow: /d%d/*/x/\n", i);
		else
			n += (size_t)snprintf(b + n, cap - n, "Disallow: /d%d/\n", i);
	}
	CHECK(n <= WEFT__ROBOTS_MAX_BODY);
	struct weft__robots *r = NULL;
	double t0 = now();
	REQUIRE(weft__robots_parse(&r, b, n, "weft") == 0);
	double t1 = now();
	CHECK_INT(weft__robots_n_rules(r), nrules);
	char path[64];
	int blocked = 0;
	for (int i = 0; i < 200000; i++) {
		int k = i % (nrules + 100);
		switch (i % 5) {
		case 0: snprintf(path, sizeof path, "/d%d/page", k); break;
		case 1: snprintf(path, sizeof path, "/d%d/keep-%d.html", k, i); break;
		case 2: snprintf(path, sizeof path, "/a/x%d/", k); break;
		case 3: snprintf(path, sizeof path, "/other/%d?q=%d", k, i); break;
		default: snprintf(path, sizeof path, "/d%d", k); break;
		}
		blocked += !allowed(r, path);
	}
	double t2 = now();
	CHECK(!allowed(r, "/d0/page"));
	CHECK(allowed(r, "/d0/keep.html"));
	CHECK(!allowed(r, "/d0/keep.html?x"));
	CHECK(!allowed(r, "/zz/x2/"));
	CHECK(allowed(r, "/zz/x3/"));
	CHECK(allowed(r, "/d0"));
	fprintf(stderr, "robots: %d rules (%zu bytes) parsed in %.1f ms; 200000 lookups in "
		"%.1f ms (%d blocked)\n", nrules, n, (t1 - t0) * 1e3, (t2 - t1) * 1e3, blocked);
	/* generous bounds (sanitizers, a loaded machine): a linear scan would take ~10x more */
	CHECK(t1 - t0 < 2.0 * check_scale());
	CHECK(t2 - t1 < 10.0 * check_scale());
	weft__robots_free(&r);
	free(b);
}

int main(void)
{
	char path[4096];
	if (!check_testdata("robots/cases.json", path, sizeof path)) {
		fprintf(stderr, "robots test data absent (WEFT_TESTDATA): skipped\n");
		return CHECK_SKIP;
	}
	RUN(test_cases);
	RUN(test_parse_cases);
	RUN(test_url_paths);
	RUN(test_product_token);
	RUN(test_crawl_delay);
	RUN(test_sitemaps);
	RUN(test_size_limit);
	RUN(test_allow_disallow_all);
	RUN(test_robots_txt_allowed);
	RUN(test_encoding);
	RUN(test_matching);
	RUN(test_url_edge);
	RUN(test_threads);
	RUN(test_differential);
	RUN(test_huge_body);
	return check_report();
}
