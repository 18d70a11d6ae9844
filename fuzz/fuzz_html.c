/*
 * fuzz_html.c -- libFuzzer target for the HTML link extractor: the first two bytes choose an
 * HTTP charset and a split point, the rest is the document. It is extracted three times: in two
 * chunks cut at the split point, whole (on the same extractor, through weft_html_reset()), and
 * in small chunks of 1 to 8 bytes. Every link must come with the length of its NUL-terminated
 * URL and no fragment; extraction must not fail; and the three runs must give the same links
 * in the same order (chunking never changes the tokens). The same three runs go through the
 * link records (weft_html_new_sink(), resources and anchors on): every field must keep its
 * contract (NUL-terminated URL without '#', fragment inside raw, text at most
 * WEFT_LINK_TEXT_MAX bytes of valid UTF-8 without outer spaces, rel NUL-terminated, line >= 1),
 * the three record lists must be identical, and the navigation records' URLs and tags must be
 * the old callback's links. Any violation aborts.
 * tests/extract/fuzz_replay.c runs it without libFuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft.h>
#include <weft/extract.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const charsets[] = {
	NULL, "utf-8", "windows-1252", "shift_jis", "utf-16le", "utf-16be", "iso-2022-jp",
	"gb18030", "euc-kr", "replacement", "x-user-defined", "koi8-r", "bogus", "big5",
	"euc-jp", "windows-1258",
};

/* The links of one run: "tag url\n" lines. */
struct run {
	char *p;
	size_t n, cap;
};

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_html: %s\n", what);
	abort();
}

static int check_link(void *cookie, const char *url, size_t len, enum weft_link_tag tag)
{
	struct run *r = cookie;
	if (!url || strlen(url) != len || memchr(url, '#', len) ||
	    (unsigned)tag > WEFT_LINK_FRAME)
		fail("bad link callback");
	if (r->cap - r->n < len + 3) {
		size_t cap = (r->cap + len + 3) * 2;
		char *np = realloc(r->p, cap);
		if (!np)
			fail("out of memory");
		r->p = np;
		r->cap = cap;
	}
	r->p[r->n++] = (char)('0' + tag);
	r->p[r->n++] = ' ';
	memcpy(r->p + r->n, url, len);
	r->n += len;
	r->p[r->n++] = '\n';
	return 0;
}

static void put(struct run *r, const void *p, size_t n)
{
	if (r->cap - r->n < n + 1) {
		size_t cap = (r->cap + n + 1) * 2;
		char *np = realloc(r->p, cap);
		if (!np)
			fail("out of memory");
		r->p = np;
		r->cap = cap;
	}
	memcpy(r->p + r->n, p, n);
	r->n += n;
}

/* Records: every field, with its length, one record after the other. */
struct recs {
	struct run all; /* everything */
	struct run nav; /* "tag url\n" of the navigation records, as check_link() writes them */
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

static void put_field(struct run *r, const char *s, size_t n)
{
	put(r, &n, sizeof(n));
	put(r, s ? s : "", s ? n : 0);
}

static int check_record(void *cookie, const struct weft_link *l)
{
	struct recs *r = cookie;
	if (!l->url || strlen(l->url) != l->url_len || memchr(l->url, '#', l->url_len))
		fail("record: bad url");
	if ((!l->raw && l->raw_len) || (l->fragment && (l->fragment < l->raw ||
							 l->fragment + l->frag_len > l->raw + l->raw_len)))
		fail("record: bad raw or fragment");
	if (!l->text || l->text_len > WEFT_LINK_TEXT_MAX || !utf8_ok(l->text, l->text_len) ||
	    (l->text_len && (l->text[0] == ' ' || l->text[l->text_len - 1] == ' ')))
		fail("record: bad text");
	if ((l->rel && strlen(l->rel) != l->rel_len) || !l->tag || !l->attr || l->line == 0 ||
	    (l->kind != WEFT_LINK_NAV && l->kind != WEFT_LINK_RESOURCE))
		fail("record: bad rel, tag, attr, line or kind");
	put_field(&r->all, l->url, l->url_len);
	put_field(&r->all, l->raw, l->raw_len);
	put_field(&r->all, l->fragment, l->fragment ? l->frag_len : (size_t)-1);
	put_field(&r->all, l->text, l->text_len);
	put_field(&r->all, l->rel, l->rel ? l->rel_len : (size_t)-1);
	put_field(&r->all, l->tag, strlen(l->tag));
	put_field(&r->all, l->attr, strlen(l->attr));
	unsigned v[3] = { l->line, l->kind, l->nofollow };
	put(&r->all, v, sizeof(v));
	if (l->kind == WEFT_LINK_NAV) {
		static const char *const names[] = { "a", "area", "iframe", "frame" };
		unsigned t = 0;
		while (t < 4 && strcmp(names[t], l->tag) != 0)
			t++;
		if (t == 4)
			fail("record: a navigation record of another tag");
		char c = (char)('0' + t);
		put(&r->nav, &c, 1);
		put(&r->nav, " ", 1);
		put(&r->nav, l->url, l->url_len);
		put(&r->nav, "\n", 1);
	}
	return 0;
}

static int check_anchor(void *cookie, const char *id, size_t len)
{
	struct recs *r = cookie;
	if (!id || !len)
		fail("anchor: empty");
	put(&r->all, "#", 1);
	put_field(&r->all, id, len);
	return 0;
}

/* Feed doc[0..len) in chunks of sizes[k % n_sizes] bytes, then finish. */
static int feed(struct weft_html *h, const uint8_t *doc, size_t len, const size_t *sizes,
		size_t n_sizes)
{
	int rc = 0;
	for (size_t off = 0, k = 0; off < len && !rc; k++) {
		size_t c = sizes[k % n_sizes] < len - off ? sizes[k % n_sizes] : len - off;
		rc = weft_html_feed(h, doc + off, c);
		off += c;
	}
	return rc ? rc : weft_html_finish(h);
}

static bool same(const struct run *a, const struct run *b)
{
	return a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	if (!inited) { /* libFuzzer runs inputs on one thread */
		weft_global_init();
		inited = 1;
	}
	if (size < 2)
		return 0;
	const char *cs = charsets[data[0] % (sizeof(charsets) / sizeof(charsets[0]))];
	const char *page = "http://fuzz.test/a/b.html";
	size_t len = size - 2, split = len ? data[1] * len / 255 : 0;
	const uint8_t *doc = data + 2;
	struct run two = { 0 }, whole = { 0 }, small = { 0 };
	struct weft_html *h = NULL;
	if (weft_html_new(&h, page, cs, check_link, &two) != WEFT_OK)
		fail("weft_html_new failed");
	size_t all = len ? len : 1, halves[2] = { split, len - split };
	bool cut = split > 0 && split < len;
	if (feed(h, doc, len, cut ? halves : &all, cut ? 2 : 1) != WEFT_OK)
		fail("extraction failed (two chunks)");
	if (weft_html_reset(h, page, cs, check_link, &whole) != WEFT_OK)
		fail("weft_html_reset failed");
	if (feed(h, doc, len, &all, 1) != WEFT_OK)
		fail("extraction failed (whole)");
	weft_html_free(&h);
	size_t sizes[4] = { 1 + (data[1] & 7), 1, 1 + (data[0] >> 5), 2 };
	if (weft_html_new(&h, page, cs, check_link, &small) != WEFT_OK ||
	    feed(h, doc, len, sizes, 4) != WEFT_OK)
		fail("extraction failed (small chunks)");
	weft_html_free(&h);
	if (!same(&two, &whole) || !same(&small, &whole))
		fail("the links depend on the chunking");
	/* The same three runs through the records. */
	struct recs rtwo = { 0 }, rwhole = { 0 }, rsmall = { 0 };
	struct weft_html_sink sink = { check_record, check_anchor, &rtwo, true };
	if (weft_html_new_sink(&h, page, cs, &sink) != WEFT_OK)
		fail("weft_html_new_sink failed");
	if (feed(h, doc, len, cut ? halves : &all, cut ? 2 : 1) != WEFT_OK)
		fail("records: extraction failed (two chunks)");
	sink.cookie = &rwhole;
	if (weft_html_reset_sink(h, page, cs, &sink) != WEFT_OK)
		fail("weft_html_reset_sink failed");
	if (feed(h, doc, len, &all, 1) != WEFT_OK)
		fail("records: extraction failed (whole)");
	weft_html_free(&h);
	sink.cookie = &rsmall;
	if (weft_html_new_sink(&h, page, cs, &sink) != WEFT_OK || feed(h, doc, len, sizes, 4) != WEFT_OK)
		fail("records: extraction failed (small chunks)");
	weft_html_free(&h);
	if (!same(&rtwo.all, &rwhole.all) || !same(&rsmall.all, &rwhole.all))
		fail("the records depend on the chunking");
	if (!same(&rwhole.nav, &whole))
		fail("the navigation records are not the old callback's links");
	free(two.p);
	free(whole.p);
	free(small.p);
	free(rtwo.all.p), free(rtwo.nav.p), free(rwhole.all.p), free(rwhole.nav.p);
	free(rsmall.all.p), free(rsmall.nav.p);
	return 0;
}
