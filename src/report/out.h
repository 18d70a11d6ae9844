/*
 * out.h -- the output stream under every built-in reporter: where it writes, its name for
 * messages, the flush policy (records stream to pipes and terminals), and the first failure
 * (errno and a message naming the file), which weft_reporter_error() hands to the caller.
 */
#ifndef WEFT_REPORT_OUT_H
#define WEFT_REPORT_OUT_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include <weft.h>

/*
 * While the flusher runs, mu guards the stream and the fields below "fp": a record's writes
 * happen between weft__out_start() and weft__out_done(), which hold mu, so the flusher only
 * ever flushes whole records.
 */
struct weft__out {
	FILE *fp;       /* the stream written */
	bool own;       /* opened here: closed by weft__out_finish() or weft__out_free() */
	bool live;      /* not a regular file: records reach the reader within FLUSH_MS */
	bool locked;    /* between start and done */
	bool dirty;     /* written since the last flush */
	char *name;     /* for messages */
	int err;        /* errno of the first failure, or 0 */
	bool failed;
	char msg[640];
	/* the flusher thread (live streams only), started by the first record */
	bool flusher_on, stop;
	pthread_t flusher;
	pthread_mutex_t mu; /* see above; also guards stop; cv wakes the flusher to stop */
	pthread_cond_t cv;
};

/* Write to fp (NULL = stdout), borrowed; name NULL = "standard output" or "output". */
int weft__out_init(struct weft__out *o, FILE *fp, const char *name);
/* Open path for writing; on failure the message is set and -1 returned. */
int weft__out_open(struct weft__out *o, const char *path);
/* Before a record's writes (takes the stream's lock when a flusher may run). */
void weft__out_start(struct weft__out *o);
/* After a record's writes: check the stream, release it. 0 or -1 (message set). */
int weft__out_done(struct weft__out *o);
/* Flush (and close if owned); 0 or -1 (message set). */
int weft__out_finish(struct weft__out *o);
/* Record a failure: errnum (0 for none) and a message; returns -1. First failure wins. */
int weft__out_fail(struct weft__out *o, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *weft__out_error(const struct weft__out *o, int *errnum);
/* Whether a failure was recorded (safe while the flusher runs). */
bool weft__out_failed(struct weft__out *o);
/* Close if owned (without checks) and free the name. */
void weft__out_free(struct weft__out *o);

#endif
