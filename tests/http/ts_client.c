/*
 * ts_client.c -- see ts_client.h. Process handling uses posix_spawn with the child's
 * stdout on a pipe; readiness is the "PORT <n>" line, read with poll() and a deadline.
 */
#include "ts_client.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

double ts_mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static const char *server_path(void)
{
	const char *p = getenv("WEFT_TESTSERVER");
	if (!p || !*p)
		fprintf(stderr, "ts_client: WEFT_TESTSERVER is not set\n");
	return p && *p ? p : NULL;
}

/* Spawn the server with stdout (and optionally stderr) on pipes, or stderr to a file. */
static pid_t spawn(const char *const *args, int *out_fd, int *err_fd, const char *err_path)
{
	const char *prog = server_path();
	const char *argv[64];
	int po[2] = {-1, -1}, pe[2] = {-1, -1};
	posix_spawn_file_actions_t fa;
	pid_t pid = -1;
	size_t n = 0;
	if (!prog || pipe2(po, O_CLOEXEC) != 0 || (err_fd && pipe2(pe, O_CLOEXEC) != 0))
		goto out;
	argv[n++] = prog;
	for (; args[n - 1] && n < 63; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	if (err_fd)
		posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	else if (err_path)
		posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC,
						 0644);
	if (posix_spawn(&pid, prog, &fa, NULL, (char *const *)(uintptr_t)argv, environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
out:
	if (po[1] >= 0)
		close(po[1]);
	if (pe[1] >= 0)
		close(pe[1]);
	*out_fd = po[0];
	if (err_fd)
		*err_fd = pe[0];
	return pid;
}

/* Read one line from fd within timeout_ms (byte by byte: nothing after it is lost). */
static bool read_line(int fd, char *buf, size_t len, int timeout_ms)
{
	size_t n = 0;
	double deadline = ts_mono() + timeout_ms / 1000.0;
	while (n + 1 < len) {
		struct pollfd pfd = {fd, POLLIN, 0};
		int left = (int)((deadline - ts_mono()) * 1000);
		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			return false;
		char c;
		if (read(fd, &c, 1) != 1)
			return false;
		if (c == '\n')
			break;
		buf[n++] = c;
	}
	buf[n] = '\0';
	return true;
}

bool ts_spawn(struct ts_proc *p, const char *const *args)
{
	return ts_spawn_logged(p, args, NULL);
}

bool ts_spawn_logged(struct ts_proc *p, const char *const *args, const char *err_path)
{
	char line[64] = "";
	memset(p, 0, sizeof *p);
	p->pid = spawn(args, &p->out_fd, NULL, err_path);
	if (p->pid < 0)
		return false;
	if (!read_line(p->out_fd, line, sizeof line, 60000) ||
	    sscanf(line, "PORT %u", &p->port) != 1 || p->port == 0) {
		fprintf(stderr, "ts_client: no PORT line from the server (got '%s')\n", line);
		ts_stop(p, SIGKILL);
		return false;
	}
	snprintf(p->base, sizeof p->base, "http://127.0.0.1:%u", p->port);
	return true;
}

bool ts_read_line(struct ts_proc *p, char *buf, size_t len)
{
	return read_line(p->out_fd, buf, len, 10000);
}

void ts_host_origin(const struct ts_proc *p, unsigned i, char *buf, size_t len)
{
	if (i == 0)
		snprintf(buf, len, "http://127.0.0.1:%u", p->port);
	else
		snprintf(buf, len, "http://127.1.%u.%u:%u", (i - 1) / 250, (i - 1) % 250 + 1,
			 p->port);
}

/* waitpid with a deadline; the decoded exit status or -1. */
static int wait_exit(pid_t pid, double timeout_s)
{
	int st;
	double deadline = ts_mono() + timeout_s;
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (r < 0 || ts_mono() > deadline)
			return -1;
		struct timespec ts = {0, 2000000};
		nanosleep(&ts, NULL); /* polling the child's exit, not waiting for readiness */
	}
}

int ts_stop(struct ts_proc *p, int sig)
{
	if (p->pid <= 0)
		return -1;
	kill(p->pid, sig);
	int rc = wait_exit(p->pid, 20);
	if (rc < 0) {
		kill(p->pid, SIGKILL);
		wait_exit(p->pid, 5);
	}
	if (p->out_fd >= 0)
		close(p->out_fd);
	p->pid = 0;
	p->out_fd = -1;
	return rc;
}

/* Read all of fd into a new string. */
static char *slurp_fd(int fd)
{
	size_t n = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t got;
	while (buf && (got = read(fd, buf + n, cap - n - 1)) > 0) {
		n += (size_t)got;
		if (n + 1 == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	if (buf)
		buf[n] = '\0';
	close(fd);
	return buf;
}

int ts_run(const char *const *args, char **out, char **err)
{
	int ofd, efd;
	pid_t pid = spawn(args, &ofd, &efd, NULL);
	if (pid < 0)
		return -1;
	*err = slurp_fd(efd);
	*out = slurp_fd(ofd);
	int rc = wait_exit(pid, 20);
	if (rc < 0)
		kill(pid, SIGKILL);
	return rc;
}

/* ---- HTTP ---------------------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *cls)
{
	struct http_sink *s = cls;
	size_t n = size * nmemb;
	if (s->max && s->r->len + n > s->max)
		return 0; /* abort */
	if (s->r->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 8192;
		while (cap < s->r->len + n + 1)
			cap *= 2;
		char *b = realloc(s->r->body, cap);
		if (!b)
			return 0;
		s->r->body = b;
		s->cap = cap;
	}
	memcpy(s->r->body + s->r->len, data, n);
	s->r->len += n;
	s->r->body[s->r->len] = '\0';
	return n;
}

/* Keep the value of header `name` from line into dst (trimmed). */
static void keep_header(const char *line, size_t n, const char *name, char *dst, size_t cap)
{
	size_t nl = strlen(name);
	if (n <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return;
	const char *v = line + nl + 1;
	size_t vl = n - nl - 1;
	while (vl && (*v == ' ' || *v == '\t'))
		v++, vl--;
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	snprintf(dst, cap, "%.*s", (int)vl, v);
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *cls)
{
	struct http_resp *r = cls;
	size_t n = size * nmemb;
	char cl[32] = "";
	keep_header(data, n, "Content-Type", r->ctype, sizeof r->ctype);
	keep_header(data, n, "Location", r->location, sizeof r->location);
	keep_header(data, n, "Content-Encoding", r->encoding, sizeof r->encoding);
	keep_header(data, n, "Retry-After", r->retry_after, sizeof r->retry_after);
	keep_header(data, n, "Content-Length", cl, sizeof cl);
	if (*cl)
		r->content_length = atol(cl);
	return n;
}

void http_setup(CURL *h, const char *url, const struct http_opts *o, struct http_resp *r,
		struct http_sink *s, struct curl_slist **hdrs)
{
	static const struct http_opts none = {0};
	if (!o)
		o = &none;
	memset(r, 0, sizeof *r);
	r->content_length = -1;
	*s = (struct http_sink){r, 0, o->max_bytes};
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms ? o->timeout_ms : 20000L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_NOBODY, o->head ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_PATH_AS_IS, o->path_as_is ? 1L : 0L);
	if (o->accept_encoding)
		curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, o->accept_encoding);
	if (o->no_decode)
		curl_easy_setopt(h, CURLOPT_HTTP_CONTENT_DECODING, 0L);
	if (o->user_agent)
		curl_easy_setopt(h, CURLOPT_USERAGENT, o->user_agent);
	if (o->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	*hdrs = NULL;
	for (size_t i = 0; o->headers && o->headers[i]; i++)
		*hdrs = curl_slist_append(*hdrs, o->headers[i]);
	if (*hdrs)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
}

bool http_get(const char *url, const struct http_opts *o, struct http_resp *r)
{
	struct http_sink s;
	struct curl_slist *hdrs;
	CURL *h = curl_easy_init();
	if (!h)
		return false;
	http_setup(h, url, o, r, &s, &hdrs);
	double t0 = ts_mono();
	r->err = curl_easy_perform(h);
	r->secs = ts_mono() - t0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	if (!r->body)
		r->body = calloc(1, 1);
	return r->err == CURLE_OK;
}

void http_resp_free(struct http_resp *r)
{
	free(r->body);
	r->body = NULL;
}

bool ts_tmpdir(char *buf, size_t len)
{
	const char *t = getenv("TMPDIR");
	snprintf(buf, len, "%s/weft-ts-XXXXXX", t && *t ? t : "/tmp");
	return mkdtemp(buf) != NULL;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void ts_rmtree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

bool ts_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	fputs(text, f);
	return fclose(f) == 0;
}
