/*
 * tokenizer.c -- the HTML Standard's tokenizer, streaming, reduced to what finds links.
 *
 * Why by hand. A crawler needs the WHATWG tokenizer (where tags begin and end, in every
 * state) and a handful of tree-construction facts (tree.c), fast, on a stream. Nothing in
 * Debian 12 offers that: libxml2 2.9 streams (push parser, SAX) but is an HTML 4 parser (no
 * script escape states, "<![CDATA[" read as text: 2 of the 30 browser fixtures wrong) and
 * needed a decode + normalise pipeline in front of it; gumbo 0.10 is HTML5 but parses a whole
 * buffer into a tree (~14 MB/s). Measured against that libxml2 pipeline on one machine
 * (tests/extract/bench_extract.c, callgrind instruction counts, which stay exact on a busy
 * machine; URL resolution, the same code in both, included):
 *   - 500 pages of the generated test site (800 B each): 240k -> 33k instructions per page
 *     (7.3x; 226k -> 18k without URL resolution);
 *   - /usr/share/doc/postgresql-doc-15/html (16 MB): 193 -> 19 instructions per byte (10x),
 *     27 -> 245 MB/s fed in 16 KiB chunks;
 *   - new + feed + finish + free of a 92-byte page: 95k -> 9k instructions;
 * and 30/30 fixtures instead of 28/30.
 *
 * What it implements. Every state that moves a tag boundary: data, RCDATA, RAWTEXT, script
 * data with its escaped and double-escaped states, PLAINTEXT, tag open, end tag open, tag
 * name, the "appropriate end tag" states of the three text kinds, the attribute name and value
 * states, self-closing start tag, markup declaration open, bogus comment, the comment states
 * (abrupt "<!-->", "<!--->", "--!>"), and CDATA sections (only in foreign content: tree.c
 * says). Left out because they never move a boundary: the DOCTYPE states (a DOCTYPE, like a
 * bogus comment, always ends at the next '>': every DOCTYPE state emits on '>'), the comment
 * less-than sign states (they only report nesting errors; "<!--" inside a comment leads to the
 * same comment end either way), character references in text, and input stream
 * preprocessing (CR and LF are both whitespace everywhere it matters; NUL is handled where it
 * counts: in names, where it can only make a name unknown, and in kept values, charref.c).
 * EOF in any state ends the document; a tag cut off by it is dropped, as the standard says.
 *
 * How it is fast. One function per state consumes as many bytes as it can and returns where
 * it stopped; tokenize() is a plain switch over the states. Text, comments, raw text and
 * values skip with memchr() to the next byte that matters. Tag and attribute names are kept
 * only as far as needed to tell the few that matter (tree.c's table); attribute values are
 * kept (raw, up to VALUE_MAX bytes) only for the attributes tree.c wants (href of a, area and
 * base, src of iframe and frame, and two attributes for foreign content), and decoded only
 * when the tag completes (html.c, charref.c). The input is raw bytes in most encodings (see
 * enum weft__tok_mode): only kept values are ever converted.
 *
 * Memory: the current tag's kept value (capped; an overlong value is dropped: the element
 * then has no link, and a <base> with it falls back to the page URL, like an unparseable one);
 * never the body. State carries across weft_html_feed() calls, so chunking cannot change the
 * tokens: every state consumes its input one byte at a time in effect, and the only lookahead
 * ("--", "[CDATA[", end tag names) is counted in h->k.
 *
 * Threading: works on one extractor's state; the tables are constant.
 */
#include <string.h>

#include <weft.h>

#include "extract/extract_int.h"

#define VALUE_MAX (1u << 20) /* raw bytes of a kept link value (href, src) */
#define SMALL_MAX 64         /* raw bytes of a kept encoding attribute */

enum {
	S_DATA = 0, S_RCDATA, S_RAWTEXT, S_SCRIPT, S_PLAINTEXT,
	S_TAG_OPEN, S_END_TAG_OPEN, S_TAG_NAME,
	/* The end tag states shared by RCDATA, RAWTEXT and script data (escaped or not). */
	S_RAW_LT, S_RAW_END_OPEN, S_RAW_END_NAME,
	/* Script data escaped ("<!--" in a script) and double escaped ("<!--<script>"). */
	S_ESC_START, S_ESC_START_DASH, S_ESC, S_ESC_DASH, S_ESC_DASH_DASH, S_ESC_LT,
	S_DBL_START, S_DBL, S_DBL_DASH, S_DBL_DASH_DASH, S_DBL_LT, S_DBL_END,
	S_BEFORE_ATTR_NAME, S_ATTR_NAME, S_AFTER_ATTR_NAME, S_BEFORE_ATTR_VALUE,
	S_VALUE_DQ, S_VALUE_SQ, S_VALUE_UQ, S_AFTER_VALUE, S_SELF_CLOSING,
	S_MARKUP_DECL, S_BOGUS_COMMENT,
	S_COMMENT_START, S_COMMENT_START_DASH, S_COMMENT, S_COMMENT_END_DASH, S_COMMENT_END,
	S_COMMENT_END_BANG,
	S_CDATA, S_CDATA_BRACKET, S_CDATA_END,
};

/* Byte classes in tags. */
enum { C_OTHER = 0, C_WS, C_SLASH, C_GT, C_EQ, C_UPPER };

static const unsigned char cls[256] = {
	['\t'] = C_WS, ['\n'] = C_WS, ['\f'] = C_WS, ['\r'] = C_WS, [' '] = C_WS,
	['/'] = C_SLASH, ['>'] = C_GT, ['='] = C_EQ,
	['A'] = C_UPPER, ['B'] = C_UPPER, ['C'] = C_UPPER, ['D'] = C_UPPER, ['E'] = C_UPPER,
	['F'] = C_UPPER, ['G'] = C_UPPER, ['H'] = C_UPPER, ['I'] = C_UPPER, ['J'] = C_UPPER,
	['K'] = C_UPPER, ['L'] = C_UPPER, ['M'] = C_UPPER, ['N'] = C_UPPER, ['O'] = C_UPPER,
	['P'] = C_UPPER, ['Q'] = C_UPPER, ['R'] = C_UPPER, ['S'] = C_UPPER, ['T'] = C_UPPER,
	['U'] = C_UPPER, ['V'] = C_UPPER, ['W'] = C_UPPER, ['X'] = C_UPPER, ['Y'] = C_UPPER,
	['Z'] = C_UPPER,
};

static bool is_alpha(unsigned c)
{
	return (c | 0x20) - 'a' < 26u;
}

static unsigned lower(unsigned c)
{
	return c - 'A' < 26u ? c + 32 : c;
}

static bool is_ws(unsigned c)
{
	return cls[c] == C_WS;
}

/* The name of the element whose end tag ends the current text state. */
static const char *raw_name(unsigned tag)
{
	switch (tag) {
	case WEFT__T_SCRIPT: return "script";
	case WEFT__T_STYLE: return "style";
	case WEFT__T_XMP: return "xmp";
	case WEFT__T_NOEMBED: return "noembed";
	case WEFT__T_NOFRAMES: return "noframes";
	case WEFT__T_IFRAME: return "iframe";
	case WEFT__T_TEXTAREA: return "textarea";
	default: return "title";
	}
}

/* ---- tags ----------------------------------------------------------------------------------- */

static void new_tag(struct weft_html *h, bool end)
{
	h->end_tag = end;
	h->self_closing = false;
	h->name_done = false;
	h->name_n = 0;
	h->tag = 0;
	h->tag_flags = 0;
	h->want = h->have = h->cur = 0;
	h->val_over = false;
	h->val.n = 0;
}

/* The tag name is complete: what is it, and which of its attributes are worth keeping. */
static void name_done(struct weft_html *h)
{
	unsigned t = h->name_n <= WEFT__NAME_CAP ? weft__tag_lookup(h->name, h->name_n) : 0;
	h->tag = (uint8_t)(t & 0xFF);
	h->tag_flags = (uint8_t)(t >> 8);
	h->name_done = true;
	h->want = (uint16_t)weft__tree_want(h);
}

/* The tag is complete (its '>'): the tree builder gets it, and may change the state. */
static void emit_tag(struct weft_html *h)
{
	if (!h->name_done)
		name_done(h);
	h->state = S_DATA;
	if (h->end_tag)
		weft__tree_end(h);
	else
		weft__tree_start(h);
}

static void attr_start(struct weft_html *h)
{
	h->attr_n = 0;
	h->cur = 0;
}

static void attr_add(struct weft_html *h, unsigned c)
{
	if (h->attr_n < WEFT__ATTR_CAP)
		h->attr[h->attr_n] = (char)c;
	h->attr_n++;
}

#define ATTR_IS(lit) (memcmp(h->attr, lit, sizeof(lit) - 1) == 0)

/* The WEFT__W_* bit of the current attribute name, 0 for the names nobody keeps. */
static unsigned attr_bit(const struct weft_html *h)
{
	switch (h->attr_n) {
	case 2:
		return ATTR_IS("id") ? WEFT__W_ID : 0;
	case 3:
		return ATTR_IS("src") ? WEFT__W_SRC : ATTR_IS("rel") ? WEFT__W_REL
		       : ATTR_IS("alt") ? WEFT__W_ALT : 0;
	case 4:
		return ATTR_IS("href") ? WEFT__W_HREF : ATTR_IS("face") ? WEFT__W_FACE
		       : ATTR_IS("size") ? WEFT__W_SIZE : ATTR_IS("data") ? WEFT__W_DATA
		       : ATTR_IS("name") ? WEFT__W_NAME : 0;
	case 5:
		return ATTR_IS("color") ? WEFT__W_COLOR : 0;
	case 6:
		return ATTR_IS("srcset") ? WEFT__W_SRCSET : ATTR_IS("poster") ? WEFT__W_POSTER : 0;
	case 8:
		return ATTR_IS("encoding") ? WEFT__W_ENCODING : 0;
	}
	return 0;
}

/* The value slot of a kept attribute (struct weft_html.slot). */
static unsigned attr_slot(unsigned w)
{
	switch (w) {
	case WEFT__W_SRCSET:
	case WEFT__W_POSTER: return 1 + WEFT__X_LINK2;
	case WEFT__W_REL: return 1 + WEFT__X_REL;
	case WEFT__W_ALT: return 1 + WEFT__X_ALT;
	case WEFT__W_ID: return 1 + WEFT__X_ID;
	case WEFT__W_NAME: return 1 + WEFT__X_NAME;
	default: return 0; /* href, src, data, encoding */
	}
}

/*
 * The attribute name is complete ("when the user agent leaves the attribute name state"):
 * keep its value if the tag wants it and it is the first attribute of that name.
 */
static void attr_done(struct weft_html *h)
{
	if (!h->want)
		return;
	unsigned w = attr_bit(h) & (unsigned)h->want & ~(unsigned)h->have;
	h->have |= (uint16_t)w;
	if (w & ~(unsigned)(WEFT__W_COLOR | WEFT__W_FACE | WEFT__W_SIZE)) {
		h->cur = (uint16_t)w;
		h->slot = (uint8_t)attr_slot(w);
		if (h->slot) {
			h->xval[h->slot - 1].n = 0;
			h->xval_over &= (uint8_t)~(1u << (h->slot - 1));
		} else {
			h->val.n = 0;
		}
	}
}

/* A value of h->xval (records): as val_add(). */
static void xval_add(struct weft_html *h, const unsigned char *p, size_t n)
{
	unsigned k = h->slot - 1u;
	struct weft__buf *b = &h->xval[k];
	if ((h->xval_over >> k & 1) || n > VALUE_MAX - b->n) {
		h->xval_over |= (uint8_t)(1u << k);
		return;
	}
	if (weft__buf_add(b, p, n) != WEFT_OK && !h->rc)
		h->rc = WEFT_E_NOMEM;
}

/* Append raw value bytes of the kept attribute; past its cap the value is dropped. */
static void val_add(struct weft_html *h, const unsigned char *p, size_t n)
{
	if (h->slot) {
		xval_add(h, p, n);
		return;
	}
	size_t cap = h->cur == WEFT__W_ENCODING ? SMALL_MAX : VALUE_MAX;
	if (h->val_over || n > cap - h->val.n) {
		h->val_over = true;
		return;
	}
	if (weft__buf_add(&h->val, p, n) != WEFT_OK && !h->rc)
		h->rc = WEFT_E_NOMEM;
}

/* ---- text states ------------------------------------------------------------------------ */

/* Text in the data state: does the tree builder want to know it is not all whitespace? */
static void watch(struct weft_html *h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_ws(p[i]) && p[i] != '\0') {
			weft__tree_text(h);
			return;
		}
}

/* Records: text up to p[end] and, at a '<', the line of the tag it may start. */
static void rec_data(struct weft_html *h, const unsigned char *p, size_t i, size_t end,
		     bool lt)
{
	if (h->a_open) {
		if (!h->text_full && end > i)
			weft__on_text(h, p + i, end - i);
		if (lt) /* a text run ends at every '<' (a '<' that is text is added back) */
			weft__on_text_end(h);
	}
	if (lt) /* its line is counted only if a record needs it (weft__tag_line()) */
		h->lt = p + end;
}

static size_t st_data(struct weft_html *h, const unsigned char *p, size_t i, size_t n)
{
	const unsigned char *lt = memchr(p + i, '<', n - i);
	size_t end = lt ? (size_t)(lt - p) : n;
	if (h->data_hook) { /* one test on the common path */
		if (h->watch_text)
			watch(h, p + i, end - i);
		if (h->rec)
			rec_data(h, p, i, end, lt != NULL);
	}
	if (!lt)
		return n;
	h->state = S_TAG_OPEN;
	return end + 1;
}

/* RCDATA, RAWTEXT and script data: text up to a '<'. */
static size_t st_text(struct weft_html *h, const unsigned char *p, size_t i, size_t n)
{
	const unsigned char *lt = memchr(p + i, '<', n - i);
	if (!lt)
		return n;
	h->text_state = h->state;
	h->state = S_RAW_LT;
	return (size_t)(lt - p) + 1;
}

static size_t st_tag_open(struct weft_html *h, const unsigned char *p, size_t i)
{
	unsigned c = p[i];
	if (c == '!') {
		h->state = S_MARKUP_DECL;
		h->k = 0;
		return i + 1;
	}
	if (c == '/') {
		h->state = S_END_TAG_OPEN;
		return i + 1;
	}
	if (is_alpha(c)) {
		new_tag(h, false);
		h->state = S_TAG_NAME;
		return i;
	}
	if (c == '?') {
		h->state = S_BOGUS_COMMENT;
		return i;
	}
	if (h->watch_text) /* the '<' is text */
		weft__tree_text(h);
	if (h->a_open && !h->text_full) /* records: the <a>'s text has it */
		weft__on_text(h, (const unsigned char *)"<", 1);
	h->state = S_DATA;
	return i;
}

static size_t st_end_tag_open(struct weft_html *h, const unsigned char *p, size_t i)
{
	unsigned c = p[i];
	if (is_alpha(c)) {
		new_tag(h, true);
		h->state = S_TAG_NAME;
		return i;
	}
	h->state = c == '>' ? S_DATA : S_BOGUS_COMMENT;
	return c == '>' ? i + 1 : i;
}

static size_t st_tag_name(struct weft_html *h, const unsigned char *p, size_t i, size_t n)
{
	size_t len = h->name_n; /* a local: stores to h->name could alias h->name_n */
	for (; i < n; i++) {
		unsigned c = p[i], k = cls[c];
		if (k == C_OTHER || k == C_UPPER || k == C_EQ) {
			if (len < WEFT__NAME_CAP)
				h->name[len] = (char)(k == C_UPPER ? c + 32 : c);
			len++;
			continue;
		}
		h->name_n = len;
		if (k == C_GT) {
			emit_tag(h);
			return i + 1;
		}
		name_done(h);
		h->state = k == C_WS ? S_BEFORE_ATTR_NAME : S_SELF_CLOSING;
		return i + 1;
	}
	h->name_n = len;
	return i;
}

/* ---- the end tags of text states ------------------------------------------------------- */

/* "<" in RCDATA, RAWTEXT or script data. */
static size_t st_raw_lt(struct weft_html *h, const unsigned char *p, size_t i)
{
	if (p[i] == '/') {
		h->state = S_RAW_END_OPEN;
		return i + 1;
	}
	if (p[i] == '!' && h->text_state == S_SCRIPT) {
		h->state = S_ESC_START;
		return i + 1;
	}
	h->state = h->text_state;
	return i;
}

static size_t st_raw_end_open(struct weft_html *h, const unsigned char *p, size_t i)
{
	h->k = 0;
	h->state = is_alpha(p[i]) ? S_RAW_END_NAME : h->text_state;
	return i;
}

/*
 * "</" and letters in a text state: an end tag only if it is the appropriate one (the name
 * of the element that started the text), followed by whitespace, '/' or '>'. Otherwise the
 * characters are text and the one that decided it is read again in the text state.
 */
static size_t st_raw_end_name(struct weft_html *h, const unsigned char *p, size_t i, size_t n)
{
	const char *want = raw_name(h->raw_tag);
	size_t len = strlen(want);
	for (; i < n; i++) {
		unsigned c = p[i];
		if (is_alpha(c)) {
			bool same = h->k < len && (unsigned char)want[h->k] == lower(c);
			h->k = same ? h->k + 1 : 0xFF;
			continue;
		}
		unsigned k = cls[c];
		if (h->k != len || (k != C_WS && k != C_SLASH && k != C_GT)) {
			h->state = h->text_state;
			return i;
		}
		new_tag(h, true);
		memcpy(h->name, want, len);
		h->name_n = len;
		name_done(h);
		if (k == C_GT)
			emit_tag(h);
		else
			h->state = k == C_WS ? S_BEFORE_ATTR_NAME : S_SELF_CLOSING;
		return i + 1;
	}
	return i;
}

/* ---- script data escaped and double escaped ------------------------------------------- */

/* "<!" and "<!-" in script data: "<!--" escapes. */
static size_t st_esc_start(struct weft_html *h, const unsigned char *p, size_t i)
{
	if (p[i] != '-') {
		h->state = S_SCRIPT;
		return i;
	}
	h->state = h->state == S_ESC_START ? S_ESC_START_DASH : S_ESC_DASH_DASH;
	return i + 1;
}

/* Script data (double) escaped: text up to a '-' or '<'. */
static size_t st_esc(struct weft_html *h, const unsigned char *p, size_t i, size_t n)
{
	bool dbl = h->state == S_DBL;
	for (; i < n; i++) {
		if (p[i] == '-') {
			h->state = dbl ? S_DBL_DASH : S_ESC_DASH;
			return i + 1;
		}
		if (p[i] == '<') {
			h->state = dbl ? S_DBL_LT : S_ESC_LT;
			return i + 1;
		}
	}
	return i;
}

/* After "-" and "--" in script data (double) escaped: "-->" ends the escape. */
static size_t st_esc_dash(struct weft_html *h, const unsigned char *p, size_t i)
{
	bool dbl = h->state == S_DBL_DASH || h->state == S_DBL_DASH_DASH;
	unsigned c = p[i];
	if (c == '-')
		h->state = dbl ? S_DBL_DASH_DASH : S_ESC_DASH_DASH;
	else if (c == '<')
		h->state = dbl ? S_DBL_LT : S_ESC_LT;
	else if (c == '>' && (h->state == S_ESC_DASH_DASH || h->state == S_DBL_DASH_DASH))
		h->state = S_SCRIPT;
	else
		h->state = dbl ? S_DBL : S_ESC;
	return i + 1;
}

static size_t st_esc_lt(struct weft_html *h, const unsigned char *p, size_t i)
{
	h->k = 0;
	if (p[i] == '/') {
		h->text_state = S_ESC;
		h->state = S_RAW_END_OPEN;
		return i + 1;
	}
	h->state = is_alpha(p[i]) ? S_DBL_START : S_ESC;
	return i;
}

static size_t st_dbl_lt(struct weft_html *h, const unsigned char *p, size_t i)
{
	h->k = 0;
	if (p[i] == '/') {
		h->state = S_DBL_END;
		return i + 1;
	}
	h->state = S_DBL;
	return i;
}

/*
 * Letters after "<" (double escape start) or "</" (double escape end) in an escaped script:
 * "script" and whitespace, '/' or '>' switch between escaped and double escaped.
 */
static size_t st_dbl_switch(struct weft_html *h, const unsigned char *p, size_t i, size_t n)
{
	static const char script[] = "script";
	bool start = h->state == S_DBL_START;
	unsigned back = start ? S_ESC : S_DBL;
	for (; i < n; i++) {
		unsigned c = p[i];
		if (is_alpha(c)) {
			bool same = h->k < 6 && (unsigned char)script[h->k] == lower(c);
			h->k = same ? h->k + 1 : 0xFF;
			continue;
		}
		unsigned k = cls[c];
		if (k == C_WS || k == C_SLASH || k == C_GT) {
			h->state = (uint8_t)(h->k == 6 ? (start ? S_DBL : S_ESC) : back);
			return i + 1;
		}
		h->state = (uint8_t)back;
		return i;
	}
	return i;
}

/* ---- attributes ----------------------------------------------------------------------------- */

static size_t st_before_attr_name(struct weft_html *h, const unsigned char *p, size_t i,
				  size_t n)
{
	for (; i < n; i++) {
		unsigned k = cls[p[i]];
		if (k == C_WS)
			continue;
		if (k == C_SLASH || k == C_GT) {
			h->state = S_AFTER_ATTR_NAME;
			return i;
		}
		attr_start(h);
		h->state = S_ATTR_NAME;
		if (k == C_EQ) { /* a name starting with '=' */
			attr_add(h, '=');
			return i + 1;
		}
		return i;
	}
	return i;
}

static size_t st_attr_name(struct weft_html *h, const unsigned char *p, size_t i, size_t n)
{
	size_t len = h->attr_n; /* a local, as in st_tag_name() */
	for (; i < n; i++) {
		unsigned c = p[i], k = cls[c];
		if (k == C_OTHER || k == C_UPPER) {
			if (len < WEFT__ATTR_CAP)
				h->attr[len] = (char)(k == C_UPPER ? c + 32 : c);
			len++;
			continue;
		}
		h->attr_n = len;
		attr_done(h);
		if (k == C_EQ) {
			h->state = S_BEFORE_ATTR_VALUE;
			return i + 1;
		}
		h->state = S_AFTER_ATTR_NAME; /* whitespace, '/', '>': read again there */
		return i;
	}
	h->attr_n = len;
	return i;
}

static size_t st_after_attr_name(struct weft_html *h, const unsigned char *p, size_t i,
				 size_t n)
{
	for (; i < n; i++) {
		switch (cls[p[i]]) {
		case C_WS:
			continue;
		case C_SLASH:
			h->state = S_SELF_CLOSING;
			return i + 1;
		case C_EQ:
			h->state = S_BEFORE_ATTR_VALUE;
			return i + 1;
		case C_GT:
			emit_tag(h);
			return i + 1;
		default:
			attr_start(h);
			h->state = S_ATTR_NAME;
			return i;
		}
	}
	return i;
}

static size_t st_before_attr_value(struct weft_html *h, const unsigned char *p, size_t i,
				   size_t n)
{
	for (; i < n; i++) {
		unsigned c = p[i];
		if (is_ws(c))
			continue;
		if (c == '"' || c == '\'') {
			h->state = c == '"' ? S_VALUE_DQ : S_VALUE_SQ;
			return i + 1;
		}
		if (c == '>') {
			emit_tag(h);
			return i + 1;
		}
		h->state = S_VALUE_UQ;
		return i;
	}
	return i;
}

static size_t st_value_quoted(struct weft_html *h, const unsigned char *p, size_t i, size_t n)
{
	const unsigned char *q = memchr(p + i, h->state == S_VALUE_DQ ? '"' : '\'', n - i);
	size_t end = q ? (size_t)(q - p) : n;
	if (h->cur)
		val_add(h, p + i, end - i);
	if (!q)
		return n;
	h->state = S_AFTER_VALUE;
	return end + 1;
}

static size_t st_value_unquoted(struct weft_html *h, const unsigned char *p, size_t i, size_t n)
{
	size_t j = i;
	while (j < n && cls[p[j]] != C_WS && p[j] != '>')
		j++;
	if (h->cur)
		val_add(h, p + i, j - i);
	if (j == n)
		return n;
	if (p[j] == '>')
		emit_tag(h);
	else
		h->state = S_BEFORE_ATTR_NAME;
	return j + 1;
}

static size_t st_after_value(struct weft_html *h, const unsigned char *p, size_t i)
{
	switch (cls[p[i]]) {
	case C_WS:
		h->state = S_BEFORE_ATTR_NAME;
		return i + 1;
	case C_SLASH:
		h->state = S_SELF_CLOSING;
		return i + 1;
	case C_GT:
		emit_tag(h);
		return i + 1;
	default: /* missing whitespace between attributes */
		h->state = S_BEFORE_ATTR_NAME;
		return i;
	}
}

static size_t st_self_closing(struct weft_html *h, const unsigned char *p, size_t i)
{
	if (p[i] == '>') {
		h->self_closing = true;
		emit_tag(h);
		return i + 1;
	}
	h->state = S_BEFORE_ATTR_NAME; /* "<a/href=x>": the '/' separates attributes */
	return i;
}

/* ---- markup declarations, comments, CDATA ----------------------------------------------- */

/*
 * After "<!": "--" opens a comment, "[CDATA[" a CDATA section in foreign content (else a bogus
 * comment), anything else (DOCTYPE too) a bogus comment. h->k counts what matched: 1 is "-",
 * 2..8 are "[CDATA[" up to 7 characters.
 */
static size_t st_markup_decl(struct weft_html *h, const unsigned char *p, size_t i)
{
	static const char cdata[] = "[CDATA[";
	unsigned c = p[i];
	if (h->k == 0 && c == '-') {
		h->k = 1;
		return i + 1;
	}
	if (h->k == 1) {
		h->state = c == '-' ? S_COMMENT_START : S_BOGUS_COMMENT;
		return c == '-' ? i + 1 : i;
	}
	unsigned at = h->k ? h->k - 2u : 0;
	if ((unsigned char)cdata[at] != c) {
		h->state = S_BOGUS_COMMENT;
		return i;
	}
	h->k = (uint8_t)(at + 3);
	if (at + 1 == 7) {
		h->state = weft__tree_cdata(h) ? S_CDATA : S_BOGUS_COMMENT;
		h->k = 0;
		h->n_mb = 0;
	}
	return i + 1;
}

static size_t st_bogus_comment(struct weft_html *h, const unsigned char *p, size_t i, size_t n)
{
	const unsigned char *gt = memchr(p + i, '>', n - i);
	if (!gt)
		return n;
	h->state = S_DATA;
	return (size_t)(gt - p) + 1;
}

static size_t st_comment(struct weft_html *h, const unsigned char *p, size_t i, size_t n)
{
	const unsigned char *dash = memchr(p + i, '-', n - i);
	if (!dash)
		return n;
	h->state = S_COMMENT_END_DASH;
	return (size_t)(dash - p) + 1;
}

/*
 * The small comment states: comment start ("<!--"), comment start dash ("<!---"), comment end
 * dash ("-"), comment end ("--") and comment end bang ("--!"). '>' right after "<!--" or
 * "<!---" ends the comment (abrupt closing), as does '>' after "--" or "--!".
 */
static size_t st_comment_edge(struct weft_html *h, const unsigned char *p, size_t i)
{
	unsigned c = p[i], s = h->state;
	if (c == '>' && s != S_COMMENT_END_DASH) {
		h->state = S_DATA;
		return i + 1;
	}
	if (c == '-') {
		h->state = s == S_COMMENT_START ? S_COMMENT_START_DASH
			 : s == S_COMMENT_END_BANG ? S_COMMENT_END_DASH : S_COMMENT_END;
		return i + 1;
	}
	if (c == '!' && s == S_COMMENT_END) {
		h->state = S_COMMENT_END_BANG;
		return i + 1;
	}
	h->state = S_COMMENT;
	return i;
}

static size_t st_cdata(struct weft_html *h, const unsigned char *p, size_t i, size_t n)
{
	const unsigned char *rb = memchr(p + i, ']', n - i);
	if (!rb)
		return n;
	h->state = S_CDATA_BRACKET;
	return (size_t)(rb - p) + 1;
}

/* "]" and "]]" in a CDATA section: "]]>" ends it. */
static size_t st_cdata_edge(struct weft_html *h, const unsigned char *p, size_t i)
{
	unsigned c = p[i];
	if (c == ']') {
		h->state = S_CDATA_END;
		return i + 1;
	}
	if (c == '>' && h->state == S_CDATA_END) {
		h->state = S_DATA;
		return i + 1;
	}
	h->state = S_CDATA;
	return i;
}

/* One character of a CDATA section for RAW_TRAIL (c > 0xFF: not ASCII). True: it ended. */
static bool cdata_char(struct weft_html *h, unsigned c)
{
	if (c == ']') {
		h->k = h->k < 2 ? h->k + 1 : 2;
		return false;
	}
	if (c == '>' && h->k == 2) {
		h->state = S_DATA;
		return true;
	}
	h->k = 0;
	return false;
}

/*
 * Decode the bytes pending in h->mb the way the document's decoder would (RAW_TRAIL: a ']'
 * can be the trail byte of a character). True when the section ended; that can only happen
 * at the last pending byte, which has just been added.
 */
static bool cdata_settle(struct weft_html *h)
{
	while (h->n_mb) {
		size_t used = 1;
		unsigned c = h->mb[0];
		if (c >= 0x80) {
			int r = weft__dec_step(&h->dec, h->mb, h->n_mb);
			if (r < 0 && h->n_mb < sizeof(h->mb))
				return false; /* the start of a character: wait for more */
			used = r > 0 ? (size_t)r : 1;
			c = 0x100;
		}
		h->n_mb = (uint8_t)(h->n_mb - used);
		memmove(h->mb, h->mb + used, h->n_mb);
		if (cdata_char(h, c))
			return true;
	}
	return false;
}

/* The CDATA section state when ']' may be a trail byte (enum weft__tok_mode). */
static size_t st_cdata_trail(struct weft_html *h, const unsigned char *p, size_t i, size_t n)
{
	if (weft__doc_dec(h) != WEFT_OK) {
		h->rc = WEFT_E_NOMEM;
		return n;
	}
	for (; i < n; i++) {
		if (h->n_mb == 0 && p[i] < 0x80) {
			if (cdata_char(h, p[i]))
				return i + 1;
			continue;
		}
		h->mb[h->n_mb++] = p[i];
		if (cdata_settle(h))
			return i + 1;
	}
	return i;
}

/* ---- the dispatcher ------------------------------------------------------------------------ */

void weft__tokenize(struct weft_html *h, const unsigned char *p, size_t n)
{
	size_t i = 0;
	if (h->rec) {
		h->lc = p;
		h->lt = NULL;
	}
	/* A long switch, one case per state: each state function consumes what it can. */
	while (i < n && !h->rc) {
		switch (h->state) {
		case S_DATA: i = st_data(h, p, i, n); break;
		case S_RCDATA:
		case S_RAWTEXT:
		case S_SCRIPT: i = st_text(h, p, i, n); break;
		case S_PLAINTEXT: i = n; break;
		case S_TAG_OPEN: i = st_tag_open(h, p, i); break;
		case S_END_TAG_OPEN: i = st_end_tag_open(h, p, i); break;
		case S_TAG_NAME: i = st_tag_name(h, p, i, n); break;
		case S_RAW_LT: i = st_raw_lt(h, p, i); break;
		case S_RAW_END_OPEN: i = st_raw_end_open(h, p, i); break;
		case S_RAW_END_NAME: i = st_raw_end_name(h, p, i, n); break;
		case S_ESC_START:
		case S_ESC_START_DASH: i = st_esc_start(h, p, i); break;
		case S_ESC:
		case S_DBL: i = st_esc(h, p, i, n); break;
		case S_ESC_DASH:
		case S_ESC_DASH_DASH:
		case S_DBL_DASH:
		case S_DBL_DASH_DASH: i = st_esc_dash(h, p, i); break;
		case S_ESC_LT: i = st_esc_lt(h, p, i); break;
		case S_DBL_LT: i = st_dbl_lt(h, p, i); break;
		case S_DBL_START:
		case S_DBL_END: i = st_dbl_switch(h, p, i, n); break;
		case S_BEFORE_ATTR_NAME: i = st_before_attr_name(h, p, i, n); break;
		case S_ATTR_NAME: i = st_attr_name(h, p, i, n); break;
		case S_AFTER_ATTR_NAME: i = st_after_attr_name(h, p, i, n); break;
		case S_BEFORE_ATTR_VALUE: i = st_before_attr_value(h, p, i, n); break;
		case S_VALUE_DQ:
		case S_VALUE_SQ: i = st_value_quoted(h, p, i, n); break;
		case S_VALUE_UQ: i = st_value_unquoted(h, p, i, n); break;
		case S_AFTER_VALUE: i = st_after_value(h, p, i); break;
		case S_SELF_CLOSING: i = st_self_closing(h, p, i); break;
		case S_MARKUP_DECL: i = st_markup_decl(h, p, i); break;
		case S_BOGUS_COMMENT: i = st_bogus_comment(h, p, i, n); break;
		case S_COMMENT: i = st_comment(h, p, i, n); break;
		case S_COMMENT_START:
		case S_COMMENT_START_DASH:
		case S_COMMENT_END_DASH:
		case S_COMMENT_END:
		case S_COMMENT_END_BANG: i = st_comment_edge(h, p, i); break;
		case S_CDATA:
			i = h->tok == WEFT__TOK_RAW_TRAIL ? st_cdata_trail(h, p, i, n)
							    : st_cdata(h, p, i, n);
			break;
		case S_CDATA_BRACKET:
		case S_CDATA_END: i = st_cdata_edge(h, p, i); break;
		}
	}
	if (h->rec) { /* the rest of the piece: the next one starts counting at its start */
		weft__tag_line(h);
		weft__count_lines(h, h->lc, (size_t)(p + n - h->lc));
	}
}

void weft__tok_reset(struct weft_html *h)
{
	h->state = S_DATA;
	h->text_state = S_DATA;
	h->raw_tag = 0;
	h->k = 0;
	h->n_mb = 0;
	new_tag(h, false);
}

void weft__tok_text(struct weft_html *h, unsigned tag)
{
	unsigned s = S_RAWTEXT;
	if (tag == WEFT__T_SCRIPT)
		s = S_SCRIPT;
	else if (tag == WEFT__T_TEXTAREA || tag == WEFT__T_TITLE)
		s = S_RCDATA;
	h->raw_tag = (uint8_t)tag;
	h->text_state = (uint8_t)s;
	h->state = (uint8_t)s;
}

void weft__tok_plaintext(struct weft_html *h)
{
	h->state = S_PLAINTEXT;
}
