/*
 * test_fixtures.c -- the browser-fixture conformance test of the link extractor.
 *
 * For each page of $WEFT_TESTDATA/html/expected.jsonl: extract cases/<file> with the page URL
 * of the line and no HTTP charset, keep what the oracle keeps (no javascript:, mailto:,
 * data:), de-duplicate, sort in byte order, and compare with "links"; compare the http(s)
 * subset with "http_links". Where deviations.json says Chromium differs from the standards,
 * either answer passes. Every other difference must be listed in `known` below with its reason:
 * the test fails on an unlisted difference and on a listed one that no longer happens.
 * Without the data the test is skipped (exit 77), never passed.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft.h>
#include <weft/extract.h>

#include "check.h"
#include "links.h"

#define MAX_DIFF 4

/* A known difference: links of the page the oracle has and we do not, and the reverse. */
struct known {
	const char *file;
	const char *missing[MAX_DIFF];
	const char *extra[MAX_DIFF];
	const char *reason;
};

/* None: the tokenizer passes every page (libxml2 missed 10-comments and 11-script-style). */
static const struct known known[] = {
	{ NULL, { NULL }, { NULL }, NULL },
};

struct totals {
	int pages, passed, known, links, links_ok, http, http_ok, extra;
};

static bool known_seen[sizeof(known) / sizeof(known[0])];

static const struct known *known_for(const char *file)
{
	for (size_t i = 0; known[i].file; i++)
		if (strcmp(known[i].file, file) == 0) {
			known_seen[i] = true;
			return &known[i];
		}
	return NULL;
}

static void json_strings(json_t *arr, struct strlist *out)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (json_is_string(v))
			strlist_add(out, json_string_value(v), json_string_length(v));
	strlist_sort_uniq(out);
}

/* a \ b, into out. */
static void minus(const struct strlist *a, const struct strlist *b, struct strlist *out)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strlist_has(b, a->v[i]))
			strlist_add(out, a->v[i], strlen(a->v[i]));
}

static void keep_http(const struct strlist *a, struct strlist *out)
{
	for (size_t i = 0; i < a->n; i++)
		if (is_http(a->v[i]))
			strlist_add(out, a->v[i], strlen(a->v[i]));
}

/* The list of a known difference equals `got` exactly. */
static bool same_set(const char *const *want, const struct strlist *got)
{
	size_t n = 0;
	while (n < MAX_DIFF && want[n])
		n++;
	if (n != got->n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strlist_has(got, want[i]))
			return false;
	return true;
}

/*
 * Map a standards-conformant answer onto Chromium's where deviations.json allows both, so that
 * the comparison with expected.jsonl accepts either. Returns how many deviations applied.
 */
static int apply_deviations(json_t *devs, const char *file, struct strlist *got)
{
	int applied = 0;
	size_t i;
	json_t *d;
	json_array_foreach(devs, i, d) {
		if (strcmp(json_string_value(json_object_get(d, "file")), file) != 0)
			continue;
		json_t *chr = json_object_get(d, "chromium"), *spec = json_object_get(d, "spec");
		if (json_is_object(chr)) { /* the whole page's links differ */
			struct strlist s = { 0 }, c = { 0 };
			json_strings(json_object_get(spec, "links"), &s);
			json_strings(json_object_get(chr, "links"), &c);
			if (strlist_eq(got, &s)) {
				strlist_free(got);
				*got = c;
				c = (struct strlist){ 0 };
				applied++;
			}
			strlist_free(&s);
			strlist_free(&c);
			continue;
		}
		const char *cv = json_string_value(chr), *sv = json_string_value(spec);
		if (strlist_has(got, cv))
			continue;
		bool has_spec = sv && strlist_has(got, sv);
		if (sv && !has_spec)
			continue;
		for (size_t k = 0; has_spec && k < got->n; k++)
			if (strcmp(got->v[k], sv) == 0) {
				free(got->v[k]);
				got->v[k] = strdup(cv);
			}
		if (!sv)
			strlist_add(got, cv, strlen(cv));
		strlist_sort_uniq(got);
		applied++;
	}
	return applied;
}

static void print_list(const char *what, const struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		fprintf(stderr, "        %s %s\n", what, l->v[i]);
}

/* Our links of one page, as the oracle would list them. */
static bool our_links(const char *dir, const char *file, const char *page, struct strlist *out)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/cases/%s", dir, file);
	size_t len = 0;
	char *body = check_slurp(path, &len);
	if (!body)
		return false;
	struct collect c = { 0 };
	int rc = extract_chunked(body, len, page, NULL, NULL, 0, &c);
	free(body);
	CHECK_INT(rc, WEFT_OK);
	CHECK(!c.bad);
	for (size_t i = 0; i < c.links.n; i++)
		if (oracle_keeps(c.links.v[i]))
			strlist_add(out, c.links.v[i], strlen(c.links.v[i]));
	strlist_free(&c.links);
	strlist_sort_uniq(out);
	return true;
}

/* Judge one page against the known list; prints a line and counts. */
static void judge(const char *file, const struct strlist *miss, const struct strlist *extra,
		  int devs, struct totals *t)
{
	const struct known *k = known_for(file);
	bool clean = miss->n == 0 && extra->n == 0;
	if (clean && !k) {
		t->passed++;
		fprintf(stderr, "pass  %s%s\n", file,
			devs ? " (standard's answer, deviations.json)" : "");
		return;
	}
	if (k && same_set(k->missing, miss) && same_set(k->extra, extra)) {
		t->known++;
		fprintf(stderr, "known %s: %s\n", file, k->reason);
	} else if (k && clean) {
		CHECK_FAIL("%s: a listed known difference no longer happens: update the list",
			   file);
	} else {
		CHECK_FAIL("%s: links differ from the browser's%s", file,
			   k ? " (and from the known difference)" : "");
	}
	print_list("missing", miss);
	print_list("extra  ", extra);
}

static void check_page(const char *dir, json_t *line, json_t *devs, struct totals *t)
{
	const char *file = json_string_value(json_object_get(line, "file"));
	const char *page = json_string_value(json_object_get(line, "page"));
	if (!file || !page) {
		CHECK_FAIL("bad line in expected.jsonl");
		return;
	}
	struct strlist want = { 0 }, want_http = { 0 }, got = { 0 }, got_http = { 0 };
	struct strlist miss = { 0 }, extra = { 0 }, hmiss = { 0 }, hextra = { 0 }, check = { 0 };
	struct strlist check_miss = { 0 }, check_extra = { 0 };
	json_strings(json_object_get(line, "links"), &want);
	json_strings(json_object_get(line, "http_links"), &want_http);
	keep_http(&want, &check);
	CHECK(strlist_eq(&check, &want_http)); /* the data's own invariant */
	if (!our_links(dir, file, page, &got)) {
		CHECK_FAIL("cannot read %s", file);
		goto out;
	}
	int devs_applied = apply_deviations(devs, file, &got);
	keep_http(&got, &got_http);
	minus(&want, &got, &miss);
	minus(&got, &want, &extra);
	minus(&want_http, &got_http, &hmiss);
	t->pages++;
	t->links += (int)want.n;
	t->links_ok += (int)(want.n - miss.n);
	t->http += (int)want_http.n;
	t->http_ok += (int)(want_http.n - hmiss.n);
	t->extra += (int)extra.n;
	judge(file, &miss, &extra, devs_applied, t);
	minus(&got_http, &want_http, &hextra);
	keep_http(&miss, &check_miss);
	keep_http(&extra, &check_extra);
	if (!strlist_eq(&hmiss, &check_miss) || !strlist_eq(&hextra, &check_extra))
		CHECK_FAIL("%s: http_links differ otherwise than links", file);
out:
	strlist_free(&want), strlist_free(&want_http), strlist_free(&got);
	strlist_free(&got_http), strlist_free(&miss), strlist_free(&extra);
	strlist_free(&hmiss), strlist_free(&hextra), strlist_free(&check);
	strlist_free(&check_miss), strlist_free(&check_extra);
}

static void test_fixtures(void)
{
	char path[4096], dpath[4096];
	if (!check_testdata("html/expected.jsonl", path, sizeof(path)) ||
	    !check_testdata("html/deviations.json", dpath, sizeof(dpath))) {
		fprintf(stderr, "no html test data under $WEFT_TESTDATA: skipped\n");
		exit(CHECK_SKIP);
	}
	char *dir = strdup(path);
	REQUIRE(dir);
	*strrchr(dir, '/') = '\0';
	json_error_t err;
	json_t *droot = json_load_file(dpath, 0, &err);
	REQUIRE(droot);
	json_t *devs = json_object_get(droot, "deviations");
	FILE *f = fopen(path, "r");
	REQUIRE(f);
	struct totals t = { 0 };
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		json_t *j = json_loads(line, 0, &err);
		if (!j)
			continue;
		check_page(dir, j, devs, &t);
		json_decref(j);
	}
	free(line);
	fclose(f);
	json_decref(droot);
	free(dir);
	fprintf(stderr, "pages passed: %d/%d; %d more with a listed known difference\n", t.passed,
		t.pages, t.known);
	fprintf(stderr, "links matched: %d/%d; http links matched: %d/%d; extra links: %d\n",
		t.links_ok, t.links, t.http_ok, t.http, t.extra);
	CHECK_INT(t.pages, 30);
	CHECK_INT(t.links, 178);
	CHECK_INT(t.http, 168);
	for (size_t i = 0; known[i].file; i++)
		if (!known_seen[i])
			CHECK_FAIL("known difference for %s: no such page", known[i].file);
}

int main(void)
{
	if (weft_global_init() != WEFT_OK)
		return 1;
	RUN(test_fixtures);
	weft_global_cleanup();
	return check_report();
}
