/*
 * host.c -- the WHATWG host parser and serialiser: IPv6 literals (with "::" compression on
 * output), IPv4 in all the number forms browsers accept (hex, octal, decimal, fewer than four
 * parts), opaque hosts of non-special URLs, and domains through UTS #46 ToASCII.
 *
 * IDNA is libidn2's (UTS #46 non-transitional processing, no STD3 rules); the standard's own
 * checks (forbidden domain code points, empty result, "ends in a number") are done here. An
 * all-ASCII domain only needs lower-casing, which skips libidn2 on the hot path.
 *
 * Where libidn2 2.3 is stricter than UTS #46 with the standard's parameters: it bans symbols
 * and emoji (IDNA2008) in non-transitional mode -- worked around by transitional mode when no
 * deviation character is present; it applies CheckHyphens and the DNS length limits to
 * non-ASCII labels -- ASCII labels are kept out of it by a label-by-label retry, but a
 * non-ASCII label starting or ending with '-' or with "--" at positions 3-4, or over 63
 * bytes, still fails. None of the web-platform-tests cases hits these.
 */
#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "url/url_internal.h"

static bool is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static unsigned hex_val(unsigned char c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

static bool is_forbidden_host(unsigned char c)
{
	switch (c) {
	case 0: case '\t': case '\n': case '\r': case ' ': case '#': case '/': case ':':
	case '<': case '>': case '?': case '@': case '[': case '\\': case ']': case '^': case '|':
		return true;
	default:
		return false;
	}
}

static bool is_forbidden_domain(unsigned char c)
{
	return is_forbidden_host(c) || c <= 0x1f || c == '%' || c == 0x7f;
}

/* ---- IPv6 ---- */

/* Parse the digits of an IPv4 part embedded in IPv6 at in[*i]; false on failure. */
static bool ipv6_v4_part(const char *in, size_t len, size_t *i, unsigned *out)
{
	if (*i >= len || in[*i] < '0' || in[*i] > '9')
		return false;
	int v = -1;
	for (; *i < len && in[*i] >= '0' && in[*i] <= '9'; (*i)++) {
		int d = in[*i] - '0';
		if (v == 0)
			return false; /* a leading zero */
		v = v < 0 ? d : v * 10 + d;
		if (v > 255)
			return false;
	}
	*out = (unsigned)v;
	return true;
}

/* The IPv4-in-IPv6 tail ("::ffff:1.2.3.4") from in[i], filling two pieces at a[*piece]. */
static bool ipv6_v4_tail(const char *in, size_t len, size_t i, uint16_t *a, int *piece)
{
	if (*piece > 6)
		return false;
	for (int seen = 0; seen < 4; seen++) {
		if (seen > 0) {
			if (i >= len || in[i] != '.')
				return false;
			i++;
		}
		unsigned v;
		if (!ipv6_v4_part(in, len, &i, &v))
			return false;
		a[*piece] = (uint16_t)(a[*piece] * 0x100 + v);
		if (seen == 1 || seen == 3)
			(*piece)++;
	}
	return i == len;
}

/* Move the pieces after the "::" to the end of the address. */
static void ipv6_expand(uint16_t *a, int compress, int piece)
{
	int swaps = piece - compress;
	for (int p = 7; p != 0 && swaps > 0; p--, swaps--) {
		uint16_t t = a[compress + swaps - 1];
		a[compress + swaps - 1] = a[p];
		a[p] = t;
	}
}

/* The IPv6 parser of the standard over in[0..len) (between the brackets). */
static bool ipv6_parse(const char *in, size_t len, uint16_t a[8])
{
	int piece = 0, compress = -1;
	size_t i = 0;
	memset(a, 0, 8 * sizeof a[0]);
	if (len && in[0] == ':') {
		if (len < 2 || in[1] != ':')
			return false;
		i = 2;
		compress = ++piece;
	}
	while (i < len) {
		if (piece == 8)
			return false;
		if (in[i] == ':') {
			if (compress >= 0)
				return false;
			i++;
			compress = ++piece;
			continue;
		}
		unsigned v = 0, n = 0;
		for (; n < 4 && i < len && is_hex((unsigned char)in[i]); n++, i++)
			v = v * 16 + hex_val((unsigned char)in[i]);
		if (i < len && in[i] == '.') {
			if (n == 0)
				return false;
			if (!ipv6_v4_tail(in, len, i - n, a, &piece))
				return false;
			break;
		}
		if (i < len && in[i] == ':') {
			if (++i == len)
				return false;
		} else if (i < len) {
			return false;
		}
		a[piece++] = (uint16_t)v;
	}
	if (compress >= 0)
		ipv6_expand(a, compress, piece);
	else if (piece != 8)
		return false;
	return true;
}

/* Index of the first longest run (length > 1) of zero pieces, or -1. */
static int ipv6_compress_at(const uint16_t a[8])
{
	int best = -1, best_len = 1;
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && a[j] == 0)
			j++;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	return best;
}

static int ipv6_serialise(struct weft__ubuf *out, const uint16_t a[8])
{
	char s[48];
	size_t n = 0;
	int c = ipv6_compress_at(a);
	s[n++] = '[';
	for (int i = 0; i < 8; i++) {
		if (i == c) {
			s[n++] = ':';
			if (i == 0)
				s[n++] = ':';
			while (i < 8 && a[i] == 0)
				i++;
			if (i == 8)
				break;
		}
		n += (size_t)snprintf(s + n, sizeof s - n, "%x", a[i]);
		if (i != 7)
			s[n++] = ':';
	}
	s[n++] = ']';
	return weft__ubuf_add(out, s, n);
}

/* ---- IPv4 ---- */

/*
 * The IPv4 number parser over s[0..n): decimal, 0x-hex or 0-octal. Saturates above 2^32 (any
 * such value fails later). false on failure.
 */
static bool ipv4_number(const char *s, size_t n, uint64_t *out)
{
	unsigned base = 10;
	if (n == 0)
		return false;
	if (n >= 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
		s += 2, n -= 2, base = 16;
	} else if (n >= 2 && s[0] == '0') {
		s += 1, n -= 1, base = 8;
	}
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		unsigned d;
		if (base == 16 && is_hex(c))
			d = hex_val(c);
		else if (c >= '0' && c <= (base == 8 ? '7' : '9'))
			d = (unsigned)(c - '0');
		else
			return false;
		v = v * base + d;
		if (v > 0xffffffffull)
			v = 0x100000000ull;
	}
	*out = v;
	return true;
}

/* Split off the last label of s[0..n), ignoring one trailing dot. */
static void last_label(const char *s, size_t n, size_t *start, size_t *end)
{
	if (n > 1 && s[n - 1] == '.')
		n--;
	size_t i = n;
	while (i > 0 && s[i - 1] != '.')
		i--;
	*start = i;
	*end = n;
}

/* The standard's "ends in a number" check on an ASCII domain. */
static bool ends_in_number(const char *s, size_t n)
{
	size_t a, b;
	uint64_t v;
	if (n == 0 || (n == 1 && s[0] == '.'))
		return false;
	last_label(s, n, &a, &b);
	if (a == b)
		return false;
	size_t digits = 0;
	while (a + digits < b && s[a + digits] >= '0' && s[a + digits] <= '9')
		digits++;
	return digits == b - a || ipv4_number(s + a, b - a, &v);
}

/* The IPv4 parser: s[0..n) to an address, or false (failure). */
static bool ipv4_parse(const char *s, size_t n, uint32_t *addr)
{
	uint64_t nums[4];
	size_t count = 0, i = 0;
	if (n > 1 && s[n - 1] == '.')
		n--;
	while (i <= n) {
		size_t j = i;
		while (j < n && s[j] != '.')
			j++;
		if (count == 4 || !ipv4_number(s + i, j - i, &nums[count]))
			return false;
		count++;
		i = j + 1;
	}
	for (size_t k = 0; k + 1 < count; k++)
		if (nums[k] > 255)
			return false;
	if (nums[count - 1] >= (1ull << (8 * (5 - count))))
		return false;
	uint64_t v = nums[count - 1];
	for (size_t k = 0; k + 1 < count; k++)
		v += nums[k] << (8 * (3 - k));
	*addr = (uint32_t)v;
	return true;
}

static int ipv4_serialise(struct weft__ubuf *out, uint32_t a)
{
	char s[16];
	size_t n = 0;
	for (int shift = 24; shift >= 0; shift -= 8) {
		n += weft__fmt_u32(s + n, (a >> shift) & 255);
		if (shift)
			s[n++] = '.';
	}
	return weft__ubuf_add(out, s, n);
}

/* ---- domains ---- */

/* Percent-decode in[0..len) into out (bytes; may be invalid UTF-8). */
static int pct_decode(struct weft__ubuf *out, const char *in, size_t len)
{
	if (weft__ubuf_reserve(out, len + 1) != 0)
		return WEFT_E_NOMEM;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '%' && i + 2 < len && is_hex((unsigned char)in[i + 1]) &&
		    is_hex((unsigned char)in[i + 2])) {
			c = (unsigned char)(hex_val((unsigned char)in[i + 1]) * 16 +
					    hex_val((unsigned char)in[i + 2]));
			i += 2;
		}
		out->s[out->len++] = (char)c;
	}
	return WEFT_OK;
}

static bool is_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

/* UTS #46 deviation characters: ß, ς, ZWNJ, ZWJ (UTF-8). */
static bool has_deviation(const char *s, size_t n)
{
	static const char *const dev[] = {"\xc3\x9f", "\xcf\x82", "\xe2\x80\x8c", "\xe2\x80\x8d"};
	for (size_t i = 0; i < sizeof dev / sizeof dev[0]; i++)
		if (memmem(s, n, dev[i], strlen(dev[i])))
			return true;
	return false;
}

/*
 * libidn2's lookup of the NUL-terminated UTF-8 s into out. libidn2 adds IDNA2008's ban on
 * symbols (U+2603, emoji) in non-transitional mode, which UTS #46 does not have; transitional
 * mode lacks that ban and differs only on the deviation characters, so it is the fallback when
 * there are none.
 */
static int idn2_ascii(struct weft__ubuf *out, const char *s, size_t n)
{
	uint8_t *ascii = NULL;
	int r = idn2_lookup_u8((const uint8_t *)s, &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (r == IDN2_DISALLOWED && !has_deviation(s, n)) {
		idn2_free(ascii);
		ascii = NULL;
		r = idn2_lookup_u8((const uint8_t *)s, &ascii, IDN2_TRANSITIONAL | IDN2_NFC_INPUT);
	}
	int rc = r == IDN2_MALLOC ? WEFT_E_NOMEM : r != IDN2_OK ? WEFT_E_PARSE : WEFT_OK;
	if (rc == WEFT_OK)
		rc = weft__ubuf_add(out, (const char *)ascii, strlen((const char *)ascii));
	idn2_free(ascii);
	return rc;
}

static bool is_ascii(const char *s, size_t n);
static int ascii_lower(struct weft__ubuf *out, const char *d, size_t n);

/*
 * The fallback when libidn2 rejects the whole domain: label by label, ASCII labels lower-cased
 * as the standard's ASCII fast path does (libidn2 would apply IDNA2008 hyphen rules to them
 * when another label is not ASCII), the others through libidn2. z is NUL-terminated.
 */
static int idna_by_label(struct weft__ubuf *out, struct weft__ubuf *z)
{
	size_t start = out->len, n = z->len - 1;
	int rc = WEFT_OK;
	for (size_t i = 0, j = 0; i <= n && rc == WEFT_OK; i = j + 1) {
		j = i;
		while (j < n && z->s[j] != '.')
			j++;
		z->s[j] = '\0';
		if (is_ascii(z->s + i, j - i))
			rc = ascii_lower(out, z->s + i, j - i);
		else
			rc = idn2_ascii(out, z->s + i, j - i);
		if (j < n && rc == WEFT_OK)
			rc = weft__ubuf_addc(out, '.');
	}
	if (rc != WEFT_OK)
		out->len = start;
	return rc;
}

/*
 * UTS #46 ToASCII of the UTF-8 domain d[0..n) with the URL Standard's parameters, appended to
 * out. libidn2 does the mapping, normalisation, validity checks and Punycode.
 */
static int idna_to_ascii(struct weft__ubuf *out, const char *d, size_t n)
{
	struct weft__ubuf z;
	weft__ubuf_init(&z);
	int rc = weft__utf8_sanitize(&z, d, n);
	if (rc == WEFT_OK)
		rc = weft__ubuf_addc(&z, '\0');
	if (rc == WEFT_OK)
		rc = idn2_ascii(out, z.s, z.len - 1);
	if (rc == WEFT_E_PARSE)
		rc = idna_by_label(out, &z);
	weft__ubuf_free(&z);
	return rc;
}

/* Append d[0..n) ASCII-lower-cased: UTS #46 ToASCII of an ASCII domain (no STD3 rules). */
static int ascii_lower(struct weft__ubuf *out, const char *d, size_t n)
{
	if (weft__ubuf_reserve(out, n) != 0)
		return WEFT_E_NOMEM;
	for (size_t i = 0; i < n; i++) {
		char c = d[i];
		out->s[out->len++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	return WEFT_OK;
}

/* UTS #46 ToASCII of the domain d[0..n), appended to out. */
static int domain_to_ascii(struct weft__ubuf *out, const char *d, size_t n)
{
	return is_ascii(d, n) ? ascii_lower(out, d, n) : idna_to_ascii(out, d, n);
}

/*
 * The standard's checks on the ASCII domain written at out->s[start..]: not empty, no
 * forbidden domain code point, and one that "ends in a number" must be an IPv4 address.
 */
static int finish_domain(struct weft__ubuf *out, size_t start)
{
	const char *d = out->s + start;
	size_t n = out->len - start;
	uint32_t a;
	if (n == 0)
		return WEFT_E_PARSE;
	for (size_t i = 0; i < n; i++)
		if (is_forbidden_domain((unsigned char)d[i]))
			return WEFT_E_PARSE;
	if (!ends_in_number(d, n))
		return WEFT_OK;
	if (!ipv4_parse(d, n, &a))
		return WEFT_E_PARSE;
	out->len = start;
	return ipv4_serialise(out, a);
}

/*
 * The special-scheme branch of the host parser: a domain or an IPv4 address. A host with no
 * '%' and no non-ASCII byte (nearly all) goes straight into out.
 */
static int special_host(struct weft__ubuf *out, const char *in, size_t len)
{
	size_t start = out->len;
	if (!memchr(in, '%', len) && is_ascii(in, len)) {
		int rc = ascii_lower(out, in, len);
		return rc ? rc : finish_domain(out, start);
	}
	struct weft__ubuf dec;
	weft__ubuf_init(&dec);
	int rc = pct_decode(&dec, in, len);
	if (rc == WEFT_OK)
		rc = domain_to_ascii(out, dec.s, dec.len);
	if (rc == WEFT_OK)
		rc = finish_domain(out, start);
	weft__ubuf_free(&dec);
	return rc;
}

/* The opaque-host parser (non-special schemes). */
static int opaque_host(struct weft__ubuf *out, const char *in, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (is_forbidden_host((unsigned char)in[i]))
			return WEFT_E_PARSE;
	return weft__pe_append(out, in, len, WEFT__PE_C0);
}

int weft__url_host(struct weft__ubuf *out, const char *in, size_t len, bool special)
{
	if (len && in[0] == '[') {
		uint16_t a[8];
		if (in[len - 1] != ']' || len < 2 || !ipv6_parse(in + 1, len - 2, a))
			return WEFT_E_PARSE;
		return ipv6_serialise(out, a);
	}
	if (!special)
		return opaque_host(out, in, len);
	return special_host(out, in, len);
}
