/* test_visited.c -- the visited set: insert-if-absent, limits, growth, locked concurrency. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include <weft.h>

#include "check.h"
#include "core/visited.h"

static void test_add_seen_full(void)
{
	struct weft__visited *v = NULL;
	REQUIRE(weft__visited_mem_new(&v, 0, false) == WEFT_OK);
	CHECK_INT(weft__visited_add(v, "http://a/", 9, 0), WEFT__NEW);
	CHECK_INT(weft__visited_add(v, "http://a/", 9, 0), WEFT__SEEN);
	CHECK_INT(weft__visited_add(v, "http://b/", 9, 2), WEFT__NEW);
	CHECK_INT(weft__visited_add(v, "http://c/", 9, 2), WEFT__FULL);
	CHECK_INT(weft__visited_add(v, "http://a/", 9, 2), WEFT__SEEN); /* seen beats full */
	CHECK(v->ops->contains(v, "http://b/", 9));
	CHECK(!v->ops->contains(v, "http://c/", 9));
	CHECK_INT(v->ops->count(v), 2);
	weft__visited_free(&v);
	CHECK(v == NULL);
}

static void test_growth_keeps_everything(void)
{
	struct weft__visited *v = NULL;
	REQUIRE(weft__visited_mem_new(&v, 0, false) == WEFT_OK);
	char key[64];
	int n = (int)(300000 * check_scale());
	for (int i = 0; i < n; i++) {
		int len = snprintf(key, sizeof(key), "http://h/%d", i);
		if (weft__visited_add(v, key, (size_t)len, 0) != WEFT__NEW)
			CHECK_FAIL("key %d not new", i);
	}
	for (int i = 0; i < n; i++) {
		int len = snprintf(key, sizeof(key), "http://h/%d", i);
		if (weft__visited_add(v, key, (size_t)len, 0) != WEFT__SEEN)
			CHECK_FAIL("key %d lost after growth", i);
	}
	CHECK_INT(v->ops->count(v), n);
	/* 8-byte slots at a load factor between 1/2 and 3/4: at most 16 bytes per URL */
	CHECK(v->ops->bytes(v) <= (size_t)n * 16 + 4096);
	CHECK(v->ops->bytes(v) >= (size_t)n * 32 / 3);
	weft__visited_free(&v);
}

struct race_arg {
	struct weft__visited *v;
	atomic_int *news;
	int n;
};

static void *adder(void *p)
{
	struct race_arg *a = p;
	char key[64];
	for (int i = 0; i < a->n; i++) {
		int len = snprintf(key, sizeof(key), "http://h/%d", i);
		if (weft__visited_add(a->v, key, (size_t)len, 0) == WEFT__NEW)
			atomic_fetch_add(a->news, 1);
	}
	return NULL;
}

/* Eight threads add the same keys: each key is NEW for exactly one of them. */
static void test_locked_concurrent(void)
{
	struct weft__visited *v = NULL;
	REQUIRE(weft__visited_mem_new(&v, 0, true) == WEFT_OK);
	atomic_int news;
	atomic_init(&news, 0);
	struct race_arg a = { v, &news, (int)(20000 * check_scale()) };
	pthread_t t[8];
	for (int i = 0; i < 8; i++)
		REQUIRE(pthread_create(&t[i], NULL, adder, &a) == 0);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	CHECK_INT(atomic_load(&news), a.n);
	CHECK_INT(v->ops->count(v), a.n);
	weft__visited_free(&v);
}

int main(void)
{
	RUN(test_add_seen_full);
	RUN(test_growth_keeps_everything);
	RUN(test_locked_concurrent);
	return check_report();
}
