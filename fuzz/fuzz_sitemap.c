/*
 * fuzz_sitemap.c -- libFuzzer target for the sitemap parser (src/extract/sitemap.c): the input
 * is a sitemap file. It is parsed as is, then gzip-compressed (unless it already starts with
 * gzip's magic) and parsed again, then once more with a callback that stops at the first URL.
 * Checks: the result is WEFT_OK, WEFT_E_PARSE with a message or WEFT_E_NOMEM; every URL is
 * an absolute http(s) URL without fragment that the URL parser serialises to itself, of the
 * kind the root says; the stats count exactly what was delivered; compressing changes
 * nothing (same result, same URLs); a stop returns the callback's value after one call. Any
 * violation aborts.
 *
 * Built with -DFUZZ_REPLAY (fuzz/meson.build does so unless -Dfuzzing=libfuzzer) it has a
 * main() that replays the files of the directories named on the command line, and mutations
 * of them (byte flips, truncation, splicing), so its checks run in every test run, under the
 * sanitizers too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <weft.h>
#include <weft/url.h>

#include "extract/sitemap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What one parse delivered: "U url\n" / "C url\n" lines. */
struct run {
	char *p;
	size_t n, cap;
	size_t calls;
	bool stop; /* return 7 from the first call */
	int rc;
	struct weft__sitemap_stats st;
	char err[512];
};

static void fail(const char *what, const char *url)
{
	fprintf(stderr, "fuzz_sitemap: %s%s%s\n", what, url ? ": " : "", url ? url : "");
	abort();
}

/* The URL must be what the parser makes of it: absolute http(s), no fragment, idempotent. */
static void check_url(const char *url)
{
	struct weft_url *u = NULL;
	size_t len = strlen(url);
	if (len == 0 || strchr(url, '#'))
		fail("empty URL or fragment", url);
	if (weft_url_parse(&u, url, len, NULL, NULL) != WEFT_OK)
		fail("delivered URL does not parse", url);
	if (!weft_url_is_http(u) || strcmp(weft_url_href(u), url) != 0)
		fail("delivered URL is not its own http(s) serialisation", url);
	weft_url_free(&u);
}

static int on_loc(void *cookie, enum weft__sitemap_kind kind, const char *url)
{
	struct run *r = cookie;
	if (kind != WEFT__SITEMAP_URL && kind != WEFT__SITEMAP_CHILD)
		fail("bad kind", url);
	check_url(url);
	size_t len = strlen(url);
	if (r->cap - r->n < len + 3) {
		size_t cap = (r->cap + len + 3) * 2;
		char *np = realloc(r->p, cap);
		if (!np)
			fail("out of memory", NULL);
		r->p = np;
		r->cap = cap;
	}
	r->p[r->n++] = kind == WEFT__SITEMAP_CHILD ? 'C' : 'U';
	r->p[r->n++] = ' ';
	memcpy(r->p + r->n, url, len);
	r->n += len;
	r->p[r->n++] = '\n';
	r->calls++;
	return r->stop ? 7 : 0;
}

/* Parse into r and check what holds whatever the input. */
static void parse(struct run *r, const void *doc, size_t len)
{
	r->rc = weft__sitemap_parse("https://fuzz.test/sitemap.xml", doc, len, on_loc, r, &r->st,
				    r->err, sizeof(r->err));
	const struct weft__sitemap_stats *st = &r->st;
	if (r->rc == 7 && !r->stop)
		fail("the callback's value without a stop", NULL);
	if (r->rc != WEFT_OK && r->rc != WEFT_E_PARSE && r->rc != WEFT_E_NOMEM && r->rc != 7)
		fail("unexpected result", NULL);
	if (r->rc == WEFT_E_PARSE && r->err[0] == '\0')
		fail("WEFT_E_PARSE without a message", NULL);
	if (st->urls + st->children != r->calls)
		fail("stats do not count the calls", NULL);
	if ((st->is_index && st->urls) || (!st->is_index && st->children))
		fail("kind does not match the root", NULL);
	if (st->urls + st->children + st->rejected > WEFT__SITEMAP_MAX_LOCS)
		fail("more locs than the limit", NULL);
}

/* gzip doc into *out (malloc'd); returns its size, 0 on failure. */
static size_t gzip(const uint8_t *doc, size_t len, unsigned char **out)
{
	z_stream z = { 0 };
	if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	size_t cap = deflateBound(&z, len);
	*out = malloc(cap);
	z.next_in = (Bytef *)(uintptr_t)doc;
	z.avail_in = (uInt)len;
	z.next_out = *out;
	z.avail_out = (uInt)cap;
	int zr = *out ? deflate(&z, Z_FINISH) : Z_MEM_ERROR;
	deflateEnd(&z);
	return zr == Z_STREAM_END ? cap - z.avail_out : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run plain = { 0 }, gz = { 0 }, stop = { .stop = true };
	parse(&plain, data, size);
	unsigned char *z = NULL;
	size_t zn = size >= 2 && data[0] == 0x1f && data[1] == 0x8b ? 0 : gzip(data, size, &z);
	if (zn) {
		parse(&gz, z, zn);
		if (gz.rc != plain.rc || gz.n != plain.n || (plain.n && memcmp(gz.p, plain.p, plain.n)))
			fail("gzip changes the result", NULL);
	}
	parse(&stop, data, size);
	if (plain.calls && (stop.rc != 7 || stop.calls != 1))
		fail("the callback's stop did not stop", NULL);
	if (!plain.calls && stop.rc != plain.rc)
		fail("results differ between two parses", NULL);
	free(z);
	free(plain.p);
	free(gz.p);
	free(stop.p);
	return 0;
}

#ifdef FUZZ_REPLAY
#include <dirent.h>

static uint64_t next(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 17;
}

/* Run doc, then mutations of it. */
static void replay(const uint8_t *doc, size_t n, uint64_t *seed)
{
	uint8_t *buf = malloc(n * 2 + 1);
	if (!buf)
		fail("out of memory", NULL);
	LLVMFuzzerTestOneInput(doc, n);
	for (int m = 0; m < 24 && n; m++) {
		size_t len = n;
		memcpy(buf, doc, n);
		if (m % 3 == 0) {
			for (int k = 0; k < 4; k++)
				buf[next(seed) % n] = (uint8_t)next(seed);
		} else if (m % 3 == 1) {
			len = next(seed) % n;
		} else {
			size_t a = next(seed) % n, b = next(seed) % n;
			memcpy(buf + b, doc + a, n - a);
			len = b + n - a;
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	free(buf);
}

/* Read a whole file; NULL on error. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, got;
	do {
		if (n == cap) {
			uint8_t *nb = realloc(buf, cap = cap * 2 + 4096);
			if (!nb)
				break;
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	uint64_t seed = 7;
	int files = 0;
	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			size_t len;
			uint8_t *doc = slurp(path, &len);
			if (doc) {
				replay(doc, len, &seed);
				files++;
			}
			free(doc);
		}
		if (d)
			closedir(d);
	}
	fprintf(stderr, "fuzz_sitemap: replayed %d files and mutations\n", files);
	return files > 0 ? 0 : 1;
}
#endif
