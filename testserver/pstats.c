/*
 * pstats.c -- per-host politeness accounting and rate limiting (--hosts mode).
 *
 * For every host (every request except /_test/ paths) it keeps: requests in flight now
 * and at most, the smallest gap between two request starts, the request count, how many
 * times each URL was served (any status but 429; a URL served twice is a duplicate),
 * requests to /private/ paths, 429s sent and Retry-After violations.
 *
 * A request is in flight from pstats_begin() (server.c calls it when the request's
 * headers are complete, in the access handler's first call) until pstats_end() (from
 * MHD's completion callback, which runs once the response has been written out or the
 * connection failed, also for responses that were delayed by suspending the connection).
 * The begin/end pair is exact: MHD calls the completion callback for every request
 * whose access handler ran. The server notes the end a few microseconds after the client
 * may have read the last byte, so a client that opens a new connection at once may
 * rarely be seen overlapping its previous request.
 *
 * Rate limiting (--rate-limit K): per host, the K-th normal page request (pstats_begin's
 * counted flag) and every K-th after it get a 429 and block the host for one second; any
 * request to the host before the block ends is a violation and also gets a 429 carrying
 * the remaining time.
 *
 * Threading: one mutex per host; hosts never share state, so unrelated hosts never
 * contend. Counters are only touched under their host's lock.
 */
#include "ts.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_NS 1000000000u	/* how long a rate-limit 429 blocks its host */
/*
 * A request that arrives within this long of the 429 being sent was already on its way, or
 * was started by a client that had not yet read the 429 (it sits in the socket while the
 * client handles another answer that came at the same moment): it is refused like any other
 * request in the block, but not counted as a violation. A client that waits out Retry-After
 * never comes near it; one that ignores the block arrives later than this.
 */
#define GRACE_NS 50000000u	/* 50 ms: a sanitizer build on two busy cores is slow */
#define MAX_DUP_LIST 20		/* duplicate URLs listed per host in the JSON */

struct url_count {
	char *url;		/* NULL = empty slot */
	unsigned served;
};

struct host_acct {
	pthread_mutex_t mu;
	unsigned in_flight, max_in_flight;
	bool any_start;
	uint64_t last_start, min_gap;	/* ns; min_gap valid once two requests started */
	uint64_t requests, private_req, sent_429, violations;
	uint64_t pages;			/* normal page requests, for the rate limit */
	uint64_t blocked_until;		/* ns, monotonic; 0 = not blocked */
	struct url_count *map;		/* open addressing, cap a power of two */
	size_t cap, used;
	uint64_t dup_requests;		/* served beyond the first, summed over URLs */
	size_t dup_urls;		/* URLs served more than once */
};

struct pstats {
	unsigned n;			/* hosts 0..n-1 */
	unsigned rate_limit;		/* 0 = off */
	unsigned port;
	struct host_acct *h;
};

struct pstats *pstats_new(unsigned nhosts, unsigned rate_limit)
{
	struct pstats *ps = calloc(1, sizeof *ps);
	if (!ps)
		return NULL;
	ps->h = calloc(nhosts, sizeof *ps->h);
	if (!ps->h) {
		free(ps);
		return NULL;
	}
	ps->n = nhosts;
	ps->rate_limit = rate_limit;
	for (unsigned i = 0; i < nhosts; i++)
		pthread_mutex_init(&ps->h[i].mu, NULL);
	return ps;
}

void pstats_set_port(struct pstats *ps, unsigned port)
{
	ps->port = port;
}

static void map_clear(struct host_acct *a)
{
	for (size_t i = 0; i < a->cap; i++)
		free(a->map[i].url);
	free(a->map);
	a->map = NULL;
	a->cap = a->used = 0;
	a->dup_requests = 0;
	a->dup_urls = 0;
}

void pstats_free(struct pstats *ps)
{
	if (!ps)
		return;
	for (unsigned i = 0; i < ps->n; i++) {
		map_clear(&ps->h[i]);
		pthread_mutex_destroy(&ps->h[i].mu);
	}
	free(ps->h);
	free(ps);
}

static size_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)h;
}

static struct url_count *map_slot(struct url_count *map, size_t cap, const char *url)
{
	size_t i = str_hash(url) & (cap - 1);
	while (map[i].url && strcmp(map[i].url, url) != 0)
		i = (i + 1) & (cap - 1);
	return &map[i];
}

/* Double the map (or create it); false when out of memory. Lock held. */
static bool map_grow(struct host_acct *a)
{
	size_t cap = a->cap ? a->cap * 2 : 64;
	struct url_count *m = calloc(cap, sizeof *m);
	if (!m)
		return false;
	for (size_t i = 0; i < a->cap; i++)
		if (a->map[i].url)
			*map_slot(m, cap, a->map[i].url) = a->map[i];
	free(a->map);
	a->map = m;
	a->cap = cap;
	return true;
}

/* Count one serving of url; lock held. Out of memory only loses this count. */
static void map_count(struct host_acct *a, const char *url)
{
	if ((a->used + 1) * 10 > a->cap * 7 && !map_grow(a))
		return;
	struct url_count *e = map_slot(a->map, a->cap, url);
	if (!e->url) {
		if (!(e->url = strdup(url)))
			return;
		a->used++;
	}
	if (++e->served == 2)
		a->dup_urls++;
	if (e->served >= 2)
		a->dup_requests++;
}

static unsigned map_get(const struct host_acct *a, const char *url)
{
	if (!a->cap)
		return 0;
	const struct url_count *e = map_slot(a->map, a->cap, url);
	return e->url ? e->served : 0;
}

/*
 * A request to host arrived (headers complete). page: a normal page, counted by the rate
 * limit. Fills v: whether to answer 429, and how long the host stays blocked. The clock
 * is read under the host's lock, so starts are seen in time order and gaps are exact.
 */
void pstats_begin(struct pstats *ps, unsigned host, const char *path, bool page,
		  struct pverdict *v)
{
	struct host_acct *a = &ps->h[host];
	*v = (struct pverdict){0};
	pthread_mutex_lock(&a->mu);
	uint64_t now_ns = ts_now_ns();
	if (++a->in_flight > a->max_in_flight)
		a->max_in_flight = a->in_flight;
	if (a->any_start) {
		uint64_t gap = now_ns - a->last_start;
		if (a->requests < 2 || gap < a->min_gap)
			a->min_gap = gap;
	}
	a->any_start = true;
	a->last_start = now_ns;
	a->requests++;
	if (ts_has_prefix(path, "/private/"))
		a->private_req++;
	if (a->blocked_until > now_ns) {
		if (now_ns >= a->blocked_until - BLOCK_NS + GRACE_NS)
			a->violations++;
		v->violation = v->limited = true;
		v->retry_ns = a->blocked_until - now_ns;
	} else if (page && ps->rate_limit && ++a->pages % ps->rate_limit == 0) {
		v->limited = true; /* the block starts when the 429 is sent (pstats_end) */
		v->retry_ns = BLOCK_NS;
	}
	if (v->limited)
		a->sent_429++;
	pthread_mutex_unlock(&a->mu);
}

/* The reply to a request of host is built: count url as served unless it is a 429. */
void pstats_served(struct pstats *ps, unsigned host, const char *url, unsigned status)
{
	struct host_acct *a = &ps->h[host];
	if (status == 429)
		return;
	pthread_mutex_lock(&a->mu);
	map_count(a, url);
	pthread_mutex_unlock(&a->mu);
}

/* The request is over: its reply is queued, or the connection ended. */
void pstats_end(struct pstats *ps, unsigned host, bool block)
{
	struct host_acct *a = &ps->h[host];
	pthread_mutex_lock(&a->mu);
	if (block)
		a->blocked_until = ts_now_ns() + BLOCK_NS;
	a->in_flight--;
	pthread_mutex_unlock(&a->mu);
}

/* Forget everything counted so far (requests in flight stay in flight). */
void pstats_reset(struct pstats *ps)
{
	for (unsigned i = 0; i < ps->n; i++) {
		struct host_acct *a = &ps->h[i];
		pthread_mutex_lock(&a->mu);
		map_clear(a);
		a->max_in_flight = a->in_flight;
		a->any_start = false;
		a->last_start = a->min_gap = 0;
		a->requests = a->private_req = a->sent_429 = a->violations = a->pages = 0;
		a->blocked_until = 0;
		pthread_mutex_unlock(&a->mu);
	}
}

/* ---- JSON ------------------------------------------------------------------------ */

static void json_str(struct sb *b, const char *s)
{
	sb_puts(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			sb_printf(b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			sb_printf(b, "\\u%04x", c);
		else
			sb_add(b, s, 1);
	}
	sb_puts(b, "\"");
}

/* A copy of one host's numbers, taken under its lock. */
struct snap {
	unsigned in_flight, max_in_flight;
	uint64_t requests, private_req, sent_429, violations, dup_requests, robots;
	size_t dup_urls;
	bool have_gap;
	uint64_t min_gap;
};

static void add_counts(struct sb *b, const struct snap *s)
{
	sb_printf(b, "\"requests\": %llu, \"in_flight\": %u, \"max_in_flight\": %u, ",
		  (unsigned long long)s->requests, s->in_flight, s->max_in_flight);
	if (s->have_gap)
		sb_printf(b, "\"min_gap_ms\": %.3f, ", (double)s->min_gap / 1e6);
	else
		sb_puts(b, "\"min_gap_ms\": null, ");
	sb_printf(b, "\"duplicate_urls\": %zu, \"duplicate_requests\": %llu, "
		     "\"private\": %llu, \"status_429\": %llu, \"violations\": %llu, "
		     "\"robots_txt\": %llu",
		  s->dup_urls, (unsigned long long)s->dup_requests,
		  (unsigned long long)s->private_req, (unsigned long long)s->sent_429,
		  (unsigned long long)s->violations, (unsigned long long)s->robots);
}

/* Up to MAX_DUP_LIST duplicate URLs of a host with their counts; lock held. */
static void add_dups(struct sb *b, const struct host_acct *a)
{
	unsigned k = 0;
	sb_puts(b, ", \"duplicates\": [");
	for (size_t i = 0; i < a->cap && k < MAX_DUP_LIST; i++) {
		if (!a->map[i].url || a->map[i].served < 2)
			continue;
		sb_puts(b, k++ ? ", {\"url\": " : "{\"url\": ");
		json_str(b, a->map[i].url);
		sb_printf(b, ", \"served\": %u}", a->map[i].served);
	}
	sb_puts(b, "]");
}

/* One host's JSON member; also returns its numbers for the totals. */
static void add_host(struct pstats *ps, unsigned i, struct sb *b, struct snap *s)
{
	struct host_acct *a = &ps->h[i];
	char name[32];
	hosts_name(i, name, sizeof name);
	pthread_mutex_lock(&a->mu);
	*s = (struct snap){a->in_flight, a->max_in_flight, a->requests, a->private_req,
			   a->sent_429, a->violations, a->dup_requests,
			   map_get(a, "/robots.txt"), a->dup_urls, a->requests >= 2, a->min_gap};
	sb_printf(b, "%s    \"%s:%u\": {\"host\": %u, ", i ? ",\n" : "", name, ps->port, i);
	add_counts(b, s);
	add_dups(b, a);
	pthread_mutex_unlock(&a->mu);
	sb_puts(b, "}");
}

static void add_total(struct snap *t, const struct snap *s)
{
	t->in_flight += s->in_flight;
	if (s->max_in_flight > t->max_in_flight)
		t->max_in_flight = s->max_in_flight;
	t->requests += s->requests;
	t->private_req += s->private_req;
	t->sent_429 += s->sent_429;
	t->violations += s->violations;
	t->dup_requests += s->dup_requests;
	t->dup_urls += s->dup_urls;
	t->robots += s->robots;
	if (s->have_gap && (!t->have_gap || s->min_gap < t->min_gap))
		t->min_gap = s->min_gap;
	t->have_gap = t->have_gap || s->have_gap;
}

/*
 * The whole accounting as JSON: {"port": P, "hosts": {"ADDR:PORT": {...}, ...},
 * "totals": {...}}. Hosts are locked one at a time, so the totals are a sum of
 * per-host snapshots, not one atomic snapshot (exact when the server is idle).
 */
void pstats_json(struct pstats *ps, struct sb *b)
{
	struct snap s, t = {0};
	sb_printf(b, "{\n  \"port\": %u,\n  \"hosts\": {\n", ps->port);
	for (unsigned i = 0; i < ps->n; i++) {
		add_host(ps, i, b, &s);
		add_total(&t, &s);
	}
	sb_puts(b, "\n  },\n  \"totals\": {");
	add_counts(b, &t);
	sb_puts(b, "}\n}\n");
}

/* Write the JSON to file (--stats); false after printing the problem. */
bool pstats_write(struct pstats *ps, const char *file)
{
	struct sb b = {0};
	pstats_json(ps, &b);
	FILE *f = b.oom ? NULL : fopen(file, "w");
	bool ok = f && fwrite(b.p, 1, b.len, f) == b.len;
	if (f && fclose(f) != 0)
		ok = false;
	if (!ok)
		fprintf(stderr, TS_PROG ": --stats '%s': cannot write it\n", file);
	sb_free(&b);
	return ok;
}
