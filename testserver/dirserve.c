/*
 * dirserve.c -- --dir mode: serve a directory tree the way python's http.server does.
 *
 * The URL path (already percent-decoded by libmicrohttpd) must start with --prefix
 * (default "/"); the rest maps to a file under --dir. Rules:
 *   - any ".." path segment is refused with 403 (no traversal, encoded or not);
 *   - a directory URL ending in "/" serves its index.html (404 when there is none: no
 *     listings), one without the slash gets a 301 to the slash form;
 *   - a regular file is sent with sendfile (MHD fd response), Content-Type by extension
 *     (text/html without charset for .html/.htm; application/octet-stream by default);
 *   - anything else is 404.
 * Stateless; every call opens its own file descriptor (owned by the response).
 */
#include "ts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
	const char *ext, *type;
} types[] = {
	{"html", "text/html"},	{"htm", "text/html"},	{"css", "text/css"},
	{"js", "text/javascript"},	{"png", "image/png"},	{"jpg", "image/jpeg"},
	{"jpeg", "image/jpeg"},	{"gif", "image/gif"},	{"svg", "image/svg+xml"},
	{"txt", "text/plain"},	{"pdf", "application/pdf"},	{"xml", "text/xml"},
	{"json", "application/json"},	{"ico", "image/x-icon"},
};

static const char *content_type(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(path, '.');
	if (dot && (!slash || dot > slash))
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
			if (strcasecmp(dot + 1, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

/* True when some "/"-separated segment of rel is "..". */
static bool has_dotdot(const char *rel)
{
	for (const char *p = rel; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p += n;
		if (*p == '/')
			p++;
	}
	return false;
}

static bool not_found(struct ts_reply *r)
{
	return ts_html_reply(r, 404, "Not Found", "No such file.");
}

/* 301 from the decoded path to path + "/" (re-encoded for the Location header). */
static bool slash_redirect(const char *path, struct ts_reply *r)
{
	size_t n = ts_url_encode_path(path, NULL, 0);
	char *loc = malloc(n + 2);
	if (!loc)
		return false;
	ts_url_encode_path(path, loc, n + 1);
	memcpy(loc + n, "/", 2);
	bool ok = ts_redirect_reply(r, 301, loc);
	free(loc);
	return ok;
}

/* Send an open regular file (fd is consumed). */
static bool file_reply(int fd, const struct stat *st, const char *name, struct ts_reply *r)
{
	r->resp = MHD_create_response_from_fd64((uint64_t)st->st_size, fd);
	if (!r->resp) {
		close(fd);
		return false;
	}
	r->status = 200;
	return MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				       content_type(name)) == MHD_YES;
}

/*
 * Open fs and answer with it: a file is sent, a directory redirects to its slash form or
 * serves its index.html (is_index: we are that index already, so a directory is 404).
 */
static bool serve_path(const char *fs, const char *path, bool is_index, struct ts_reply *r)
{
	struct stat st;
	int fd = open(fs, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == EACCES ? ts_html_reply(r, 403, "Forbidden", "Not readable.")
				       : not_found(r);
	if (fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) {
		close(fd);
		return not_found(r);
	}
	if (S_ISREG(st.st_mode))
		return file_reply(fd, &st, fs, r);
	close(fd);
	size_t pl = strlen(path);
	if (is_index)
		return not_found(r);
	if (pl == 0 || path[pl - 1] != '/')
		return slash_redirect(path, r);
	size_t fl = strlen(fs);
	char *index = malloc(fl + sizeof "/index.html");
	if (!index)
		return false;
	snprintf(index, fl + sizeof "/index.html", "%s%sindex.html", fs,
		 fl && fs[fl - 1] == '/' ? "" : "/");
	bool ok = serve_path(index, path, true, r);
	free(index);
	return ok;
}

/* Answer a GET/HEAD for the decoded URL path in --dir mode. */
bool dir_handle(const struct ts_config *cfg, const char *path, struct ts_reply *r)
{
	const char *prefix = cfg->prefix ? cfg->prefix : "/";
	size_t pl = strlen(prefix);
	if (strlen(path) + 1 == pl && strncmp(path, prefix, pl - 1) == 0)
		return slash_redirect(path, r);
	if (strncmp(path, prefix, pl) != 0)
		return not_found(r);
	const char *rel = path + pl;
	if (has_dotdot(rel))
		return ts_html_reply(r, 403, "Forbidden", "Path traversal is not allowed.");
	size_t need = strlen(cfg->dir) + strlen(rel) + 2;
	char *fs = malloc(need);
	if (!fs)
		return false;
	snprintf(fs, need, "%s/%s", cfg->dir, rel);
	bool ok = serve_path(fs, path, false, r);
	free(fs);
	return ok;
}
