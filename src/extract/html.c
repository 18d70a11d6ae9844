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

#include <weft.h>
#include <weft/extract.h>
#include <weft/url.h>

#include "extract/extract_int.h"

#define PENDING_MAX (1u << 20) /* link bytes held while the base may still change */
#define KEEP_MAX (64u << 10)   /* buffer memory a reused extractor keeps */

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

/* Emit every queued link against the current base, in document order. */
static void flush(struct weft_html *h)
{
	size_t i = 0;
	while (i < h->pending.n && !h->rc) {
		enum weft_link_tag tag = (enum weft_link_tag)(unsigned char)h->pending.p[i];
		size_t n;
		memcpy(&n, h->pending.p + i + 1, sizeof(n));
		emit_link(h, tag, h->pending.p + i + 1 + sizeof(n), n);
		i += 1 + sizeof(n) + n;
	}
	weft__buf_trim(&h->pending, KEEP_MAX);
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
	h->pending.n = 0;
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

int weft__value(struct weft_html *h, const char **s, size_t *n)
{
	const unsigned char *v = (const unsigned char *)h->val.p;
	size_t len = h->val.n, i = 0;
	*s = len ? h->val.p : "";
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
	if (weft__attr_decode(*s, *n, &h->refs) != WEFT_OK)
		return WEFT_E_NOMEM;
	*s = h->refs.p;
	*n = h->refs.n;
	return WEFT_OK;
}

void weft__on_link(struct weft_html *h, enum weft_link_tag tag)
{
	const char *v;
	size_t n;
	if (h->val_over)
		return; /* longer than the cap: dropped */
	if (weft__value(h, &v, &n) != WEFT_OK) {
		h->rc = WEFT_E_NOMEM;
		return;
	}
	while (n && is_ascii_ws(*v)) {
		v++;
		n--;
	}
	while (n && is_ascii_ws(v[n - 1]))
		n--;
	if (h->frozen && !h->hold) {
		emit_link(h, tag, v, n);
		return;
	}
	unsigned char t = (unsigned char)tag;
	if (weft__buf_reserve(&h->pending, 1 + sizeof(n) + n) != WEFT_OK) {
		h->rc = WEFT_E_NOMEM;
		return;
	}
	weft__buf_add(&h->pending, &t, 1);
	weft__buf_add(&h->pending, &n, sizeof(n));
	weft__buf_add(&h->pending, v, n);
	if (h->pending.n > PENDING_MAX) { /* against the page URL; a later <base> applies then */
		h->frozen = true;
		flush(h);
	}
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

int weft_html_reset(struct weft_html *h, const char *page_url, const char *charset,
		    weft_link_fn *fn, void *cookie)
{
	if (!h || !fn)
		return WEFT_E_INVAL;
	weft_url_free(&h->page);
	weft_url_free(&h->base);
	weft__buf_trim(&h->val, KEEP_MAX);
	weft__buf_trim(&h->conv, KEEP_MAX);
	weft__buf_trim(&h->refs, KEEP_MAX);
	weft__buf_trim(&h->key, KEEP_MAX);
	weft__buf_trim(&h->pending, KEEP_MAX);
	weft__tok_reset(h);
	weft__tree_reset(h);
	h->fn = fn;
	h->cookie = cookie;
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

int weft_html_new(struct weft_html **out, const char *page_url, const char *charset,
		  weft_link_fn *fn, void *cookie)
{
	if (!out || !fn)
		return WEFT_E_INVAL;
	*out = NULL;
	struct weft_html *h = malloc(sizeof(*h));
	if (!h)
		return WEFT_E_NOMEM;
	memset(h, 0, offsetof(struct weft_html, open)); /* not the buffers at the end */
	int rc = weft_html_reset(h, page_url, charset, fn, cookie);
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
