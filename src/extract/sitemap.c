/*
 * sitemap.c -- sitemap.h: the <loc>s of a sitemap file, on libxml2's streaming reader and zlib.
 *
 * Why libxml2 here when the HTML extractor is hand-written: sitemaps are XML, not HTML. XML's
 * grammar is strict and libxml2 parses it correctly (well-formedness, namespaces, the encoding
 * declared in the prolog, character and predefined entity references, CDATA) and fast. What
 * ruled it out for pages (it is an HTML4 parser, not the HTML Standard's) does not apply here.
 *
 * Design. Bytes reach the reader through an IO callback (io_read) that copies them from the
 * body or inflates them (zlib, gzip wrapper) straight into the reader's own buffer, counting
 * the uncompressed bytes: at WEFT__SITEMAP_MAX_BYTES it reports end of input and flags the
 * overflow, so nothing past the cap is produced or held (zlib's 32 KB window and the reader's
 * few KB of buffer are the whole cost of a gzip bomb). The reader frees the nodes it has
 * walked past; the walk keeps only the text of the current <loc>. Errors are ranked when the
 * walk ends (conclude()): the callback's stop, then ours (limits, DOCTYPE, root), then the
 * source's (cap, gzip), then libxml2's, whose "premature end" is only a symptom of the others.
 *
 * libxml2 must never print. The reader gets a structured error handler, and for the duration
 * of a parse this thread's global handlers point here too (libxml2 reports some errors, e.g.
 * of encoding conversion, without a parser context); they are restored afterwards. Both are
 * thread-local in libxml2, so concurrent parses do not see each other's.
 */
#define ZLIB_CONST
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>
#include <zlib.h>

#include <weft.h>
#include <weft/url.h>

#include "extract/extract_int.h"
#include "extract/sitemap.h"
#include "util/util.h"

/* No network, no DTD loading, no entity substitution: XML_PARSE_NOENT and _DTDLOAD are off. */
#define XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOXINCNODE)

/* ---- the byte source: plain or gzip, capped ------------------------------------------------- */

enum src_fail { SRC_OK = 0, SRC_OVER, SRC_GZIP, SRC_TRUNC, SRC_NOMEM };

struct src {
	const unsigned char *p;
	size_t n, off;  /* the body and how much of it was consumed */
	size_t total;   /* uncompressed bytes handed to the reader, <= the cap */
	bool gz;        /* the body is gzip: z is initialised */
	bool z_end;     /* the current gzip member has ended */
	z_stream z;
	enum src_fail fail;
	const char *zmsg; /* zlib's message for SRC_GZIP (static strings) */
};

static size_t plain_read(struct src *s, unsigned char *out, size_t want)
{
	size_t k = s->n - s->off < want ? s->n - s->off : want;
	memcpy(out, s->p + s->off, k);
	s->off += k;
	return k;
}

/* After a member's end: start the next one if the body goes on with gzip's magic (RFC 1952
 * allows several members, as `cat a.gz b.gz` makes); anything else after the end is ignored. */
static bool gz_next_member(struct src *s)
{
	if (s->n - s->off < 2 || s->p[s->off] != 0x1f || s->p[s->off + 1] != 0x8b)
		return false;
	if (inflateReset(&s->z) != Z_OK) {
		s->fail = SRC_GZIP;
		s->zmsg = "inflateReset failed";
		return false;
	}
	s->z_end = false;
	return true;
}

/* Inflate up to want bytes into out; fewer at the end of the data or on failure (s->fail). */
static size_t gz_read(struct src *s, unsigned char *out, size_t want)
{
	size_t got = 0;
	while (got < want && !s->fail) {
		if (s->z_end && !gz_next_member(s))
			break;
		size_t in = s->n - s->off;
		s->z.next_in = s->p + s->off;
		s->z.avail_in = in > UINT_MAX ? UINT_MAX : (uInt)in;
		s->z.next_out = out + got;
		s->z.avail_out = (uInt)(want - got); /* want comes from an int */
		uInt in0 = s->z.avail_in, out0 = s->z.avail_out;
		int zr = inflate(&s->z, Z_NO_FLUSH);
		s->off += in0 - s->z.avail_in;
		got += out0 - s->z.avail_out;
		if (zr == Z_STREAM_END) {
			s->z_end = true;
		} else if (zr == Z_MEM_ERROR) {
			s->fail = SRC_NOMEM;
		} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			s->fail = SRC_GZIP;
			s->zmsg = s->z.msg ? s->z.msg : zError(zr);
		} else if (s->z.avail_out > 0 && s->off == s->n) {
			s->fail = SRC_TRUNC; /* zlib wants more input and there is none */
		}
	}
	return got;
}

/*
 * The reader's xmlInputReadCallback. Asks the source for one byte more than the cap leaves
 * room for: getting it means the file is over the cap, which is flagged and reported to the
 * reader as the end of input (returning -1 would make libxml2 report an IO error globally).
 */
static int io_read(void *ctx, char *buf, int len)
{
	struct src *s = ctx;
	if (s->fail || len <= 0)
		return 0;
	size_t room = WEFT__SITEMAP_MAX_BYTES - s->total;
	size_t want = (size_t)len <= room ? (size_t)len : room + 1;
	unsigned char *out = (unsigned char *)buf;
	size_t got = s->gz ? gz_read(s, out, want) : plain_read(s, out, want);
	if (got > room) {
		s->fail = SRC_OVER;
		got = room;
	}
	s->total += got;
	return (int)got;
}

/* ---- the walk --------------------------------------------------------------------------------- */

enum root { ROOT_NONE = 0, ROOT_URLSET, ROOT_INDEX };

struct sm {
	const char *url; /* the sitemap's, for messages */
	weft__sitemap_fn *fn;
	void *cookie;
	struct weft__sitemap_stats st;
	enum root root;
	bool in_item;      /* the open depth-1 element is a <url> (urlset) or <sitemap> (index) */
	int loc_depth;     /* depth of the open <loc> that counts, -1 when none */
	bool loc_long;     /* its text went over WEFT__SITEMAP_MAX_LOC_LEN */
	struct weft__buf text; /* its text so far */
	struct weft__buf key;  /* the serialised URL handed to fn */
	size_t locs;       /* <loc>s that counted: delivered + rejected */
	int rc;            /* why the walk stopped: the callback's value or a weft_err */
	bool stopped;      /* rc is the callback's */
	char *err;
	size_t errlen;
	int xlevel, xline; /* libxml2's most severe first message and its line */
	char xmsg[256];
};

/* The reader's structured error handler: keep the first message of the highest level seen
 * (a namespace error is reported and parsing goes on; a fatal one then explains the stop). */
static void on_xml_error(void *arg, xmlErrorPtr e)
{
	struct sm *m = arg;
	if (!e || (int)e->level < XML_ERR_ERROR || (int)e->level <= m->xlevel)
		return;
	m->xlevel = (int)e->level;
	m->xline = e->line;
	snprintf(m->xmsg, sizeof(m->xmsg), "%s", e->message ? e->message : "malformed XML");
	size_t n = strlen(m->xmsg);
	while (n && (m->xmsg[n - 1] == '\n' || m->xmsg[n - 1] == ' '))
		m->xmsg[--n] = '\0';
}

/* libxml2's generic handler for this thread during a parse: silence. */
static void on_generic(void *ctx, const char *msg, ...)
{
}

struct handlers {
	xmlStructuredErrorFunc s;
	void *sctx;
	xmlGenericErrorFunc g;
	void *gctx;
};

/* Point this thread's global libxml2 error handlers at m, saving the old ones in old. */
static void handlers_push(struct handlers *old, struct sm *m)
{
	old->s = xmlStructuredError;
	old->sctx = xmlStructuredErrorContext;
	old->g = xmlGenericError;
	old->gctx = xmlGenericErrorContext;
	xmlSetStructuredErrorFunc(m, on_xml_error);
	xmlSetGenericErrorFunc(m, on_generic);
}

static void handlers_pop(const struct handlers *old)
{
	xmlSetStructuredErrorFunc(old->sctx, old->s);
	xmlSetGenericErrorFunc(old->gctx, old->g);
}

/* The element's local name, also when its prefix is undeclared (libxml2 then keeps "p:name"). */
static const char *local_name(xmlTextReaderPtr r)
{
	const char *name = (const char *)xmlTextReaderConstLocalName(r);
	if (!name)
		return "";
	const char *colon = strrchr(name, ':');
	return colon ? colon + 1 : name;
}

static bool is_xml_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Parse an absolute loc into m->key (href without fragment). WEFT_E_PARSE when it is not an
 * absolute http(s) URL: sitemaps.org requires fully qualified URLs, so there is no base. */
static int loc_key(struct sm *m, const char *p, size_t n)
{
	struct weft_url *u = NULL;
	int rc = weft_url_parse(&u, p, n, NULL, NULL);
	if (rc != WEFT_OK)
		return rc;
	if (!weft_url_is_http(u)) {
		rc = WEFT_E_PARSE;
		goto out;
	}
	size_t k = weft_url_key_len(u);
	m->key.n = 0;
	rc = weft__buf_add(&m->key, weft_url_href(u), k);
	if (rc == WEFT_OK)
		rc = weft__buf_add(&m->key, "", 1);
out:
	weft_url_free(&u);
	return rc;
}

/* A counted <loc> has ended: enforce the count limit, trim, parse, deliver or reject. */
static void finish_loc(struct sm *m)
{
	const char *p = m->text.p;
	size_t n = m->text.n;
	bool too_long = m->loc_long;
	m->loc_depth = -1;
	m->loc_long = false;
	m->text.n = 0;
	if (++m->locs > WEFT__SITEMAP_MAX_LOCS) {
		m->rc = weft__err(WEFT_E_PARSE, m->err, m->errlen,
				  "sitemap %s: more than %u <loc> entries (the protocol's limit of "
				  "50,000 per file)", m->url, WEFT__SITEMAP_MAX_LOCS);
		return;
	}
	while (n && is_xml_ws(p[n - 1]))
		n--;
	while (n && is_xml_ws(*p))
		p++, n--;
	int rc = too_long || n == 0 ? WEFT_E_PARSE : loc_key(m, p, n);
	if (rc == WEFT_E_NOMEM) {
		m->rc = rc;
	} else if (rc != WEFT_OK) {
		m->st.rejected++;
	} else {
		enum weft__sitemap_kind kind =
			m->root == ROOT_INDEX ? WEFT__SITEMAP_CHILD : WEFT__SITEMAP_URL;
		if (kind == WEFT__SITEMAP_CHILD)
			m->st.children++;
		else
			m->st.urls++;
		m->rc = m->fn(m->cookie, kind, m->key.p);
		m->stopped = m->rc != 0;
	}
}

/* The root element decides the kind of file; anything else is not a sitemap. */
static void on_root(struct sm *m, const char *name)
{
	if (strcmp(name, "urlset") == 0) {
		m->root = ROOT_URLSET;
	} else if (strcmp(name, "sitemapindex") == 0) {
		m->root = ROOT_INDEX;
		m->st.is_index = true;
	} else {
		m->rc = weft__err(WEFT_E_PARSE, m->err, m->errlen,
				  "sitemap %s: not a sitemap: the root element is <%s>", m->url,
				  name);
	}
}

static void on_start(struct sm *m, xmlTextReaderPtr r)
{
	const char *name = local_name(r);
	int depth = xmlTextReaderDepth(r);
	if (depth == 0) {
		on_root(m, name);
	} else if (depth == 1) {
		m->in_item = strcmp(name, m->root == ROOT_INDEX ? "sitemap" : "url") == 0;
	} else if (depth == 2 && m->in_item && m->loc_depth < 0 && strcmp(name, "loc") == 0) {
		m->loc_depth = depth;
		if (xmlTextReaderIsEmptyElement(r) == 1)
			finish_loc(m); /* <loc/>: no end tag will come */
	}
}

/* Text inside the open <loc> (at any depth below it) is kept, up to the length limit. */
static void on_text(struct sm *m, xmlTextReaderPtr r)
{
	if (m->loc_depth < 0 || m->loc_long)
		return;
	const char *v = (const char *)xmlTextReaderConstValue(r);
	size_t n = v ? strlen(v) : 0;
	if (n > WEFT__SITEMAP_MAX_LOC_LEN - m->text.n)
		m->loc_long = true;
	else if (weft__buf_add(&m->text, v, n) != WEFT_OK)
		m->rc = WEFT_E_NOMEM;
}

/* Read nodes until the end, an error (-1) or a stop (m->rc). Returns the last read's value. */
static int walk(struct sm *m, xmlTextReaderPtr r)
{
	int ret;
	while ((ret = xmlTextReaderRead(r)) == 1) {
		switch (xmlTextReaderNodeType(r)) {
		case XML_READER_TYPE_ELEMENT:
			on_start(m, r);
			break;
		case XML_READER_TYPE_END_ELEMENT:
			if (m->loc_depth >= 0 && xmlTextReaderDepth(r) == m->loc_depth)
				finish_loc(m);
			break;
		case XML_READER_TYPE_TEXT:
		case XML_READER_TYPE_CDATA:
		case XML_READER_TYPE_WHITESPACE:
		case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
			on_text(m, r);
			break;
		case XML_READER_TYPE_DOCUMENT_TYPE:
			m->rc = weft__err(WEFT_E_PARSE, m->err, m->errlen,
					  "sitemap %s: a DOCTYPE is not allowed in a sitemap", m->url);
			break;
		default:
			break;
		}
		if (m->rc)
			break;
	}
	return ret;
}

/* The parse's result once the walk is over, in the order the file header explains. */
static int conclude(struct sm *m, const struct src *s, int ret)
{
	if (m->rc)
		return m->rc; /* the callback's stop, or a message already written */
	switch (s->fail) {
	case SRC_OVER:
		return weft__err(WEFT_E_PARSE, m->err, m->errlen,
				 "sitemap %s: more than %u bytes uncompressed (the protocol's limit "
				 "of 50 MB per file)", m->url, WEFT__SITEMAP_MAX_BYTES);
	case SRC_GZIP:
		return weft__err(WEFT_E_PARSE, m->err, m->errlen, "sitemap %s: bad gzip data: %s",
				 m->url, s->zmsg);
	case SRC_TRUNC:
		return weft__err(WEFT_E_PARSE, m->err, m->errlen,
				 "sitemap %s: truncated gzip data", m->url);
	case SRC_NOMEM:
		return WEFT_E_NOMEM;
	case SRC_OK:
		break;
	}
	if (ret < 0 || m->root == ROOT_NONE)
		return weft__err(WEFT_E_PARSE, m->err, m->errlen, "sitemap %s: line %d: %s", m->url,
				 m->xline, m->xlevel ? m->xmsg : "malformed XML");
	return WEFT_OK;
}

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

/* libxml2 wants xmlInitParser() once before use from several threads. */
static void xml_init(void)
{
	xmlInitParser();
}

int weft__sitemap_parse(const char *sitemap_url, const void *data, size_t len,
			weft__sitemap_fn *fn, void *cookie, struct weft__sitemap_stats *st,
			char *err, size_t errlen)
{
	struct sm m = { .url = sitemap_url ? sitemap_url : "(unnamed)", .fn = fn,
			.cookie = cookie, .loc_depth = -1, .err = err, .errlen = errlen };
	struct src s = { .p = data, .n = data ? len : 0 };
	struct handlers old;
	xmlTextReaderPtr r = NULL;
	int rc;
	if (err && errlen)
		err[0] = '\0';
	if (!fn || (!data && len)) {
		rc = weft__err(WEFT_E_INVAL, err, errlen, "sitemap: no callback or no data");
		goto out;
	}
	pthread_once(&xml_once, xml_init);
	if (s.n >= 2 && s.p[0] == 0x1f && s.p[1] == 0x8b) {
		if (inflateInit2(&s.z, 16 + MAX_WBITS) != Z_OK) {
			rc = WEFT_E_NOMEM;
			goto out;
		}
		s.gz = true;
	}
	handlers_push(&old, &m);
	r = xmlReaderForIO(io_read, NULL, &s, sitemap_url, NULL, XML_OPTIONS);
	if (r) {
		xmlTextReaderSetStructuredErrorHandler(r, on_xml_error, &m);
		rc = conclude(&m, &s, walk(&m, r));
		xmlFreeTextReader(r);
	} else {
		rc = s.fail ? conclude(&m, &s, -1) : WEFT_E_NOMEM;
	}
	handlers_pop(&old);
out:
	if (s.gz)
		inflateEnd(&s.z);
	free(m.text.p);
	free(m.key.p);
	if (st)
		*st = m.st;
	return rc;
}
