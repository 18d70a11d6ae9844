/*
 * thread.c -- starting threads with small stacks, and failing to.
 *
 * pthread_create fails with EAGAIN when a process has thousands of threads (limits on
 * threads, memory maps or memory). Engines treat that as "run the work some other way", never
 * as lost work; weft__thread_fail_every() lets tests make it happen on purpose.
 */
#include <limits.h>
#include <stdatomic.h>

#include <weft.h>

#include "sync/sync.h"
#include "weft_build.h"

static atomic_uint fail_every;
static atomic_uint start_count;

void weft__thread_fail_every(unsigned n)
{
	atomic_store(&fail_every, n);
	atomic_store(&start_count, 0);
}

size_t weft__default_stack(void)
{
	/* libcurl name resolution and TLS want some room; sanitizers want more. */
#if WEFT_SANITIZE_ADDRESS || WEFT_SANITIZE_THREAD
	return 1024 * 1024;
#else
	return 256 * 1024;
#endif
}

static bool injected_failure(void)
{
	unsigned every = atomic_load(&fail_every);
	return every && (atomic_fetch_add(&start_count, 1) + 1) % every == 0;
}

static int start(pthread_t *tid, void *(*fn)(void *), void *arg, size_t stack, bool detached)
{
	if (injected_failure())
		return WEFT_E_THREAD;
	pthread_attr_t attr;
	if (pthread_attr_init(&attr) != 0)
		return WEFT_E_THREAD;
	if (stack == 0)
		stack = weft__default_stack();
	if (stack < (size_t)PTHREAD_STACK_MIN)
		stack = (size_t)PTHREAD_STACK_MIN;
	pthread_attr_setstacksize(&attr, stack);
	if (detached)
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_t t;
	int rc = pthread_create(&t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		return WEFT_E_THREAD;
	if (tid)
		*tid = t;
	return WEFT_OK;
}

int weft__go(void *(*fn)(void *), void *arg, size_t stack)
{
	return start(NULL, fn, arg, stack, true);
}

int weft__thread_start(pthread_t *tid, void *(*fn)(void *), void *arg, size_t stack)
{
	return start(tid, fn, arg, stack, false);
}
