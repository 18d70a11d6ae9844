/*
 * fuzz_replay.c -- runs the URL fuzz target (fuzz/fuzz_url.c) without libFuzzer: over every
 * input of the web-platform-tests URL data (when present) and over random mutations of them,
 * so its invariants are checked in every test run, under the sanitizers too.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feed s[0..n) and a few mutations of it (byte flips, truncation, duplication). */
static void feed(const char *s, size_t n, uint64_t *seed)
{
	uint8_t buf[1024];
	LLVMFuzzerTestOneInput((const uint8_t *)s, n);
	if (n == 0 || n * 2 > sizeof buf)
		return;
	for (int m = 0; m < 8; m++) {
		*seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
		uint32_t r = (uint32_t)(*seed >> 32);
		size_t len = n;
		memcpy(buf, s, n);
		if (m % 3 == 0)
			buf[r % n] = (uint8_t)(r >> 16);
		else if (m % 3 == 1)
			len = r % n;
		else
			memcpy(buf + n, s, n), len = 2 * n;
		LLVMFuzzerTestOneInput(buf, len);
	}
}

int main(void)
{
	char path[4096];
	uint64_t seed = 7;
	static const char *const extra[] = {
		"", "http://a/b", "sc:/..//x", "web+demo:/.//not-a-host/", "file:///C:/../..",
		"http://[::1.2.3.4]/?é#é",
	};
	for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
		feed(extra[i], strlen(extra[i]), &seed);
	if (!check_testdata("url/urltestdata.json", path, sizeof path)) {
		fprintf(stderr, "url/urltestdata.json absent: replayed built-in inputs only\n");
		return 0;
	}
	json_error_t err;
	json_t *all = json_load_file(path, JSON_ALLOW_NUL, &err);
	size_t i, n = 0;
	json_t *c;
	json_array_foreach(all, i, c) {
		json_t *in = json_object_get(c, "input");
		if (json_is_string(in)) {
			feed(json_string_value(in), json_string_length(in), &seed);
			n++;
		}
	}
	json_decref(all);
	printf("fuzz_url: replayed %zu inputs with mutations\n", n);
	return n > 0 ? 0 : 1;
}
