/*
 * decode.c -- bytes in the document's encoding to valid UTF-8, streaming.
 *
 * UTF-8, UTF-16, windows-1252 and x-user-defined are decoded here, per the Encoding Standard
 * (an invalid sequence becomes U+FFFD; for UTF-8 the "maximal subpart" rule). Other legacy
 * encodings go through glibc iconv with the names encoding.c chose; a byte iconv rejects becomes
 * U+FFFD and decoding resumes at the next byte. A sequence cut by the end of a chunk is kept in
 * `carry` until the next chunk. Output is always valid UTF-8.
 *
 * The extractor decodes whole documents only in the encodings it cannot tokenize raw (UTF-16,
 * ISO-2022-JP); otherwise it decodes only the attribute values it keeps (see extract_int.h).
 *
 * A decoder belongs to one extractor and so to one thread.
 */
#include <errno.h>
#include <iconv.h>
#include <string.h>

#include <weft.h>

#include "extract/extract_int.h"

#define OUT_CAP 8192
#define REPLACEMENT 0xFFFDu

/* Output in pieces of up to OUT_CAP bytes. */
struct out {
	char buf[OUT_CAP];
	size_t n;
	weft__sink_fn *sink;
	void *arg;
	int rc;
};

static const uint16_t c1_1252[32] = {
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

uint32_t weft__cp1252_c1(unsigned b)
{
	return b >= 0x80 && b <= 0x9F ? c1_1252[b - 0x80] : b;
}

size_t weft__utf8_put(char *out, uint32_t cp)
{
	unsigned char *o = (unsigned char *)out;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

static void flush(struct out *o)
{
	if (o->n && !o->rc)
		o->rc = o->sink(o->arg, o->buf, o->n);
	o->n = 0;
}

static void put_bytes(struct out *o, const unsigned char *p, size_t n)
{
	while (n && !o->rc) {
		size_t k = OUT_CAP - o->n < n ? OUT_CAP - o->n : n;
		memcpy(o->buf + o->n, p, k);
		o->n += k;
		p += k;
		n -= k;
		if (o->n == OUT_CAP)
			flush(o);
	}
}

static void put_cp(struct out *o, uint32_t cp)
{
	if (o->n + 4 > OUT_CAP)
		flush(o);
	o->n += weft__utf8_put(o->buf + o->n, cp);
}

/*
 * Length of the valid UTF-8 sequence at p[0..n), 0 when invalid (then *bad is the length of
 * the maximal subpart to replace by one U+FFFD), or -1 when p ends inside a valid prefix.
 */
static int utf8_seq(const unsigned char *p, size_t n, size_t *bad)
{
	unsigned c = p[0];
	size_t need = c < 0x80 ? 0 : c >= 0xC2 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2
		: c >= 0xF0 && c <= 0xF4 ? 3 : 9;
	*bad = 1;
	if (need == 9)
		return 0;
	unsigned lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
	unsigned hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
	for (size_t k = 1; k <= need; k++) {
		if (k >= n)
			return -1;
		if (p[k] < (k == 1 ? lo : 0x80) || p[k] > (k == 1 ? hi : 0xBF)) {
			*bad = k;
			return 0;
		}
	}
	return (int)need + 1;
}

/* UTF-8: copy valid runs, replace invalid subparts; returns the bytes consumed. */
static size_t run_utf8(struct out *o, const unsigned char *p, size_t n, bool final)
{
	size_t i = 0, start = 0;
	while (i < n && !o->rc) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		size_t bad;
		int len = utf8_seq(p + i, n - i, &bad);
		if (len > 0) {
			i += (size_t)len;
			continue;
		}
		put_bytes(o, p + start, i - start);
		if (len < 0 && !final)
			return i;
		put_cp(o, REPLACEMENT);
		i += len < 0 ? n - i : bad;
		start = i;
	}
	put_bytes(o, p + start, i - start);
	return i;
}

static size_t run_utf16(struct out *o, const unsigned char *p, size_t n, bool final, bool be)
{
	size_t i = 0;
	while (i + 2 <= n && !o->rc) {
		uint32_t u = be ? (uint32_t)(p[i] << 8 | p[i + 1])
				: (uint32_t)(p[i + 1] << 8 | p[i]);
		if (u < 0xD800 || u > 0xDFFF) {
			put_cp(o, u);
			i += 2;
			continue;
		}
		if (u >= 0xDC00) { /* a lone trail surrogate */
			put_cp(o, REPLACEMENT);
			i += 2;
			continue;
		}
		if (i + 4 > n) {
			if (!final)
				return i;
			put_cp(o, REPLACEMENT);
			i += 2;
			continue;
		}
		uint32_t t = be ? (uint32_t)(p[i + 2] << 8 | p[i + 3])
				: (uint32_t)(p[i + 3] << 8 | p[i + 2]);
		if (t < 0xDC00 || t > 0xDFFF) { /* lead without trail: the next unit stays */
			put_cp(o, REPLACEMENT);
			i += 2;
			continue;
		}
		put_cp(o, 0x10000 + ((u - 0xD800) << 10) + (t - 0xDC00));
		i += 4;
	}
	if (i < n && final) {
		put_cp(o, REPLACEMENT);
		i = n;
	}
	return i;
}

/* windows-1252 and x-user-defined: one byte, one code point. */
static size_t run_single(struct out *o, const unsigned char *p, size_t n, bool user)
{
	size_t i = 0, start = 0;
	for (; i < n && !o->rc; i++) {
		if (p[i] < 0x80)
			continue;
		put_bytes(o, p + start, i - start);
		put_cp(o, user ? 0xF700u + p[i] : weft__cp1252_c1(p[i]));
		start = i + 1;
	}
	put_bytes(o, p + start, i - start);
	return i;
}

static size_t run_iconv(struct weft__dec *d, struct out *o, const unsigned char *p, size_t n,
			bool final)
{
	char *in = (char *)(uintptr_t)p;
	size_t left = n;
	while (left && !o->rc) {
		if (OUT_CAP - o->n < 16)
			flush(o);
		char *op = o->buf + o->n;
		size_t room = OUT_CAP - o->n;
		size_t r = iconv((iconv_t)d->cd, &in, &left, &op, &room);
		o->n = OUT_CAP - room;
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		if (errno == EINVAL && !final)
			break; /* incomplete: wait for more */
		put_cp(o, REPLACEMENT);
		in++;
		left--;
	}
	if (final && left == 0 && !o->rc) {
		/*
		 * Flush what the converter holds back: glibc's windows-1258 keeps the last base
		 * character until it knows no combining mark follows.
		 */
		if (OUT_CAP - o->n < 16)
			flush(o);
		char *op = o->buf + o->n;
		size_t room = OUT_CAP - o->n;
		iconv((iconv_t)d->cd, NULL, NULL, &op, &room);
		o->n = OUT_CAP - room;
	}
	return n - left;
}

int weft__dec_step(struct weft__dec *d, const unsigned char *p, size_t n)
{
	char out[32], *op = out;
	char *in = (char *)(uintptr_t)p;
	size_t left = n, room = sizeof(out);
	iconv((iconv_t)d->cd, NULL, NULL, NULL, NULL);
	size_t r = iconv((iconv_t)d->cd, &in, &left, &op, &room);
	if (left < n)
		return (int)(n - left);
	if (r != (size_t)-1)
		return (int)n; /* nothing to convert (n == 0) */
	return errno == EINVAL ? -1 : 0;
}

void weft__dec_restart(struct weft__dec *d)
{
	d->n_carry = 0;
	d->replaced = false;
	if (d->cd)
		iconv((iconv_t)d->cd, NULL, NULL, NULL, NULL);
}

int weft__dec_init(struct weft__dec *d, const struct weft__enc *enc)
{
	memset(d, 0, sizeof(*d));
	d->enc = enc;
	if (enc->kind != WEFT__ENC_ICONV)
		return WEFT_OK;
	iconv_t cd = iconv_open("UTF-8", enc->iconv);
	if (cd == (iconv_t)-1)
		return errno == ENOMEM ? WEFT_E_NOMEM : WEFT_E_UNSUPPORTED;
	d->cd = cd;
	return WEFT_OK;
}

void weft__dec_fini(struct weft__dec *d)
{
	if (d->cd)
		iconv_close((iconv_t)d->cd);
	d->cd = NULL;
}

/* Decode p[0..n) with the decoder's encoding; returns the bytes consumed. */
static size_t run_any(struct weft__dec *d, struct out *o, const unsigned char *p, size_t n,
		      bool final)
{
	switch (d->enc->kind) {
	case WEFT__ENC_UTF8:
		return run_utf8(o, p, n, final);
	case WEFT__ENC_1252:
		return run_single(o, p, n, false);
	case WEFT__ENC_USER:
		return run_single(o, p, n, true);
	case WEFT__ENC_UTF16LE:
		return run_utf16(o, p, n, final, false);
	case WEFT__ENC_UTF16BE:
		return run_utf16(o, p, n, final, true);
	case WEFT__ENC_REPLACEMENT:
		if (n && !d->replaced) {
			put_cp(o, REPLACEMENT);
			d->replaced = true;
		}
		return n;
	case WEFT__ENC_ICONV:
		return run_iconv(d, o, p, n, final);
	}
	return n;
}

/*
 * Finish the sequence left in carry with bytes from in; returns the input bytes used. Feeds
 * carry + a few input bytes at a time until the carried sequence is consumed.
 */
static size_t run_carry(struct weft__dec *d, struct out *o, const unsigned char *in, size_t n,
			bool final)
{
	size_t used = 0;
	while (d->n_carry && !o->rc) {
		unsigned char tmp[sizeof(d->carry) * 2];
		size_t add = n - used < sizeof(d->carry) ? n - used : sizeof(d->carry);
		memcpy(tmp, d->carry, d->n_carry);
		if (add)
			memcpy(tmp + d->n_carry, in + used, add);
		size_t total = d->n_carry + add;
		size_t done = run_any(d, o, tmp, total, final && used + add == n);
		if (done < d->n_carry) {
			/*
			 * Still incomplete: what was not decoded joins the carry. Not the `done`
			 * bytes that were (glibc's ISO-2022-JP passes a lone ESC through once it
			 * sees enough bytes after it): they went out already.
			 */
			total -= done;
			if (total > sizeof(d->carry))
				total = sizeof(d->carry); /* never: sequences are <= 4 bytes */
			memmove(d->carry, tmp + done, total);
			d->n_carry = total;
			return n;
		}
		used += done - d->n_carry;
		d->n_carry = 0;
	}
	return used;
}

int weft__dec_run(struct weft__dec *d, const unsigned char *in, size_t n, bool final,
		  weft__sink_fn *sink, void *arg)
{
	struct out o; /* not `= { ... }`: that would clear the whole buffer on every call */
	o.n = 0;
	o.sink = sink;
	o.arg = arg;
	o.rc = 0;
	size_t used = run_carry(d, &o, in, n, final);
	if (!d->n_carry && used < n && !o.rc) {
		size_t done = run_any(d, &o, in + used, n - used, final);
		size_t rest = n - used - done;
		if (rest > sizeof(d->carry)) /* cannot happen: incomplete sequences are short */
			rest = sizeof(d->carry);
		memcpy(d->carry, in + used + done, rest);
		d->n_carry = rest;
	} else if (!d->n_carry && final && d->enc->kind == WEFT__ENC_ICONV && !o.rc) {
		run_iconv(d, &o, in, 0, true); /* an empty final call: flush what iconv holds */
	}
	flush(&o);
	return o.rc;
}
