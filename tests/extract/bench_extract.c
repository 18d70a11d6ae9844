/*
 * bench_extract.c -- throughput and per-page cost of the link extractor (not a test).
 *
 *   bench_extract [-c CHUNK] [-r ROUNDS] [-s N] [-u URL] [-p] [-R | -A] FILE...
 *
 * Loads every FILE into memory, then runs ROUNDS passes (default 5) over all of them: for each
 * file weft_html_new(), weft_html_feed() in CHUNK-byte pieces (default 16384), finish, free.
 * Prints MB/s of the best and the median pass, by this thread's CPU time (the machine may be
 * busy: CPU time is what the extractor costs) and by wall time, and the links found (a
 * checksum). With -s N it instead extracts the first FILE N times and prints the cost of one
 * page (new + feed + finish + free) in ns, and, where the extractor has weft_html_reset(), of
 * one page with a reused extractor. Under callgrind, -r 1 and --toggle-collect=run_pass count
 * only the extraction. -p prints the links instead ("file tag url" lines), to compare two
 * builds. -R uses the link records (weft_html_new_sink(), navigation links only) instead of
 * the old callback, -A records with resources and anchors.
 *
 * The numbers in src/extract/tokenizer.c came from (two builds, same machine and session):
 *   bench_extract -r 5 /usr/share/doc/postgresql-doc-15/html/\*.html        (MB/s)
 *   valgrind --tool=callgrind --toggle-collect=run_pass bench_extract -r 1 FILES...
 *   bench_extract -s 100000 PAGE                                          (setup cost)
 * where the site corpus was /p/<37 i>.html, i = 1..500, fetched with curl from
 * "weft-testserver --site 20000".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <weft.h>
#include <weft/extract.h>

#include "check.h"

struct file {
	char *body;
	size_t len;
};

struct totals {
	size_t links;
	const char *print; /* the file name when printing links */
};

static int records; /* 0: the old callback; 1: records; 2: records, resources, anchors */

static int count_link(void *cookie, const char *url, size_t len, enum weft_link_tag tag)
{
	struct totals *t = cookie;
	(void)len;
	t->links++;
	if (t->print)
		printf("%s %d %s\n", t->print, (int)tag, url);
	return 0;
}

static int count_record(void *cookie, const struct weft_link *l)
{
	struct totals *t = cookie;
	t->links++;
	if (t->print)
		printf("%s %s[%s] L%u %s #%.*s \"%.*s\"\n", t->print, l->tag, l->attr, l->line, l->url,
		       (int)l->frag_len, l->fragment ? l->fragment : "", (int)l->text_len, l->text);
	return 0;
}

static int count_anchor(void *cookie, const char *id, size_t len)
{
	struct totals *t = cookie;
	(void)id;
	(void)len;
	t->links++;
	return 0;
}

static int new_html(struct weft_html **h, const char *url, struct totals *t)
{
	if (!records)
		return weft_html_new(h, url, NULL, count_link, t);
	struct weft_html_sink sink = { count_record, records == 2 ? count_anchor : NULL, t,
				       records == 2 };
	return weft_html_new_sink(h, url, NULL, &sink);
}

static double now(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One page: new, feed in chunks, finish, free. */
static int run_page(const struct file *f, size_t chunk, const char *url, struct totals *t)
{
	struct weft_html *h = NULL;
	int rc = new_html(&h, url, t);
	for (size_t off = 0; !rc && off < f->len; off += chunk)
		rc = weft_html_feed(h, f->body + off, f->len - off < chunk ? f->len - off : chunk);
	if (!rc)
		rc = weft_html_finish(h);
	weft_html_free(&h);
	return rc;
}

/* One pass over all files (a separate function so that callgrind can count only it). */
__attribute__((noinline)) int run_pass(const struct file *files, size_t n, size_t chunk,
				       const char *url, struct totals *t);
__attribute__((noinline)) int run_pass(const struct file *files, size_t n, size_t chunk,
				       const char *url, struct totals *t)
{
	int bad = 0;
	for (size_t i = 0; i < n; i++)
		bad += run_page(&files[i], chunk, url, t) != WEFT_OK;
	return bad;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void setup_cost(const struct file *f, long n, const char *url)
{
	struct totals t = { 0 };
	double c0 = now(CLOCK_THREAD_CPUTIME_ID);
	for (long i = 0; i < n; i++)
		run_page(f, f->len, url, &t);
	double c1 = now(CLOCK_THREAD_CPUTIME_ID);
	printf("new+feed+finish+free of a %zu-byte page: %.0f ns (cpu), %zu links\n", f->len,
	       (c1 - c0) * 1e9 / (double)n, t.links);
	struct weft_html *h = NULL;
	t.links = 0;
	if (weft_html_new(&h, url, NULL, count_link, &t) != WEFT_OK)
		return;
	c0 = now(CLOCK_THREAD_CPUTIME_ID);
	for (long i = 0; i < n; i++) {
		weft_html_reset(h, url, NULL, count_link, &t);
		weft_html_feed(h, f->body, f->len);
		weft_html_finish(h);
	}
	c1 = now(CLOCK_THREAD_CPUTIME_ID);
	weft_html_free(&h);
	printf("reset+feed+finish of the same page (reused extractor): %.0f ns (cpu), %zu links\n",
	       (c1 - c0) * 1e9 / (double)n, t.links);
}

int main(int argc, char **argv)
{
	size_t chunk = 16384;
	int rounds = 5, opt;
	long setup = 0;
	const char *url = "http://bench.test/dir/page.html";
	bool print = false;
	while ((opt = getopt(argc, argv, "c:r:s:u:pRA")) != -1) {
		switch (opt) {
		case 'R': records = 1; break;
		case 'A': records = 2; break;
		case 'p': print = true; break;
		case 'c': chunk = (size_t)strtoul(optarg, NULL, 10); break;
		case 'r': rounds = atoi(optarg); break;
		case 's': setup = atol(optarg); break;
		case 'u': url = optarg; break;
		default: goto usage;
		}
	}
	if (optind >= argc || chunk == 0 || rounds < 1 || rounds > 1000)
		goto usage;
	if (weft_global_init() != WEFT_OK)
		return 1;
	size_t n = (size_t)(argc - optind), bytes = 0;
	struct file *files = calloc(n, sizeof(*files));
	if (!files)
		return 1;
	for (size_t i = 0; i < n; i++) {
		files[i].body = check_slurp(argv[optind + (int)i], &files[i].len);
		if (!files[i].body) {
			fprintf(stderr, "cannot read %s\n", argv[optind + (int)i]);
			return 1;
		}
		bytes += files[i].len;
	}
	if (setup) {
		setup_cost(&files[0], setup, url);
		goto out;
	}
	if (print) {
		for (size_t i = 0; i < n; i++) {
			struct totals t = { .print = argv[optind + (int)i] };
			if (run_page(&files[i], chunk, url, &t) != WEFT_OK)
				printf("%s error\n", t.print);
		}
		goto out;
	}
	double cpu[1000], wall[1000];
	struct totals t = { 0 };
	int bad = 0;
	for (int r = 0; r < rounds; r++) {
		t.links = 0;
		double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_THREAD_CPUTIME_ID);
		bad += run_pass(files, n, chunk, url, &t);
		cpu[r] = now(CLOCK_THREAD_CPUTIME_ID) - c0;
		wall[r] = now(CLOCK_MONOTONIC) - w0;
	}
	qsort(cpu, (size_t)rounds, sizeof(double), cmp_double);
	qsort(wall, (size_t)rounds, sizeof(double), cmp_double);
	double mb = (double)bytes / 1e6;
	printf("%zu files, %.2f MB, %zu-byte chunks, %d rounds, %zu links/round, %d errors\n", n,
	       mb, chunk, rounds, t.links, bad);
	printf("cpu:  best %.1f MB/s, median %.1f MB/s (%.1f us/file)\n", mb / cpu[0],
	       mb / cpu[rounds / 2], cpu[rounds / 2] * 1e6 / (double)n);
	printf("wall: best %.1f MB/s, median %.1f MB/s\n", mb / wall[0], mb / wall[rounds / 2]);
out:
	for (size_t i = 0; i < n; i++)
		free(files[i].body);
	free(files);
	weft_global_cleanup();
	return 0;
usage:
	fprintf(stderr,
		"usage: bench_extract [-c CHUNK] [-r ROUNDS] [-s N] [-u URL] [-p] [-R | -A] FILE...\n");
	return 2;
}
