/*
 * test_extract.c -- unit tests of the link extractor's pieces: encoding labels and sniffing,
 * the decoder, attribute values, the tokenizer's states and the tree rules through the API
 * (every document fed whole, byte by byte and split in two at every point), reuse.
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

/* The attribute value decoder (character references, NUL) on in[0..n). */
static void check_attr(const char *in, size_t n, const char *want)
{
	struct weft__buf b = { 0 };
	CHECK_INT(weft__attr_decode(in, n, &b), WEFT_OK);
	if (b.n != strlen(want) || memcmp(b.p, want, b.n) != 0)
		CHECK_FAIL("attribute value \"%s\": \"%.*s\", want \"%s\"", in, (int)b.n,
			   b.p ? b.p : "", want);
	free(b.p);
}

#define ATTR(in, want) check_attr(in, sizeof(in) - 1, want)

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

#define PAGE "http://h.test/d/p.html"

/* Links of a document fed in chunks (see extract_chunked()) as "tag url" joined by '|'. */
static char *links_chunked(const char *doc, size_t n, const char *page, const char *charset,
			   const size_t *sizes, size_t n_sizes)
{
	struct collect c = { .with_tag = true };
	int rc = extract_chunked(doc, n, page, charset, sizes, n_sizes, &c);
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

/* Links of a document fed whole. */
static char *links_of(const char *doc, size_t n, const char *page, const char *charset)
{
	return links_chunked(doc, n, page, charset, NULL, 0);
}

/*
 * The links of doc must be `want` fed whole, and fed byte by byte and split in two at every
 * point. The chunked runs give the HTTP charset utf-8, so that the tokenizer starts at once
 * (without one, a short document is held whole until the encoding is known).
 */
static void check_links(const char *doc, size_t n, const char *want, int line)
{
	char *got = links_of(doc, n, PAGE, NULL);
	if (strcmp(got, want) != 0) {
		fprintf(stderr, "line %d: \"%s\"\n", line, doc);
		CHECK_STR(got, want);
	}
	free(got);
	size_t one = 1;
	got = links_chunked(doc, n, PAGE, "utf-8", &one, 1);
	if (strcmp(got, want) != 0) {
		fprintf(stderr, "line %d, byte by byte: \"%s\"\n", line, doc);
		CHECK_STR(got, want);
	}
	free(got);
	for (size_t split = 1; split < n; split++) {
		size_t sizes[2] = { split, n };
		got = links_chunked(doc, n, PAGE, "utf-8", sizes, 2);
		bool ok = strcmp(got, want) == 0;
		if (!ok) {
			fprintf(stderr, "line %d, split at %zu: \"%s\"\n", line, split, doc);
			CHECK_STR(got, want);
		}
		free(got);
		if (!ok)
			break;
	}
}

#define LINKS(doc, want) check_links(doc, sizeof(doc) - 1, want, __LINE__)

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

static void test_attr_values(void)
{
	ATTR("a&amp;b", "a&b");
	ATTR("&AMP;", "&");
	ATTR("&amp&z", "&&z");
	ATTR("&amp=1", "&amp=1");
	ATTR("&copyx", "&copyx");
	ATTR("&copy", "\xC2\xA9");
	ATTR("&notit;", "&notit;");
	ATTR("&not;", "\xC2\xAC");
	ATTR("&not ", "\xC2\xAC ");
	ATTR("&notin;", "\xE2\x88\x89");
	ATTR("&bogus;", "&bogus;");
	ATTR("&NotNestedGreaterGreater;", "\xE2\xAA\xA2\xCC\xB8");
	ATTR("&CounterClockwiseContourIntegral;", "\xE2\x88\xB3");
	ATTR("&CounterClockwiseContourIntegralx;", "&CounterClockwiseContourIntegralx;");
	ATTR("a & b", "a & b");
	ATTR("&amp", "&");
	ATTR("&", "&");
	ATTR("&amp;amp;", "&amp;");
	ATTR("&#47;", "/");
	ATTR("&#X2f;", "/");
	ATTR("&#x2Fx", "/x");
	ATTR("&#x41", "A");
	ATTR("&#0;", "\xEF\xBF\xBD");
	ATTR("&#x80;", "\xE2\x82\xAC");
	ATTR("&#x81;", "\xC2\x81");
	ATTR("&#xD800;", "\xEF\xBF\xBD");
	ATTR("&#x110000;", "\xEF\xBF\xBD");
	ATTR("&#99999999999999999999;", "\xEF\xBF\xBD");
	ATTR("&#12;", "\f");
	ATTR("&#;", "&#;");
	ATTR("&#", "&#");
	ATTR("&#x;", "&#x;");
	ATTR("&#xg", "&#xg");
	ATTR("a\0b", "a\xEF\xBF\xBD" "b");
	ATTR("\xC3\xA9&eacute;", "\xC3\xA9\xC3\xA9");
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


/* ---- the tokenizer's states --------------------------------------------------------------- */

#define X "http://x.test/"

static void test_tags_and_attributes(void)
{
	LINKS("<a title=\"t\"/href=\"" X "1\">", "a " X "1");
	LINKS("<a title='t'href=" X "2>", "a " X "2"); /* no space after a quoted value */
	LINKS("<a/href=" X "3>", "a " X "3");
	LINKS("<a =href=" X "no href=" X "4>", "a " X "4"); /* the first name is "=href" */
	LINKS("<a href = '" X "5' >", "a " X "5");
	LINKS("<a href=" X "6/>", "a " X "6/"); /* an unquoted value takes the '/' */
	LINKS("<a href=\"" X "a>b\">", "a " X "a%3Eb");
	LINKS("<a href=" X "c\"d'e<f=g`h>", "a " X "c%22d'e%3Cf=g%60h");
	LINKS("<a hre\"f=" X "no><a h\0ref=" X "no2>", "");
	LINKS("<A HrEf=" X "7>", "a " X "7");
	LINKS("<a\thref\n=\f'" X "8'\r>", "a " X "8");
	LINKS("<a href='" X "9'/>", "a " X "9");
	LINKS("<a data-href=" X "no hreflang=en href=" X "10>", "a " X "10");
	LINKS("<a href><a href=" X "11>", "a " PAGE "|a " X "11");
	LINKS("<a href href=" X "no>", "a " PAGE);
	LINKS("<a href=\"" X "1&#x32;&amp;x=&lt;\">", "a " X "12&x=%3C");
	LINKS("<a src=" X "no><iframe href=" X "no2 src=" X "13></iframe>", "iframe " X "13");
	LINKS("</a href=" X "no><a href=" X "14>", "a " X "14");
	LINKS("<ab href=" X "no><abbr href=" X "no2><area href=" X "15>", "area " X "15");
	LINKS("<a<a href=" X "no>", ""); /* one tag named "a<a" */
	LINKS("< a href=" X "no><a href=" X "16>", "a " X "16");
	LINKS("<a href=" X "17 <a href=" X "no>", "a " X "17");
}

static void test_raw_text(void)
{
	LINKS("<script></script ><a href=" X "1>", "a " X "1");
	LINKS("<script></script\t\n><a href=" X "2>", "a " X "2");
	LINKS("<script></script/><a href=" X "3>", "a " X "3");
	LINKS("<script></SCRIPT><a href=" X "4>", "a " X "4");
	LINKS("<script>x</script title=\"<a href=" X "no>\"><a href=" X "5>", "a " X "5");
	LINKS("<script></scripty><a href=" X "no></script><a href=" X "6>", "a " X "6");
	LINKS("<script></scrip></script><a href=" X "7>", "a " X "7");
	LINKS("<script></scrip</script><a href=" X "8>", "a " X "8");
	LINKS("<script>a<b</c</ script></script><a href=" X "9>", "a " X "9");
	LINKS("<script/><a href=" X "no></script><a href=" X "10>", "a " X "10");
	/* escaped and double escaped script data */
	LINKS("<script><!--<script></script><a href=" X "no>--></script><a href=" X "11>",
	      "a " X "11");
	LINKS("<script><!--<script></script><a href=" X "no></script><a href=" X "12>",
	      "a " X "12");
	LINKS("<script><!-- </script><a href=" X "13>", "a " X "13");
	LINKS("<script><!--<script>--></script><a href=" X "14>", "a " X "14");
	LINKS("<script><!--<scripts></script><a href=" X "15>", "a " X "15");
	LINKS("<script><!--<script ></script ><a href=" X "no>", "");
	LINKS("<script><!--<SCRIPT>--!></script><a href=" X "no>", "");
	LINKS("<script><!--<script>-<--></script><a href=" X "16>", "a " X "16");
	LINKS("<script><!-<script></script><a href=" X "17>", "a " X "17");
	LINKS("<script><!---><script></script><a href=" X "18>", "a " X "18");
	/* RCDATA and RAWTEXT have no escapes */
	LINKS("<style><!--</style><a href=" X "19>", "a " X "19");
	LINKS("<title><a href=" X "no></title ><a href=" X "20>", "a " X "20");
	LINKS("<textarea></textarea\n><a href=" X "21>", "a " X "21");
	LINKS("<xmp></xmp foo><a href=" X "22>", "a " X "22");
	LINKS("<noembed><a href=" X "no></noembed><a href=" X "23>", "a " X "23");
	LINKS("<noframes><a href=" X "no></noframes><a href=" X "24>", "a " X "24");
	LINKS("<iframe src=" X "i><a href=" X "no></iframe><a href=" X "25>",
	      "iframe " X "i|a " X "25");
	LINKS("<textarea></title><a href=" X "no>", "");
	LINKS("<noscript><a href=" X "26></noscript>", "a " X "26");
	LINKS("<plaintext></plaintext><a href=" X "no>", "");
}

static void test_comments(void)
{
	LINKS("<!--><a href=" X "1>", "a " X "1");
	LINKS("<!---><a href=" X "2>", "a " X "2");
	LINKS("<!----><a href=" X "3>", "a " X "3");
	LINKS("<!-- --!><a href=" X "4>", "a " X "4");
	LINKS("<!-- -- ><a href=" X "no> --><a href=" X "5>", "a " X "5");
	LINKS("<!-- <!-- --><a href=" X "6>", "a " X "6");
	LINKS("<!--a--!b--><a href=" X "7>", "a " X "7");
	LINKS("<!-- --!-><a href=" X "no>--><a href=" X "8>", "a " X "8");
	LINKS("<! a href=" X "no><a href=" X "9>", "a " X "9");
	LINKS("<!DOCTYPE html PUBLIC \"<a href=" X "no>\"><a href=" X "10>", "a " X "10");
	LINKS("<?xml x='<a href=" X "no>'?><a href=" X "11>", "a " X "11");
	LINKS("</ x><a href=" X "12></><a href=" X "13>", "a " X "12|a " X "13");
	LINKS("<![CDATA[<a href=" X "no>]]><a href=" X "14>", "a " X "14");
	LINKS("<!-<a href=" X "no><a href=" X "15>", "a " X "15");
	LINKS("<!--<a href=" X "no>", "");
	LINKS("<!--->-><a href=" X "16>", "a " X "16");
}

static void test_foreign(void)
{
	LINKS("<svg><a href=" X "no></a></svg><a href=" X "1>", "a " X "1");
	LINKS("<svg><a xlink:href=" X "no><area href=" X "no2></svg>", "");
	LINKS("<math><a href=" X "no></math><a href=" X "2>", "a " X "2");
	LINKS("<svg><foreignObject><a href=" X "3></a></foreignObject><a href=" X "no></svg>",
	      "a " X "3");
	LINKS("<svg><desc><a href=" X "4></desc></svg>", "a " X "4");
	LINKS("<svg><title><a href=" X "5></title></svg>", "a " X "5");
	LINKS("<math><mi><a href=" X "6></mi></math>", "a " X "6");
	LINKS("<math><annotation-xml encoding='Text/HTML'><a href=" X "7></annotation-xml>",
	      "a " X "7");
	LINKS("<math><annotation-xml><a href=" X "no></annotation-xml></math><a href=" X "8>",
	      "a " X "8");
	LINKS("<svg><p><a href=" X "9>", "a " X "9");
	LINKS("<svg><g><div><a href=" X "10>", "a " X "10");
	LINKS("<svg><font color=red><a href=" X "11>", "a " X "11");
	LINKS("<svg><font><a href=" X "no>", "");
	LINKS("<svg><script><a href=" X "no></script><a href=" X "no2></svg><a href=" X "12>",
	      "a " X "12");
	LINKS("<svg/><a href=" X "13>", "a " X "13");
	LINKS("<div><svg><g></div><a href=" X "14>", "a " X "14");
	LINKS("<span><svg><g></span><a href=" X "24>", "a " X "24");
	LINKS("<svg><g></foo><a href=" X "no>", "");
	LINKS("<foo><svg><g></foo><a href=" X "25>", "a " X "25");
	LINKS("<svg><title><style><a href=" X "no></style></title></svg><a href=" X "15>",
	      "a " X "15");
	LINKS("<svg></p><a href=" X "16>", "a " X "16");
	LINKS("<math><mi><svg><a href=" X "no>", "");
	LINKS("<svg><![CDATA[<a href=" X "no>]]></svg><a href=" X "17>", "a " X "17");
	LINKS("<svg><![CDATA[ ]] ]]]></svg><a href=" X "18>", "a " X "18");
	LINKS("<svg><foreignObject><![CDATA[<a href=" X "no>]]></svg><a href=" X "19>",
	      "a " X "19");
	LINKS("<svg><base href=http://b.test/></svg><a href=/20>", "a http://h.test/20");
	LINKS("<svg><template><a href=" X "no></template></svg><a href=" X "21>", "a " X "21");
	LINKS("<svg><foreignObject><div><svg><a href=" X "no></div><a href=" X "22>",
	      "a " X "22");
	LINKS("<svg><g><g></g><a href=" X "no></g><a href=" X "no2></svg><a href=" X "23>",
	      "a " X "23");
}

static void test_template_frameset(void)
{
	LINKS("<template><a href=" X "no></template><a href=" X "1>", "a " X "1");
	LINKS("<template><script></template><a href=" X "no></script></template><a href=" X
	      "2>", "a " X "2");
	LINKS("</template><a href=" X "3>", "a " X "3");
	LINKS("<frameset><frame src=" X "f1><frameset><frame src=" X "f2></frameset>"
	      "</frameset><frame src=" X "no>", "frame " X "f1|frame " X "f2");
	LINKS("<body><frameset><frame src=" X "no>", "");
	LINKS("<p>text</p><frameset><frame src=" X "no>", "");
	LINKS("<head><title>x</title></head><frameset><frame src=" X "f3>", "frame " X "f3");
	LINKS("<frameset><a href=" X "no><iframe src=" X "no2><noframes><a href=" X "no3>"
	      "</noframes><frame src=" X "f4>", "frame " X "f4");
	LINKS("<div>\n <frameset><frame src=" X "f5>", "frame " X "f5");
	LINKS("<frame src=" X "no><a href=" X "4>", "a " X "4");
	LINKS("<frameset><script><a href=" X "no></script><frame src=" X "f6>",
	      "frame " X "f6");
	LINKS("<img><frameset><frame src=" X "no>", "");
	LINKS("<template><frameset><frame src=" X "no></template>", "");
	/* a frameset that replaces the body drops the links in it, and a <base> in it */
	LINKS("<a href=" X "no><base href=http://b.test/><a href=" X "no2><frameset>"
	      "<frame src=f7>", "frame http://h.test/d/f7");
	LINKS("<a href=" X "5><base href=http://b.test/>x<frameset><frame src=f8>",
	      "a " X "5");
	LINKS("<a href=" X "6></br><frameset><frame src=f9>", "a " X "6");
	LINKS("<head><base href=http://b.test/></head><a href=" X "no><frameset><frame src=f10>",
	      "frame http://b.test/f10");
	LINKS("<a href=" X "no><base href=http://b.test/><frameset><frame src=f11>"
	      "<base href=http://c.test/>", "frame http://h.test/d/f11");
}

/* A document cut off in the middle of each construct: the cut tag is dropped. */
static void test_eof(void)
{
	static const char *const tails[] = {
		"<", "<a", "<a ", "<a href", "<a href=", "<a href='x", "<a href=x", "<a href=x ",
		"<a href=x/", "<a href='x'", "<a href='x'/", "<!", "<!-", "<!--", "<!-- x -",
		"<!-- x --", "<!-- x --!", "<![CDATA", "<![CDATA[", "<!DOCTYPE", "</", "</a",
		"</a ", "<?", "<script>", "<script><", "<script></", "<script></scr",
		"<script></script", "<script></script ", "<script><!", "<script><!-",
		"<script><!--", "<script><!--<", "<script><!--<s", "<script><!--<script>",
		"<script><!--<script></", "<script><!--<script>-", "<script><!--<script>--",
		"<textarea></textarea", "<svg><![CDATA[x", "<svg><![CDATA[x]", "<svg><![CDATA[x]]",
		"<a b", "<a b=", "<a b c", "<a href='x' b", "<plaintext>",
	};
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		char doc[256];
		int n = snprintf(doc, sizeof(doc), "<a href=" X "ok>%s", tails[i]);
		check_links(doc, (size_t)n, "a " X "ok", (int)i);
	}
}

#undef X

/* An href longer than the 1 MiB cap is dropped; the tokenizer carries on after it. */
static void test_value_cap(void)
{
	size_t big = (1u << 20) + 10;
	char *doc = malloc(big + 100);
	REQUIRE(doc);
	size_t n = (size_t)sprintf(doc, "<a href='http://x.test/");
	memset(doc + n, 'x', big);
	n += big;
	n += (size_t)sprintf(doc + n, "'><a href=http://x.test/after>");
	char *got = links_of(doc, n, PAGE, NULL);
	CHECK_STR(got, "a http://x.test/after");
	free(got);
	/* just under the cap: kept */
	n = (size_t)sprintf(doc, "<a href='http://x.test/");
	memset(doc + n, 'x', (1u << 20) - n - 9);
	n = (1u << 20) - 9 + (size_t)sprintf(doc + (1u << 20) - 9, "'>");
	got = links_of(doc, n, PAGE, NULL);
	CHECK_INT(strlen(got), 2 + (1u << 20) - 9 - 9);
	free(got);
	free(doc);
}

/*
 * The encodings the tokenizer reads as raw bytes (enum weft__tok_mode): no byte of its syntax
 * may be taken into a multi-byte character by the decoder, whatever non-ASCII bytes precede it
 * (one or two of them: leads of two- and three-byte sequences). For RAW_TRAIL encodings the
 * same holds except for ']'. The decoder is the one values go through (decode.c).
 */
static void test_ascii_safety(void)
{
	static const char *const raw[] = {
		"utf-8", "windows-1252", "x-user-defined", "ibm866", "iso-8859-2", "iso-8859-5",
		"iso-8859-7", "iso-8859-8", "koi8-r", "koi8-u", "macintosh", "windows-874",
		"windows-1250", "windows-1251", "windows-1255", "windows-1258", "x-mac-cyrillic",
		"euc-jp", "euc-kr", "shift_jis", "big5", "gbk", "gb18030",
	};
	static const char syntax[] = "\t\n\f\r <>/!-=?\"'[]";
	static const unsigned char mids[] = {
		0x30, 0x39, 0x80, 0x81, 0x8E, 0x8F, 0xA0, 0xA1, 0xC0, 0xDF, 0xE0, 0xEF, 0xF0,
		0xFE, 0xFF,
	};
	for (size_t e = 0; e < sizeof(raw) / sizeof(raw[0]); e++) {
		const struct weft__enc *enc = weft__enc_for_label(raw[e], strlen(raw[e]));
		REQUIRE(enc);
		bool trail = enc->tok == WEFT__TOK_RAW_TRAIL;
		CHECK(enc->tok == WEFT__TOK_RAW || trail);
		struct weft__dec d;
		REQUIRE(weft__dec_init(&d, enc) == WEFT_OK);
		int bad = 0;
		for (unsigned lead = 0x80; lead <= 0xFF; lead++)
			for (size_t m = 0; m <= sizeof(mids) && !bad; m++)
				for (size_t k = 0; k < sizeof(syntax) - 1 && !bad; k++) {
					if (trail && (syntax[k] == ']' || syntax[k] == '['))
						continue;
					unsigned char in[3] = { (unsigned char)lead, 0, 0 };
					size_t n = 2;
					if (m < sizeof(mids))
						in[n++ - 1] = mids[m];
					in[n - 1] = (unsigned char)syntax[k];
					struct sbuf out = { calloc(1, 1), 0 };
					weft__dec_run(&d, in, n, true, sbuf_sink, &out);
					if (!out.n || out.p[out.n - 1] != syntax[k]) {
						CHECK_FAIL("%s: %02X %02X %02X takes the ASCII "
							   "byte", raw[e], in[0], in[1], in[2]);
						bad++;
					}
					free(out.p);
				}
		weft__dec_fini(&d);
	}
	CHECK(weft__enc_for_label("utf-16le", 8)->tok == WEFT__TOK_DECODE);
	CHECK(weft__enc_for_label("iso-2022-jp", 11)->tok == WEFT__TOK_DECODE);
	CHECK(weft__enc_for_label("iso-2022-kr", 11)->tok == WEFT__TOK_NONE);
}

/* Encodings through the tokenizer: decoded up front, and trail bytes in CDATA. */
static void test_encodings_tokenized(void)
{
	/* ISO-2022-JP: 0x24 0x22 is HIRAGANA A in JIS X 0208 mode; read raw, '"' would end it */
	const char jis[] = "<meta charset=iso-2022-jp><a href=\"http://x.test/\x1B$B$\"\x1B(B\">"
			   "<a href=\"http://x.test/?q=\x1B$B$\"\x1B(B\">";
	char *got = links_of(jis, sizeof(jis) - 1, PAGE, NULL);
	/* (the query's encoding is weft/url.h's business: not checked here) */
	static const char want[] = "a http://x.test/%E3%81%82|a http://x.test/?q=";
	CHECK(strncmp(got, want, sizeof(want) - 1) == 0);
	CHECK(strcmp(got, "a http://x.test/%E3%81%82|a http://x.test/?q=%1B$B$") != 0);
	free(got);
	/* Shift_JIS: 0x81 0x5D is one character, so "\x81]]>" does not end the section */
	const char sjis[] = "<meta charset=shift_jis><svg><![CDATA[\x81]]></svg><a href=/no>]]>"
			    "</svg><a href=/yes>";
	got = links_of(sjis, sizeof(sjis) - 1, PAGE, NULL);
	CHECK_STR(got, "a http://h.test/yes");
	free(got);
	/* ... but 0x81 0x20 is no character: the ']' after the space counts */
	const char sjis2[] = "<meta charset=shift_jis><svg><![CDATA[\x81 ]]></svg><a href=/a>";
	got = links_of(sjis2, sizeof(sjis2) - 1, PAGE, NULL);
	CHECK_STR(got, "a http://h.test/a");
	free(got);
	/* gb18030: a four-byte sequence holds ASCII digits */
	const char gb[] = "<meta charset=gb18030><a href='/\x81\x30\x81\x30?q=\x81\x30\x81\x30'>";
	got = links_of(gb, sizeof(gb) - 1, PAGE, NULL);
	CHECK_STR(got, "a http://h.test/%C2%80?q=%810%810");
	free(got);
	/* UTF-8 values: invalid bytes become U+FFFD */
	const char u8[] = "<a href='/\xC3(\xF0\x9F\x98\x80'>";
	got = links_of(u8, sizeof(u8) - 1, PAGE, "utf-8");
	CHECK_STR(got, "a http://h.test/%EF%BF%BD(%F0%9F%98%80");
	free(got);
	/* the replacement encoding: one U+FFFD, no markup */
	const char repl[] = "<a href=/x>";
	got = links_of(repl, sizeof(repl) - 1, PAGE, "iso-2022-kr");
	CHECK_STR(got, "");
	free(got);
}

/* A reused extractor gives what a new one gives, across encodings and unfinished pages. */
static void test_reset(void)
{
	static const struct {
		const char *doc, *charset, *want;
	} pages[] = {
		{ "<base href=http://b.test/><a href=x>", NULL, "http://b.test/x" },
		{ "<a href=y><svg><g>", NULL, "http://h.test/d/y" },
		{ "<a href=z>", "shift_jis", "http://h.test/d/z" },
		{ "\xFF\xFE<\0a\0 \0h\0r\0e\0f\0=\0w\0>\0", NULL, "http://h.test/d/w" },
		{ "<script><a href=no>", NULL, "" },
		{ "<a href='/caf\xE9?\xE9'>", "windows-1252", "http://h.test/caf%C3%A9?%E9" },
		{ "<a href=v>", NULL, "http://h.test/d/v" },
	};
	struct collect c = { 0 };
	struct weft_html *h = NULL;
	REQUIRE(weft_html_new(&h, PAGE, NULL, collect_fn, &c) == WEFT_OK);
	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
			CHECK_INT(weft_html_reset(h, PAGE, pages[i].charset, collect_fn, &c),
				  WEFT_OK);
			const char *d = pages[i].doc;
			size_t n = d[0] == '\xFF' ? 22 : strlen(d);
			CHECK_INT(weft_html_feed(h, d, n), WEFT_OK);
			if (round == 2 && i % 2) /* abandoned: never finished */
				continue;
			CHECK_INT(weft_html_finish(h), WEFT_OK);
			const char *got = c.links.n ? c.links.v[c.links.n - 1] : "";
			CHECK_STR(got, pages[i].want);
			strlist_free(&c.links);
			c = (struct collect){ 0 };
		}
	CHECK_INT(weft_html_reset(h, "not a url", NULL, collect_fn, &c), WEFT_E_INVAL);
	CHECK_INT(weft_html_feed(h, "<a href=x>", 10), WEFT_E_INVAL);
	CHECK_INT(weft_html_finish(h), WEFT_E_INVAL);
	CHECK_INT(weft_html_reset(h, NULL, NULL, NULL, &c), WEFT_E_INVAL);
	CHECK_INT(weft_html_reset(NULL, PAGE, NULL, collect_fn, &c), WEFT_E_INVAL);
	CHECK_INT(weft_html_reset(h, PAGE, NULL, collect_fn, &c), WEFT_OK);
	CHECK_INT(weft_html_feed(h, "<a href=x>", 10), WEFT_OK);
	CHECK_INT(weft_html_finish(h), WEFT_OK);
	CHECK_INT(c.links.n, 1);
	strlist_free(&c.links);
	weft_html_free(&h);
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
	 * HTTP charset the extractor need not wait for 1024 bytes to sniff the encoding; after
	 * the <base> and some text no link can be dropped any more, so links go out at once.)
	 */
	struct collect s = { .stop_after = 2 };
	const char three[] = "<base href=http://x.test/>Text<a href=1><a href=2><a href=3>";
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
	RUN(test_attr_values);
	RUN(test_elements);
	RUN(test_base);
	RUN(test_base_overflow);
	RUN(test_tags_and_attributes);
	RUN(test_raw_text);
	RUN(test_comments);
	RUN(test_foreign);
	RUN(test_template_frameset);
	RUN(test_eof);
	RUN(test_value_cap);
	RUN(test_ascii_safety);
	RUN(test_encodings_tokenized);
	RUN(test_reset);
	RUN(test_encoding_in_document);
	RUN(test_api);
	weft_global_cleanup();
	return check_report();
}
