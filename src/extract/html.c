/*
 * html.c -- weft/extract.h: links out of HTML, on the streaming tokenizer of tokenizer.c.
 *
 * Design. The body goes through the stages of extract_int.h as it arrives: the first 1024
 * bytes are held until the encoding is known (none when the HTTP charset is given and the
 * first 3 bytes are no BOM, nor when the first chunk is large enough to sniff in place), then
 * every chunk goes straight into the tokenizer (through the decoder first only for UTF-16 and
 * ISO-2022-JP). tree.c calls back here for each link element it accepts, with the raw bytes
 * of its link attribute: only then is the value decoded (to UTF-8 from the page's encoding,
 * character references, NUL), trimmed of ASCII whitespace, resolved and handed to the
 * callback. No DOM is built and the body is never buffered: memory is the extractor (about
 * 2 KB) plus the current kept value (at most 1 MiB raw, see tokenizer.c) and the link queue.
 *
 * The base URL. Browsers resolve element.href lazily against the document's base, which is the
 * first <base href> wherever it appears (even after the link). So link values wait, decoded, in
 * a queue until the base is known: the first <base href>, <plaintext> (no element can follow),
 * or the end of the document. After that links go out at once. The queue is capped
 * (PENDING_MAX): a document with more link text than that before any <base> has its queued
 * links resolved against the page URL, and a <base> seen later applies from then on. Links
 * also wait while a <frameset> could still replace the body they are in (tree.c, h->hold:
 * only until the first text or one of many start tags), and are dropped if it does.
 *
 * Link records (weft_html_new_sink()). The same pipeline with more kept per tag: tree.c also
 * wants rel, alt, srcset, poster, data, id and a's name, and the resource elements. Every
 * record and anchor becomes an entry of the same queue (struct ent: the decoded value as the
 * DOM has it, rel, text), resolved only when it goes out, so the base URL, frameset and
 * ordering rules are the old ones. An <a>'s entry is built at its start tag but only put in
 * the queue, at the place it was opened (a_pos), when its text is complete: at </a>, the next
 * <a> or the end; whatever follows it waits behind it. Its text is the data state's text in
 * between: kept raw per text run (references cannot span a tag), whitespace pre-collapsed
 * and capped (RUN_MAX per run, about WEFT_LINK_TEXT_MAX in all), decoded at the run's end by
 * the rules for text. Line numbers: the tokenizer counts line breaks up to each '<' of the
 * data state (weft__count_lines()) and the rest of every piece, so each byte once. None of
 * this runs without a sink: the old path only pays a few flag tests.
 *
 * Reuse. weft_html_reset() starts a new document on an extractor and keeps its buffers (and its
 * iconv descriptor when the next page has the same encoding): a crawl can keep one extractor
 * per connection. Buffers that grew past KEEP_MAX are freed on reset.
 *
 * Threading: an extractor belongs to one thread; different extractors may run concurrently.
 * Nothing here has global state.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <weft.h>
#include <weft/extract.h>
#include <weft/url.h>

#include "extract/extract_int.h"

#define PENDING_MAX (1u << 20) /* link bytes held while the base may still change */
#define KEEP_MAX (64u << 10)   /* buffer memory a reused extractor keeps */
#define RUN_MAX 4096           /* raw bytes of one text run kept for an <a>'s text */
#define TEXT_KEEP (WEFT_LINK_TEXT_MAX + 8) /* text bytes past which the cut is certain */

/*
 * A queued entry: this header (copied, not aligned), then raw_n bytes of value, rel_n of rel
 * (with a NUL; 0: no rel) and text_n of text.
 */
struct ent {
	size_t raw_n, rel_n, text_n;
	unsigned line;
	uint8_t type;  /* E_* */
	uint8_t tag;   /* E_LEGACY: enum weft_link_tag; E_LINK: enum weft__tag */
	uint8_t attr;  /* E_LINK: an index into attr_names */
	uint8_t nofollow;
};

enum { E_LEGACY = 0, E_LINK, E_ANCHOR };
enum { A_HREF = 0, A_SRC, A_SRCSET, A_POSTER, A_DATA };
static const char *const attr_names[] = { "href", "src", "srcset", "poster", "data" };

static bool is_ascii_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/* ---- links ---------------------------------------------------------------------------------- */

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
	const char *key = weft_url_href(u);
	if (key[klen] != '\0') { /* a fragment follows: cut it off in a copy */
		h->key.n = 0;
		if (weft__buf_add(&h->key, key, klen) || weft__buf_add(&h->key, "", 1)) {
			h->rc = WEFT_E_NOMEM;
			goto out;
		}
		key = h->key.p;
	}
	int stop = h->fn(h->cookie, key, klen, tag);
	if (stop && !h->rc)
		h->rc = stop;
out:
	weft_url_free(&u);
}

static const char *tag_name(unsigned id)
{
	switch (id) {
	case WEFT__T_A: return "a";
	case WEFT__T_AREA: return "area";
	case WEFT__T_IFRAME: return "iframe";
	case WEFT__T_FRAME: return "frame";
	case WEFT__T_IMG: return "img";
	case WEFT__T_LINK: return "link";
	case WEFT__T_SOURCE: return "source";
	case WEFT__T_OBJECT: return "object";
	case WEFT__T_EMBED: return "embed";
	case WEFT__T_VIDEO: return "video";
	case WEFT__T_AUDIO: return "audio";
	default: return "script";
	}
}

static void trim(const char **v, size_t *n)
{
	while (*n && is_ascii_ws(**v)) {
		(*v)++;
		(*n)--;
	}
	while (*n && is_ascii_ws((*v)[*n - 1]))
		(*n)--;
}

/* A record: resolve its value and hand it to the sink. */
static void emit_record(struct weft_html *h, const struct ent *e, const char *raw,
			const char *rel, const char *text)
{
	const char *v = raw;
	size_t n = e->raw_n;
	trim(&v, &n);
	struct weft_url *u = NULL;
	int rc = weft_url_parse(&u, v, n, h->base ? h->base : h->page, h->url_enc);
	if (rc == WEFT_E_NOMEM)
		h->rc = rc;
	if (rc != WEFT_OK)
		return;
	size_t klen = weft_url_key_len(u);
	const char *key = weft_url_href(u);
	if (key[klen] != '\0') {
		h->key.n = 0;
		if (weft__buf_add(&h->key, key, klen) || weft__buf_add(&h->key, "", 1)) {
			h->rc = WEFT_E_NOMEM;
			goto out;
		}
		key = h->key.p;
	}
	const char *hash = n ? memchr(v, '#', n) : NULL;
	struct weft_link l = {
		.url = key,
		.url_len = klen,
		.raw = raw,
		.raw_len = e->raw_n,
		.fragment = hash ? hash + 1 : NULL,
		.frag_len = hash ? (size_t)(v + n - hash - 1) : 0,
		.text = e->text_n ? text : "",
		.text_len = e->text_n,
		.rel = e->rel_n ? rel : NULL,
		.rel_len = e->rel_n ? e->rel_n - 1 : 0,
		.tag = tag_name(e->tag),
		.attr = attr_names[e->attr],
		.line = e->line,
		.kind = e->tag <= WEFT__T_FRAME ? WEFT_LINK_NAV : WEFT_LINK_RESOURCE,
		.nofollow = e->nofollow,
	};
	int stop = h->sink.link(h->sink.cookie, &l);
	if (stop && !h->rc)
		h->rc = stop;
out:
	weft_url_free(&u);
}

/* One entry of the queue (or built in h->ent) goes out. */
static void emit_ent(struct weft_html *h, const char *p)
{
	struct ent e;
	memcpy(&e, p, sizeof(e));
	const char *raw = p + sizeof(e), *rel = raw + e.raw_n, *text = rel + e.rel_n;
	if (e.type == E_LEGACY) {
		emit_link(h, (enum weft_link_tag)e.tag, raw, e.raw_n);
	} else if (e.type == E_LINK) {
		emit_record(h, &e, raw, rel, text);
	} else {
		int stop = h->sink.anchor(h->sink.cookie, raw, e.raw_n);
		if (stop && !h->rc)
			h->rc = stop;
	}
}

static size_t ent_size(const struct ent *e)
{
	return sizeof(*e) + e->raw_n + e->rel_n + e->text_n;
}

/* What an entry counts against PENDING_MAX (the old queue's size for the same link). */
static size_t ent_cost(const struct ent *e)
{
	return 1 + sizeof(size_t) + e->raw_n + e->rel_n + e->text_n;
}

/*
 * Emit the queued entries against the current base, in document order: all of them, or with
 * an <a> open, those before its place (the rest move to the front).
 */
static void flush(struct weft_html *h)
{
	size_t i = 0, end = h->a_open ? h->a_pos : h->pending.n, cost = 0;
	while (i < end && !h->rc) {
		struct ent e;
		memcpy(&e, h->pending.p + i, sizeof(e));
		emit_ent(h, h->pending.p + i);
		i += ent_size(&e);
		cost += ent_cost(&e);
	}
	if (!h->a_open) {
		weft__buf_trim(&h->pending, KEEP_MAX);
		h->pending_cost = 0;
		h->body_mark = h->body_cost = 0;
		return;
	}
	if (i) /* (pending.p may be NULL when nothing was queued) */
		memmove(h->pending.p, h->pending.p + i, h->pending.n - i);
	h->pending.n -= i;
	h->pending_cost -= cost;
	h->a_pos -= i;
	h->body_mark = h->body_mark > i ? h->body_mark - i : 0;
	h->body_cost = h->body_cost > cost ? h->body_cost - cost : 0;
}

/* Append the entry in h->ent to the queue; past PENDING_MAX the base is taken as final. */
static void queue_ent(struct weft_html *h)
{
	struct ent e;
	memcpy(&e, h->ent.p, sizeof(e));
	if (weft__buf_add(&h->pending, h->ent.p, h->ent.n) != WEFT_OK) {
		h->rc = WEFT_E_NOMEM;
		return;
	}
	h->pending_cost += ent_cost(&e);
	if (h->pending_cost > PENDING_MAX) { /* against the page URL; a later <base> applies then */
		h->frozen = true;
		if (h->a_open)
			weft__on_a_end(h); /* its text so far: the queue cannot wait for it */
		flush(h);
	}
}

/* The entry in h->ent goes out now if nothing holds it, else into the queue. */
static void deliver(struct weft_html *h)
{
	if (h->rc)
		return;
	if (h->frozen && !h->hold && !h->a_open)
		emit_ent(h, h->ent.p);
	else
		queue_ent(h);
}

/* Start an entry in h->ent. */
static void ent_begin(struct weft_html *h, unsigned type, unsigned tag, unsigned attr)
{
	struct ent e = { .type = (uint8_t)type, .tag = (uint8_t)tag, .attr = (uint8_t)attr,
			 .line = weft__tag_line(h) };
	h->ent.n = 0;
	if (weft__buf_add(&h->ent, &e, sizeof(e)) != WEFT_OK)
		h->rc = WEFT_E_NOMEM;
}

/* Append a part of the entry; `part` 0: raw, 1: rel, 2: text (in this order). */
static void ent_add(struct weft_html *h, unsigned part, const void *p, size_t n)
{
	if (h->rc)
		return;
	if (weft__buf_add(&h->ent, p, n) != WEFT_OK) {
		h->rc = WEFT_E_NOMEM;
		return;
	}
	struct ent e;
	memcpy(&e, h->ent.p, sizeof(e));
	*(part == 0 ? &e.raw_n : part == 1 ? &e.rel_n : &e.text_n) += n;
	memcpy(h->ent.p, &e, sizeof(e));
}

/* The base URL is known: emit the queued links unless tree.c holds them, and stop queueing. */
static void freeze(struct weft_html *h)
{
	h->frozen = true;
	if (!h->hold)
		flush(h);
}

void weft__on_release(struct weft_html *h)
{
	if (h->frozen)
		flush(h);
}

void weft__on_body_dropped(struct weft_html *h, bool base_too)
{
	h->pending.n = h->body_mark; /* 0 without records: only links of the body are queued */
	h->pending_cost = h->body_cost;
	h->a_open = false;
	if (base_too) { /* the base is undone too: links wait again for the next one */
		weft_url_free(&h->base);
		h->base_seen = false;
		h->frozen = false;
	}
}

int weft__doc_dec(struct weft_html *h)
{
	if (h->dec_ready)
		return WEFT_OK;
	int rc = weft__dec_init(&h->dec, h->enc);
	h->dec_ready = rc == WEFT_OK;
	return rc;
}

static int to_conv(void *arg, const char *p, size_t n)
{
	return weft__buf_add(arg, p, n);
}

/*
 * Raw bytes v[0..len) of the document decoded to UTF-8 with references resolved, by the rules
 * for attribute values or for text. The result may point into v, h->conv or h->refs.
 */
static int decode(struct weft_html *h, const char *raw, size_t len, bool text, const char **s,
		  size_t *n)
{
	const unsigned char *v = (const unsigned char *)raw;
	size_t i = 0;
	*s = len ? raw : "";
	*n = len;
	while (i < len && v[i] < 0x80 && v[i] != '&' && v[i] != '\0')
		i++;
	if (i == len)
		return WEFT_OK; /* the common case: plain ASCII */
	if (h->tok != WEFT__TOK_DECODE) { /* raw bytes: to UTF-8 (valid input is copied) */
		while (i < len && v[i] < 0x80)
			i++;
		if (i < len) {
			h->conv.n = 0;
			int rc = weft__doc_dec(h);
			if (!rc)
				rc = weft__dec_run(&h->dec, v, len, true, to_conv, &h->conv);
			if (rc)
				return rc;
			*s = h->conv.p ? h->conv.p : "";
			*n = h->conv.n;
		}
	}
	if (!memchr(*s, '&', *n) && !memchr(*s, '\0', *n))
		return WEFT_OK;
	h->refs.n = 0;
	if ((text ? weft__text_decode : weft__attr_decode)(*s, *n, &h->refs) != WEFT_OK)
		return WEFT_E_NOMEM;
	*s = h->refs.p ? h->refs.p : "";
	*n = h->refs.n;
	return WEFT_OK;
}

int weft__value(struct weft_html *h, const char **s, size_t *n)
{
	return decode(h, h->val.p, h->val.n, false, s, n);
}

/* ---- link records --------------------------------------------------------------------------- */

/* A kept value other than h->val, decoded: false when absent or dropped (too long). */
static bool xvalue(struct weft_html *h, unsigned bit, unsigned k, const char **s, size_t *n)
{
	if (!(h->have & bit))
		return false;
	if (h->xval_over >> k & 1) {
		h->overlong++;
		return false;
	}
	if (decode(h, h->xval[k].p, h->xval[k].n, false, s, n) != WEFT_OK) {
		h->rc = WEFT_E_NOMEM;
		return false;
	}
	return true;
}

/* Append s[0..n) to the entry's raw part with CR and CRLF as LF (input preprocessing). */
static void ent_add_lf(struct weft_html *h, const char *s, size_t n)
{
	const char *cr;
	while (n && (cr = memchr(s, '\r', n))) {
		size_t k = (size_t)(cr - s);
		ent_add(h, 0, s, k);
		ent_add(h, 0, "\n", 1);
		k += 1 + (k + 1 < n && cr[1] == '\n');
		s += k;
		n -= k;
	}
	ent_add(h, 0, s, n);
}

/* Append s[0..n) to out with runs of ASCII whitespace as one space (*sp: one is due). */
static int collapse(struct weft__buf *out, const char *s, size_t n, bool *sp)
{
	if (weft__buf_reserve(out, n + 1) != WEFT_OK)
		return WEFT_E_NOMEM;
	for (size_t i = 0; i < n; i++) {
		if (is_ascii_ws(s[i])) {
			*sp = true;
			continue;
		}
		if (*sp && out->n)
			out->p[out->n++] = ' ';
		*sp = false;
		out->p[out->n++] = s[i];
	}
	return WEFT_OK;
}

/* The length of collapsed text t[0..n) cut to WEFT_LINK_TEXT_MAX at a character boundary. */
static size_t text_cut(const char *t, size_t n)
{
	if (n > WEFT_LINK_TEXT_MAX) {
		n = WEFT_LINK_TEXT_MAX;
		while (n && ((unsigned char)t[n] & 0xC0) == 0x80)
			n--;
	}
	while (n && t[n - 1] == ' ')
		n--;
	return n;
}

static bool has_nofollow(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && is_ascii_ws(s[i]))
			i++;
		size_t j = i;
		while (j < n && !is_ascii_ws(s[j]))
			j++;
		if (j - i == 8 && strncasecmp(s + i, "nofollow", 8) == 0)
			return true;
		i = j;
	}
	return false;
}

/* The current tag's rel into the entry. */
static void ent_rel(struct weft_html *h)
{
	const char *s;
	size_t n;
	if (!xvalue(h, WEFT__W_REL, WEFT__X_REL, &s, &n))
		return;
	ent_add(h, 1, s, n);
	ent_add(h, 1, "", 1);
	if (has_nofollow(s, n) && !h->rc)
		h->ent.p[offsetof(struct ent, nofollow)] = 1;
}

/* A record of the current tag with value s[0..n) and text t[0..tn). */
static void record(struct weft_html *h, unsigned id, unsigned attr, const char *s, size_t n,
		   const char *t, size_t tn)
{
	ent_begin(h, E_LINK, id, attr);
	ent_add_lf(h, s, n);
	if (id == WEFT__T_LINK)
		ent_rel(h);
	ent_add(h, 2, t, tn);
	deliver(h);
}

/* The candidates' URLs of a srcset value (the HTML Standard's "parse a srcset attribute"). */
static void srcset(struct weft_html *h, unsigned id, const char *s, size_t n, const char *t,
		   size_t tn)
{
	size_t i = 0;
	while (i < n && !h->rc) {
		while (i < n && (is_ascii_ws(s[i]) || s[i] == ','))
			i++;
		size_t start = i;
		while (i < n && !is_ascii_ws(s[i]))
			i++;
		size_t end = i;
		if (end > start && s[end - 1] == ',') {
			while (end > start && s[end - 1] == ',')
				end--;
		} else { /* descriptors, up to a ',' outside parentheses */
			bool paren = false;
			for (; i < n; i++) {
				if (s[i] == '(')
					paren = true;
				else if (s[i] == ')')
					paren = false;
				else if (s[i] == ',' && !paren)
					break;
			}
		}
		if (end > start)
			record(h, id, A_SRCSET, s + start, end - start, t, tn);
	}
}

void weft__on_resource(struct weft_html *h, unsigned id)
{
	const char *s, *t = "";
	size_t n, tn = 0;
	if (id == WEFT__T_IMG && xvalue(h, WEFT__W_ALT, WEFT__X_ALT, &s, &n)) {
		bool sp = false;
		h->alt.n = 0;
		if (collapse(&h->alt, s, n, &sp) != WEFT_OK) {
			h->rc = WEFT_E_NOMEM;
			return;
		}
		t = h->alt.p;
		tn = text_cut(h->alt.p, h->alt.n);
	}
	unsigned main = id == WEFT__T_LINK ? WEFT__W_HREF : id == WEFT__T_OBJECT ? WEFT__W_DATA
										   : WEFT__W_SRC;
	if ((h->have & main) && h->val_over)
		h->overlong++;
	if ((h->have & main) && !h->val_over) {
		if (weft__value(h, &s, &n) != WEFT_OK) {
			h->rc = WEFT_E_NOMEM;
			return;
		}
		record(h, id, main == WEFT__W_HREF ? A_HREF : main == WEFT__W_DATA ? A_DATA : A_SRC,
		       s, n, t, tn);
	}
	if (id == WEFT__T_VIDEO && xvalue(h, WEFT__W_POSTER, WEFT__X_LINK2, &s, &n))
		record(h, id, A_POSTER, s, n, "", 0);
	if ((id == WEFT__T_IMG || id == WEFT__T_SOURCE) &&
	    xvalue(h, WEFT__W_SRCSET, WEFT__X_LINK2, &s, &n)) {
		h->tmp.n = 0; /* a copy: emitting may decode again */
		if (weft__buf_add(&h->tmp, s, n) != WEFT_OK) {
			h->rc = WEFT_E_NOMEM;
			return;
		}
		srcset(h, id, h->tmp.p, h->tmp.n, t, tn);
	}
}

void weft__on_anchors(struct weft_html *h)
{
	static const unsigned bits[2] = { WEFT__W_ID, WEFT__W_NAME };
	static const unsigned slots[2] = { WEFT__X_ID, WEFT__X_NAME };
	for (unsigned k = 0; k < 2 && !h->rc; k++) {
		const char *s;
		size_t n;
		if (!xvalue(h, bits[k], slots[k], &s, &n) || n == 0)
			continue;
		ent_begin(h, E_ANCHOR, 0, 0);
		ent_add_lf(h, s, n);
		deliver(h);
	}
}

void weft__on_hold(struct weft_html *h)
{
	h->body_mark = h->pending.n;
	h->body_cost = h->pending_cost;
}

void weft__on_a_start(struct weft_html *h)
{
	if (h->a_open)
		weft__on_a_end(h);
}

void weft__on_text(struct weft_html *h, const unsigned char *p, size_t n)
{
	if (h->template_depth)
		return; /* template content is not in the <a> */
	if (weft__buf_reserve(&h->run, RUN_MAX) != WEFT_OK) {
		h->rc = WEFT_E_NOMEM;
		return;
	}
	char *out = h->run.p;
	size_t k = h->run.n;
	bool ws_last = h->run_ws;
	for (size_t i = 0; i < n && k < RUN_MAX; i++) {
		unsigned c = p[i];
		if (c == '\0')
			continue; /* the tree builder drops it */
		bool ws = is_ascii_ws((char)c);
		if (ws && ws_last)
			continue;
		ws_last = ws;
		out[k++] = ws ? ' ' : (char)c;
	}
	h->run.n = k;
	h->run_ws = ws_last;
}

void weft__on_text_end(struct weft_html *h)
{
	if (!h->run.n)
		return;
	const char *s;
	size_t n;
	if (decode(h, h->run.p, h->run.n, true, &s, &n) != WEFT_OK ||
	    collapse(&h->text, s, n, &h->text_sp) != WEFT_OK)
		h->rc = WEFT_E_NOMEM;
	h->run.n = 0;
	if (h->text.n >= TEXT_KEEP)
		h->text_full = true;
}

/* The open <a> is complete: its entry goes out, or into the queue where it began. */
void weft__on_a_end(struct weft_html *h)
{
	if (!h->a_open)
		return;
	weft__on_text_end(h);
	h->a_open = false;
	struct ent e;
	memcpy(&e, h->a_ent.p, sizeof(e));
	e.text_n = text_cut(h->text.p, h->text.n);
	h->ent.n = 0;
	if (weft__buf_add(&h->ent, &e, sizeof(e)) ||
	    weft__buf_add(&h->ent, h->a_ent.p + sizeof(e), h->a_ent.n - sizeof(e)) ||
	    weft__buf_add(&h->ent, h->text.p, e.text_n)) {
		h->rc = WEFT_E_NOMEM;
		return;
	}
	if (h->rc)
		return;
	if (h->frozen && !h->hold && h->a_pos == 0) { /* nothing is queued before it */
		emit_ent(h, h->ent.p);
		flush(h);
		return;
	}
	if (weft__buf_reserve(&h->pending, h->ent.n) != WEFT_OK) {
		h->rc = WEFT_E_NOMEM;
		return;
	}
	memmove(h->pending.p + h->a_pos + h->ent.n, h->pending.p + h->a_pos,
		h->pending.n - h->a_pos);
	memcpy(h->pending.p + h->a_pos, h->ent.p, h->ent.n);
	h->pending.n += h->ent.n;
	h->pending_cost += ent_cost(&e);
	if (h->pending_cost > PENDING_MAX)
		h->frozen = true;
	if (h->frozen && (!h->hold || h->pending_cost > PENDING_MAX))
		flush(h);
}

/* An <a href> record: kept aside (h->a_ent) until its text is known. */
static void open_a(struct weft_html *h, const char *v, size_t n)
{
	ent_begin(h, E_LINK, WEFT__T_A, A_HREF);
	ent_add_lf(h, v, n);
	ent_rel(h);
	if (h->rc)
		return;
	h->a_ent.n = 0;
	if (weft__buf_add(&h->a_ent, h->ent.p, h->ent.n) != WEFT_OK) {
		h->rc = WEFT_E_NOMEM;
		return;
	}
	h->a_open = true;
	h->a_pos = h->pending.n;
	h->text.n = 0;
	h->run.n = 0;
	h->run_ws = true;
	h->text_sp = false;
	h->text_full = false;
}

/* A navigation record (a, area, iframe, frame) with value v[0..n) as the DOM has it. */
static void nav_record(struct weft_html *h, enum weft_link_tag tag, const char *v, size_t n)
{
	static const uint8_t ids[] = { WEFT__T_A, WEFT__T_AREA, WEFT__T_IFRAME, WEFT__T_FRAME };
	if (tag == WEFT_LINK_A) {
		open_a(h, v, n);
		return;
	}
	ent_begin(h, E_LINK, ids[tag], tag == WEFT_LINK_AREA ? A_HREF : A_SRC);
	ent_add_lf(h, v, n);
	if (tag == WEFT_LINK_AREA)
		ent_rel(h);
	deliver(h);
}

void weft__on_link(struct weft_html *h, enum weft_link_tag tag)
{
	const char *v;
	size_t n;
	if (h->val_over) {
		h->overlong++;
		return; /* longer than the cap: dropped, and counted */
	}
	if (weft__value(h, &v, &n) != WEFT_OK) {
		h->rc = WEFT_E_NOMEM;
		return;
	}
	if (h->rec) {
		if (h->sink.link)
			nav_record(h, tag, v, n);
		return;
	}
	trim(&v, &n);
	if (h->frozen && !h->hold) {
		emit_link(h, tag, v, n);
		return;
	}
	ent_begin(h, E_LEGACY, tag, 0);
	ent_add(h, 0, v, n);
	if (!h->rc)
		queue_ent(h);
}

void weft__on_base(struct weft_html *h)
{
	h->base_seen = true;
	const char *v = "";
	size_t n = 0;
	if (!h->val_over && weft__value(h, &v, &n) != WEFT_OK) {
		h->rc = WEFT_E_NOMEM;
		return;
	}
	struct weft_url *u = NULL;
	int rc = h->val_over ? WEFT_E_PARSE : weft_url_parse(&u, v, n, h->page, h->url_enc);
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

void weft__on_plaintext(struct weft_html *h)
{
	h->plaintext = true;
	h->hold = false; /* no frameset can follow either */
	freeze(h);
}

/* ---- the byte stream ---------------------------------------------------------------------- */

static int to_tokenizer(void *arg, const char *p, size_t n)
{
	struct weft_html *h = arg;
	weft__tokenize(h, (const unsigned char *)p, n);
	return h->rc;
}

/* Bytes of the document (after the BOM) into the tokenizer, decoded first if need be. */
static void push(struct weft_html *h, const unsigned char *p, size_t n, bool final)
{
	if (h->rc || h->plaintext)
		return;
	switch (h->tok) {
	case WEFT__TOK_RAW:
	case WEFT__TOK_RAW_TRAIL:
		if (n)
			weft__tokenize(h, p, n);
		break;
	case WEFT__TOK_DECODE: {
		int rc = weft__dec_run(&h->dec, p, n, final, to_tokenizer, h);
		if (rc && !h->rc)
			h->rc = rc;
		break;
	}
	case WEFT__TOK_NONE:
		break;
	}
}

/*
 * The encoding from the first bytes p[0..n) (the whole document if `final`); *bom gets the
 * length of the BOM to skip. A reused decoder is kept when the encoding is the same.
 */
static void decide(struct weft_html *h, const unsigned char *p, size_t n, bool final,
		   size_t *bom)
{
	const struct weft__enc *e = weft__enc_sniff(p, n, final, h->transport, bom);
	h->enc = e;
	h->url_enc = weft__enc_output_name(e);
	h->tok = e->tok;
	if (h->dec_ready && h->dec.enc != e) {
		weft__dec_fini(&h->dec);
		h->dec_ready = false;
	} else if (h->dec_ready) {
		weft__dec_restart(&h->dec);
	}
	if (h->tok == WEFT__TOK_DECODE && weft__doc_dec(h) != WEFT_OK)
		h->rc = WEFT_E_NOMEM;
}

/* ---- API ------------------------------------------------------------------------------------ */

static int reset(struct weft_html *h, const char *page_url, const char *charset)
{
	weft_url_free(&h->page);
	weft_url_free(&h->base);
	weft__buf_trim(&h->val, KEEP_MAX);
	weft__buf_trim(&h->conv, KEEP_MAX);
	weft__buf_trim(&h->refs, KEEP_MAX);
	weft__buf_trim(&h->key, KEEP_MAX);
	weft__buf_trim(&h->pending, KEEP_MAX);
	for (size_t k = 0; k < WEFT__X_N; k++)
		weft__buf_trim(&h->xval[k], KEEP_MAX);
	weft__buf_trim(&h->ent, KEEP_MAX);
	weft__buf_trim(&h->a_ent, KEEP_MAX);
	weft__buf_trim(&h->run, KEEP_MAX);
	weft__buf_trim(&h->text, KEEP_MAX);
	weft__buf_trim(&h->alt, KEEP_MAX);
	weft__buf_trim(&h->tmp, KEEP_MAX);
	h->pending_cost = h->body_mark = h->body_cost = 0;
	h->line = 0;
	h->tag_line = 1;
	h->lt = h->lc = NULL;
	h->line_cr = h->a_open = h->text_full = false;
	h->xval_over = 0;
	h->overlong = 0;
	weft__tok_reset(h);
	weft__tree_reset(h);
	h->transport = charset ? weft__enc_for_label(charset, strlen(charset)) : NULL;
	h->enc = NULL;
	h->url_enc = weft__enc_utf8()->name;
	h->tok = WEFT__TOK_RAW;
	h->base_seen = h->frozen = h->plaintext = false;
	h->rc = WEFT_OK;
	h->n_head = 0;
	h->finished = false;
	int rc = page_url ? weft_url_parse(&h->page, page_url, strlen(page_url), NULL, NULL)
			  : WEFT_OK;
	if (rc) {
		h->finished = true; /* unusable until a reset that works */
		return rc == WEFT_E_NOMEM ? rc : WEFT_E_INVAL;
	}
	return WEFT_OK;
}

int weft_html_reset(struct weft_html *h, const char *page_url, const char *charset,
		    weft_link_fn *fn, void *cookie)
{
	if (!h || !fn)
		return WEFT_E_INVAL;
	h->fn = fn;
	h->cookie = cookie;
	h->rec = h->rec_res = false;
	h->sink = (struct weft_html_sink){ 0 };
	return reset(h, page_url, charset);
}

static bool sink_ok(const struct weft_html_sink *sink)
{
	return sink && (sink->link || sink->anchor);
}

int weft_html_reset_sink(struct weft_html *h, const char *page_url, const char *charset,
			 const struct weft_html_sink *sink)
{
	if (!h || !sink_ok(sink))
		return WEFT_E_INVAL;
	h->fn = NULL;
	h->cookie = NULL;
	h->rec = true;
	h->sink = *sink;
	h->rec_res = sink->resources && sink->link;
	return reset(h, page_url, charset);
}

static struct weft_html *alloc(void)
{
	struct weft_html *h = malloc(sizeof(*h));
	if (h)
		memset(h, 0, offsetof(struct weft_html, open)); /* not the buffers at the end */
	return h;
}

int weft_html_new(struct weft_html **out, const char *page_url, const char *charset,
		  weft_link_fn *fn, void *cookie)
{
	if (!out || !fn)
		return WEFT_E_INVAL;
	*out = NULL;
	struct weft_html *h = alloc();
	if (!h)
		return WEFT_E_NOMEM;
	int rc = weft_html_reset(h, page_url, charset, fn, cookie);
	if (rc) {
		weft_html_free(&h);
		return rc;
	}
	*out = h;
	return WEFT_OK;
}

int weft_html_new_sink(struct weft_html **out, const char *page_url, const char *charset,
		       const struct weft_html_sink *sink)
{
	if (!out || !sink_ok(sink))
		return WEFT_E_INVAL;
	*out = NULL;
	struct weft_html *h = alloc();
	if (!h)
		return WEFT_E_NOMEM;
	int rc = weft_html_reset_sink(h, page_url, charset, sink);
	if (rc) {
		weft_html_free(&h);
		return rc;
	}
	*out = h;
	return WEFT_OK;
}

int weft_html_feed(struct weft_html *h, const void *buf, size_t len)
{
	if (!h || (!buf && len) || h->finished)
		return WEFT_E_INVAL;
	const unsigned char *p = buf;
	if (h->rc)
		return h->rc;
	if (!h->enc) {
		size_t bom = 0;
		bool enough = len >= WEFT__SNIFF_MAX || (h->transport && len >= 3);
		if (h->n_head == 0 && enough) { /* sniff in place, without a copy */
			decide(h, p, len, false, &bom);
			p += bom;
			len -= bom;
		} else {
			size_t k = WEFT__SNIFF_MAX - h->n_head < len ? WEFT__SNIFF_MAX - h->n_head
								      : len;
			if (k)
				memcpy(h->head + h->n_head, p, k);
			h->n_head += k;
			p += k;
			len -= k;
			if (h->n_head < WEFT__SNIFF_MAX && !(h->transport && h->n_head >= 3))
				return WEFT_OK;
			decide(h, h->head, h->n_head, false, &bom);
			push(h, h->head + bom, h->n_head - bom, false);
		}
	}
	push(h, p, len, false);
	return h->rc;
}

int weft_html_finish(struct weft_html *h)
{
	if (!h || h->finished)
		return WEFT_E_INVAL;
	h->finished = true;
	if (h->rc)
		return h->rc;
	if (!h->enc) {
		size_t bom = 0;
		decide(h, h->head, h->n_head, true, &bom);
		push(h, h->head + bom, h->n_head - bom, true);
	} else if (h->tok == WEFT__TOK_DECODE) {
		push(h, NULL, 0, true);
	}
	/* The end of the file: a tag still open is dropped; the base is what it is now. */
	if (h->a_open && !h->rc)
		weft__on_a_end(h);
	h->hold = false;
	if (!h->rc)
		freeze(h);
	return h->rc;
}

void weft_html_free(struct weft_html **hp)
{
	if (!hp || !*hp)
		return;
	struct weft_html *h = *hp;
	if (h->dec_ready)
		weft__dec_fini(&h->dec);
	free(h->val.p);
	free(h->conv.p);
	free(h->refs.p);
	free(h->key.p);
	free(h->pending.p);
	for (size_t k = 0; k < WEFT__X_N; k++)
		free(h->xval[k].p);
	free(h->ent.p);
	free(h->a_ent.p);
	free(h->run.p);
	free(h->text.p);
	free(h->alt.p);
	free(h->tmp.p);
	weft_url_free(&h->page);
	weft_url_free(&h->base);
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

/* ---- line numbers ---------------------------------------------------------------------------- */

/* The number of LF bytes in p[0..n). */
static size_t count_lf(const unsigned char *p, size_t n)
{
	size_t k = 0;
	const unsigned char *e = p + n;
	while ((p = memchr(p, '\n', (size_t)(e - p)))) {
		k++;
		p++;
	}
	return k;
}

unsigned weft__tag_line(struct weft_html *h)
{
	if (h->lt) {
		weft__count_lines(h, h->lc, (size_t)(h->lt - h->lc));
		h->lc = h->lt;
		h->lt = NULL;
		h->tag_line = h->line + 1;
	}
	return h->tag_line;
}

void weft__count_lines(struct weft_html *h, const unsigned char *p, size_t n)
{
	if (!n)
		return;
	if (!memchr(p, '\r', n)) {
		size_t k = count_lf(p, n);
		if (h->line_cr && p[0] == '\n')
			k--; /* the LF of a CRLF cut between two pieces */
		h->line += (unsigned)k;
		h->line_cr = false;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\r')
			h->line++;
		else if (p[i] == '\n' && !h->line_cr)
			h->line++;
		h->line_cr = p[i] == '\r';
	}
}

size_t weft_html_overlong(const struct weft_html *h)
{
	return h ? h->overlong : 0;
}
