/*
 * stop.c -- stopping a crawl: from inside (weft__fail, a broken output) or from outside
 * (weft_crawl_cancel). Lives apart from crawl.c so that core modules can stop a crawl without
 * calling the public API; weft__stop itself is inline in internal.h (the reporters use it).
 *
 * A stop has three parts: the canceled flag (every engine drops its queued work and admits
 * nothing once it sees it), the fetcher's abort() (fetches in flight end at once, with no
 * record), and the wake-ups of threads that wait on a condition variable (the engine's waker,
 * the politeness gate). The first two take no lock and are safe with any crawl lock held; the
 * wake-ups take the waiters' locks, so only weft__stop_and_wake runs them, from a thread that
 * holds none (lock order: stop_mu, then the engine's or the gate's lock).
 */
#include "core/politeness.h"
#include "internal.h"

void weft__stop_and_wake(struct weft_crawl *c)
{
	pthread_mutex_lock(&c->stop_mu);
	weft__stop(c, 0);
	if (c->waker.wake)
		c->waker.wake(c->waker.arg);
	if (c->gate)
		weft__gate_wake_all(c->gate);
	pthread_mutex_unlock(&c->stop_mu);
}

void weft__waker_set(struct weft_crawl *c, void (*wake)(void *arg), void *arg)
{
	pthread_mutex_lock(&c->stop_mu);
	c->waker = (struct weft__waker){ .wake = wake, .arg = arg };
	pthread_mutex_unlock(&c->stop_mu);
}

void weft__fail(struct weft_crawl *c, int err)
{
	weft__stop(c, err);
}
