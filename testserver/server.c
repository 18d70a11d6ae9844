/*
 * server.c -- the libmicrohttpd daemon of weft-testserver and its request dispatch.
 *
 * Design: one daemon bound to 127.0.0.1 only, in MHD_USE_EPOLL_INTERNAL_THREAD mode with
 * a thread pool (--threads, default 2), a high connection limit and keep-alive (MHD's
 * default for HTTP/1.1). Each request gets a small context (struct req) allocated by the
 * URI log callback -- the first callback MHD makes for a request, which also gives us the
 * raw URI for --log -- and freed by the completion callback.
 *
 * Request flow (access handler): skip the headers-only first call (queueing there would
 * cost keep-alive), discard any upload body; build the reply once (method
 * check, then /_test/ -> hostile.c, else the generated site or the directory); if the
 * reply must be delayed (--latency plus the mode's extra delay) suspend the connection
 * through delay.c and return; when the timer resumes it, MHD calls the handler again and
 * the stored reply is queued. No handler ever sleeps.
 *
 * Threading: handlers run on the pool's worker threads; a suspended request's context
 * is only touched again by the worker that owns its connection, after the resume, so it
 * needs no lock. Shutdown: quiesce (stop accepting), resume everything that is delayed,
 * stop the daemon, then join the timer.
 *
 * --hosts N: the daemon has no listen socket (MHD_USE_NO_LISTEN_SOCKET); hosts.c binds
 * 127.0.0.1 and 127.1.X.Y, accepts, and hands connections over with MHD_add_connection.
 * A request's host is its connection's local address. pstats.c accounts every non-/_test/
 * request per host (begin in the access handler's first call, end in the completion
 * callback) and decides rate-limit 429s; polite.c serves the many-host site (--site).
 *
 * URL space: /_test/polite-stats and /_test/polite-reset (--hosts) are answered here;
 * other /_test/... is handled by hostile.c in every mode (its endpoint table is at the
 * top of hostile.c and in README.md); everything else by the generated site (--site), the
 * directory (--dir), or 404.
 */
#include "ts.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * Per-connection memory pool. MHD clears the whole pool between two requests of a
 * keep-alive connection, so its default (32 KiB) made memset the top of the profile;
 * 16 KiB still leaves room for long URLs and many request headers.
 */
#define CONN_POOL_BYTES 16384

struct ts_server {
	const struct ts_config *cfg;
	struct MHD_Daemon *daemon;
	struct ts_delay *delay;
	struct site *site;
	struct hostile *hostile;
	struct ts_hosts *hosts;		/* --hosts: the listen sockets and their acceptor */
	struct pstats *pstats;		/* --hosts: politeness accounting */
	struct polite *polite;		/* --hosts --site: the many-host site */
	struct trap_site *trap;		/* --hostile: the hostile site */
	struct blackhole *blackhole;	/* --hostile, --blackhole */
	struct ts_tls *tls;		/* --tls-cert, --tls-key */
};

/* Per-request context. */
struct req {
	struct ts_reply reply;
	bool started;		/* the access handler's first call (headers only) happened */
	bool built;		/* reply has been computed */
	bool pending;		/* suspended; reply is queued when resumed */
	unsigned status;	/* status sent, for --log */
	bool counted;		/* in the politeness accounting (pstats_begin done) */
	bool ended;		/* ... and ended (pstats_end done) */
	int host;		/* --hosts: index of the local address, -1 if unknown */
	struct pverdict verdict;	/* --hosts: what the rate limit said */
	uint64_t t0;		/* when the request line arrived */
	char method[16];
	char *uri;		/* raw URI, only with --log */
};

static const char error_page[] = "<!DOCTYPE html>\n<html><head><title>Error</title></head>"
				 "<body><p>internal error</p></body></html>\n";

/* MHD's first callback per request: allocate the context (freed in on_completed). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct ts_server *srv = cls;
	struct req *q = calloc(1, sizeof *q);
	(void)c;
	if (!q)
		return NULL;
	q->t0 = ts_now_ns();
	q->host = -1;
	if (srv->cfg->log)
		q->uri = strdup(uri);
	return q;
}

static bool method_reply(const char *method, struct ts_reply *r)
{
	if (!ts_html_reply(r, 405, "Method Not Allowed", "Only GET and HEAD are supported."))
		return false;
	return MHD_add_response_header(r->resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD") == MHD_YES;
}

/*
 * Retry-After for a rate-limited request: delta-seconds rounded up (at least 1), or with
 * --retry-after-date the HTTP-date of the block's end rounded up to the next second, so
 * a client that waits as told never arrives early.
 */
static void retry_after(const struct ts_config *cfg, uint64_t retry_ns, char *buf, size_t len)
{
	struct timespec now;
	struct tm tm;
	uint64_t secs = (retry_ns + 999999999u) / 1000000000u;
	if (!cfg->retry_after_date) {
		snprintf(buf, len, "%llu", (unsigned long long)(secs ? secs : 1));
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t end = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec + retry_ns;
	time_t t = (time_t)((end + 999999999u) / 1000000000u);
	gmtime_r(&t, &tm);
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static bool limited_reply(const struct ts_config *cfg, const struct pverdict *v,
			  struct ts_reply *r)
{
	char ra[64];
	retry_after(cfg, v->retry_ns, ra, sizeof ra);
	if (!ts_html_reply(r, 429, "Too Many Requests", "Rate limited: retry later."))
		return false;
	return MHD_add_response_header(r->resp, MHD_HTTP_HEADER_RETRY_AFTER, ra) == MHD_YES;
}

/* /_test/polite-stats and /_test/polite-reset (--hosts); false if url is neither. */
static bool polite_test_reply(struct ts_server *srv, const char *url, struct ts_reply *r,
			      bool *ok)
{
	struct sb b = {0};
	if (strcmp(url, "/_test/polite-reset") == 0) {
		pstats_reset(srv->pstats);
		*ok = ts_html_reply(r, 200, "Reset", "Politeness counters reset.");
		return true;
	}
	if (strcmp(url, "/_test/polite-stats") != 0)
		return false;
	pstats_json(srv->pstats, &b);
	r->resp = ts_resp_sb(&b, "application/json");
	r->status = 200;
	*ok = r->resp != NULL;
	return true;
}

/* The site's answer: the many-host site, the generated site, the directory, or 404. */
static bool site_reply(struct ts_server *srv, struct MHD_Connection *c, const struct req *q,
		       const char *url, struct ts_reply *r)
{
	if (srv->trap)
		return trap_handle(srv->trap, c, url, r);
	if (srv->polite)
		return polite_handle(srv->polite, q->host > 0 ? (unsigned)q->host : 0, url, r);
	if (srv->site)
		return site_handle(srv->site, url, r);
	if (srv->cfg->dir)
		return dir_handle(srv->cfg, url, r);
	return ts_html_reply(r, 404, "Not Found", "This server serves only /_test/ here.");
}

/* Compute the reply for a request; on failure it becomes a 500. */
static void dispatch(struct ts_server *srv, struct MHD_Connection *c, const char *url,
		     const char *method, struct req *q)
{
	struct ts_reply *r = &q->reply;
	bool ok;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		ok = method_reply(method, r);
	else if (q->verdict.limited)
		ok = limited_reply(srv->cfg, &q->verdict, r);
	else if (srv->pstats && polite_test_reply(srv, url, r, &ok))
		;
	else if (ts_has_prefix(url, "/_test/"))
		ok = hostile_handle(srv->hostile, c, url + strlen("/_test/"),
				    strcmp(method, MHD_HTTP_METHOD_HEAD) == 0, r);
	else
		ok = site_reply(srv, c, q, url, r);
	if (ok && r->resp)
		return;
	if (r->resp && !r->shared)
		MHD_destroy_response(r->resp);
	*r = (struct ts_reply){.status = 500};
	r->resp = MHD_create_response_from_buffer(sizeof error_page - 1,
						  (void *)(uintptr_t)error_page,
						  MHD_RESPMEM_PERSISTENT);
	if (r->resp)
		MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CONTENT_TYPE, TS_HTML);
}

/* Queue the stored reply and drop our reference to it. */
/*
 * Queue q's reply. For the politeness accounting the request ends here, before the client can
 * see a byte of the answer, so a client that starts its next request on receiving this one is
 * never counted as overlapping it; and a rate-limit 429's block starts here, when its
 * Retry-After starts counting for the client.
 */
static enum MHD_Result send_reply(struct ts_server *srv, struct MHD_Connection *c, struct req *q)
{
	enum MHD_Result ret = MHD_NO;
	q->pending = false;
	if (q->counted && !q->ended) {
		q->ended = true;
		pstats_end(srv->pstats, (unsigned)q->host,
			   q->verdict.limited && !q->verdict.violation);
	}
	if (q->reply.resp) {
		ret = MHD_queue_response(c, q->reply.status, q->reply.resp);
		if (!q->reply.shared)
			MHD_destroy_response(q->reply.resp);
		q->reply.resp = NULL;
		q->status = q->reply.status;
	}
	return ret;
}

/* The host index of the local address c was accepted on, or -1. */
static int conn_host(struct ts_server *srv, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (!ci || getsockname(ci->connect_fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	return hosts_index(srv->hosts, (struct sockaddr *)&ss);
}

/*
 * --hosts: the request's headers are complete: note its host and, unless it is a /_test/
 * request, start its politeness accounting (ended in on_completed, which MHD calls for
 * every request whose access handler ran) and ask the rate limit.
 */
static void account_begin(struct ts_server *srv, struct MHD_Connection *c, const char *url,
			  struct req *q)
{
	q->host = conn_host(srv, c);
	if (q->host < 0 || ts_has_prefix(url, "/_test/"))
		return;
	bool page = srv->polite && polite_is_page(srv->polite, (unsigned)q->host, url);
	pstats_begin(srv->pstats, (unsigned)q->host, url, page, &q->verdict);
	q->counted = true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct ts_server *srv = cls;
	struct req *q = *con_cls;
	(void)version;
	(void)upload_data;
	if (!q)
		return MHD_NO;
	if (!q->started) {
		/* Headers only. Queueing now would make MHD discard the rest of the request
		 * and close the connection: answer in the final call instead. */
		q->started = true;
		if (srv->pstats)
			account_begin(srv, c, url, q);
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0; /* request bodies are read and ignored */
		return MHD_YES;
	}
	if (q->built)
		return send_reply(srv, c, q);
	snprintf(q->method, sizeof q->method, "%s", method);
	dispatch(srv, c, url, method, q);
	q->built = true;
	if (q->counted)
		pstats_served(srv->pstats, (unsigned)q->host, url, q->reply.status);
	uint64_t delay_ms = (uint64_t)srv->cfg->latency_ms + q->reply.delay_ms;
	if (delay_ms > 0) {
		q->pending = true;
		if (delay_suspend(srv->delay, c, q->t0 + delay_ms * 1000000u))
			return MHD_YES;
	}
	return send_reply(srv, c, q);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct ts_server *srv = cls;
	struct req *q = *con_cls;
	(void)c;
	if (!q)
		return;
	if (srv->cfg->log) {
		double ms = (double)(ts_now_ns() - q->t0) / 1e6;
		bool ok = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK;
		fprintf(stderr, "%s %s %u %.1fms%s\n", q->method, q->uri ? q->uri : "?",
			q->status, ms, ok ? "" : " (aborted)");
	}
	if (q->counted && !q->ended) /* never answered: the connection ended first */
		pstats_end(srv->pstats, (unsigned)q->host, false);
	if (q->reply.resp && !q->reply.shared)
		MHD_destroy_response(q->reply.resp);
	free(q->uri);
	free(q);
	*con_cls = NULL;
}

/* Connection limit: the configured one, else what RLIMIT_NOFILE leaves room for. */
static unsigned connection_limit(const struct ts_config *cfg)
{
	struct rlimit rl;
	unsigned lim = 16384;
	if (cfg->conn_limit)
		return cfg->conn_limit;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)lim + 128)
		lim = rl.rlim_cur > 256 ? (unsigned)rl.rlim_cur - 128 : 128;
	return lim;
}

static struct MHD_Daemon *start_daemon(struct ts_server *srv)
{
	const struct ts_config *cfg = srv->cfg;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg->port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO;
	if (cfg->log)
		flags |= MHD_USE_ERROR_LOG;
	return MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, on_request, srv,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				MHD_OPTION_THREAD_POOL_SIZE, cfg->threads,
				MHD_OPTION_CONNECTION_LIMIT, connection_limit(cfg),
				MHD_OPTION_CONNECTION_TIMEOUT, 120u,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_POOL_BYTES,
				MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u,
				MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
				MHD_OPTION_END);
}

/*
 * --hosts: a daemon without a listen socket; hosts.c accepts on the N+1 addresses and
 * hands the connections over (see there why not one daemon per address).
 */
static struct MHD_Daemon *start_hosts_daemon(struct ts_server *srv)
{
	const struct ts_config *cfg = srv->cfg;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
			 MHD_USE_TURBO | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC;
	if (cfg->log)
		flags |= MHD_USE_ERROR_LOG;
	return MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
				MHD_OPTION_THREAD_POOL_SIZE, cfg->threads,
				MHD_OPTION_CONNECTION_LIMIT, connection_limit(cfg),
				MHD_OPTION_CONNECTION_TIMEOUT, 120u,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_POOL_BYTES,
				MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
				MHD_OPTION_END);
}

/*
 * --hosts: bind the addresses, start the daemon and the acceptor. The port is known
 * before any thread that serves requests exists, so the site reads it without a lock.
 */
static bool start_hosts(struct ts_server *srv, struct polite *polite, unsigned *port_out)
{
	const struct ts_config *cfg = srv->cfg;
	srv->hosts = hosts_listen(cfg->hosts, cfg->port);
	srv->pstats = pstats_new(cfg->hosts + 1, cfg->rate_limit);
	if (!srv->hosts || !srv->pstats)
		return false;
	*port_out = hosts_port(srv->hosts);
	pstats_set_port(srv->pstats, *port_out);
	srv->polite = polite;
	if (polite)
		polite_set_port(polite, *port_out);
	srv->daemon = start_hosts_daemon(srv);
	if (!srv->daemon) {
		fprintf(stderr, TS_PROG ": cannot start the HTTP daemon\n");
		return false;
	}
	return hosts_run(srv->hosts, srv->daemon);
}

/*
 * Start listening on 127.0.0.1:cfg->port (0 = ephemeral), or with --hosts on all the
 * hosts' addresses; *port_out gets the bound port. The site or many-host site (if any)
 * is served but stays owned by the caller.
 */
struct ts_server *server_start(const struct ts_config *cfg, struct site *site,
			       struct polite *polite, unsigned *port_out)
{
	struct ts_server *srv = calloc(1, sizeof *srv);
	if (!srv)
		return NULL;
	srv->cfg = cfg;
	srv->site = site;
	srv->delay = delay_start();
	if (!srv->delay)
		goto fail;
	srv->hostile = hostile_new(srv->delay);
	if (!srv->hostile)
		goto fail;
	if (cfg->hostile && !(srv->trap = trap_new()))
		goto fail;
	if (cfg->hostile || cfg->blackhole) {
		if (!(srv->blackhole = blackhole_start())) {
			fprintf(stderr, TS_PROG ": cannot start the blackhole\n");
			goto fail;
		}
		hostile_set_blackhole(srv->hostile, blackhole_port(srv->blackhole));
	}
	if (cfg->tls_cert && !(srv->tls = tls_start(cfg->tls_cert, cfg->tls_key)))
		goto fail;
	if (srv->trap)
		trap_set_ports(srv->trap, blackhole_port(srv->blackhole), tls_port(srv->tls));
	if (cfg->hosts) {
		if (!start_hosts(srv, polite, port_out))
			goto fail;
		return srv;
	}
	srv->daemon = start_daemon(srv);
	if (!srv->daemon) {
		fprintf(stderr, TS_PROG ": cannot listen on 127.0.0.1:%u (port in use?)\n",
			cfg->port);
		goto fail;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon,
							       MHD_DAEMON_INFO_BIND_PORT);
	*port_out = info ? info->port : cfg->port;
	return srv;
fail:
	server_stop(srv);
	return NULL;
}

/*
 * Stop accepting, release every delayed connection, stop the daemon (every request is
 * complete then), write --stats, free everything.
 */
void server_stop(struct ts_server *srv)
{
	if (!srv)
		return;
	hosts_stop(srv->hosts);
	if (srv->daemon) {
		MHD_socket fd = srv->hosts ? MHD_INVALID_SOCKET : MHD_quiesce_daemon(srv->daemon);
		delay_shutdown(srv->delay);
		MHD_stop_daemon(srv->daemon);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
		if (srv->pstats && srv->cfg->stats)
			pstats_write(srv->pstats, srv->cfg->stats);
	}
	delay_free(srv->delay);
	tls_stop(srv->tls);
	blackhole_stop(srv->blackhole);
	trap_free(srv->trap);
	hostile_free(srv->hostile);
	hosts_free(srv->hosts);
	pstats_free(srv->pstats);
	free(srv);
}

unsigned server_blackhole_port(const struct ts_server *srv)
{
	return blackhole_port(srv->blackhole);
}

unsigned server_tls_port(const struct ts_server *srv)
{
	return tls_port(srv->tls);
}
