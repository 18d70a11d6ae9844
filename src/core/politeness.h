/*
 * politeness.h -- what the crawl does with a host's answer, and the gate that makes the
 * lecture's thread-per-URL crawlers polite.
 *
 * A fetch ends with a *fate* (weft__visit_end fills it): a page was done; or the server refused
 * it (429, 503) and it goes back to wait out the host's block; or it was a robots.txt fetch
 * whose rules, redirect or failure the host takes. weft__host_settle() applies a fate to a host
 * the same way for the frontier (event, pool) and for the gate (serial, mutex, channel).
 *
 * The gate keeps the lecture's designs as they are -- a thread per URL, a master and a channel
 * -- and puts the politeness where a Go programmer would: around the Fetch call. A thread
 * about to fetch waits on the gate's condition variable until its host is ready (robots.txt
 * known, fetched by the first thread that needs it while the others wait; a free slot; its
 * delay and any Retry-After block passed), fetches, and releases the slot. A thread never holds
 * a slot while it waits, so parents waiting for children cannot deadlock on it.
 *
 * Locking: the gate's mutex guards its host table; it is a leaf lock except that the reporters'
 * lock may be taken inside it (never the reverse).
 */
#ifndef WEFT_POLITENESS_H
#define WEFT_POLITENESS_H

#include "internal.h"
#include "core/hosts.h"

#define WEFT__MAX_REFUSALS 10    /* 429/503 answers before a URL is recorded as failed */
#define WEFT__ROBOTS_MAX_HOPS 5  /* RFC 9309 §2.3.1.2: follow at least five redirects */
#define WEFT__ROBOTS_TRIES 3     /* 5xx/unreachable robots.txt: tries before giving up */
#define WEFT__ROBOTS_MAX_BYTES (500u * 1024u) /* RFC 9309 §2.5: parse at least 500 KiB */

/* What became of a fetch, for its host. */
struct weft__fate {
	bool retry;                   /* refused (429/503): the job goes back and waits */
	double block;                 /* -1: not refused; -2: refused with no time; else seconds */
	struct weft__robots *robots;  /* robots.txt job: its rules (owned; the host takes them) */
	struct weft__str *robots_next;/* robots.txt job: redirected there; fetch it next */
	bool robots_failed;           /* robots.txt job: 5xx or unreachable */
	uint8_t robots_down;          /* robots.txt job: no answer at all (enum weft_fetch_err) */
};

void weft__fate_init(struct weft__fate *f);
void weft__fate_clear(struct weft__fate *f);

/* The host policy of a crawl, from its configuration. */
void weft__politeness_policy(const struct weft_crawl *c, struct weft__host_policy *pol);
/* A job fetching h's robots.txt. */
int weft__robots_job(struct weft__host *h, struct weft__job *out);
/* A request of job on h ended with fate (NULL: done): release the slot, apply blocks, take
   robots.txt results. Does not requeue the job (the caller does, when fate->retry). */
void weft__host_settle(struct weft__hosts *t, struct weft__host *h, const struct weft__job *job,
		       struct weft__fate *fate, double now);

struct weft__gate;

int weft__gate_new(struct weft__gate **out, struct weft_crawl *c);
void weft__gate_free(struct weft__gate **g);
/*
 * Wait until a request for job may start on its host, and count it in flight. Fetches the
 * host's robots.txt first if nobody has. Returns WEFT__SKIP_NONE when the request may start;
 * else, with no slot taken, WEFT__SKIP_ROBOTS or WEFT__SKIP_DOWN (*err: why), or -1 when the
 * crawl was canceled while waiting.
 */
int weft__gate_enter(struct weft__gate *g, const struct weft__job *job, uint8_t *err);
/* The request entered for job ended with fate (NULL: done). */
void weft__gate_leave(struct weft__gate *g, const struct weft__job *job, struct weft__fate *fate);
/* The crawl stops: wake every thread waiting at the gate (they see the canceled flag). */
void weft__gate_wake_all(struct weft__gate *g);
/* Move sitemap jobs found in robots.txt files (--sitemap) into out. */
int weft__gate_take_found(struct weft__gate *g, struct weft__jobs *out);

#endif
