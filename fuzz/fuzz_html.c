/*
 * fuzz_html.c -- libFuzzer target for the HTML link extractor: the first two bytes choose an
 * HTTP charset and a split point, the rest is the document. It is extracted three times: in two
 * chunks cut at the split point, whole (on the same extractor, through weft_html_reset()), and
 * in small chunks of 1 to 8 bytes. Every link must come with the length of its NUL-terminated
 * URL and no fragment; extraction must not fail; and the three runs must give the same links
 * in the same order (chunking never changes the tokens). Any violation aborts.
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
	free(two.p);
	free(whole.p);
	free(small.p);
	return 0;
}
