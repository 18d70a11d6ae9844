/*
 * encoding.c -- which character encoding a document is in, decided the way browsers do.
 *
 * The labels are the WHATWG Encoding Standard's. Sniffing follows the HTML Standard's
 * "encoding sniffing algorithm": a BOM wins over everything (also over the HTTP charset: the
 * Encoding Standard's decode() lets a BOM override any label), then the transport charset, then
 * the <meta> prescan of the first 1024 bytes, then a default. The default is UTF-8 unless the
 * first 1024 bytes are not valid UTF-8, in which case windows-1252 (what the HTML Standard
 * suggests for unlabelled documents and what browsers' detectors conclude for legacy pages).
 *
 * Everything here is pure functions over constant tables: safe from any thread.
 */
#include <stdlib.h>
#include <string.h>

#include <weft.h>

#include "extract/extract_int.h"

/* The encodings, indexed by enum enc_id. */
enum enc_id {
	E_UTF8, E_IBM866, E_8859_2, E_8859_3, E_8859_4, E_8859_5, E_8859_6, E_8859_7, E_8859_8,
	E_8859_8I, E_8859_10, E_8859_13, E_8859_14, E_8859_15, E_8859_16, E_KOI8R, E_KOI8U,
	E_MAC, E_874, E_1250, E_1251, E_1252, E_1253, E_1254, E_1255, E_1256, E_1257, E_1258,
	E_MACCYR, E_GBK, E_GB18030, E_BIG5, E_EUCJP, E_2022JP, E_SJIS, E_EUCKR, E_REPL,
	E_U16BE, E_U16LE, E_USER,
};

/* Legacy encodings through iconv: tokenized raw, or with care for trail bytes, or decoded. */
#define ICONV(id, name, cs) [id] = { name, WEFT__ENC_ICONV, cs, WEFT__TOK_RAW }
#define ICONV_TRAIL(id, name, cs) [id] = { name, WEFT__ENC_ICONV, cs, WEFT__TOK_RAW_TRAIL }
#define ICONV_DECODE(id, name, cs) [id] = { name, WEFT__ENC_ICONV, cs, WEFT__TOK_DECODE }

static const struct weft__enc encs[] = {
	[E_UTF8] = { "utf-8", WEFT__ENC_UTF8, NULL, WEFT__TOK_RAW },
	ICONV(E_IBM866, "ibm866", "IBM866"),
	ICONV(E_8859_2, "iso-8859-2", "ISO-8859-2"),
	ICONV(E_8859_3, "iso-8859-3", "ISO-8859-3"),
	ICONV(E_8859_4, "iso-8859-4", "ISO-8859-4"),
	ICONV(E_8859_5, "iso-8859-5", "ISO-8859-5"),
	ICONV(E_8859_6, "iso-8859-6", "ISO-8859-6"),
	ICONV(E_8859_7, "iso-8859-7", "ISO-8859-7"),
	ICONV(E_8859_8, "iso-8859-8", "ISO-8859-8"),
	ICONV(E_8859_8I, "iso-8859-8-i", "ISO-8859-8"),
	ICONV(E_8859_10, "iso-8859-10", "ISO-8859-10"),
	ICONV(E_8859_13, "iso-8859-13", "ISO-8859-13"),
	ICONV(E_8859_14, "iso-8859-14", "ISO-8859-14"),
	ICONV(E_8859_15, "iso-8859-15", "ISO-8859-15"),
	ICONV(E_8859_16, "iso-8859-16", "ISO-8859-16"),
	ICONV(E_KOI8R, "koi8-r", "KOI8-R"),
	ICONV(E_KOI8U, "koi8-u", "KOI8-U"),
	ICONV(E_MAC, "macintosh", "MACINTOSH"),
	ICONV(E_874, "windows-874", "CP874"),
	ICONV(E_1250, "windows-1250", "CP1250"),
	ICONV(E_1251, "windows-1251", "CP1251"),
	[E_1252] = { "windows-1252", WEFT__ENC_1252, NULL, WEFT__TOK_RAW },
	ICONV(E_1253, "windows-1253", "CP1253"),
	ICONV(E_1254, "windows-1254", "CP1254"),
	ICONV(E_1255, "windows-1255", "CP1255"),
	ICONV(E_1256, "windows-1256", "CP1256"),
	ICONV(E_1257, "windows-1257", "CP1257"),
	ICONV(E_1258, "windows-1258", "CP1258"),
	ICONV(E_MACCYR, "x-mac-cyrillic", "MAC-CYRILLIC"),
	/* The Encoding Standard's GBK decoder is its gb18030 decoder. */
	ICONV_TRAIL(E_GBK, "gbk", "GB18030"),
	ICONV_TRAIL(E_GB18030, "gb18030", "GB18030"),
	ICONV_TRAIL(E_BIG5, "big5", "BIG5-HKSCS"),
	ICONV(E_EUCJP, "euc-jp", "EUC-JP"),
	ICONV_DECODE(E_2022JP, "iso-2022-jp", "ISO-2022-JP"),
	/* WHATWG Shift_JIS is Windows-31J: 0x5C is '\', not YEN SIGN as in glibc's SHIFT_JIS. */
	ICONV_TRAIL(E_SJIS, "shift_jis", "CP932"),
	ICONV(E_EUCKR, "euc-kr", "CP949"),
	[E_REPL] = { "replacement", WEFT__ENC_REPLACEMENT, NULL, WEFT__TOK_NONE },
	[E_U16BE] = { "utf-16be", WEFT__ENC_UTF16BE, NULL, WEFT__TOK_DECODE },
	[E_U16LE] = { "utf-16le", WEFT__ENC_UTF16LE, NULL, WEFT__TOK_DECODE },
	[E_USER] = { "x-user-defined", WEFT__ENC_USER, NULL, WEFT__TOK_RAW },
};

struct label {
	const char *label;
	unsigned char id;
};

/* The Encoding Standard's labels, sorted in byte order for bsearch. */
static const struct label labels[] = {
	{ "866", E_IBM866 }, { "ansi_x3.4-1968", E_1252 }, { "arabic", E_8859_6 },
	{ "ascii", E_1252 }, { "asmo-708", E_8859_6 }, { "big5", E_BIG5 },
	{ "big5-hkscs", E_BIG5 }, { "chinese", E_GBK }, { "cn-big5", E_BIG5 },
	{ "cp1250", E_1250 }, { "cp1251", E_1251 }, { "cp1252", E_1252 }, { "cp1253", E_1253 },
	{ "cp1254", E_1254 }, { "cp1255", E_1255 }, { "cp1256", E_1256 }, { "cp1257", E_1257 },
	{ "cp1258", E_1258 }, { "cp819", E_1252 }, { "cp866", E_IBM866 },
	{ "csbig5", E_BIG5 }, { "cseuckr", E_EUCKR }, { "cseucpkdfmtjapanese", E_EUCJP },
	{ "csgb2312", E_GBK }, { "csibm866", E_IBM866 }, { "csiso2022jp", E_2022JP },
	{ "csiso2022kr", E_REPL }, { "csiso58gb231280", E_GBK }, { "csiso88596e", E_8859_6 },
	{ "csiso88596i", E_8859_6 }, { "csiso88598e", E_8859_8 }, { "csiso88598i", E_8859_8I },
	{ "csisolatin1", E_1252 }, { "csisolatin2", E_8859_2 }, { "csisolatin3", E_8859_3 },
	{ "csisolatin4", E_8859_4 }, { "csisolatin5", E_1254 }, { "csisolatin6", E_8859_10 },
	{ "csisolatin9", E_8859_15 }, { "csisolatinarabic", E_8859_6 },
	{ "csisolatincyrillic", E_8859_5 }, { "csisolatingreek", E_8859_7 },
	{ "csisolatinhebrew", E_8859_8 }, { "cskoi8r", E_KOI8R }, { "csksc56011987", E_EUCKR },
	{ "csmacintosh", E_MAC }, { "csshiftjis", E_SJIS }, { "csunicode", E_U16LE },
	{ "cyrillic", E_8859_5 }, { "dos-874", E_874 }, { "ecma-114", E_8859_6 },
	{ "ecma-118", E_8859_7 }, { "elot_928", E_8859_7 }, { "euc-jp", E_EUCJP },
	{ "euc-kr", E_EUCKR }, { "gb18030", E_GB18030 }, { "gb2312", E_GBK }, { "gb_2312", E_GBK },
	{ "gb_2312-80", E_GBK }, { "gbk", E_GBK }, { "greek", E_8859_7 }, { "greek8", E_8859_7 },
	{ "hebrew", E_8859_8 }, { "hz-gb-2312", E_REPL }, { "ibm819", E_1252 },
	{ "ibm866", E_IBM866 }, { "iso-10646-ucs-2", E_U16LE }, { "iso-2022-cn", E_REPL },
	{ "iso-2022-cn-ext", E_REPL }, { "iso-2022-jp", E_2022JP }, { "iso-2022-kr", E_REPL },
	{ "iso-8859-1", E_1252 }, { "iso-8859-10", E_8859_10 }, { "iso-8859-11", E_874 },
	{ "iso-8859-13", E_8859_13 }, { "iso-8859-14", E_8859_14 }, { "iso-8859-15", E_8859_15 },
	{ "iso-8859-16", E_8859_16 }, { "iso-8859-2", E_8859_2 }, { "iso-8859-3", E_8859_3 },
	{ "iso-8859-4", E_8859_4 }, { "iso-8859-5", E_8859_5 }, { "iso-8859-6", E_8859_6 },
	{ "iso-8859-6-e", E_8859_6 }, { "iso-8859-6-i", E_8859_6 }, { "iso-8859-7", E_8859_7 },
	{ "iso-8859-8", E_8859_8 }, { "iso-8859-8-e", E_8859_8 }, { "iso-8859-8-i", E_8859_8I },
	{ "iso-8859-9", E_1254 }, { "iso-ir-100", E_1252 }, { "iso-ir-101", E_8859_2 },
	{ "iso-ir-109", E_8859_3 }, { "iso-ir-110", E_8859_4 }, { "iso-ir-126", E_8859_7 },
	{ "iso-ir-127", E_8859_6 }, { "iso-ir-138", E_8859_8 }, { "iso-ir-144", E_8859_5 },
	{ "iso-ir-148", E_1254 }, { "iso-ir-149", E_EUCKR }, { "iso-ir-157", E_8859_10 },
	{ "iso-ir-58", E_GBK }, { "iso8859-1", E_1252 }, { "iso8859-10", E_8859_10 },
	{ "iso8859-11", E_874 }, { "iso8859-13", E_8859_13 }, { "iso8859-14", E_8859_14 },
	{ "iso8859-15", E_8859_15 }, { "iso8859-2", E_8859_2 }, { "iso8859-3", E_8859_3 },
	{ "iso8859-4", E_8859_4 }, { "iso8859-5", E_8859_5 }, { "iso8859-6", E_8859_6 },
	{ "iso8859-7", E_8859_7 }, { "iso8859-8", E_8859_8 }, { "iso8859-9", E_1254 },
	{ "iso88591", E_1252 }, { "iso885910", E_8859_10 }, { "iso885911", E_874 },
	{ "iso885913", E_8859_13 }, { "iso885914", E_8859_14 }, { "iso885915", E_8859_15 },
	{ "iso88592", E_8859_2 }, { "iso88593", E_8859_3 }, { "iso88594", E_8859_4 },
	{ "iso88595", E_8859_5 }, { "iso88596", E_8859_6 }, { "iso88597", E_8859_7 },
	{ "iso88598", E_8859_8 }, { "iso88599", E_1254 }, { "iso_8859-1", E_1252 },
	{ "iso_8859-15", E_8859_15 }, { "iso_8859-1:1987", E_1252 }, { "iso_8859-2", E_8859_2 },
	{ "iso_8859-2:1987", E_8859_2 }, { "iso_8859-3", E_8859_3 },
	{ "iso_8859-3:1988", E_8859_3 }, { "iso_8859-4", E_8859_4 },
	{ "iso_8859-4:1988", E_8859_4 }, { "iso_8859-5", E_8859_5 },
	{ "iso_8859-5:1988", E_8859_5 }, { "iso_8859-6", E_8859_6 },
	{ "iso_8859-6:1987", E_8859_6 }, { "iso_8859-7", E_8859_7 },
	{ "iso_8859-7:1987", E_8859_7 }, { "iso_8859-8", E_8859_8 },
	{ "iso_8859-8:1988", E_8859_8 }, { "iso_8859-9", E_1254 }, { "iso_8859-9:1989", E_1254 },
	{ "koi", E_KOI8R }, { "koi8", E_KOI8R }, { "koi8-r", E_KOI8R }, { "koi8-ru", E_KOI8U },
	{ "koi8-u", E_KOI8U }, { "koi8_r", E_KOI8R }, { "korean", E_EUCKR },
	{ "ks_c_5601-1987", E_EUCKR }, { "ks_c_5601-1989", E_EUCKR }, { "ksc5601", E_EUCKR },
	{ "ksc_5601", E_EUCKR }, { "l1", E_1252 }, { "l2", E_8859_2 }, { "l3", E_8859_3 },
	{ "l4", E_8859_4 }, { "l5", E_1254 }, { "l6", E_8859_10 }, { "l9", E_8859_15 },
	{ "latin1", E_1252 }, { "latin2", E_8859_2 }, { "latin3", E_8859_3 },
	{ "latin4", E_8859_4 }, { "latin5", E_1254 }, { "latin6", E_8859_10 },
	{ "logical", E_8859_8I }, { "mac", E_MAC }, { "macintosh", E_MAC },
	{ "ms932", E_SJIS }, { "ms_kanji", E_SJIS }, { "replacement", E_REPL },
	{ "shift-jis", E_SJIS }, { "shift_jis", E_SJIS }, { "sjis", E_SJIS },
	{ "sun_eu_greek", E_8859_7 }, { "tis-620", E_874 }, { "ucs-2", E_U16LE },
	{ "unicode", E_U16LE }, { "unicode-1-1-utf-8", E_UTF8 }, { "unicode11utf8", E_UTF8 },
	{ "unicode20utf8", E_UTF8 }, { "unicodefeff", E_U16LE }, { "unicodefffe", E_U16BE },
	{ "us-ascii", E_1252 }, { "utf-16", E_U16LE }, { "utf-16be", E_U16BE },
	{ "utf-16le", E_U16LE }, { "utf-8", E_UTF8 }, { "utf8", E_UTF8 },
	{ "visual", E_8859_8 }, { "windows-1250", E_1250 }, { "windows-1251", E_1251 },
	{ "windows-1252", E_1252 }, { "windows-1253", E_1253 }, { "windows-1254", E_1254 },
	{ "windows-1255", E_1255 }, { "windows-1256", E_1256 }, { "windows-1257", E_1257 },
	{ "windows-1258", E_1258 }, { "windows-31j", E_SJIS }, { "windows-874", E_874 },
	{ "windows-949", E_EUCKR }, { "x-cp1250", E_1250 }, { "x-cp1251", E_1251 },
	{ "x-cp1252", E_1252 }, { "x-cp1253", E_1253 }, { "x-cp1254", E_1254 },
	{ "x-cp1255", E_1255 }, { "x-cp1256", E_1256 }, { "x-cp1257", E_1257 },
	{ "x-cp1258", E_1258 }, { "x-euc-jp", E_EUCJP }, { "x-gbk", E_GBK },
	{ "x-mac-cyrillic", E_MACCYR }, { "x-mac-roman", E_MAC }, { "x-mac-ukrainian", E_MACCYR },
	{ "x-sjis", E_SJIS }, { "x-unicode20utf8", E_UTF8 }, { "x-user-defined", E_USER },
	{ "x-x-big5", E_BIG5 },
};

#define PRESCAN_MAX 1024
#define LABEL_MAX 64

static bool is_ws(unsigned c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static unsigned lower(unsigned c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int label_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct label *)elem)->label);
}

const struct weft__enc *weft__enc_for_label(const char *label, size_t len)
{
	while (len && is_ws((unsigned char)*label)) {
		label++;
		len--;
	}
	while (len && is_ws((unsigned char)label[len - 1]))
		len--;
	if (len == 0 || len >= LABEL_MAX)
		return NULL;
	char key[LABEL_MAX];
	for (size_t i = 0; i < len; i++)
		key[i] = (char)lower((unsigned char)label[i]);
	key[len] = '\0';
	const struct label *l = bsearch(key, labels, sizeof(labels) / sizeof(labels[0]),
					sizeof(labels[0]), label_cmp);
	return l ? &encs[l->id] : NULL;
}

const struct weft__enc *weft__enc_utf8(void)
{
	return &encs[E_UTF8];
}

const struct weft__enc *weft__enc_1252(void)
{
	return &encs[E_1252];
}

const struct weft__enc *weft__enc_bom(const unsigned char *p, size_t n, size_t *bom_len)
{
	*bom_len = 0;
	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
		*bom_len = 3;
		return &encs[E_UTF8];
	}
	if (n >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
		*bom_len = 2;
		return &encs[E_U16BE];
	}
	if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
		*bom_len = 2;
		return &encs[E_U16LE];
	}
	return NULL;
}

const char *weft__enc_output_name(const struct weft__enc *e)
{
	/* HTML "get an output encoding": UTF-16 and replacement documents use UTF-8 in URLs. */
	switch (e->kind) {
	case WEFT__ENC_UTF16LE:
	case WEFT__ENC_UTF16BE:
	case WEFT__ENC_REPLACEMENT:
		return encs[E_UTF8].name;
	default:
		return e->name;
	}
}

/* ---- The prescan ------------------------------------------------------------------------ */

/* A cursor over the prescan window. */
struct scan {
	const unsigned char *p;
	size_t n;
	size_t i;
};

/* One attribute of a tag, as the prescan's "get an attribute" algorithm reads it. */
struct attr {
	char name[LABEL_MAX];
	size_t n_name;
	char value[PRESCAN_MAX];
	size_t n_value;
};

static void attr_add(char *buf, size_t *n, size_t cap, unsigned c)
{
	/* Names longer than any we look for cannot match; keep a prefix that still won't. */
	if (*n < cap - 1)
		buf[(*n)++] = (char)lower(c);
}

static bool at_end(const struct scan *s)
{
	return s->i >= s->n;
}

/* The value part of "get an attribute" (steps 8-12); false when the window ends first. */
static bool attr_value(struct scan *s, struct attr *a)
{
	while (!at_end(s) && is_ws(s->p[s->i]))
		s->i++;
	if (at_end(s))
		return false;
	unsigned c = s->p[s->i];
	if (c == '"' || c == '\'') {
		for (s->i++; !at_end(s); s->i++) {
			if (s->p[s->i] == c) {
				s->i++;
				return true;
			}
			attr_add(a->value, &a->n_value, sizeof(a->value), s->p[s->i]);
		}
		return false;
	}
	if (c == '>')
		return true;
	for (; !at_end(s); s->i++) {
		c = s->p[s->i];
		if (is_ws(c) || c == '>')
			return true;
		attr_add(a->value, &a->n_value, sizeof(a->value), c);
	}
	return false;
}

/*
 * "Get an attribute": true with *a filled, or false when there is none (at '>') or the window
 * ended inside it.
 */
static bool get_attr(struct scan *s, struct attr *a)
{
	a->n_name = a->n_value = 0;
	while (!at_end(s) && (is_ws(s->p[s->i]) || s->p[s->i] == '/'))
		s->i++;
	if (at_end(s) || s->p[s->i] == '>')
		return false;
	for (;; s->i++) {
		if (at_end(s))
			return false;
		unsigned c = s->p[s->i];
		if (c == '=' && a->n_name > 0) {
			s->i++;
			return attr_value(s, a);
		}
		if (is_ws(c))
			break;
		if (c == '/' || c == '>')
			return true;
		attr_add(a->name, &a->n_name, sizeof(a->name), c);
	}
	while (!at_end(s) && is_ws(s->p[s->i]))
		s->i++;
	if (at_end(s))
		return false;
	if (s->p[s->i] != '=')
		return true;
	s->i++;
	return attr_value(s, a);
}

/* "Extracting a character encoding from a meta element" over a content attribute. */
static const struct weft__enc *from_content(const char *v, size_t n)
{
	size_t i = 0;
	for (;;) {
		const char *hit = NULL;
		for (; i + 7 <= n; i++)
			if (strncmp(v + i, "charset", 7) == 0) { /* v is lower-cased already */
				hit = v + i;
				break;
			}
		if (!hit)
			return NULL;
		i += 7;
		size_t j = i;
		while (j < n && is_ws((unsigned char)v[j]))
			j++;
		if (j >= n || v[j] != '=')
			continue;
		j++;
		while (j < n && is_ws((unsigned char)v[j]))
			j++;
		if (j >= n)
			return NULL;
		if (v[j] == '"' || v[j] == '\'') {
			const char *q = memchr(v + j + 1, v[j], n - j - 1);
			return q ? weft__enc_for_label(v + j + 1, (size_t)(q - v - j - 1)) : NULL;
		}
		size_t k = j;
		while (k < n && !is_ws((unsigned char)v[k]) && v[k] != ';')
			k++;
		return weft__enc_for_label(v + j, k - j);
	}
}

static bool attr_is(const struct attr *a, const char *name)
{
	return a->n_name == strlen(name) && memcmp(a->name, name, a->n_name) == 0;
}

/* The attributes of one <meta>: the encoding it declares, or NULL. s is past "<meta" + 1. */
static const struct weft__enc *meta_tag(struct scan *s)
{
	char seen[16][LABEL_MAX];
	size_t n_seen = 0;
	bool got_pragma = false;
	int need_pragma = -1; /* -1: null, 0: false, 1: true */
	const struct weft__enc *charset = NULL;
	struct attr a;
	while (get_attr(s, &a)) {
		bool dup = false;
		for (size_t k = 0; k < n_seen && !dup; k++)
			dup = strlen(seen[k]) == a.n_name && memcmp(seen[k], a.name, a.n_name) == 0;
		if (dup)
			continue;
		if (n_seen < 16) {
			memcpy(seen[n_seen], a.name, a.n_name);
			seen[n_seen++][a.n_name] = '\0';
		}
		if (attr_is(&a, "http-equiv")) {
			got_pragma |= a.n_value == 12 && memcmp(a.value, "content-type", 12) == 0;
		} else if (attr_is(&a, "content") && !charset) {
			charset = from_content(a.value, a.n_value);
			if (charset)
				need_pragma = 1;
		} else if (attr_is(&a, "charset")) {
			charset = weft__enc_for_label(a.value, a.n_value);
			need_pragma = 0;
		}
	}
	if (need_pragma < 0 || (need_pragma == 1 && !got_pragma) || !charset)
		return NULL;
	if (charset->kind == WEFT__ENC_UTF16LE || charset->kind == WEFT__ENC_UTF16BE)
		return &encs[E_UTF8];
	if (charset->kind == WEFT__ENC_USER)
		return &encs[E_1252];
	return charset;
}

static bool starts_ci(const struct scan *s, const char *lit)
{
	size_t n = strlen(lit);
	if (s->n - s->i < n)
		return false;
	for (size_t k = 0; k < n; k++)
		if (lower(s->p[s->i + k]) != (unsigned char)lit[k])
			return false;
	return true;
}

static bool is_alpha(unsigned c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* At "<" + ASCII letter or "</" + ASCII letter: a tag the prescan skips. */
static bool tag_open(const struct scan *s)
{
	size_t left = s->n - s->i;
	if (left < 2 || s->p[s->i] != '<')
		return false;
	if (is_alpha(s->p[s->i + 1]))
		return true;
	return left > 2 && s->p[s->i + 1] == '/' && is_alpha(s->p[s->i + 2]);
}

/* Skip a tag other than <meta> (the prescan reads and drops its attributes). */
static void skip_tag(struct scan *s)
{
	while (!at_end(s) && !is_ws(s->p[s->i]) && s->p[s->i] != '>')
		s->i++;
	struct attr a;
	while (get_attr(s, &a))
		;
}

/* Advance s->i to just past the next `c` (or to the end). */
static void skip_past(struct scan *s, unsigned char c)
{
	const unsigned char *q = memchr(s->p + s->i, c, s->n - s->i);
	s->i = q ? (size_t)(q - s->p) + 1 : s->n;
}

const struct weft__enc *weft__enc_prescan(const unsigned char *p, size_t n)
{
	struct scan s = { p, n < PRESCAN_MAX ? n : PRESCAN_MAX, 0 };
	while (!at_end(&s)) {
		if (s.p[s.i] != '<') { /* every case below starts at a '<' */
			const unsigned char *lt = memchr(s.p + s.i, '<', s.n - s.i);
			if (!lt)
				break;
			s.i = (size_t)(lt - s.p);
		}
		unsigned next = s.n - s.i > 1 ? lower(s.p[s.i + 1]) : 0;
		if (next == '!' && starts_ci(&s, "<!--")) {
			/* The first "-->" whose '>' comes after the "<!" ("<!-->" closes). */
			size_t j = s.i + 4;
			while (j < s.n &&
			       !(s.p[j] == '>' && s.p[j - 1] == '-' && s.p[j - 2] == '-'))
				j++;
			s.i = j + 1;
		} else if (next == 'm' && starts_ci(&s, "<meta") && s.n - s.i > 5 &&
			   (is_ws(s.p[s.i + 5]) || s.p[s.i + 5] == '/')) {
			s.i += 6;
			const struct weft__enc *e = meta_tag(&s);
			if (e)
				return e;
		} else if (tag_open(&s)) {
			skip_tag(&s);
		} else if (s.n - s.i > 1 && s.p[s.i] == '<' &&
			   (s.p[s.i + 1] == '!' || s.p[s.i + 1] == '/' || s.p[s.i + 1] == '?')) {
			skip_past(&s, '>');
			continue;
		} else {
			s.i++;
		}
	}
	return NULL;
}

/* True when p[0..n) is valid UTF-8, allowing a sequence cut by the end unless `final`. */
static bool valid_utf8(const unsigned char *p, size_t n, bool final)
{
	size_t i = 0;
	while (i < n) {
		if (p[i] < 0x80) { /* ASCII runs, a word at a time */
			uint64_t w;
			while (n - i >= 8 && (memcpy(&w, p + i, 8), (w & 0x8080808080808080u) == 0))
				i += 8;
			while (i < n && p[i] < 0x80)
				i++;
			continue;
		}
		unsigned c = p[i];
		size_t need = c < 0x80 ? 0 : c >= 0xC2 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2
			: c >= 0xF0 && c <= 0xF4 ? 3 : 9;
		if (need == 9)
			return false;
		unsigned lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
		unsigned hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
		for (size_t k = 1; k <= need; k++) {
			if (i + k >= n)
				return !final;
			unsigned b = p[i + k];
			if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF))
				return false;
		}
		i += need + 1;
	}
	return true;
}

const struct weft__enc *weft__enc_sniff(const unsigned char *p, size_t n, bool final,
					 const struct weft__enc *transport, size_t *bom_len)
{
	const struct weft__enc *e = weft__enc_bom(p, n, bom_len);
	if (e)
		return e;
	if (transport)
		return transport;
	if ((e = weft__enc_prescan(p, n)))
		return e;
	size_t m = n < PRESCAN_MAX ? n : PRESCAN_MAX;
	return valid_utf8(p, m, final && m == n) ? &encs[E_UTF8] : &encs[E_1252];
}
