/* util.c -- reference-counted strings, clock, error buffers, fingerprints. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "util/util.h"

struct weft__str *weft__str_new(const char *s, size_t len)
{
	if (len > UINT32_MAX - 1)
		return NULL;
	struct weft__str *p = malloc(sizeof(*p) + len + 1);
	if (!p)
		return NULL;
	atomic_init(&p->ref, 1);
	p->len = (uint32_t)len;
	memcpy(p->s, s, len);
	p->s[len] = '\0';
	return p;
}

void weft__str_unref(struct weft__str *p)
{
	if (p && atomic_fetch_sub_explicit(&p->ref, 1, memory_order_acq_rel) == 1)
		free(p);
}

double weft__now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void weft__sleep_us(unsigned us)
{
	struct timespec ts = { .tv_sec = us / 1000000u, .tv_nsec = (long)(us % 1000000u) * 1000 };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int weft__err(int code, char *buf, size_t len, const char *fmt, ...)
{
	if (buf && len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(buf, len, fmt, ap);
		va_end(ap);
	}
	return code;
}

char *weft__strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

uint64_t weft__fingerprint(const char *s, size_t len)
{
	uint64_t h = XXH3_64bits(s, len);
	return h ? h : 1;
}

size_t weft__fmt_u32(char *buf, uint32_t v)
{
	char t[10];
	size_t n = 0;
	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		buf[i] = t[n - 1 - i];
	return n;
}

void weft__cond_init_mono(pthread_cond_t *cv)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &ca);
	pthread_condattr_destroy(&ca);
}

void weft__cond_wait_until(pthread_cond_t *cv, pthread_mutex_t *mu, double until)
{
	if (isinf(until)) {
		pthread_cond_wait(cv, mu);
		return;
	}
	double d = until - weft__now();
	if (d <= 0)
		return;
	if (d > 3600)
		d = 3600;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)d;
	ts.tv_nsec += (long)((d - (double)(time_t)d) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(cv, mu, &ts);
}
