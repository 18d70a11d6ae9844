/*
 * curl_floor.c -- what libcurl alone costs: fetch a fixed list of URLs with C transfers in
 * flight, on the same multi + socket_action + epoll loop weft's event engine uses, and do
 * nothing with the bodies.
 *
 * Why: the S1/S2 bars ask for CPU seconds and wall times per request; this program
 * is the floor any crawler built on libcurl can reach on this machine -- no parsing, no
 * URL resolution, no visited set, no scheduling, and every URL known up front (so no
 * waiting on BFS levels either). Compare `/usr/bin/time` of this against `weft crawl`.
 *
 *   curl_floor URLFILE C       (URLFILE: one URL per line, e.g. from weft -f jsonl)
 *
 * Same transfer options as weft's HTTP fetcher (src/fetch/http.c): user agent, every
 * Accept-Encoding, HTTP/1.1 on plain http, no signals, keep-alive connection reuse.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>

struct floor {
	CURLM *multi;
	int ep;
	long timeout_ms;	/* from the timer callback; -1: none */
	char **urls;
	size_t n_urls, next, done, failed;
};

static size_t discard(char *p, size_t sz, size_t n, void *u)
{
	(void)p;
	(void)u;
	return sz * n;
}

static int on_socket(CURL *e, curl_socket_t s, int what, void *u, void *sp)
{
	struct floor *f = u;
	struct epoll_event ev = { .data.fd = s };
	(void)e;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(f->ep, EPOLL_CTL_DEL, s, NULL);
		curl_multi_assign(f->multi, s, NULL);
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	if (sp) {
		epoll_ctl(f->ep, EPOLL_CTL_MOD, s, &ev);
	} else {
		epoll_ctl(f->ep, EPOLL_CTL_ADD, s, &ev);
		curl_multi_assign(f->multi, s, f);
	}
	return 0;
}

static int on_timer(CURLM *m, long ms, void *u)
{
	(void)m;
	((struct floor *)u)->timeout_ms = ms;
	return 0;
}

static CURL *easy_new(void)
{
	CURL *e = curl_easy_init();
	if (!e)
		return NULL;
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "weft/0.1.0");
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	return e;
}

/* Give e the next URL and hand it to the multi; false when the list is used up. */
static int start_next(struct floor *f, CURL *e)
{
	if (f->next == f->n_urls)
		return 0;
	curl_easy_setopt(e, CURLOPT_URL, f->urls[f->next++]);
	curl_multi_add_handle(f->multi, e);
	return 1;
}

/* Reap finished transfers, reusing each handle for the next URL. */
static void reap(struct floor *f)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(f->multi, &left))) {
		CURL *e = msg->easy_handle;
		if (msg->msg != CURLMSG_DONE)
			continue;
		f->done++;
		if (msg->data.result != CURLE_OK)
			f->failed++;
		curl_multi_remove_handle(f->multi, e);
		if (!start_next(f, e))
			curl_easy_cleanup(e);
	}
}

static int load_urls(struct floor *f, const char *path)
{
	FILE *fp = fopen(path, "r");
	char line[8192];
	size_t cap = 0;
	if (!fp) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof line, fp)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0])
			continue;
		if (f->n_urls == cap) {
			cap = cap ? cap * 2 : 1024;
			f->urls = realloc(f->urls, cap * sizeof *f->urls);
			if (!f->urls)
				abort();
		}
		f->urls[f->n_urls++] = strdup(line);
	}
	fclose(fp);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct floor f = { .timeout_ms = -1 };
	struct epoll_event evs[256];
	int running = 0;
	if (argc != 3 || load_urls(&f, argv[1]) != 0) {
		fprintf(stderr, "usage: curl_floor URLFILE CONCURRENCY\n");
		return 2;
	}
	long c = strtol(argv[2], NULL, 10);
	struct rlimit rl; /* every transfer in flight holds a socket, as in weft's cli/main.c */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	f.multi = curl_multi_init();
	f.ep = epoll_create1(EPOLL_CLOEXEC);
	curl_multi_setopt(f.multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(f.multi, CURLMOPT_SOCKETDATA, &f);
	curl_multi_setopt(f.multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(f.multi, CURLMOPT_TIMERDATA, &f);
	curl_multi_setopt(f.multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	curl_multi_setopt(f.multi, CURLMOPT_MAX_CONCURRENT_STREAMS, 100L);
	double t0 = now_s();
	for (long i = 0; i < c; i++) {
		CURL *e = easy_new();
		if (!e || !start_next(&f, e)) {
			curl_easy_cleanup(e);
			break;
		}
	}
	while (f.done < f.n_urls) {
		int n = epoll_wait(f.ep, evs, 256, f.timeout_ms < 0 ? 1000 : (int)f.timeout_ms);
		if (n == 0) {
			curl_multi_socket_action(f.multi, CURL_SOCKET_TIMEOUT, 0, &running);
		}
		for (int i = 0; i < n; i++) {
			int fl = (evs[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
				 (evs[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
				 (evs[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
			curl_multi_socket_action(f.multi, evs[i].data.fd, fl, &running);
		}
		reap(&f);
	}
	fprintf(stderr, "fetched %zu (%zu failed) in %.3f s\n", f.done, f.failed,
		now_s() - t0);
	curl_multi_cleanup(f.multi);
	curl_global_cleanup();
	for (size_t i = 0; i < f.n_urls; i++)
		free(f.urls[i]);
	free(f.urls);
	return 0;
}
