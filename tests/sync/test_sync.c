/*
 * test_sync.c -- WaitGroup, channels and thread starting: semantics and many-thread stress.
 * Run under TSan in CI: any unsynchronised access in these primitives fails the suite.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include <weft.h>

#include "check.h"
#include "sync/sync.h"

/* ---- WaitGroup ---- */

struct wg_arg {
	struct weft__waitgroup *wg;
	atomic_int *done_count;
};

static void *wg_worker(void *p)
{
	struct wg_arg *a = p;
	atomic_fetch_add(a->done_count, 1);
	weft__wg_done(a->wg);
	return NULL;
}

static void test_waitgroup_waits_for_all(void)
{
	enum { N = 200 };
	for (int round = 0; round < 20; round++) {
		struct weft__waitgroup wg;
		atomic_int count;
		atomic_init(&count, 0);
		weft__wg_init(&wg);
		struct wg_arg arg = { &wg, &count };
		pthread_t t[N];
		weft__wg_add(&wg, N);
		for (int i = 0; i < N; i++)
			REQUIRE(pthread_create(&t[i], NULL, wg_worker, &arg) == 0);
		weft__wg_wait(&wg);
		CHECK_INT(atomic_load(&count), N); /* every Done happened after its increment */
		for (int i = 0; i < N; i++)
			pthread_join(t[i], NULL);
		weft__wg_destroy(&wg);
	}
}

/* wg.Wait() on a zero counter returns at once; Add(3) then Add(-3) brings it back to zero. */
struct zero_arg {
	struct weft__waitgroup wg;
	long count_after; /* wg.count once both waits returned */
	atomic_int waits_returned;
};

static void *zero_waits(void *p)
{
	struct zero_arg *a = p;
	weft__wg_wait(&a->wg);
	atomic_fetch_add(&a->waits_returned, 1);
	weft__wg_add(&a->wg, 3);
	weft__wg_add(&a->wg, -3);
	weft__wg_wait(&a->wg);
	atomic_fetch_add(&a->waits_returned, 1);
	pthread_mutex_lock(&a->wg.mu);
	a->count_after = a->wg.count;
	pthread_mutex_unlock(&a->wg.mu);
	return NULL;
}

static void test_waitgroup_zero_does_not_block(void)
{
	/* Heap, not stack: if a wait hangs, the thread is left behind still using it. */
	struct zero_arg *a = calloc(1, sizeof(*a));
	REQUIRE(a != NULL);
	weft__wg_init(&a->wg);
	atomic_init(&a->waits_returned, 0);
	a->count_after = -1;
	pthread_t t;
	REQUIRE(pthread_create(&t, NULL, zero_waits, a) == 0);
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 10;
	int jrc = pthread_timedjoin_np(t, NULL, &deadline);
	CHECK_INT(jrc, 0); /* ETIMEDOUT: a Wait() on a zero counter blocked */
	CHECK_INT(atomic_load(&a->waits_returned), 2);
	if (jrc != 0)
		return; /* the thread still holds a */
	CHECK_INT(a->count_after, 0);
	weft__wg_destroy(&a->wg);
	free(a);
}

/* ---- channels ---- */

static void test_buffered_fifo_and_close(void)
{
	struct weft__chan *ch = NULL;
	REQUIRE(weft__chan_new(&ch, sizeof(int), 4) == WEFT_OK);
	for (int i = 0; i < 4; i++) /* capacity 4: no receiver needed */
		CHECK_INT(weft__chan_send(ch, &i), WEFT_OK);
	CHECK_INT(weft__chan_len(ch), 4);
	int v = -1;
	CHECK(weft__chan_recv(ch, &v));
	CHECK_INT(v, 0);
	weft__chan_close(ch);
	CHECK_INT(weft__chan_send(ch, &v), WEFT_E_INVAL); /* send on closed channel */
	for (int i = 1; i < 4; i++) { /* close keeps buffered values for receivers */
		CHECK(weft__chan_recv(ch, &v));
		CHECK_INT(v, i);
	}
	CHECK(!weft__chan_recv(ch, &v)); /* v, ok := <-ch: ok == false */
	CHECK(!weft__chan_recv(ch, &v));
	weft__chan_free(&ch);
	CHECK(ch == NULL);
}

struct pc_arg {
	struct weft__chan *ch;
	int id;
	int count;
	atomic_llong *sum;
	atomic_int *received;
};

static void *producer(void *p)
{
	struct pc_arg *a = p;
	for (int i = 0; i < a->count; i++) {
		long long v = (long long)a->id * 1000000 + i;
		if (weft__chan_send(a->ch, &v) != WEFT_OK)
			abort();
	}
	return NULL;
}

/* Receives until closed; checks each producer's values arrive in order. */
static void *consumer(void *p)
{
	struct pc_arg *a = p;
	long long v, last[64];
	for (int i = 0; i < 64; i++)
		last[i] = -1;
	while (weft__chan_recv(a->ch, &v)) {
		int id = (int)(v / 1000000), seq = (int)(v % 1000000);
		if (id < 0 || id >= 64 || seq <= last[id])
			abort(); /* per-sender order violated */
		last[id] = seq;
		atomic_fetch_add(a->sum, v);
		atomic_fetch_add(a->received, 1);
	}
	return NULL;
}

static void stress(size_t cap, int producers, int consumers, int per)
{
	struct weft__chan *ch = NULL;
	REQUIRE(weft__chan_new(&ch, sizeof(long long), cap) == WEFT_OK);
	atomic_llong sum;
	atomic_int received;
	atomic_init(&sum, 0);
	atomic_init(&received, 0);
	pthread_t pt[16], ct[16];
	struct pc_arg pa[16], ca = { .ch = ch, .sum = &sum, .received = &received };
	for (int i = 0; i < consumers; i++)
		REQUIRE(pthread_create(&ct[i], NULL, consumer, &ca) == 0);
	for (int i = 0; i < producers; i++) {
		pa[i] = (struct pc_arg){ .ch = ch, .id = i, .count = per };
		REQUIRE(pthread_create(&pt[i], NULL, producer, &pa[i]) == 0);
	}
	for (int i = 0; i < producers; i++)
		pthread_join(pt[i], NULL);
	weft__chan_close(ch);
	for (int i = 0; i < consumers; i++)
		pthread_join(ct[i], NULL);
	long long want = 0;
	for (int i = 0; i < producers; i++)
		for (int k = 0; k < per; k++)
			want += (long long)i * 1000000 + k;
	CHECK_INT(atomic_load(&received), producers * per);
	CHECK_INT(atomic_load(&sum), want);
	weft__chan_free(&ch);
}

static void test_stress_unbuffered(void)
{
	stress(0, 8, 4, (int)(5000 * check_scale()));
}

static void test_stress_buffered(void)
{
	stress(16, 8, 4, (int)(20000 * check_scale()));
	stress(1, 3, 3, (int)(5000 * check_scale()));
}

static void *recv_one(void *p)
{
	int v;
	weft__chan_recv(p, &v);
	return NULL;
}

/* An unbuffered send returns only once a receiver has taken the value. */
static void test_unbuffered_is_rendezvous(void)
{
	for (int round = 0; round < 200; round++) {
		struct weft__chan *ch = NULL;
		REQUIRE(weft__chan_new(&ch, sizeof(int), 0) == WEFT_OK);
		pthread_t t;
		REQUIRE(pthread_create(&t, NULL, recv_one, ch) == 0);
		int v = round;
		CHECK_INT(weft__chan_send(ch, &v), WEFT_OK);
		CHECK_INT(weft__chan_len(ch), 0);
		pthread_join(t, NULL);
		weft__chan_free(&ch);
	}
}

/* A sender that outlives the channel's owner keeps it alive by its reference. */
static void *send_and_drop(void *p)
{
	struct weft__chan *ch = p;
	int v = 7;
	weft__chan_send(ch, &v);
	weft__chan_free(&ch);
	return NULL;
}

static void test_refcount_outlives_owner(void)
{
	for (int round = 0; round < 200; round++) {
		struct weft__chan *ch = NULL;
		REQUIRE(weft__chan_new(&ch, sizeof(int), 0) == WEFT_OK);
		REQUIRE(weft__go(send_and_drop, weft__chan_ref(ch), 0) == WEFT_OK);
		int v = 0;
		CHECK(weft__chan_recv(ch, &v));
		CHECK_INT(v, 7);
		weft__chan_free(&ch); /* the sender may still be inside send(): ASan/TSan check */
	}
}

/* ---- threads ---- */

static void *nop(void *p)
{
	atomic_fetch_add((atomic_int *)p, 1);
	return NULL;
}

static void test_thread_fault_injection(void)
{
	atomic_int ran;
	atomic_init(&ran, 0);
	weft__thread_fail_every(3);
	int ok = 0;
	pthread_t t[30];
	for (int i = 0; i < 30; i++)
		if (weft__thread_start(&t[ok], nop, &ran, 0) == WEFT_OK)
			ok++;
	weft__thread_fail_every(0);
	for (int i = 0; i < ok; i++)
		pthread_join(t[i], NULL);
	CHECK_INT(ok, 20); /* every 3rd of 30 failed */
	CHECK_INT(atomic_load(&ran), 20);
}

static void test_small_stack_threads(void)
{
	atomic_int ran;
	atomic_init(&ran, 0);
	pthread_t t;
	REQUIRE(weft__thread_start(&t, nop, &ran, 64 * 1024) == WEFT_OK);
	pthread_join(t, NULL);
	CHECK_INT(atomic_load(&ran), 1);
}

int main(void)
{
	RUN(test_waitgroup_waits_for_all);
	RUN(test_waitgroup_zero_does_not_block);
	RUN(test_buffered_fifo_and_close);
	RUN(test_unbuffered_is_rendezvous);
	RUN(test_refcount_outlives_owner);
	RUN(test_stress_unbuffered);
	RUN(test_stress_buffered);
	RUN(test_thread_fault_injection);
	RUN(test_small_stack_threads);
	return check_report();
}
