/*
 * html.c -- weft/extract.h: links out of HTML on libxml2's HTML push parser in SAX mode.
 *
 * Design. Bytes go through the pipeline of extract_int.h (sniff, decode to UTF-8, normalise)
 * into htmlParseChunk() as they arrive; no DOM is built and the body is never buffered, so
 * memory stays flat whatever the page size: what is held is the first 1024 bytes until the
 * encoding is known, and in libxml2 the construct being parsed (a tag, a comment, a text run).
 * That needs three workarounds for libxml2 2.9's push parser (see to_parser(),
 * unstick_lookahead() and shrink_input()). The SAX startElement handler picks a[href],
 * area[href], iframe[src], frame[src] and the first <base href>, and emulates the parts of the
 * HTML5 tree builder that decide whether an element is in the DOM at all, which libxml2 (an
 * HTML 4 parser) does not know:
 *   - <template> content is not in the document;
 *   - the content of textarea, title, xmp, iframe, noembed and noframes is text;
 *   - everything after <plaintext> is text;
 *   - <frame> outside a <frameset> is dropped;
 *   - a tag cut off by the end of the file is dropped.
 * libxml2 already keeps the first of duplicate attributes, lower-cases names, decodes entities
 * (after normalize.c made them unambiguous) and treats script and style as raw text.
 *
 * The base URL. Browsers resolve element.href lazily against the document's base, which is the
 * first <base href> wherever it appears (even after the link). So link values wait, raw, in a
 * queue until the base is known: the first <base href>, <plaintext> (no element can follow), or
 * the end of the document. After that links go out at once. The queue is capped (PENDING_MAX):
 * a document with more link text than that before any <base> has its queued links resolved
 * against the page URL, and a <base> seen later applies from then on.
 *
 * Threading: an extractor belongs to one thread; different extractors may run concurrently.
 * libxml2 is used only through the parser context (errors go to a no-op handler set on the
 * context, never the global one); xmlInitParser() ran once in weft_global_init().
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlversion.h>

#include <weft.h>
#include <weft/extract.h>
#include <weft/url.h>

#include "extract/extract_int.h"

#define SNIFF_MAX 1024             /* the prescan window */
#define SHRINK_AT (32 * 1024)      /* consumed bytes libxml2 may keep before we drop them */
#define CHUNK_MAX (16 * 1024)      /* the longest chunk we hand to libxml2 */
#define PENDING_MAX (1u << 20)     /* link bytes held while the base may still change */
#define PARSE_OPTIONS                                                                    \
	(HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET | \
	 HTML_PARSE_IGNORE_ENC | HTML_PARSE_NOBLANKS)

/* A growable byte buffer. */
struct buf {
	char *p;
	size_t n;
	size_t cap;
};

struct weft_html {
	htmlParserCtxtPtr px;
	weft_link_fn *fn;
	void *cookie;
	struct weft_url *page;          /* the page URL; NULL: none (absolute links only) */
	struct weft_url *base;          /* the first <base href>'s URL; NULL: the page's */
	struct buf key;                 /* the NUL-terminated key handed to the callback */
	const struct weft__enc *transport; /* from the HTTP charset, or NULL */
	const struct weft__enc *enc;    /* the document's encoding; NULL until sniffed */
	const char *url_enc;            /* its output encoding, for queries */
	unsigned char head[SNIFF_MAX];  /* the first bytes, held until the encoding is known */
	size_t n_head;
	struct weft__dec dec;
	struct weft__norm norm;
	char chunk[CHUNK_MAX];           /* normalised text not yet given to libxml2 */
	size_t n_chunk;

	/* What the tree builder would know. */
	unsigned template_depth;        /* inside <template> content: nothing counts */
	unsigned frameset_depth;
	const char *raw;                /* inside this raw-text element; NULL: not */
	bool plaintext;                 /* after <plaintext>: only text to the end */
	bool terminating;               /* the final htmlParseChunk() is running */
	size_t stuck_pos;               /* see unstick_lookahead() */
	size_t rescan_at;

	bool base_seen;                 /* the first <base href> was seen */
	bool frozen;                    /* the base can no longer change: emit at once */
	struct buf pending;             /* queued links: tag byte, size_t length, bytes */
	int rc;                         /* the first error or non-zero callback return */
	bool finished;
};

/* ---- URLs ---------------------------------------------------------------------------------- */

/* ---- Links --------------------------------------------------------------------------------- */

static bool is_ascii_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static int buf_add(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return WEFT_OK;
	if (b->cap - b->n < n) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap - b->n < n)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np)
			return WEFT_E_NOMEM;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
	return WEFT_OK;
}

/* Resolve one link value against the current base and hand its key to the callback. */
static void emit_link(struct weft_html *h, enum weft_link_tag tag, const char *v, size_t n)
{
	struct weft_url *u = NULL;
	int rc = weft_url_parse(&u, v, n, h->base ? h->base : h->page, h->url_enc);
	if (rc == WEFT_E_NOMEM)
		h->rc = rc;
	if (rc != WEFT_OK)
		return; /* not a URL: browsers drop it too */
	size_t klen = weft_url_key_len(u);
	h->key.n = 0;
	if (buf_add(&h->key, weft_url_href(u), klen) || buf_add(&h->key, "", 1)) {
		h->rc = WEFT_E_NOMEM;
	} else {
		int stop = h->fn(h->cookie, h->key.p, klen, tag);
		if (stop && !h->rc)
			h->rc = stop;
	}
	weft_url_free(&u);
}

/* Emit every queued link against the now-known base, in document order, and stop queueing. */
static void freeze(struct weft_html *h)
{
	h->frozen = true;
	size_t i = 0;
	while (i < h->pending.n && !h->rc) {
		enum weft_link_tag tag = (enum weft_link_tag)(unsigned char)h->pending.p[i];
		size_t n;
		memcpy(&n, h->pending.p + i + 1, sizeof(n));
		emit_link(h, tag, h->pending.p + i + 1 + sizeof(n), n);
		i += 1 + sizeof(n) + n;
	}
	free(h->pending.p);
	h->pending = (struct buf){ 0 };
}

/* A link element's value: trimmed, then emitted now or queued until the base is known. */
static void on_link(struct weft_html *h, enum weft_link_tag tag, const char *v)
{
	if (!v)
		v = ""; /* an attribute without a value */
	size_t n = strlen(v);
	while (n && is_ascii_ws(*v)) {
		v++;
		n--;
	}
	while (n && is_ascii_ws(v[n - 1]))
		n--;
	if (h->frozen) {
		emit_link(h, tag, v, n);
		return;
	}
	unsigned char t = (unsigned char)tag;
	if (buf_add(&h->pending, &t, 1) || buf_add(&h->pending, &n, sizeof(n)) ||
	    buf_add(&h->pending, v, n)) {
		h->rc = WEFT_E_NOMEM;
		return;
	}
	if (h->pending.n > PENDING_MAX)
		freeze(h); /* against the page URL; a later <base> applies from then on */
}

/* The first <base href>: the document's base from now on, and for the queued links. */
static void on_base(struct weft_html *h, const char *v)
{
	h->base_seen = true;
	struct weft_url *u = NULL;
	int rc = weft_url_parse(&u, v ? v : "", v ? strlen(v) : 0, h->page, h->url_enc);
	if (rc == WEFT_E_NOMEM) {
		h->rc = rc;
		return;
	}
	/* HTML "set the frozen base URL": failure, data: and javascript: fall back to the page. */
	const char *scheme = u ? weft_url_protocol(u) : "";
	if (rc == WEFT_OK && strcmp(scheme, "data:") != 0 && strcmp(scheme, "javascript:") != 0)
		h->base = u;
	else
		weft_url_free(&u);
	if (!h->frozen)
		freeze(h);
}

/* ---- SAX ----------------------------------------------------------------------------------- */

/* The value of attribute `name` (the first one: libxml2 drops duplicates); *has: present. */
static const char *attr(const xmlChar **atts, const char *name, bool *has)
{
	*has = false;
	for (size_t i = 0; atts && atts[i]; i += 2)
		if (strcmp((const char *)atts[i], name) == 0) {
			*has = true;
			return (const char *)atts[i + 1];
		}
	return NULL;
}

static const char *const raw_text[] = {
	"textarea", "title", "xmp", "iframe", "noembed", "noframes",
};

/* The raw-text element named `name` (a pointer into raw_text), or NULL. */
static const char *raw_name(const char *name)
{
	for (size_t i = 0; i < sizeof(raw_text) / sizeof(raw_text[0]); i++)
		if (strcmp(name, raw_text[i]) == 0)
			return raw_text[i];
	return NULL;
}

/* The tag a link element has, or -1 when `name` is not one (frames only in a frameset). */
static int link_tag(const struct weft_html *h, const char *name, const char **attr_name)
{
	*attr_name = "href";
	if (strcmp(name, "a") == 0)
		return WEFT_LINK_A;
	if (strcmp(name, "area") == 0)
		return WEFT_LINK_AREA;
	*attr_name = "src";
	if (strcmp(name, "iframe") == 0)
		return WEFT_LINK_IFRAME;
	if (strcmp(name, "frame") == 0 && h->frameset_depth)
		return WEFT_LINK_FRAME;
	return -1;
}

/* True when the tag now reported was cut off by the end of the input (HTML drops it). */
static bool cut_by_eof(const struct weft_html *h)
{
	const xmlParserInput *in = h->px->input;
	return h->terminating && in && in->cur >= in->end;
}

static void start_element(void *ctx, const xmlChar *xname, const xmlChar **atts)
{
	struct weft_html *h = ctx;
	const char *name = (const char *)xname;
	if (h->rc || h->raw || h->plaintext || cut_by_eof(h))
		return;
	if (strcmp(name, "template") == 0) {
		h->template_depth++;
		return;
	}
	if (h->template_depth)
		return;
	bool has;
	const char *an;
	int tag = link_tag(h, name, &an);
	if (tag >= 0) {
		const char *v = attr(atts, an, &has);
		if (has)
			on_link(h, (enum weft_link_tag)tag, v);
	} else if (strcmp(name, "base") == 0 && !h->base_seen) {
		const char *v = attr(atts, "href", &has);
		if (has)
			on_base(h, v);
	} else if (strcmp(name, "frameset") == 0) {
		h->frameset_depth++;
	} else if (strcmp(name, "plaintext") == 0) {
		h->plaintext = true;
		if (!h->frozen)
			freeze(h);
	}
	h->raw = raw_name(name);
}

static void end_element(void *ctx, const xmlChar *xname)
{
	struct weft_html *h = ctx;
	const char *name = (const char *)xname;
	if (h->raw) {
		if (strcmp(name, h->raw) == 0)
			h->raw = NULL;
	} else if (strcmp(name, "template") == 0) {
		if (h->template_depth)
			h->template_depth--;
	} else if (strcmp(name, "frameset") == 0 && !h->template_depth) {
		if (h->frameset_depth)
			h->frameset_depth--;
	}
}

static void no_error(void *ctx, xmlErrorPtr err)
{
	(void)ctx;
	(void)err;
}

/* ---- The pipeline ----------------------------------------------------------------------- */

/*
 * libxml2 2.9 shrinks its push buffer only from a few parse paths (text, comments, script, PIs
 * near the end of the data), and after some inputs never again: fed in small chunks, or after
 * a long attribute, the buffer would end up holding the whole body. So between chunks we drop
 * what the parser has consumed ourselves, with the same call those paths use, and move the
 * push parser's lookahead offset (checkIndex, counted from the buffer start) by as much.
 * Written against 2.9.14's input handling, which 2.11 reworked: compiled only before that.
 */
static void shrink_input(htmlParserCtxtPtr px)
{
#if LIBXML_VERSION < 21100
	xmlParserInputPtr in = px->input;
	if (!in || !in->buf || in->cur - in->base < SHRINK_AT || px->instate == XML_PARSER_EOF)
		return;
	long before = (long)(in->cur - in->base);
	xmlParserInputShrink(in);
	long moved = before - (long)(in->cur - in->base);
	if (px->checkIndex > 0)
		px->checkIndex = px->checkIndex > moved ? px->checkIndex - moved : 0;
#else
	(void)px;
#endif
}

/*
 * libxml2 2.9's push parser, waiting for the end of a construct ('>' of a tag, "-->" of a
 * comment, '<' after text), remembers how far it scanned (checkIndex) and resumes there with
 * the next chunk. Two resumes are wrong: it keeps "inside a quoted value" but not which quote
 * opened it, so a tag whose quoted value spans two chunks is never closed; and a comment whose
 * "--" and '>' arrive in different chunks is never closed either. Either way the parser then
 * holds the rest of the document until the end. So when a scan is pending and the parser made
 * no progress, we make it rescan from the start of the construct (checkIndex 0, always a valid
 * state). A rescan costs the pending length, so for a long construct we let the pending data
 * double between rescans: linear in total, and at most about twice the construct is held.
 * Written against 2.9.14, whose push parser 2.11 reworked: compiled only before that.
 */
static void unstick_lookahead(struct weft_html *h)
{
#if LIBXML_VERSION < 21100
	htmlParserCtxtPtr px = h->px;
	xmlParserInputPtr in = px->input;
	if (!in || px->checkIndex <= 0)
		return;
	size_t pos = (size_t)in->consumed + (size_t)(in->cur - in->base);
	if (pos != h->stuck_pos) {
		h->stuck_pos = pos;
		h->rescan_at = 0;
	}
	size_t pending = (size_t)(in->end - in->cur);
	if (pending < h->rescan_at)
		return;
	px->checkIndex = 0;
	h->rescan_at = pending * 2;
#else
	(void)h;
#endif
}

/* One chunk into libxml2, then the 2.9 workarounds. */
static int parse_chunk(struct weft_html *h, const char *p, size_t n)
{
	if (h->rc || h->plaintext || n == 0)
		return h->rc;
	htmlParseChunk(h->px, p, (int)n, 0);
	unstick_lookahead(h);
	shrink_input(h->px);
	if (h->px->errNo == XML_ERR_NO_MEMORY && !h->rc)
		h->rc = WEFT_E_NOMEM;
	return h->rc;
}

/*
 * Last stage: normalised UTF-8 into libxml2, cut just before a '<'. libxml2 2.9's push parser
 * has more chunk-boundary bugs than unstick_lookahead() can undo: a chunk ending inside
 * "</script" makes it take the end tag for script text, so the script never ends. A chunk
 * that ends before a '<' splits no end tag, and no tag or comment without a '<' inside. Only
 * a run of CHUNK_MAX bytes without a '<' (long text or attribute) is cut elsewhere.
 */
static int to_parser(void *arg, const char *p, size_t n)
{
	struct weft_html *h = arg;
	while (n && !h->rc) {
		size_t k = CHUNK_MAX - h->n_chunk < n ? CHUNK_MAX - h->n_chunk : n;
		size_t old = h->n_chunk;
		memcpy(h->chunk + old, p, k);
		h->n_chunk += k;
		p += k;
		n -= k;
		/* What is kept starts at a '<' and holds no other: look only at the new bytes. */
		size_t cut = 0;
		for (size_t i = h->n_chunk; i > old && i > 1 && !cut; i--)
			if (h->chunk[i - 1] == '<')
				cut = i - 1;
		if (!cut && h->n_chunk == CHUNK_MAX)
			cut = CHUNK_MAX;
		if (cut == 0)
			continue;
		parse_chunk(h, h->chunk, cut);
		memmove(h->chunk, h->chunk + cut, h->n_chunk - cut);
		h->n_chunk -= cut;
	}
	return h->rc;
}

static int to_norm(void *arg, const char *p, size_t n)
{
	struct weft_html *h = arg;
	return weft__norm_run(&h->norm, p, n, false, to_parser, h);
}

/* Raw bytes through decoder, normaliser and parser. */
static int push(struct weft_html *h, const unsigned char *p, size_t n, bool final)
{
	if (h->plaintext)
		return WEFT_OK;
	int rc = weft__dec_run(&h->dec, p, n, final, to_norm, h);
	if (!rc && final)
		rc = weft__norm_run(&h->norm, NULL, 0, true, to_parser, h);
	if (!rc && final) {
		rc = parse_chunk(h, h->chunk, h->n_chunk);
		h->n_chunk = 0;
	}
	return rc;
}

/* The encoding is known now (from the held first bytes): set up the decoder, push them. */
static int decide(struct weft_html *h, bool final)
{
	size_t bom = 0;
	h->enc = weft__enc_sniff(h->head, h->n_head, final, h->transport, &bom);
	h->url_enc = weft__enc_output_name(h->enc);
	int rc = weft__dec_init(&h->dec, h->enc);
	if (rc)
		return rc;
	return push(h, h->head + bom, h->n_head - bom, false);
}

/* Keep the stop value of the callback or the first error; stop the parser then. */
static int settle(struct weft_html *h, int rc)
{
	if (rc && !h->rc)
		h->rc = rc;
	if (h->rc)
		xmlStopParser(h->px);
	return h->rc;
}

/* ---- API ----------------------------------------------------------------------------------- */

static htmlParserCtxtPtr new_parser(struct weft_html *h)
{
	htmlSAXHandler sax;
	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC; /* so that libxml2 uses serror */
	sax.startElement = start_element;
	sax.endElement = end_element;
	sax.serror = no_error;
	htmlParserCtxtPtr px = htmlCreatePushParserCtxt(&sax, h, NULL, 0, NULL,
							XML_CHAR_ENCODING_UTF8);
	if (px)
		htmlCtxtUseOptions(px, PARSE_OPTIONS);
	return px;
}

int weft_html_new(struct weft_html **out, const char *page_url, const char *charset,
		  weft_link_fn *fn, void *cookie)
{
	if (!out || !fn)
		return WEFT_E_INVAL;
	*out = NULL;
	int rc = WEFT_E_NOMEM;
	struct weft_html *h = calloc(1, sizeof(*h));
	if (!h)
		return WEFT_E_NOMEM;
	h->fn = fn;
	h->cookie = cookie;
	h->url_enc = weft__enc_utf8()->name;
	if (charset)
		h->transport = weft__enc_for_label(charset, strlen(charset));
	if (page_url) {
		rc = weft_url_parse(&h->page, page_url, strlen(page_url), NULL, NULL);
		if (rc)
			goto fail;
	}
	rc = WEFT_E_NOMEM;
	weft__norm_init(&h->norm);
	h->px = new_parser(h);
	if (!h->px)
		goto fail;
	*out = h;
	return WEFT_OK;
fail:
	weft_html_free(&h);
	return rc == WEFT_E_PARSE ? WEFT_E_INVAL : rc;
}

int weft_html_feed(struct weft_html *h, const void *buf, size_t len)
{
	if (!h || (!buf && len) || h->finished)
		return WEFT_E_INVAL;
	const unsigned char *p = buf;
	if (h->rc)
		return h->rc;
	if (!h->enc) {
		size_t k = SNIFF_MAX - h->n_head < len ? SNIFF_MAX - h->n_head : len;
		if (k)
			memcpy(h->head + h->n_head, p, k);
		h->n_head += k;
		p += k;
		len -= k;
		if (h->n_head < SNIFF_MAX && !(h->transport && h->n_head >= 3))
			return WEFT_OK;
		int rc = decide(h, false);
		if (rc)
			return settle(h, rc);
	}
	return settle(h, len ? push(h, p, len, false) : 0);
}

int weft_html_finish(struct weft_html *h)
{
	if (!h || h->finished)
		return WEFT_E_INVAL;
	h->finished = true;
	if (h->rc)
		return h->rc;
	int rc = h->enc ? WEFT_OK : decide(h, true);
	if (!rc)
		rc = push(h, NULL, 0, true);
	if (!rc && !h->rc) {
		h->terminating = true;
		htmlParseChunk(h->px, NULL, 0, 1);
	}
	if (!rc && !h->rc && !h->frozen)
		freeze(h);
	return settle(h, rc);
}

void weft_html_free(struct weft_html **hp)
{
	if (!hp || !*hp)
		return;
	struct weft_html *h = *hp;
	if (h->px)
		htmlFreeParserCtxt(h->px);
	weft__dec_fini(&h->dec);
	free(h->pending.p);
	weft_url_free(&h->page);
	weft_url_free(&h->base);
	free(h->key.p);
	free(h);
	*hp = NULL;
}

int weft_html_extract(const void *buf, size_t len, const char *page_url, const char *charset,
		      weft_link_fn *fn, void *cookie)
{
	struct weft_html *h = NULL;
	int rc = weft_html_new(&h, page_url, charset, fn, cookie);
	if (rc)
		return rc;
	rc = weft_html_feed(h, buf, len);
	if (!rc)
		rc = weft_html_finish(h);
	weft_html_free(&h);
	return rc;
}
