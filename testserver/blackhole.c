/*
 * blackhole.c -- a server that accepts and never answers (--hostile, --blackhole).
 *
 * A raw TCP socket on 127.0.0.1 (ephemeral port), outside libmicrohttpd: one thread accepts
 * connections and keeps them open without reading or writing a byte, until shutdown. A
 * client connects at once, sends its request into the socket buffer, and then waits for an
 * answer that never comes: only its own timeouts end the wait. At most BH_MAX connections
 * are held; beyond that the oldest is closed (the client sees a reset, never an answer).
 *
 * Threading: the acceptor thread owns the held sockets; blackhole_stop() wakes it through
 * an eventfd and joins it.
 */
#include "ts.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define BH_MAX 4096

struct blackhole {
	int lfd, stop_fd;
	unsigned port;
	pthread_t thread;
	int held[BH_MAX];
	size_t n, next;	/* held sockets; next slot to reuse once full */
};

static void *acceptor(void *arg)
{
	struct blackhole *b = arg;
	for (;;) {
		struct pollfd p[2] = {{b->lfd, POLLIN, 0}, {b->stop_fd, POLLIN, 0}};
		if (poll(p, 2, -1) < 0)
			continue;
		if (p[1].revents)
			break;
		int fd = accept4(b->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		if (b->n < BH_MAX) {
			b->held[b->n++] = fd;
		} else {
			close(b->held[b->next]);
			b->held[b->next] = fd;
			b->next = (b->next + 1) % BH_MAX;
		}
	}
	return NULL;
}

struct blackhole *blackhole_start(void)
{
	struct blackhole *b = calloc(1, sizeof *b);
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof sa;
	if (!b)
		return NULL;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	b->stop_fd = eventfd(0, EFD_CLOEXEC);
	b->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (b->lfd < 0 || b->stop_fd < 0 || bind(b->lfd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(b->lfd, 1024) != 0 || getsockname(b->lfd, (struct sockaddr *)&sa, &len) != 0 ||
	    pthread_create(&b->thread, NULL, acceptor, b) != 0) {
		if (b->lfd >= 0)
			close(b->lfd);
		if (b->stop_fd >= 0)
			close(b->stop_fd);
		free(b);
		return NULL;
	}
	b->port = ntohs(sa.sin_port);
	return b;
}

unsigned blackhole_port(const struct blackhole *b)
{
	return b ? b->port : 0;
}

void blackhole_stop(struct blackhole *b)
{
	uint64_t one = 1;
	if (!b)
		return;
	if (write(b->stop_fd, &one, sizeof one) == sizeof one)
		pthread_join(b->thread, NULL);
	for (size_t i = 0; i < b->n; i++)
		close(b->held[i]);
	close(b->lfd);
	close(b->stop_fd);
	free(b);
}
