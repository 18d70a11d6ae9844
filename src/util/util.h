/*
 * util.h -- small helpers shared by every module: reference-counted strings, a monotonic
 * clock, and error-message formatting into caller buffers.
 */
#ifndef WEFT_UTIL_H
#define WEFT_UTIL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/*
 * An immutable string shared by reference count. A URL is stored once and shared by the job
 * that fetches it and by every child job that names it as "from".
 */
struct weft__str {
	atomic_uint ref;
	uint32_t len;
	char s[];
};

/* New string of len bytes copied from s, with one reference. NULL when out of memory. */
struct weft__str *weft__str_new(const char *s, size_t len);
static inline struct weft__str *weft__str_ref(struct weft__str *p)
{
	if (p)
		atomic_fetch_add_explicit(&p->ref, 1, memory_order_relaxed);
	return p;
}
void weft__str_unref(struct weft__str *p);

/* Seconds on the monotonic clock. */
double weft__now(void);
/* Sleep for us microseconds (restarting on signals). */
void weft__sleep_us(unsigned us);

/* A condition variable whose timed waits use the monotonic clock (weft__now's). */
void weft__cond_init_mono(pthread_cond_t *cv);
/* Wait on cv (mu held) until woken or until the monotonic time `until` (INFINITY: no limit;
   waits are cut at an hour, so callers loop and look again). */
void weft__cond_wait_until(pthread_cond_t *cv, pthread_mutex_t *mu, double until);

/* snprintf into buf if buf is not NULL; returns code, so `return weft__err(...)` reads well. */
int weft__err(int code, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Write v in decimal to buf (room for 10 digits; no terminator) and return the digit count.
 * For the URL parser's ports and IPv4 addresses, which are serialised for every URL: snprintf
 * cost about 700 instructions a call there, 5% of a whole crawl's.
 */
size_t weft__fmt_u32(char *buf, uint32_t v);

/* strdup that returns NULL for NULL. */
char *weft__strdup(const char *s);

/* A 64-bit fingerprint of a byte string (XXH3). Never 0. */
uint64_t weft__fingerprint(const char *s, size_t len);

#endif
