/*
 * fuzz_decode.c -- libFuzzer target for charset decoding (src/extract/decode.c) and encoding
 * sniffing (src/extract/encoding.c). The first byte picks an encoding label, the second a chunk
 * size (and its top bit how the end is marked); the rest is the text. Checks:
 *  - the decoder's output is valid UTF-8 (no surrogates, nothing above U+10FFFF, shortest
 *    form), whatever the input;
 *  - decoding in one piece, in chunks of a fuzzed size and byte by byte (the end marked on
 *    the last chunk or by an empty final call, as html.c does) give the same output
 *    (a sequence cut between chunks is carried, never lost or doubled); the same after
 *    weft__dec_restart(), and again with no restart after a final chunk (as html.c decodes
 *    attribute values);
 *  - for iconv encodings, weft__dec_step() on every position returns -1..4;
 *  - sniffing (BOM, prescan, default) on the text returns an encoding whose name is a label
 *    of itself, and never reads past the input.
 * Any violation aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft.h>

#include "extract/extract_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const labels[] = {
	"utf-8", "windows-1252", "utf-16le", "utf-16be", "x-user-defined", "replacement",
	"iso-2022-jp", "shift_jis", "euc-jp", "euc-kr", "big5", "gbk", "gb18030", "koi8-r",
	"windows-1258", "iso-8859-2", "macintosh", "windows-874", "ibm866", "x-mac-cyrillic",
	"iso-8859-8-i", "windows-1251", "koi8-u", "iso-8859-6",
};

struct out {
	char *p;
	size_t n, cap;
};

static void fail(const char *what, const char *label)
{
	fprintf(stderr, "fuzz_decode: %s: %s\n", label, what);
	abort();
}

static int sink(void *arg, const char *buf, size_t len)
{
	struct out *o = arg;
	if (len == 0)
		return 0;
	if (o->cap - o->n < len) {
		size_t cap = (o->cap + len) * 2;
		char *np = realloc(o->p, cap);
		if (!np)
			abort();
		o->p = np;
		o->cap = cap;
	}
	memcpy(o->p + o->n, buf, len);
	o->n += len;
	return 0;
}

/* Strict UTF-8 validation (RFC 3629). */
static int valid_utf8(const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = p[i];
		size_t len;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			len = 2, cp = c & 0x1F, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			len = 3, cp = c & 0x0F, min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return 0;
		}
		if (n - i < len)
			return 0;
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += len;
	}
	return 1;
}

/* Decode p[0..n) in chunks; the end is marked on the last chunk or (as html.c's finish does)
 * by an empty final call. */
static void decode(struct weft__dec *d, const unsigned char *p, size_t n, size_t chunk,
		   bool empty_final, struct out *o, const char *label)
{
	size_t off = 0;
	do {
		size_t c = n - off < chunk ? n - off : chunk;
		if (weft__dec_run(d, p + off, c, off + c == n && !empty_final, sink, o) != 0)
			fail("weft__dec_run failed", label);
		off += c;
	} while (off < n);
	if (empty_final && weft__dec_run(d, NULL, 0, true, sink, o) != 0)
		fail("weft__dec_run failed (empty final call)", label);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	const char *label = labels[data[0] % (sizeof(labels) / sizeof(labels[0]))];
	size_t chunk = 1 + data[1] % 17;
	const unsigned char *p = data + 2;
	size_t n = size - 2;

	const struct weft__enc *enc = weft__enc_for_label(label, strlen(label));
	if (!enc)
		fail("label unknown", label);
	struct weft__dec d;
	if (weft__dec_init(&d, enc) != WEFT_OK)
		fail("weft__dec_init failed", label);
	struct out whole = { 0 }, chunks = { 0 }, bytes = { 0 }, again = { 0 };
	decode(&d, p, n, n ? n : 1, false, &whole, label);
	weft__dec_restart(&d);
	decode(&d, p, n, chunk, (data[1] & 0x80) != 0, &chunks, label);
	weft__dec_restart(&d);
	decode(&d, p, n, 1, true, &bytes, label);
	/*
	 * A decoder reused without restart after a final chunk starts clean too: html.c decodes
	 * every kept attribute value this way. (Not the replacement encoding, whose one U+FFFD
	 * is per document; its documents have no values.)
	 */
	decode(&d, p, n, n ? n : 1, false, &again, label);
	if (!valid_utf8((const unsigned char *)whole.p, whole.n))
		fail("output is not valid UTF-8", label);
	if (chunks.n != whole.n || (whole.n && memcmp(chunks.p, whole.p, whole.n) != 0))
		fail("chunked output differs from whole", label);
	if (bytes.n != whole.n || (whole.n && memcmp(bytes.p, whole.p, whole.n) != 0))
		fail("byte-by-byte output differs from whole", label);
	if (enc->kind != WEFT__ENC_REPLACEMENT &&
	    (again.n != whole.n || (whole.n && memcmp(again.p, whole.p, whole.n) != 0)))
		fail("second document differs from first", label);
	if (enc->kind == WEFT__ENC_ICONV) {
		for (size_t i = 0; i < n && i < 64; i++) {
			size_t k = n - i < 4 ? n - i : 4;
			int s = weft__dec_step(&d, p + i, k);
			if (s < -1 || s > (int)k)
				fail("weft__dec_step out of range", label);
		}
	}
	weft__dec_fini(&d);
	free(whole.p);
	free(chunks.p);
	free(bytes.p);
	free(again.p);

	/* Sniffing over an exact-size copy of the text, as final and as a first chunk. */
	for (int final = 0; final < 2; final++) {
		size_t bom = 0;
		const struct weft__enc *e = weft__enc_sniff(p, n, final, enc, &bom);
		const struct weft__enc *e2 = weft__enc_sniff(p, n, final, NULL, &bom);
		if (!e || !e2 || bom > n)
			fail("sniff returned nothing", label);
		if (weft__enc_for_label(e2->name, strlen(e2->name)) != e2)
			fail("sniffed encoding's name is not its label", e2->name);
		(void)weft__enc_output_name(e2);
	}
	const struct weft__enc *m = weft__enc_prescan(p, n);
	if (m && weft__enc_for_label(m->name, strlen(m->name)) != m)
		fail("prescanned encoding's name is not its label", m->name);
	const struct weft__enc *byl = weft__enc_for_label((const char *)p, n);
	if (byl && weft__enc_for_label(byl->name, strlen(byl->name)) != byl)
		fail("label's encoding's name is not its label", byl->name);
	return 0;
}
