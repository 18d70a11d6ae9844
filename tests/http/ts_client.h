/*
 * ts_client.h -- helpers for the weft-testserver tests: run the server as a child
 * process (binary from env WEFT_TESTSERVER, readiness from its "PORT <n>" line, never a
 * sleep) and fetch URLs with libcurl (no redirect following, selected headers kept).
 * Single-threaded; each test program links ts_client.c.
 */
#ifndef WEFT_TESTS_TS_CLIENT_H
#define WEFT_TESTS_TS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <curl/curl.h>

struct ts_proc {
	pid_t pid;
	int out_fd;		/* the child's stdout */
	unsigned port;
	char base[64];		/* "http://127.0.0.1:<port>" */
};

/*
 * With --hosts: the origin "http://ADDR:<port>" of host i (0 = 127.0.0.1, i >= 1 =
 * 127.1.X.Y with X = (i-1)/250, Y = (i-1)%250+1: the server's scheme) into buf.
 */
void ts_host_origin(const struct ts_proc *p, unsigned i, char *buf, size_t len);
/* Start the server with args (NULL-terminated, program name excluded); false on error. */
bool ts_spawn(struct ts_proc *p, const char *const *args);
/* Same, with the server's stderr going to the file err_path. */
bool ts_spawn_logged(struct ts_proc *p, const char *const *args, const char *err_path);
/* Read the next line the server printed after PORT (e.g. "BLACKHOLE <n>"), within 10 s. */
bool ts_read_line(struct ts_proc *p, char *buf, size_t len);
/* Send sig and wait (up to 20 s): the exit code, 128+signal when killed, -1 on timeout. */
int ts_stop(struct ts_proc *p, int sig);
/* Run the server expecting it to exit by itself; returns its exit code; stderr in *err. */
int ts_run(const char *const *args, char **out, char **err);

struct http_opts {
	bool head;
	bool path_as_is;		/* send "/../" as is */
	bool no_decode;			/* keep Content-Encoding bytes */
	const char *accept_encoding;	/* NULL: none; "" or "gzip": curl decodes */
	const char *const *headers;	/* extra request headers, NULL-terminated */
	const char *user_agent;
	size_t max_bytes;		/* abort the transfer after this many body bytes */
	long timeout_ms;		/* default 20000 */
	bool insecure;			/* do not verify TLS certificates */
};

struct http_resp {
	long status;
	char *body;
	size_t len;
	char ctype[128];
	char location[1024];
	char encoding[64];
	char retry_after[64];
	long content_length;		/* -1 when absent */
	double secs;			/* total time of the transfer */
	CURLcode err;
};

/* Body sink of one transfer (for callers driving curl_multi themselves). */
struct http_sink {
	struct http_resp *r;
	size_t cap, max;
};

/* Configure h for url with options o, writing into r via s; free *hdrs after the transfer. */
void http_setup(CURL *h, const char *url, const struct http_opts *o, struct http_resp *r,
		struct http_sink *s, struct curl_slist **hdrs);
bool http_get(const char *url, const struct http_opts *o, struct http_resp *r);
void http_resp_free(struct http_resp *r);
double ts_mono(void);
/* A fresh temporary directory (under TMPDIR or /tmp); removed by ts_rmtree. */
bool ts_tmpdir(char *buf, size_t len);
void ts_rmtree(const char *dir);
bool ts_write_file(const char *path, const char *text);

#endif
