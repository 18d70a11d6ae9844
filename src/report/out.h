/*
 * out.h -- the output stream under every built-in reporter: where it writes, its name for
 * messages, the flush policy (records stream to pipes and terminals), and the first failure
 * (errno and a message naming the file), which weft_reporter_error() hands to the caller.
 */
#ifndef WEFT_REPORT_OUT_H
#define WEFT_REPORT_OUT_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include <weft.h>

struct weft__out {
	FILE *fp;       /* the stream written */
	bool own;       /* opened here: closed by weft__out_close() */
	bool live;      /* not a regular file: flush after each record */
	char *name;     /* for messages */
	int err;        /* errno of the first failure, or 0 */
	bool failed;
	char msg[640];
};

/* Write to fp (NULL = stdout), borrowed; name NULL = "standard output" or "output". */
int weft__out_init(struct weft__out *o, FILE *fp, const char *name);
/* Open path for writing; on failure the message is set and -1 returned. */
int weft__out_open(struct weft__out *o, const char *path);
/* Before a record's writes. */
static inline void weft__out_start(struct weft__out *o)
{
	(void)o;
	errno = 0;
}
/* After a record's writes: check the stream, flush if live. 0 or -1 (message set). */
int weft__out_done(struct weft__out *o);
/* Flush (and close if owned); 0 or -1 (message set). */
int weft__out_finish(struct weft__out *o);
/* Record a failure: errnum (0 for none) and a message; returns -1. First failure wins. */
int weft__out_fail(struct weft__out *o, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *weft__out_error(const struct weft__out *o, int *errnum);
/* Close if owned (without checks) and free the name. */
void weft__out_free(struct weft__out *o);

#endif
