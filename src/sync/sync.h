/*
 * sync.h -- Go's synchronisation vocabulary on pthreads: WaitGroup, channels, and starting a
 * thread (a goroutine) that may fail without losing the work.
 */
#ifndef WEFT_SYNC_H
#define WEFT_SYNC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* ---- WaitGroup: sync.WaitGroup ---- */

/* Counter guarded by mu; wait() sleeps on cv until it is zero. */
struct weft__waitgroup {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	long count; /* guarded by mu */
};

void weft__wg_init(struct weft__waitgroup *wg);
void weft__wg_destroy(struct weft__waitgroup *wg);
/* wg.Add(n). A counter going negative is a bug: it aborts, as Go panics. */
void weft__wg_add(struct weft__waitgroup *wg, long n);
/* wg.Done(): the last call a finishing thread makes on shared state. */
void weft__wg_done(struct weft__waitgroup *wg);
/* wg.Wait() */
void weft__wg_wait(struct weft__waitgroup *wg);

/* ---- Channels: chan T, make(chan T, cap) ---- */

struct weft__chan;

/* A channel of elem_size-byte values; cap 0 is unbuffered (a send waits for its receiver). */
int weft__chan_new(struct weft__chan **out, size_t elem_size, size_t cap);
/*
 * ch <- *elem: copies the value in; blocks while the buffer is full (unbuffered: until a
 * receiver has taken it). Returns WEFT_E_INVAL on a closed channel (Go would panic).
 */
int weft__chan_send(struct weft__chan *ch, const void *elem);
/* v, ok := <-ch: false when the channel is closed and drained. */
bool weft__chan_recv(struct weft__chan *ch, void *out);
/* close(ch): receivers drain what is buffered, then see closed. */
void weft__chan_close(struct weft__chan *ch);
size_t weft__chan_len(struct weft__chan *ch);
/*
 * A channel is reference-counted, like a Go value kept alive by the goroutines using it: a
 * sender that may still be returning from send() after its receiver has moved on holds a
 * reference. weft__chan_free() drops one; the last one destroys the channel.
 */
struct weft__chan *weft__chan_ref(struct weft__chan *ch);
void weft__chan_free(struct weft__chan **ch);

/* ---- Threads: `go f(x)` ---- */

/*
 * Start fn(arg) on a new detached thread with a stack of `stack` bytes (0: default). Returns 0,
 * or WEFT_E_THREAD when the system refuses (EAGAIN): the caller still owns arg and must run the
 * work some other way (inline, or later).
 */
int weft__go(void *(*fn)(void *), void *arg, size_t stack);

/* Same, joinable: *tid receives the thread. */
int weft__thread_start(pthread_t *tid, void *(*fn)(void *), void *arg, size_t stack);

/* Default crawler-thread stack: small, since a crawl may run thousands of threads. */
size_t weft__default_stack(void);

/*
 * Fault injection for tests: when n > 0, every n-th thread start fails as if with EAGAIN.
 * Process-wide.
 */
void weft__thread_fail_every(unsigned n);

#endif
