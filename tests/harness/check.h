/*
 * check.h -- the test harness: assertions that print file:line and both values, a skip exit
 * code that meson understands (77), and helpers to find the shared test data.
 *
 * A test is a program: main() calls RUN(test_fn) for each case and returns check_report().
 */
#ifndef WEFT_TEST_CHECK_H
#define WEFT_TEST_CHECK_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_SKIP 77

static int check_failures;
static int check_cases;

#define CHECK_FAIL(...)                                                                   \
	do {                                                                              \
		fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);                     \
		fprintf(stderr, __VA_ARGS__);                                             \
		fputc('\n', stderr);                                                      \
		check_failures++;                                                         \
	} while (0)

#define CHECK(cond)                                                                       \
	do {                                                                              \
		if (!(cond))                                                              \
			CHECK_FAIL("%s", #cond);                                          \
	} while (0)

#define CHECK_INT(a, b)                                                                   \
	do {                                                                              \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);           \
		if (check_a_ != check_b_)                                                 \
			CHECK_FAIL("%s == %s: %lld != %lld", #a, #b, check_a_, check_b_);  \
	} while (0)

#define CHECK_STR(a, b)                                                                   \
	do {                                                                              \
		const char *check_a_ = (a), *check_b_ = (b);                              \
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0)           \
			CHECK_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b,                   \
				   check_a_ ? check_a_ : "(null)",                        \
				   check_b_ ? check_b_ : "(null)");                       \
	} while (0)

/* Stop the current test function on failure (for checks later steps depend on). */
#define REQUIRE(cond)                                                                     \
	do {                                                                              \
		if (!(cond)) {                                                            \
			CHECK_FAIL("required: %s", #cond);                                \
			return;                                                           \
		}                                                                         \
	} while (0)

#define RUN(fn)                                                                           \
	do {                                                                              \
		int check_before_ = check_failures;                                       \
		check_cases++;                                                            \
		fn();                                                                     \
		fprintf(stderr, "%s %s\n", check_failures == check_before_ ? "ok  " : "FAIL", \
			#fn);                                                             \
	} while (0)

static inline int check_report(void)
{
	fprintf(stderr, "%d cases, %d failed checks\n", check_cases, check_failures);
	return check_failures ? 1 : 0;
}

/* A scale factor for workloads (env WEFT_TEST_SCALE, default 1.0), e.g. 0.2 under valgrind. */
static inline double check_scale(void)
{
	const char *s = getenv("WEFT_TEST_SCALE");
	double v = s ? strtod(s, NULL) : 1.0;
	return v > 0 ? v : 1.0;
}

/*
 * Path of a file under the shared test data (env WEFT_TESTDATA), or NULL when the data is
 * absent: the caller then exits CHECK_SKIP, never passes.
 */
static inline const char *check_testdata(const char *rel, char *buf, size_t len)
{
	const char *root = getenv("WEFT_TESTDATA");
	if (!root || !*root)
		return NULL;
	snprintf(buf, len, "%s/%s", root, rel);
	FILE *f = fopen(buf, "rb");
	if (!f)
		return NULL;
	fclose(f);
	return buf;
}

/* Read a whole file; NULL on error. *len gets the size. The buffer is NUL-terminated. */
static inline char *check_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *nb = realloc(buf, cap * 2 + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (!buf)
		return NULL;
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

#endif
