/*
 * http_int.h -- what the HTTP fetcher's faces share: the fetcher object and one transfer's
 * state (callbacks, body limit, the caller's sink, error mapping, retry decisions).
 */
#ifndef WEFT_HTTP_INT_H
#define WEFT_HTTP_INT_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>

#include <weft/http.h>

struct weft__multi;

struct weft__http {
	struct weft_fetcher base;
	struct weft__multi *multi;       /* the async face's state (loop thread only) */
	struct weft_http_options opt;    /* copy; strings below */
	char *user_agent;
	struct curl_slist *headers;
	bool proxy_env;                  /* a *_proxy variable was set when the fetcher was made */
	CURLSH *share;
	pthread_mutex_t share_mu[CURL_LOCK_DATA_LAST]; /* one per kind of shared data */
	pthread_mutex_t pool_mu;         /* guards the idle handles below */
	CURL **idle;
	size_t n_idle;
	size_t cap_idle;
	atomic_bool aborted;             /* abort() was called: every transfer ends now */
	pthread_mutex_t sock_mu;         /* guards socks: a leaf lock */
	int *socks;                      /* the sockets libcurl opened and has not closed: abort()
					    shuts them down, so a transfer blocked in poll() on a
					    silent server wakes at once */
	size_t n_socks;
	size_t cap_socks;
};

/* One attempt at one URL. Belongs to the thread driving the transfer. */
struct weft__xfer {
	struct weft__http *h;
	CURL *easy;                      /* the handle carrying this transfer */
	struct weft_request req;         /* copy; its url and sink are the caller's */
	const char *url;                 /* req.url */
	struct weft_response *out;
	bool decided;                    /* status and type known, sink told */
	bool truncated;
	bool bomb;                       /* stopped: decoded/compressed over max_ratio */
	uint64_t decoded;                /* body bytes decoded so far (kept or not) */
	int sink_rc;                     /* first non-zero return of the sink */
	char *location;                  /* raw Location header of the last response */
	long retry_after_ms;             /* from Retry-After, or -1 */
	char errbuf[CURL_ERROR_SIZE];
};

/* The async face (http_multi.c). */
int weft__http_start(struct weft_fetcher *f, const struct weft_request *req,
		     struct weft_response *out, weft_fetch_done_fn *done, void *cookie);
int weft__http_run(struct weft_fetcher *f, int timeout_ms);
void weft__http_wake(struct weft_fetcher *f);
void weft__http_abort(struct weft_fetcher *f);
/* abort(): shut down every socket libcurl has open, waking transfers blocked on them. */
void weft__http_shutdown_sockets(struct weft__http *h);
/* abort() was called on h. */
static inline bool weft__http_aborted(struct weft__http *h)
{
	return atomic_load_explicit(&h->aborted, memory_order_relaxed);
}
size_t weft__http_in_flight(struct weft_fetcher *f);
int weft__http_multi_new(struct weft__http *h);
void weft__http_multi_free(struct weft__http *h);

/* A configured easy handle (constant options set); NULL when out of memory. */
CURL *weft__http_easy_new(struct weft__http *h);
/* Point easy at this transfer: URL, callbacks, error buffer. */
int weft__xfer_begin(struct weft__xfer *x, struct weft__http *h, CURL *easy,
		     const struct weft_request *req, struct weft_response *out);
/* Fill x->out from the finished transfer. */
void weft__xfer_finish(struct weft__xfer *x, CURLcode rc);
/* After finish: milliseconds to wait before retry number `attempt` (1-based), or -1. A HEAD
   the server refused is retried at once as a GET: x->req then says so. */
long weft__xfer_retry_delay(struct weft__xfer *x, int attempt);
/* Release the transfer's own state (not the response). */
void weft__xfer_clear(struct weft__xfer *x);

#endif
