/*
 * out.c -- the output stream under the built-in reporters (see out.h).
 *
 * Flush policy: to a regular file, stdio's blocks (a flush per record would cost a write(2)
 * each and buys nothing: nobody reads the file while it grows, and the end flushes). To
 * anything else (a pipe, a terminal, a socket, a character device) records must reach the
 * reader within a moment, but a write(2) per record to a pipe made a 200,000-page fake-web
 * crawl 2-3 times slower (each write wakes the reader). So a flusher thread flushes the
 * stream every FLUSH_MS when something was written: a record waits at most that long, and
 * a busy crawl pays one write per stdio block as to a file. docs/OUTPUTS.md has the numbers.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "report/out.h"

#define FLUSH_MS 20

static bool is_live(FILE *fp)
{
	struct stat st;
	int fd = fileno(fp);
	return fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode);
}

int weft__out_init(struct weft__out *o, FILE *fp, const char *name)
{
	memset(o, 0, sizeof(*o));
	o->fp = fp ? fp : stdout;
	if (!name)
		name = o->fp == stdout ? "standard output" : "output";
	if (!(o->name = strdup(name)))
		return WEFT_E_NOMEM;
	o->live = is_live(o->fp);
	return WEFT_OK;
}

int weft__out_fail(struct weft__out *o, int errnum, const char *fmt, ...)
{
	if (o->failed)
		return -1;
	o->failed = true;
	o->err = errnum;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->msg, sizeof(o->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int write_failed(struct weft__out *o)
{
	int e = errno ? errno : EIO;
	return weft__out_fail(o, e, "writing %s: %s", o->name, strerror(e));
}

int weft__out_open(struct weft__out *o, const char *path)
{
	char *name = strdup(path);
	if (!name)
		return weft__out_fail(o, ENOMEM, "writing %s: %s", path, strerror(ENOMEM));
	free(o->name);
	o->name = name;
	if (o->own && o->fp)
		fclose(o->fp); /* not reached: callers finish first */
	o->own = false;
	if (!(o->fp = fopen(path, "w")))
		return write_failed(o);
	o->own = true;
	o->live = is_live(o->fp);
	return 0;
}

static void *flusher_main(void *arg)
{
	struct weft__out *o = arg;
	pthread_mutex_lock(&o->mu);
	while (!o->stop) {
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += FLUSH_MS * 1000000L;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&o->cv, &o->mu, &t);
		if (!o->stop && o->dirty && !o->failed) {
			errno = 0;
			if (fflush(o->fp) != 0)
				write_failed(o);
			o->dirty = false;
		}
	}
	pthread_mutex_unlock(&o->mu);
	return NULL;
}

static void flusher_start(struct weft__out *o)
{
	o->stop = false;
	if (pthread_mutex_init(&o->mu, NULL) != 0)
		return;
	if (pthread_cond_init(&o->cv, NULL) != 0) {
		pthread_mutex_destroy(&o->mu);
		return;
	}
	if (pthread_create(&o->flusher, NULL, flusher_main, o) != 0) {
		pthread_cond_destroy(&o->cv);
		pthread_mutex_destroy(&o->mu);
		return;
	}
	o->flusher_on = true;
}

/* Stop the flusher (the caller must not hold the stream's lock). */
static void flusher_stop(struct weft__out *o)
{
	if (!o->flusher_on)
		return;
	pthread_mutex_lock(&o->mu);
	o->stop = true;
	pthread_cond_signal(&o->cv);
	pthread_mutex_unlock(&o->mu);
	pthread_join(o->flusher, NULL);
	pthread_cond_destroy(&o->cv);
	pthread_mutex_destroy(&o->mu);
	o->flusher_on = false;
}

static void unlock(struct weft__out *o)
{
	if (o->locked) {
		o->locked = false;
		pthread_mutex_unlock(&o->mu);
	}
}

void weft__out_start(struct weft__out *o)
{
	if (o->flusher_on && !o->locked) {
		pthread_mutex_lock(&o->mu);
		o->locked = true;
	}
	errno = 0;
}

int weft__out_done(struct weft__out *o)
{
	int rc = 0;
	if (o->failed)
		rc = -1;
	else if (ferror(o->fp))
		rc = write_failed(o);
	o->dirty = true;
	unlock(o);
	/* A failure in the flusher thread waits for the next record (or the end) to be seen. */
	if (rc == 0 && o->live && !o->flusher_on)
		flusher_start(o);
	return rc;
}

bool weft__out_failed(struct weft__out *o)
{
	if (!o->flusher_on || o->locked)
		return o->failed;
	pthread_mutex_lock(&o->mu);
	bool f = o->failed;
	pthread_mutex_unlock(&o->mu);
	return f;
}

int weft__out_finish(struct weft__out *o)
{
	unlock(o);
	flusher_stop(o);
	if (o->failed)
		return -1;
	errno = 0;
	int rc = (fflush(o->fp) != 0 || ferror(o->fp)) ? write_failed(o) : 0;
	if (o->own) {
		errno = 0;
		if (fclose(o->fp) != 0 && rc == 0)
			rc = write_failed(o);
		o->fp = NULL;
		o->own = false;
	}
	return rc;
}

const char *weft__out_error(const struct weft__out *o, int *errnum)
{
	if (errnum)
		*errnum = o->failed ? o->err : 0;
	return o->failed ? o->msg : NULL;
}

void weft__out_free(struct weft__out *o)
{
	if (o->fp) {
		unlock(o);
		flusher_stop(o);
	}
	if (o->own && o->fp)
		fclose(o->fp);
	o->fp = NULL;
	o->own = false;
	free(o->name);
	o->name = NULL;
}
