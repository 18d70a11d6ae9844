/*
 * racy_crawler.c -- ConcurrentMutex with the mutex forgotten: a thread per URL over a tiny
 * fake web, all sharing the `fetched` set with no lock. Pages may be fetched twice, and TSan
 * reports the race on the set. Build with -DFIXED for the lecture's version (f.mu held around
 * the check-and-set): no report, each page fetched once.
 */
#include <pthread.h>
#include <stdio.h>

#define PAGES 64

static int fetched[PAGES];              /* fetchState.fetched */
static int fetch_count[PAGES];          /* how often each page was fetched */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER; /* fetchState.mu */

static void *crawl(void *arg);

/* Page i links to 2i+1, 2i+2 and back to 0: a tree with cycles. */
static void crawl_links(int u)
{
	int links[3] = { 2 * u + 1, 2 * u + 2, 0 };
	pthread_t t[3];
	int started = 0;
	for (int k = 0; k < 3; k++)
		if (links[k] < PAGES &&
		    pthread_create(&t[started], NULL, crawl, (void *)(long)links[k]) == 0)
			started++;
	for (int k = 0; k < started; k++) /* done.Wait() */
		pthread_join(t[k], NULL);
}

static void *crawl(void *arg)
{
	int u = (int)(long)arg;
#ifdef FIXED
	pthread_mutex_lock(&mu);
#endif
	int already = fetched[u];
	fetched[u] = 1;
#ifdef FIXED
	pthread_mutex_unlock(&mu);
	__atomic_fetch_add(&fetch_count[u], 1, __ATOMIC_RELAXED);
#else
	fetch_count[u]++;
#endif
	(void)mu;
	if (!already)
		crawl_links(u);
	return NULL;
}

int main(void)
{
	crawl((void *)0L);
	int twice = 0;
	for (int i = 0; i < PAGES; i++)
		twice += fetched[i] && __atomic_load_n(&fetch_count[i], __ATOMIC_RELAXED) > 1;
	printf("pages visited more than once: %d\n", twice);
	return 0;
}
