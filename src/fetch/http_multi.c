/*
 * http_multi.c -- the HTTP fetcher's async face, for the event engine: libcurl's multi
 * interface driven by curl_multi_socket_action() over epoll.
 *
 * libcurl tells us which sockets to watch (socket callback -> epoll_ctl) and when its next
 * timeout is (timer callback); run() waits on epoll until a socket is ready, the timer is due,
 * a retry is due or wake() is called, hands the readiness to libcurl, and completes finished
 * transfers through their done callbacks. Bodies stream through the same callbacks as the
 * blocking face (http_xfer.c), so the body reaches the sink as it arrives. HTTP/2 multiplexing,
 * connection reuse and per-host limits are libcurl's, configured on the multi handle.
 *
 * abort() sets the fetcher's flag and wakes run(), which then takes every transfer off the multi
 * handle (and the retry list) and completes it at once with out->aborted set: a server that
 * never answers holds nothing up.
 *
 * Threads: everything here belongs to the one thread that calls start() and run(), except
 * wake() and abort(), which set a flag and write to an eventfd and may be called from any
 * thread or a signal handler.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "fetch/http_int.h"
#include "util/util.h"

/* One fetch: the transfer state plus what the async face needs to finish or retry it. */
struct mxfer {
	struct weft__xfer x;
	CURL *easy;
	struct weft_response *out;
	weft_fetch_done_fn *done;
	void *cookie;
	int attempt;
	double t0;          /* start of the first attempt */
	double retry_at;    /* when waiting for a retry: monotonic seconds */
	struct mxfer *next; /* retry list */
	struct mxfer *aprev, *anext; /* active list: on the multi handle */
};

struct weft__multi {
	CURLM *multi;
	int epfd;
	int wake_fd;
	double timer_at;        /* libcurl's next timeout (monotonic seconds), or < 0 */
	size_t in_flight;
	struct mxfer *retries;  /* waiting for their retry time */
	struct mxfer *active;   /* on the multi handle now */
	CURL **idle;            /* easy handles for reuse (not shared with the blocking face) */
	size_t n_idle;
	size_t cap_idle;
};

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct weft__multi *m = userp;
	struct epoll_event ev = { .data.fd = s };
	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(m->epfd, EPOLL_CTL_DEL, s, NULL);
		curl_multi_assign(m->multi, s, NULL);
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	if (socketp) {
		epoll_ctl(m->epfd, EPOLL_CTL_MOD, s, &ev);
	} else {
		epoll_ctl(m->epfd, EPOLL_CTL_ADD, s, &ev);
		curl_multi_assign(m->multi, s, m); /* any non-NULL marks "registered" */
	}
	return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct weft__multi *m = userp;
	(void)multi;
	m->timer_at = timeout_ms < 0 ? -1 : weft__now() + timeout_ms / 1000.0;
	return 0;
}

static void multi_free(struct weft__multi *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_idle; i++)
		curl_easy_cleanup(m->idle[i]);
	free(m->idle);
	if (m->multi)
		curl_multi_cleanup(m->multi);
	if (m->epfd >= 0)
		close(m->epfd);
	if (m->wake_fd >= 0)
		close(m->wake_fd);
	free(m);
}

static int multi_setup(struct weft__multi *m, const struct weft_http_options *o)
{
	struct epoll_event ev = { .events = EPOLLIN };
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	m->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	m->multi = curl_multi_init();
	if (m->epfd < 0 || m->wake_fd < 0 || !m->multi)
		return WEFT_E_NOMEM;
	ev.data.fd = m->wake_fd;
	if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->wake_fd, &ev) != 0)
		return WEFT_E_IO;
	curl_multi_setopt(m->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(m->multi, CURLMOPT_SOCKETDATA, m);
	curl_multi_setopt(m->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(m->multi, CURLMOPT_TIMERDATA, m);
	curl_multi_setopt(m->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	curl_multi_setopt(m->multi, CURLMOPT_MAX_CONCURRENT_STREAMS, 100L);
	if (o->max_host_connections > 0)
		curl_multi_setopt(m->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
				  (long)o->max_host_connections);
	return WEFT_OK;
}

/* Made with the fetcher, so wake() from another thread reads a pointer that never changes. */
int weft__http_multi_new(struct weft__http *h)
{
	struct weft__multi *m = calloc(1, sizeof(*m));
	if (!m)
		return WEFT_E_NOMEM;
	m->epfd = m->wake_fd = -1;
	m->timer_at = -1;
	int rc = multi_setup(m, &h->opt);
	if (rc != WEFT_OK) {
		multi_free(m);
		return rc;
	}
	h->multi = m;
	return WEFT_OK;
}

static CURL *easy_get(struct weft__http *h, struct weft__multi *m)
{
	if (m->n_idle)
		return m->idle[--m->n_idle];
	CURL *e = weft__http_easy_new(h);
	if (e)
		curl_easy_setopt(e, CURLOPT_SHARE, NULL); /* the multi has its own caches */
	return e;
}

static void easy_put(struct weft__multi *m, CURL *e)
{
	if (m->n_idle == m->cap_idle) {
		size_t cap = m->cap_idle ? m->cap_idle * 2 : 64;
		CURL **v = realloc(m->idle, cap * sizeof(*v));
		if (!v) {
			curl_easy_cleanup(e);
			return;
		}
		m->idle = v;
		m->cap_idle = cap;
	}
	m->idle[m->n_idle++] = e;
}

/* (Re)start an attempt: point the easy handle at the transfer and hand it to libcurl. */
static int launch(struct weft__http *h, struct weft__multi *m, struct mxfer *t)
{
	struct weft_request req = t->x.req;
	int rc = weft__xfer_begin(&t->x, h, t->easy, &req, t->out);
	if (rc == WEFT_OK && curl_multi_add_handle(m->multi, t->easy) != CURLM_OK)
		rc = WEFT_E_NOMEM;
	if (rc == WEFT_OK) {
		t->aprev = NULL;
		t->anext = m->active;
		if (m->active)
			m->active->aprev = t;
		m->active = t;
	}
	return rc;
}

/* Take t off the multi handle and the active list. */
static void unlaunch(struct weft__multi *m, struct mxfer *t)
{
	curl_multi_remove_handle(m->multi, t->easy);
	if (t->aprev)
		t->aprev->anext = t->anext;
	else
		m->active = t->anext;
	if (t->anext)
		t->anext->aprev = t->aprev;
	t->aprev = t->anext = NULL;
}

int weft__http_start(struct weft_fetcher *f, const struct weft_request *req,
		     struct weft_response *out, weft_fetch_done_fn *done, void *cookie)
{
	struct weft__http *h = (struct weft__http *)f;
	struct weft__multi *m = h->multi;
	if (weft__http_aborted(h))
		return WEFT_E_CANCELED;
	struct mxfer *t = calloc(1, sizeof(*t));
	if (!t || !(t->easy = easy_get(h, m))) {
		free(t);
		return WEFT_E_NOMEM;
	}
	t->x.req = *req;
	t->out = out;
	t->done = done;
	t->cookie = cookie;
	t->attempt = 1;
	t->t0 = weft__now();
	int rc = launch(h, m, t);
	if (rc) {
		easy_put(m, t->easy);
		free(t);
		return rc;
	}
	m->in_flight++;
	return WEFT_OK;
}

/* Hand a finished fetch back: the handle to the pool, the response to its done callback. */
static void complete(struct weft__multi *m, struct mxfer *t)
{
	t->out->ms = (weft__now() - t->t0) * 1000.0;
	easy_put(m, t->easy);
	m->in_flight--;
	weft_fetch_done_fn *done = t->done;
	void *cookie = t->cookie;
	struct weft_response *out = t->out;
	free(t);
	done(cookie, out);
}

/* A transfer ended: retry it later, or complete it. */
static void ended(struct weft__multi *m, struct mxfer *t, CURLcode rc)
{
	unlaunch(m, t);
	weft__xfer_finish(&t->x, rc);
	long delay = weft__xfer_retry_delay(&t->x, t->attempt);
	weft__xfer_clear(&t->x);
	if (delay >= 0) {
		weft_response_reset(t->out);
		t->attempt++;
		t->retry_at = weft__now() + delay / 1000.0;
		t->next = m->retries;
		m->retries = t;
		return;
	}
	complete(m, t);
}

static int read_done(struct weft__multi *m)
{
	CURLMsg *msg;
	int left, n = 0;
	while ((msg = curl_multi_info_read(m->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		char *priv = NULL; /* the weft__xfer, first member of its mxfer */
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		ended(m, (struct mxfer *)(void *)priv, msg->data.result);
		n++;
	}
	return n;
}

/* Relaunch retries whose time has come; a failed relaunch completes with the error. */
static void due_retries(struct weft__http *h, struct weft__multi *m, double now)
{
	struct mxfer **pp = &m->retries;
	while (*pp) {
		struct mxfer *t = *pp;
		if (t->retry_at > now) {
			pp = &t->next;
			continue;
		}
		*pp = t->next;
		if (launch(h, m, t) != WEFT_OK) {
			weft_response_set_error(t->out, WEFT_FE_OTHER, "cannot restart transfer");
			complete(m, t);
		}
	}
}

/* Milliseconds until the earliest of: the caller's timeout, libcurl's timer, a retry. */
static int wait_ms(const struct weft__multi *m, int timeout_ms, double now)
{
	double until = timeout_ms < 0 ? -1 : now + timeout_ms / 1000.0;
	if (m->timer_at >= 0 && (until < 0 || m->timer_at < until))
		until = m->timer_at;
	for (const struct mxfer *t = m->retries; t; t = t->next)
		if (until < 0 || t->retry_at < until)
			until = t->retry_at;
	if (until < 0)
		return -1;
	double ms = (until - now) * 1000.0;
	return ms <= 0 ? 0 : ms > 86400000.0 ? 86400000 : (int)ms + 1;
}

static void dispatch_events(struct weft__multi *m, const struct epoll_event *evs, int n)
{
	int running;
	for (int i = 0; i < n; i++) {
		if (evs[i].data.fd == m->wake_fd) {
			uint64_t v;
			ssize_t r = read(m->wake_fd, &v, sizeof(v));
			(void)r;
			continue;
		}
		int flags = (evs[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
			    (evs[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
			    (evs[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
		curl_multi_socket_action(m->multi, evs[i].data.fd, flags, &running);
	}
}

/* After abort(): complete every fetch now, aborted; returns how many. */
static int abandon_all(struct weft__multi *m)
{
	int n = 0;
	while (m->active || m->retries) {
		struct mxfer *t = m->active;
		if (t) {
			unlaunch(m, t);
			weft__xfer_clear(&t->x);
		} else {
			t = m->retries;
			m->retries = t->next;
		}
		weft_response_reset(t->out);
		t->out->aborted = true;
		complete(m, t);
		n++;
	}
	return n;
}

int weft__http_run(struct weft_fetcher *f, int timeout_ms)
{
	struct weft__http *h = (struct weft__http *)f;
	struct weft__multi *m = h->multi;
	struct epoll_event evs[256];
	int running;
	if (weft__http_aborted(h))
		return abandon_all(m);
	int n = epoll_wait(m->epfd, evs, 256, wait_ms(m, timeout_ms, weft__now()));
	if (weft__http_aborted(h))
		return abandon_all(m); /* the wake-up stays unread: every later run() returns */
	if (n < 0 && errno != EINTR)
		return WEFT_E_IO;
	dispatch_events(m, evs, n > 0 ? n : 0);
	double now = weft__now();
	if (m->timer_at >= 0 && m->timer_at <= now) {
		m->timer_at = -1;
		curl_multi_socket_action(m->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}
	due_retries(h, m, now);
	return read_done(m);
}

void weft__http_wake(struct weft_fetcher *f)
{
	struct weft__http *h = (struct weft__http *)f;
	uint64_t one = 1; /* async-signal-safe: a write to an eventfd */
	ssize_t r = write(h->multi->wake_fd, &one, sizeof(one));
	(void)r;
}

void weft__http_abort(struct weft_fetcher *f)
{
	struct weft__http *h = (struct weft__http *)f;
	atomic_store(&h->aborted, true);
	weft__http_shutdown_sockets(h); /* blocking transfers wake now, not at the next progress call */
	weft__http_wake(f);
}

size_t weft__http_in_flight(struct weft_fetcher *f)
{
	return ((struct weft__http *)f)->multi->in_flight;
}

void weft__http_multi_free(struct weft__http *h)
{
	multi_free(h->multi);
	h->multi = NULL;
}
