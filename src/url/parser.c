/*
 * parser.c -- the WHATWG URL Standard's basic URL parser (https://url.spec.whatwg.org/), one
 * function per parser state, writing the serialisation straight into one buffer in href order
 * and recording component offsets (struct weft__url_rec), so a parse is a single pass with no
 * allocation for URLs that fit the buffer's in-place bytes.
 *
 * Why hand-written: no C library on Debian does WHATWG parsing. libcurl's URL API follows RFC
 * 3986 and reproduces only 59 of the 114 http(s) resolution cases of the web-platform-tests
 * data (and rejects 30 of 52 expected failures), see shared/testdata/url/README.md.
 *
 * The input is UTF-8 bytes. Every decision of the state machine is on an ASCII code point and
 * UTF-8 never puts ASCII bytes inside a multi-byte sequence, so the machine runs on bytes; code
 * points are only decoded where the standard needs them (hosts, legacy-charset queries).
 * Path, query, fragment and opaque-path runs are scanned and percent-encoded in bulk.
 * weft parses whole URLs only, so the URL setters' state overrides are left out.
 */
#include <stdio.h>
#include <string.h>

#include "url/url_internal.h"

#define END (-1) /* the EOF code point */

enum state {
	S_SCHEME_START,
	S_SCHEME,
	S_NO_SCHEME,
	S_SPECIAL_RELATIVE_OR_AUTHORITY,
	S_PATH_OR_AUTHORITY,
	S_RELATIVE,
	S_RELATIVE_SLASH,
	S_SPECIAL_AUTHORITY_SLASHES,
	S_SPECIAL_AUTHORITY_IGNORE_SLASHES,
	S_AUTHORITY,
	S_HOST,
	S_PORT,
	S_FILE,
	S_FILE_SLASH,
	S_FILE_HOST,
	S_PATH_START,
	S_PATH,
	S_OPAQUE_PATH,
	S_QUERY,
	S_FRAGMENT,
	S_COUNT
};

struct parser {
	const char *in;
	size_t len;
	size_t p; /* the standard's pointer; SIZE_MAX stands for -1 */
	const char *bs;                 /* base href, or NULL */
	const struct weft__url_rec *base;
	struct weft__ubuf *o;           /* href being written */
	struct weft__url_rec *u;
	const char *charset;            /* query charset (iconv name), NULL: UTF-8 */
	enum state st;
	size_t mark;                    /* start of the standard's "buffer" in the input */
	size_t seg;                     /* start ('/') of the open path segment in o */
	bool seg_open;
	bool auth_begun;
	bool at_seen;
	bool pass_seen;
	bool in_brackets;
};

/* ---- small helpers ---- */

static bool special(const struct parser *ps)
{
	return ps->u->scheme != WEFT__SCHEME_OTHER;
}

static int at(const struct parser *ps, size_t i)
{
	return i < ps->len ? (unsigned char)ps->in[i] : END;
}

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char lower(int c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

/* A slash for this URL: '/', or '\' too when the scheme is special. */
static bool slash(const struct parser *ps, int c)
{
	return c == '/' || (c == '\\' && special(ps));
}

/* Where the authority-like states stop: EOF, '/', '?', '#' (and '\' for special URLs). */
static bool auth_end(const struct parser *ps, int c)
{
	return c == END || c == '?' || c == '#' || slash(ps, c);
}

static int add(struct parser *ps, const char *s, size_t n)
{
	return weft__ubuf_add(ps->o, s, n);
}

static enum weft__scheme classify(const char *s, size_t n)
{
	static const struct {
		const char *name;
		enum weft__scheme t;
	} tab[] = {
		{"http", WEFT__SCHEME_HTTP}, {"https", WEFT__SCHEME_HTTPS},
		{"ws", WEFT__SCHEME_WS},     {"wss", WEFT__SCHEME_WSS},
		{"ftp", WEFT__SCHEME_FTP},   {"file", WEFT__SCHEME_FILE},
	};
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (strlen(tab[i].name) == n && memcmp(tab[i].name, s, n) == 0)
			return tab[i].t;
	return WEFT__SCHEME_OTHER;
}

static int default_port(enum weft__scheme s)
{
	switch (s) {
	case WEFT__SCHEME_HTTP:
	case WEFT__SCHEME_WS:
		return 80;
	case WEFT__SCHEME_HTTPS:
	case WEFT__SCHEME_WSS:
		return 443;
	case WEFT__SCHEME_FTP:
		return 21;
	default:
		return -1;
	}
}

/* A Windows drive letter: an ASCII letter then ':' or '|' (normalized: ':' only). */
static bool drive_letter(const char *s, size_t n, bool normalized)
{
	return n == 2 && is_alpha((unsigned char)s[0]) &&
	       (s[1] == ':' || (!normalized && s[1] == '|'));
}

/* The input from the pointer on starts with a Windows drive letter (standard's definition). */
static bool starts_with_drive_letter(const struct parser *ps)
{
	size_t rest = ps->len - ps->p;
	if (ps->p >= ps->len || rest < 2 || !drive_letter(ps->in + ps->p, 2, false))
		return false;
	int c = at(ps, ps->p + 2);
	return rest == 2 || c == '/' || c == '\\' || c == '?' || c == '#';
}

/* ---- writing components ---- */

/* The path starts here: fix the authority offsets (all at scheme_end + 1 without a host). */
static void begin_path(struct parser *ps)
{
	struct weft__url_rec *u = ps->u;
	if (!u->has_host) {
		u->user_end = u->pass_end = u->scheme_end + 1;
		u->host_start = u->host_end = u->scheme_end + 1;
	}
	u->auth_end = u->path_start = ps->o->len;
}

static int start_query(struct parser *ps)
{
	ps->u->query_start = ps->o->len;
	ps->st = S_QUERY;
	return weft__ubuf_addc(ps->o, '?');
}

static int start_fragment(struct parser *ps)
{
	ps->u->frag_start = ps->o->len;
	ps->st = S_FRAGMENT;
	return weft__ubuf_addc(ps->o, '#');
}

/* Drop a query copied from the base (it is always the last thing written then). */
static void drop_query(struct parser *ps)
{
	if (ps->u->query_start != WEFT__URL_NONE) {
		ps->o->len = ps->u->query_start;
		ps->u->query_start = WEFT__URL_NONE;
	}
}

/* The standard's "shorten url's path": remove the last segment, but keep a lone "C:" of file. */
static void shorten_path(struct parser *ps)
{
	struct weft__url_rec *u = ps->u;
	size_t start = u->path_start, end = ps->o->len;
	if (end == start)
		return;
	if (u->scheme == WEFT__SCHEME_FILE && end - start == 3 &&
	    drive_letter(ps->o->s + start + 1, 2, true))
		return;
	size_t i = end;
	while (i > start && ps->o->s[i - 1] != '/')
		i--;
	ps->o->len = i > start ? i - 1 : start;
}

/* Copy the base's scheme (with ':'), as the relative states do first. */
static int copy_scheme(struct parser *ps)
{
	ps->o->len = 0;
	ps->u->scheme_end = ps->base->scheme_end;
	ps->u->scheme = ps->base->scheme;
	return add(ps, ps->bs, ps->base->scheme_end + 1);
}

/* Copy the base's username, password, host and port. */
static int copy_authority(struct parser *ps)
{
	const struct weft__url_rec *b = ps->base;
	struct weft__url_rec *u = ps->u;
	u->has_host = b->has_host;
	if (!b->has_host)
		return WEFT_OK;
	size_t from = b->scheme_end + 1, delta = ps->o->len - from;
	u->user_end = b->user_end + delta;
	u->pass_end = b->pass_end + delta;
	u->host_start = b->host_start + delta;
	u->host_end = b->host_end + delta;
	u->port = b->port;
	return add(ps, ps->bs + from, b->auth_end - from);
}

/* Copy the base's path (and its query, when with_query). */
static int copy_path(struct parser *ps, bool with_query)
{
	const struct weft__url_rec *b = ps->base;
	size_t pe = weft__url_path_end(b);
	begin_path(ps);
	int rc = add(ps, ps->bs + b->path_start, pe - b->path_start);
	if (rc == WEFT_OK && with_query && b->query_start != WEFT__URL_NONE) {
		ps->u->query_start = ps->o->len;
		rc = add(ps, ps->bs + b->query_start, weft__url_key_end(b) - b->query_start);
	}
	return rc;
}

/* Copy the base's host only (file URLs carry no credentials or port). */
static int copy_file_host(struct parser *ps)
{
	const struct weft__url_rec *b = ps->base;
	ps->u->host_start = ps->o->len;
	int rc = add(ps, ps->bs + b->host_start, b->host_end - b->host_start);
	ps->u->host_end = ps->o->len;
	return rc;
}

/* ---- scheme and relative states ---- */

static int st_scheme_start(struct parser *ps, int c)
{
	if (is_alpha(c)) {
		ps->st = S_SCHEME;
		return weft__ubuf_addc(ps->o, lower(c));
	}
	ps->st = S_NO_SCHEME;
	ps->p--;
	return WEFT_OK;
}

/* After "scheme:": pick the state the standard continues in. */
static void after_scheme(struct parser *ps)
{
	struct weft__url_rec *u = ps->u;
	if (u->scheme == WEFT__SCHEME_FILE) {
		ps->st = S_FILE;
	} else if (special(ps) && ps->base && ps->base->scheme == u->scheme) {
		ps->st = S_SPECIAL_RELATIVE_OR_AUTHORITY;
	} else if (special(ps)) {
		ps->st = S_SPECIAL_AUTHORITY_SLASHES;
	} else if (at(ps, ps->p + 1) == '/') {
		ps->st = S_PATH_OR_AUTHORITY;
		ps->p++;
	} else {
		u->opaque_path = true;
		begin_path(ps);
		ps->st = S_OPAQUE_PATH;
	}
}

static bool scheme_char(int c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

static int st_scheme(struct parser *ps, int c)
{
	size_t e = ps->p;
	while (scheme_char(c))
		c = at(ps, ++e);
	if (weft__ubuf_reserve(ps->o, e - ps->p + 1) != 0)
		return WEFT_E_NOMEM;
	for (size_t i = ps->p; i < e; i++)
		ps->o->s[ps->o->len++] = lower((unsigned char)ps->in[i]);
	ps->p = e;
	if (c == ':') {
		ps->u->scheme_end = ps->o->len;
		ps->u->scheme = (uint8_t)classify(ps->o->s, ps->o->len);
		ps->o->s[ps->o->len++] = ':';
		after_scheme(ps);
		return WEFT_OK;
	}
	ps->o->len = 0; /* not a scheme after all: start over without one */
	ps->st = S_NO_SCHEME;
	ps->p = SIZE_MAX;
	return WEFT_OK;
}

static int st_no_scheme(struct parser *ps, int c)
{
	const struct weft__url_rec *b = ps->base;
	if (!b || (b->opaque_path && c != '#'))
		return WEFT_E_PARSE;
	if (b->opaque_path) {
		int rc = copy_scheme(ps);
		ps->u->opaque_path = true;
		if (rc == WEFT_OK)
			rc = copy_path(ps, true);
		return rc ? rc : start_fragment(ps);
	}
	ps->st = b->scheme == WEFT__SCHEME_FILE ? S_FILE : S_RELATIVE;
	ps->p--;
	return WEFT_OK;
}

static int st_special_relative_or_authority(struct parser *ps, int c)
{
	if (c == '/' && at(ps, ps->p + 1) == '/') {
		ps->st = S_SPECIAL_AUTHORITY_IGNORE_SLASHES;
		ps->p++;
	} else {
		ps->st = S_RELATIVE;
		ps->p--;
	}
	return WEFT_OK;
}

static int st_path_or_authority(struct parser *ps, int c)
{
	if (c == '/') {
		ps->st = S_AUTHORITY;
	} else {
		begin_path(ps);
		ps->st = S_PATH;
		ps->p--;
	}
	return WEFT_OK;
}

static int st_relative(struct parser *ps, int c)
{
	int rc = copy_scheme(ps);
	if (rc != WEFT_OK)
		return rc;
	if (slash(ps, c)) {
		ps->st = S_RELATIVE_SLASH;
		return WEFT_OK;
	}
	rc = copy_authority(ps);
	if (rc == WEFT_OK)
		rc = copy_path(ps, true);
	if (rc != WEFT_OK || c == END)
		return rc;
	if (c == '?') {
		drop_query(ps);
		return start_query(ps);
	}
	if (c == '#')
		return start_fragment(ps);
	drop_query(ps);
	shorten_path(ps);
	ps->st = S_PATH;
	ps->p--;
	return WEFT_OK;
}

static int st_relative_slash(struct parser *ps, int c)
{
	if (slash(ps, c) && special(ps)) {
		ps->st = S_SPECIAL_AUTHORITY_IGNORE_SLASHES;
	} else if (c == '/') {
		ps->st = S_AUTHORITY;
	} else {
		int rc = copy_authority(ps);
		begin_path(ps);
		ps->st = S_PATH;
		ps->p--;
		return rc;
	}
	return WEFT_OK;
}

static int st_special_authority_slashes(struct parser *ps, int c)
{
	ps->st = S_SPECIAL_AUTHORITY_IGNORE_SLASHES;
	if (c == '/' && at(ps, ps->p + 1) == '/')
		ps->p++;
	else
		ps->p--;
	return WEFT_OK;
}

static int st_special_authority_ignore_slashes(struct parser *ps, int c)
{
	if (c != '/' && c != '\\') {
		ps->st = S_AUTHORITY;
		ps->p--;
	}
	return WEFT_OK;
}

/* ---- authority, host, port ---- */

/* Append a userinfo run s[0..n) to the password (to_pass) or the username. */
static int add_userinfo(struct parser *ps, const char *s, size_t n, bool to_pass)
{
	struct weft__url_rec *u = ps->u;
	if (n == 0)
		return WEFT_OK;
	if (to_pass && u->pass_end == u->user_end && weft__ubuf_addc(ps->o, ':') != 0)
		return WEFT_E_NOMEM;
	int rc = weft__pe_append(ps->o, s, n, WEFT__PE_USERINFO);
	if (!to_pass)
		u->user_end = ps->o->len;
	u->pass_end = ps->o->len;
	return rc;
}

/* At an '@': the buffer in[mark..p) becomes (more) username and password. */
static int flush_userinfo(struct parser *ps)
{
	int rc = WEFT_OK;
	if (ps->at_seen)
		rc = add_userinfo(ps, "%40", 3, ps->pass_seen);
	ps->at_seen = true;
	const char *s = ps->in + ps->mark;
	size_t n = ps->p - ps->mark, i = 0;
	if (!ps->pass_seen) {
		while (i < n && s[i] != ':')
			i++;
		if (rc == WEFT_OK)
			rc = add_userinfo(ps, s, i, false);
		if (i == n)
			return rc;
		ps->pass_seen = true;
		i++;
	}
	return rc ? rc : add_userinfo(ps, s + i, n - i, true);
}

static int st_authority(struct parser *ps, int c)
{
	struct weft__url_rec *u = ps->u;
	if (!ps->auth_begun) {
		ps->auth_begun = true;
		u->has_host = true;
		ps->mark = ps->p;
		if (add(ps, "//", 2) != 0)
			return WEFT_E_NOMEM;
		u->user_end = u->pass_end = ps->o->len;
	}
	for (; !auth_end(ps, c); c = at(ps, ++ps->p)) {
		if (c != '@')
			continue;
		if (flush_userinfo(ps) != WEFT_OK)
			return WEFT_E_NOMEM;
		ps->mark = ps->p + 1;
	}
	if (ps->at_seen && ps->mark == ps->p)
		return WEFT_E_PARSE; /* credentials but no host */
	if (u->pass_end > u->scheme_end + 3 && weft__ubuf_addc(ps->o, '@') != 0)
		return WEFT_E_NOMEM;
	u->host_start = ps->o->len;
	ps->p = ps->mark - 1;
	ps->st = S_HOST;
	return WEFT_OK;
}

/* Parse the host in[mark..p) and append it; the port (if any) comes next. */
static int write_host(struct parser *ps)
{
	int rc = weft__url_host(ps->o, ps->in + ps->mark, ps->p - ps->mark, special(ps));
	ps->u->host_end = ps->o->len;
	return rc;
}

static int st_host(struct parser *ps, int c)
{
	for (; !auth_end(ps, c) && (c != ':' || ps->in_brackets); c = at(ps, ++ps->p)) {
		if (c == '[')
			ps->in_brackets = true;
		else if (c == ']')
			ps->in_brackets = false;
	}
	if (c == ':') {
		if (ps->mark == ps->p)
			return WEFT_E_PARSE;
		int rc = write_host(ps);
		ps->st = S_PORT;
		ps->mark = ps->p + 1;
		return rc;
	}
	if (special(ps) && ps->mark == ps->p)
		return WEFT_E_PARSE;
	int rc = write_host(ps);
	begin_path(ps);
	ps->st = S_PATH_START;
	ps->p--;
	return rc;
}

static int st_port(struct parser *ps, int c)
{
	if (c >= '0' && c <= '9')
		return WEFT_OK;
	if (!auth_end(ps, c))
		return WEFT_E_PARSE;
	if (ps->mark < ps->p) {
		long v = 0;
		for (size_t i = ps->mark; i < ps->p && v <= 65535; i++)
			v = v * 10 + (ps->in[i] - '0');
		if (v > 65535)
			return WEFT_E_PARSE;
		if (v != default_port(ps->u->scheme)) {
			char t[8] = ":";
			size_t n = 1 + weft__fmt_u32(t + 1, (uint32_t)v);
			ps->u->port = (int32_t)v;
			if (add(ps, t, n) != 0)
				return WEFT_E_NOMEM;
		}
	}
	begin_path(ps);
	ps->st = S_PATH_START;
	ps->p--;
	return WEFT_OK;
}

/* ---- file ---- */

/* Entering the file state: "file://" and an empty host, unless the scheme came from input. */
static int begin_file(struct parser *ps)
{
	struct weft__url_rec *u = ps->u;
	if (u->scheme != WEFT__SCHEME_FILE) {
		ps->o->len = 0;
		u->scheme = WEFT__SCHEME_FILE;
		u->scheme_end = 4;
		if (add(ps, "file:", 5) != 0)
			return WEFT_E_NOMEM;
	}
	u->has_host = true;
	if (add(ps, "//", 2) != 0)
		return WEFT_E_NOMEM;
	u->user_end = u->pass_end = u->host_start = u->host_end = ps->o->len;
	return WEFT_OK;
}

/* The file state with a file base and c not a slash: inherit host, path and query. */
static int file_from_base(struct parser *ps, int c)
{
	int rc = copy_file_host(ps);
	if (rc == WEFT_OK)
		rc = copy_path(ps, true);
	if (rc != WEFT_OK || c == END)
		return rc;
	if (c == '?') {
		drop_query(ps);
		return start_query(ps);
	}
	if (c == '#')
		return start_fragment(ps);
	drop_query(ps);
	if (!starts_with_drive_letter(ps))
		shorten_path(ps);
	else
		ps->o->len = ps->u->path_start;
	ps->st = S_PATH;
	ps->p--;
	return WEFT_OK;
}

static int st_file(struct parser *ps, int c)
{
	int rc = begin_file(ps);
	if (rc != WEFT_OK)
		return rc;
	if (c == '/' || c == '\\') {
		ps->st = S_FILE_SLASH;
		return WEFT_OK;
	}
	if (ps->base && ps->base->scheme == WEFT__SCHEME_FILE)
		return file_from_base(ps, c);
	begin_path(ps);
	ps->st = S_PATH;
	ps->p--;
	return WEFT_OK;
}

static int st_file_slash(struct parser *ps, int c)
{
	if (c == '/' || c == '\\') {
		ps->st = S_FILE_HOST;
		ps->mark = ps->p + 1;
		return WEFT_OK;
	}
	int rc = WEFT_OK;
	const struct weft__url_rec *b = ps->base;
	if (b && b->scheme == WEFT__SCHEME_FILE) {
		rc = copy_file_host(ps);
		begin_path(ps);
		const char *p0 = ps->bs + b->path_start;
		size_t n = weft__url_path_end(b) - b->path_start;
		if (rc == WEFT_OK && !starts_with_drive_letter(ps) && n >= 3 &&
		    drive_letter(p0 + 1, 2, true) && (n == 3 || p0[3] == '/'))
			rc = add(ps, p0, 3);
	} else {
		begin_path(ps);
	}
	ps->st = S_PATH;
	ps->p--;
	return rc;
}

static int st_file_host(struct parser *ps, int c)
{
	if (!(c == END || c == '/' || c == '\\' || c == '?' || c == '#'))
		return WEFT_OK;
	struct weft__url_rec *u = ps->u;
	if (drive_letter(ps->in + ps->mark, ps->p - ps->mark, false)) {
		begin_path(ps);
		ps->st = S_PATH;
		ps->p = ps->mark - 1; /* the path state reads the drive letter again */
		return WEFT_OK;
	}
	if (ps->mark < ps->p) {
		u->host_start = ps->o->len;
		int rc = write_host(ps);
		if (rc != WEFT_OK)
			return rc;
		if (u->host_end - u->host_start == 9 &&
		    memcmp(ps->o->s + u->host_start, "localhost", 9) == 0)
			ps->o->len = u->host_end = u->host_start;
	}
	begin_path(ps);
	ps->st = S_PATH_START;
	ps->p--;
	return WEFT_OK;
}

/* ---- path, query, fragment ---- */

static int st_path_start(struct parser *ps, int c)
{
	if (special(ps)) {
		ps->st = S_PATH;
		if (c != '/' && c != '\\')
			ps->p--;
	} else if (c == '?') {
		return start_query(ps);
	} else if (c == '#') {
		return start_fragment(ps);
	} else if (c != END) {
		ps->st = S_PATH;
		if (c != '/')
			ps->p--;
	}
	return WEFT_OK;
}

/* Length of a dot at s[0..n): 1 for ".", 3 for "%2e" or "%2E", else 0. */
static size_t dot_unit(const char *s, size_t n)
{
	if (n >= 1 && s[0] == '.')
		return 1;
	if (n >= 3 && s[0] == '%' && s[1] == '2' && (s[2] | 0x20) == 'e')
		return 3;
	return 0;
}

/* The segment s[0..n) (percent-encoded) is "." or its %2e form. */
static bool single_dot(const char *s, size_t n)
{
	size_t a = dot_unit(s, n);
	return a && a == n;
}

/* The segment s[0..n) is ".." in any mix of '.' and "%2e". */
static bool double_dot(const char *s, size_t n)
{
	size_t a = dot_unit(s, n);
	size_t b = a ? dot_unit(s + a, n - a) : 0;
	return b && a + b == n;
}

/* A path segment ended at c: resolve "." and "..", fix a file drive letter, go on. */
static int end_segment(struct parser *ps, int c)
{
	struct weft__ubuf *o = ps->o;
	const char *s = o->s + ps->seg + 1;
	size_t n = o->len - ps->seg - 1;
	bool more = slash(ps, c);
	ps->seg_open = false;
	if (double_dot(s, n)) {
		o->len = ps->seg;
		shorten_path(ps);
		if (!more && weft__ubuf_addc(o, '/') != 0)
			return WEFT_E_NOMEM;
	} else if (single_dot(s, n)) {
		o->len = ps->seg;
		if (!more && weft__ubuf_addc(o, '/') != 0)
			return WEFT_E_NOMEM;
	} else if (ps->u->scheme == WEFT__SCHEME_FILE && ps->seg == ps->u->path_start &&
		   drive_letter(s, n, false)) {
		o->s[ps->seg + 2] = ':';
	}
	if (c == '?')
		return start_query(ps);
	if (c == '#')
		return start_fragment(ps);
	return WEFT_OK;
}

static int st_path(struct parser *ps, int c)
{
	if (!ps->seg_open) {
		ps->seg_open = true;
		ps->seg = ps->o->len;
		if (weft__ubuf_addc(ps->o, '/') != 0)
			return WEFT_E_NOMEM;
	}
	size_t e = ps->p;
	while (e < ps->len && !(slash(ps, c) || c == '?' || c == '#'))
		c = at(ps, ++e);
	if (e > ps->p && weft__pe_append(ps->o, ps->in + ps->p, e - ps->p, WEFT__PE_PATH) != 0)
		return WEFT_E_NOMEM;
	ps->p = e;
	return end_segment(ps, c);
}

static int st_opaque_path(struct parser *ps, int c)
{
	size_t b = ps->p, e = b;
	while (c != END && c != '?' && c != '#')
		c = at(ps, ++e);
	if (weft__pe_append(ps->o, ps->in + b, e - b, WEFT__PE_C0) != 0)
		return WEFT_E_NOMEM;
	ps->p = e;
	if (c == END)
		return WEFT_OK;
	/* A space right before '?' or '#' is encoded, so a later strip cannot drop it. */
	if (e > b && ps->in[e - 1] == ' ') {
		ps->o->len--;
		if (add(ps, "%20", 3) != 0)
			return WEFT_E_NOMEM;
	}
	return c == '?' ? start_query(ps) : start_fragment(ps);
}

static int st_query(struct parser *ps, int c)
{
	size_t e = ps->p;
	while (c != END && c != '#')
		c = at(ps, ++e);
	enum weft__scheme s = ps->u->scheme;
	bool legacy = special(ps) && s != WEFT__SCHEME_WS && s != WEFT__SCHEME_WSS;
	int rc = weft__pe_append_charset(ps->o, ps->in + ps->p, e - ps->p,
					 special(ps) ? WEFT__PE_SPECIAL_QUERY : WEFT__PE_QUERY,
					 legacy ? ps->charset : NULL);
	ps->p = e;
	if (rc == WEFT_OK && c == '#')
		rc = start_fragment(ps);
	return rc;
}

static int st_fragment(struct parser *ps, int c)
{
	(void)c;
	int rc = weft__pe_append(ps->o, ps->in + ps->p, ps->len - ps->p, WEFT__PE_FRAGMENT);
	ps->p = ps->len;
	return rc;
}

/* ---- driver ---- */

typedef int (*state_fn)(struct parser *ps, int c);

static const state_fn states[S_COUNT] = {
	[S_SCHEME_START] = st_scheme_start,
	[S_SCHEME] = st_scheme,
	[S_NO_SCHEME] = st_no_scheme,
	[S_SPECIAL_RELATIVE_OR_AUTHORITY] = st_special_relative_or_authority,
	[S_PATH_OR_AUTHORITY] = st_path_or_authority,
	[S_RELATIVE] = st_relative,
	[S_RELATIVE_SLASH] = st_relative_slash,
	[S_SPECIAL_AUTHORITY_SLASHES] = st_special_authority_slashes,
	[S_SPECIAL_AUTHORITY_IGNORE_SLASHES] = st_special_authority_ignore_slashes,
	[S_AUTHORITY] = st_authority,
	[S_HOST] = st_host,
	[S_PORT] = st_port,
	[S_FILE] = st_file,
	[S_FILE_SLASH] = st_file_slash,
	[S_FILE_HOST] = st_file_host,
	[S_PATH_START] = st_path_start,
	[S_PATH] = st_path,
	[S_OPAQUE_PATH] = st_opaque_path,
	[S_QUERY] = st_query,
	[S_FRAGMENT] = st_fragment,
};

/* Without a host, a path starting with an empty segment gets "/." so it cannot read as "//". */
static int finish(struct parser *ps)
{
	struct weft__url_rec *u = ps->u;
	struct weft__ubuf *o = ps->o;
	u->len = o->len;
	size_t pe = weft__url_path_end(u);
	if (u->has_host || u->opaque_path || pe - u->path_start < 2 ||
	    o->s[u->path_start + 1] != '/')
		return WEFT_OK;
	if (weft__ubuf_reserve(o, 2) != 0)
		return WEFT_E_NOMEM;
	memmove(o->s + u->path_start + 2, o->s + u->path_start, o->len - u->path_start);
	memcpy(o->s + u->path_start, "/.", 2);
	o->len += 2;
	u->len = o->len;
	u->path_start += 2;
	if (u->query_start != WEFT__URL_NONE)
		u->query_start += 2;
	if (u->frag_start != WEFT__URL_NONE)
		u->frag_start += 2;
	return WEFT_OK;
}

/* Run the state machine over the preprocessed input in[0..len). */
static int run(struct parser *ps)
{
	int rc = WEFT_OK;
	for (ps->p = 0;; ps->p++) {
		rc = states[ps->st](ps, at(ps, ps->p));
		if (rc != WEFT_OK || ps->p == ps->len)
			break;
	}
	return rc ? rc : finish(ps);
}

static bool c0_or_space(unsigned char c)
{
	return c <= 0x20;
}

/*
 * The standard's input cleanup: strip leading and trailing C0 controls and spaces (done by
 * the caller moving in/len), remove tabs and newlines, and replace invalid UTF-8 with U+FFFD.
 * Returns the input to parse: in itself, or a cleaned copy in scratch.
 */
static int clean_input(struct weft__ubuf *scratch, const char **in, size_t *len)
{
	const char *s = *in;
	size_t n = *len;
	bool tabs = false, high = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		tabs |= c == '\t' || c == '\n' || c == '\r';
		high |= c >= 0x80;
	}
	if (high && weft__utf8_valid_prefix((const unsigned char *)s, n) == n)
		high = false;
	if (!tabs && !high)
		return WEFT_OK;
	struct weft__ubuf tmp;
	weft__ubuf_init(&tmp);
	int rc = WEFT_OK;
	for (size_t i = 0; i < n && rc == WEFT_OK; i++)
		if (s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			rc = weft__ubuf_addc(&tmp, s[i]);
	if (rc == WEFT_OK)
		rc = weft__utf8_sanitize(scratch, tmp.s, tmp.len);
	weft__ubuf_free(&tmp);
	*in = scratch->s;
	*len = scratch->len;
	return rc;
}

int weft__url_parse_rec(struct weft__ubuf *out, struct weft__url_rec *rec, const char *input,
			size_t len, const char *base_href, const struct weft__url_rec *base,
			const char *charset)
{
	struct weft__ubuf scratch;
	weft__ubuf_init(&scratch);
	while (len && c0_or_space((unsigned char)input[0]))
		input++, len--;
	while (len && c0_or_space((unsigned char)input[len - 1]))
		len--;
	int rc = clean_input(&scratch, &input, &len);
	if (rc != WEFT_OK)
		goto free_scratch;
	memset(rec, 0, sizeof *rec);
	rec->query_start = rec->frag_start = WEFT__URL_NONE;
	rec->port = -1;
	struct parser ps = {
		.in = input, .len = len, .bs = base ? base_href : NULL, .base = base,
		.o = out, .u = rec, .charset = charset, .st = S_SCHEME_START,
	};
	rc = run(&ps);
free_scratch:
	weft__ubuf_free(&scratch);
	return rc;
}
