/*
 * weft/fetcher.h -- the Fetcher interface: how a crawl gets a page's status, headers and bytes.
 *
 * The lecture's `type Fetcher interface { Fetch(url string) (urls []string, err error) }`, grown
 * into what a real crawler needs to record: status, final URL, content type, size, timing, the
 * kind of error. A fetcher is a small vtable; implementations embed struct weft_fetcher as their
 * first member. Shipped implementations: the fake web (weft/fake.h) and HTTP (weft/http.h).
 */
#ifndef WEFT_FETCHER_H
#define WEFT_FETCHER_H

#include <weft.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The outcome of one fetch. Initialise with weft_response_init(); the fetcher fills it; release
 * with weft_response_reset(). Every string is owned by the response. The body itself is not
 * here: it goes to the request's sink as it arrives.
 * A 429 or 503 is returned to the crawl, not retried inside the fetcher: the crawl blocks the
 * whole host for its Retry-After and retries the URL later.
 */
struct weft_response {
	int status;                 /* HTTP status; 0 for a transport error */
	enum weft_fetch_err error;  /* WEFT_FE_NONE unless the fetch failed */
	char *error_msg;            /* detail for error, or NULL */
	char *final_url;            /* the URL the body came from (NULL = the requested URL) */
	char *content_type;         /* media type without parameters, lower case, or NULL */
	char *charset;              /* the Content-Type's charset parameter, or NULL */
	char *redirect;             /* absolute Location target of a 3xx response, or NULL */
	uint64_t bytes;             /* body bytes received */
	double ms;                  /* wall time */
	bool truncated;             /* body cut at the size limit */
	long retry_after_ms;        /* a 429/503's Retry-After, ms from the answer; -1: none */
	bool aborted;               /* set by the fetcher: abandoned by abort(), no result */
};

WEFT_API void weft_response_init(struct weft_response *r);
/* Free everything the response owns and make it empty again. */
WEFT_API void weft_response_reset(struct weft_response *r);
/* Mark the response failed with kind e and a printf-style message. */
WEFT_API int weft_response_set_error(struct weft_response *r, enum weft_fetch_err e,
				     const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Replace the string *field (one of the response's char * members) with a copy of s. */
WEFT_API int weft_response_set_str(char **field, const char *s);

/*
 * Where a fetch's bytes go: the caller's (the crawl core's) sink. The fetcher calls it on the
 * thread driving the fetch, in this order: head() once per response, when status and headers
 * are known (again after a retried attempt: whatever an earlier attempt delivered is void);
 * body() for each piece of the body as it arrives, up to the size limit; and, from fetchers
 * whose pages are lists of links rather than bytes (the fake web), link() for each link. Any
 * member may be NULL. A non-zero return stops the fetch: it ends with error WEFT_FE_OTHER, and
 * the sink knows why. The fetcher knows nothing of HTML: what the bytes mean is the sink's
 * business.
 */
struct weft_sink {
	int (*head)(void *cookie, const struct weft_response *resp);
	int (*body)(void *cookie, const void *p, size_t len);
	int (*link)(void *cookie, const char *url, size_t len);
	void *cookie;
};

/* One fetch asked of a fetcher. url and sink are borrowed until the fetch ends. */
struct weft_request {
	const char *url;
	bool head;                    /* HEAD instead of GET: status and headers only */
	uint64_t max_body;            /* deliver at most this many body bytes; 0: the fetcher's
					 own limit (a larger value overrides it: sitemaps) */
	const struct weft_sink *sink; /* NULL: the body is read and dropped */
};

/* Capabilities a fetcher announces. */
enum {
	WEFT_FETCH_BLOCKING = 1u << 0,  /* has fetch() */
	WEFT_FETCH_THREADSAFE = 1u << 1,/* fetch() may be called from many threads at once */
	WEFT_FETCH_ASYNC = 1u << 2,     /* has start()/run()/wake() for the event engine */
	WEFT_FETCH_NETWORK = 1u << 3,   /* talks to real servers: robots.txt and per-host
					   limits apply by default */
};

struct weft_fetcher;

/* Called by an async fetcher, on the thread running run(), when a fetch it started ends. */
typedef void weft_fetch_done_fn(void *cookie, struct weft_response *resp);

struct weft_fetcher_ops {
	const char *name;
	unsigned caps;
	/*
	 * Blocking face: fetch req->url into *out (already initialised), its bytes to req->sink.
	 * Returns 0 with per-URL failures recorded in *out; a negative enum weft_err only for
	 * failures of the fetcher itself.
	 */
	int (*fetch)(struct weft_fetcher *f, const struct weft_request *req,
		     struct weft_response *out);
	/*
	 * Async face: start fetching req->url into *out (*req is copied; its url and sink stay
	 * valid until done); done(cookie, out) is called from run() when it ends. If start()
	 * returns an error, done is never called.
	 */
	int (*start)(struct weft_fetcher *f, const struct weft_request *req,
		     struct weft_response *out, weft_fetch_done_fn *done, void *cookie);
	/* Wait up to timeout_ms (-1: until something happens) and call done for finished fetches. */
	int (*run)(struct weft_fetcher *f, int timeout_ms);
	/* Make a blocked run() return soon; async-signal-safe, callable from any thread. */
	void (*wake)(struct weft_fetcher *f);
	/* Number of fetches started and not yet done. */
	size_t (*in_flight)(struct weft_fetcher *f);
	/*
	 * Optional: a sibling fetcher with the same settings and its own async face, so several
	 * event loops can run at once (caches such as DNS or TLS sessions may be shared). The
	 * sibling is freed with weft_fetcher_free() before f.
	 */
	int (*clone)(struct weft_fetcher *f, struct weft_fetcher **out);
	void (*destroy)(struct weft_fetcher *f);
	/*
	 * Optional: abandon everything in flight, at once, on both faces. Blocking fetch() calls
	 * running in other threads return soon with out->aborted set; the async face completes
	 * every started fetch (done() from the next run(), with out->aborted set) and wakes a
	 * blocked run(). Final: later fetches end at once the same way. Callable from any thread,
	 * with any lock of the caller held: it only sets a flag and wakes (no waiting for locks
	 * the fetcher's own threads may hold). Not async-signal-safe unless the fetcher says so.
	 * A clone is a fetcher of its own: abort it separately. The crawl calls it from
	 * weft_crawl_cancel() and when a run fails.
	 */
	void (*abort)(struct weft_fetcher *f);
};

struct weft_fetcher {
	const struct weft_fetcher_ops *ops;
};

WEFT_API void weft_fetcher_free(struct weft_fetcher **f);

#ifdef __cplusplus
}
#endif
#endif
