/*
 * test_whatwg.c -- conformance of weft's URL parser with the web-platform-tests URL data
 * ($WEFT_TESTDATA/url/urltestdata.json, see its README.md).
 *
 * Every case is parsed (against its base, when it has one) and, when it should succeed, all the
 * getters are compared, not only href. Pass counts are printed for three subsets:
 *   (a) http(s) base, and the result is an http(s) URL or a failure -- the crawler's subset;
 *       at least 98% must pass;
 *   (b) no base, and the result is an http(s) URL or a failure;
 *   (c) all cases.
 * A case of (a) or (b) that fails must be listed in `exceptions` with the reason; an unlisted
 * failure fails the test. Without the data file the test is skipped (exit 77), never passed.
 * Set WEFT_URL_VERBOSE=1 to see every failing case of (c).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft/url.h>

#include "tests/harness/check.h"

/* Cases of subsets (a) and (b) that weft does not pass, and why. Match on input and base. */
static const struct exception {
	const char *input;
	const char *base; /* NULL: base null */
	const char *reason;
} exceptions[] = {
	{NULL, NULL, NULL},
};

struct counts {
	int pass;
	int total;
};

struct tally {
	struct counts a, b, c;
	int unlisted;
	bool verbose;
};

static const struct exception *find_exception(const char *input, const char *base)
{
	for (size_t i = 0; exceptions[i].input; i++) {
		const struct exception *e = &exceptions[i];
		if (strcmp(e->input, input) != 0)
			continue;
		if ((e->base == NULL) == (base == NULL) && (!base || strcmp(e->base, base) == 0))
			return e;
	}
	return NULL;
}

/* Scheme of a URL string, lower-cased, in buf (the README's definition). */
static const char *scheme_of(const char *s, char *buf, size_t len)
{
	size_t i = 0;
	for (; s[i] && s[i] != ':' && i + 1 < len; i++)
		buf[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	buf[i] = '\0';
	return buf;
}

static bool is_http_scheme(const char *s)
{
	return strcmp(s, "http") == 0 || strcmp(s, "https") == 0;
}

static const char *jstr(const json_t *c, const char *key)
{
	return json_string_value(json_object_get(c, key));
}

/* Compare every getter of u with the case; the first mismatch goes to why. */
static bool getters_match(const struct weft_url *u, const json_t *c, char *why, size_t len)
{
	static const struct {
		const char *key;
		const char *(*get)(const struct weft_url *);
	} g[] = {
		{"href", weft_url_href},         {"protocol", weft_url_protocol},
		{"username", weft_url_username}, {"password", weft_url_password},
		{"host", weft_url_host},         {"hostname", weft_url_hostname},
		{"port", weft_url_port},         {"pathname", weft_url_pathname},
		{"search", weft_url_search},     {"hash", weft_url_hash},
	};
	for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) {
		const char *want = jstr(c, g[i].key);
		const char *got = g[i].get(u);
		if (want && strcmp(want, got) != 0) {
			snprintf(why, len, "%s: got \"%s\", want \"%s\"", g[i].key, got, want);
			return false;
		}
	}
	return true;
}

/* Run one case; true when weft's result matches. why explains a mismatch. */
static bool run_case(const json_t *c, char *why, size_t len)
{
	const json_t *jin = json_object_get(c, "input");
	const char *base = jstr(c, "base");
	bool fail = json_is_true(json_object_get(c, "failure"));
	struct weft_url *b = NULL, *u = NULL;
	bool ok = false;
	if (base && weft_url_parse(&b, base, strlen(base), NULL, NULL) != WEFT_OK) {
		snprintf(why, len, "base did not parse");
		return false;
	}
	int rc = weft_url_parse(&u, json_string_value(jin), json_string_length(jin), b, NULL);
	if (fail) {
		ok = rc == WEFT_E_PARSE;
		if (!ok)
			snprintf(why, len, "parsed as \"%s\", want failure",
				 u ? weft_url_href(u) : "");
	} else if (rc != WEFT_OK) {
		snprintf(why, len, "failed (%d), want \"%s\"", rc, jstr(c, "href"));
	} else {
		ok = getters_match(u, c, why, len);
	}
	weft_url_free(&u);
	weft_url_free(&b);
	return ok;
}

static void count(struct counts *k, bool ok)
{
	k->total++;
	k->pass += ok;
}

static void one_case(struct tally *t, const json_t *c)
{
	char why[1024] = "", sch[32];
	const char *input = json_string_value(json_object_get(c, "input"));
	const char *base = jstr(c, "base");
	bool fail = json_is_true(json_object_get(c, "failure"));
	bool http_result = fail || is_http_scheme(scheme_of(jstr(c, "href"), sch, sizeof sch));
	bool in_a = base && is_http_scheme(scheme_of(base, sch, sizeof sch)) && http_result;
	bool in_b = !base && http_result;
	bool ok = run_case(c, why, sizeof why);
	count(&t->c, ok);
	if (in_a)
		count(&t->a, ok);
	if (in_b)
		count(&t->b, ok);
	const struct exception *e = find_exception(input, base);
	if (!ok && (in_a || in_b) && !e) {
		t->unlisted++;
		fprintf(stderr, "FAIL (%s) input \"%s\" base \"%s\": %s\n", in_a ? "a" : "b", input,
			base ? base : "null", why);
	} else if (!ok && t->verbose) {
		fprintf(stderr, "fail input \"%s\" base \"%s\": %s\n", input,
			base ? base : "null", why);
	} else if (ok && e) {
		fprintf(stderr, "note: listed exception now passes: \"%s\"\n", input);
	}
}

int main(void)
{
	char path[4096];
	if (!check_testdata("url/urltestdata.json", path, sizeof path)) {
		fprintf(stderr, "skip: url/urltestdata.json not found under WEFT_TESTDATA\n");
		return CHECK_SKIP;
	}
	json_error_t err;
	json_t *all = json_load_file(path, JSON_ALLOW_NUL, &err);
	if (!json_is_array(all)) {
		fprintf(stderr, "cannot read %s: %s (line %d)\n", path, err.text, err.line);
		return 1;
	}
	struct tally t = {.verbose = getenv("WEFT_URL_VERBOSE") != NULL};
	size_t i;
	json_t *c;
	json_array_foreach(all, i, c) {
		if (json_is_object(c))
			one_case(&t, c);
	}
	json_decref(all);
	printf("(a) http(s) base, http(s) or failure result: %d/%d passed\n", t.a.pass, t.a.total);
	printf("(b) null base, http(s) or failure result:    %d/%d passed\n", t.b.pass, t.b.total);
	printf("(c) all cases:                               %d/%d passed\n", t.c.pass, t.c.total);
	bool rate_ok = t.a.total > 0 && t.a.pass * 100 >= t.a.total * 98;
	if (!rate_ok)
		fprintf(stderr, "FAIL: subset (a) pass rate below 98%%\n");
	if (t.unlisted)
		fprintf(stderr, "FAIL: %d failing case(s) of (a)/(b) not in the exceptions\n",
			t.unlisted);
	return rate_ok && !t.unlisted && t.c.total > 0 ? 0 : 1;
}
