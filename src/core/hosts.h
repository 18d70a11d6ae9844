/*
 * hosts.h -- per-host politeness: who may send the next request to a host, and when.
 *
 * A host is an origin: scheme, host and port, as the first part of a canonical URL
 * ("https://example.org:8443"). For each one the crawl keeps:
 *   - requests in flight, against --max-per-host;
 *   - the earliest start of the next request: the last start plus the host's delay (the larger
 *     of --delay and robots.txt's Crawl-delay, capped), i.e. start-to-start pacing;
 *   - a block until time T after a 429 or 503: the server's Retry-After, or a back-off that
 *     doubles with each refusal that names no time (capped), for the whole host;
 *   - its robots.txt rules, fetched once before any other request and kept for at most 24 h.
 *
 * The same table serves both ways of scheduling: the frontier (frontier.c: event and pool
 * engines) asks "which host is ready, and when is the next one", and the gate (gate.c: the
 * lecture's serial, mutex and channel crawlers) makes a thread wait until its host is ready.
 *
 * Locking: none inside. The table and every host in it belong to whoever owns the table (the
 * frontier's caller's lock, or the gate's mutex).
 */
#ifndef WEFT_HOSTS_H
#define WEFT_HOSTS_H

#include "internal.h"
#include "core/fifo.h"

struct weft__robots;

enum weft__robots_state {
	WEFT__ROBOTS_NONE = 0, /* not fetched yet */
	WEFT__ROBOTS_PENDING,  /* being fetched now */
	WEFT__ROBOTS_READY,    /* rules known (robots may be NULL: robots.txt is off) */
};

struct weft__host {
	char *key;                  /* "scheme://host[:port]" */
	size_t key_len;
	uint64_t fp;                /* fingerprint of key */
	int in_flight;              /* requests started and not ended */
	double next_start;          /* monotonic seconds: no request starts before this */
	double blocked_until;       /* 429/503: no request starts before this */
	double backoff;             /* seconds of the next back-off without Retry-After; 0 none */
	double delay;               /* start-to-start gap for this host, seconds */
	enum weft__robots_state robots_state;
	struct weft__robots *robots;/* owned; immutable once set */
	double robots_expires;      /* refetch robots.txt after this */
	int robots_failures;        /* consecutive 5xx/unreachable robots.txt fetches */
	struct weft__str *robots_url; /* the robots.txt URL to fetch next (redirects move it) */
	int robots_hops;            /* redirects followed for robots.txt */
	uint8_t down;               /* robots.txt got no answer at all: the enum weft_fetch_err */

	/* The gate's part: threads waiting for this host (NULL until one waits). */
	pthread_cond_t *cv;

	/* The frontier's part (unused by the gate). */
	struct weft__fifo queue;    /* admitted jobs waiting for this host */
	size_t heap_pos;            /* index in the frontier's ready heap, or SIZE_MAX */
};

/* Settings every host shares, from the crawl's configuration. */
struct weft__host_policy {
	int max_in_flight;          /* 0: unlimited */
	double delay;               /* --delay, seconds */
	double max_crawl_delay;     /* cap on robots.txt Crawl-delay; < 0: ignore Crawl-delay */
	double backoff_first;       /* first back-off without Retry-After, seconds */
	double backoff_max;         /* cap on any one block, Retry-After included */
	bool robots;                /* fetch and obey robots.txt */
	const char *agent;          /* robots.txt product token */
};

struct weft__hosts;

int weft__hosts_new(struct weft__hosts **out, const struct weft__host_policy *pol);
void weft__hosts_free(struct weft__hosts **t);
const struct weft__host_policy *weft__hosts_policy(const struct weft__hosts *t);

/* The host of a canonical http(s) URL, made on first use. NULL when out of memory. */
struct weft__host *weft__hosts_get(struct weft__hosts *t, const char *url, size_t len);
/* Length of the origin prefix of a canonical URL ("https://h:1" of "https://h:1/x"). */
size_t weft__origin_len(const char *url, size_t len);

/* The origin of a canonical URL followed by path ("/robots.txt"), as a new string. */
struct weft__str *weft__origin_path(const char *url, size_t len, const char *path);

/* Earliest time a request may start on h, ignoring the in-flight limit and robots. */
double weft__host_ready_at(const struct weft__host *h);
/* May a request start on h now (in-flight limit and time)? */
bool weft__host_can_start(const struct weft__hosts *t, const struct weft__host *h, double now);
/* A request starts on h now. */
void weft__host_start(struct weft__host *h, double now);
/*
 * A request on h ended. block -1: not refused (ends the host's back-off); block >= 0: the server
 * refused (429/503) and said when to come back: block the whole host that many seconds (capped);
 * block -2: refused with no time given: block it for the doubling back-off.
 */
void weft__host_end(const struct weft__hosts *t, struct weft__host *h, double now, double block);

/* Does h need its robots.txt fetched before anything else (none yet, or expired)? */
bool weft__host_needs_robots(const struct weft__hosts *t, struct weft__host *h, double now);
/* Take the rules of a finished robots.txt fetch (owned now): set Crawl-delay and the expiry. */
void weft__host_set_robots(const struct weft__hosts *t, struct weft__host *h,
			   struct weft__robots *r, double now);
/* May url be fetched under h's robots.txt? WEFT__SKIP_NONE (also when robots.txt is off or
   not known), WEFT__SKIP_ROBOTS, or WEFT__SKIP_DOWN (the host never answered; *err its kind). */
int weft__host_verdict(const struct weft__host *h, const char *url, uint8_t *err);

/* Visit every host (for stats, and for the frontier's teardown). */
void weft__hosts_each(struct weft__hosts *t, void (*fn)(struct weft__host *h, void *arg),
		      void *arg);
size_t weft__hosts_count(const struct weft__hosts *t);

#endif
