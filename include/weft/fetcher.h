/*
 * weft/fetcher.h -- the Fetcher interface: how a crawl gets a page and its links.
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
 * with weft_response_reset() (which keeps keep_body). Every string is owned by the response.
 * A 429 or 503 is returned to the crawl, not retried inside the fetcher: the crawl blocks the
 * whole host for its Retry-After and retries the URL later.
 */
struct weft_response {
	int status;                 /* HTTP status; 0 for a transport error */
	enum weft_fetch_err error;  /* WEFT_FE_NONE unless the fetch failed */
	char *error_msg;            /* detail for error, or NULL */
	char *final_url;            /* the URL the body came from (NULL = the requested URL) */
	char *content_type;         /* media type without parameters, lower case, or NULL */
	char *redirect;             /* absolute Location target of a 3xx response, or NULL */
	uint64_t bytes;             /* body bytes received */
	double ms;                  /* wall time */
	bool truncated;             /* body cut at the size limit */
	size_t n_links;             /* absolute URLs of the links on the page, document order */
	char **links;
	size_t cap_links;           /* private: allocated slots in links */
	long retry_after_ms;        /* a 429/503's Retry-After, ms from the answer; -1: none */
	uint64_t keep_body;         /* set by the caller before the fetch: keep up to this many
				       body bytes in body (robots.txt, sitemaps); 0: keep none */
	char *body;                 /* the kept bytes (NUL-terminated), or NULL */
	size_t body_len;
	bool aborted;               /* set by the fetcher: abandoned by abort(), no result */
};

WEFT_API void weft_response_init(struct weft_response *r);
/* Free everything the response owns and make it empty again. */
WEFT_API void weft_response_reset(struct weft_response *r);
/* Drop the links (e.g. of a failed attempt), keeping everything else. */
WEFT_API void weft_response_reset_links(struct weft_response *r);
/* Append body bytes to keep (up to keep_body; the rest is dropped and truncated set). */
WEFT_API int weft_response_keep(struct weft_response *r, const void *p, size_t len);
/* Append a link (copied, len bytes, need not be NUL-terminated). */
WEFT_API int weft_response_add_link(struct weft_response *r, const char *url, size_t len);
/* Mark the response failed with kind e and a printf-style message. */
WEFT_API int weft_response_set_error(struct weft_response *r, enum weft_fetch_err e,
				     const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Replace the string *field (one of the response's char * members) with a copy of s. */
WEFT_API int weft_response_set_str(char **field, const char *s);

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
	 * Blocking face: fetch url into *out (already initialised). Returns 0 with per-URL failures
	 * recorded in *out; a negative enum weft_err only for failures of the fetcher itself.
	 */
	int (*fetch)(struct weft_fetcher *f, const char *url, struct weft_response *out);
	/*
	 * Async face: start fetching url into *out; done(cookie, out) is called from run() when it
	 * ends. If start() returns an error, done is never called.
	 */
	int (*start)(struct weft_fetcher *f, const char *url, struct weft_response *out,
		     weft_fetch_done_fn *done, void *cookie);
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
