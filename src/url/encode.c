/*
 * encode.c -- percent-encoding for the WHATWG URL parser: the standard's percent-encode sets,
 * UTF-8 percent-encoding, "percent-encode after encoding" for the query of pages in a legacy
 * charset (glibc iconv), the WHATWG Encoding Standard's labels, and the UTF-8 decoder's
 * replacement of invalid input by U+FFFD.
 *
 * iconv is only used when a query has a non-ASCII code point and a legacy charset: every
 * charset here is ASCII-compatible, so ASCII needs no conversion. Each thread keeps its last
 * descriptor (a pthread key, closed when the thread exits): opening one per call would load and
 * unload glibc's gconv module each time. The opens and closes are serialised by one mutex
 * because glibc's dlopen locking is invisible to ThreadSanitizer; they are rare, so the lock is
 * not contended. No other state is shared between threads.
 */
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "url/url_internal.h"

#define C0 WEFT__PE_C0
#define FR WEFT__PE_FRAGMENT
#define QU WEFT__PE_QUERY
#define SQ WEFT__PE_SPECIAL_QUERY
#define PA WEFT__PE_PATH
#define UI WEFT__PE_USERINFO
#define ALL (C0 | FR | QU | SQ | PA | UI) /* C0 controls are in every set */

/*
 * Which sets each ASCII byte belongs to. The nesting: C0 < fragment; C0 < query <
 * special-query; query < path < userinfo.
 */
const uint8_t weft__pe_table[128] = {
	[0x00] = ALL, [0x01] = ALL, [0x02] = ALL, [0x03] = ALL, [0x04] = ALL, [0x05] = ALL,
	[0x06] = ALL, [0x07] = ALL, [0x08] = ALL, [0x09] = ALL, [0x0a] = ALL, [0x0b] = ALL,
	[0x0c] = ALL, [0x0d] = ALL, [0x0e] = ALL, [0x0f] = ALL, [0x10] = ALL, [0x11] = ALL,
	[0x12] = ALL, [0x13] = ALL, [0x14] = ALL, [0x15] = ALL, [0x16] = ALL, [0x17] = ALL,
	[0x18] = ALL, [0x19] = ALL, [0x1a] = ALL, [0x1b] = ALL, [0x1c] = ALL, [0x1d] = ALL,
	[0x1e] = ALL, [0x1f] = ALL, [0x7f] = ALL,
	[' '] = FR | QU | SQ | PA | UI,
	['"'] = FR | QU | SQ | PA | UI,
	['#'] = QU | SQ | PA | UI,
	['<'] = FR | QU | SQ | PA | UI,
	['>'] = FR | QU | SQ | PA | UI,
	['`'] = FR | PA | UI,
	['\''] = SQ,
	['?'] = PA | UI,
	['^'] = PA | UI,
	['{'] = PA | UI,
	['}'] = PA | UI,
	['/'] = UI, [':'] = UI, [';'] = UI, ['='] = UI, ['@'] = UI, ['['] = UI, ['\\'] = UI,
	[']'] = UI, ['|'] = UI,
};

static const char hexdig[] = "0123456789ABCDEF";

int weft__pe_append(struct weft__ubuf *out, const char *in, size_t len, enum weft__pe_set set)
{
	/* Worst case every byte triples; reserve once so the loop never checks capacity. */
	if (len > SIZE_MAX / 4 || weft__ubuf_reserve(out, len * 3) != 0)
		return WEFT_E_NOMEM;
	char *o = out->s + out->len;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (weft__pe_in(c, set)) {
			*o++ = '%';
			*o++ = hexdig[c >> 4];
			*o++ = hexdig[c & 15];
		} else {
			*o++ = (char)c;
		}
	}
	out->len = (size_t)(o - out->s);
	return WEFT_OK;
}

/* ---- UTF-8 ---- */

/*
 * Length of the well-formed UTF-8 sequence at s (1..4), or 0 when it is ill-formed; then *bad
 * gets the length of its maximal subpart (what one U+FFFD replaces), at least 1.
 */
static size_t utf8_seq(const unsigned char *s, size_t len, size_t *bad)
{
	unsigned char c = s[0];
	size_t need;
	unsigned char lo = 0x80, hi = 0xbf;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c >= 0xe0 && c <= 0xef)
		need = 2, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 3, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		need = 0;
	size_t i = 1;
	for (; need && i <= need; i++) {
		if (i >= len || s[i] < lo || s[i] > hi)
			break;
		lo = 0x80, hi = 0xbf;
	}
	if (need && i == need + 1)
		return need + 1;
	*bad = i;
	return 0;
}

size_t weft__utf8_valid_prefix(const unsigned char *s, size_t len)
{
	size_t i = 0, bad;
	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		size_t n = utf8_seq(s + i, len - i, &bad);
		if (!n)
			return i;
		i += n;
	}
	return len;
}

int weft__utf8_sanitize(struct weft__ubuf *out, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		size_t ok = i + weft__utf8_valid_prefix(u + i, len - i);
		if (weft__ubuf_add(out, s + i, ok - i) != 0)
			return WEFT_E_NOMEM;
		if (ok == len)
			break;
		size_t bad = 1;
		(void)utf8_seq(u + ok, len - ok, &bad);
		if (weft__ubuf_add(out, "\xef\xbf\xbd", 3) != 0)
			return WEFT_E_NOMEM;
		i = ok + bad;
	}
	return WEFT_OK;
}

/* Decode the valid UTF-8 sequence of n bytes at s. */
static uint32_t utf8_decode(const unsigned char *s, size_t n)
{
	static const unsigned char lead_mask[5] = {0, 0x7f, 0x1f, 0x0f, 0x07};
	uint32_t cp = s[0] & lead_mask[n];
	for (size_t i = 1; i < n; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	return cp;
}

/* ---- percent-encode after encoding ---- */

/* The calling thread's cached iconv descriptor. */
struct qcache {
	const char *charset; /* from the labels table: compared by address */
	iconv_t cd;
};

static pthread_mutex_t iconv_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t qkey_once = PTHREAD_ONCE_INIT;
static pthread_key_t qkey;
static bool qkey_ok;

static void qcache_free(void *p)
{
	struct qcache *q = p;
	pthread_mutex_lock(&iconv_mu);
	iconv_close(q->cd);
	pthread_mutex_unlock(&iconv_mu);
	free(q);
}

static void qkey_init(void)
{
	qkey_ok = pthread_key_create(&qkey, qcache_free) == 0;
}

/* This thread's descriptor from UTF-8 to charset, or (iconv_t)-1. */
static iconv_t cached_cd(const char *charset)
{
	pthread_once(&qkey_once, qkey_init);
	if (!qkey_ok)
		return (iconv_t)-1;
	struct qcache *q = pthread_getspecific(qkey);
	if (q && q->charset == charset)
		return q->cd;
	if (q) {
		pthread_setspecific(qkey, NULL);
		qcache_free(q);
	}
	if (!(q = malloc(sizeof *q)))
		return (iconv_t)-1;
	pthread_mutex_lock(&iconv_mu);
	q->cd = iconv_open(charset, "UTF-8");
	pthread_mutex_unlock(&iconv_mu);
	q->charset = charset;
	if (q->cd == (iconv_t)-1) {
		free(q);
		return (iconv_t)-1;
	}
	if (pthread_setspecific(qkey, q) != 0) {
		qcache_free(q);
		return (iconv_t)-1;
	}
	return q->cd;
}

/* A query encoder: the charset and its iconv descriptor, fetched at the first need. */
struct qenc {
	const char *charset;
	iconv_t cd;
	bool open;
};

/*
 * Where glibc's tables differ from the Encoding Standard's for code points pages do use: the
 * standard's windows-1252 maps the five C1 controls glibc leaves undefined to themselves, its
 * Shift_JIS encodes U+00A5 and U+203E as 0x5C and 0x7E, and its GBK encodes U+20AC as 0x80.
 * Returns the byte or -1.
 */
static int whatwg_fixup(const char *charset, uint32_t cp)
{
	if (strcmp(charset, "CP1252") == 0 && cp >= 0x80 && cp <= 0x9f)
		return (int)cp;
	if (strcmp(charset, "CP932") == 0 && (cp == 0xa5 || cp == 0x203e))
		return cp == 0xa5 ? 0x5c : 0x7e;
	if (strcmp(charset, "GBK") == 0 && cp == 0x20ac)
		return 0x80;
	return -1;
}

/*
 * Encode the code point s[0..n) (n UTF-8 bytes, value cp) to e's charset in dst (16 bytes).
 * Returns the byte count, 0 when the charset cannot represent it, or -1 when iconv is unusable.
 */
static int encode_cp(struct qenc *e, const char *s, size_t n, uint32_t cp, char *dst)
{
	if (!e->open) {
		e->cd = cached_cd(e->charset);
		if (e->cd == (iconv_t)-1)
			return -1;
		e->open = true;
	}
	char *ip = (char *)(uintptr_t)s, *op = dst;
	size_t il = n, ol = 16;
	size_t r = iconv(e->cd, &ip, &il, &op, &ol);
	if (r == (size_t)-1 || r > 0) {
		iconv(e->cd, NULL, NULL, NULL, NULL);
		int b = whatwg_fixup(e->charset, cp);
		if (b < 0)
			return 0;
		dst[0] = (char)b;
		return 1;
	}
	/* Flush a stateful encoder's shift sequence, so each code point stands alone. */
	if (iconv(e->cd, NULL, NULL, &op, &ol) == (size_t)-1)
		return 0;
	return (int)(op - dst);
}

/* Append one non-ASCII code point s[0..n) percent-encoded after encoding with e. */
static int append_legacy_cp(struct weft__ubuf *out, struct qenc *e, const char *s, size_t n,
			    enum weft__pe_set set)
{
	uint32_t cp = utf8_decode((const unsigned char *)s, n);
	char enc[16];
	int m = encode_cp(e, s, n, cp, enc);
	if (m < 0)
		return weft__pe_append(out, s, n, set); /* no iconv for it: fall back to UTF-8 */
	if (m == 0) {
		char ref[32];
		int k = snprintf(ref, sizeof ref, "%%26%%23%u%%3B", (unsigned)cp);
		return weft__ubuf_add(out, ref, (size_t)k);
	}
	return weft__pe_append(out, enc, (size_t)m, set);
}

int weft__pe_append_charset(struct weft__ubuf *out, const char *in, size_t len,
			    enum weft__pe_set set, const char *charset)
{
	if (!charset)
		return weft__pe_append(out, in, len, set);
	struct qenc e = {.charset = charset, .open = false};
	int rc = WEFT_OK;
	size_t i = 0;
	while (i < len && rc == WEFT_OK) {
		size_t run = i;
		while (run < len && (unsigned char)in[run] < 0x80)
			run++;
		rc = weft__pe_append(out, in + i, run - i, set);
		if (run == len || rc != WEFT_OK)
			break;
		size_t bad = 1;
		size_t n = utf8_seq((const unsigned char *)in + run, len - run, &bad);
		if (!n)
			n = bad; /* cannot happen on sanitised input; keep going safely */
		rc = append_legacy_cp(out, &e, in + run, n, set);
		i = run + n;
	}
	return rc;
}

/* ---- encoding labels ---- */

struct label {
	const char *label;
	const char *charset; /* iconv name; NULL: the output encoding is UTF-8 */
};

/* The Encoding Standard's labels, sorted by byte value (bsearch). */
static const struct label labels[] = {
#include "url/labels.inc"
};

static int label_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct label *)elem)->label);
}

const char *weft__url_charset(const char *label)
{
	if (!label || strcasecmp(label, "utf-8") == 0)
		return NULL; /* the common case, without the table */
	const char *ws = " \t\n\f\r";
	label += strspn(label, ws);
	size_t n = strlen(label);
	while (n && strchr(ws, label[n - 1]))
		n--;
	char low[24];
	if (n == 0 || n >= sizeof low)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char c = label[i];
		low[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	low[n] = '\0';
	const struct label *l = bsearch(low, labels, sizeof labels / sizeof labels[0],
					sizeof labels[0], label_cmp);
	return l ? l->charset : NULL;
}
