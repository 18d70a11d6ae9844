/*
 * test_sitemap.c -- the sitemap parser (src/extract/sitemap.c): urlsets and indexes with and
 * without namespace prefixes, whitespace, CDATA and entities in <loc>; gzip (compressed here
 * with zlib: one member, two members, truncated, corrupt); rejected locs; malformed XML with
 * its line; the protocol's limits at and one past their edge (50,000 locs, 50 MB); a gzip bomb
 * (refused at the cap) and 40 MB of tiny comments (peak memory measured in a child process);
 * the cap on unparsed markup; entity bombs and external
 * entities (refused, never expanded); the callback's stop; libxml2 never writing to stderr;
 * concurrent parses.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <weft.h>

#include "weft_build.h"

#include "check.h"
#include "extract/sitemap.h"

#define SM_URL "https://example.com/sitemap.xml"

/* malloc that never returns NULL: a test without memory aborts. */
static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p)
		abort();
	return p;
}

/* memset, not inlined: GCC 12 with -fsanitize=undefined reports bogus -Warray-bounds on
 * memset at an offset into fresh heap memory. */
__attribute__((noinline)) static void fill(char *p, int c, size_t n)
{
	memset(p, c, n);
}

/* What the callback saw: "U url\n" / "C url\n" lines, a count, and when to stop. */
struct got {
	char *p;
	size_t n, cap;
	size_t calls;
	size_t stop_at; /* return 7 from this call (1-based); 0: never */
	bool count_only;
};

static int collect(void *cookie, enum weft__sitemap_kind kind, const char *url)
{
	struct got *g = cookie;
	g->calls++;
	if (!g->count_only) {
		size_t len = strlen(url);
		if (g->cap - g->n < len + 4) {
			g->cap = (g->cap + len + 4) * 2;
			g->p = realloc(g->p, g->cap);
			if (!g->p)
				abort();
		}
		g->n += (size_t)sprintf(g->p + g->n, "%c %s\n",
					kind == WEFT__SITEMAP_CHILD ? 'C' : 'U', url);
	}
	return g->stop_at && g->calls == g->stop_at ? 7 : 0;
}

/* Parse doc[0..len) into g (reset first); the message goes to err. */
static int parse(const void *doc, size_t len, struct got *g, struct weft__sitemap_stats *st,
		 char *err, size_t errlen)
{
	g->n = 0;
	g->calls = 0;
	if (g->p)
		g->p[0] = '\0';
	return weft__sitemap_parse(SM_URL, doc, len, collect, g, st, err, errlen);
}

static const char *seen(const struct got *g)
{
	return g->n ? g->p : "";
}

/* gzip doc[0..len) as one member into *out (malloc'd); returns the compressed size. */
static size_t gzip(const char *doc, size_t len, unsigned char **out)
{
	z_stream z = { 0 };
	if (deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	size_t cap = deflateBound(&z, len);
	*out = xmalloc(cap);
	z.next_in = (Bytef *)(uintptr_t)doc;
	z.avail_in = (uInt)len;
	z.next_out = *out;
	z.avail_out = (uInt)cap;
	if (!*out || deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	deflateEnd(&z);
	return cap - z.avail_out;
}

static void test_urlset_namespaces(void)
{
	static const char doc[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<sm:urlset xmlns:sm=\"http://www.sitemaps.org/schemas/sitemap/0.9\"\n"
		"    xmlns:image=\"http://www.google.com/schemas/sitemap-image/1.1\">\n"
		"  <sm:url>\n"
		"    <sm:loc>\n"
		"        https://example.com/a  \n"
		"    </sm:loc>\n"
		"    <image:image><image:loc>https://example.com/i.png</image:loc></image:image>\n"
		"    <sm:lastmod>2024-01-01</sm:lastmod>\n"
		"  </sm:url>\n"
		"  <sm:url><sm:loc><![CDATA[ https://EXAMPLE.com:443/b#frag ]]></sm:loc></sm:url>\n"
		"  <url xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
		"<loc>\thttp://example.com/c?q=1\r\n</loc></url>\n"
		"  <x:url><x:loc>http://example.com/undeclared-prefix</x:loc></x:url>\n"
		"  <loc>http://example.com/not-in-a-url</loc>\n"
		"  <sitemap><loc>http://example.com/not-in-an-index</loc></sitemap>\n"
		"</sm:urlset>\n";
	struct got g = { 0 };
	struct weft__sitemap_stats st;
	char err[512] = "";
	CHECK_INT(parse(doc, sizeof(doc) - 1, &g, &st, err, sizeof(err)), WEFT_OK);
	CHECK_STR(seen(&g), "U https://example.com/a\n"
			    "U https://example.com/b\n"
			    "U http://example.com/c?q=1\n"
			    "U http://example.com/undeclared-prefix\n");
	CHECK_INT(st.urls, 4);
	CHECK_INT(st.children, 0);
	CHECK_INT(st.rejected, 0);
	CHECK(!st.is_index);
	free(g.p);
}

static void test_sitemapindex(void)
{
	static const char doc[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n"
		"  <sitemap><loc>https://example.com/s1.xml.gz</loc>"
		"<lastmod>2024-01-01</lastmod></sitemap>\n"
		"  <sitemap>\n    <loc> https://example.com/s2.xml </loc>\n  </sitemap>\n"
		"  <url><loc>https://example.com/page-in-an-index</loc></url>\n"
		"</sitemapindex>";
	struct got g = { 0 };
	struct weft__sitemap_stats st;
	char err[512] = "";
	CHECK_INT(parse(doc, sizeof(doc) - 1, &g, &st, err, sizeof(err)), WEFT_OK);
	CHECK_STR(seen(&g), "C https://example.com/s1.xml.gz\nC https://example.com/s2.xml\n");
	CHECK_INT(st.children, 2);
	CHECK_INT(st.urls, 0);
	CHECK(st.is_index);
	free(g.p);
}

static const char small_urlset[] =
	"<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
	"<url><loc>http://example.com/1</loc></url>"
	"<url><loc>http://example.com/2</loc></url></urlset>";

static void test_gzip(void)
{
	struct got g = { 0 };
	struct weft__sitemap_stats st;
	char err[512] = "";
	unsigned char *gz;
	size_t n = gzip(small_urlset, strlen(small_urlset), &gz);
	CHECK_INT(parse(gz, n, &g, &st, err, sizeof(err)), WEFT_OK);
	CHECK_STR(seen(&g), "U http://example.com/1\nU http://example.com/2\n");

	/* Two members (cat a.gz b.gz): the second continues the document. */
	size_t half = strlen(small_urlset) / 2;
	unsigned char *a, *b;
	size_t na = gzip(small_urlset, half, &a);
	size_t nb = gzip(small_urlset + half, strlen(small_urlset) - half, &b);
	unsigned char *two = xmalloc(na + nb);
	memcpy(two, a, na);
	memcpy(two + na, b, nb);
	CHECK_INT(parse(two, na + nb, &g, &st, err, sizeof(err)), WEFT_OK);
	CHECK_INT(st.urls, 2);
	/* The first member alone is a truncated document; cut inside a member is truncated gzip. */
	CHECK_INT(parse(two, na, &g, &st, err, sizeof(err)), WEFT_E_PARSE);
	CHECK_INT(parse(gz, n - 10, &g, &st, err, sizeof(err)), WEFT_E_PARSE);
	CHECK(strstr(err, "truncated gzip") != NULL);
	CHECK_INT(parse(gz, 2, &g, &st, err, sizeof(err)), WEFT_E_PARSE);
	CHECK(strstr(err, "truncated gzip") != NULL);
	/* Corrupt data. */
	gz[12] ^= 0xFF;
	gz[13] ^= 0xFF;
	CHECK_INT(parse(gz, n, &g, &st, err, sizeof(err)), WEFT_E_PARSE);
	CHECK(strstr(err, "gzip") != NULL);
	free(gz);
	free(a);
	free(b);
	free(two);
	free(g.p);
}

static void test_entities(void)
{
	static const char doc[] =
		"<urlset><url><loc>http://example.com/?a=1&amp;b=2&#38;c=&#x41;&lt;&quot;</loc></url>"
		"<url><loc>http://example.com/caf&#xE9;</loc></url></urlset>";
	struct got g = { 0 };
	struct weft__sitemap_stats st;
	char err[512] = "";
	CHECK_INT(parse(doc, sizeof(doc) - 1, &g, &st, err, sizeof(err)), WEFT_OK);
	CHECK_STR(seen(&g), "U http://example.com/?a=1&b=2&c=A%3C%22\n"
			    "U http://example.com/caf%C3%A9\n");
	free(g.p);
}

static void test_rejected(void)
{
	static const char head[] = "<urlset>"
				  "<url><loc>/relative</loc></url>"
				  "<url><loc>page.html</loc></url>"
				  "<url><loc>//example.com/scheme-relative</loc></url>"
				  "<url><loc>ftp://example.com/f</loc></url>"
				  "<url><loc>mailto:a@example.com</loc></url>"
				  "<url><loc>javascript:alert(1)</loc></url>"
				  "<url><loc>http://</loc></url>"
				  "<url><loc>https://exa mple.com/</loc></url>"
				  "<url><loc>   </loc></url>"
				  "<url><loc/></url>"
				  "<url><loc>http://example.com/ok</loc></url>"
				  "<url><loc>http://example.com/";
	size_t n = sizeof(head) - 1;
	char *doc = xmalloc(n + WEFT__SITEMAP_MAX_LOC_LEN + 64);
	memcpy(doc, head, n);
	fill(doc + n, 'x', WEFT__SITEMAP_MAX_LOC_LEN);
	strcpy(doc + n + WEFT__SITEMAP_MAX_LOC_LEN, "</loc></url></urlset>");
	struct got g = { 0 };
	struct weft__sitemap_stats st;
	char err[512] = "";
	CHECK_INT(parse(doc, strlen(doc), &g, &st, err, sizeof(err)), WEFT_OK);
	CHECK_STR(seen(&g), "U http://example.com/ok\n");
	CHECK_INT(st.urls, 1);
	CHECK_INT(st.rejected, 11);
	free(doc);
	free(g.p);
}

static void test_malformed(void)
{
	static const char doc[] = "<?xml version=\"1.0\"?>\n<urlset>\n<url>\n"
				  "<loc>http://example.com/a</loc>\n</urx>\n</urlset>\n";
	struct got g = { 0 };
	struct weft__sitemap_stats st;
	char err[512] = "";
	CHECK_INT(parse(doc, sizeof(doc) - 1, &g, &st, err, sizeof(err)), WEFT_E_PARSE);
	CHECK(strstr(err, "line 5") != NULL);
	CHECK(strstr(err, SM_URL) != NULL);
	fprintf(stderr, "  malformed: %s\n", err);

	/* Far enough into the file, the URLs before the error are delivered. */
	size_t cap = 1 << 20, len = 0;
	char *big = xmalloc(cap);
	len += (size_t)sprintf(big, "<urlset>\n");
	for (int i = 0; i < 1000; i++)
		len += (size_t)sprintf(big + len, "<url><loc>http://example.com/%d</loc></url>\n", i);
	len += (size_t)sprintf(big + len, "<url><loc>http://example.com/x</loc></url\n");
	CHECK_INT(parse(big, len, &g, &st, err, sizeof(err)), WEFT_E_PARSE);
	CHECK(strstr(err, "line 100") != NULL);
	fprintf(stderr, "  malformed after 1000 URLs: %s (%zu delivered)\n", err, st.urls);
	CHECK_INT(st.urls, 1001); /* all before the error, the last </loc> included */
	CHECK_INT(st.urls, g.calls);

	/* Not a sitemap, nothing at all, not XML. */
	static const char rss[] = "<rss><channel><link>http://example.com/</link></channel></rss>";
	CHECK_INT(parse(rss, sizeof(rss) - 1, &g, &st, err, sizeof(err)), WEFT_E_PARSE);
	CHECK(strstr(err, "<rss>") != NULL);
	CHECK_INT(parse("", 0, &g, &st, err, sizeof(err)), WEFT_E_PARSE);
	CHECK_INT(parse(NULL, 0, &g, &st, err, sizeof(err)), WEFT_E_PARSE);
	CHECK_INT(parse(NULL, 1, &g, &st, err, sizeof(err)), WEFT_E_INVAL);
	CHECK_INT(parse("<html><body>", 12, &g, &st, err, sizeof(err)), WEFT_E_PARSE);
	CHECK_INT(parse("\xFF\xFE<\0u\0", 6, &g, &st, err, sizeof(err)), WEFT_E_PARSE);
	free(big);
	free(g.p);
}

/* A urlset of n locs, malloc'd; *len gets its size. */
static char *urlset_of(size_t n, size_t *len)
{
	size_t cap = 64 + n * 64, k = 0;
	char *doc = xmalloc(cap);
	memcpy(doc, "<urlset>", 8);
	k = 8;
	for (size_t i = 0; i < n; i++)
		k += (size_t)sprintf(doc + k, "<url><loc>http://e.com/%zu</loc></url>", i);
	k += (size_t)sprintf(doc + k, "</urlset>");
	*len = k;
	return doc;
}

static void test_loc_limit(void)
{
	struct got g = { .count_only = true };
	struct weft__sitemap_stats st;
	char err[512] = "";
	size_t len;
	char *doc = urlset_of(WEFT__SITEMAP_MAX_LOCS, &len);
	CHECK_INT(parse(doc, len, &g, &st, err, sizeof(err)), WEFT_OK);
	CHECK_INT(st.urls, 50000);
	free(doc);
	doc = urlset_of(WEFT__SITEMAP_MAX_LOCS + 1, &len);
	CHECK_INT(parse(doc, len, &g, &st, err, sizeof(err)), WEFT_E_PARSE);
	CHECK_INT(st.urls, 50000);
	CHECK_INT(g.calls, 50000);
	CHECK(strstr(err, "50000") != NULL);
	CHECK(strstr(err, SM_URL) != NULL);
	fprintf(stderr, "  51st thousand: %s\n", err);
	free(doc);
	/* Rejected locs count too. */
	doc = urlset_of(WEFT__SITEMAP_MAX_LOCS + 1, &len);
	for (char *p = doc; (p = strstr(p, "http://")) != NULL; p++)
		memcpy(p, "ftp:/", 5);
	CHECK_INT(parse(doc, len, &g, &st, err, sizeof(err)), WEFT_E_PARSE);
	CHECK_INT(st.rejected, 50000);
	free(doc);
}

/* Append comment blocks (and spaces at the very end) to doc at *k up to exactly `to` bytes. */
static void pad_comments(char *doc, size_t *k, size_t to)
{
	while (to - *k >= 7) {
		size_t left = to - *k, body = left >= 1031 + 7 ? 1024 : left - 7;
		memcpy(doc + *k, "<!--", 4);
		memset(doc + *k + 4, 'x', body);
		memcpy(doc + *k + 4 + body, "-->", 3);
		*k += body + 7;
	}
	while (*k < to)
		doc[(*k)++] = ' ';
}

/* A urlset of 3 URLs, the third after comments, exactly total bytes long. */
static char *padded(size_t total)
{
	static const char url3[] = "<url><loc>http://e.com/3</loc></url>", tail[] = "</urlset>";
	char *doc = xmalloc(total + 1);
	size_t k = (size_t)sprintf(doc, "<urlset><url><loc>http://e.com/1</loc></url>"
					"<url><loc>http://e.com/2</loc></url>");
	pad_comments(doc, &k, total - (sizeof(url3) - 1) - (sizeof(tail) - 1));
	memcpy(doc + k, url3, sizeof(url3) - 1);
	memcpy(doc + k + sizeof(url3) - 1, tail, sizeof(tail));
	return doc;
}

static void test_byte_limit(void)
{
	struct got g = { 0 };
	struct weft__sitemap_stats st;
	char err[512] = "";
	char *doc = padded(WEFT__SITEMAP_MAX_BYTES);
	CHECK_INT(strlen(doc), 52428800);
	CHECK_INT(parse(doc, WEFT__SITEMAP_MAX_BYTES, &g, &st, err, sizeof(err)), WEFT_OK);
	CHECK_INT(st.urls, 3);
	if (*err)
		fprintf(stderr, "  at the cap: %s\n", err);
	free(doc);
	doc = padded(WEFT__SITEMAP_MAX_BYTES + 1);
	CHECK_INT(parse(doc, WEFT__SITEMAP_MAX_BYTES + 1, &g, &st, err, sizeof(err)),
		  WEFT_E_PARSE);
	CHECK_INT(st.urls, 3); /* delivered before the error: the third is within the cap */
	CHECK(strstr(err, "52428800") != NULL);
	CHECK(strstr(err, "50 MB") != NULL);
	CHECK(strstr(err, SM_URL) != NULL);
	fprintf(stderr, "  one byte over: %s\n", err);
	free(doc);
	free(g.p);
}

/* gzip of a urlset padded with `mb` MB of comments, deflated as it is generated (the test
 * never holds the inflated bytes). */
static size_t gzip_bomb(size_t mb, unsigned char **out)
{
	static char block[1 << 16]; /* one long comment: runs of one byte deflate best */
	memset(block, 'x', sizeof(block));
	memcpy(block, "<!--", 4);
	memcpy(block + sizeof(block) - 3, "-->", 3);
	static const char head[] = "<urlset><url><loc>http://e.com/1</loc></url>";
	z_stream z = { 0 };
	if (deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	size_t cap = mb * 2048 + 4096; /* deflate reaches about 1000:1 */
	*out = xmalloc(cap);
	z.next_out = *out;
	z.avail_out = (uInt)cap;
	z.next_in = (Bytef *)(uintptr_t)head;
	z.avail_in = sizeof(head) - 1;
	deflate(&z, Z_NO_FLUSH);
	for (size_t i = 0; i < mb * 16; i++) {
		z.next_in = (Bytef *)block;
		z.avail_in = sizeof(block);
		if (deflate(&z, Z_NO_FLUSH) != Z_OK || z.avail_in)
			abort();
	}
	z.next_in = (Bytef *)(uintptr_t)"</urlset>";
	z.avail_in = 9;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	deflateEnd(&z);
	return cap - z.avail_out;
}

static long maxrss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* 40 MB of "<!---->" around one URL: a tree of comment nodes would cost over 1 GB. */
static size_t tiny_comments(unsigned char **out)
{
	size_t n = 40u << 20, k = 0;
	char *doc = xmalloc(n + 64);
	k += (size_t)sprintf(doc, "<urlset><url><loc>http://e.com/1</loc></url>");
	while (k + 7 < n) {
		memcpy(doc + k, "<!---->", 7);
		k += 7;
	}
	k += (size_t)sprintf(doc + k, "</urlset>");
	*out = (unsigned char *)doc;
	return k;
}

/* In a child process (a fresh peak): build the document, parse it, write
 * "rc urls grew_kb size_kb message". which: 0 the gzip bomb, 1 tiny comments. */
static void rss_child(int fd, int which)
{
	unsigned char *doc;
	size_t n = which == 0 ? gzip_bomb(256, &doc) : tiny_comments(&doc);
	struct got g = { 0 };
	struct weft__sitemap_stats st;
	char err[512] = "", line[1024];
	long before = maxrss_kb();
	int rc = weft__sitemap_parse(SM_URL, doc, n, collect, &g, &st, err, sizeof(err));
	long grew = maxrss_kb() - before;
	int k = snprintf(line, sizeof(line), "%d %zu %ld %zu %s", rc, st.urls, grew, n / 1024, err);
	if (write(fd, line, (size_t)k) != k)
		_exit(2);
	free(doc);
	free(g.p);
	_exit(0);
}

/* Run rss_child(which) and parse its line; the message goes to msg. False on failure. */
static bool rss_run(int which, int *rc, size_t *urls, long *grew, size_t *kb, char *msg,
		    size_t msglen)
{
	int fds[2];
	if (pipe(fds) != 0)
		return false;
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		close(fds[0]);
		rss_child(fds[1], which);
	}
	close(fds[1]);
	char line[1024] = "";
	size_t k = 0;
	ssize_t r;
	while (k < sizeof(line) - 1 && (r = read(fds[0], line + k, sizeof(line) - 1 - k)) > 0)
		k += (size_t)r;
	close(fds[0]);
	int status, off = 0;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    sscanf(line, "%d %zu %ld %zu %n", rc, urls, grew, kb, &off) != 4)
		return false;
	snprintf(msg, msglen, "%s", line + off);
	return true;
}

/*
 * Peak RSS growth of a parse: under 8 MB, plain and under ASan. Not under TSan, whose allocator
 * keeps freed blocks' metadata and shadow memory 4x every byte touched: 40 MB of comments (a
 * million malloc/free pairs inside libxml2) grew RSS by 160 MB there, none of it the parser's.
 */
static void rss_bound(long grew)
{
#if WEFT_SANITIZE_THREAD
	(void)grew;
#else
	CHECK(grew < 8 * 1024);
#endif
}

static void test_gzip_bomb(void)
{
	int rc;
	size_t urls, kb;
	long grew;
	char msg[1024];
	REQUIRE(rss_run(0, &rc, &urls, &grew, &kb, msg, sizeof(msg)));
	fprintf(stderr, "  gzip bomb: %zu KB inflating to 256 MB; peak RSS grew by %ld KB; %s\n",
		kb, grew, msg);
	CHECK_INT(rc, WEFT_E_PARSE);
	CHECK_INT(urls, 1);
	CHECK(strstr(msg, "52428800") != NULL);
	CHECK(kb < 2048);
	rss_bound(grew); /* about 1 MB plain, 2 MB under ASan */
	REQUIRE(rss_run(1, &rc, &urls, &grew, &kb, msg, sizeof(msg)));
	fprintf(stderr, "  40 MB of <!---->: peak RSS grew by %ld KB\n", grew);
	CHECK_INT(rc, WEFT_OK);
	CHECK_INT(urls, 1);
	rss_bound(grew);
}

/* One incomplete piece of markup is held whole by the parser: capped at 1 MiB. */
static void test_markup_limit(void)
{
	static const char head[] = "<urlset><url><loc>http://e.com/1</loc></url>\n<!--";
	size_t big = WEFT__SITEMAP_MAX_MARKUP + (200u << 10), k = sizeof(head) - 1; /* per 64 KB */
	char *doc = xmalloc(big + 256);
	memcpy(doc, head, k);
	fill(doc + k, 'x', WEFT__SITEMAP_MAX_MARKUP / 2);
	size_t mark = k + WEFT__SITEMAP_MAX_MARKUP / 2;
	strcpy(doc + mark, "--></urlset>");
	struct got g = { 0 };
	struct weft__sitemap_stats st;
	char err[512] = "";
	CHECK_INT(parse(doc, strlen(doc), &g, &st, err, sizeof(err)), WEFT_OK);
	fill(doc + k, 'x', big - k);
	strcpy(doc + big, "--></urlset>");
	CHECK_INT(parse(doc, strlen(doc), &g, &st, err, sizeof(err)), WEFT_E_PARSE);
	CHECK_INT(st.urls, 1);
	CHECK(strstr(err, "1048576") != NULL);
	fprintf(stderr, "  long comment: %s\n", err);
	/* Long text outside a <loc> is streamed, not held: no limit. */
	memcpy(doc + k - 4, "<a>x", 4);
	strcpy(doc + big, "</a></urlset>");
	CHECK_INT(parse(doc, strlen(doc), &g, &st, err, sizeof(err)), WEFT_OK);
	free(doc);
	free(g.p);
}

static void test_entity_bombs(void)
{
	static const char laughs[] =
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE urlset [\n"
		" <!ENTITY lol \"lol\">\n"
		" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
		" <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
		" <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
		" <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
		" <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
		" <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
		" <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
		" <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
		" <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
		"]>\n"
		"<urlset><url><loc>http://e.com/&lol9;</loc></url>"
		"<url><loc>http://e.com/&lol9;&lol9;</loc></url>&lol9;</urlset>\n";
	struct got g = { 0 };
	struct weft__sitemap_stats st;
	char err[512] = "";
	long before = maxrss_kb();
	CHECK_INT(parse(laughs, sizeof(laughs) - 1, &g, &st, err, sizeof(err)), WEFT_E_PARSE);
	CHECK_INT(g.calls, 0);
	CHECK(maxrss_kb() - before < 16 * 1024);
	fprintf(stderr, "  billion laughs: %s\n", err);

	/* An external entity is neither loaded nor delivered. */
	static const char ext[] =
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE urlset [ <!ENTITY x SYSTEM \"file:///etc/passwd\"> ]>\n"
		"<urlset><url><loc>http://e.com/&x;</loc></url></urlset>\n";
	CHECK_INT(parse(ext, sizeof(ext) - 1, &g, &st, err, sizeof(err)), WEFT_E_PARSE);
	CHECK_INT(g.calls, 0);
	/* A DOCTYPE without entities is refused too; an undeclared entity is malformed. */
	static const char dt[] = "<!DOCTYPE urlset><urlset><url><loc>http://e.com/</loc></url></urlset>";
	CHECK_INT(parse(dt, sizeof(dt) - 1, &g, &st, err, sizeof(err)), WEFT_E_PARSE);
	CHECK(strstr(err, "DOCTYPE") != NULL);
	static const char und[] = "<urlset><url><loc>http://e.com/&x;</loc></url></urlset>";
	CHECK_INT(parse(und, sizeof(und) - 1, &g, &st, err, sizeof(err)), WEFT_E_PARSE);
	CHECK_INT(g.calls, 0);
	free(g.p);
}

static void test_callback_stops(void)
{
	size_t len;
	char *doc = urlset_of(10, &len);
	struct got g = { .stop_at = 2 };
	struct weft__sitemap_stats st;
	char err[512] = "";
	CHECK_INT(parse(doc, len, &g, &st, err, sizeof(err)), 7);
	CHECK_INT(g.calls, 2);
	CHECK_INT(st.urls, 2);
	CHECK_STR(seen(&g), "U http://e.com/0\nU http://e.com/1\n");
	free(doc);
	free(g.p);
}

/* libxml2 must not print: run bad documents with stderr redirected to a file. */
static void test_silent(void)
{
	static const char *const docs[] = {
		"<urlset><url><loc>http://e.com/</loc></url>",
		"<?xml version=\"1.0\" encoding=\"bogus-charset\"?><urlset/>",
		"<?xml version=\"1.0\" encoding=\"ISO-2022-JP\"?><urlset><url><loc>\x1B$B\xFF\xFF</loc>",
		"<urlset><url><x:loc>http://e.com/</x:loc></url></urlset>",
		"<urlset>\xC3\x28</urlset>",
		"<!DOCTYPE urlset SYSTEM \"http://127.0.0.1:9/x.dtd\"><urlset/>",
	};
	fflush(stderr);
	int saved = dup(2);
	FILE *tmp = tmpfile();
	REQUIRE(saved >= 0 && tmp);
	dup2(fileno(tmp), 2);
	struct got g = { 0 };
	struct weft__sitemap_stats st;
	char err[512];
	int rcs[sizeof(docs) / sizeof(docs[0])];
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		rcs[i] = parse(docs[i], strlen(docs[i]), &g, &st, err, sizeof(err));
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fseek(tmp, 0, SEEK_END);
	CHECK_INT(ftell(tmp), 0);
	fclose(tmp);
	CHECK_INT(rcs[0], WEFT_E_PARSE);
	CHECK_INT(rcs[1], WEFT_E_PARSE);
	CHECK_INT(rcs[4], WEFT_E_PARSE);
	CHECK_INT(rcs[5], WEFT_E_PARSE);
	free(g.p);
}

static void *thread_main(void *arg)
{
	size_t len;
	char *doc = urlset_of(2000, &len);
	struct got g = { .count_only = true };
	struct weft__sitemap_stats st;
	char err[512];
	intptr_t bad = 0;
	for (int i = 0; i < 20; i++) {
		bad += parse(doc, len, &g, &st, err, sizeof(err)) != WEFT_OK || st.urls != 2000;
		bad += parse(doc, len - 5, &g, &st, err, sizeof(err)) != WEFT_E_PARSE;
	}
	free(doc);
	return (void *)bad;
}

static void test_threads(void)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		REQUIRE(pthread_create(&t[i], NULL, thread_main, NULL) == 0);
	for (int i = 0; i < 4; i++) {
		void *bad;
		pthread_join(t[i], &bad);
		CHECK_INT((intptr_t)bad, 0);
	}
}

int main(void)
{
	RUN(test_urlset_namespaces);
	RUN(test_sitemapindex);
	RUN(test_gzip);
	RUN(test_entities);
	RUN(test_rejected);
	RUN(test_malformed);
	RUN(test_loc_limit);
	RUN(test_byte_limit);
	RUN(test_gzip_bomb);
	RUN(test_markup_limit);
	RUN(test_entity_bombs);
	RUN(test_callback_stops);
	RUN(test_silent);
	RUN(test_threads);
	return check_report();
}
