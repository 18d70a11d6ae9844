/*
 * ts.h -- internal interfaces of weft-testserver, the project's own HTTP test server.
 *
 * The server is one process: main.c parses the command line and owns the lifetime,
 * server.c runs the libmicrohttpd daemon (epoll, thread pool) and dispatches requests to
 * the three "modes" -- site.c (the generated site), dirserve.c (a directory on disk) and
 * hostile.c (the /_test/ endpoints) -- and delay.c holds the one timer thread that resumes
 * suspended connections when their deadline passes (latency without blocking a worker).
 * expect.c computes the expected crawl of the generated site; util.c has small helpers.
 * With --hosts, hosts.c listens on many loopback addresses, pstats.c keeps per-host
 * politeness counters (one mutex per host) and polite.c serves the many-host site.
 *
 * Threading: every mode handler runs on a libmicrohttpd worker thread and must be
 * thread-safe; shared state is either immutable after startup, published with atomics
 * (page cache) or behind a mutex (flaky counters, delay heap).
 */
#ifndef WEFT_TESTSERVER_TS_H
#define WEFT_TESTSERVER_TS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <microhttpd.h>

#define TS_PROG "weft-testserver"
#define TS_HTML "text/html"

/* Command-line configuration; immutable once the daemon starts. */
struct ts_config {
	unsigned port;		/* requested port, 0 = ephemeral */
	const char *port_file;	/* write the bound port here, or NULL */
	unsigned threads;	/* libmicrohttpd worker threads */
	unsigned conn_limit;	/* max concurrent connections, 0 = derive from RLIMIT_NOFILE */
	unsigned latency_ms;	/* delay added to every response */
	bool log;		/* one line per request on stderr */
	const char *dir;	/* --dir: directory to serve, or NULL */
	const char *prefix;	/* --prefix: URL prefix of the directory ("/" default) */
	uint32_t site_n;	/* --site: number of pages, 0 = no generated site */
	unsigned fanout;	/* --fanout */
	uint64_t seed;		/* --seed */
	const char *expect;	/* --expect FILE, or NULL */
	size_t big_bytes;	/* body size of /big/ pages */
	unsigned slow_ms;	/* extra latency of /slow/ pages */
	unsigned hosts;		/* --hosts: loopback hosts 1..N besides 127.0.0.1, 0 = off */
	unsigned rate_limit;	/* --rate-limit K: every K-th page request per host gets 429 */
	bool retry_after_date;	/* --retry-after-date: HTTP-date form of Retry-After */
	const char *crawl_delay;	/* --crawl-delay: robots.txt Crawl-delay value, or NULL */
	const char *stats;	/* --stats FILE: politeness accounting written at exit */
	bool hostile;		/* --hostile: the hostile site (trap.c), blackhole on */
	bool blackhole;		/* --blackhole: a port that accepts and never answers */
	const char *tls_cert;	/* --tls-cert FILE (PEM): an HTTPS port too */
	const char *tls_key;	/* --tls-key FILE (PEM) */
};

/*
 * What a mode handler answers: a response to queue, its status, and an extra delay
 * (on top of --latency) before it is sent. A shared response is cached by its owner and
 * must not be destroyed after queueing.
 */
struct ts_reply {
	struct MHD_Response *resp;
	unsigned status;
	bool shared;
	unsigned delay_ms;
};

/* ---- util.c ---- */

/* A growable string; on allocation failure it sets oom and ignores further appends. */
struct sb {
	char *p;
	size_t len, cap;
	bool oom;
};

uint64_t ts_now_ns(void);
void sb_add(struct sb *b, const char *s, size_t n);
void sb_puts(struct sb *b, const char *s);
void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_free(struct sb *b);
bool ts_parse_u64(const char *s, uint64_t max, uint64_t *out);
bool ts_parse_id(const char *s, const char *suffix, uint32_t *out);
bool ts_has_prefix(const char *s, const char *prefix);
void ts_json_string(FILE *f, const char *s);
size_t ts_url_encode_path(const char *in, char *out, size_t cap);

struct MHD_Response *ts_resp_copy(const void *body, size_t len, const char *ctype);
struct MHD_Response *ts_resp_sb(struct sb *b, const char *ctype);
bool ts_html_reply(struct ts_reply *r, unsigned status, const char *title, const char *text);
bool ts_redirect_reply(struct ts_reply *r, unsigned status, const char *location);

/* ---- delay.c ---- */

struct ts_delay;

struct ts_delay *delay_start(void);
bool delay_suspend(struct ts_delay *d, struct MHD_Connection *c, uint64_t deadline_ns);
void delay_shutdown(struct ts_delay *d);
void delay_free(struct ts_delay *d);

/* ---- site.c / expect.c ---- */

struct site;

struct site *site_new(uint32_t n, unsigned fanout, uint64_t seed, size_t big_bytes,
		      unsigned slow_ms);
bool site_set_port(struct site *s, unsigned port);
void site_free(struct site *s);
bool site_handle(struct site *s, const char *path, struct ts_reply *r);
int site_write_expect(const struct site *s, const char *file);

/* ---- dirserve.c ---- */

bool dir_handle(const struct ts_config *cfg, const char *path, struct ts_reply *r);

/* ---- hostile.c ---- */

struct hostile;

struct hostile *hostile_new(struct ts_delay *delay);
void hostile_free(struct hostile *h);
bool hostile_handle(struct hostile *h, struct MHD_Connection *c, const char *path, bool head,
		    struct ts_reply *r);
void hostile_set_blackhole(struct hostile *h, unsigned port);

/* ---- bomb.c (/_test/gzip-bomb) ---- */

struct bomb;

struct bomb *bomb_new(void);
void bomb_free(struct bomb *b);
bool bomb_reply(const struct bomb *b, uint64_t mb, struct ts_reply *r);

/* ---- trap.c (--hostile) ---- */

#define TRAP_OK_PAGES 20

struct trap_site;

struct trap_site *trap_new(void);
void trap_set_ports(struct trap_site *t, unsigned blackhole, unsigned tls);
void trap_free(struct trap_site *t);
bool trap_handle(struct trap_site *t, struct MHD_Connection *c, const char *path,
		 struct ts_reply *r);

/* ---- blackhole.c, tls.c (--hostile, --blackhole, --tls-cert) ---- */

struct blackhole;

struct blackhole *blackhole_start(void);
unsigned blackhole_port(const struct blackhole *b);
void blackhole_stop(struct blackhole *b);

struct ts_tls;

struct ts_tls *tls_start(const char *cert_file, const char *key_file);
unsigned tls_port(const struct ts_tls *t);
void tls_stop(struct ts_tls *t);

/* ---- gz.c ---- */

bool ts_gzip(const void *in, size_t len, void **out, size_t *out_len);

/* ---- hosts.c (--hosts) ---- */

struct ts_hosts;

struct ts_hosts *hosts_listen(unsigned n, unsigned port);
unsigned hosts_port(const struct ts_hosts *h);
void hosts_name(unsigned i, char *buf, size_t len);
struct sockaddr;
int hosts_index(const struct ts_hosts *h, const struct sockaddr *sa);
bool hosts_run(struct ts_hosts *h, struct MHD_Daemon *daemon);
void hosts_stop(struct ts_hosts *h);
void hosts_free(struct ts_hosts *h);

/* ---- pstats.c (--hosts) ---- */

struct pstats;

/* What the rate limit decided for one request. */
struct pverdict {
	bool limited;		/* answer 429 */
	bool violation;		/* the host was blocked when it arrived */
	uint64_t retry_ns;	/* time until the block ends */
};

struct pstats *pstats_new(unsigned nhosts, unsigned rate_limit);
void pstats_set_port(struct pstats *ps, unsigned port);
void pstats_free(struct pstats *ps);
void pstats_begin(struct pstats *ps, unsigned host, const char *path, bool page,
		  struct pverdict *v);
void pstats_served(struct pstats *ps, unsigned host, const char *url, unsigned status);
/* The request's reply is queued (or the connection ended). block: it was a rate-limit 429, so
   the host's block starts now. */
void pstats_end(struct pstats *ps, unsigned host, bool block);
void pstats_reset(struct pstats *ps);
void pstats_json(struct pstats *ps, struct sb *b);
bool pstats_write(struct pstats *ps, const char *file);

/* ---- polite.c (--hosts N --site M) ---- */

struct polite;

struct polite *polite_new(unsigned nhosts, uint32_t pages, uint64_t seed,
			  const char *crawl_delay);
void polite_set_port(struct polite *p, unsigned port);
void polite_free(struct polite *p);
bool polite_is_page(const struct polite *p, unsigned host, const char *path);
bool polite_handle(struct polite *p, unsigned host, const char *path, struct ts_reply *r);
int polite_write_expect(const struct polite *p, const char *file);

/* ---- server.c ---- */

struct ts_server;

struct ts_server *server_start(const struct ts_config *cfg, struct site *site,
			       struct polite *polite, unsigned *port_out);
void server_stop(struct ts_server *srv);
/* The blackhole's and the TLS daemon's ports, 0 when not running. */
unsigned server_blackhole_port(const struct ts_server *srv);
unsigned server_tls_port(const struct ts_server *srv);

#endif
