/*
 * fuzz_robots_replay.c -- runs the robots.txt fuzz target (fuzz/fuzz_robots.c) without
 * libFuzzer: over the seed files in fuzz/corpus/robots/, random mutations of them (byte
 * flips, truncation, splicing), and bodies assembled from random robots.txt lines, so its
 * invariants are checked in every test run, under the sanitizers too.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t next(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

/* Feed doc, then mutations of it (other: another seed to splice in). */
static void feed(const char *doc, size_t n, const char *other, size_t on, uint64_t *seed)
{
	LLVMFuzzerTestOneInput((const uint8_t *)doc, n);
	uint8_t *buf = malloc(n + on + 1);
	if (!buf || n == 0) {
		free(buf);
		return;
	}
	for (int m = 0; m < 200; m++) {
		uint32_t r = next(seed);
		size_t len = n;
		memcpy(buf, doc, n);
		if (m % 4 == 0) {
			for (int k = 0; k < 1 + (int)(r % 4); k++)
				buf[next(seed) % n] = (uint8_t)next(seed);
		} else if (m % 4 == 1) {
			len = r % n;
		} else if (m % 4 == 2) {
			size_t cut = r % n;
			memcpy(buf + cut, other, on);
			len = cut + on;
		} else {
			buf[r % n] = "*$%#:\n\r /?"[next(seed) % 10];
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	free(buf);
}

/* A body of random lines built from robots.txt vocabulary. */
static size_t random_body(char *out, size_t cap, uint64_t *seed)
{
	static const char *const keys[] = { "User-agent", "user-agent", "Allow", "Disallow",
					    "DISALLOW", "Crawl-delay", "Sitemap", "Foo", "" };
	static const char *const vals[] = { "weft", "*", "WEFT/1.0", "other", "/", "/a",
					    "/a*b$", "*", "$", "/%7e", "/%7E%", "/*.php$",
					    "1.5", "x", "/robots.txt", "http://x/s.xml", "" };
	static const char *const seps[] = { ": ", ":", " ", "\t:\t" };
	static const char *const ends[] = { "\n", "\r\n", "\r", " # c\n", "\n\n" };
	size_t n = 0, lines = 1 + next(seed) % 30;
	for (size_t i = 0; i < lines && n + 64 < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s%s%s%s",
				      keys[next(seed) % (sizeof keys / sizeof keys[0])],
				      seps[next(seed) % 4],
				      vals[next(seed) % (sizeof vals / sizeof vals[0])],
				      ends[next(seed) % 5]);
	return n;
}

int main(void)
{
	const char *root = getenv("WEFT_SOURCE_ROOT");
	char dir[4096], path[4096 + 260];
	snprintf(dir, sizeof dir, "%s/fuzz/corpus/robots", root ? root : ".");
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "%s: cannot open\n", dir);
		return 1;
	}
	char *docs[64];
	size_t lens[64], n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 64) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if ((docs[n] = check_slurp(path, &lens[n])))
			n++;
	}
	closedir(d);
	uint64_t seed = 11;
	for (size_t i = 0; i < n; i++)
		feed(docs[i], lens[i], docs[(i + 1) % n], lens[(i + 1) % n], &seed);
	char body[4096];
	int assembled = (int)(2000 * check_scale());
	for (int i = 0; i < assembled; i++) {
		size_t len = random_body(body, sizeof body, &seed);
		LLVMFuzzerTestOneInput((const uint8_t *)body, len);
	}
	for (size_t i = 0; i < n; i++)
		free(docs[i]);
	printf("fuzz_robots: replayed %zu seeds with mutations and %d assembled bodies\n", n,
	       assembled);
	return n > 0 ? 0 : 1;
}
