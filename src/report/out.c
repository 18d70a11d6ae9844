/*
 * out.c -- the output stream under the built-in reporters (see out.h).
 *
 * Flush policy: to a regular file, stdio's blocks (a flush per record would cost a write(2)
 * each and buys nothing: nobody reads the file while it grows, and the end flushes); to
 * anything else (a pipe, a terminal, a socket, a character device), a flush after every
 * record, so a consumer sees each record at once. docs/OUTPUTS.md has the measurements.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report/out.h"

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
	if (!(o->fp = fopen(path, "w")))
		return write_failed(o);
	o->own = true;
	o->live = is_live(o->fp);
	return 0;
}

int weft__out_done(struct weft__out *o)
{
	if (o->failed)
		return -1;
	if (ferror(o->fp) || (o->live && fflush(o->fp) != 0))
		return write_failed(o);
	return 0;
}

int weft__out_finish(struct weft__out *o)
{
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
	if (o->own && o->fp)
		fclose(o->fp);
	o->fp = NULL;
	o->own = false;
	free(o->name);
	o->name = NULL;
}
