/*
 * test_records.c -- link records and anchors (weft_html_new_sink()): every field of struct
 * weft_link, anchors, resources, the old callback's links as the records' navigation links,
 * the browser fixtures' details (tag, attribute, raw value, resolved URL and fragment, <link>
 * rel) and chunking invariance of the whole record list.
 *
 * A record is compared as one line: "tag[attr] L<line> nav|res [nofollow] url=... raw=...
 * frag=... text=... rel=..." (frag and rel "-" when absent); an anchor as "#<id>".
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft.h>
#include <weft/extract.h>

#include "check.h"
#include "links.h"

#define PAGE "http://ex.test/dir/page.html"

struct recs {
	struct strlist v; /* one line per record or anchor */
	struct strlist urls_nav; /* the navigation records' URLs */
	bool bad;         /* a callback argument broke the contract */
	const char *why;
};

static bool utf8_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned c = p[i], k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3
				     : (c >> 3) == 30 ? 4 : 0;
		if (!k || i + k > n)
			return false;
		for (unsigned j = 1; j < k; j++)
			if ((p[i + j] & 0xC0) != 0x80)
				return false;
		i += k;
	}
	return true;
}

static void bad(struct recs *r, const char *why)
{
	r->bad = true;
	r->why = why;
}

static int on_record(void *cookie, const struct weft_link *l)
{
	struct recs *r = cookie;
	if (!l->url || strlen(l->url) != l->url_len || memchr(l->url, '#', l->url_len))
		bad(r, "url");
	if (!l->raw && l->raw_len)
		bad(r, "raw");
	if (l->fragment && (l->fragment < l->raw || l->fragment + l->frag_len > l->raw + l->raw_len))
		bad(r, "fragment outside raw");
	if (!l->text || l->text_len > WEFT_LINK_TEXT_MAX || !utf8_ok(l->text, l->text_len) ||
	    (l->text_len && (l->text[0] == ' ' || l->text[l->text_len - 1] == ' ')))
		bad(r, "text");
	if (l->rel && strlen(l->rel) != l->rel_len)
		bad(r, "rel");
	if (!l->tag || !l->attr || l->line == 0)
		bad(r, "tag/attr/line");
	size_t cap = 200 + l->url_len + 2 * l->raw_len + l->text_len + l->rel_len;
	char *s = malloc(cap);
	if (!s)
		return 1;
	int n = snprintf(s, cap, "%s[%s] L%u %s%s url=%s raw=%.*s frag=%s%.*s text=%.*s rel=%s",
			 l->tag, l->attr, l->line, l->kind == WEFT_LINK_NAV ? "nav" : "res",
			 l->nofollow ? " nofollow" : "", l->url, (int)l->raw_len, l->raw,
			 l->fragment ? "" : "-", (int)l->frag_len, l->fragment ? l->fragment : "",
			 (int)l->text_len, l->text, l->rel ? l->rel : "-");
	strlist_add(&r->v, s, (size_t)n);
	free(s);
	if (l->kind == WEFT_LINK_NAV)
		strlist_add(&r->urls_nav, l->url, l->url_len);
	return 0;
}

static int on_anchor(void *cookie, const char *id, size_t len)
{
	struct recs *r = cookie;
	if (!id || len == 0)
		bad(r, "anchor");
	char *s = malloc(len + 2);
	if (!s)
		return 1;
	s[0] = '#';
	memcpy(s + 1, id, len);
	strlist_add(&r->v, s, len + 1);
	free(s);
	return 0;
}

static void recs_free(struct recs *r)
{
	strlist_free(&r->v);
	strlist_free(&r->urls_nav);
}

/* Extract doc in chunks (sizes[i % n_sizes]; n_sizes 0: whole) into r. */
static int records(const char *doc, size_t len, const char *page, const char *charset,
		   bool resources, bool anchors, const size_t *sizes, size_t n_sizes,
		   struct recs *r)
{
	struct weft_html_sink sink = { on_record, anchors ? on_anchor : NULL, r, resources };
	struct weft_html *h = NULL;
	int rc = weft_html_new_sink(&h, page, charset, &sink);
	if (rc)
		return rc;
	size_t off = 0;
	for (size_t i = 0; off < len && !rc; i++) {
		size_t k = n_sizes ? sizes[i % n_sizes] : len;
		if (k > len - off)
			k = len - off;
		rc = weft_html_feed(h, doc + off, k);
		off += k;
	}
	if (!rc)
		rc = weft_html_finish(h);
	weft_html_free(&h);
	return rc;
}

/* The records of a whole document (resources and anchors on) must be exactly want[]. */
static bool expect(const char *doc, bool resources, bool anchors, const char *const *want)
{
	struct recs r = { 0 };
	int rc = records(doc, strlen(doc), PAGE, NULL, resources, anchors, NULL, 0, &r);
	bool ok = rc == WEFT_OK && !r.bad;
	size_t n = 0;
	while (want[n])
		n++;
	ok = ok && r.v.n == n;
	for (size_t i = 0; ok && i < n; i++)
		ok = strcmp(r.v.v[i], want[i]) == 0;
	if (!ok) {
		CHECK_FAIL("records of %s (rc %d%s%s)", doc, rc, r.bad ? ", bad callback: " : "",
			   r.bad ? r.why : "");
		for (size_t i = 0; i < r.v.n; i++)
			fprintf(stderr, "  got  %s\n", r.v.v[i]);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "  want %s\n", want[i]);
	}
	recs_free(&r);
	return ok;
}

#define EXPECT(doc, res, anch, ...)                                                       \
	do {                                                                              \
		static const char *const want_[] = { __VA_ARGS__, NULL };                 \
		expect(doc, res, anch, want_);                                            \
	} while (0)
#define NONE NULL

/* ---- fields ---------------------------------------------------------------------------------- */

static void test_text_collapse(void)
{
	EXPECT("<a href=x>  foo \n\t bar  </a>", false, false,
	       "a[href] L1 nav url=http://ex.test/dir/x raw=x frag=- text=foo bar rel=-");
	EXPECT("<a href=x>foo <b>bar</b></a>", false, false,
	       "a[href] L1 nav url=http://ex.test/dir/x raw=x frag=- text=foo bar rel=-");
	EXPECT("<a href=x>foo<b>bar</b><!-- c --><i> baz </i>\n</a>", false, false,
	       "a[href] L1 nav url=http://ex.test/dir/x raw=x frag=- text=foobar baz rel=-");
	/* References by the text rules; a '<' that is text stays. */
	EXPECT("<a href=x>a &amp; b&#32;&#32;c &copyright &notit; 1 < 2\x01z</a>", false, false,
	       "a[href] L1 nav url=http://ex.test/dir/x raw=x frag=- "
	       "text=a & b c \xC2\xA9right \xC2\xACit; 1 < 2\x01z rel=-");
	/* Not text: script, style, title content, template content, comments. */
	EXPECT("<a href=x>A<script>s()</script><style>p{}</style><template>T</template>B</a>",
	       false, false, "a[href] L1 nav url=http://ex.test/dir/x raw=x frag=- text=AB rel=-");
	/* The next <a> and the end of the document end a link's text. */
	EXPECT("<a href=1>one <a href=2>two", false, false,
	       "a[href] L1 nav url=http://ex.test/dir/1 raw=1 frag=- text=one rel=-",
	       "a[href] L1 nav url=http://ex.test/dir/2 raw=2 frag=- text=two rel=-");
	EXPECT("<a href=1>one <a name=n>two</a> three", false, false,
	       "a[href] L1 nav url=http://ex.test/dir/1 raw=1 frag=- text=one rel=-");
	/* area and iframe have no text. */
	EXPECT("<map><area href=m alt=x>text</map><iframe src=f>inner</iframe>", false, false,
	       "area[href] L1 nav url=http://ex.test/dir/m raw=m frag=- text= rel=-",
	       "iframe[src] L1 nav url=http://ex.test/dir/f raw=f frag=- text= rel=-");
}

static void test_text_truncation(void)
{
	char doc[4096], want[1024];
	/* 150 x U+00E9 (2 bytes) after "a": the cut at 200 bytes falls inside a character. */
	size_t n = (size_t)snprintf(doc, sizeof(doc), "<a href=x>a");
	for (int i = 0; i < 150; i++)
		n += (size_t)snprintf(doc + n, sizeof(doc) - n, "\xC3\xA9");
	snprintf(doc + n, sizeof(doc) - n, "</a>");
	n = (size_t)snprintf(want, sizeof(want),
			     "a[href] L1 nav url=http://ex.test/dir/x raw=x frag=- text=a");
	for (int i = 0; i < 99; i++) /* 1 + 198 bytes: the 100th would end at 201 */
		n += (size_t)snprintf(want + n, sizeof(want) - n, "\xC3\xA9");
	snprintf(want + n, sizeof(want) - n, " rel=-");
	const char *w1[] = { want, NULL };
	expect(doc, false, false, w1);
	/* Words: the cut leaves no trailing space; long whitespace runs cost nothing. */
	n = (size_t)snprintf(doc, sizeof(doc), "<a href=x>");
	for (int i = 0; i < 60; i++)
		n += (size_t)snprintf(doc + n, sizeof(doc) - n, "abc%s", i == 3 ? "      \n\n\n  " : " ");
	snprintf(doc + n, sizeof(doc) - n, "</a>");
	n = (size_t)snprintf(want, sizeof(want),
			     "a[href] L1 nav url=http://ex.test/dir/x raw=x frag=- text=");
	for (int i = 0; i < 50; i++) /* 50 x "abc " = 200 bytes, less the last space */
		n += (size_t)snprintf(want + n, sizeof(want) - n, i < 49 ? "abc " : "abc");
	snprintf(want + n, sizeof(want) - n, " rel=-");
	const char *w2[] = { want, NULL };
	expect(doc, false, false, w2);
}

static void test_img_alt_srcset(void)
{
	EXPECT("<img src=a.png srcset=\"b.png 1x, c.png 2x,d.png,, e.png 100w,\n"
	       "f(1).png (x, y) 3x\" alt=\"  An\n  image &amp; more \">",
	       true, false,
	       "img[src] L1 res url=http://ex.test/dir/a.png raw=a.png frag=- text=An image & more rel=-",
	       "img[srcset] L1 res url=http://ex.test/dir/b.png raw=b.png frag=- text=An image & more rel=-",
	       "img[srcset] L1 res url=http://ex.test/dir/c.png raw=c.png frag=- text=An image & more rel=-",
	       "img[srcset] L1 res url=http://ex.test/dir/d.png raw=d.png frag=- text=An image & more rel=-",
	       "img[srcset] L1 res url=http://ex.test/dir/e.png raw=e.png frag=- text=An image & more rel=-",
	       "img[srcset] L1 res url=http://ex.test/dir/f(1).png raw=f(1).png frag=- text=An image & more rel=-");
	EXPECT("<picture><source srcset=\"/w.webp 1x,/w2.webp 2x\" type=image/webp>"
	       "<img src=p.jpg></picture><image src=old.gif>",
	       true, false,
	       "source[srcset] L1 res url=http://ex.test/w.webp raw=/w.webp frag=- text= rel=-",
	       "source[srcset] L1 res url=http://ex.test/w2.webp raw=/w2.webp frag=- text= rel=-",
	       "img[src] L1 res url=http://ex.test/dir/p.jpg raw=p.jpg frag=- text= rel=-",
	       "img[src] L1 res url=http://ex.test/dir/old.gif raw=old.gif frag=- text= rel=-");
}

static void test_fragments(void)
{
	EXPECT("<a href=#top></a><a href='p.html#a%20b'></a><a href=p.html#></a>"
	       "<a href=\" q.html#caf&eacute; \"></a><a href=r.html></a><a href='#x#y'></a>",
	       false, false,
	       "a[href] L1 nav url=http://ex.test/dir/page.html raw=#top frag=top text= rel=-",
	       "a[href] L1 nav url=http://ex.test/dir/p.html raw=p.html#a%20b frag=a%20b text= rel=-",
	       "a[href] L1 nav url=http://ex.test/dir/p.html raw=p.html# frag= text= rel=-",
	       "a[href] L1 nav url=http://ex.test/dir/q.html raw= q.html#caf\xC3\xA9  frag=caf\xC3\xA9 text= rel=-",
	       "a[href] L1 nav url=http://ex.test/dir/r.html raw=r.html frag=- text= rel=-",
	       "a[href] L1 nav url=http://ex.test/dir/page.html raw=#x#y frag=x#y text= rel=-");
}

static void test_lines(void)
{
	/* LF, CRLF and CR end lines; a tag's line is that of its '<' even if it spans lines. */
	EXPECT("<p>\r\n<a href=1></a>\r<a href=2></a>\n\n<a\nhref=3\r\n>x</a>\r\n\r\n"
	       "<img src=i>\n<iframe src=f></iframe>",
	       true, false,
	       "a[href] L2 nav url=http://ex.test/dir/1 raw=1 frag=- text= rel=-",
	       "a[href] L3 nav url=http://ex.test/dir/2 raw=2 frag=- text= rel=-",
	       "a[href] L5 nav url=http://ex.test/dir/3 raw=3 frag=- text=x rel=-",
	       "img[src] L9 res url=http://ex.test/dir/i raw=i frag=- text= rel=-",
	       "iframe[src] L10 nav url=http://ex.test/dir/f raw=f frag=- text= rel=-");
	/* Raw values: CR and CRLF become LF, as the DOM has them; the URL drops them. */
	EXPECT("<a href=\" /a&amp;b\r\nc\rd \"></a>", false, false,
	       "a[href] L1 nav url=http://ex.test/a&bcd raw= /a&b\nc\nd  frag=- text= rel=-");
	/* Markup in a comment, script or a skipped tag still counts lines. */
	EXPECT("<!--\n\n--><script>\n</script><x y='\n'><a href=1>", false, false,
	       "a[href] L5 nav url=http://ex.test/dir/1 raw=1 frag=- text= rel=-");
}

static void test_rel_nofollow(void)
{
	EXPECT("<a href=1 rel=\"external NoFollow\">x</a><a href=2 rel=nofollowx></a>"
	       "<a href=3 REL=\"\tnofollow\n\"></a><map><area href=4 rel=nofollow></map>"
	       "<link rel='stylesheet nofollow' href=s.css>",
	       true, false,
	       "a[href] L1 nav nofollow url=http://ex.test/dir/1 raw=1 frag=- text=x rel=external NoFollow",
	       "a[href] L1 nav url=http://ex.test/dir/2 raw=2 frag=- text= rel=nofollowx",
	       "a[href] L1 nav nofollow url=http://ex.test/dir/3 raw=3 frag=- text= rel=\tnofollow\n",
	       "area[href] L2 nav nofollow url=http://ex.test/dir/4 raw=4 frag=- text= rel=nofollow",
	       "link[href] L2 res nofollow url=http://ex.test/dir/s.css raw=s.css frag=- text= rel=stylesheet nofollow");
}

static void test_anchors(void)
{
	EXPECT("<html id=h><h1 id=top>T</h1><a name=sec1>S</a><a name=''></a><div id=''></div>"
	       "<p id=dup><p id=dup><svg><g id=g1 /></svg><math id=m></math>"
	       "<template id=tpl><p id=in-template><a name=no></a></template>"
	       "<a href=l id=link-id name=link-name>L</a><div ID=upper id=second></div>",
	       false, true, "#h", "#top", "#sec1", "#dup", "#dup", "#g1", "#m", "#tpl",
	       "a[href] L1 nav url=http://ex.test/dir/l raw=l frag=- text=L rel=-", "#link-id",
	       "#link-name", "#upper");
	/* Anchors only (no link callback); a[name] in SVG is not an HTML a. */
	struct recs r = { 0 };
	struct weft_html_sink sink = { NULL, on_anchor, &r, true };
	const char doc[] = "<a href=x id=a1>x</a><svg><a name=s id=s1></a></svg><img id=i src=y>";
	CHECK_INT(weft_html_extract(doc, sizeof(doc) - 1, PAGE, NULL, NULL, NULL), WEFT_E_INVAL);
	struct weft_html *h = NULL;
	REQUIRE(weft_html_new_sink(&h, PAGE, NULL, &sink) == WEFT_OK);
	CHECK_INT(weft_html_feed(h, doc, sizeof(doc) - 1), WEFT_OK);
	CHECK_INT(weft_html_finish(h), WEFT_OK);
	weft_html_free(&h);
	CHECK_INT(r.v.n, 3);
	if (r.v.n == 3) {
		CHECK_STR(r.v.v[0], "#a1");
		CHECK_STR(r.v.v[1], "#s1");
		CHECK_STR(r.v.v[2], "#i");
	}
	recs_free(&r);
	struct weft_html_sink none = { NULL, NULL, NULL, false };
	CHECK_INT(weft_html_new_sink(&h, PAGE, NULL, &none), WEFT_E_INVAL);
	CHECK_INT(weft_html_new_sink(&h, PAGE, NULL, NULL), WEFT_E_INVAL);
}

static void test_resources(void)
{
	const char doc[] = "<head><link rel=icon href=/f.ico><script src=s.js></script></head>"
			   "<body><img src=i.png><video src=v.mp4 poster=p.jpg><source src=v.webm>"
			   "</video><audio src=a.ogg></audio><embed src=e.swf><object data=o.svg>"
			   "</object><a href=n>N</a>";
	/* Off by default: only the navigation link. */
	EXPECT(doc, false, false, "a[href] L1 nav url=http://ex.test/dir/n raw=n frag=- text=N rel=-");
	EXPECT(doc, true, false,
	       "link[href] L1 res url=http://ex.test/f.ico raw=/f.ico frag=- text= rel=icon",
	       "script[src] L1 res url=http://ex.test/dir/s.js raw=s.js frag=- text= rel=-",
	       "img[src] L1 res url=http://ex.test/dir/i.png raw=i.png frag=- text= rel=-",
	       "video[src] L1 res url=http://ex.test/dir/v.mp4 raw=v.mp4 frag=- text= rel=-",
	       "video[poster] L1 res url=http://ex.test/dir/p.jpg raw=p.jpg frag=- text= rel=-",
	       "source[src] L1 res url=http://ex.test/dir/v.webm raw=v.webm frag=- text= rel=-",
	       "audio[src] L1 res url=http://ex.test/dir/a.ogg raw=a.ogg frag=- text= rel=-",
	       "embed[src] L1 res url=http://ex.test/dir/e.swf raw=e.swf frag=- text= rel=-",
	       "object[data] L1 res url=http://ex.test/dir/o.svg raw=o.svg frag=- text= rel=-",
	       "a[href] L1 nav url=http://ex.test/dir/n raw=n frag=- text=N rel=-");
	/* Document order: an img inside an <a> comes after the <a>, which waits for its text. */
	EXPECT("<a href=1>x<img src=i alt=I>y</a><img src=j>", true, false,
	       "a[href] L1 nav url=http://ex.test/dir/1 raw=1 frag=- text=xy rel=-",
	       "img[src] L1 res url=http://ex.test/dir/i raw=i frag=- text=I rel=-",
	       "img[src] L1 res url=http://ex.test/dir/j raw=j frag=- text= rel=-");
	/* Base URL: every record is resolved against the first <base href>, wherever it is. */
	EXPECT("<img src=i><a href=a>A</a><base href=http://b.test/x/><base href=http://c.test/>",
	       true, false, "img[src] L1 res url=http://b.test/x/i raw=i frag=- text= rel=-",
	       "a[href] L1 nav url=http://b.test/x/a raw=a frag=- text=A rel=-");
	/* Not in the document: SVG script and a, raw text, a frameset's dropped body. */
	EXPECT("<svg><script href=s.js></script><a href=sa>x</a><image href=i.png/></svg>"
	       "<textarea><img src=t></textarea><noscript><img src=ns></noscript>",
	       true, false, "img[src] L1 res url=http://ex.test/dir/ns raw=ns frag=- text= rel=-");
	EXPECT("<link href=head.css rel=stylesheet><p id=b><a href=body></a>"
	       "<frameset id=fs><frame src=f1 id=fr><img src=no></frameset>",
	       true, true, "link[href] L1 res url=http://ex.test/dir/head.css raw=head.css frag=- text= rel=stylesheet",
	       "#fs", "frame[src] L1 nav url=http://ex.test/dir/f1 raw=f1 frag=- text= rel=-", "#fr");
}

static void test_template(void)
{
	EXPECT("<template><a href=t>x</a><img src=u><p id=v></template><a href=ok>y</a>", true,
	       true, "a[href] L1 nav url=http://ex.test/dir/ok raw=ok frag=- text=y rel=-");
	EXPECT("<a href=o>A<template><a href=t>T</a>U</template>B</a>", true, true,
	       "a[href] L1 nav url=http://ex.test/dir/o raw=o frag=- text=AB rel=-");
}

/* A callback's non-zero return stops extraction and comes back. */
static int stop_record(void *cookie, const struct weft_link *l)
{
	(void)l;
	return ++*(int *)cookie == 2 ? 42 : 0;
}

static void test_stop_and_reuse(void)
{
	int calls = 0;
	struct weft_html_sink sink = { stop_record, NULL, &calls, false };
	struct weft_html *h = NULL;
	const char doc[] = "<base href=/b/><a href=1></a><a href=2></a><a href=3></a>";
	REQUIRE(weft_html_new_sink(&h, PAGE, NULL, &sink) == WEFT_OK);
	int rc = weft_html_feed(h, doc, sizeof(doc) - 1);
	if (!rc)
		rc = weft_html_finish(h);
	CHECK_INT(rc, 42);
	CHECK_INT(calls, 2);
	/* The same extractor: old callback, then records again. */
	struct collect c = { 0 };
	REQUIRE(weft_html_reset(h, PAGE, NULL, collect_fn, &c) == WEFT_OK);
	CHECK_INT(weft_html_feed(h, doc, sizeof(doc) - 1), WEFT_OK);
	CHECK_INT(weft_html_finish(h), WEFT_OK);
	CHECK_INT(c.links.n, 3);
	struct recs r = { 0 };
	struct weft_html_sink s2 = { on_record, on_anchor, &r, true };
	REQUIRE(weft_html_reset_sink(h, PAGE, NULL, &s2) == WEFT_OK);
	CHECK_INT(weft_html_feed(h, "<a href=x id=i>t", 16), WEFT_OK);
	CHECK_INT(weft_html_finish(h), WEFT_OK);
	CHECK_INT(r.v.n, 2);
	if (r.v.n == 2) {
		CHECK_STR(r.v.v[0], "a[href] L1 nav url=http://ex.test/dir/x raw=x frag=- text=t rel=-");
		CHECK_STR(r.v.v[1], "#i");
	}
	weft_html_free(&h);
	strlist_free(&c.links);
	recs_free(&r);
}

/* An <a> never closed, with a megabyte of records behind it: memory stays bounded. */
static void test_open_a_bounded(void)
{
	size_t n = 60000, len = 0;
	char *doc = malloc(n * 24 + 64);
	REQUIRE(doc);
	len += (size_t)sprintf(doc, "<a href=first>");
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(doc + len, "<img src=/i%zu.png>", i);
	struct recs r = { 0 };
	CHECK_INT(records(doc, len, PAGE, NULL, true, false, NULL, 0, &r), WEFT_OK);
	CHECK(!r.bad);
	CHECK_INT(r.v.n, n + 1);
	if (r.v.n == n + 1) {
		CHECK_STR(r.v.v[0], "a[href] L1 nav url=http://ex.test/dir/first raw=first frag=- text= rel=-");
		CHECK_STR(r.v.v[n], "img[src] L1 res url=http://ex.test/i59999.png raw=/i59999.png frag=- text= rel=-");
	}
	recs_free(&r);
	free(doc);
}

/* Values longer than the extractor keeps (1 MiB) give no record, but are counted. */
static void test_overlong_counted(void)
{
	size_t big = (1u << 20) + 10;
	char *doc = malloc(big * 2 + 200);
	REQUIRE(doc);
	size_t len = (size_t)sprintf(doc, "<a href=ok>ok</a><a href='");
	memset(doc + len, 'x', big);
	len += big;
	len += (size_t)sprintf(doc + len, "'>long</a><img src='");
	memset(doc + len, 'y', big);
	len += big;
	len += (size_t)sprintf(doc + len, "'><a href=ok2>");
	struct recs r = { 0 };
	struct weft_html_sink sink = { on_record, NULL, &r, true };
	struct weft_html *h = NULL;
	REQUIRE(weft_html_new_sink(&h, PAGE, NULL, &sink) == WEFT_OK);
	CHECK_INT(weft_html_feed(h, doc, len), WEFT_OK);
	CHECK_INT(weft_html_finish(h), WEFT_OK);
	CHECK_INT(r.v.n, 2); /* ok and ok2 */
	CHECK_INT(weft_html_overlong(h), 2);
	CHECK_INT(weft_html_reset_sink(h, PAGE, NULL, &sink), WEFT_OK);
	CHECK_INT(weft_html_overlong(h), 0); /* per document */
	weft_html_free(&h);
	recs_free(&r);
	free(doc);
}

/* ---- against the old callback and the fixtures ------------------------------------------------ */

static char *fixture_dir(void)
{
	char path[4096];
	if (!check_testdata("html/expected-details.jsonl", path, sizeof(path)))
		return NULL;
	char *dir = strdup(path);
	if (dir)
		*strrchr(dir, '/') = '\0';
	return dir;
}

static char *load_case(const char *dir, const char *file, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/cases/%s", dir, file);
	return check_slurp(path, len);
}

/* Percent-encode a fragment as the URL parser does (tab and newlines dropped). */
static void frag_encode(const char *s, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 4 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\t' || c == '\n' || c == '\r')
			continue;
		if (c <= 0x20 || c == '"' || c == '<' || c == '>' || c == '`' || c >= 0x7F)
			k += (size_t)snprintf(out + k, cap - k, "%%%02X", c);
		else
			out[k++] = (char)c;
	}
	out[k] = '\0';
}

struct rec_fields {
	char tag[16], attr[16], url[1 << 18], frag[4096], rel[256];
	bool has_frag;
	char *raw;
};

/* Split a record line (see the header) back into its fields. */
static bool parse_line(const char *line, struct rec_fields *f)
{
	const char *b = strchr(line, '['), *e = strchr(line, ']');
	const char *u = strstr(line, " url="), *rw = strstr(line, " raw=");
	const char *fr = strstr(line, " frag="), *tx = strstr(line, " text="), *rl = strstr(line, " rel=");
	if (!b || !e || !u || !rw || !fr || !tx || !rl || (size_t)(b - line) >= sizeof(f->tag))
		return false;
	snprintf(f->tag, sizeof(f->tag), "%.*s", (int)(b - line), line);
	snprintf(f->attr, sizeof(f->attr), "%.*s", (int)(e - b - 1), b + 1);
	snprintf(f->url, sizeof(f->url), "%.*s", (int)(rw - u - 5), u + 5);
	f->raw = strndup(rw + 5, (size_t)(fr - rw - 5));
	f->has_frag = strncmp(fr, " frag=-", 7) != 0 || fr + 7 != tx;
	snprintf(f->frag, sizeof(f->frag), "%.*s", (int)(tx - fr - 6), fr + 6);
	snprintf(f->rel, sizeof(f->rel), "%s", rl + 5);
	return f->raw != NULL;
}

static bool deviation_raw(json_t *devs, const char *file, const char *raw)
{
	size_t i;
	json_t *d;
	json_array_foreach(devs, i, d) {
		const char *df = json_string_value(json_object_get(d, "file"));
		const char *dr = json_string_value(json_object_get(d, "raw"));
		if (df && strcmp(df, file) == 0 && (!dr || strcmp(dr, raw) == 0))
			return true;
	}
	return false;
}

struct fx_totals {
	int pages, pages_ok, elems, elems_ok, clones, old_same, link_els, link_els_ok;
};

static bool is_nav_line(const char *s)
{
	return !strncmp(s, "a[", 2) || !strncmp(s, "area[", 5) || !strncmp(s, "iframe[", 7) ||
	       !strncmp(s, "frame[", 6);
}

/*
 * The first unused navigation record of tag `tag` with raw value `raw` (the browser lists
 * elements in DOM order, which foster parenting and the like make differ from the source's),
 * parsed into f and marked used; false when there is none.
 */
static bool take_record(const struct recs *r, bool *used, const char *tag, const char *raw,
			struct rec_fields *f)
{
	f->raw = NULL;
	for (size_t j = 0; j < r->v.n; j++) {
		if (used[j] || !is_nav_line(r->v.v[j]) || !parse_line(r->v.v[j], f))
			continue;
		if (strcmp(f->tag, tag) == 0 && strcmp(f->raw, raw) == 0) {
			used[j] = true;
			return true;
		}
		free(f->raw);
		f->raw = NULL;
	}
	return false;
}

/* Whether a navigation record with this tag and raw value exists (used or not). */
static bool is_clone(const struct recs *r, const char *tag, const char *raw, struct rec_fields *f)
{
	bool found = false;
	for (size_t j = 0; j < r->v.n && !found; j++) {
		if (!is_nav_line(r->v.v[j]) || !parse_line(r->v.v[j], f))
			continue;
		found = strcmp(f->tag, tag) == 0 && strcmp(f->raw, raw) == 0;
		free(f->raw);
	}
	f->raw = NULL;
	return found;
}

/* One page of expected-details.jsonl: its kept-or-excluded elements, in document order. */
static void fixture_page(const char *dir, json_t *line, json_t *lines_expected, json_t *devs,
			 struct fx_totals *t)
{
	const char *file = json_string_value(json_object_get(line, "file"));
	const char *page = json_string_value(json_object_get(line, "page"));
	size_t len = 0;
	char *body = load_case(dir, file, &len);
	if (!body) {
		CHECK_FAIL("cannot read %s", file);
		return;
	}
	struct recs r = { 0 };
	struct collect old = { 0 };
	CHECK_INT(records(body, len, page, NULL, true, false, NULL, 0, &r), WEFT_OK);
	CHECK_INT(extract_chunked(body, len, page, NULL, NULL, 0, &old), WEFT_OK);
	if (r.bad)
		CHECK_FAIL("%s: bad record callback: %s", file, r.why);
	/* The old callback's links are the navigation records' URLs, in the same order. */
	if (strlist_eq(&old.links, &r.urls_nav))
		t->old_same++;
	else
		CHECK_FAIL("%s: old callback and records differ", file);
	/* The browser's elements whose value parses (kept, or dropped for their scheme). */
	json_t *els = json_object_get(line, "elements"), *el;
	size_t i;
	int page_bad = 0;
	struct rec_fields *f = malloc(sizeof(*f));
	bool *used = calloc(r.v.n + 1, sizeof(*used));
	REQUIRE(f && used);
	json_array_foreach(els, i, el) {
		const char *reason = json_string_value(json_object_get(el, "reason"));
		const char *raw = json_string_value(json_object_get(el, "raw"));
		const char *res = json_string_value(json_object_get(el, "resolved"));
		const char *tag = json_string_value(json_object_get(el, "tag"));
		const char *attr = json_string_value(json_object_get(el, "attr"));
		if (reason && strcmp(reason, "unparseable") == 0)
			continue;
		if (deviation_raw(devs, file, raw)) { /* the standard's answer differs: skip both */
			if (take_record(&r, used, tag, raw, f))
				free(f->raw);
			continue;
		}
		if (!take_record(&r, used, tag, raw, f) && is_clone(&r, tag, raw, f)) {
			t->clones++; /* the tree builder cloned an element: one tag, one record */
			continue;
		}
		t->elems++;
		if (!f->raw) {
			CHECK_FAIL("%s: no record for %s[%s]=\"%.200s\"", file, tag, attr, raw);
			page_bad++;
			continue;
		}
		char enc[8192];
		const char *hash = strchr(res, '#');
		size_t ulen = hash ? (size_t)(hash - res) : strlen(res);
		frag_encode(f->frag, strlen(f->frag), enc, sizeof(enc));
		bool ok = strcmp(f->tag, tag) == 0 && strcmp(f->attr, attr) == 0 &&
			  strcmp(f->raw, raw) == 0 && strlen(f->url) == ulen &&
			  strncmp(f->url, res, ulen) == 0 &&
			  f->has_frag == (hash != NULL) && (!hash || strcmp(enc, hash + 1) == 0);
		if (ok) {
			t->elems_ok++;
		} else {
			CHECK_FAIL("%s: %s[%s]=\"%.200s\" -> %.200s; record: %s[%s] raw \"%.200s\" url %.200s frag %s%.200s",
				   file, tag, attr, raw, res, f->tag, f->attr, f->raw, f->url,
				   f->has_frag ? "#" : "(none)", f->frag);
			page_bad++;
		}
		free(f->raw);
		f->raw = NULL;
	}
	/* <link> elements with their rel (expected.jsonl: rel trimmed and lower-cased). */
	json_t *exp = NULL, *e;
	json_array_foreach(lines_expected, i, e)
		if (strcmp(json_string_value(json_object_get(e, "file")), file) == 0)
			exp = e;
	json_t *lel = exp ? json_object_get(exp, "link_elements") : NULL;
	struct strlist want = { 0 }, got = { 0 };
	json_array_foreach(lel, i, e) {
		char s[4096];
		snprintf(s, sizeof(s), "%s %s", json_string_value(json_object_get(e, "rel")),
			 json_string_value(json_object_get(e, "href")));
		strlist_add(&want, s, strlen(s));
	}
	for (size_t j = 0; j < r.v.n; j++) {
		if (strncmp(r.v.v[j], "link[href]", 10) != 0 || !parse_line(r.v.v[j], f))
			continue;
		char rel[256], s[4096];
		const char *a = f->rel;
		size_t n = strlen(a);
		if (strcmp(a, "-") == 0)
			a = "", n = 0;
		while (n && strchr(" \t\n\f\r", a[n - 1]))
			n--;
		while (n && strchr(" \t\n\f\r", *a))
			a++, n--;
		for (size_t q = 0; q < n && q < sizeof(rel) - 1; q++)
			rel[q] = (char)(a[q] >= 'A' && a[q] <= 'Z' ? a[q] + 32 : a[q]);
		rel[n < sizeof(rel) - 1 ? n : sizeof(rel) - 1] = '\0';
		snprintf(s, sizeof(s), "%.255s %.3500s", rel, f->url);
		strlist_add(&got, s, strlen(s));
		free(f->raw);
		f->raw = NULL;
	}
	strlist_sort_uniq(&want);
	strlist_sort_uniq(&got);
	t->link_els += (int)want.n;
	for (size_t j = 0; j < want.n; j++)
		t->link_els_ok += strlist_has(&got, want.v[j]);
	if (!strlist_eq(&want, &got)) {
		CHECK_FAIL("%s: <link> records differ from link_elements", file);
		page_bad++;
	}
	t->pages++;
	t->pages_ok += page_bad == 0;
	strlist_free(&want);
	strlist_free(&got);
	free(f);
	free(used);
	recs_free(&r);
	strlist_free(&old.links);
	free(body);
}

static void test_fixtures(void)
{
	char *dir = fixture_dir();
	char path[4096], dpath[4096], epath[4096];
	if (!dir || !check_testdata("html/deviations.json", dpath, sizeof(dpath)) ||
	    !check_testdata("html/expected.jsonl", epath, sizeof(epath))) {
		fprintf(stderr, "no html test data under $WEFT_TESTDATA: skipped\n");
		free(dir);
		exit(CHECK_SKIP);
	}
	json_error_t err;
	json_t *droot = json_load_file(dpath, 0, &err), *exp = json_array();
	REQUIRE(droot && exp);
	FILE *f = fopen(epath, "r");
	REQUIRE(f);
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		json_t *j = json_loads(line, 0, &err);
		if (j)
			json_array_append_new(exp, j);
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/expected-details.jsonl", dir);
	f = fopen(path, "r");
	REQUIRE(f);
	struct fx_totals t = { 0 };
	while (getline(&line, &cap, f) > 0) {
		json_t *j = json_loads(line, 0, &err);
		if (!j)
			continue;
		fixture_page(dir, j, exp, json_object_get(droot, "deviations"), &t);
		json_decref(j);
	}
	free(line);
	fclose(f);
	fprintf(stderr, "fixture pages passed: %d/%d; elements matched (tag, attr, raw, url, "
			"fragment): %d/%d (+%d DOM clones of the same tags); <link> rel+url: %d/%d; "
			"old callback = records: %d/%d\n",
		t.pages_ok, t.pages, t.elems_ok, t.elems, t.clones, t.link_els_ok, t.link_els, t.old_same,
		t.pages);
	CHECK_INT(t.pages, 30);
	CHECK(t.elems >= 180);
	CHECK_INT(t.elems_ok, t.elems);
	CHECK_INT(t.link_els, 11);
	json_decref(droot);
	json_decref(exp);
	free(dir);
}

/* ---- chunking invariance -------------------------------------------------------------------- */

static bool same_recs(const struct recs *a, const struct recs *b)
{
	return strlist_eq(&a->v, &b->v);
}

/* Every split point (or `limit` spread ones) and 1-byte pieces give the whole-page records. */
static int split_everywhere(const char *doc, size_t len, const char *page, const char *cs,
			    const char *name, size_t limit)
{
	struct recs whole = { 0 };
	int fails = 0;
	if (records(doc, len, page, cs, true, true, NULL, 0, &whole) != WEFT_OK) {
		CHECK_FAIL("%s: extraction failed", name);
		recs_free(&whole);
		return 1;
	}
	size_t step = len > limit ? len / limit : 1, one = 1;
	for (size_t cut = 1; cut < len && !fails; cut += step) {
		size_t sizes[2] = { cut, len - cut };
		struct recs r = { 0 };
		if (records(doc, len, page, cs, true, true, sizes, 2, &r) != WEFT_OK ||
		    !same_recs(&r, &whole)) {
			CHECK_FAIL("%s: records differ when cut at %zu", name, cut);
			fails++;
		}
		recs_free(&r);
	}
	if (len <= 1 << 16) {
		struct recs r = { 0 };
		if (records(doc, len, page, cs, true, true, &one, 1, &r) != WEFT_OK ||
		    !same_recs(&r, &whole)) {
			CHECK_FAIL("%s: records differ in 1-byte pieces", name);
			fails++;
		}
		recs_free(&r);
	}
	recs_free(&whole);
	return fails;
}

static void test_chunking(void)
{
	static const char *const pages[] = {
		"<p>\r\n<a href='x#f' rel=nofollow>one &amp; <b>two</b>\r</a>\r\n<img src=i "
		"srcset='a 1x, b 2x' alt=\"A&eacute;\">&copyright<a href=2>&#x41;&#66;</a><!--\r"
		"<a href=no>--><a name=n id=i2>x\n<y</a>\r\n<template><a href=t>t</a></template>",
		"<base href=http://b.test/><link rel=x href=l><frameset><frame src=f id=fid>"
		"</frameset>",
		"<a href=\"caf\xC3\xA9#\xC3\xA9\">\xC3\xA9\xC3\xA8 \xE2\x82\xAC</a><svg id=s><a id=sa>"
		"<text>t</text></a></svg><video src=v poster=p></video>",
		"<meta charset=shift_jis><a href='/\x83\x5C?\x83\x5C'>\x83\x5C\x83\x5C</a><img alt='\x82\xA0' src=i>",
		"<a href=1>no end <a href=2>\r\r\r<img src=x>still",
	};
	int fails = 0, docs = 0;
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++, docs++)
		fails += split_everywhere(pages[i], strlen(pages[i]), PAGE, NULL, "synthetic", 1 << 20);
	static const char *const charsets[] = { "utf-16le", "windows-1252" };
	char u16[1024];
	const char *src = pages[0];
	size_t n = strlen(src);
	for (size_t i = 0; i < n; i++) { /* ASCII only: a trivial UTF-16LE */
		u16[2 * i] = src[i];
		u16[2 * i + 1] = 0;
	}
	fails += split_everywhere(u16, 2 * n, PAGE, charsets[0], "utf-16le", 1 << 20);
	fails += split_everywhere(pages[2], strlen(pages[2]), PAGE, charsets[1], "windows-1252", 1 << 20);
	docs += 2;
	char *dir = fixture_dir();
	if (dir) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/expected.jsonl", dir);
		FILE *f = fopen(path, "r");
		char *line = NULL;
		size_t cap = 0;
		json_error_t err;
		while (f && getline(&line, &cap, f) > 0) {
			json_t *j = json_loads(line, 0, &err);
			if (!j)
				continue;
			const char *file = json_string_value(json_object_get(j, "file"));
			const char *page = json_string_value(json_object_get(j, "page"));
			size_t len = 0;
			char *body = load_case(dir, file, &len);
			if (body) {
				fails += split_everywhere(body, len, page, NULL, file, 400);
				docs++;
			}
			free(body);
			json_decref(j);
		}
		free(line);
		if (f)
			fclose(f);
		free(dir);
	}
	fprintf(stderr, "chunking: %d/%d documents give the same records at every split point\n",
		docs - fails, docs);
}

int main(void)
{
	if (weft_global_init() != WEFT_OK)
		return 1;
	RUN(test_text_collapse);
	RUN(test_overlong_counted);
	RUN(test_text_truncation);
	RUN(test_img_alt_srcset);
	RUN(test_fragments);
	RUN(test_lines);
	RUN(test_rel_nofollow);
	RUN(test_anchors);
	RUN(test_resources);
	RUN(test_template);
	RUN(test_stop_and_reuse);
	RUN(test_open_a_bounded);
	RUN(test_chunking);
	RUN(test_fixtures);
	weft_global_cleanup();
	return check_report();
}
