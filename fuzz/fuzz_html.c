/*
 * fuzz_html.c -- libFuzzer target for the HTML link extractor: the first two bytes choose an
 * HTTP charset and a split point, the rest is the document, fed in two chunks. Every link must
 * come with the length of its NUL-terminated URL and no fragment; extraction must not fail.
 * Any violation aborts. tests/extract/fuzz_replay.c runs it without libFuzzer.
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
	"gb18030", "euc-kr", "replacement", "x-user-defined", "koi8-r", "bogus",
};

static int check_link(void *cookie, const char *url, size_t len, enum weft_link_tag tag)
{
	(void)cookie;
	if (!url || strlen(url) != len || memchr(url, '#', len) ||
	    (unsigned)tag > WEFT_LINK_FRAME) {
		fprintf(stderr, "fuzz_html: bad link callback (len %zu, tag %d)\n", len, (int)tag);
		abort();
	}
	return 0;
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
	size_t len = size - 2, split = len ? data[1] * len / 255 : 0;
	const uint8_t *doc = data + 2;
	struct weft_html *h = NULL;
	if (weft_html_new(&h, "http://fuzz.test/a/b.html", cs, check_link, NULL) != WEFT_OK)
		abort();
	int rc = weft_html_feed(h, doc, split);
	if (!rc)
		rc = weft_html_feed(h, doc + split, len - split);
	if (!rc)
		rc = weft_html_finish(h);
	weft_html_free(&h);
	if (rc != WEFT_OK) {
		fprintf(stderr, "fuzz_html: extraction failed: %d\n", rc);
		abort();
	}
	return 0;
}
