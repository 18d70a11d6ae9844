/*
 * test_check_reporter.c -- the link checker's reporter (src/report/check.c) fed with synthetic
 * records, in the order a crawl could give them (links before and after their targets'
 * records): what is broken, what is not, and the exact jsonl and text it writes.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft.h>

#include "check.h"

/* Link tables below leave tag out where it is "a". */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define P "http://site.test/"

struct fx {
	struct weft_reporter *r;
	FILE *fp;
	char *buf;
	size_t len;
	json_t *out; /* jsonl: an array of the objects written */
	struct weft_check_stats st;
};

/* A link as a page has it: url without fragment, fragment (NULL: no '#'), text, line, tag. */
struct L {
	const char *url, *frag, *text;
	unsigned line;
	const char *tag;
};

static void fx_new(struct fx *f, enum weft_check_format fmt, unsigned flags)
{
	memset(f, 0, sizeof(*f));
	f->fp = open_memstream(&f->buf, &f->len);
	if (!f->fp || weft_reporter_check(&f->r, f->fp, fmt, flags) != WEFT_OK) {
		fprintf(stderr, "cannot make a check reporter\n");
		exit(1);
	}
}

static void feed(struct fx *f, const struct weft_record *rec)
{
	CHECK_INT(f->r->ops->record(f->r, rec), 0);
}

/* A fetched HTML page (2xx, parsed) with links and anchors; from NULL makes it a start URL. */
static void page(struct fx *f, const char *url, const char *from, const struct L *ls, size_t n,
		 const char *const *anchors, size_t na)
{
	struct weft_link *v = calloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = (struct weft_link){
			.url = ls[i].url, .url_len = strlen(ls[i].url), .raw = ls[i].url,
			.raw_len = strlen(ls[i].url), .fragment = ls[i].frag,
			.frag_len = ls[i].frag ? strlen(ls[i].frag) : 0,
			.text = ls[i].text ? ls[i].text : "",
			.text_len = ls[i].text ? strlen(ls[i].text) : 0,
			.tag = ls[i].tag ? ls[i].tag : "a", .attr = "href", .line = ls[i].line,
		};
	struct weft_record rec = {
		.url = url, .final_url = url, .from = from, .depth = from ? 1 : 0, .status = 200,
		.content_type = "text/html", .n_links = n, .links = n ? v : NULL,
		.n_anchors = na, .anchors = anchors,
	};
	feed(f, &rec);
	free(v);
}

/* Any other fetched URL: status, error kind and message, redirect target, checked or not. */
static void fetched(struct fx *f, const char *url, int status, enum weft_fetch_err err,
		    const char *msg, const char *redirect, bool checked, const char *ctype)
{
	struct weft_record rec = {
		.url = url, .final_url = url, .from = P, .depth = 1, .status = status,
		.error = err, .error_msg = msg, .redirect = redirect, .checked = checked,
		.content_type = ctype,
	};
	feed(f, &rec);
}

static void skipped(struct fx *f, const char *url, const char *why)
{
	struct weft_record rec = { .url = url, .from = P, .depth = 1, .skipped = why };
	feed(f, &rec);
}

/* End the report; jsonl lines parsed into f->out (every line must be a JSON object). */
static void fx_end(struct fx *f)
{
	CHECK_INT(f->r->ops->end(f->r), 0);
	weft_reporter_check_stats(f->r, &f->st);
	fclose(f->fp);
	f->out = json_array();
	if (!f->buf || f->buf[0] != '{')
		return;
	char *save = NULL;
	for (char *line = strtok_r(f->buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t je;
		json_t *o = json_loads(line, 0, &je);
		if (!o || !json_is_object(o))
			CHECK_FAIL("not a JSON object: %s (%s)", line, je.text);
		else
			json_array_append_new(f->out, o);
	}
}

static void fx_free(struct fx *f)
{
	weft_reporter_free(&f->r);
	json_decref(f->out);
	free(f->buf);
}

static json_t *target(const struct fx *f, const char *url)
{
	size_t i;
	json_t *o;
	json_array_foreach(f->out, i, o) {
		const char *u = json_string_value(json_object_get(o, "url"));
		if (u && strcmp(u, url) == 0)
			return o;
	}
	return NULL;
}

static const char *sfield(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static long long ifield(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static size_t n_referrers(json_t *o)
{
	return json_array_size(json_object_get(o, "referrers"));
}

/* ---- cases ---- */

static void test_broken_status_and_fields(void)
{
	struct fx f;
	fx_new(&f, WEFT_CHECK_JSONL, 0);
	struct L ls[] = { { P "gone", NULL, "Gone page", 12, "a" }, { P "ok", NULL, "fine", 13 } };
	page(&f, P, NULL, ls, 2, NULL, 0);
	fetched(&f, P "gone", 404, WEFT_FE_HTTP, NULL, NULL, false, "text/html");
	fetched(&f, P "ok", 200, WEFT_FE_NONE, NULL, NULL, false, "text/plain");
	fx_end(&f);
	CHECK_INT(json_array_size(f.out), 1);
	json_t *t = target(&f, P "gone");
	REQUIRE(t);
	CHECK_INT(ifield(t, "status"), 404);
	CHECK_STR(sfield(t, "error"), "http");
	CHECK_STR(sfield(t, "error_msg"), "404 Not Found");
	REQUIRE(n_referrers(t) == 1);
	json_t *ref = json_array_get(json_object_get(t, "referrers"), 0);
	CHECK_STR(sfield(ref, "page"), P);
	CHECK_STR(sfield(ref, "text"), "Gone page");
	CHECK_INT(ifield(ref, "line"), 12);
	CHECK_STR(sfield(ref, "tag"), "a");
	CHECK_INT(f.st.broken_targets, 1);
	CHECK_INT(f.st.broken_links, 1);
	CHECK_INT(f.st.checked, 3); /* the start URL and its two links */
	CHECK_INT(f.st.not_checked, 0);
	fx_free(&f);
}

static void test_transport_error(void)
{
	struct fx f;
	fx_new(&f, WEFT_CHECK_JSONL, 0);
	fetched(&f, "http://ext.test/x", 0, WEFT_FE_CONNECT, "Connection refused", NULL, true,
		NULL);
	struct L ls[] = { { "http://ext.test/x", NULL, "ext", 3 } };
	page(&f, P, NULL, ls, 1, NULL, 0); /* the target's record came first */
	fx_end(&f);
	json_t *t = target(&f, "http://ext.test/x");
	REQUIRE(t);
	CHECK_INT(ifield(t, "status"), 0);
	CHECK_STR(sfield(t, "error"), "connect");
	CHECK_STR(sfield(t, "error_msg"), "Connection refused");
	fx_free(&f);
}

static void test_redirects(void)
{
	struct fx f;
	fx_new(&f, WEFT_CHECK_JSONL, 0);
	struct L ls[] = { { P "r1", NULL, "chain", 5 }, { P "la", NULL, "loop", 6 },
			  { P "good", NULL, "redirected fine", 7 } };
	page(&f, P, NULL, ls, 3, NULL, 0);
	fetched(&f, P "r1", 301, WEFT_FE_NONE, NULL, P "r2", false, "text/html");
	fetched(&f, P "r2", 302, WEFT_FE_NONE, NULL, P "end", false, "text/html");
	fetched(&f, P "end", 404, WEFT_FE_HTTP, NULL, NULL, false, "text/html");
	fetched(&f, P "la", 301, WEFT_FE_NONE, NULL, P "lb", false, "text/html");
	fetched(&f, P "lb", 301, WEFT_FE_REDIRECT_LOOP, "redirect loop back to " P "la", P "la",
		false, "text/html");
	fetched(&f, P "good", 302, WEFT_FE_NONE, NULL, P "there", false, "text/html");
	fetched(&f, P "there", 200, WEFT_FE_NONE, NULL, NULL, false, "text/html");
	fx_end(&f);
	CHECK_INT(json_array_size(f.out), 2);
	json_t *t = target(&f, P "r1");
	REQUIRE(t);
	CHECK_INT(ifield(t, "status"), 404);
	CHECK_STR(sfield(t, "error"), "http");
	CHECK_STR(sfield(t, "final_url"), P "end");
	CHECK_INT(ifield(t, "hops"), 2);
	t = target(&f, P "la");
	REQUIRE(t);
	CHECK_STR(sfield(t, "error"), "redirect_loop");
	CHECK(!target(&f, P "good"));
	fx_free(&f);
}

static void test_fragments(void)
{
	struct fx f;
	fx_new(&f, WEFT_CHECK_JSONL, 0);
	const char *const anchors[] = { "intro", "named", "café", "a b", "%zz", "sec" };
	struct L ls[] = {
		{ P "doc", "nope", "missing", 20 },
		{ P "doc", "intro", "an id", 21 },
		{ P "doc", "named", "an a name", 22 },
		{ P "doc", "caf%C3%A9", "percent-encoded", 23 },
		{ P "doc", "café", "as written", 24 },
		{ P "doc", "a%20b", "encoded space", 25 },
		{ P "doc", "%zz", "not an escape", 26 },
		{ P "doc", "Sec", "wrong case", 27 },
		{ P "doc", "", "empty", 28 },
		{ P "doc", "top", "top", 29 },
		{ P "doc", "ToP", "TOP", 30 },
		{ P "doc", "caf%C3", "bad utf-8", 31 },
		{ P "plain.txt", "x", "not html", 32 },
		{ "http://ext.test/p", "x", "external", 33 },
		{ P, "nope2", "self", 34 },
	};
	page(&f, P, NULL, ls, sizeof(ls) / sizeof(ls[0]), NULL, 0);
	page(&f, P "doc", P, NULL, 0, anchors, sizeof(anchors) / sizeof(anchors[0]));
	fetched(&f, P "plain.txt", 200, WEFT_FE_NONE, NULL, NULL, false, "text/plain");
	fetched(&f, "http://ext.test/p", 200, WEFT_FE_NONE, NULL, NULL, true, "text/html");
	fx_end(&f);
	CHECK(target(&f, P "doc#nope"));
	CHECK(target(&f, P "doc#Sec"));
	CHECK(target(&f, P "doc#caf%C3"));
	CHECK(target(&f, P "#nope2"));
	CHECK_INT(json_array_size(f.out), 4);
	json_t *t = target(&f, P "doc#nope");
	if (t) {
		CHECK_STR(sfield(t, "error"), "fragment");
		CHECK_INT(ifield(t, "status"), 200);
		CHECK_INT(n_referrers(t), 1);
	}
	fx_free(&f);

	/* --no-fragments: none of it */
	fx_new(&f, WEFT_CHECK_JSONL, WEFT_CHECK_NO_FRAGMENTS);
	page(&f, P, NULL, ls, sizeof(ls) / sizeof(ls[0]), NULL, 0);
	page(&f, P "doc", P, NULL, 0, anchors, sizeof(anchors) / sizeof(anchors[0]));
	fetched(&f, P "plain.txt", 200, WEFT_FE_NONE, NULL, NULL, false, "text/plain");
	fetched(&f, "http://ext.test/p", 200, WEFT_FE_NONE, NULL, NULL, true, "text/html");
	fx_end(&f);
	CHECK_INT(json_array_size(f.out), 0);
	CHECK_INT(f.st.broken_targets, 0);
	fx_free(&f);
}

/* A fragment through a redirect is looked for on the page the chain ends at. */
static void test_fragment_after_redirect(void)
{
	struct fx f;
	fx_new(&f, WEFT_CHECK_JSONL, 0);
	const char *const anchors[] = { "here" };
	struct L ls[] = { { P "old", "here", "ok", 1 }, { P "old", "gone", "missing", 2 } };
	page(&f, P, NULL, ls, 2, NULL, 0);
	fetched(&f, P "old", 301, WEFT_FE_NONE, NULL, P "new", false, "text/html");
	page(&f, P "new", P "old", NULL, 0, anchors, 1);
	fx_end(&f);
	CHECK_INT(json_array_size(f.out), 1);
	CHECK(target(&f, P "old#gone"));
	fx_free(&f);
}

static void test_three_referrers(void)
{
	struct fx f;
	fx_new(&f, WEFT_CHECK_JSONL, 0);
	struct L l1[] = { { P "a", NULL, "A", 1 }, { P "b", NULL, "B", 1 }, { P "c", NULL, "C", 1 },
			  { P "dead", NULL, "dead from /", 9 } };
	struct L l2[] = { { P "dead", NULL, "dead from a", 4 } };
	struct L l3[] = { { P "dead", NULL, "dead from b", 5, "img" } };
	page(&f, P "b", P, l3, 1, NULL, 0);
	page(&f, P, NULL, l1, 4, NULL, 0);
	fetched(&f, P "dead", 500, WEFT_FE_HTTP, NULL, NULL, false, "text/html");
	page(&f, P "a", P, l2, 1, NULL, 0);
	page(&f, P "c", P, NULL, 0, NULL, 0);
	fx_end(&f);
	CHECK_INT(json_array_size(f.out), 1);
	json_t *t = target(&f, P "dead");
	REQUIRE(t);
	CHECK_STR(sfield(t, "error_msg"), "500 Internal Server Error");
	REQUIRE(n_referrers(t) == 3);
	json_t *refs = json_object_get(t, "referrers"); /* sorted by page */
	CHECK_STR(sfield(json_array_get(refs, 0), "page"), P);
	CHECK_STR(sfield(json_array_get(refs, 1), "page"), P "a");
	CHECK_STR(sfield(json_array_get(refs, 2), "page"), P "b");
	CHECK_STR(sfield(json_array_get(refs, 2), "text"), "dead from b");
	CHECK_STR(sfield(json_array_get(refs, 2), "tag"), "img");
	CHECK_INT(f.st.broken_targets, 1);
	CHECK_INT(f.st.broken_links, 3);
	fx_free(&f);
}

static void test_skipped_and_429(void)
{
	struct fx f;
	fx_new(&f, WEFT_CHECK_JSONL, 0);
	struct L ls[] = { { P "private", NULL, "robots", 1 }, { P "x.pdf", NULL, "excluded", 2 },
			  { "mailto:a@b.test", NULL, "mail", 3 }, { P "busy", NULL, "busy", 4 },
			  { P "never", NULL, "never seen", 5 } };
	page(&f, P, NULL, ls, 5, NULL, 0);
	skipped(&f, P "private", "robots");
	skipped(&f, P "x.pdf", "scope");
	skipped(&f, "mailto:a@b.test", "scope");
	fetched(&f, P "busy", 429, WEFT_FE_HTTP, NULL, NULL, false, "text/html");
	fx_end(&f);
	CHECK_INT(json_array_size(f.out), 0);
	CHECK_INT(f.st.broken_targets, 0);
	CHECK_INT(f.st.not_checked, 5);
	CHECK_INT(f.st.rate_limited, 1);
	CHECK_INT(f.st.checked, 1); /* the start URL */
	fx_free(&f);
}

static void test_start_url_down(void)
{
	struct fx f;
	fx_new(&f, WEFT_CHECK_JSONL, 0);
	struct weft_record rec = { .url = "http://down.test/", .status = 0,
				   .error = WEFT_FE_CONNECT, .error_msg = "Could not connect" };
	feed(&f, &rec);
	fx_end(&f);
	json_t *t = target(&f, "http://down.test/");
	REQUIRE(t);
	CHECK_STR(sfield(t, "error"), "connect");
	CHECK(json_is_true(json_object_get(t, "start")));
	CHECK_INT(n_referrers(t), 0);
	fx_free(&f);
}

static void test_text(void)
{
	struct fx f;
	fx_new(&f, WEFT_CHECK_TEXT, 0);
	const char *const anchors[] = { "a" };
	struct L l1[] = { { P "gone", NULL, "Gone page", 12 }, { P "b", "foo", "B foo", 14 } };
	struct L l2[] = { { P "gone", NULL, "logo", 3, "img" } };
	page(&f, P, NULL, l1, 2, NULL, 0);
	page(&f, P "b", P, l2, 1, anchors, 1);
	fetched(&f, P "gone", 404, WEFT_FE_HTTP, NULL, NULL, false, "text/html");
	fx_end(&f);
	const char *want =
		P "\n"
		"  line 12: <a> \"Gone page\" -> " P "gone  404 Not Found\n"
		"  line 14: <a> \"B foo\" -> " P "b#foo  missing fragment: no element with id or "
		"name \"foo\" on the page\n"
		"\n" P "b\n"
		"  line 3: <img> \"logo\" -> " P "gone  404 Not Found\n"
		"\n2 pages, 4 links checked, 2 broken (3 links)\n";
	CHECK_STR(f.buf, want);
	fx_free(&f);
}

/* Many pages, one shared table: ids stay right across growth of every array. */
static void test_many(void)
{
	struct fx f;
	fx_new(&f, WEFT_CHECK_JSONL, 0);
	char url[64], link[64], frag[16];
	const char *const anchors[] = { frag };
	for (int i = 0; i < 5000; i++) {
		snprintf(url, sizeof(url), P "p/%d", i);
		snprintf(link, sizeof(link), P "p/%d", (i + 1) % 5000);
		snprintf(frag, sizeof(frag), "s%d", i);
		char dead[64];
		snprintf(dead, sizeof(dead), P "dead/%d", i % 7);
		struct L ls[] = { { link, NULL, "next", 1 }, { dead, NULL, "dead", 2 },
				  { url, i % 2 ? "s0" : frag, "self", 3 } };
		page(&f, url, i ? P : NULL, ls, 3, anchors, 1);
	}
	for (int j = 0; j < 7; j++) {
		snprintf(url, sizeof(url), P "dead/%d", j);
		fetched(&f, url, 410, WEFT_FE_HTTP, NULL, NULL, false, NULL);
	}
	fx_end(&f);
	/* 7 dead targets; odd pages other than p/0... link "#s0" on themselves, which they lack */
	CHECK_INT(f.st.broken_targets, 7 + 2500);
	CHECK_INT(f.st.broken_links, 5000 + 2500);
	json_t *t = target(&f, P "dead/3");
	REQUIRE(t);
	CHECK_INT(n_referrers(t), 5000 / 7 + (3 < 5000 % 7));
	CHECK(target(&f, P "p/1#s0"));
	CHECK(!target(&f, P "p/2#s2"));
	fx_free(&f);
}

int main(void)
{
	RUN(test_broken_status_and_fields);
	RUN(test_transport_error);
	RUN(test_redirects);
	RUN(test_fragments);
	RUN(test_fragment_after_redirect);
	RUN(test_three_referrers);
	RUN(test_skipped_and_429);
	RUN(test_start_url_down);
	RUN(test_text);
	RUN(test_many);
	return check_report();
}
