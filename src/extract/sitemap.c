/*
 * sitemap.c -- sitemap.h: the <loc>s of a sitemap file, on libxml2's streaming parser and zlib.
 *
 * Why libxml2 here when the HTML extractor is hand-written: sitemaps are XML, not HTML. XML's
 * grammar is strict and libxml2 parses it correctly (well-formedness, namespaces, the encoding
 * declared in the prolog, character and predefined entity references, CDATA) and fast. What
 * ruled it out for pages (it is an HTML4 parser, not the HTML Standard's) does not apply here.
 *
 * Why its SAX2 push parser and not xmlTextReader: the reader builds a tree of every node it
 * reads ahead, and it reads ahead until the next element event, so a run of comments or
 * processing instructions is held whole: 10 MB of "<!---->" grew the peak RSS by 245 MB. Here
 * no tree is built: the parser calls back per element and per run of text, and memory is the
 * current piece of markup (capped at WEFT__SITEMAP_MAX_MARKUP) plus the current <loc>'s text.
 *
 * Design. A source (struct src) yields the body's bytes, copied or inflated (zlib, gzip
 * wrapper), in chunks of CHUNK bytes, counting uncompressed bytes: past
 * WEFT__SITEMAP_MAX_BYTES it flags the overflow and ends, so nothing beyond the cap is produced
 * (zlib's 32 KB window is the whole cost of a gzip bomb). Each chunk goes to xmlParseChunk();
 * the SAX callbacks track the depth, keep the text of a <loc> under <url> or <sitemap> and
 * deliver it when it ends. Errors are ranked when parsing ends (conclude()): the callback's
 * stop, then ours (limits, DOCTYPE, root), then the source's (cap, gzip), then libxml2's,
 * whose "premature end" is only a symptom of the others.
 *
 * Security: no network (XML_PARSE_NONET), no DTD loading or entity substitution (neither
 * XML_PARSE_DTDLOAD nor XML_PARSE_NOENT), and the parse stops at the DOCTYPE's name, before an
 * internal subset could declare an entity. Only the predefined entities and character
 * references are decoded (by the parser, into text).
 *
 * libxml2 must never print. The parser's context gets a structured error handler, and for the
 * duration of a parse this thread's global handlers point here too (libxml2 reports some
 * errors, e.g. of encoding conversion, without a context); they are restored afterwards. Both
 * are thread-local in libxml2, so concurrent parses do not see each other's.
 */
#define ZLIB_CONST
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dlfcn.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <zlib.h>

#include <weft.h>
#include <weft/url.h>

#include "extract/extract_int.h"
#include "extract/sitemap.h"
#include "util/util.h"

/*
 * libxml2 is loaded on first use, not linked: Debian's libxml2 brings ICU and liblzma with it,
 * and loading those cost every weft process 5 ms and 1.5 MiB at start (measured on `weft
 * demo`), a crawl without --sitemap included. The headers still give every type and
 * prototype; the calls below go through this table, filled by dlsym() in xml_init(). The
 * macros make the code read as plain libxml2 (xmlStructuredError and friends are libxml2's
 * own macros over the __xml...() functions).
 */
#define XML_SONAME "libxml2.so.2"
static struct {
	__typeof__(&xmlInitParser) InitParser;
	__typeof__(&xmlCreatePushParserCtxt) CreatePushParserCtxt;
	__typeof__(&xmlCtxtUseOptions) CtxtUseOptions;
	__typeof__(&xmlParseChunk) ParseChunk;
	__typeof__(&xmlStopParser) StopParser;
	__typeof__(&xmlFreeParserCtxt) FreeParserCtxt;
	__typeof__(&xmlSetStructuredErrorFunc) SetStructuredErrorFunc;
	__typeof__(&xmlSetGenericErrorFunc) SetGenericErrorFunc;
	__typeof__(&__xmlStructuredError) StructuredError;
	__typeof__(&__xmlStructuredErrorContext) StructuredErrorContext;
	__typeof__(&__xmlGenericError) GenericError;
	__typeof__(&__xmlGenericErrorContext) GenericErrorContext;
} X;
static char xml_load_err[256]; /* why libxml2 could not be loaded; "" when it was */

#define xmlInitParser X.InitParser
#define xmlCreatePushParserCtxt X.CreatePushParserCtxt
#define xmlCtxtUseOptions X.CtxtUseOptions
#define xmlParseChunk X.ParseChunk
#define xmlStopParser X.StopParser
#define xmlFreeParserCtxt X.FreeParserCtxt
#define xmlSetStructuredErrorFunc X.SetStructuredErrorFunc
#define xmlSetGenericErrorFunc X.SetGenericErrorFunc
#define __xmlStructuredError X.StructuredError
#define __xmlStructuredErrorContext X.StructuredErrorContext
#define __xmlGenericError X.GenericError
#define __xmlGenericErrorContext X.GenericErrorContext

/* No network, no DTD loading, no entity substitution: XML_PARSE_NOENT and _DTDLOAD are off. */
#define XML_OPTIONS XML_PARSE_NONET
#define CHUNK (64u << 10) /* bytes handed to the parser at a time */

/* ---- the byte source: plain or gzip, capped ------------------------------------------------- */

enum src_fail { SRC_OK = 0, SRC_OVER, SRC_GZIP, SRC_TRUNC, SRC_NOMEM };

struct src {
	const unsigned char *p;
	size_t n, off;  /* the body and how much of it was consumed */
	size_t total;   /* uncompressed bytes handed to the parser, <= the cap */
	bool gz;        /* the body is gzip: z is initialised */
	bool z_end;     /* the current gzip member has ended */
	z_stream z;
	enum src_fail fail;
	const char *zmsg; /* zlib's message for SRC_GZIP (static strings) */
};

static size_t plain_read(struct src *s, unsigned char *out, size_t want)
{
	size_t k = s->n - s->off < want ? s->n - s->off : want;
	if (k == 0)
		return 0; /* also when the body is NULL */
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
 * Up to want bytes of the body into out (0 at the end). Asks the source for one byte more
 * than the cap leaves room for: getting it means the file is over the cap, which is flagged
 * and ends the data there.
 */
static size_t src_read(struct src *s, unsigned char *out, size_t want)
{
	if (s->fail)
		return 0;
	size_t room = WEFT__SITEMAP_MAX_BYTES - s->total;
	if (want > room)
		want = room + 1;
	size_t got = s->gz ? gz_read(s, out, want) : plain_read(s, out, want);
	if (got > room) {
		s->fail = SRC_OVER;
		got = room;
	}
	s->total += got;
	return got;
}

/* ---- the parse ------------------------------------------------------------------------------ */

enum root { ROOT_NONE = 0, ROOT_URLSET, ROOT_INDEX };

struct sm {
	const char *url; /* the sitemap's, for messages */
	weft__sitemap_fn *fn;
	void *cookie;
	xmlParserCtxtPtr ctxt;
	struct weft__sitemap_stats st;
	enum root root;
	int depth;         /* of the next start tag: 0 for the root */
	bool in_item;      /* the open depth-1 element is a <url> (urlset) or <sitemap> (index) */
	int loc_depth;     /* depth of the open <loc> that counts, -1 when none */
	bool loc_long;     /* its text went over WEFT__SITEMAP_MAX_LOC_LEN */
	struct weft__buf text; /* its text so far */
	struct weft__buf key;  /* the serialised URL handed to fn */
	size_t locs;       /* <loc>s that counted: delivered + rejected */
	int rc;            /* why the parse stopped: the callback's value or a weft_err */
	bool stopped;      /* rc is the callback's */
	char *err;
	size_t errlen;
	int xlevel, xline; /* libxml2's most severe first message and its line */
	char xmsg[256];
};

/* Stop the parse with rc (the message, if any, is already in m->err). */
static void halt(struct sm *m, int rc)
{
	m->rc = rc;
	xmlStopParser(m->ctxt);
}

/* The structured error handler: keep the first message of the highest level seen (a
 * namespace error is reported and parsing goes on; a fatal one then explains the stop). */
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

/* The local name: libxml2 gives it without prefix, except when the prefix is undeclared. */
static const char *local_name(const xmlChar *name)
{
	const char *s = name ? (const char *)name : "";
	const char *colon = strrchr(s, ':');
	return colon ? colon + 1 : s;
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
	m->key.n = 0;
	rc = weft__buf_add(&m->key, weft_url_href(u), weft_url_key_len(u));
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
		halt(m, weft__err(WEFT_E_PARSE, m->err, m->errlen,
				  "sitemap %s: more than %u <loc> entries (the protocol's limit of "
				  "50,000 per file)", m->url, WEFT__SITEMAP_MAX_LOCS));
		return;
	}
	while (n && is_xml_ws(p[n - 1]))
		n--;
	while (n && is_xml_ws(*p))
		p++, n--;
	int rc = too_long || n == 0 ? WEFT_E_PARSE : loc_key(m, p, n);
	if (rc == WEFT_E_NOMEM) {
		halt(m, rc);
	} else if (rc != WEFT_OK) {
		m->st.rejected++;
	} else {
		enum weft__sitemap_kind kind =
			m->root == ROOT_INDEX ? WEFT__SITEMAP_CHILD : WEFT__SITEMAP_URL;
		if (kind == WEFT__SITEMAP_CHILD)
			m->st.children++;
		else
			m->st.urls++;
		int cb = m->fn(m->cookie, kind, m->key.p);
		if (cb) {
			m->stopped = true;
			halt(m, cb);
		}
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
		halt(m, weft__err(WEFT_E_PARSE, m->err, m->errlen,
				  "sitemap %s: not a sitemap: the root element is <%s>", m->url,
				  name));
	}
}

/* SAX2 startElementNs: only the names and the depth matter. */
static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		     const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
		     int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	struct sm *m = ctx;
	const char *name = local_name(localname);
	int depth = m->depth++;
	if (depth == 0) {
		on_root(m, name);
	} else if (depth == 1) {
		m->in_item = strcmp(name, m->root == ROOT_INDEX ? "sitemap" : "url") == 0;
	} else if (depth == 2 && m->in_item && m->loc_depth < 0 && strcmp(name, "loc") == 0) {
		m->loc_depth = depth;
	}
}

/* SAX2 endElementNs: the end of a counted <loc> delivers it. */
static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		   const xmlChar *uri)
{
	struct sm *m = ctx;
	if (--m->depth == m->loc_depth)
		finish_loc(m);
}

/* SAX2 characters, ignorableWhitespace and cdataBlock: text inside the open <loc> (at any
 * depth below it) is kept, up to the length limit. */
static void on_text(void *ctx, const xmlChar *v, int len)
{
	struct sm *m = ctx;
	if (m->loc_depth < 0 || m->loc_long || len <= 0)
		return;
	if ((size_t)len > WEFT__SITEMAP_MAX_LOC_LEN - m->text.n)
		m->loc_long = true;
	else if (weft__buf_add(&m->text, v, (size_t)len) != WEFT_OK)
		halt(m, WEFT_E_NOMEM);
}

/* SAX2 internalSubset: called at <!DOCTYPE name ...>, before any declaration is read. */
static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
		       const xmlChar *system_id)
{
	struct sm *m = ctx;
	halt(m, weft__err(WEFT_E_PARSE, m->err, m->errlen,
			  "sitemap %s: a DOCTYPE is not allowed in a sitemap", m->url));
}

/* The parser's callbacks: elements, text and the DOCTYPE; everything else is ignored. */
static void sax_init(xmlSAXHandler *sax)
{
	memset(sax, 0, sizeof(*sax));
	sax->initialized = XML_SAX2_MAGIC;
	sax->startElementNs = on_start;
	sax->endElementNs = on_end;
	sax->characters = on_text;
	sax->ignorableWhitespace = on_text;
	sax->cdataBlock = on_text;
	sax->internalSubset = on_doctype;
	sax->serror = on_xml_error;
}

/*
 * Feed the source to the parser chunk by chunk until it ends or the parse stops. Returns
 * false when libxml2 found the document malformed. Unparsed input (one incomplete piece of
 * markup: a tag, comment, CDATA section) is capped at WEFT__SITEMAP_MAX_MARKUP.
 */
static bool feed(struct sm *m, struct src *s, unsigned char *chunk)
{
	xmlParserCtxtPtr c = m->ctxt;
	size_t n;
	do {
		n = src_read(s, chunk, CHUNK);
		xmlParseChunk(c, (const char *)chunk, (int)n, n == 0);
		if (m->rc || !c->wellFormed)
			break;
		if (c->input && c->input->end - c->input->cur > (ptrdiff_t)WEFT__SITEMAP_MAX_MARKUP) {
			halt(m, weft__err(WEFT_E_PARSE, m->err, m->errlen,
					  "sitemap %s: line %d: a piece of markup longer than %u "
					  "bytes", m->url, c->input->line, WEFT__SITEMAP_MAX_MARKUP));
			break;
		}
	} while (n > 0);
	return c->wellFormed || m->rc;
}

/* The parse's result once feeding is over, in the order the file header explains. */
static int conclude(struct sm *m, const struct src *s, bool well_formed)
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
	if (!well_formed || m->root == ROOT_NONE)
		return weft__err(WEFT_E_PARSE, m->err, m->errlen, "sitemap %s: line %d: %s", m->url,
				 m->xline, m->xlevel ? m->xmsg : "malformed XML");
	return WEFT_OK;
}

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

/* Load libxml2 and find its functions (see X above), then xmlInitParser(), which libxml2 wants
   once before use from several threads. On failure xml_load_err says why. */
static void xml_init(void)
{
	static const char *const names[] = {
		"xmlInitParser", "xmlCreatePushParserCtxt", "xmlCtxtUseOptions", "xmlParseChunk",
		"xmlStopParser", "xmlFreeParserCtxt", "xmlSetStructuredErrorFunc",
		"xmlSetGenericErrorFunc", "__xmlStructuredError", "__xmlStructuredErrorContext",
		"__xmlGenericError", "__xmlGenericErrorContext",
	};
	_Static_assert(sizeof(X) == sizeof(names) / sizeof(names[0]) * sizeof(void *),
		       "one name per slot of X");
	void **slot = (void **)&X; /* the table is names' functions, in order */
	void *lib = dlopen(XML_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		snprintf(xml_load_err, sizeof(xml_load_err), "cannot load %s: %s", XML_SONAME,
			 dlerror());
		return;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(slot[i] = dlsym(lib, names[i]))) {
			snprintf(xml_load_err, sizeof(xml_load_err), "%s has no %s", XML_SONAME,
				 names[i]);
			return;
		}
	}
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
	xmlSAXHandler sax;
	unsigned char *chunk = NULL;
	int rc;
	if (err && errlen)
		err[0] = '\0';
	if (!fn || (!data && len)) {
		rc = weft__err(WEFT_E_INVAL, err, errlen, "sitemap: no callback or no data");
		goto out;
	}
	pthread_once(&xml_once, xml_init);
	if (xml_load_err[0]) {
		rc = weft__err(WEFT_E_UNSUPPORTED, err, errlen, "sitemap %s: %s", m.url,
			       xml_load_err);
		goto out;
	}
	if (s.n >= 2 && s.p[0] == 0x1f && s.p[1] == 0x8b) {
		if (inflateInit2(&s.z, 16 + MAX_WBITS) != Z_OK) {
			rc = WEFT_E_NOMEM;
			goto out;
		}
		s.gz = true;
	}
	sax_init(&sax);
	chunk = malloc(CHUNK);
	m.ctxt = chunk ? xmlCreatePushParserCtxt(&sax, &m, NULL, 0, sitemap_url) : NULL;
	if (!m.ctxt) {
		rc = WEFT_E_NOMEM;
		goto out;
	}
	xmlCtxtUseOptions(m.ctxt, XML_OPTIONS);
	handlers_push(&old, &m);
	rc = conclude(&m, &s, feed(&m, &s, chunk));
	handlers_pop(&old);
out:
	if (m.ctxt)
		xmlFreeParserCtxt(m.ctxt);
	if (s.gz)
		inflateEnd(&s.z);
	free(chunk);
	free(m.text.p);
	free(m.key.p);
	if (st)
		*st = m.st;
	return rc;
}
