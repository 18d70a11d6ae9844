/*
 * extract_int.h -- the pieces of the HTML link extractor (src/extract/) and how they connect.
 *
 * The body goes through a pipeline before libxml2 sees it:
 *
 *   bytes -> sniff (encoding.c) -> decode to UTF-8 (decode.c) -> normalise (normalize.c)
 *         -> libxml2 HTML push parser, SAX mode (html.c) -> links
 *
 * encoding.c picks the document's encoding the way the HTML Standard does (BOM, HTTP charset,
 * <meta> prescan of the first 1024 bytes, default). decode.c turns any encoding into valid UTF-8
 * (so libxml2 never meets an encoding error or a late <meta> switch). normalize.c rewrites what
 * libxml2's HTML4-era tokenizer gets wrong and a context-free rewrite can fix: NUL bytes, CR,
 * and character references, which it resolves per the HTML Standard and re-emits as numeric
 * references that libxml2 decodes exactly, plus a few markup rewrites.
 *
 * Every stage is a plain struct owned by one extractor; nothing here has global mutable state.
 */
#ifndef WEFT_EXTRACT_INT_H
#define WEFT_EXTRACT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A stage's output goes to a sink. A non-zero return stops the pipeline and is passed back. */
typedef int weft__sink_fn(void *arg, const char *buf, size_t len);

/* ---- encoding.c: WHATWG encodings, labels and sniffing ---------------------------------- */

enum weft__enc_kind {
	WEFT__ENC_UTF8 = 0,
	WEFT__ENC_1252,        /* windows-1252 (also what "iso-8859-1" and "ascii" mean) */
	WEFT__ENC_UTF16LE,
	WEFT__ENC_UTF16BE,
	WEFT__ENC_USER,        /* x-user-defined */
	WEFT__ENC_REPLACEMENT, /* the whole document decodes to one U+FFFD */
	WEFT__ENC_ICONV,       /* every other legacy encoding, through glibc iconv */
};

struct weft__enc {
	const char *name;  /* the WHATWG name, lower case: also a valid label for weft/url.h */
	enum weft__enc_kind kind;
	const char *iconv; /* iconv name for WEFT__ENC_ICONV, else NULL */
};

/* The encoding a label names (ASCII whitespace trimmed, case-insensitive), or NULL. */
const struct weft__enc *weft__enc_for_label(const char *label, size_t len);
/* UTF-8 and windows-1252 (the defaults). */
const struct weft__enc *weft__enc_utf8(void);
const struct weft__enc *weft__enc_1252(void);
/* A BOM at p[0..n): its encoding and length in *bom_len, or NULL. n must be >= 3 or final. */
const struct weft__enc *weft__enc_bom(const unsigned char *p, size_t n, size_t *bom_len);
/* The HTML Standard's "prescan a byte stream to determine its encoding" over p[0..n). */
const struct weft__enc *weft__enc_prescan(const unsigned char *p, size_t n);
/*
 * The whole sniffing algorithm over the first bytes p[0..n): BOM, then the transport encoding
 * (the HTTP charset's, or NULL), then the prescan, then the default. `final` says p[0..n) is
 * the whole document. *bom_len gets the length of the BOM to skip.
 */
const struct weft__enc *weft__enc_sniff(const unsigned char *p, size_t n, bool final,
					 const struct weft__enc *transport, size_t *bom_len);
/* The encoding URLs of the document use for queries ("get an output encoding"). */
const char *weft__enc_output_name(const struct weft__enc *e);

/* ---- decode.c: any encoding to valid UTF-8, streaming ----------------------------------- */

struct weft__dec {
	const struct weft__enc *enc;
	void *cd;               /* iconv_t for WEFT__ENC_ICONV */
	unsigned char carry[8]; /* an incomplete sequence left from the last call */
	size_t n_carry;
	bool replaced;          /* WEFT__ENC_REPLACEMENT: the one U+FFFD went out */
};

int weft__dec_init(struct weft__dec *d, const struct weft__enc *enc);
void weft__dec_fini(struct weft__dec *d);
/*
 * Decode in[0..n) and pass valid UTF-8 to sink in pieces. `final`: the input ends here, so an
 * incomplete trailing sequence becomes U+FFFD. Returns 0, WEFT_E_NOMEM or the sink's value.
 */
int weft__dec_run(struct weft__dec *d, const unsigned char *in, size_t n, bool final,
		  weft__sink_fn *sink, void *arg);

/* ---- normalize.c: the normaliser in front of libxml2 ------------------------------------ */

struct weft__norm {
	char out[8192];  /* output buffer, flushed to the sink when full and after each call */
	size_t n_out;
	int state;       /* where in a "&..." reference the last call stopped */
	int mk;          /* where in a "<..." the last call stopped */
	bool after_cr;   /* the last character was a CR (a following LF is dropped) */
	char ref[40];    /* the name of a named reference being read */
	size_t n_ref;
	uint32_t num;    /* the value of a numeric reference being read (saturated) */
	bool hex;
	size_t n_digits;
};

void weft__norm_init(struct weft__norm *z);
/* Normalise in[0..n) (valid UTF-8) into the sink. `final` flushes what is pending. */
int weft__norm_run(struct weft__norm *z, const char *in, size_t n, bool final,
		   weft__sink_fn *sink, void *arg);

/*
 * A named character reference: name[0..len) without '&' and ';'. Returns the number of code
 * points (1 or 2, written to cp) or 0 when no such name exists; *legacy says whether the name
 * is also valid without a ';'.
 */
int weft__entity(const char *name, size_t len, uint32_t cp[2], bool *legacy);

/* The windows-1252 code point of byte b (0x80..0x9F), also used for &#128;..&#159;. */
uint32_t weft__cp1252_c1(unsigned b);

/* Append the UTF-8 form of cp (<= 0x10FFFF, not a surrogate) to out; returns the length. */
size_t weft__utf8_put(char *out, uint32_t cp);

#endif
