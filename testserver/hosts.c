/*
 * hosts.c -- many loopback hosts on one port (--hosts N).
 *
 * Addresses: host 0 (the control host) is 127.0.0.1; host i in 1..N is 127.1.X.Y with
 * X = (i-1) / 250 and Y = (i-1) % 250 + 1, so Y is never 0 or 255 and no address looks
 * like a network or broadcast address (127.1.0.1 ... 127.1.0.250, 127.1.1.1, ...). Every
 * address is bound explicitly; nothing outside 127.0.0.0/8 is ever bound. Linux routes
 * the whole of 127.0.0.0/8 to the loopback interface, so no setup is needed.
 *
 * Why one daemon and an acceptor thread rather than N daemons: libmicrohttpd takes one
 * listen socket per daemon, and each daemon owns at least one thread (a thread pool of
 * --threads per daemon), so N = 1000 daemons would be 1000-2000 threads, each with its own
 * epoll set and stack. Here the daemon runs with MHD_USE_NO_LISTEN_SOCKET and the usual
 * worker pool; one extra thread waits on an epoll set of the N+1 listen sockets (plus an
 * eventfd to stop it), accepts, and hands each socket to MHD_add_connection(), which
 * spreads connections over the pool. Cost per host: one file descriptor.
 *
 * The port: 127.0.0.1 is bound first (to --port, or to 0 for an ephemeral port) and the
 * other addresses on the same port; if one of them is taken (another process may use the
 * same port on that address) an ephemeral choice is retried with a new port.
 */
#include "ts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HOSTS_PER_OCTET 250u
#define BIND_TRIES 20

struct ts_hosts {
	unsigned n;		/* hosts 1..n plus host 0 */
	unsigned port;
	int *fds;		/* n + 1 listen sockets */
	int epfd, evfd;
	struct MHD_Daemon *daemon;
	pthread_t thread;
	bool running;
};

/* The IPv4 address of host i, in host byte order. */
static uint32_t host_addr(unsigned i)
{
	if (i == 0)
		return INADDR_LOOPBACK;
	unsigned x = (i - 1) / HOSTS_PER_OCTET, y = (i - 1) % HOSTS_PER_OCTET + 1;
	return (127u << 24) | (1u << 16) | (x << 8) | y;
}

void hosts_name(unsigned i, char *buf, size_t len)
{
	uint32_t a = host_addr(i);
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* The host index of a local address, or -1 if it is none of ours. */
int hosts_index(const struct ts_hosts *h, const struct sockaddr *sa)
{
	if (sa->sa_family != AF_INET)
		return -1;
	uint32_t a = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
	if (a == INADDR_LOOPBACK)
		return 0;
	unsigned x = (a >> 8) & 255, y = a & 255;
	if ((a >> 16) != ((127u << 8) | 1u) || y == 0 || y > HOSTS_PER_OCTET)
		return -1;
	unsigned i = x * HOSTS_PER_OCTET + y;
	return i <= h->n ? (int)i : -1;
}

/* A non-blocking listen socket on host i's address and port; -1 with errno on failure. */
static int listen_on(unsigned i, unsigned port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	sa.sin_addr.s_addr = htonl(host_addr(i));
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 1024) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static unsigned bound_port(int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		return 0;
	return ntohs(sa.sin_port);
}

static void close_all(struct ts_hosts *h)
{
	for (unsigned i = 0; i <= h->n; i++)
		if (h->fds[i] >= 0)
			close(h->fds[i]);
	for (unsigned i = 0; i <= h->n; i++)
		h->fds[i] = -1;
}

/* One attempt at binding every address on one port; false (all closed) on failure. */
static bool bind_all(struct ts_hosts *h, unsigned want_port)
{
	h->fds[0] = listen_on(0, want_port);
	if (h->fds[0] < 0)
		return false;
	h->port = bound_port(h->fds[0]);
	for (unsigned i = 1; i <= h->n; i++) {
		h->fds[i] = listen_on(i, h->port);
		if (h->fds[i] < 0) {
			char name[32];
			hosts_name(i, name, sizeof name);
			fprintf(stderr, TS_PROG ": cannot listen on %s:%u: %s%s\n", name, h->port,
				strerror(errno), want_port ? "" : " (retrying another port)");
			close_all(h);
			return false;
		}
	}
	return true;
}

/*
 * Bind the N+1 listen sockets (port 0: ephemeral, retried on a clash). Nothing is
 * accepted until hosts_run(). NULL after printing the reason.
 */
struct ts_hosts *hosts_listen(unsigned n, unsigned port)
{
	struct ts_hosts *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->epfd = h->evfd = -1;
	if (!(h->fds = malloc((n + 1) * sizeof *h->fds)))
		goto fail;
	h->n = n;
	for (unsigned i = 0; i <= n; i++)
		h->fds[i] = -1;
	for (int t = 0; t < (port ? 1 : BIND_TRIES); t++)
		if (bind_all(h, port))
			return h;
	fprintf(stderr, TS_PROG ": cannot listen on 127.0.0.1:%u and %u more addresses\n",
		port, n);
fail:
	hosts_free(h);
	return NULL;
}

unsigned hosts_port(const struct ts_hosts *h)
{
	return h->port;
}

/* Accept every pending connection of one listen socket and give it to the daemon. */
static void accept_all(struct ts_hosts *h, int lfd)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE) {
				/* out of fds: epoll reports the socket again at once; don't spin */
				struct timespec ts = {0, 10000000};
				nanosleep(&ts, NULL);
			}
			return; /* EAGAIN: all taken */
		}
		/* MHD owns the socket from here on, and closes it itself on failure. */
		MHD_add_connection(h->daemon, fd, (struct sockaddr *)&ss, len);
	}
}

/* The acceptor thread: wait on all listen sockets until the eventfd says stop. */
static void *acceptor_main(void *arg)
{
	struct ts_hosts *h = arg;
	struct epoll_event ev[64];
	for (;;) {
		int k = epoll_wait(h->epfd, ev, 64, -1);
		for (int i = 0; i < k; i++) {
			if (ev[i].data.fd == h->evfd)
				return NULL;
			accept_all(h, ev[i].data.fd);
		}
		if (k < 0 && errno != EINTR)
			return NULL;
	}
}

/* Start accepting into daemon (started with MHD_USE_NO_LISTEN_SOCKET). */
bool hosts_run(struct ts_hosts *h, struct MHD_Daemon *daemon)
{
	h->daemon = daemon;
	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	h->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (h->epfd < 0 || h->evfd < 0)
		return false;
	for (unsigned i = 0; i <= h->n + 1; i++) {
		int fd = i <= h->n ? h->fds[i] : h->evfd;
		struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
		if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
			return false;
	}
	h->running = pthread_create(&h->thread, NULL, acceptor_main, h) == 0;
	return h->running;
}

/* Stop accepting and close the listen sockets (the daemon keeps its connections). */
void hosts_stop(struct ts_hosts *h)
{
	if (!h)
		return;
	if (h->running) {
		uint64_t one = 1;
		if (write(h->evfd, &one, sizeof one) != sizeof one)
			perror(TS_PROG ": eventfd");
		pthread_join(h->thread, NULL);
		h->running = false;
	}
	if (h->fds)
		close_all(h);
}

void hosts_free(struct ts_hosts *h)
{
	if (!h)
		return;
	hosts_stop(h);
	if (h->epfd >= 0)
		close(h->epfd);
	if (h->evfd >= 0)
		close(h->evfd);
	free(h->fds);
	free(h);
}
