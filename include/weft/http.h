/*
 * weft/http.h -- the HTTP(S) fetcher on libcurl.
 *
 * Redirects are not followed inside a fetch: a 3xx response is returned with its absolute
 * target in weft_response.redirect, and the crawl admits the target like any link (deduplicated,
 * every hop recorded, loops and long chains reported as errors). Bodies of text/html and
 * application/xhtml+xml pages with a 2xx status are parsed for links as they arrive (weft/
 * extract.h); other content is fetched and counted, not parsed.
 */
#ifndef WEFT_HTTP_H
#define WEFT_HTTP_H

#include <weft/fetcher.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Settings of the HTTP fetcher. Fill with weft_http_options_init(); strings are copied. */
struct weft_http_options {
	const char *user_agent;        /* default "weft/<version>" */
	const char *const *headers;    /* extra request headers, "Name: value" */
	size_t n_headers;
	uint64_t max_body;             /* bytes kept per response; the rest is dropped and the
					  record says truncated (default 10 MiB) */
	long connect_timeout_ms;       /* default 10 000 */
	long timeout_ms;               /* whole transfer, default 30 000 */
	long low_speed_bytes;          /* abort when slower than this many bytes/s ... */
	long low_speed_secs;           /* ... for this long (defaults 100 B/s for 15 s) */
	int retries;                   /* extra attempts for transient failures (default 2) */
	long retry_base_ms;            /* first backoff; doubles per attempt (default 200) */
	long retry_max_ms;             /* cap on one wait, Retry-After included (default 10 000) */
	bool cookies;                  /* keep cookies across requests (default off) */
	bool insecure;                 /* do not verify TLS certificates (default off) */
	bool http2;                    /* offer HTTP/2 (default on; used where the server agrees) */
	int max_host_connections;      /* per host (async face), 0 = libcurl's default */
	unsigned max_ratio;            /* a compressed body decoding to more than this many
					  times its size on the wire is a WEFT_FE_TOO_BIG error
					  (a gzip bomb), checked once the decoded body passes
					  WEFT_HTTP_RATIO_MIN_BYTES; 0 = no check (default 100) */
	unsigned reserved[7];
};

/* Decoded bytes after which max_ratio is checked (1 MiB): small bodies compress as they like. */
#define WEFT_HTTP_RATIO_MIN_BYTES (1u << 20)

WEFT_API void weft_http_options_init(struct weft_http_options *o);

/*
 * A blocking, thread-safe HTTP fetcher: each concurrent fetch uses its own reused easy handle;
 * DNS, TLS sessions and connections are shared through libcurl's share interface. Call
 * weft_global_init() first. On error writes a message to err.
 */
WEFT_API int weft_fetcher_http(struct weft_fetcher **out, const struct weft_http_options *o,
			       char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
