/* waitgroup.c -- sync.WaitGroup: a counter and a condition variable under one mutex. */
#include <stdio.h>
#include <stdlib.h>

#include "sync/sync.h"

void weft__wg_init(struct weft__waitgroup *wg)
{
	pthread_mutex_init(&wg->mu, NULL);
	pthread_cond_init(&wg->cv, NULL);
	wg->count = 0;
}

void weft__wg_destroy(struct weft__waitgroup *wg)
{
	pthread_cond_destroy(&wg->cv);
	pthread_mutex_destroy(&wg->mu);
}

void weft__wg_add(struct weft__waitgroup *wg, long n)
{
	pthread_mutex_lock(&wg->mu);
	wg->count += n;
	if (wg->count < 0) {
		fprintf(stderr, "weft: sync: negative WaitGroup counter\n");
		abort();
	}
	if (wg->count == 0)
		pthread_cond_broadcast(&wg->cv);
	pthread_mutex_unlock(&wg->mu);
}

void weft__wg_done(struct weft__waitgroup *wg)
{
	weft__wg_add(wg, -1);
}

void weft__wg_wait(struct weft__waitgroup *wg)
{
	pthread_mutex_lock(&wg->mu);
	while (wg->count > 0)
		pthread_cond_wait(&wg->cv, &wg->mu);
	pthread_mutex_unlock(&wg->mu);
}
