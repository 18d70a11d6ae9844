/*
 * test_stream.c -- the extractor as a stream: chunking never changes the links (fixture pages
 * and generated tag soup fed 1 byte at a time and in random chunk sizes), a 50 MB page
 * extracts with flat memory, malformed input never crashes (random documents, checked under
 * ASan/UBSan), and eight threads extract different documents at once (checked under TSan).
 */
#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <weft.h>
#include <weft/extract.h>

#include "check.h"
#include "links.h"
#include "weft_build.h"

#define FIXTURE_PAGE "http://127.0.0.1:8000/dir/"
#define MAX_DOCS 64

struct doc {
	char name[256];
	char page[512];
	char *body;
	size_t len;
	struct strlist want; /* "tag url" in document order, from one big chunk */
};

static struct doc docs[MAX_DOCS];
static size_t n_docs;

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static bool same_links(const struct strlist *a, const struct strlist *b, const char *what,
		       const char *name)
{
	if (strlist_eq(a, b))
		return true;
	CHECK_FAIL("%s: %s gives %zu links, one chunk %zu", name, what, a->n, b->n);
	for (size_t i = 0; i < a->n || i < b->n; i++)
		if (i >= a->n || i >= b->n || strcmp(a->v[i], b->v[i]) != 0) {
			fprintf(stderr, "  first difference at %zu: \"%s\" vs \"%s\"\n", i,
				i < a->n ? a->v[i] : "(none)", i < b->n ? b->v[i] : "(none)");
			break;
		}
	return false;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct doc *)a)->name, ((const struct doc *)b)->name);
}

/* Load the fixture pages and their one-chunk links; false when the data is absent. */
static bool load_docs(void)
{
	char path[4096];
	if (!check_testdata("html/expected.jsonl", path, sizeof(path)))
		return false;
	*strrchr(path, '/') = '\0';
	strcat(path, "/cases");
	DIR *d = opendir(path);
	if (!d)
		return false;
	struct dirent *e;
	while ((e = readdir(d)) && n_docs < MAX_DOCS) {
		if (!strstr(e->d_name, ".html"))
			continue;
		struct doc *doc = &docs[n_docs];
		char file[8192];
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		doc->body = check_slurp(file, &doc->len);
		if (!doc->body)
			continue;
		snprintf(doc->name, sizeof(doc->name), "%s", e->d_name);
		snprintf(doc->page, sizeof(doc->page), FIXTURE_PAGE "%s", e->d_name);
		n_docs++;
	}
	closedir(d);
	qsort(docs, n_docs, sizeof(docs[0]), name_cmp);
	for (size_t i = 0; i < n_docs; i++) {
		struct collect c = { .with_tag = true };
		CHECK_INT(extract_chunked(docs[i].body, docs[i].len, docs[i].page, NULL, NULL, 0,
					  &c), WEFT_OK);
		docs[i].want = c.links;
	}
	return n_docs > 0;
}

/* ---- chunking ----------------------------------------------------------------------------- */

static void test_one_byte_chunks(void)
{
	size_t one = 1;
	for (size_t i = 0; i < n_docs; i++) {
		struct collect c = { .with_tag = true };
		CHECK_INT(extract_chunked(docs[i].body, docs[i].len, docs[i].page, NULL, &one, 1,
					  &c), WEFT_OK);
		same_links(&c.links, &docs[i].want, "1-byte chunks", docs[i].name);
		strlist_free(&c.links);
	}
	CHECK_INT(n_docs, 30);
}

static void test_random_chunks(void)
{
	uint64_t seed = 0x9E3779B97F4A7C15u;
	for (int round = 0; round < 20; round++) {
		size_t sizes[64];
		for (size_t k = 0; k < 64; k++) {
			uint64_t r = rng_next(&seed);
			sizes[k] = 1 + (size_t)(r % (r & 1 ? 7 : 3000));
		}
		for (size_t i = 0; i < n_docs; i++) {
			struct collect c = { .with_tag = true };
			CHECK_INT(extract_chunked(docs[i].body, docs[i].len, docs[i].page, NULL,
						  sizes, 64, &c), WEFT_OK);
			same_links(&c.links, &docs[i].want, "random chunks", docs[i].name);
			strlist_free(&c.links);
		}
	}
}

/* ---- memory ------------------------------------------------------------------------------- */

struct counter {
	size_t links;
	size_t bad;
};

static int count_fn(void *cookie, const char *url, size_t len, enum weft_link_tag tag)
{
	struct counter *c = cookie;
	c->links++;
	if (strlen(url) != len || strncmp(url, "http://big.test/", 16) != 0 || tag != WEFT_LINK_A)
		c->bad++;
	return 0;
}

static long max_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/*
 * One 64 KB piece of the big page: text, a comment, a script, a long attribute and 40 links.
 * Returns its length; *links counts the links it holds.
 */
static size_t big_piece(char *buf, size_t cap, size_t piece, size_t *links)
{
	size_t n = 0;
	n += (size_t)snprintf(buf + n, cap - n, "<div class=c%zu><!-- comment %zu -->"
			      "<script>var s = '<a href=/no>';</script><p title='", piece, piece);
	while (n < cap / 4)
		buf[n++] = 'x';
	n += (size_t)snprintf(buf + n, cap - n, "'>text");
	for (int k = 0; k < 40; k++) {
		n += (size_t)snprintf(buf + n, cap - n,
				      "<a href='/p/%zu/%d?q=1&amp;r=2'>link</a> some text &copy; ",
				      piece, k);
		(*links)++;
	}
	for (; n < cap - 16; n++)
		buf[n] = (char)(n % 50 ? 'y' : '\n');
	n += (size_t)snprintf(buf + n, cap - n, "</p></div>\n");
	return n;
}

static void big_page(bool with_base)
{
	size_t total = (size_t)(50.0 * 1024 * 1024 * check_scale());
	size_t piece_cap = 64 * 1024;
	char *piece = malloc(piece_cap + 1);
	REQUIRE(piece);
	struct counter c = { 0 };
	struct weft_html *h = NULL;
	REQUIRE(weft_html_new(&h, "http://big.test/index.html", NULL, count_fn, &c) == WEFT_OK);
	const char *head = with_base ? "<html><head><base href='http://big.test/'></head><body>"
				     : "<html><body>";
	long before = max_rss_kb();
	size_t fed = 0, want = 0, i = 0;
	int rc = weft_html_feed(h, head, strlen(head));
	while (!rc && fed < total) {
		size_t n = big_piece(piece, piece_cap, i++, &want);
		rc = weft_html_feed(h, piece, n);
		fed += n;
	}
	if (!rc)
		rc = weft_html_finish(h);
	long grew = max_rss_kb() - before;
	weft_html_free(&h);
	free(piece);
	CHECK_INT(rc, WEFT_OK);
	CHECK_INT(c.links, want);
	CHECK_INT(c.bad, 0);
	fprintf(stderr, "  %.1f MB page%s: %zu links, peak RSS grew by %ld KB\n",
		(double)fed / (1024 * 1024), with_base ? " with <base>" : "", c.links, grew);
#if WEFT_SANITIZE_ADDRESS || WEFT_SANITIZE_THREAD
	(void)grew; /* sanitizer shadow memory and quarantine make RSS meaningless */
#else
	CHECK(grew < 8 * 1024);
#endif
}

static void test_big_page_flat_memory(void)
{
	big_page(false);
	big_page(true);
}

/* ---- malformed input ---------------------------------------------------------------------- */

static const char *const tokens[] = {
	"<a href=", "<a href=\"", "<A HREF='", "\"", "'", ">", "<", "</a>", "<!--", "-->", "<!-->",
	"<!", "<?", "<![CDATA[", "]]>", "<script>", "</script>", "<style>", "</style",
	"<base href=",
	"<template>", "</template>", "<plaintext>", "<textarea>", "</textarea>", "<frameset>",
	"<frame src=", "<iframe src=", "<area href=", "&", "&#", "&#x", "&amp", "&amp;", "&not",
	"&#0;", "&#x110000;", "&NotNestedGreaterGreater;", "\0", "\r", "\r\n", "\n", " ", "/",
	"http://x.test/", "?q=\xE9", "#f", "\xC3\xA9", "\xFF", "\xEF\xBB\xBF", "<meta charset=",
	"shift_jis>", "utf-16>", "<a/href=", "<a\0 href=", "=", "\x93\xFA", "<table>", "<tr>",
	"<select>", "<svg>", "<math>", "<noscript>", "<xmp>", "<title>", "<!DOCTYPE html>",
	"<!--<script>", "</script >", "<script><!--", "--!>", "<foreignObject>", "</svg>",
	"<mi>", "<annotation-xml encoding=text/html>", "<font color=x>", "<p>", "</p>",
	"<div>", "</div>", "<iframe>", "</iframe>", "<a title='x'/href=", "<body>",
};

static size_t random_doc(uint64_t *seed, char *buf, size_t cap)
{
	size_t n = 0;
	size_t want = (size_t)(rng_next(seed) % cap);
	while (n < want) {
		uint64_t r = rng_next(seed);
		if (r % 5 == 0) { /* random bytes */
			size_t k = 1 + (size_t)(r >> 8) % 16;
			for (size_t j = 0; j < k && n < cap; j++)
				buf[n++] = (char)rng_next(seed);
			continue;
		}
		const char *t = tokens[(r >> 8) % (sizeof(tokens) / sizeof(tokens[0]))];
		size_t k = *t ? strlen(t) : 1; /* the "\0" token is one NUL byte */
		for (size_t j = 0; j < k && n < cap; j++)
			buf[n++] = t[j];
	}
	return n;
}

/*
 * Random tag soup and bytes in random encodings, fed whole and in random chunks: no crash, no
 * error, well-formed callbacks, and the same links however the document is chunked (the
 * tokenizer's state carries across chunks).
 */
static void test_malformed_inputs(void)
{
	static const char *const charsets[] = {
		NULL, NULL, NULL, "utf-8", "windows-1252", "shift_jis", "utf-16le", "iso-2022-jp",
		"gb18030", "replacement", "x-user-defined", "bogus",
	};
	uint64_t seed = 0xD1B54A32D192ED03u;
	size_t cap = 8192;
	char *buf = malloc(cap);
	REQUIRE(buf);
	int n = (int)(1500 * check_scale()), differ = 0;
	for (int i = 0; i < n; i++) {
		size_t len = random_doc(&seed, buf, cap);
		const char *cs = charsets[rng_next(&seed) % (sizeof(charsets) / sizeof(*charsets))];
		size_t sizes[8];
		for (size_t k = 0; k < 8; k++)
			sizes[k] = 1 + (size_t)(rng_next(&seed) % 300);
		struct collect whole = { .with_tag = true }, parts = { .with_tag = true };
		CHECK_INT(extract_chunked(buf, len, "http://r.test/a/b", cs, NULL, 0, &whole), 0);
		CHECK_INT(extract_chunked(buf, len, "http://r.test/a/b", cs, sizes, 8, &parts), 0);
		CHECK(!whole.bad && !parts.bad);
		differ += !strlist_eq(&whole.links, &parts.links);
		if (i % 10 == 0) { /* and byte by byte */
			strlist_free(&parts.links);
			parts = (struct collect){ .with_tag = true };
			size_t one = 1;
			CHECK_INT(extract_chunked(buf, len, "http://r.test/a/b", cs, &one, 1,
						  &parts), 0);
			differ += !strlist_eq(&whole.links, &parts.links);
		}
		strlist_free(&whole.links);
		strlist_free(&parts.links);
	}
	free(buf);
	fprintf(stderr, "  %d random documents; %d give other links when chunked\n", n, differ);
	CHECK_INT(differ, 0);
}

/* ---- threads ------------------------------------------------------------------------------ */

#define THREADS 8

struct worker {
	pthread_t tid;
	size_t first;
	int failures;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int rounds = (int)(4 * check_scale()) + 1;
	for (int r = 0; r < rounds; r++)
		for (size_t k = 0; k < n_docs; k++) {
			struct doc *d = &docs[(w->first + k) % n_docs];
			struct collect c = { .with_tag = true };
			size_t sizes[2] = { 1 + w->first * 37, 5 };
			int rc = extract_chunked(d->body, d->len, d->page, NULL, sizes, 2, &c);
			if (rc || !strlist_eq(&c.links, &d->want))
				w->failures++;
			strlist_free(&c.links);
		}
	return NULL;
}

static void test_threads(void)
{
	struct worker w[THREADS];
	for (size_t i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .first = i * 4 };
		REQUIRE(pthread_create(&w[i].tid, NULL, worker_main, &w[i]) == 0);
	}
	for (size_t i = 0; i < THREADS; i++) {
		pthread_join(w[i].tid, NULL);
		CHECK_INT(w[i].failures, 0);
	}
}

int main(void)
{
	if (weft_global_init() != WEFT_OK)
		return 1;
	if (!load_docs()) {
		fprintf(stderr, "no html test data under $WEFT_TESTDATA: skipped\n");
		return CHECK_SKIP;
	}
	RUN(test_one_byte_chunks);
	RUN(test_random_chunks);
	RUN(test_big_page_flat_memory);
	RUN(test_malformed_inputs);
	RUN(test_threads);
	for (size_t i = 0; i < n_docs; i++) {
		free(docs[i].body);
		strlist_free(&docs[i].want);
	}
	weft_global_cleanup();
	return check_report();
}
