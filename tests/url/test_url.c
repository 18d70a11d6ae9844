/*
 * test_url.c -- unit tests of the URL module for what the web-platform-tests data does not
 * cover: weft_url_resolve() and the crawl key, the document-encoding parameter (legacy
 * charsets for the query only), huge inputs, embedded NUL bytes, invalid UTF-8, many threads
 * at once, and a random-input smoke loop with the idempotence invariant.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <weft/url.h>

#include "tests/harness/check.h"

/* Resolve input against base with encoding; the result (or "FAIL") in a static-free buffer. */
static const char *res(char *buf, size_t len, const char *base, const char *in, const char *enc)
{
	char *out = NULL;
	int rc = weft_url_resolve(base, in, strlen(in), enc, &out);
	snprintf(buf, len, "%s", rc == WEFT_OK ? out : "FAIL");
	free(out);
	return buf;
}

#define RES(base, in, enc) res(rbuf, sizeof rbuf, base, in, enc)

static void test_resolve_basics(void)
{
	char rbuf[512];
	CHECK_STR(RES("http://a.example/b/c", "d#frag", NULL), "http://a.example/b/d");
	CHECK_STR(RES("http://a.example/b/c", "#only", NULL), "http://a.example/b/c");
	CHECK_STR(RES("http://a.example/b/c?q", "?r#x", NULL), "http://a.example/b/c?r");
	CHECK_STR(RES("http://a.example/b/c", "../../../x", NULL), "http://a.example/x");
	CHECK_STR(RES("http://a.example/b/c", "//B.Example:80/%2e%2E/y", NULL),
		  "http://b.example/y");
	CHECK_STR(RES("http://a.example/", "HTTPS://X.example:443", NULL), "https://x.example/");
	CHECK_STR(RES(NULL, "  http://x.example/\tp\n ", NULL), "http://x.example/p");
	CHECK_STR(RES(NULL, "relative/path", NULL), "FAIL");
	CHECK_STR(RES("not a url", "x", NULL), "FAIL");
	CHECK_STR(RES("http://a/", "mailto:someone@example.com", NULL),
		  "mailto:someone@example.com");
	CHECK_STR(RES("http://a/", "javascript:void(0)", NULL), "javascript:void(0)");
	CHECK_STR(RES("http://a/", "data:text/plain,hi there#x", NULL), "data:text/plain,hi there");
	CHECK_STR(RES("http://a/", "http://[::1]:8080/", NULL), "http://[::1]:8080/");
	CHECK_STR(RES("http://a/", "http://0x7f.1/", NULL), "http://127.0.0.1/");
	CHECK_STR(RES("http://a/", "http://bücher.example/", NULL),
		  "http://xn--bcher-kva.example/");
	CHECK_STR(RES("http://a/", "http://☃.net/", NULL), "http://xn--n3h.net/");
	CHECK_STR(RES("http://a/", "http://ab--c.bücher.example/", NULL),
		  "http://ab--c.xn--bcher-kva.example/");
}

static void test_resolve_parsed(void)
{
	struct weft_url *b = NULL;
	const char *bs = "https://h.example/dir/page.html?x#y";
	REQUIRE(weft_url_parse(&b, bs, strlen(bs), NULL, NULL) == WEFT_OK);
	const char *links[] = {"a b", "/r", "?q=é", "#f", "//o.example", "http://[1:0::]/", "x:y"};
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		char *p = NULL, *s = NULL;
		size_t n = strlen(links[i]);
		CHECK_INT(weft_url_resolve_parsed(b, links[i], n, "windows-1252", &p), WEFT_OK);
		CHECK_INT(weft_url_resolve(bs, links[i], n, "windows-1252", &s), WEFT_OK);
		CHECK_STR(p, s);
		free(p);
		free(s);
	}
	char *p = NULL;
	CHECK_INT(weft_url_resolve_parsed(NULL, "rel", 3, NULL, &p), WEFT_E_PARSE);
	CHECK(p == NULL);
	CHECK_INT(weft_url_resolve_parsed(NULL, "HTTP://A/#f", 11, NULL, &p), WEFT_OK);
	CHECK_STR(p, "http://a/");
	free(p);
	weft_url_free(&b);
}

static void test_parse_getters(void)
{
	const char *s = "HTTPS://us%65r:p%40ss@Example.COM:8443/a/./b/../c?x=1&y=2#Frag";
	struct weft_url *u = NULL;
	REQUIRE(weft_url_parse(&u, s, strlen(s), NULL, NULL) == WEFT_OK);
	CHECK_STR(weft_url_href(u), "https://us%65r:p%40ss@example.com:8443/a/c?x=1&y=2#Frag");
	CHECK_STR(weft_url_protocol(u), "https:");
	CHECK_STR(weft_url_username(u), "us%65r");
	CHECK_STR(weft_url_password(u), "p%40ss");
	CHECK_STR(weft_url_host(u), "example.com:8443");
	CHECK_STR(weft_url_hostname(u), "example.com");
	CHECK_STR(weft_url_port(u), "8443");
	CHECK_STR(weft_url_pathname(u), "/a/c");
	CHECK_STR(weft_url_search(u), "?x=1&y=2");
	CHECK_STR(weft_url_hash(u), "#Frag");
	CHECK(weft_url_is_http(u));
	CHECK_INT(weft_url_key_len(u),
		  strlen("https://us%65r:p%40ss@example.com:8443/a/c?x=1&y=2"));
	struct weft_url *v = NULL;
	REQUIRE(weft_url_parse(&v, "../z?", 5, u, NULL) == WEFT_OK);
	CHECK_STR(weft_url_href(v), "https://us%65r:p%40ss@example.com:8443/z?");
	CHECK_STR(weft_url_search(v), "");
	CHECK_INT(weft_url_key_len(v), strlen(weft_url_href(v)));
	weft_url_free(&v);
	weft_url_free(&u);
	CHECK(u == NULL);
	weft_url_free(&u);  /* NULL is a no-op */
	weft_url_free(NULL);
}

static void test_key_len_and_schemes(void)
{
	struct weft_url *u = NULL;
	REQUIRE(weft_url_parse(&u, "ftp://h/p#f", 11, NULL, NULL) == WEFT_OK);
	CHECK(!weft_url_is_http(u));
	CHECK_INT(weft_url_key_len(u), 9);
	weft_url_free(&u);
	REQUIRE(weft_url_parse(&u, "mailto:a@b", 10, NULL, NULL) == WEFT_OK);
	CHECK(!weft_url_is_http(u));
	CHECK_STR(weft_url_pathname(u), "a@b");
	CHECK_INT(weft_url_key_len(u), 10);
	weft_url_free(&u);
	CHECK_INT(weft_url_parse(&u, "http://", 7, NULL, NULL), WEFT_E_PARSE);
	CHECK(u == NULL);
}

static void test_encoding_windows1252(void)
{
	char rbuf[512];
	const char *b = "http://a.example/";
	CHECK_STR(RES(b, "?q=é", "windows-1252"), "http://a.example/?q=%E9");
	CHECK_STR(RES(b, "?q=€", "windows-1252"), "http://a.example/?q=%80");
	CHECK_STR(RES(b, "?q=✓", "windows-1252"), "http://a.example/?q=%26%2310003%3B");
	CHECK_STR(RES(b, "?q=😀x", "windows-1252"), "http://a.example/?q=%26%23128512%3Bx");
	CHECK_STR(RES(b, "?q=é", "ISO-8859-1"), "http://a.example/?q=%E9");
	CHECK_STR(RES(b, "?q=é", " Latin1\t"), "http://a.example/?q=%E9");
	CHECK_STR(RES(b, "?q=é", "ascii"), "http://a.example/?q=%E9");
	CHECK_STR(RES(b, "?q=\xc2\x81", "windows-1252"), "http://a.example/?q=%81");
	CHECK_STR(RES(b, "?q=é", "utf-8"), "http://a.example/?q=%C3%A9");
	CHECK_STR(RES(b, "?q=é", "no-such-charset"), "http://a.example/?q=%C3%A9");
	CHECK_STR(RES(b, "?q=é", "utf-16le"), "http://a.example/?q=%C3%A9");
	CHECK_STR(RES(b, "?q=é'", NULL), "http://a.example/?q=%C3%A9%27");
	/* Only the query of special URLs, and not of ws/wss. */
	CHECK_STR(RES(b, "/é/?é#é", "windows-1252"), "http://a.example/%C3%A9/?%E9");
	struct weft_url *u = NULL;
	REQUIRE(weft_url_parse(&u, "http://h/é?é#é", 17, NULL, "windows-1252") == WEFT_OK);
	CHECK_STR(weft_url_href(u), "http://h/%C3%A9?%E9#%C3%A9");
	weft_url_free(&u);
	CHECK_STR(RES(b, "ws://h/?é", "windows-1252"), "ws://h/?%C3%A9");
	CHECK_STR(RES(b, "sc://h/?é", "windows-1252"), "sc://h/?%C3%A9");
	CHECK_STR(RES(b, "http://é.example/?é", "windows-1252"), "http://xn--9ca.example/?%E9");
	CHECK_STR(RES(b, "http://é@h/", "windows-1252"), "http://%C3%A9@h/");
}

static void test_encoding_cjk_and_others(void)
{
	char rbuf[512];
	const char *b = "http://a.example/";
	CHECK_STR(RES(b, "?あ", "shift_jis"), "http://a.example/?%82%A0");
	CHECK_STR(RES(b, "?あ", "Shift-JIS"), "http://a.example/?%82%A0");
	CHECK_STR(RES(b, "?表", "sjis"), "http://a.example/?%95\\");  /* trail byte 0x5C stays */
	CHECK_STR(RES(b, "?é", "shift_jis"), "http://a.example/?%26%23233%3B");
	CHECK_STR(RES(b, "/あ?あ", "shift_jis"), "http://a.example/%E3%81%82?%82%A0");
	CHECK_STR(RES(b, "?あ", "euc-jp"), "http://a.example/?%A4%A2");
	CHECK_STR(RES(b, "?中", "gbk"), "http://a.example/?%D6%D0");
	CHECK_STR(RES(b, "?中", "gb2312"), "http://a.example/?%D6%D0");
	CHECK_STR(RES(b, "?€", "gbk"), "http://a.example/?%80");
	CHECK_STR(RES(b, "?¥", "shift_jis"), "http://a.example/?\\");  /* 0x5C, not in the set */
	CHECK_STR(RES(b, "?中", "big5"), "http://a.example/?%A4%A4");
	CHECK_STR(RES(b, "?한", "euc-kr"), "http://a.example/?%C7%D1");
	CHECK_STR(RES(b, "?ж", "koi8-r"), "http://a.example/?%D6");
	CHECK_STR(RES(b, "?ж", "windows-1251"), "http://a.example/?%E6");
	CHECK_STR(RES(b, "?ł", "iso-8859-2"), "http://a.example/?%B3");
	CHECK_STR(RES(b, "?€", "iso-8859-15"), "http://a.example/?%A4");
	CHECK_STR(RES(b, "?ğ", "iso-8859-9"), "http://a.example/?%F0");
}

static void test_long_input(void)
{
	size_t n = 100 * 1024;
	char *in = malloc(n + 1);
	REQUIRE(in);
	memcpy(in, "http://h.example/", 17);
	for (size_t i = 17; i < n; i++)
		in[i] = (i % 7 == 0) ? '/' : (i % 13 == 0) ? ' ' : 'a';
	in[n] = '\0';
	char *out = NULL;
	REQUIRE(weft_url_resolve(NULL, in, n, NULL, &out) == WEFT_OK);
	CHECK(strlen(out) > n);          /* spaces became %20 */
	CHECK(strncmp(out, "http://h.example/", 17) == 0);
	free(out);
	/* As a base, and with 30000 ".." segments against a deep base path. */
	struct weft_url *b = NULL, *u = NULL;
	REQUIRE(weft_url_parse(&b, in, n, NULL, NULL) == WEFT_OK);
	for (size_t i = 0; i + 3 <= 90000; i += 3)
		memcpy(in + i, "../", 3);
	CHECK_INT(weft_url_parse(&u, in, 90000, b, NULL), WEFT_OK);
	if (u)
		CHECK_STR(weft_url_href(u), "http://h.example/");
	weft_url_free(&u);
	weft_url_free(&b);
	free(in);
}

static void test_embedded_nul(void)
{
	struct weft_url *u = NULL;
	REQUIRE(weft_url_parse(&u, "http://h/a\0b?c\0d#e\0f", 21, NULL, NULL) == WEFT_OK);
	CHECK_STR(weft_url_href(u), "http://h/a%00b?c%00d#e%00f");
	weft_url_free(&u);
	CHECK_INT(weft_url_parse(&u, "http://h\0x/", 11, NULL, NULL), WEFT_E_PARSE);
	/* The length, not the NUL, ends the input. */
	REQUIRE(weft_url_parse(&u, "http://h/ab", 10, NULL, NULL) == WEFT_OK);
	CHECK_STR(weft_url_href(u), "http://h/a");
	weft_url_free(&u);
}

static void test_invalid_utf8(void)
{
	char rbuf[512];
	CHECK_STR(RES(NULL, "http://h/\xff", NULL), "http://h/%EF%BF%BD");
	CHECK_STR(RES(NULL, "http://h/\xe2\x82x", NULL), "http://h/%EF%BF%BDx");
	CHECK_STR(RES(NULL, "http://h/\xc0\x80", NULL), "http://h/%EF%BF%BD%EF%BF%BD");
	CHECK_STR(RES(NULL, "http://h/\xed\xa0\x80", NULL),
		  "http://h/%EF%BF%BD%EF%BF%BD%EF%BF%BD");
	CHECK_STR(RES(NULL, "http://h/?\xff", "windows-1252"), "http://h/?%26%2365533%3B");
	CHECK_STR(RES(NULL, "http://\xff/", NULL), "FAIL");
	CHECK_STR(RES(NULL, "http://h%ff/", NULL), "FAIL");
	CHECK_STR(RES(NULL, "http://\xff@h/", NULL), "http://%EF%BF%BD@h/");
}

/* Random input biased toward URL syntax. */
static size_t random_input(uint64_t *seed, char *buf, size_t cap)
{
	static const char *const pieces[] = {
		"http:", "https://", "file:", "//", "/", "\\", "..", ".", "%2e", "?", "#", "@", ":",
		"[", "]", "::1", "0x", "%", "%41", "é", "☃", "xn--", " ", "\t", "a", "Z", "9",
		"\xff", "\xe2\x82", "mailto:", "sc:", "|", "C:", "127.0.0.1", ".."};
	size_t n = 0, parts = 0;
	*seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
	parts = (*seed >> 33) % 24;
	for (size_t i = 0; i < parts; i++) {
		*seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
		uint32_t r = (uint32_t)(*seed >> 32);
		const char *p;
		char byte[1] = {(char)(r >> 8)};
		size_t len;
		if (r % 4 == 0)
			p = byte, len = 1;
		else
			p = pieces[(r >> 4) % (sizeof pieces / sizeof pieces[0])], len = strlen(p);
		if (n + len > cap)
			break;
		memcpy(buf + n, p, len);
		n += len;
	}
	return n;
}

/* Parsing a parsed URL's href again gives the same href (the standard's idempotence). */
static void check_idempotent(const struct weft_url *u, const char *in, size_t n)
{
	struct weft_url *again = NULL;
	const char *h = weft_url_href(u);
	int rc = weft_url_parse(&again, h, strlen(h), NULL, NULL);
	if (rc != WEFT_OK || strcmp(weft_url_href(again), h) != 0)
		CHECK_FAIL("not idempotent: input \"%.*s\" -> \"%s\" -> %s", (int)n, in, h,
			   rc == WEFT_OK ? weft_url_href(again) : "failure");
	weft_url_free(&again);
}

static void test_smoke_random(void)
{
	const char *bases[] = {"http://user:pw@b.example:81/p/q?x#y", "file:///C:/dir/f",
			       "sc://h/a/b", "sc:opaque"};
	struct weft_url *base[4];
	for (int i = 0; i < 4; i++)
		REQUIRE(weft_url_parse(&base[i], bases[i], strlen(bases[i]), NULL, NULL) == 0);
	uint64_t seed = 42;
	int iters = (int)(20000 * check_scale()), parsed = 0;
	char buf[256];
	for (int i = 0; i < iters; i++) {
		size_t n = random_input(&seed, buf, sizeof buf);
		struct weft_url *u = NULL;
		int rc = weft_url_parse(&u, buf, n, i % 5 == 4 ? NULL : base[i % 4],
					i % 3 ? NULL : "windows-1252");
		if (rc != WEFT_OK && rc != WEFT_E_PARSE)
			CHECK_FAIL("unexpected rc %d", rc);
		if (u) {
			parsed++;
			check_idempotent(u, buf, n);
			CHECK(weft_url_key_len(u) <= strlen(weft_url_href(u)));
		}
		weft_url_free(&u);
	}
	CHECK(parsed > iters / 4);
	for (int i = 0; i < 4; i++)
		weft_url_free(&base[i]);
}

/* Many threads resolving at once (TSan checks there is no shared mutable state). */
static void *resolver_thread(void *arg)
{
	int *bad = arg;
	for (int i = 0; i < 2000; i++) {
		char *out = NULL;
		const char *in = i % 2 ? "../x?q=é€✓#f" : "//Bücher.example/a/./b";
		if (weft_url_resolve("http://h.example/a/b", in, strlen(in),
				     i % 3 ? "windows-1252" : "shift_jis", &out) != WEFT_OK)
			(*bad)++;
		free(out);
	}
	return NULL;
}

static void test_threads(void)
{
	pthread_t t[4];
	int bad[4] = {0};
	for (int i = 0; i < 4; i++)
		REQUIRE(pthread_create(&t[i], NULL, resolver_thread, &bad[i]) == 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CHECK_INT(bad[i], 0);
	}
}

int main(void)
{
	RUN(test_resolve_basics);
	RUN(test_resolve_parsed);
	RUN(test_parse_getters);
	RUN(test_key_len_and_schemes);
	RUN(test_encoding_windows1252);
	RUN(test_encoding_cjk_and_others);
	RUN(test_long_input);
	RUN(test_embedded_nul);
	RUN(test_invalid_utf8);
	RUN(test_smoke_random);
	RUN(test_threads);
	return check_report();
}
