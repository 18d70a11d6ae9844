/*
 * racy_counter.c -- the lecture's race: two threads run `n = n + 1` on a shared n with no lock.
 * Each increment is a load, an add and a store; interleaved, increments are lost. Built with
 * -fsanitize=thread, ThreadSanitizer reports the race (tests/race/test_race.sh checks it does).
 * Build with -DFIXED to take a mutex around the increment: then TSan stays silent.
 */
#include <pthread.h>
#include <stdio.h>

static long n;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *count(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100000; i++) {
#ifdef FIXED
		pthread_mutex_lock(&mu);
		n = n + 1;
		pthread_mutex_unlock(&mu);
#else
		n = n + 1; /* the race */
#endif
	}
	return NULL;
}

int main(void)
{
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, count, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	(void)mu;
	printf("n = %ld (200000 without lost updates)\n", n);
	return 0;
}
