/*
 * http.c -- the HTTP fetcher's object and its blocking face (the async face is http_multi.c).
 *
 * Threads: fetch() may run in many threads at once. Each call takes an idle easy handle from
 * the pool (or makes one) and gives it back after, so handles -- and their TLS and connection
 * state -- are reused; no handle is ever used by two threads at once. DNS and TLS sessions are
 * shared between handles through libcurl's share interface, with one mutex per kind of shared
 * data (share_mu), as libcurl's thread-safety rules require. Connections are not shared
 * between handles (see share_new()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fetch/http_int.h"
#include "util/util.h"

void weft_http_options_init(struct weft_http_options *o)
{
	memset(o, 0, sizeof(*o));
	o->max_body = 10u << 20;
	o->connect_timeout_ms = 10000;
	o->timeout_ms = 30000;
	o->low_speed_bytes = 100;
	o->low_speed_secs = 15;
	o->retries = 2;
	o->retry_base_ms = 200;
	o->retry_max_ms = 10000;
	o->http2 = true;
	o->max_ratio = 100;
}

static void share_lock(CURL *easy, curl_lock_data data, curl_lock_access access, void *ud)
{
	struct weft__http *h = ud;
	(void)easy;
	(void)access;
	pthread_mutex_lock(&h->share_mu[data]);
}

static void share_unlock(CURL *easy, curl_lock_data data, void *ud)
{
	struct weft__http *h = ud;
	(void)easy;
	pthread_mutex_unlock(&h->share_mu[data]);
}

static int share_new(struct weft__http *h)
{
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&h->share_mu[i], NULL);
	h->share = curl_share_init();
	if (!h->share)
		return WEFT_E_NOMEM;
	curl_share_setopt(h->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(h->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(h->share, CURLSHOPT_USERDATA, h);
	curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	/*
	 * Not CURL_LOCK_DATA_CONNECT: a connection cache shared by threads is unsafe in libcurl
	 * (curl issue #4915: the cache points at connections in use by other threads). Our
	 * benchmark crashed with heap corruption at 256+ threads with it on. Each pooled easy
	 * handle keeps its own connections instead, and handles are reused, so are connections.
	 */
	if (h->opt.cookies)
		curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
	return WEFT_OK;
}

/* libcurl opens every socket through here, so abort() can shut it down (see http_int.h). */
static curl_socket_t open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct weft__http *h = ud;
	(void)purpose;
	int fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	if (fd < 0)
		return CURL_SOCKET_BAD;
	pthread_mutex_lock(&h->sock_mu);
	if (weft__http_aborted(h)) {
		pthread_mutex_unlock(&h->sock_mu);
		close(fd);
		return CURL_SOCKET_BAD;
	}
	if (h->n_socks == h->cap_socks) {
		size_t cap = h->cap_socks ? h->cap_socks * 2 : 16;
		int *v = realloc(h->socks, cap * sizeof(*v));
		if (v) {
			h->socks = v;
			h->cap_socks = cap;
		}
	}
	if (h->n_socks < h->cap_socks) /* else untracked: abort() then waits for the callback */
		h->socks[h->n_socks++] = fd;
	pthread_mutex_unlock(&h->sock_mu);
	return fd;
}

static int close_socket(void *ud, curl_socket_t fd)
{
	struct weft__http *h = ud;
	pthread_mutex_lock(&h->sock_mu); /* untracked before closed: abort never hits a reused fd */
	for (size_t i = 0; i < h->n_socks; i++)
		if (h->socks[i] == fd) {
			h->socks[i] = h->socks[--h->n_socks];
			break;
		}
	pthread_mutex_unlock(&h->sock_mu);
	return close(fd);
}

void weft__http_shutdown_sockets(struct weft__http *h)
{
	pthread_mutex_lock(&h->sock_mu);
	for (size_t i = 0; i < h->n_socks; i++)
		shutdown(h->socks[i], SHUT_RDWR);
	pthread_mutex_unlock(&h->sock_mu);
}

/* Options that are the same for every transfer, set once per handle. */
CURL *weft__http_easy_new(struct weft__http *h)
{
	const struct weft_http_options *o = &h->opt;
	CURL *e = curl_easy_init();
	if (!e)
		return NULL;
	curl_easy_setopt(e, CURLOPT_SHARE, h->share);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, h->user_agent);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h->headers);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); /* every encoding libcurl supports */
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
			 o->http2 ? (long)CURL_HTTP_VERSION_2TLS : (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_bytes);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, o->low_speed_secs);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, h);
	curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
	curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, h);
	if (o->cookies)
		curl_easy_setopt(e, CURLOPT_COOKIEFILE, "");
	if (!h->proxy_env) { /* see proxy_in_env() */
		curl_easy_setopt(e, CURLOPT_PROXY, "");
		curl_easy_setopt(e, CURLOPT_NOPROXY, "");
	}
	if (o->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return e;
}

static CURL *handle_get(struct weft__http *h)
{
	CURL *e = NULL;
	pthread_mutex_lock(&h->pool_mu);
	if (h->n_idle)
		e = h->idle[--h->n_idle];
	pthread_mutex_unlock(&h->pool_mu);
	return e ? e : weft__http_easy_new(h);
}

static void handle_put(struct weft__http *h, CURL *e)
{
	pthread_mutex_lock(&h->pool_mu);
	if (h->n_idle == h->cap_idle) {
		size_t cap = h->cap_idle ? h->cap_idle * 2 : 16;
		CURL **v = realloc(h->idle, cap * sizeof(*v));
		if (v) {
			h->idle = v;
			h->cap_idle = cap;
		}
	}
	if (h->n_idle < h->cap_idle) {
		h->idle[h->n_idle++] = e;
		e = NULL;
	}
	pthread_mutex_unlock(&h->pool_mu);
	if (e)
		curl_easy_cleanup(e);
}

/* One attempt; returns the retry delay the outcome calls for (-1: done). */
static long attempt(struct weft__http *h, CURL *e, struct weft_request *req,
		    struct weft_response *out, int n)
{
	struct weft__xfer x;
	if (weft__xfer_begin(&x, h, e, req, out) != WEFT_OK) {
		weft_response_set_error(out, WEFT_FE_OTHER, "out of memory");
		return -1;
	}
	weft__xfer_finish(&x, curl_easy_perform(e));
	long delay = weft__xfer_retry_delay(&x, n);
	*req = x.req; /* a refused HEAD becomes a GET */
	weft__xfer_clear(&x);
	return delay;
}

/* Wait delay_ms before a retry, in slices so that abort() is seen within 20 ms; false then. */
static bool retry_sleep(struct weft__http *h, long delay_ms)
{
	double until = weft__now() + delay_ms / 1000.0;
	for (;;) {
		if (weft__http_aborted(h))
			return false;
		double left = until - weft__now();
		if (left <= 0)
			return true;
		weft__sleep_us(left > 0.02 ? 20000u : (unsigned)(left * 1e6) + 1u);
	}
}

static int http_fetch(struct weft_fetcher *f, const struct weft_request *req,
		      struct weft_response *out)
{
	struct weft__http *h = (struct weft__http *)f;
	if (weft__http_aborted(h)) {
		out->aborted = true;
		return WEFT_OK;
	}
	CURL *e = handle_get(h);
	if (!e)
		return WEFT_E_NOMEM;
	double t0 = weft__now();
	long delay;
	struct weft_request r = *req;
	for (int n = 1; (delay = attempt(h, e, &r, out, n)) >= 0; n++) {
		weft_response_reset(out);
		if (!retry_sleep(h, delay)) {
			out->aborted = true;
			break;
		}
	}
	out->ms = (weft__now() - t0) * 1000.0;
	handle_put(h, e);
	return WEFT_OK;
}

static void http_destroy(struct weft_fetcher *f)
{
	struct weft__http *h = (struct weft__http *)f;
	weft__http_multi_free(h);
	for (size_t i = 0; i < h->n_idle; i++)
		curl_easy_cleanup(h->idle[i]);
	free(h->idle);
	if (h->share)
		curl_share_cleanup(h->share);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&h->share_mu[i]);
	pthread_mutex_destroy(&h->pool_mu);
	pthread_mutex_destroy(&h->sock_mu);
	free(h->socks);
	curl_slist_free_all(h->headers);
	free(h->user_agent);
	free(h);
}

static int http_clone(struct weft_fetcher *f, struct weft_fetcher **out);

static const struct weft_fetcher_ops http_ops = {
	.name = "http",
	.caps = WEFT_FETCH_BLOCKING | WEFT_FETCH_THREADSAFE | WEFT_FETCH_ASYNC | WEFT_FETCH_NETWORK,
	.fetch = http_fetch,
	.start = weft__http_start,
	.run = weft__http_run,
	.wake = weft__http_wake,
	.in_flight = weft__http_in_flight,
	.clone = http_clone,
	.destroy = http_destroy,
	.abort = weft__http_abort,
};

/* A sibling for another event loop: same options, its own handles and multi. */
static int http_clone(struct weft_fetcher *f, struct weft_fetcher **out)
{
	struct weft__http *h = (struct weft__http *)f;
	struct weft_http_options o = h->opt;
	size_t n = 0;
	for (struct curl_slist *l = h->headers; l; l = l->next)
		n++;
	const char **headers = malloc((n ? n : 1) * sizeof(*headers));
	if (!headers)
		return WEFT_E_NOMEM;
	n = 0;
	for (struct curl_slist *l = h->headers; l; l = l->next)
		headers[n++] = l->data;
	o.user_agent = h->user_agent;
	o.headers = headers;
	o.n_headers = n;
	int rc = weft_fetcher_http(out, &o, NULL, 0);
	free(headers); /* weft_fetcher_http copied them */
	return rc;
}

static int check_options(const struct weft_http_options *o, char *err, size_t errlen)
{
	if (o->max_body == 0)
		return weft__err(WEFT_E_INVAL, err, errlen, "max body must be at least 1 byte");
	if (o->connect_timeout_ms < 0 || o->timeout_ms < 0 || o->retries < 0 ||
	    o->retry_base_ms < 0 || o->retry_max_ms < 0)
		return weft__err(WEFT_E_INVAL, err, errlen, "timeouts and retries must be >= 0");
	for (size_t i = 0; i < o->n_headers; i++)
		if (!strchr(o->headers[i], ':') || strpbrk(o->headers[i], "\r\n"))
			return weft__err(WEFT_E_INVAL, err, errlen,
					 "header '%s': expected 'Name: value'", o->headers[i]);
	return WEFT_OK;
}

/*
 * Whether the environment names a proxy libcurl would use. Without one, weft tells libcurl
 * "no proxy" outright: otherwise libcurl looks the variables up again for every transfer
 * (five getenv() calls, 2% of a crawl's instructions). With one, libcurl reads them as ever.
 */
static bool proxy_in_env(void)
{
	static const char *const vars[] = { "http_proxy", "https_proxy", "HTTPS_PROXY",
					    "all_proxy", "ALL_PROXY" };
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		if (getenv(vars[i]) && *getenv(vars[i]))
			return true;
	return false;
}

static int copy_strings(struct weft__http *h, const struct weft_http_options *o)
{
	char ua[64];
	snprintf(ua, sizeof(ua), "weft/%s", weft_version());
	if (!(h->user_agent = strdup(o->user_agent ? o->user_agent : ua)))
		return WEFT_E_NOMEM;
	for (size_t i = 0; i < o->n_headers; i++) {
		struct curl_slist *l = curl_slist_append(h->headers, o->headers[i]);
		if (!l)
			return WEFT_E_NOMEM;
		h->headers = l;
	}
	h->opt.user_agent = NULL;
	h->opt.headers = NULL;
	return WEFT_OK;
}

int weft_fetcher_http(struct weft_fetcher **out, const struct weft_http_options *o, char *err,
		      size_t errlen)
{
	*out = NULL;
	int rc = check_options(o, err, errlen);
	if (rc)
		return rc;
	struct weft__http *h = calloc(1, sizeof(*h));
	if (!h)
		return WEFT_E_NOMEM;
	h->base.ops = &http_ops;
	h->opt = *o;
	h->proxy_env = proxy_in_env();
	pthread_mutex_init(&h->pool_mu, NULL);
	pthread_mutex_init(&h->sock_mu, NULL);
	rc = copy_strings(h, o);
	if (rc == WEFT_OK)
		rc = share_new(h);
	if (rc == WEFT_OK)
		rc = weft__http_multi_new(h);
	if (rc) {
		http_destroy(&h->base);
		return weft__err(rc, err, errlen, "cannot set up libcurl: %s", weft_strerror(rc));
	}
	*out = &h->base;
	return WEFT_OK;
}
