/*
 * check.c -- the link checker's reporter (weft check; docs/CHECK.md).
 *
 * Records arrive in any order (a link may be seen long before or after its target's record),
 * so the reporter keeps everything it needs until end(), compactly:
 *  - every string (URL, link text, fragment, error message) is interned once in an arena, found
 *    again through an open-addressing table of ids keyed by its XXH3 fingerprint; a URL's
 *    interned entry also holds what became of it (status, error kind, redirect target, whether
 *    it was skipped, whether it is an HTML page weft parsed);
 *  - a link is 16 bytes: target id, fragment id, text id, line and tag; the links of one page
 *    are contiguous, so the referring page is kept once per page (a run), not per link;
 *  - a parsed page's anchors are 64-bit fingerprints of (page id, anchor), sorted at the end.
 * At end() each link's target is resolved (redirects followed through the records), broken
 * targets are collected, sorted by URL, and written; then everything is freed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* qsort_r */
#endif
#include <stdlib.h>
#include <string.h>

#include <weft.h>

#include "util/json.h"
#include "util/util.h"

#define NONE UINT32_MAX
#define MAX_HOPS 32     /* redirect hops followed (the crawl stops chains at 10) */
#define LINE_MAX_ 0xFFFFFFu

enum { ST_UNSEEN = 0, ST_FETCHED, ST_SKIPPED };

struct istr {
	size_t off;        /* into the arena; NUL-terminated there */
	uint32_t len;
	uint32_t hash;     /* low 32 bits of the fingerprint (for growing the table) */
	uint32_t redirect; /* a URL: id of its Location target, or NONE */
	uint32_t msg;      /* a URL: id of its record's error_msg, or NONE */
	int16_t status;
	uint8_t state;     /* ST_* */
	uint8_t error;     /* enum weft_fetch_err */
	uint8_t parsed;    /* an HTML page fetched (2xx) and parsed: its anchors are known */
};

struct link {
	uint32_t target; /* URL id (without fragment) */
	uint32_t frag;   /* fragment id, or NONE when the link has no '#' */
	uint32_t text;   /* text id, or NONE */
	uint32_t line_tag; /* line << 8 | tag index */
};

struct run { /* the links of one page: links[first ..] up to the next run's first */
	size_t first;
	uint32_t page; /* URL id of the referring page; NONE: start URLs */
};

enum verdict { V_OK, V_NOT_CHECKED, V_RATE_LIMITED, V_BROKEN };
#define KIND_FRAGMENT 0xFF /* error kind of a missing fragment */

struct hit { /* one link to a broken target */
	size_t link;
	uint32_t page;   /* referrer (NONE: a start URL) */
	uint32_t target; /* link's target URL id */
	uint32_t frag;   /* fragment id for KIND_FRAGMENT, else NONE (part of the target's key) */
	uint32_t at;     /* the URL whose record is broken (the chain's end) */
	int hops;        /* redirects followed to reach it */
	uint8_t kind;    /* enum weft_fetch_err (WEFT_FE_HTTP for a plain 4xx/5xx), KIND_FRAGMENT */
};

struct check_reporter {
	struct weft_reporter base;
	FILE *fp;
	enum weft_check_format format;
	unsigned flags;

	char *arena;
	size_t arena_len, arena_cap;
	struct istr *strs;
	uint32_t n_strs, cap_strs;
	uint32_t *slots; /* id + 1; 0 = empty */
	uint32_t slot_mask;

	struct link *links;
	size_t n_links, cap_links;
	struct run *runs;
	size_t n_runs, cap_runs;
	uint64_t *anchors;
	size_t n_anchors, cap_anchors;

	struct weft_check_stats st;
	int err; /* WEFT_E_NOMEM once an allocation failed */
};

/* ---- growing arrays ---- */

static int grow(void **v, size_t *cap, size_t n, size_t elem, size_t first)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : first;
	if (c > SIZE_MAX / elem)
		return WEFT_E_NOMEM;
	void *p = realloc(*v, c * elem);
	if (!p)
		return WEFT_E_NOMEM;
	*v = p;
	*cap = c;
	return 0;
}

/* ---- the intern table ---- */

static const char *str_of(const struct check_reporter *k, uint32_t id)
{
	return id == NONE ? NULL : k->arena + k->strs[id].off;
}

static int rehash(struct check_reporter *k)
{
	uint32_t cap = k->slot_mask ? (k->slot_mask + 1) * 2 : 1024;
	if (cap == 0)
		return WEFT_E_NOMEM;
	uint32_t *s = calloc(cap, sizeof(*s));
	if (!s)
		return WEFT_E_NOMEM;
	for (uint32_t id = 0; id < k->n_strs; id++) {
		uint32_t i = k->strs[id].hash & (cap - 1);
		while (s[i])
			i = (i + 1) & (cap - 1);
		s[i] = id + 1;
	}
	free(k->slots);
	k->slots = s;
	k->slot_mask = cap - 1;
	return 0;
}

/* The id of s (n bytes), interned on first sight; NONE when out of memory (k->err set). */
static uint32_t intern(struct check_reporter *k, const char *s, size_t n)
{
	if (k->err)
		return NONE;
	if (n >= UINT32_MAX || k->n_strs >= UINT32_MAX - 1) {
		k->err = WEFT_E_NOMEM;
		return NONE;
	}
	if ((!k->slots || (uint64_t)k->n_strs * 2 >= (uint64_t)k->slot_mask + 1) &&
	    (k->err = rehash(k)))
		return NONE;
	uint32_t h = (uint32_t)weft__fingerprint(s, n);
	uint32_t i = h & k->slot_mask;
	for (; k->slots[i]; i = (i + 1) & k->slot_mask) {
		const struct istr *e = &k->strs[k->slots[i] - 1];
		if (e->hash == h && e->len == n && memcmp(k->arena + e->off, s, n) == 0)
			return k->slots[i] - 1;
	}
	size_t cap = k->cap_strs;
	if ((k->err = grow((void **)&k->strs, &cap, k->n_strs, sizeof(*k->strs), 1024)))
		return NONE;
	k->cap_strs = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap);
	while (k->arena_cap - k->arena_len < n + 1) {
		size_t c = k->arena_cap ? k->arena_cap * 2 : 65536;
		char *a = realloc(k->arena, c);
		if (!a) {
			k->err = WEFT_E_NOMEM;
			return NONE;
		}
		k->arena = a;
		k->arena_cap = c;
	}
	memcpy(k->arena + k->arena_len, s, n);
	k->arena[k->arena_len + n] = '\0';
	uint32_t id = k->n_strs++;
	k->strs[id] = (struct istr){ .off = k->arena_len, .len = (uint32_t)n, .hash = h,
				     .redirect = NONE, .msg = NONE };
	k->arena_len += n + 1;
	k->slots[i] = id + 1;
	return id;
}

static uint32_t intern0(struct check_reporter *k, const char *s)
{
	return s ? intern(k, s, strlen(s)) : NONE;
}

/* ---- anchors ---- */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t anchor_key(uint32_t page, const char *s, size_t n)
{
	return mix64(weft__fingerprint(s, n) + ((uint64_t)page + 1) * 0x9e3779b97f4a7c15ull);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static bool has_anchor(const struct check_reporter *k, uint32_t page, const char *s, size_t n)
{
	uint64_t key = anchor_key(page, s, n);
	return k->n_anchors && bsearch(&key, k->anchors, k->n_anchors, sizeof(key), cmp_u64);
}

/* ---- tags ---- */

static const char *const tags[] = { "a",     "area",  "iframe", "frame",  "img",    "link",
				    "source", "object", "embed", "video", "audio", "script" };
#define N_TAGS (sizeof(tags) / sizeof(tags[0]))

static uint32_t tag_index(const char *t)
{
	for (uint32_t i = 0; t && i < N_TAGS; i++)
		if (strcmp(tags[i], t) == 0)
			return i;
	return 0xFF;
}

static const char *tag_name(uint32_t line_tag)
{
	uint32_t i = line_tag & 0xFF;
	return i < N_TAGS ? tags[i] : NULL;
}

/* ---- records ---- */

static bool is_html(const char *mt)
{
	return mt && (strcmp(mt, "text/html") == 0 || strcmp(mt, "application/xhtml+xml") == 0);
}

static int add_link(struct check_reporter *k, uint32_t target, uint32_t frag, uint32_t text,
		    unsigned line, uint32_t tag)
{
	if (k->err || (k->err = grow((void **)&k->links, &k->cap_links, k->n_links,
				     sizeof(*k->links), 256)))
		return k->err;
	if (line > LINE_MAX_)
		line = LINE_MAX_;
	k->links[k->n_links++] = (struct link){ .target = target, .frag = frag, .text = text,
						.line_tag = (uint32_t)line << 8 | tag };
	return 0;
}

static int add_run(struct check_reporter *k, uint32_t page)
{
	if (k->err || (k->err = grow((void **)&k->runs, &k->cap_runs, k->n_runs,
				     sizeof(*k->runs), 256)))
		return k->err;
	k->runs[k->n_runs++] = (struct run){ .first = k->n_links, .page = page };
	return 0;
}

static int check_record(struct weft_reporter *r, const struct weft_record *rec)
{
	struct check_reporter *k = (struct check_reporter *)r;
	uint32_t id = intern0(k, rec->url);
	if (id == NONE)
		return 0; /* out of memory: end() says so */
	struct istr *e = &k->strs[id];
	if (rec->skipped) {
		if (e->state == ST_UNSEEN)
			e->state = ST_SKIPPED;
		return 0;
	}
	e->state = ST_FETCHED;
	e->status = (int16_t)(rec->status < 0 ? 0 : rec->status > 999 ? 999 : rec->status);
	e->error = (uint8_t)rec->error;
	e->parsed = weft_record_ok(rec) && !rec->checked && !rec->truncated &&
		    is_html(rec->content_type);
	uint32_t redirect = intern0(k, rec->redirect);
	uint32_t msg = intern0(k, rec->error_msg);
	e = &k->strs[id]; /* interning may have moved it */
	e->redirect = redirect;
	e->msg = msg;
	if (weft_record_ok(rec) && !rec->checked && is_html(rec->content_type))
		k->st.pages++; /* an HTML page of the site, whose links are checked */
	if (!rec->from && rec->hops == 0 && (add_run(k, NONE) ||
					     add_link(k, id, NONE, NONE, 0, 0xFF)))
		return 0;
	if (rec->links && rec->n_links && add_run(k, id))
		return 0;
	for (size_t i = 0; rec->links && i < rec->n_links && !k->err; i++) {
		const struct weft_link *l = &rec->links[i];
		uint32_t t = intern(k, l->url, l->url_len);
		uint32_t f = l->fragment ? intern(k, l->fragment, l->frag_len) : NONE;
		uint32_t x = l->text && l->text_len ? intern(k, l->text, l->text_len) : NONE;
		add_link(k, t, f, x, l->line, tag_index(l->tag));
	}
	for (size_t i = 0; i < rec->n_anchors && !k->err; i++) {
		if ((k->err = grow((void **)&k->anchors, &k->cap_anchors, k->n_anchors,
				   sizeof(*k->anchors), 256)))
			break;
		k->anchors[k->n_anchors++] = anchor_key(id, rec->anchors[i],
							strlen(rec->anchors[i]));
	}
	return 0;
}

/* ---- fragments, as browsers find them (HTML: "find a potential indicated element") ---- */

/* The fragment as the URL parser serialises it: tabs and newlines removed; C0 controls, space,
   '"', '<', '>', '`' and bytes >= 0x7F percent-encoded (the fragment percent-encode set). */
static char *url_fragment(const char *s, size_t n, size_t *out_len)
{
	char *o = malloc(n * 3 + 1);
	size_t j = 0;
	if (!o)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\t' || c == '\n' || c == '\r')
			continue;
		if (c < 0x20 || c >= 0x7F || c == ' ' || c == '"' || c == '<' || c == '>' ||
		    c == '`') {
			j += (size_t)sprintf(o + j, "%%%02X", c);
		} else {
			o[j++] = (char)c;
		}
	}
	o[j] = '\0';
	*out_len = j;
	return o;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return 1;
	size_t len = s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
		: s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;
	if (!len || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F) ||
	    (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
		return 0;
	return len;
}

/* Percent-decode s, then decode as UTF-8 with invalid sequences as U+FFFD. */
static char *decode_fragment(const char *s, size_t n, size_t *out_len)
{
	unsigned char *b = malloc(n + 1);
	size_t m = 0;
	if (!b)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			b[m++] = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else {
			b[m++] = (unsigned char)s[i];
		}
	}
	char *o = malloc(m * 3 + 1);
	size_t j = 0;
	if (!o) {
		free(b);
		return NULL;
	}
	for (size_t i = 0; i < m;) {
		size_t len = utf8_seq(b + i, m - i);
		if (len) {
			memcpy(o + j, b + i, len);
			j += len;
			i += len;
		} else { /* one maximal invalid subpart at a time is close enough: one byte each */
			memcpy(o + j, "\xEF\xBF\xBD", 3);
			j += 3;
			i++;
		}
	}
	free(b);
	o[j] = '\0';
	*out_len = j;
	return o;
}

/* "top", ASCII case-insensitively (not the locale's idea of case). */
static bool is_top(const char *s, size_t n)
{
	static const char top[] = "top";
	if (n != 3)
		return false;
	for (size_t i = 0; i < 3; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != top[i])
			return false;
	}
	return true;
}

/* Does page have what fragment (as written in the link) points at? -1: out of memory. */
static int fragment_found(const struct check_reporter *k, uint32_t page, const char *frag,
			  size_t n)
{
	size_t rn, dn;
	if (n == 0)
		return 1; /* "#": the top of the page */
	char *raw = url_fragment(frag, n, &rn);
	if (!raw)
		return -1;
	int found = rn == 0 || has_anchor(k, page, raw, rn);
	char *dec = found ? NULL : decode_fragment(raw, rn, &dn);
	if (!found && !dec)
		found = -1;
	else if (!found)
		found = has_anchor(k, page, dec, dn) || is_top(dec, dn);
	free(raw);
	free(dec);
	return found;
}

/* ---- the verdicts ---- */

struct outcome {
	enum verdict v;
	uint32_t at;
	int hops;
	uint8_t kind;
};

static struct outcome resolve(const struct check_reporter *k, const struct link *l)
{
	struct outcome o = { .v = V_OK, .at = l->target };
	for (;;) {
		const struct istr *e = &k->strs[o.at];
		if (e->state != ST_FETCHED) {
			o.v = V_NOT_CHECKED;
			return o;
		}
		if (e->error != WEFT_FE_NONE && e->error != WEFT_FE_TOO_BIG &&
		    e->error != WEFT_FE_HTTP) {
			o.v = V_BROKEN;
			o.kind = e->error;
			return o;
		}
		if (e->status == 429) {
			o.v = V_RATE_LIMITED;
			return o;
		}
		if (e->status >= 400 || e->error == WEFT_FE_HTTP) {
			o.v = V_BROKEN;
			o.kind = WEFT_FE_HTTP;
			return o;
		}
		if (e->status >= 300 && e->status < 400 && e->redirect != NONE) {
			if (++o.hops > MAX_HOPS) {
				o.v = V_BROKEN;
				o.kind = WEFT_FE_TOO_MANY_REDIRECTS;
				return o;
			}
			o.at = e->redirect;
			continue;
		}
		return o;
	}
}

/* ---- output ---- */

static const char *reason(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 402: return "Payment Required";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 407: return "Proxy Authentication Required";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 418: return "I'm a teapot";
	case 421: return "Misdirected Request";
	case 422: return "Unprocessable Content";
	case 425: return "Too Early";
	case 426: return "Upgrade Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 451: return "Unavailable For Legal Reasons";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return status >= 500 ? "Server Error" : "Client Error";
	}
}

static const char *kind_name(uint8_t kind)
{
	return kind == KIND_FRAGMENT ? "fragment" : weft_fetch_err_name((enum weft_fetch_err)kind);
}

/* The detail of a hit: "404 Not Found", the record's error message, ... into buf. */
static void describe(const struct check_reporter *k, const struct hit *h, char *buf, size_t n)
{
	const struct istr *e = &k->strs[h->at];
	if (h->kind == KIND_FRAGMENT)
		snprintf(buf, n, "no element with id or name \"%s\" on the page",
			 str_of(k, h->frag));
	else if (h->kind == WEFT_FE_HTTP)
		snprintf(buf, n, "%d %s", e->status, reason(e->status));
	else
		snprintf(buf, n, "%s", e->msg != NONE ? str_of(k, e->msg) : kind_name(h->kind));
}

static int cmp_id(const struct check_reporter *k, uint32_t a, uint32_t b)
{
	if (a == b)
		return 0;
	if (a == NONE || b == NONE) /* start URLs (NONE) sort first; no fragment before one */
		return a == NONE ? -1 : 1;
	return strcmp(str_of(k, a), str_of(k, b));
}

static int line_cmp(const struct check_reporter *k, const struct hit *x, const struct hit *y)
{
	uint32_t lx = k->links[x->link].line_tag >> 8, ly = k->links[y->link].line_tag >> 8;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return x->link < y->link ? -1 : x->link > y->link;
}

/* jsonl: by target (URL, then fragment), then referrer, then line. */
static int by_target(const void *a, const void *b, void *ctx)
{
	const struct hit *x = a, *y = b;
	int c = cmp_id(ctx, x->target, y->target);
	if (!c)
		c = cmp_id(ctx, x->frag, y->frag);
	if (!c)
		c = cmp_id(ctx, x->page, y->page);
	return c ? c : line_cmp(ctx, x, y);
}

/* text: by referrer, then line. */
static int by_page(const void *a, const void *b, void *ctx)
{
	const struct hit *x = a, *y = b;
	int c = cmp_id(ctx, x->page, y->page);
	return c ? c : line_cmp(ctx, x, y);
}

static void json_str_or_null(FILE *fp, const char *s)
{
	if (s)
		weft__json_str(fp, s);
	else
		fputs("null", fp);
}

static void write_url(const struct check_reporter *k, FILE *fp, const struct hit *h, bool json)
{
	const char *u = str_of(k, h->target);
	if (h->frag == NONE) {
		if (json)
			weft__json_str(fp, u);
		else
			fputs(u, fp);
		return;
	}
	const char *f = str_of(k, h->frag);
	size_t n = strlen(u) + strlen(f) + 2;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s#%s", u, f);
	if (json)
		weft__json_str(fp, s ? s : u);
	else
		fputs(s ? s : u, fp);
	free(s);
}

static void write_jsonl(struct check_reporter *k, struct hit *hits, size_t n)
{
	FILE *fp = k->fp;
	char msg[1024];
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && hits[j].target == hits[i].target && hits[j].frag == hits[i].frag)
			j++;
		const struct hit *h = &hits[i];
		const struct istr *e = &k->strs[h->at];
		describe(k, h, msg, sizeof(msg));
		fputs("{\"url\":", fp);
		write_url(k, fp, h, true);
		fprintf(fp, ",\"status\":%d,\"error\":", e->status);
		weft__json_str(fp, kind_name(h->kind));
		fputs(",\"error_msg\":", fp);
		weft__json_str(fp, msg);
		if (h->hops) {
			fputs(",\"final_url\":", fp);
			weft__json_str(fp, str_of(k, h->at));
			fprintf(fp, ",\"hops\":%d", h->hops);
		}
		bool seed = false;
		const char *sep = "";
		fputs(",\"referrers\":[", fp);
		for (size_t m = i; m < j; m++) {
			if (hits[m].page == NONE) {
				seed = true;
				continue;
			}
			const struct link *l = &k->links[hits[m].link];
			fprintf(fp, "%s{\"page\":", sep);
			weft__json_str(fp, str_of(k, hits[m].page));
			fputs(",\"text\":", fp);
			weft__json_str(fp, l->text == NONE ? "" : str_of(k, l->text));
			fprintf(fp, ",\"line\":%u,\"tag\":", l->line_tag >> 8);
			json_str_or_null(fp, tag_name(l->line_tag));
			fputc('}', fp);
			sep = ",";
		}
		fputc(']', fp);
		if (seed)
			fputs(",\"start\":true", fp);
		fputs("}\n", fp);
		i = j;
	}
}

static void write_text(struct check_reporter *k, struct hit *hits, size_t n)
{
	FILE *fp = k->fp;
	char msg[1024];
	for (size_t i = 0; i < n; i++) {
		const struct hit *h = &hits[i];
		const struct link *l = &k->links[h->link];
		if (i == 0 || hits[i - 1].page != h->page)
			fprintf(fp, "%s%s\n", i ? "\n" : "",
				h->page == NONE ? "start URLs" : str_of(k, h->page));
		describe(k, h, msg, sizeof(msg));
		if (h->page == NONE) {
			fputs("  ", fp);
		} else {
			const char *tag = tag_name(l->line_tag);
			fputs("  ", fp);
			if (l->line_tag >> 8) /* 0: unknown (a fake web's links) */
				fprintf(fp, "line %u: ", l->line_tag >> 8);
			fprintf(fp, "<%s> ", tag ? tag : "?");
			if (l->text != NONE)
				fprintf(fp, "\"%s\" ", str_of(k, l->text));
			fputs("-> ", fp);
		}
		write_url(k, fp, h, false);
		if (h->kind == KIND_FRAGMENT)
			fprintf(fp, "  missing fragment: %s", msg);
		else if (h->kind == WEFT_FE_HTTP)
			fprintf(fp, "  %s", msg);
		else
			fprintf(fp, "  %s: %s", kind_name(h->kind), msg);
		if (h->hops)
			fprintf(fp, " (after %d redirect%s, at %s)", h->hops, h->hops == 1 ? "" : "s",
				str_of(k, h->at));
		fputc('\n', fp);
	}
	const struct weft_check_stats *s = &k->st;
	fprintf(fp, "%s%llu pages, %llu links checked, %llu broken (%llu link%s)", n ? "\n" : "",
		(unsigned long long)s->pages, (unsigned long long)s->checked,
		(unsigned long long)s->broken_targets, (unsigned long long)s->broken_links,
		s->broken_links == 1 ? "" : "s");
	if (s->not_checked)
		fprintf(fp, ", %llu not checked", (unsigned long long)s->not_checked);
	if (s->rate_limited)
		fprintf(fp, " (%llu rate-limited: 429)", (unsigned long long)s->rate_limited);
	fputc('\n', fp);
}

/* The referring page of link i: the run holding it. */
static uint32_t page_of(const struct check_reporter *k, size_t i)
{
	size_t lo = 0, hi = k->n_runs; /* the last run with first <= i */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (k->runs[mid].first <= i)
			lo = mid;
		else
			hi = mid;
	}
	return k->runs[lo].page;
}

static void free_data(struct check_reporter *k)
{
	free(k->arena);
	free(k->strs);
	free(k->slots);
	free(k->links);
	free(k->runs);
	free(k->anchors);
	k->arena = NULL;
	k->strs = NULL;
	k->slots = NULL;
	k->links = NULL;
	k->runs = NULL;
	k->anchors = NULL;
	k->n_strs = k->cap_strs = k->slot_mask = 0;
	k->n_links = k->cap_links = k->n_runs = k->cap_runs = k->n_anchors = k->cap_anchors = 0;
	k->arena_len = k->arena_cap = 0;
}

/* Count a hit's target once: hits are sorted by target when this runs. */
static void count_targets(struct check_reporter *k, const struct hit *hits, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (i == 0 || hits[i].target != hits[i - 1].target ||
		    hits[i].frag != hits[i - 1].frag)
			k->st.broken_targets++;
}

static int check_end(struct weft_reporter *r)
{
	struct check_reporter *k = (struct check_reporter *)r;
	struct hit *hits = NULL;
	size_t n = 0, cap = 0;
	if (k->n_anchors)
		qsort(k->anchors, k->n_anchors, sizeof(*k->anchors), cmp_u64);
	bool frags = !(k->flags & WEFT_CHECK_NO_FRAGMENTS);
	for (size_t i = 0; i < k->n_links && !k->err; i++) {
		const struct link *l = &k->links[i];
		if (l->target == NONE)
			continue;
		k->st.links++;
		struct outcome o = resolve(k, l);
		struct hit h = { .link = i, .target = l->target, .frag = NONE, .at = o.at,
				 .hops = o.hops, .kind = o.kind };
		if (o.v == V_OK && frags && l->frag != NONE && k->strs[o.at].parsed) {
			const struct istr *f = &k->strs[l->frag];
			int found = fragment_found(k, o.at, k->arena + f->off, f->len);
			if (found < 0) {
				k->err = WEFT_E_NOMEM;
				break;
			}
			if (!found) {
				o.v = V_BROKEN;
				h.kind = KIND_FRAGMENT;
				h.frag = l->frag;
			}
		}
		if (o.v == V_NOT_CHECKED || o.v == V_RATE_LIMITED) {
			k->st.not_checked++;
			k->st.rate_limited += o.v == V_RATE_LIMITED;
			continue;
		}
		k->st.checked++;
		if (o.v != V_BROKEN)
			continue;
		k->st.broken_links++;
		h.page = page_of(k, i);
		if (grow((void **)&hits, &cap, n, sizeof(*hits), 64)) {
			k->err = WEFT_E_NOMEM;
			break;
		}
		hits[n++] = h;
	}
	int rc = 0;
	if (k->err) {
		fprintf(k->fp, "weft check: out of memory keeping the links\n");
		rc = -1;
	} else {
		if (n) /* hits is NULL when nothing is broken */
			qsort_r(hits, n, sizeof(*hits), by_target, k);
		count_targets(k, hits, n);
		if (k->format == WEFT_CHECK_JSONL) {
			write_jsonl(k, hits, n);
		} else {
			if (n)
				qsort_r(hits, n, sizeof(*hits), by_page, k);
			write_text(k, hits, n);
		}
	}
	free(hits);
	free_data(k);
	if (fflush(k->fp) != 0 || ferror(k->fp))
		rc = -1;
	return rc;
}

static void check_destroy(struct weft_reporter *r)
{
	struct check_reporter *k = (struct check_reporter *)r;
	free_data(k);
	free(k);
}

static const struct weft_reporter_ops check_ops = {
	.name = "check", .record = check_record, .end = check_end, .destroy = check_destroy,
};

int weft_reporter_check(struct weft_reporter **out, FILE *fp, enum weft_check_format format,
			unsigned flags)
{
	*out = NULL;
	if (!fp || (format != WEFT_CHECK_TEXT && format != WEFT_CHECK_JSONL))
		return WEFT_E_INVAL;
	struct check_reporter *k = calloc(1, sizeof(*k));
	if (!k)
		return WEFT_E_NOMEM;
	k->base.ops = &check_ops;
	k->fp = fp;
	k->format = format;
	k->flags = flags;
	*out = &k->base;
	return WEFT_OK;
}

void weft_reporter_check_stats(const struct weft_reporter *r, struct weft_check_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (r && r->ops == &check_ops)
		*out = ((const struct check_reporter *)r)->st;
}
