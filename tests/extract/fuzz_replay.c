/*
 * fuzz_replay.c -- runs the HTML fuzz target (fuzz/fuzz_html.c) without libFuzzer: over the
 * fixture pages with every charset/split prefix byte pair from a small set, and over random
 * mutations of them (byte flips, truncation, splicing), so its checks run in every test run,
 * under the sanitizers too. Without the fixture data only built-in inputs are replayed.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t next(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 17;
}

/* Feed doc with a few prefixes, then mutations of it. */
static void feed(const char *doc, size_t n, uint64_t *seed)
{
	uint8_t *buf = malloc(n * 2 + 2);
	if (!buf)
		return;
	for (int m = 0; m < 12; m++) {
		size_t len = n;
		memcpy(buf + 2, doc, n);
		uint64_t r = next(seed);
		if (m >= 4 && n) {
			if (m % 3 == 0) {
				for (int k = 0; k < 8; k++)
					buf[2 + next(seed) % n] = (uint8_t)next(seed);
			} else if (m % 3 == 1) {
				len = r % n;
			} else {
				size_t a = r % n, b = next(seed) % n;
				memcpy(buf + 2 + n, doc + a, n - a);
				len = n + (n - a) - (b < n - a ? b : 0);
			}
		}
		buf[0] = (uint8_t)(m < 4 ? (uint64_t)m * 3 : r);
		buf[1] = (uint8_t)(r >> 8);
		LLVMFuzzerTestOneInput(buf, len + 2);
	}
	free(buf);
}

int main(void)
{
	static const char *const builtin[] = {
		"", "<", "<a href", "<a href=x>", "<base href=/b/><a href=c>", "&#x", "<!--",
		"<script></scr", "<a href='\xFF\xFE", "\xEF\xBB\xBF<a href=\xC3\xA9>",
		"<script><!--<script></script><a href=x>--></script><a href=y>",
		"<svg><![CDATA[\x81]]></svg><a href=x>]]><foreignObject><a href=y>",
		"<math><mi><a href=x></mi><annotation-xml encoding=text/html><a href=y>",
		"<frameset><frame src=a><frameset><frame src=b></frameset></frameset>",
		"<template><a href=x><svg><template></template></svg></template><base href=/b/>",
		"<a title='t'/href=x><!--><a href=y><!---><a href=z><!-- --!><a href=w>",
		"<textarea></textarea ><title></title/><xmp></xmp x='>'><a href=x>",
		"\x1B$B$\"\x1B(B<a href=\"\x1B$B$\"\x1B(B\">",
	};
	uint64_t seed = 11;
	for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		feed(builtin[i], strlen(builtin[i]), &seed);
	char path[4096];
	if (!check_testdata("html/expected.jsonl", path, sizeof(path))) {
		fprintf(stderr, "no html test data: replayed built-in inputs only\n");
		return 0;
	}
	*strrchr(path, '/') = '\0';
	strcat(path, "/cases");
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d))) {
		if (!strstr(e->d_name, ".html"))
			continue;
		char file[8192];
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		size_t len;
		char *doc = check_slurp(file, &len);
		if (doc)
			feed(doc, len, &seed), n++;
		free(doc);
	}
	if (d)
		closedir(d);
	fprintf(stderr, "replayed %d fixture pages and mutations\n", n);
	return n > 0 ? 0 : 1;
}
