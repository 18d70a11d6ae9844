/*
 * tree.c -- the tree-construction facts that decide which link elements are in the document.
 *
 * A link extractor does not need the HTML Standard's tree builder, only what it decides about
 * the elements a crawler cares about, which the tokenizer alone cannot know:
 *
 *  - Raw text. After the start tag of script (script data), style, xmp, iframe, noembed,
 *    noframes (RAWTEXT), textarea, title (RCDATA) or plaintext, the tokenizer reads text up to
 *    the matching end tag (the "appropriate end tag"), but only when the tree builder handled
 *    that start tag as an HTML element: not in foreign content, and not in a frameset, where
 *    everything but frame, frameset and noframes is dropped. noscript is markup (the crawler
 *    runs no scripts).
 *  - <template> content is not in the document: links and <base> in it do not count (its
 *    markup is still tokenized as usual, raw text and all).
 *  - <frame> counts only in a frameset. A frameset replaces the body only when it comes before
 *    the body ("after head"), or in the body while the "frameset-ok flag" is still set: no text
 *    other than whitespace yet, no <body> tag, none of the start tags that clear it (pre, li,
 *    table, img, input, textarea, iframe, ...). In a frameset only frame, frameset and noframes
 *    count; after the outermost </frameset> only noframes. A frameset that replaces a body
 *    drops the body's links too: while it still could (in the body, flag set), links are held
 *    back (h->hold), whatever the base URL.
 *  - Foreign content. Inside <svg> and <math> elements are SVG or MathML: an SVG <a href> is
 *    not an HTML link, <script> there is no raw text, and "<![CDATA[" opens a CDATA section
 *    (elsewhere it is a bogus comment). The rules are the standard's: a start tag is foreign
 *    unless the current node is an HTML integration point (svg foreignObject, desc, title;
 *    math annotation-xml with an HTML encoding) or a MathML text integration point (mi, mo,
 *    mn, ms, mtext); the "breakout" start tags (b, div, p, table, ... and font with color, face
 *    or size) and </p>, </br> close the foreign elements up to the nearest HTML element or
 *    integration point; an end tag closes the nearest open foreign element of its name. Only
 *    the elements open from the outermost <svg>/<math> on are tracked (HTML ones only inside
 *    integration points), at most WEFT__OPEN_MAX deep. Two simplifications: an HTML end tag
 *    inside an integration point closes the nearest open HTML element of its name (the
 *    standard's scope rules differ only for mis-nested markup), and an end tag that matches no
 *    tracked element closes the whole foreign subtree when an HTML element of that name is
 *    open (</div>, </a>, </td>, ...): the browser then closes that element and the <svg> in
 *    it. Which HTML elements are open is only counted, per name (h->opened), +1 at a start
 *    tag and -1 at an end tag outside foreign content: elements closed implicitly (a <p> by a
 *    <div>) stay counted, and for the end tags that the standard handles as "any other end
 *    tag" (</span>, unknown names) a "special" element (li, ul, div, ...) between the <svg>
 *    and the named element would make the browser ignore it, which is not tracked either: so
 *    in doubt, the subtree is closed (for malformed pages only: in well-formed ones the <svg>
 *    is closed before its parent is).
 *  - <base>: the first one with an href, outside template content and foreign content (and
 *    not in a body that a frameset then replaces).
 *
 * Everything else the tree builder does (implied and misnested elements, tables, formatting
 * elements) moves elements around but never drops a link element, so it is not modelled.
 *
 * Threading: works on one extractor's state; the tables are constant.
 */
#include <string.h>

#include <weft.h>

#include "extract/extract_int.h"

/* Tag flags (the high byte of weft__tag_lookup()). */
enum {
	F_HEADISH = 1,  /* a start tag that does not end "before body" (head elements) */
	F_BREAKOUT = 2, /* a start tag that leaves foreign content */
	F_NOT_OK = 4,   /* a start tag that clears the frameset-ok flag */
	F_VOID = 8,     /* an HTML void element: never open */
	F_IGNORED = 16, /* a start tag that the "in body" rules ignore: no element opens */
};

enum { NS_HTML = 0, NS_SVG, NS_MATH };
enum { IP_NONE = 0, IP_HTML, IP_MTEXT };
enum { M_BEFORE_BODY = 0, M_BODY, M_FRAMESET, M_AFTER_FRAMESET };

#define IS(lit) (n == sizeof(lit) - 1 && memcmp(s, lit, sizeof(lit) - 1) == 0)
#define TAG(id, flags) ((unsigned)(id) | (unsigned)(flags) << 8)
#define NAMED(k, flags) TAG(WEFT__T_NAMED + (k), flags) /* k: unique per name */
#define NAMED_COUNT 78 /* the k in use: 0..77 */

_Static_assert(WEFT__T_NAMED + NAMED_COUNT <= WEFT__OPENED_BUCKETS / 2,
	       "every known name needs its own open-element counter");

/* Names starting with a..e. */
static unsigned lookup_ae(const char *s, size_t n)
{
	switch (s[0]) {
	case 'a':
		if (n == 1)
			return TAG(WEFT__T_A, 0);
		if (IS("area"))
			return TAG(WEFT__T_AREA, F_VOID | F_NOT_OK);
		if (IS("annotation-xml"))
			return TAG(WEFT__T_AXML, 0);
		if (IS("applet"))
			return NAMED(0, F_NOT_OK);
		if (IS("address"))
			return NAMED(1, 0);
		if (IS("article"))
			return NAMED(2, 0);
		if (IS("aside"))
			return NAMED(3, 0);
		if (IS("audio"))
			return TAG(WEFT__T_AUDIO, 0);
		break;
	case 'b':
		if (n == 1)
			return NAMED(4, F_BREAKOUT);
		if (IS("big"))
			return NAMED(5, F_BREAKOUT);
		if (IS("blockquote"))
			return NAMED(6, F_BREAKOUT);
		if (IS("base"))
			return TAG(WEFT__T_BASE, F_HEADISH | F_VOID);
		if (IS("body"))
			return TAG(WEFT__T_BODY, F_BREAKOUT | F_IGNORED);
		if (IS("br"))
			return TAG(WEFT__T_BR, F_BREAKOUT | F_VOID | F_NOT_OK);
		if (IS("basefont"))
			return NAMED(7, F_HEADISH | F_VOID);
		if (IS("bgsound"))
			return NAMED(8, F_HEADISH | F_VOID);
		if (IS("button"))
			return NAMED(9, F_NOT_OK);
		break;
	case 'c':
		if (IS("center"))
			return NAMED(10, F_BREAKOUT);
		if (IS("code"))
			return NAMED(11, F_BREAKOUT);
		if (IS("caption"))
			return NAMED(12, F_IGNORED);
		if (IS("col"))
			return NAMED(13, F_VOID);
		if (IS("colgroup"))
			return NAMED(77, F_IGNORED);
		break;
	case 'd':
		if (IS("div"))
			return NAMED(14, F_BREAKOUT);
		if (IS("dl"))
			return NAMED(15, F_BREAKOUT);
		if (IS("dd"))
			return NAMED(16, F_BREAKOUT | F_NOT_OK);
		if (IS("dt"))
			return NAMED(17, F_BREAKOUT | F_NOT_OK);
		if (IS("desc"))
			return TAG(WEFT__T_DESC, 0);
		if (IS("details"))
			return NAMED(18, 0);
		if (IS("dialog"))
			return NAMED(19, 0);
		if (IS("dir"))
			return NAMED(20, 0);
		break;
	case 'e':
		if (IS("em"))
			return NAMED(21, F_BREAKOUT);
		if (IS("embed"))
			return TAG(WEFT__T_EMBED, F_BREAKOUT | F_VOID | F_NOT_OK);
		break;
	}
	return 0;
}

/* Names starting with f..m. */
static unsigned lookup_fm(const char *s, size_t n)
{
	switch (s[0]) {
	case 'f':
		if (IS("frame"))
			return TAG(WEFT__T_FRAME, F_VOID);
		if (IS("frameset"))
			return TAG(WEFT__T_FRAMESET, 0);
		if (IS("font"))
			return TAG(WEFT__T_FONT, 0);
		if (IS("foreignobject"))
			return TAG(WEFT__T_FOREIGNOBJECT, 0);
		if (IS("fieldset") || IS("figcaption") || IS("figure") || IS("footer") ||
		    IS("form"))
			return NAMED(23, 0);
		break;
	case 'h':
		if (n == 2 && s[1] >= '1' && s[1] <= '6') /* one name: </h2> closes an <h1> */
			return NAMED(24, F_BREAKOUT);
		if (IS("head"))
			return NAMED(25, F_HEADISH | F_BREAKOUT | F_IGNORED);
		if (IS("html"))
			return NAMED(26, F_HEADISH | F_IGNORED);
		if (IS("hr"))
			return NAMED(27, F_BREAKOUT | F_VOID | F_NOT_OK);
		if (IS("header"))
			return NAMED(28, 0);
		if (IS("hgroup"))
			return NAMED(29, 0);
		break;
	case 'i':
		if (n == 1)
			return NAMED(30, F_BREAKOUT);
		if (IS("iframe"))
			return TAG(WEFT__T_IFRAME, F_NOT_OK);
		if (IS("img"))
			return TAG(WEFT__T_IMG, F_BREAKOUT | F_VOID | F_NOT_OK);
		if (IS("image")) /* the tree builder makes it an img */
			return TAG(WEFT__T_IMG, F_VOID | F_NOT_OK);
		if (IS("input"))
			return NAMED(33, F_VOID | F_NOT_OK);
		break;
	case 'k':
		if (IS("keygen"))
			return NAMED(34, F_VOID | F_NOT_OK);
		break;
	case 'l':
		if (IS("li"))
			return NAMED(35, F_BREAKOUT | F_NOT_OK);
		if (IS("listing"))
			return NAMED(36, F_BREAKOUT | F_NOT_OK);
		if (IS("link"))
			return TAG(WEFT__T_LINK, F_HEADISH | F_VOID);
		if (IS("label"))
			return NAMED(38, 0);
		break;
	case 'm':
		if (IS("math"))
			return TAG(WEFT__T_MATH, 0);
		if (IS("mi") || IS("mo") || IS("mn") || IS("ms") || IS("mtext"))
			return TAG(WEFT__T_MTEXT, 0);
		if (IS("mglyph") || IS("malignmark"))
			return TAG(WEFT__T_MGLYPH, 0);
		if (IS("menu"))
			return NAMED(39, F_BREAKOUT);
		if (IS("meta"))
			return NAMED(40, F_HEADISH | F_BREAKOUT | F_VOID);
		if (IS("marquee"))
			return NAMED(41, F_NOT_OK);
		if (IS("main"))
			return NAMED(42, 0);
		break;
	}
	return 0;
}

/* Names starting with n..x. */
static unsigned lookup_nx(const char *s, size_t n)
{
	switch (s[0]) {
	case 'n':
		if (IS("noembed"))
			return TAG(WEFT__T_NOEMBED, 0);
		if (IS("noframes"))
			return TAG(WEFT__T_NOFRAMES, F_HEADISH);
		if (IS("noscript"))
			return NAMED(43, F_HEADISH);
		if (IS("nobr"))
			return NAMED(44, F_BREAKOUT);
		if (IS("nav"))
			return NAMED(45, 0);
		break;
	case 'o':
		if (IS("ol"))
			return NAMED(46, F_BREAKOUT);
		if (IS("object"))
			return TAG(WEFT__T_OBJECT, F_NOT_OK);
		if (IS("option"))
			return NAMED(48, 0);
		break;
	case 'p':
		if (n == 1)
			return TAG(WEFT__T_P, F_BREAKOUT);
		if (IS("pre"))
			return NAMED(49, F_BREAKOUT | F_NOT_OK);
		if (IS("plaintext"))
			return TAG(WEFT__T_PLAINTEXT, 0);
		if (IS("param"))
			return NAMED(50, F_VOID);
		break;
	case 'r':
		if (IS("ruby"))
			return NAMED(51, F_BREAKOUT);
		break;
	case 's':
		if (IS("script"))
			return TAG(WEFT__T_SCRIPT, F_HEADISH);
		if (IS("style"))
			return TAG(WEFT__T_STYLE, F_HEADISH);
		if (IS("svg"))
			return TAG(WEFT__T_SVG, 0);
		if (n == 1)
			return NAMED(52, F_BREAKOUT);
		if (IS("span"))
			return NAMED(71, F_BREAKOUT);
		if (IS("small"))
			return NAMED(72, F_BREAKOUT);
		if (IS("strong"))
			return NAMED(73, F_BREAKOUT);
		if (IS("strike"))
			return NAMED(74, F_BREAKOUT);
		if (IS("sub"))
			return NAMED(75, F_BREAKOUT);
		if (IS("sup"))
			return NAMED(76, F_BREAKOUT);
		if (IS("select"))
			return NAMED(53, F_NOT_OK);
		if (IS("source"))
			return TAG(WEFT__T_SOURCE, F_VOID);
		if (IS("section"))
			return NAMED(55, 0);
		if (IS("search"))
			return NAMED(56, 0);
		if (IS("summary"))
			return NAMED(57, 0);
		break;
	case 't':
		if (IS("template"))
			return TAG(WEFT__T_TEMPLATE, F_HEADISH);
		if (IS("textarea"))
			return TAG(WEFT__T_TEXTAREA, F_NOT_OK);
		if (IS("title"))
			return TAG(WEFT__T_TITLE, F_HEADISH);
		if (IS("table"))
			return NAMED(58, F_BREAKOUT | F_NOT_OK);
		if (IS("tt"))
			return NAMED(59, F_BREAKOUT);
		if (IS("track"))
			return NAMED(60, F_VOID);
		if (IS("td"))
			return NAMED(61, F_IGNORED);
		if (IS("th"))
			return NAMED(62, F_IGNORED);
		if (IS("tr"))
			return NAMED(63, F_IGNORED);
		if (IS("tbody"))
			return NAMED(64, F_IGNORED);
		if (IS("thead"))
			return NAMED(65, F_IGNORED);
		if (IS("tfoot"))
			return NAMED(66, F_IGNORED);
		break;
	case 'u':
		if (n == 1)
			return NAMED(67, F_BREAKOUT);
		if (IS("ul"))
			return NAMED(68, F_BREAKOUT);
		break;
	case 'v':
		if (IS("var"))
			return NAMED(69, F_BREAKOUT);
		if (IS("video"))
			return TAG(WEFT__T_VIDEO, 0);
		break;
	case 'w':
		if (IS("wbr"))
			return NAMED(70, F_VOID | F_NOT_OK);
		break;
	case 'x':
		if (IS("xmp"))
			return TAG(WEFT__T_XMP, F_NOT_OK);
		break;
	}
	return 0;
}

unsigned weft__tag_lookup(const char *s, size_t n)
{
	if (n == 0 || n > 14) /* "annotation-xml" is the longest name here */
		return 0;
	if (s[0] <= 'e')
		return lookup_ae(s, n);
	if (s[0] <= 'm')
		return lookup_fm(s, n);
	return lookup_nx(s, n);
}

/* ---- foreign content ---------------------------------------------------------------------- */

/* FNV-1a of the current tag's name (its first WEFT__NAME_CAP bytes and its length). */
static uint32_t name_hash(const struct weft_html *h)
{
	size_t n = h->name_n < WEFT__NAME_CAP ? h->name_n : WEFT__NAME_CAP;
	uint32_t x = 2166136261u ^ (uint32_t)h->name_n;
	for (size_t i = 0; i < n; i++)
		x = (x ^ (unsigned char)h->name[i]) * 16777619u;
	return x;
}

/*
 * The h->opened counter of the current tag's name: its own for every name tree.c knows with
 * an id of its own, else one of WEFT__OPENED_BUCKETS / 2 shared by hash (a collision only
 * errs towards "open").
 */
static uint8_t *opened(struct weft_html *h)
{
	size_t half = WEFT__OPENED_BUCKETS / 2;
	unsigned id = h->tag;
	if (id != WEFT__T_OTHER && id != WEFT__T_MTEXT && id != WEFT__T_MGLYPH &&
	    id != WEFT__T_VIDEO && id != WEFT__T_AUDIO) /* unique ids (those two: as before) */
		return &h->opened[id % half];
	return &h->opened[half + name_hash(h) % half];
}

static const struct weft__open *top(const struct weft_html *h)
{
	return &h->open[h->n_open - 1];
}

/* The current node is foreign: "<![CDATA[" opens a CDATA section (tokenizer.c asks). */
static bool foreign_now(const struct weft_html *h)
{
	return h->n_open && top(h)->ns != NS_HTML;
}

/* The tree construction dispatcher: does the start tag `id` follow the HTML rules? */
static bool start_is_html(const struct weft_html *h, unsigned id)
{
	if (!h->n_open)
		return true;
	const struct weft__open *t = top(h);
	return t->ns == NS_HTML || t->ip == IP_HTML ||
	       (t->ip == IP_MTEXT && id != WEFT__T_MGLYPH) || (t->axml && id == WEFT__T_SVG);
}

static void push(struct weft_html *h, unsigned ns, unsigned id, bool html_ip)
{
	if (h->n_open == WEFT__OPEN_MAX)
		return; /* too deep to track: treated as closed at once */
	struct weft__open *o = &h->open[h->n_open++];
	o->hash = name_hash(h);
	o->ns = (uint8_t)ns;
	o->axml = ns == NS_MATH && id == WEFT__T_AXML;
	o->ip = IP_NONE;
	if (ns == NS_SVG && (id == WEFT__T_FOREIGNOBJECT || id == WEFT__T_DESC ||
			     id == WEFT__T_TITLE))
		o->ip = IP_HTML;
	else if (ns == NS_MATH && id == WEFT__T_MTEXT)
		o->ip = IP_MTEXT;
	else if (o->axml && html_ip)
		o->ip = IP_HTML;
	o->special = o->ip != IP_NONE || o->axml;
}

/* Whether annotation-xml's encoding attribute makes it an HTML integration point. */
static bool html_encoding(struct weft_html *h)
{
	const char *v;
	size_t n;
	if (!(h->have & WEFT__W_ENCODING) || h->val_over || weft__value(h, &v, &n))
		return false;
	static const char *const names[] = { "text/html", "application/xhtml+xml" };
	for (size_t k = 0; k < 2; k++) {
		size_t len = strlen(names[k]);
		if (n != len)
			continue;
		size_t i = 0;
		while (i < n && (v[i] | ((v[i] >= 'A' && v[i] <= 'Z') << 5)) == names[k][i])
			i++;
		if (i == n)
			return true;
	}
	return false;
}

/* A start tag by the foreign content rules: a foreign element (open unless self-closing). */
static void foreign_start(struct weft_html *h, unsigned id)
{
	if (!h->self_closing)
		push(h, top(h)->ns, id, id == WEFT__T_AXML && html_encoding(h));
}

/* Pop foreign elements up to the nearest HTML element or integration point. */
static void break_out(struct weft_html *h)
{
	while (h->n_open && top(h)->ns != NS_HTML && top(h)->ip == IP_NONE)
		h->n_open--;
}

/*
 * An end tag that no tracked element matched: it concerns the HTML element around the
 * outermost foreign element, and closes the foreign subtree when it names one that can hold
 * it (see the header).
 */
static void end_below(struct weft_html *h)
{
	bool open = h->tag == WEFT__T_TEMPLATE ? h->template_depth > 0
		    : !(h->tag_flags & F_VOID) && *opened(h);
	if (open)
		h->n_open = 0;
}

/* An end tag by the HTML rules while foreign content is open: as the header says. */
static void html_end_open(struct weft_html *h, uint32_t hash)
{
	for (unsigned i = h->n_open; i-- > 0;) {
		if (h->open[i].ns == NS_HTML && h->open[i].hash == hash) {
			h->n_open = i;
			return;
		}
		if (h->open[i].special)
			return;
	}
	end_below(h);
}

/*
 * An end tag while foreign content is open (the standard's "any other end tag" in foreign
 * content, and </br>, </p>). True when it goes on to the HTML rules (html_end()).
 */
static bool open_end(struct weft_html *h)
{
	uint32_t hash = name_hash(h);
	if (top(h)->ns == NS_HTML) {
		html_end_open(h, hash);
		return true;
	}
	if (h->tag == WEFT__T_BR || h->tag == WEFT__T_P) {
		break_out(h);
		if (h->n_open)
			html_end_open(h, hash);
		return true;
	}
	for (unsigned i = h->n_open; i-- > 0;) {
		if (h->open[i].hash == hash) {
			h->n_open = i;
			return false;
		}
		if (i == 0 || h->open[i - 1].ns == NS_HTML) { /* the HTML rules, from the top */
			html_end_open(h, hash);
			return true;
		}
	}
	return true;
}

/* ---- the HTML rules ----------------------------------------------------------------------- */

static void set_mode(struct weft_html *h, unsigned mode)
{
	bool held = h->hold;
	h->mode = (uint8_t)mode;
	h->watch_text = mode == M_BEFORE_BODY || (mode == M_BODY && h->frameset_ok);
	h->data_hook = h->watch_text || h->rec;
	h->hold = mode == M_BODY && h->frameset_ok;
	if (held && !h->hold && mode != M_FRAMESET)
		weft__on_release(h);
	else if (!held && h->hold && h->rec)
		weft__on_hold(h);
}

static void clear_frameset_ok(struct weft_html *h)
{
	h->frameset_ok = false;
	set_mode(h, h->mode);
}

/* The start tag `id` in a frameset (or after it): only frame, frameset, noframes count. */
static void frameset_start(struct weft_html *h, unsigned id)
{
	if (id == WEFT__T_FRAMESET && h->mode == M_FRAMESET)
		h->frameset_depth++;
	else if (id == WEFT__T_FRAME && h->mode == M_FRAMESET && (h->have & WEFT__W_SRC))
		weft__on_link(h, WEFT_LINK_FRAME);
	else if (id == WEFT__T_NOFRAMES)
		weft__tok_text(h, id);
}

/* A frameset start tag before or in the body: whether it replaces the body. */
static void frameset_open(struct weft_html *h)
{
	if (h->template_depth || (h->mode == M_BODY && !h->frameset_ok))
		return;
	if (h->mode == M_BODY)
		weft__on_body_dropped(h, h->base_in_body);
	h->frameset_depth = 1;
	set_mode(h, M_FRAMESET);
}

/* Records: an HTML start tag in the document (before its links, if any, are reported). */
static void rec_start(struct weft_html *h, unsigned id)
{
	if (id == WEFT__T_A)
		weft__on_a_start(h);
	else if (h->rec_res && ((id >= WEFT__T_IMG && id <= WEFT__T_AUDIO) || id == WEFT__T_SCRIPT))
		weft__on_resource(h, id);
}

/* What the element of start tag `id` does, by the HTML rules, before or in the body. */
static void body_start(struct weft_html *h, unsigned id, unsigned flags)
{
	if (id == WEFT__T_BODY || (flags & F_NOT_OK))
		clear_frameset_ok(h);
	if (h->mode == M_BEFORE_BODY && !(flags & F_HEADISH))
		set_mode(h, M_BODY);
	bool counts = h->template_depth == 0;
	if (h->rec && counts)
		rec_start(h, id);
	switch (id) {
	case WEFT__T_A:
	case WEFT__T_AREA:
		if (counts && (h->have & WEFT__W_HREF))
			weft__on_link(h, id == WEFT__T_A ? WEFT_LINK_A : WEFT_LINK_AREA);
		break;
	case WEFT__T_IFRAME:
		if (counts && (h->have & WEFT__W_SRC))
			weft__on_link(h, WEFT_LINK_IFRAME);
		weft__tok_text(h, id);
		break;
	case WEFT__T_BASE:
		if (counts && (h->have & WEFT__W_HREF) && !h->base_seen) {
			h->base_in_body = h->mode == M_BODY;
			weft__on_base(h);
		}
		break;
	case WEFT__T_TEMPLATE:
		h->template_depth++;
		break;
	case WEFT__T_SCRIPT:
	case WEFT__T_STYLE:
	case WEFT__T_XMP:
	case WEFT__T_NOEMBED:
	case WEFT__T_NOFRAMES:
	case WEFT__T_TEXTAREA:
	case WEFT__T_TITLE:
		weft__tok_text(h, id);
		break;
	case WEFT__T_PLAINTEXT:
		weft__tok_plaintext(h);
		weft__on_plaintext(h);
		break;
	}
}

/* A start tag by the HTML rules. */
static void html_start(struct weft_html *h)
{
	unsigned id = h->tag, flags = h->tag_flags;
	if (h->mode >= M_FRAMESET) {
		frameset_start(h, id);
		return;
	}
	if (id == WEFT__T_FRAMESET) {
		frameset_open(h);
		return;
	}
	body_start(h, id, flags);
	if (!(flags & F_VOID) && !h->n_open && id != WEFT__T_SVG && id != WEFT__T_MATH) {
		uint8_t *c = opened(h);
		*c += *c < UINT8_MAX;
	}
	if (id == WEFT__T_SVG || id == WEFT__T_MATH) {
		if (!h->self_closing)
			push(h, id == WEFT__T_SVG ? NS_SVG : NS_MATH, id, false);
	} else if (h->n_open && !(flags & (F_VOID | F_IGNORED))) {
		push(h, NS_HTML, id, false); /* HTML inside an integration point */
	}
}

/* An end tag by the HTML rules, outside foreign content. */
static void html_end(struct weft_html *h)
{
	if (!(h->tag_flags & F_VOID) && !h->n_open) {
		uint8_t *c = opened(h);
		*c -= *c > 0;
	}
	switch (h->tag) {
	case WEFT__T_A:
		if (h->rec && h->template_depth == 0)
			weft__on_a_end(h);
		break;
	case WEFT__T_TEMPLATE:
		if (h->template_depth && h->mode < M_FRAMESET)
			h->template_depth--;
		break;
	case WEFT__T_FRAMESET:
		if (h->mode == M_FRAMESET && --h->frameset_depth == 0)
			set_mode(h, M_AFTER_FRAMESET);
		break;
	case WEFT__T_BR: /* </br> is <br> */
		if (h->mode < M_FRAMESET) {
			clear_frameset_ok(h);
			set_mode(h, M_BODY);
		}
		break;
	case WEFT__T_BODY:
		if (h->mode == M_BEFORE_BODY)
			set_mode(h, M_BODY);
		break;
	}
}

/* ---- the interface ------------------------------------------------------------------------ */

/* Records: the attributes of the start tag `id` worth keeping beyond the links of the old API. */
static unsigned rec_want(const struct weft_html *h, unsigned id)
{
	if (h->template_depth)
		return 0;
	bool anchors = h->sink.anchor != NULL, links = h->sink.link != NULL;
	if (!anchors && !h->rec_res && id != WEFT__T_A && id != WEFT__T_AREA)
		return 0; /* the common case of navigation records only */
	if (h->mode >= M_FRAMESET)
		return anchors && (id == WEFT__T_FRAME || id == WEFT__T_FRAMESET ||
				   id == WEFT__T_NOFRAMES) ? WEFT__W_ID : 0;
	unsigned w = anchors ? WEFT__W_ID : 0;
	if (!start_is_html(h, id) && !(h->tag_flags & F_BREAKOUT))
		return w; /* a foreign element */
	switch (id) {
	case WEFT__T_A:
		return w | (anchors ? WEFT__W_NAME : 0) | (links ? WEFT__W_REL : 0);
	case WEFT__T_AREA:
		return w | (links ? WEFT__W_REL : 0);
	}
	if (!h->rec_res || !links)
		return w;
	switch (id) {
	case WEFT__T_IMG:
		return w | WEFT__W_SRC | WEFT__W_SRCSET | WEFT__W_ALT;
	case WEFT__T_SOURCE:
		return w | WEFT__W_SRC | WEFT__W_SRCSET;
	case WEFT__T_LINK:
		return w | WEFT__W_HREF | WEFT__W_REL;
	case WEFT__T_SCRIPT:
	case WEFT__T_AUDIO:
	case WEFT__T_EMBED:
		return w | WEFT__W_SRC;
	case WEFT__T_VIDEO:
		return w | WEFT__W_SRC | WEFT__W_POSTER;
	case WEFT__T_OBJECT:
		return w | WEFT__W_DATA;
	}
	return w;
}

static unsigned base_want(const struct weft_html *h, unsigned id)
{
	if (id == WEFT__T_FONT)
		return start_is_html(h, id) ? 0 : WEFT__W_COLOR | WEFT__W_FACE | WEFT__W_SIZE;
	if (id == WEFT__T_AXML)
		return foreign_now(h) && top(h)->ns == NS_MATH && !start_is_html(h, id)
			       ? WEFT__W_ENCODING : 0;
	if (id == WEFT__T_OTHER || id > WEFT__T_BASE || !start_is_html(h, id) ||
	    h->template_depth)
		return 0;
	switch (id) {
	case WEFT__T_A:
	case WEFT__T_AREA:
		return h->mode <= M_BODY ? WEFT__W_HREF : 0;
	case WEFT__T_IFRAME:
		return h->mode <= M_BODY ? WEFT__W_SRC : 0;
	case WEFT__T_FRAME:
		return h->mode == M_FRAMESET ? WEFT__W_SRC : 0;
	default: /* base */
		return h->mode <= M_BODY && !h->base_seen ? WEFT__W_HREF : 0;
	}
}

unsigned weft__tree_want(const struct weft_html *h)
{
	unsigned id = h->tag;
	if (h->end_tag)
		return 0;
	unsigned w = base_want(h, id);
	return h->rec ? w | rec_want(h, id) : w;
}

static void tree_start(struct weft_html *h)
{
	if (!start_is_html(h, h->tag)) {
		bool font_out = h->tag == WEFT__T_FONT &&
				(h->have & (WEFT__W_COLOR | WEFT__W_FACE | WEFT__W_SIZE));
		if (!(h->tag_flags & F_BREAKOUT) && !font_out) {
			foreign_start(h, h->tag);
			return;
		}
		break_out(h);
	}
	html_start(h);
}

void weft__tree_start(struct weft_html *h)
{
	tree_start(h);
	/* After the element's own records, and after a frameset dropped the body before it. */
	if (h->have & (WEFT__W_ID | WEFT__W_NAME))
		weft__on_anchors(h);
}

void weft__tree_end(struct weft_html *h)
{
	if (h->n_open && !open_end(h))
		return;
	html_end(h);
}

void weft__tree_text(struct weft_html *h)
{
	h->frameset_ok = false;
	set_mode(h, h->mode == M_BEFORE_BODY ? M_BODY : h->mode);
}

bool weft__tree_cdata(const struct weft_html *h)
{
	return foreign_now(h);
}

void weft__tree_reset(struct weft_html *h)
{
	h->frameset_ok = true;
	h->frameset_depth = 0;
	h->template_depth = 0;
	h->n_open = 0;
	h->hold = false;
	h->base_in_body = false;
	memset(h->opened, 0, sizeof(h->opened));
	set_mode(h, M_BEFORE_BODY);
}
