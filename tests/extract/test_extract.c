/*
 * test_extract.c -- unit tests of the link extractor's pieces: encoding labels and sniffing,
 * the decoder, the normaliser, and the extractor's element and base rules through the API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft.h>
#include <weft/extract.h>

#include "check.h"
#include "extract/extract_int.h"
#include "links.h"

/* ---- helpers ------------------------------------------------------------------------------ */

struct sbuf {
	char *p;
	size_t n;
};

static int sbuf_sink(void *arg, const char *p, size_t n)
{
	struct sbuf *b = arg;
	char *np = realloc(b->p, b->n + n + 1);
	if (!np)
		return WEFT_E_NOMEM;
	memcpy(np + b->n, p, n);
	b->p = np;
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

/* Normalise in[0..n) split at `split` (n: no split); returns a malloc'd string. */
static char *norm_split(const char *in, size_t n, size_t split)
{
	struct weft__norm *z = malloc(sizeof(*z));
	struct sbuf b = { calloc(1, 1), 0 };
	weft__norm_init(z);
	weft__norm_run(z, in, split, false, sbuf_sink, &b);
	weft__norm_run(z, in + split, n - split, true, sbuf_sink, &b);
	free(z);
	return b.p;
}

/* Normalise whole and at every split point; all must give `want`. */
static void check_norm(const char *in, size_t n, const char *want)
{
	for (size_t s = 0; s <= n; s++) {
		char *got = norm_split(in, n, s);
		if (strcmp(got, want) != 0) {
			CHECK_FAIL("normalise \"%s\" split at %zu: \"%s\", want \"%s\"", in, s, got,
				   want);
			free(got);
			return;
		}
		free(got);
	}
}

#define NORM(in, want) check_norm(in, sizeof(in) - 1, want)

/* Decode in[0..n) from the encoding labelled `label`, split at `split`. */
static char *dec_split(const char *label, const char *in, size_t n, size_t split)
{
	struct weft__dec d;
	struct sbuf b = { calloc(1, 1), 0 };
	const struct weft__enc *e = weft__enc_for_label(label, strlen(label));
	if (!e || weft__dec_init(&d, e) != WEFT_OK)
		return b.p;
	const unsigned char *u = (const unsigned char *)in;
	weft__dec_run(&d, u, split, false, sbuf_sink, &b);
	weft__dec_run(&d, u + split, n - split, true, sbuf_sink, &b);
	weft__dec_fini(&d);
	return b.p;
}

static void check_dec(const char *label, const char *in, size_t n, const char *want)
{
	for (size_t s = 0; s <= n; s++) {
		char *got = dec_split(label, in, n, s);
		if (strcmp(got, want) != 0) {
			CHECK_FAIL("decode %s split at %zu: \"%s\", want \"%s\"", label, s, got,
				   want);
			free(got);
			return;
		}
		free(got);
	}
}

#define DEC(label, in, want) check_dec(label, in, sizeof(in) - 1, want)

static const char *sniff(const char *doc, const char *charset)
{
	const struct weft__enc *t = charset ? weft__enc_for_label(charset, strlen(charset)) : NULL;
	size_t bom;
	size_t n = strlen(doc);
	return weft__enc_sniff((const unsigned char *)doc, n, true, t, &bom)->name;
}

/* Links of a document as "tag url" lines joined by '|'. */
static char *links_of(const char *doc, size_t n, const char *page, const char *charset)
{
	struct collect c = { .with_tag = true };
	int rc = extract_chunked(doc, n, page, charset, NULL, 0, &c);
	CHECK_INT(rc, WEFT_OK);
	CHECK(!c.bad);
	struct sbuf b = { calloc(1, 1), 0 };
	for (size_t i = 0; i < c.links.n; i++) {
		if (i)
			sbuf_sink(&b, "|", 1);
		sbuf_sink(&b, c.links.v[i], strlen(c.links.v[i]));
	}
	strlist_free(&c.links);
	return b.p;
}

#define PAGE "http://h.test/d/p.html"
#define LINKS(doc, want)                                                                  \
	do {                                                                              \
		char *got_ = links_of(doc, sizeof(doc) - 1, PAGE, NULL);                  \
		CHECK_STR(got_, want);                                                    \
		free(got_);                                                               \
	} while (0)

/* ---- encodings ---------------------------------------------------------------------------- */

static void test_labels(void)
{
	CHECK_STR(weft__enc_for_label("  UTF8 ", 7)->name, "utf-8");
	CHECK_STR(weft__enc_for_label("latin1", 6)->name, "windows-1252");
	CHECK_STR(weft__enc_for_label("ISO-8859-1", 10)->name, "windows-1252");
	CHECK_STR(weft__enc_for_label("us-ascii", 8)->name, "windows-1252");
	CHECK_STR(weft__enc_for_label("sjis", 4)->name, "shift_jis");
	CHECK_STR(weft__enc_for_label("gb2312", 6)->name, "gbk");
	CHECK_STR(weft__enc_for_label("iso-2022-kr", 11)->name, "replacement");
	CHECK_STR(weft__enc_for_label("utf-16", 6)->name, "utf-16le");
	CHECK(weft__enc_for_label("utf-7", 5) == NULL);
	CHECK(weft__enc_for_label("", 0) == NULL);
	CHECK_STR(weft__enc_output_name(weft__enc_for_label("utf-16be", 8)), "utf-8");
	CHECK_STR(weft__enc_output_name(weft__enc_for_label("koi8-r", 6)), "koi8-r");
}

static void test_sniff(void)
{
	/* A BOM beats the HTTP charset (the Encoding Standard's decode), which beats <meta>. */
	CHECK_STR(sniff("\xEF\xBB\xBF<meta charset=koi8-r>", "shift_jis"), "utf-8");
	CHECK_STR(sniff("\xFF\xFEx", NULL), "utf-16le");
	CHECK_STR(sniff("<meta charset=koi8-r>", "shift_jis"), "shift_jis");
	CHECK_STR(sniff("<meta charset=koi8-r>", "bogus-label"), "koi8-r");
	CHECK_STR(sniff("<html><META CHARSET='KOI8-R'>", NULL), "koi8-r");
	CHECK_STR(sniff("<meta http-equiv=\"Content-Type\" content=\"text/html; "
			"charset=iso-8859-1\">", NULL), "windows-1252");
	CHECK_STR(sniff("<meta content='text/html;charset = \"euc-jp\"' "
			"http-equiv=content-type>", NULL), "euc-jp");
	/* content without http-equiv needs the pragma */
	CHECK_STR(sniff("<meta content=\"text/html; charset=koi8-r\">", NULL), "utf-8");
	CHECK_STR(sniff("<!-- <meta charset=koi8-r> --><p>", NULL), "utf-8");
	CHECK_STR(sniff("<!--><meta charset=koi8-r>", NULL), "koi8-r");
	CHECK_STR(sniff("<p title='<meta charset=koi8-r>'>", NULL), "utf-8");
	CHECK_STR(sniff("<meta charset=utf-16le>", NULL), "utf-8");
	CHECK_STR(sniff("<meta charset=x-user-defined>", NULL), "windows-1252");
	CHECK_STR(sniff("<meta charset=nonsense><meta charset=koi8-r>", NULL), "koi8-r");
	CHECK_STR(sniff("<meta name=x charset=koi8-u charset=koi8-r>", NULL), "koi8-u");
	CHECK_STR(sniff("<metacharset=koi8-r>", NULL), "utf-8");
	/* The default: UTF-8, or windows-1252 when the first 1024 bytes are not UTF-8. */
	CHECK_STR(sniff("<p>caf\xC3\xA9", NULL), "utf-8");
	CHECK_STR(sniff("<p>caf\xE9", NULL), "windows-1252");
	CHECK_STR(sniff("<p>caf\xC3", NULL), "windows-1252"); /* cut at the end of the document */
	char big[2048];
	memset(big, ' ', sizeof(big));
	memcpy(big + 1100, "<meta charset=koi8-r>", 21);
	big[sizeof(big) - 1] = '\0';
	CHECK_STR(sniff(big, NULL), "utf-8"); /* past the prescan window */
}

static void test_decode(void)
{
	DEC("utf-8", "a\xC3\xA9z", "a\xC3\xA9z");
	DEC("utf-8", "a\xC3(b", "a\xEF\xBF\xBD(b");
	DEC("utf-8", "\xED\xA0\x80.", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD.");
	DEC("utf-8", "x\xF0\x9F\x98", "x\xEF\xBF\xBD");
	DEC("utf-8", "\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80");
	DEC("windows-1252", "\x80\x81\xE9", "\xE2\x82\xAC\xC2\x81\xC3\xA9");
	DEC("shift_jis", "\x93\xFA\x96\x7B\x95\x5C", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xA1\xA8");
	DEC("shift_jis", "a\x5C\x7E", "a\\~");
	DEC("shift_jis", "\x93", "\xEF\xBF\xBD");
	DEC("euc-kr", "\xB0\xA1", "\xEA\xB0\x80");
	DEC("utf-16le", "a\0\x3D\xD8\x00\xDE", "a\xF0\x9F\x98\x80");
	DEC("utf-16be", "\0a\xDC\x00\0b", "a\xEF\xBF\xBD" "b");
	DEC("utf-16le", "a\0b", "a\xEF\xBF\xBD");
	DEC("x-user-defined", "a\x80", "a\xEF\x9E\x80");
	DEC("iso-2022-kr", "anything", "\xEF\xBF\xBD");
	DEC("koi8-r", "\xC1", "\xD0\xB0");
}

static void test_normalise(void)
{
	NORM("a&amp;b", "a&#x26;b");
	NORM("&AMP;", "&#x26;");
	NORM("&amp&z", "&#x26;&#x26;z");
	NORM("&amp=1", "&#x26;amp=1");
	NORM("&copyx", "&#x26;copyx");
	NORM("&notit;", "&#x26;notit;");
	NORM("&not;", "&#xAC;");
	NORM("&not ", "&#xAC; ");
	NORM("&notin;", "&#x2209;");
	NORM("&bogus;", "&#x26;bogus;");
	NORM("&NotNestedGreaterGreater;", "&#x2AA2;&#x338;");
	NORM("a & b", "a &#x26; b");
	NORM("&amp", "&#x26;");
	NORM("&#47;", "&#x2F;");
	NORM("&#X2f;", "&#x2F;");
	NORM("&#x2Fx", "&#x2F;x");
	NORM("&#0;", "&#xFFFD;");
	NORM("&#x80;", "&#x20AC;");
	NORM("&#x81;", "&#x81;");
	NORM("&#xD800;", "&#xFFFD;");
	NORM("&#x110000;", "&#xFFFD;");
	NORM("&#99999999999999999999;", "&#xFFFD;");
	NORM("&#12;", "\f");
	NORM("&#;", "&#x26;#;");
	NORM("&#x;", "&#x26;#x;");
	NORM("&#xg", "&#x26;#xg");
	NORM("a\0b", "a\xEF\xBF\xBD" "b");
	NORM("a\r\nb\rc\n", "a\nb\nc\n");
	NORM("<!-->x", "<!---->x");
	NORM("<!--->x", "<!---->x");
	NORM("<!-- x -->", "<!-- x -->");
	NORM("<!DOCTYPE html>", "<!DOCTYPE html>");
	NORM("<a/href=x>", "<a href=x>");
	NORM("<a//href=x>", "<a  href=x>");
	NORM("<br/>", "<br/>");
	NORM("<a\0 href=x>", "<a_ href=x>");
	NORM("<A\xC3\xA9>", "<A__>");
	NORM("</a\0>", "</a\xEF\xBF\xBD>");
	NORM("x<3 a < b", "x<3 a < b");
	NORM("<a", "<a");
	NORM("<", "<");
	NORM("<!", "<!");
	NORM("<a&amp;>", "<a_amp_>");
}

/* ---- the extractor's rules ---------------------------------------------------------------- */

static void test_elements(void)
{
	LINKS("<a href=http://x.test/1>a</a><area href=http://x.test/2>"
	      "<iframe src=http://x.test/3></iframe><frame src=http://x.test/4>"
	      "<link href=http://x.test/5><img src=http://x.test/6><a name=n>",
	      "a http://x.test/1|area http://x.test/2|iframe http://x.test/3");
	LINKS("<frameset><frame src=http://x.test/f></frameset>", "frame http://x.test/f");
	LINKS("<a href=http://x.test/1 href=http://x.test/2>", "a http://x.test/1");
	LINKS("<a HREF=http://x.test/1#frag>", "a http://x.test/1");
	LINKS("<a href=' \thttp://x.test/1 \n'>", "a http://x.test/1");
	LINKS("<template><a href=http://x.test/no></a><template></template>"
	      "<a href=http://x.test/no2></template><a href=http://x.test/yes>",
	      "a http://x.test/yes");
	LINKS("<textarea><a href=http://x.test/no></textarea><a href=http://x.test/yes>",
	      "a http://x.test/yes");
	LINKS("<title><a href=http://x.test/no></title><a href=http://x.test/yes>",
	      "a http://x.test/yes");
	LINKS("<iframe src=http://x.test/i><a href=http://x.test/no></iframe>",
	      "iframe http://x.test/i");
	LINKS("<a href=http://x.test/1><plaintext><a href=http://x.test/no>",
	      "a http://x.test/1");
	LINKS("<script>'<a href=http://x.test/no>'</script><a href=http://x.test/yes>",
	      "a http://x.test/yes");
	LINKS("<a href=http://x.test/1><a href=\"http://x.test/cut", "a http://x.test/1");
	LINKS("<a\0 href=http://x.test/no><a/href=http://x.test/yes>", "a http://x.test/yes");
	LINKS("<a href=ftp://x.test/f><a href=javascript:x()><a href=mailto:m@x.test>",
	      "a ftp://x.test/f|a javascript:x()|a mailto:m@x.test");
	LINKS("<a href=\"http://x.test/a&amp;b\">", "a http://x.test/a&b");
	LINKS("<a href><a href=''><a href=#top>", "a " PAGE "|a " PAGE "|a " PAGE);
}

static void test_base(void)
{
	LINKS("<a href=x>1</a><base href=http://b.test/dir/><a href=y>2</a>",
	      "a http://b.test/dir/x|a http://b.test/dir/y");
	LINKS("<base href=http://b.test/1/><base href=http://b.test/2/><a href=x>",
	      "a http://b.test/1/x");
	LINKS("<base target=_top><base href=http://b.test/1/><a href=x>", "a http://b.test/1/x");
	LINKS("<template><base href=http://b.test/no/></template><a href=/x>",
	      "a http://h.test/x");
	LINKS("<base href=data:text/html,x><a href=/x>", "a http://h.test/x");
	LINKS("<a href=/x>", "a http://h.test/x");
}

/* A page with more link text than the queue holds before its <base>. */
static void test_base_overflow(void)
{
	size_t n_links = 40000;
	size_t cap = n_links * 40 + 200;
	char *doc = malloc(cap);
	size_t n = 0;
	for (size_t i = 0; i < n_links; i++)
		n += (size_t)snprintf(doc + n, cap - n, "<a href=/l%zu-xxxxxxxxxxxxxxxx>", i);
	n += (size_t)snprintf(doc + n, cap - n, "<base href=http://b.test/><a href=/after>");
	struct collect c = { 0 };
	CHECK_INT(extract_chunked(doc, n, PAGE, NULL, NULL, 0, &c), WEFT_OK);
	CHECK_INT(c.links.n, n_links + 1);
	if (c.links.n == n_links + 1) {
		CHECK_STR(c.links.v[0], "http://h.test/l0-xxxxxxxxxxxxxxxx");
		CHECK_STR(c.links.v[n_links], "http://b.test/after");
	}
	strlist_free(&c.links);
	free(doc);
}

static void test_encoding_in_document(void)
{
	/* The decoded text reaches the links: windows-1252 0xE9 is U+00E9. */
	const char doc[] = "<meta charset=windows-1252><a href='http://x.test/caf\xE9'>";
	char *got = links_of(doc, sizeof(doc) - 1, PAGE, NULL);
	CHECK(strstr(got, "caf\xC3\xA9") || strstr(got, "caf%C3%A9"));
	free(got);
	got = links_of(doc, sizeof(doc) - 1, PAGE, "utf-8"); /* HTTP charset wins over <meta> */
	CHECK(strstr(got, "caf\xEF\xBF\xBD") || strstr(got, "caf%EF%BF%BD"));
	free(got);
	const char u16[] = "\xFF\xFE<\0a\0 \0h\0r\0e\0f\0=\0h\0t\0t\0p\0:\0/\0/\0x\0/\0>\0";
	got = links_of(u16, sizeof(u16) - 1, PAGE, NULL);
	CHECK_STR(got, "a http://x/");
	free(got);
}

/* ---- the API contract --------------------------------------------------------------------- */

static void test_api(void)
{
	struct collect c = { 0 };
	struct weft_html *h = NULL;
	CHECK_INT(weft_html_new(NULL, PAGE, NULL, collect_fn, &c), WEFT_E_INVAL);
	CHECK_INT(weft_html_new(&h, PAGE, NULL, NULL, &c), WEFT_E_INVAL);
	CHECK(h == NULL);
	CHECK_INT(weft_html_new(&h, "not a url", NULL, collect_fn, &c), WEFT_E_INVAL);
	CHECK(h == NULL);
	weft_html_free(&h);
	weft_html_free(NULL);

	/* No page URL: only absolute links. */
	const char doc[] = "<a href=/rel><a href=http://x.test/abs>";
	CHECK_INT(weft_html_extract(doc, sizeof(doc) - 1, NULL, NULL, collect_fn, &c), WEFT_OK);
	CHECK_INT(c.links.n, 1);
	strlist_free(&c.links);
	c = (struct collect){ 0 };

	/*
	 * A non-zero callback return stops extraction and comes back from feed/finish. (With an
	 * HTTP charset the extractor need not wait for 1024 bytes to sniff the encoding.)
	 */
	struct collect s = { .stop_after = 2 };
	const char three[] = "<base href=http://x.test/><a href=1><a href=2><a href=3>";
	REQUIRE(weft_html_new(&h, PAGE, "utf-8", collect_fn, &s) == WEFT_OK);
	CHECK_INT(weft_html_feed(h, three, sizeof(three) - 1), 1);
	CHECK_INT(s.calls, 2);
	CHECK_INT(weft_html_feed(h, "<a href=4>", 10), 1);
	CHECK_INT(weft_html_finish(h), 1);
	CHECK_INT(s.calls, 2);
	weft_html_free(&h);
	CHECK(h == NULL);
	strlist_free(&s.links);

	/* finish twice, feed after finish */
	REQUIRE(weft_html_new(&h, PAGE, NULL, collect_fn, &c) == WEFT_OK);
	CHECK_INT(weft_html_feed(h, NULL, 0), WEFT_OK);
	CHECK_INT(weft_html_finish(h), WEFT_OK);
	CHECK_INT(weft_html_finish(h), WEFT_E_INVAL);
	CHECK_INT(weft_html_feed(h, "x", 1), WEFT_E_INVAL);
	weft_html_free(&h);
	CHECK_INT(c.calls, 0);
	/* An empty document */
	CHECK_INT(weft_html_extract("", 0, PAGE, NULL, collect_fn, &c), WEFT_OK);
	CHECK_INT(c.calls, 0);
}

int main(void)
{
	if (weft_global_init() != WEFT_OK)
		return 1;
	RUN(test_labels);
	RUN(test_sniff);
	RUN(test_decode);
	RUN(test_normalise);
	RUN(test_elements);
	RUN(test_base);
	RUN(test_base_overflow);
	RUN(test_encoding_in_document);
	RUN(test_api);
	weft_global_cleanup();
	return check_report();
}
