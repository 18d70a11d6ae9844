/*
 * normalize.c -- the normaliser between the decoder and libxml2.
 *
 * libxml2 2.9's HTML tokenizer predates HTML5. Some of its differences change which links a
 * page has, and can be fixed by rewriting the input without knowing the tokenizer state,
 * because the HTML Standard treats them the same in every state that can hold a link:
 *
 *  - NUL: libxml2 ends the attribute value at a NUL. HTML turns it into U+FFFD in tag names,
 *    attribute names and values, comments and script, so the normaliser does it everywhere.
 *  - CR and CRLF become LF (HTML's input stream preprocessing).
 *  - Character references: libxml2 knows only HTML 4's 253 names, needs the ';', and turns
 *    &#0;, &#x80;, surrogates and values past U+10FFFF into a NUL that cuts the value. Here every
 *    '&' is resolved per the HTML Standard's rules for attribute values (all 2,231 names, legacy
 *    names without ';' unless followed by '=' or an alphanumeric, numeric references with the
 *    windows-1252 remap of 0x80..0x9F and U+FFFD for 0, surrogates and overflow) and re-emitted
 *    as "&#xHEX;", which libxml2 decodes exactly; a literal '&' becomes "&#x26;". Text outside
 *    attribute values also changes, but no link depends on it: references never create markup.
 *
 * Three markup rewrites follow HTML5 where libxml2 does not. They look at '<' only, so they
 * also fire inside script, comments and attribute values; there they change text no link
 * depends on (libxml2 ignores script content; a comment ends at the same place), except in an
 * attribute value that holds the pattern literally, which no real URL does:
 *  - "<!-->" and "<!--->" are whole (empty) comments: they become "<!---->", which libxml2
 *    also closes (it would look for a later "-->").
 *  - In a start tag's name (after "<" and an ASCII letter), every byte libxml2 would not take
 *    as a name character becomes '_', so "<a\0 href>" stays an unknown element as in HTML5
 *    (libxml2 would read <a> and drop the rest as a bogus attribute). End tags are left alone:
 *    inside <script> libxml2 looks for "</script" and a changed end tag there could make it
 *    miss the real one.
 *  - "<a/href=x>": a '/' after the tag name and not before '>' separates attributes in HTML5;
 *    it becomes a space (libxml2 would drop "/href=x" as one bogus attribute).
 *
 * State survives between calls, so a reference cut by a chunk boundary resolves the same way.
 * A normaliser belongs to one extractor and so to one thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft.h>

#include "extract/extract_int.h"

/* Reference states (weft__norm.state). */
enum {
	S_DATA = 0,
	S_AMP,    /* after '&' */
	S_NAMED,  /* after '&' and alphanumerics (in ref) */
	S_HASH,   /* after "&#" */
	S_DIGITS, /* after "&#" or "&#x" and zero or more digits */
};

/* Markup states (weft__norm.mk). */
enum {
	M_DATA = 0,
	M_LT,       /* after '<' */
	M_BANG,     /* after "<!" */
	M_BANG1,    /* after "<!-" */
	M_BANG2,    /* after "<!--" */
	M_BANG3,    /* after "<!---" */
	M_NAME,     /* in a tag name */
	M_SLASH,    /* after a tag name and '/' */
};

#define NAME_MAX_LEN 31 /* the longest name without ';' ("CounterClockwiseContourIntegral") */
#define NUM_LIMIT 0x110000u

struct entity {
	const char *name;
	unsigned char len;
	uint32_t cp1, cp2;
	unsigned char legacy;
};

static const struct entity entities[] = {
#include "extract/entities.inc"
};

struct name_key {
	const char *s;
	size_t len;
};

static int entity_cmp(const void *key, const void *elem)
{
	const struct name_key *k = key;
	const struct entity *e = elem;
	size_t n = k->len < e->len ? k->len : e->len;
	int c = memcmp(k->s, e->name, n);
	if (c)
		return c;
	return k->len < e->len ? -1 : k->len > e->len;
}

int weft__entity(const char *name, size_t len, uint32_t cp[2], bool *legacy)
{
	struct name_key k = { name, len };
	const struct entity *e = bsearch(&k, entities, sizeof(entities) / sizeof(entities[0]),
					 sizeof(entities[0]), entity_cmp);
	if (!e)
		return 0;
	cp[0] = e->cp1;
	cp[1] = e->cp2;
	*legacy = e->legacy;
	return e->cp2 ? 2 : 1;
}

/* The sink and the error that stopped it travel with the normaliser for one call. */
struct run {
	struct weft__norm *z;
	weft__sink_fn *sink;
	void *arg;
	int rc;
};

static void flush(struct run *r)
{
	if (r->z->n_out && !r->rc)
		r->rc = r->sink(r->arg, r->z->out, r->z->n_out);
	r->z->n_out = 0;
}

static void emit(struct run *r, const char *p, size_t n)
{
	struct weft__norm *z = r->z;
	while (n && !r->rc) {
		size_t room = sizeof(z->out) - z->n_out;
		size_t k = n < room ? n : room;
		memcpy(z->out + z->n_out, p, k);
		z->n_out += k;
		p += k;
		n -= k;
		if (z->n_out == sizeof(z->out))
			flush(r);
	}
}

/* libxml2's IS_CHAR: the code points it accepts from a character reference. */
static bool xml_char(uint32_t c)
{
	return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
	       (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/* One decoded code point, in a form libxml2 turns back into exactly that code point. */
static void emit_cp(struct run *r, uint32_t cp)
{
	char buf[16];
	int n;
	if (xml_char(cp))
		n = snprintf(buf, sizeof(buf), "&#x%X;", (unsigned)cp);
	else /* C0 controls, U+FFFE, U+FFFF: libxml2 rejects them as references, not raw */
		n = (int)weft__utf8_put(buf, cp);
	emit(r, buf, (size_t)n);
}

static void emit_amp(struct run *r)
{
	emit(r, "&#x26;", 6);
}

/* HTML's "numeric character reference end state" mapping. */
static uint32_t numeric_value(uint32_t v)
{
	if (v == 0 || v >= NUM_LIMIT || (v >= 0xD800 && v <= 0xDFFF))
		return 0xFFFD;
	return weft__cp1252_c1(v);
}

static bool is_alnum(unsigned c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int hex_val(unsigned c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (int)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (int)(c - 'A' + 10);
	return -1;
}

/*
 * The end of a named reference at character t (-1 at end of input). Returns true when t was
 * consumed (the ';' of the reference).
 */
static bool end_named(struct run *r, int t)
{
	struct weft__norm *z = r->z;
	uint32_t cp[2];
	bool legacy = false;
	int n = weft__entity(z->ref, z->n_ref, cp, &legacy);
	z->state = S_DATA;
	if (n && (t == ';' || (legacy && t != '='))) {
		for (int i = 0; i < n; i++)
			emit_cp(r, cp[i]);
		return t == ';';
	}
	emit_amp(r);
	emit(r, z->ref, z->n_ref);
	return false;
}

/* The end of a numeric reference at character t; true when t was consumed. */
static bool end_numeric(struct run *r, int t)
{
	struct weft__norm *z = r->z;
	z->state = S_DATA;
	if (z->n_digits == 0) { /* "&#" or "&#x" without digits: not a reference */
		emit_amp(r);
		emit(r, z->ref, z->n_ref);
		return false;
	}
	emit_cp(r, numeric_value(z->num));
	return t == ';';
}

/* One character in a reference state; returns true when c was consumed. */
static bool step_ref(struct run *r, unsigned c)
{
	struct weft__norm *z = r->z;
	switch (z->state) {
	case S_AMP:
		if (c == '#') {
			z->state = S_HASH;
			z->ref[0] = '#';
			z->n_ref = 1;
			return true;
		}
		if (!is_alnum(c)) {
			z->state = S_DATA;
			emit_amp(r);
			return false;
		}
		z->state = S_NAMED;
		z->n_ref = 0;
		/* fall through */
	case S_NAMED:
		if (!is_alnum(c))
			return end_named(r, (int)c);
		if (z->n_ref == NAME_MAX_LEN) { /* longer than any name: literal */
			z->state = S_DATA;
			emit_amp(r);
			emit(r, z->ref, z->n_ref);
			return false;
		}
		z->ref[z->n_ref++] = (char)c;
		return true;
	case S_HASH:
		z->state = S_DIGITS;
		z->num = 0;
		z->n_digits = 0;
		z->hex = c == 'x' || c == 'X';
		if (z->hex) {
			z->ref[z->n_ref++] = (char)c;
			return true;
		}
		/* fall through */
	default: {
		int d = z->hex ? hex_val(c) : (c >= '0' && c <= '9' ? (int)(c - '0') : -1);
		if (d < 0)
			return end_numeric(r, (int)c);
		z->num = z->num * (z->hex ? 16u : 10u) + (uint32_t)d;
		if (z->num > NUM_LIMIT)
			z->num = NUM_LIMIT;
		z->n_digits++;
		return true;
	}
	}
}

/* libxml2's name characters after the first (htmlParseHTMLName). */
static bool libxml_name_char(unsigned c)
{
	return is_alnum(c) || c == ':' || c == '-' || c == '_' || c == '.';
}

static bool is_alpha(unsigned c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_space(unsigned c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f';
}

/* Leave a lookahead state that did not match: emit what it held, reprocess c. */
static bool mk_fail(struct run *r, const char *held)
{
	r->z->mk = M_DATA;
	emit(r, held, strlen(held));
	return false;
}

/* One character in a markup state; true when consumed. */
static bool step_markup(struct run *r, unsigned c)
{
	struct weft__norm *z = r->z;
	switch (z->mk) {
	case M_LT:
		if (c == '!') {
			z->mk = M_BANG;
			return true;
		}
		if (!is_alpha(c))
			return mk_fail(r, "<");
		emit(r, "<", 1);
		z->mk = M_NAME;
		return false;
	case M_BANG:
		if (c != '-')
			return mk_fail(r, "<!");
		z->mk = M_BANG1;
		return true;
	case M_BANG1:
		if (c != '-')
			return mk_fail(r, "<!-");
		z->mk = M_BANG2;
		return true;
	case M_BANG2:
	case M_BANG3:
		if (c == '-' && z->mk == M_BANG2) {
			z->mk = M_BANG3;
			return true;
		}
		if (c != '>')
			return mk_fail(r, z->mk == M_BANG2 ? "<!--" : "<!---");
		emit(r, "<!---->", 7);
		z->mk = M_DATA;
		return true;
	case M_NAME:
		if (c == '/') {
			z->mk = M_SLASH;
			return true;
		}
		if (is_space(c) || c == '>') {
			z->mk = M_DATA;
			return false;
		}
		emit(r, libxml_name_char(c) ? (const char *)&(char){ (char)c } : "_", 1);
		return true;
	default: /* M_SLASH */
		emit(r, c == '>' ? "/" : " ", 1);
		if (c == '/')
			return true;
		z->mk = M_DATA;
		return false;
	}
}

/* The longest prefix of p[0..n) with no byte the normaliser looks at. */
static size_t plain_run(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && p[i] != '&' && p[i] != '\0' && p[i] != '\r' && p[i] != '<')
		i++;
	return i;
}

/* One character outside references and markup lookahead. */
static void step_plain(struct run *r, unsigned c)
{
	struct weft__norm *z = r->z;
	if (c == '&')
		z->state = S_AMP;
	else if (c == '<')
		z->mk = M_LT;
	else if (c == '\0')
		emit(r, "\xEF\xBF\xBD", 3);
	else
		emit(r, (const char *)&(char){ (char)c }, 1);
}

/*
 * One character through CR normalisation, the reference machine, the markup machine and the
 * plain path. A NUL is U+FFFD everywhere; in a tag name that makes it '_'.
 */
static void step(struct run *r, unsigned c)
{
	struct weft__norm *z = r->z;
	if (z->after_cr) {
		z->after_cr = false;
		if (c == '\n')
			return;
	}
	if (c == '\r') {
		z->after_cr = true;
		c = '\n';
	}
	if (z->state != S_DATA && step_ref(r, c))
		return;
	if (z->mk != M_DATA && step_markup(r, c))
		return;
	if (z->mk == M_NAME)
		step_markup(r, c); /* a name's first letter, after "<" went out */
	else
		step_plain(r, c);
}

void weft__norm_init(struct weft__norm *z)
{
	memset(z, 0, sizeof(*z));
}

/* At the end of input: resolve a pending reference, emit held markup lookahead. */
static void finish(struct run *r)
{
	struct weft__norm *z = r->z;
	if (z->state == S_AMP)
		emit_amp(r);
	else if (z->state == S_NAMED)
		end_named(r, -1);
	else if (z->state == S_HASH || z->state == S_DIGITS)
		end_numeric(r, -1);
	static const char *const held[] = {
		[M_LT] = "<", [M_BANG] = "<!", [M_BANG1] = "<!-",
		[M_BANG2] = "<!--", [M_BANG3] = "<!---", [M_SLASH] = "/",
	};
	if (z->mk != M_DATA && z->mk != M_NAME)
		emit(r, held[z->mk], strlen(held[z->mk]));
	z->state = S_DATA;
	z->mk = M_DATA;
}

int weft__norm_run(struct weft__norm *z, const char *in, size_t n, bool final,
		   weft__sink_fn *sink, void *arg)
{
	struct run r = { z, sink, arg, 0 };
	size_t i = 0;
	while (i < n && !r.rc) {
		if (z->state == S_DATA && z->mk == M_DATA && !z->after_cr) {
			size_t k = plain_run(in + i, n - i);
			emit(&r, in + i, k);
			i += k;
			if (i == n)
				break;
		}
		step(&r, (unsigned char)in[i++]);
	}
	if (final && !r.rc)
		finish(&r);
	flush(&r);
	return r.rc;
}
