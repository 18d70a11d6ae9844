/*
 * bench_visited.c -- the visited set alone at 10 million URLs: bytes per URL and inserts and
 * lookups per second. The bar: at most 16 bytes per URL.
 *
 * usage: bench_visited [N]   (default 10000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <weft.h>

#include "core/visited.h"
#include "util/util.h"

static long peak_rss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
	struct weft__visited *v = NULL;
	char url[96];
	if (weft__visited_mem_new(&v, 0, false) != WEFT_OK)
		return 1;
	long rss0 = peak_rss_kib();
	double t0 = weft__now();
	for (size_t i = 0; i < n; i++) {
		int len = snprintf(url, sizeof(url), "https://www.example.com/section/%zu/page.html",
				   i);
		if (weft__visited_add(v, url, (size_t)len, 0) != WEFT__NEW) {
			fprintf(stderr, "URL %zu not new: fingerprint collision?\n", i);
			return 1;
		}
	}
	double t1 = weft__now();
	size_t seen = 0;
	for (size_t i = 0; i < n; i++) {
		int len = snprintf(url, sizeof(url), "https://www.example.com/section/%zu/page.html",
				   i);
		seen += weft__visited_add(v, url, (size_t)len, 0) == WEFT__SEEN;
	}
	double t2 = weft__now();
	size_t bytes = v->ops->bytes(v);
	printf("visited set: %zu URLs, %zu bytes held = %.2f bytes/URL (bar: <= 16)\n", n, bytes,
	       (double)bytes / (double)n);
	printf("peak RSS growth %.1f MiB; inserts %.2f M/s; lookups %.2f M/s (incl. formatting"
	       " and hashing the URL)\n", (double)(peak_rss_kib() - rss0) / 1024.0,
	       (double)n / (t1 - t0) / 1e6, (double)n / (t2 - t1) / 1e6);
	weft__visited_free(&v);
	return seen == n ? 0 : 1;
}
