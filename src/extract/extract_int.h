/*
 * extract_int.h -- the pieces of the HTML link extractor (src/extract/) and how they connect.
 *
 *   bytes -> sniff (encoding.c) -> [decode to UTF-8 (decode.c): UTF-16, ISO-2022-JP only]
 *         -> WHATWG tokenizer (tokenizer.c) -> tree facts (tree.c) -> links (html.c)
 *
 * encoding.c picks the document's encoding the way the HTML Standard does (BOM, HTTP charset,
 * <meta> prescan of the first 1024 bytes, default) and says how the tokenizer may read it: most
 * encodings are tokenized on the raw bytes (see enum weft__tok_mode), so decode.c only runs
 * over the attribute values that are kept, and over whole documents in UTF-16 or ISO-2022-JP.
 * tokenizer.c is the HTML Standard's tokenizer, reduced to what decides where tags are and
 * what the link attributes hold. tree.c knows the few tree-construction rules that decide
 * whether a link element is in the document (template, frameset, foreign content) and which
 * end tag ends raw text. html.c is the API: sniffing, value decoding (charref.c resolves the
 * character references), the base URL and the callback.
 *
 * Link records (weft_html_new_sink(), h->rec): tree.c also wants the attributes of records
 * and anchors and calls html.c for them (weft__on_resource(), weft__on_anchors(), the <a>
 * start and end); the tokenizer hands html.c the data state's text while an <a> is open and
 * the position of each '<' for line numbers. Without a sink none of it runs.
 *
 * All state of a document lives in one struct weft_html, defined here because the three
 * stages share it. Nothing here has global mutable state: an extractor belongs to one thread.
 */
#ifndef WEFT_EXTRACT_INT_H
#define WEFT_EXTRACT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <weft/extract.h>

/* A stage's output goes to a sink. A non-zero return stops the pipeline and is passed back. */
typedef int weft__sink_fn(void *arg, const char *buf, size_t len);

/* A growable byte buffer (buf.c). */
struct weft__buf {
	char *p;
	size_t n;
	size_t cap;
};

/* Make room for `more` bytes after n; WEFT_OK or WEFT_E_NOMEM. */
int weft__buf_reserve(struct weft__buf *b, size_t more);
/* Append p[0..n); WEFT_OK or WEFT_E_NOMEM. */
int weft__buf_add(struct weft__buf *b, const void *p, size_t n);
/* Free the memory when it grew past `keep` bytes (a reused extractor stays small). */
void weft__buf_trim(struct weft__buf *b, size_t keep);

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

/*
 * How the tokenizer reads a document in an encoding. The tokenizer's syntax is ASCII: '<',
 * '>', '/', '!', '-', '=', '?', quotes, '[', ']', ASCII whitespace and letters. Tokenizing the
 * raw bytes gives the same tokens as tokenizing the decoded text when those bytes always stand
 * for themselves, i.e. never occur inside a multi-byte sequence:
 *  - RAW: UTF-8 (sequence bytes are >= 0x80), every single-byte encoding, x-user-defined,
 *    EUC-JP (bytes >= 0xA1 after a lead) and EUC-KR/windows-949 (trail bytes include ASCII
 *    letters, but only after a non-ASCII lead, so the lead already ends whatever the letters
 *    could have continued: a tag name, "script" after "<", a reference name).
 *  - RAW_TRAIL: Shift_JIS, Big5, GBK and gb18030: trail bytes 0x40..0x7E include '[' and
 *    ']', and gb18030's four-byte sequences hold ASCII digits. '[' is syntax only in
 *    "<![CDATA[", where it follows ASCII characters, so it cannot be a trail byte there; digits
 *    matter only in references, which are resolved after decoding; but ']' ends a CDATA
 *    section ("]]>"), so that one state tracks multi-byte sequences with the decoder.
 *  - DECODE: UTF-16 (every character has a 0x00 byte) and ISO-2022-JP (escape sequences switch
 *    to two-byte JIS X 0208, whose bytes are 0x21..0x7E): decoded to UTF-8 up front.
 *  - NONE: the replacement encoding: the document is one U+FFFD and has no links.
 */
enum weft__tok_mode {
	WEFT__TOK_RAW = 0,
	WEFT__TOK_RAW_TRAIL,
	WEFT__TOK_DECODE,
	WEFT__TOK_NONE,
};

struct weft__enc {
	const char *name;  /* the WHATWG name, lower case: also a valid label for weft/url.h */
	enum weft__enc_kind kind;
	const char *iconv; /* iconv name for WEFT__ENC_ICONV, else NULL */
	enum weft__tok_mode tok;
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
/* Forget any state of the last document (a carried sequence, iconv's shift state). */
void weft__dec_restart(struct weft__dec *d);
/*
 * Decode in[0..n) and pass valid UTF-8 to sink in pieces. `final`: the input ends here, so an
 * incomplete trailing sequence becomes U+FFFD. Returns 0, WEFT_E_NOMEM or the sink's value.
 */
int weft__dec_run(struct weft__dec *d, const unsigned char *in, size_t n, bool final,
		  weft__sink_fn *sink, void *arg);
/*
 * For an iconv decoder: how decoding starting at p[0..n) (n <= 4) proceeds: the length of
 * the character there (> 0), 0 when p[0] is an invalid byte (it becomes U+FFFD and decoding
 * resumes at p[1]), -1 when p[0..n) is the incomplete start of a character.
 */
int weft__dec_step(struct weft__dec *d, const unsigned char *p, size_t n);

/* The windows-1252 code point of byte b (0x80..0x9F), also used for &#128;..&#159;. */
uint32_t weft__cp1252_c1(unsigned b);

/* Append the UTF-8 form of cp (<= 0x10FFFF, not a surrogate) to out; returns the length. */
size_t weft__utf8_put(char *out, uint32_t cp);

/* ---- charref.c: character references ----------------------------------------------------- */

/*
 * A named character reference: name[0..len) without '&' and ';'. Returns the number of code
 * points (1 or 2, written to cp) or 0 when no such name exists; *legacy says whether the name
 * is also valid without a ';'.
 */
int weft__entity(const char *name, size_t len, uint32_t cp[2], bool *legacy);

/*
 * An attribute value as the tokenizer would have built it from in[0..n) (valid UTF-8):
 * character references resolved by the rules for attribute values, NUL as U+FFFD. Appends to
 * out; WEFT_OK or WEFT_E_NOMEM.
 */
int weft__attr_decode(const char *in, size_t n, struct weft__buf *out);
/* As weft__attr_decode(), by the rules for text (data state): longest legacy name prefix. */
int weft__text_decode(const char *in, size_t n, struct weft__buf *out);

/* ---- tree.c: tag names and the tree-construction facts ---------------------------------- */

/* Tag names the extractor tells apart (tree.c knows more names, by their flags only). */
enum weft__tag {
	WEFT__T_OTHER = 0,
	WEFT__T_A, WEFT__T_AREA, WEFT__T_IFRAME, WEFT__T_FRAME, WEFT__T_BASE,
	WEFT__T_FRAMESET, WEFT__T_TEMPLATE, WEFT__T_SVG, WEFT__T_MATH,
	WEFT__T_SCRIPT, WEFT__T_STYLE, WEFT__T_XMP, WEFT__T_NOEMBED, WEFT__T_NOFRAMES,
	WEFT__T_TEXTAREA, WEFT__T_TITLE, WEFT__T_PLAINTEXT,
	WEFT__T_BODY, WEFT__T_BR, WEFT__T_P, WEFT__T_FONT,
	WEFT__T_FOREIGNOBJECT, WEFT__T_DESC, WEFT__T_MTEXT, WEFT__T_AXML, WEFT__T_MGLYPH,
	/* Resource elements (link records only; video and audio share hashed counters). */
	WEFT__T_IMG, WEFT__T_LINK, WEFT__T_SOURCE, WEFT__T_OBJECT, WEFT__T_EMBED,
	WEFT__T_VIDEO, WEFT__T_AUDIO,
	WEFT__T_NAMED, /* + k: another name tree.c knows (k unique per name; see its flags) */
};

/* Attributes of the current tag worth keeping (struct weft_html.want/have/cur). */
enum {
	WEFT__W_HREF = 1,
	WEFT__W_SRC = 2,
	WEFT__W_ENCODING = 4, /* MathML annotation-xml */
	WEFT__W_COLOR = 8,    /* font in foreign content: the three make it break out */
	WEFT__W_FACE = 16,
	WEFT__W_SIZE = 32,
	/* Link records only (struct weft_html.rec). */
	WEFT__W_DATA = 64,    /* object */
	WEFT__W_SRCSET = 128, /* img, source: value slot WEFT__X_LINK2 */
	WEFT__W_POSTER = 256, /* video: value slot WEFT__X_LINK2 */
	WEFT__W_REL = 512,
	WEFT__W_ALT = 1024,
	WEFT__W_ID = 2048,
	WEFT__W_NAME = 4096,  /* a */
};

/* The values kept besides h->val (href, src, data, encoding): h->xval[] (records only). */
enum { WEFT__X_LINK2 = 0, WEFT__X_REL, WEFT__X_ALT, WEFT__X_ID, WEFT__X_NAME, WEFT__X_N };

/* The tag id and flags of a lower-case tag name: id in the low byte. */
unsigned weft__tag_lookup(const char *name, size_t n);

struct weft_html;

/* The name of the current tag ended: which attributes are worth keeping (WEFT__W_*). */
unsigned weft__tree_want(const struct weft_html *h);
/* A start or end tag was emitted (at its '>'); may switch the tokenizer to a text state. */
void weft__tree_start(struct weft_html *h);
void weft__tree_end(struct weft_html *h);
/* Text other than whitespace in the data state (called only while h->watch_text). */
void weft__tree_text(struct weft_html *h);
/* The current node is foreign: "<![CDATA[" opens a CDATA section. */
bool weft__tree_cdata(const struct weft_html *h);
/* The tree facts of a new document. */
void weft__tree_reset(struct weft_html *h);

/* ---- tokenizer.c -------------------------------------------------------------------------- */

/* Tokenize p[0..n) (raw bytes or UTF-8, see enum weft__tok_mode); state carries over. */
void weft__tokenize(struct weft_html *h, const unsigned char *p, size_t n);
/* The tokenizer's state for a new document. */
void weft__tok_reset(struct weft_html *h);
/* Switch to a text state for the raw-text element `tag` (tree.c, after its start tag). */
void weft__tok_text(struct weft_html *h, unsigned tag);
/* Switch to the PLAINTEXT state: the rest of the document is text. */
void weft__tok_plaintext(struct weft_html *h);

/* ---- html.c: what the tree found ---------------------------------------------------------- */

/* The current tag is a link element of kind `tag` with its link attribute in h->val. */
void weft__on_link(struct weft_html *h, enum weft_link_tag tag);
/* Records: an HTML <a> start tag (with or without href) ends the open <a>'s text. */
void weft__on_a_start(struct weft_html *h);
/* Records: </a>. */
void weft__on_a_end(struct weft_html *h);
/* Records: the current tag (enum weft__tag `id`) is a resource element in the document. */
void weft__on_resource(struct weft_html *h, unsigned id);
/* Records: the current tag's id (and a's name) are anchors. */
void weft__on_anchors(struct weft_html *h);
/* Records: text of the data state inside an <a> (raw bytes); a run ends at every '<'. */
void weft__on_text(struct weft_html *h, const unsigned char *p, size_t n);
void weft__on_text_end(struct weft_html *h);
/* Records: h->hold became true (a body starts that a frameset may replace). */
void weft__on_hold(struct weft_html *h);
/* The current tag is the first <base> with an href, in h->val. */
void weft__on_base(struct weft_html *h);
/* <plaintext>: no element can follow, so the base URL is final. */
void weft__on_plaintext(struct weft_html *h);
/* h->hold went from true to false: held links may go out. */
void weft__on_release(struct weft_html *h);
/* A frameset replaced the body: the links found in it (and its <base>) are not in it. */
void weft__on_body_dropped(struct weft_html *h, bool base_too);
/* The current attribute value (h->val) decoded to UTF-8 with references resolved. */
int weft__value(struct weft_html *h, const char **s, size_t *n);
/* Records: count the line breaks of p[0..n) (tokenizer input) into h->line. */
void weft__count_lines(struct weft_html *h, const unsigned char *p, size_t n);
/* Records: the line of the current tag's '<' (counting up to it if not done yet). */
unsigned weft__tag_line(struct weft_html *h);
/* Set up h->dec for the document's encoding (values, RAW_TRAIL CDATA); WEFT_OK or an error. */
int weft__doc_dec(struct weft_html *h);

/* ---- the extractor ------------------------------------------------------------------------ */

#define WEFT__NAME_CAP 32    /* tag name bytes kept (longer names keep their length too) */
#define WEFT__ATTR_CAP 8     /* attribute name bytes kept: the longest wanted is "encoding" */
#define WEFT__OPEN_MAX 64    /* elements tracked inside foreign content */
#define WEFT__SNIFF_MAX 1024 /* the prescan window */
#define WEFT__OPENED_BUCKETS 256 /* open-element counters: see tree.c */

/* An element open in foreign content (or HTML inside an integration point): tree.c. */
struct weft__open {
	uint32_t hash;   /* of the lower-case tag name */
	uint8_t ns;      /* namespace: HTML, SVG or MathML */
	uint8_t special; /* integration point (or annotation-xml): HTML end tags stop here */
	uint8_t ip;      /* start tags in it follow the HTML rules: HTML or MathML text IP */
	uint8_t axml;    /* MathML annotation-xml: an <svg> in it is SVG */
};

struct weft_html {
	/* The tokenizer (tokenizer.c). */
	uint8_t state;       /* the tokenizer state */
	uint8_t text_state;  /* the text state that an end tag's "</" came from */
	uint8_t raw_tag;     /* the element whose end tag ends RCDATA, RAWTEXT or script data */
	uint8_t k;           /* characters matched: markup declaration, end tag name, "script" */
	bool end_tag;        /* the current tag is an end tag */
	bool self_closing;
	bool name_done;      /* its name is complete: tag, flags and want are set */
	uint8_t tag;         /* its enum weft__tag */
	uint8_t tag_flags;   /* its flags (tree.c) */
	uint16_t want;       /* its attributes worth keeping (WEFT__W_*) */
	uint16_t have;       /* of those, the ones seen so far: the first of a name wins */
	uint16_t cur;        /* the one whose value is being read, 0: none */
	uint8_t slot;        /* where it goes: 0 h->val, else h->xval[slot - 1] */
	uint8_t xval_over;   /* bit k: h->xval[k] was longer than its cap: dropped */
	size_t overlong;     /* link values of this document dropped as longer than the cap */
	bool val_over;       /* the value was longer than its cap: dropped */
	bool watch_text;     /* tree.c wants to hear of text in the data state */
	bool data_hook;      /* watch_text or rec: text in the data state needs a look */
	uint8_t n_mb;        /* RAW_TRAIL CDATA: bytes of an incomplete character */
	unsigned char mb[4];
	size_t name_n;       /* the tag name's length; its first bytes, lower-cased: */
	char name[WEFT__NAME_CAP];
	size_t attr_n;       /* the attribute name's length; its first bytes: */
	char attr[WEFT__ATTR_CAP];
	struct weft__buf val; /* the raw bytes of the value of attribute `cur` */
	struct weft__buf xval[WEFT__X_N]; /* records: the other kept values (WEFT__X_*) */
	const unsigned char *lc; /* records: line breaks are counted up to here in this piece */
	const unsigned char *lt; /* records: the last '<' of the data state in it, if its line
				  * is not counted yet (then h->tag_line is stale) */

	/* The tree facts (tree.c). */
	uint8_t mode;           /* before body, in body, in frameset, after frameset */
	bool frameset_ok;       /* the HTML "frameset-ok flag" */
	unsigned frameset_depth;
	unsigned template_depth; /* inside <template> content: links do not count */
	bool hold;              /* a frameset may still replace the body: hold its links */
	bool base_in_body;      /* the first <base href> is in the body */
	unsigned n_open;        /* elements open in foreign content (open[]); 0: plain HTML */
	uint8_t opened[WEFT__OPENED_BUCKETS]; /* HTML elements open, per name (tree.c) */

	/* The document (html.c). */
	weft_link_fn *fn;
	void *cookie;
	struct weft_url *page;          /* the page URL; NULL: none (absolute links only) */
	struct weft_url *base;          /* the first <base href>'s URL; NULL: the page's */
	const struct weft__enc *transport; /* from the HTTP charset, or NULL */
	const struct weft__enc *enc;    /* the document's encoding; NULL until sniffed */
	const char *url_enc;            /* its output encoding, for queries */
	enum weft__tok_mode tok;        /* how the tokenizer reads it */
	bool dec_ready;                 /* dec is set up for enc */
	struct weft__dec dec;           /* DECODE: the document; else kept values and CDATA */
	struct weft__buf conv;          /* a value converted to UTF-8 */
	struct weft__buf refs;          /* ... with references resolved */
	struct weft__buf key;           /* the NUL-terminated key handed to the callback */
	struct weft__buf pending;       /* queued entries (html.c: struct ent, then bytes) */
	size_t pending_cost;            /* their size as PENDING_MAX counts it */
	bool base_seen;                 /* the first <base href> was seen */
	bool frozen;                    /* the base can no longer change: emit at once */
	bool plaintext;                 /* after <plaintext>: the rest is text */
	bool finished;
	int rc;                         /* the first error or non-zero callback return */
	size_t n_head;                  /* the first bytes, held until the encoding is known */

	/* Link records (html.c): only with a struct weft_html_sink. */
	bool rec;                       /* records, not weft_link_fn */
	bool rec_res;                   /* resources too */
	struct weft_html_sink sink;
	unsigned line;                  /* line breaks counted so far (tokenizer input) */
	bool line_cr;                   /* the last byte counted was a CR */
	unsigned tag_line;              /* the line of the last '<' in the data state */
	bool a_open;                    /* an <a> record waits for its text (in a_ent) */
	bool text_full;                 /* its text is long enough: no more is kept */
	bool run_ws;                    /* the raw text kept so far ends with whitespace */
	bool text_sp;                   /* a space is due before the next character of text */
	size_t a_pos;                   /* where in pending it goes */
	size_t body_mark, body_cost;    /* pending (and cost) when a droppable body began */
	struct weft__buf ent;           /* the entry being built */
	struct weft__buf a_ent;         /* the open <a>'s entry, without its text */
	struct weft__buf run;           /* raw text of the current text run in the <a> */
	struct weft__buf text;          /* the <a>'s text so far: decoded, collapsed */
	struct weft__buf alt;           /* an img's alt, collapsed */
	struct weft__buf tmp;           /* a decoded srcset */

	/* Last: never read before written, so weft_html_new() need not clear them. */
	struct weft__open open[WEFT__OPEN_MAX];
	unsigned char head[WEFT__SNIFF_MAX];
};

#endif
