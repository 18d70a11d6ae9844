/*
 * test_check_http.c -- `weft check` end to end over HTTP against weft-testserver on loopback.
 *
 * The server serves a small site from a temporary directory (--dir) on 127.0.0.1 and, with
 * --hosts 1, the same files on 127.1.0.1: a second host, outside the crawl's scope, whose links
 * are checked (HEAD, GET when HEAD is refused) and never crawled. The site has good links, a
 * 404 linked from two pages, a broken external link, an external link answering 405 to HEAD
 * and 200 to GET (/_test/no-head: not broken), an image that 404s, a stylesheet that exists,
 * a missing #fragment, fragments present as an id and as an <a name>, and an external link
 * with a fragment (not checked: an external page is not parsed). The exact set of broken
 * targets and their referrers (page and line) is asserted, for three engines, with exit code
 * 1; a clean site exits 0; an unreachable start URL exits 1 with its error; no URL exits 2.
 */
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include "check.h"
#include "ts_client.h"

static char tmp[512];
static char base[128], ext[128]; /* the crawled host's and the external host's origins */

/* Run the weft binary with args (NULL-terminated, program name first excluded); stdout into
   out_path. Returns its exit code, or -1. */
static int run_weft(const char *const *args, const char *out_path)
{
	const char *exe = getenv("WEFT_EXE");
	if (!exe)
		return -1;
	const char *argv[64];
	size_t n = 0;
	argv[n++] = exe;
	for (size_t i = 0; args[i] && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	char err_path[600];
	snprintf(err_path, sizeof(err_path), "%s.err", out_path);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int efd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || efd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(efd, 2);
		execv(exe, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	if (!WIFEXITED(st)) {
		size_t len;
		char *e = check_slurp(err_path, &len);
		fprintf(stderr, "weft died (signal %d): %s\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0,
			e ? e : "");
		free(e);
		return -1;
	}
	return WEXITSTATUS(st);
}

/* 1-based line of the first occurrence of needle in text (0 when absent). */
static unsigned line_of(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);
	unsigned line = 1;
	if (!p)
		return 0;
	for (const char *q = text; q < p; q++)
		line += *q == '\n';
	return line;
}

static char index_html[4096], good_html[1024];

static bool write_site(void)
{
	char path[700];
	snprintf(index_html, sizeof(index_html),
		 "<!DOCTYPE html>\n<html><head><title>home</title>\n"
		 "<link rel=\"stylesheet\" href=\"style.css\">\n"
		 "</head><body>\n"
		 "<p><a href=\"good.html\">good page</a></p>\n"
		 "<p><a href=\"nope.html\">Nope from index</a></p>\n"
		 "<p><a href=\"%s/nope.html\">external broken</a></p>\n"
		 "<p><a href=\"%s/_test/no-head\">refuses HEAD</a></p>\n"
		 "<p><a href=\"%s/good.html#whatever\">external fragment</a></p>\n"
		 "<p><img src=\"missing.png\" alt=\"logo\"></p>\n"
		 "<p><a href=\"good.html#nowhere\">bad fragment</a></p>\n"
		 "<p><a href=\"good.html#there\">by id</a></p>\n"
		 "<p><a href=\"good.html#named\">by name</a></p>\n"
		 "<p><a href=\"#top\">top</a> <a href=\"mailto:x@example.test\">mail</a></p>\n"
		 "</body></html>\n",
		 ext, ext, ext);
	snprintf(good_html, sizeof(good_html),
		 "<!DOCTYPE html>\n<html><head><title>good</title></head><body>\n"
		 "<h2 id=\"there\">There</h2>\n"
		 "<p><a name=\"named\">named anchor</a></p>\n"
		 "<p><a href=\"index.html\">home</a></p>\n"
		 "<p><a href=\"nope.html\">Nope from good</a></p>\n"
		 "</body></html>\n");
	bool ok = true;
	snprintf(path, sizeof(path), "%s/site/index.html", tmp);
	ok = ok && ts_write_file(path, index_html);
	snprintf(path, sizeof(path), "%s/site/good.html", tmp);
	ok = ok && ts_write_file(path, good_html);
	snprintf(path, sizeof(path), "%s/site/style.css", tmp);
	ok = ok && ts_write_file(path, "body { color: black }\n");
	/* the clean site */
	snprintf(path, sizeof(path), "%s/site/clean", tmp);
	ok = ok && mkdir(path, 0700) == 0;
	snprintf(path, sizeof(path), "%s/site/clean/index.html", tmp);
	char clean[1024];
	snprintf(clean, sizeof(clean),
		 "<html><head><link rel=stylesheet href=\"../style.css\"></head><body>\n"
		 "<a href=\"two.html#sec\">two</a> <a href=\"%s/_test/no-head\">ext</a>\n"
		 "<img src=\"%s/style.css\" alt=\"not an image, but there\">\n</body></html>\n",
		 ext, ext);
	ok = ok && ts_write_file(path, clean);
	snprintf(path, sizeof(path), "%s/site/clean/two.html", tmp);
	ok = ok && ts_write_file(path, "<html><body><h1 id=sec>Two</h1>"
					"<a href=\"index.html\">back</a></body></html>\n");
	return ok;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The report of one run: "URL|error|page:line,page:line" lines, sorted, in one string. */
static char *summarise(const char *out_path)
{
	size_t len;
	char *text = check_slurp(out_path, &len);
	if (!text)
		return NULL;
	char **lines = NULL;
	size_t n = 0;
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		json_error_t je;
		json_t *o = json_loads(l, 0, &je);
		if (!o) {
			CHECK_FAIL("not JSON: %s", l);
			continue;
		}
		char buf[4096];
		int k = snprintf(buf, sizeof(buf), "%s|%s|%lld|",
				 json_string_value(json_object_get(o, "url")),
				 json_string_value(json_object_get(o, "error")),
				 json_integer_value(json_object_get(o, "status")));
		CHECK(json_is_string(json_object_get(o, "error_msg")));
		size_t i;
		json_t *r;
		json_array_foreach(json_object_get(o, "referrers"), i, r) {
			k += snprintf(buf + k, sizeof(buf) - (size_t)k, "%s%s:%lld:%s", i ? "," : "",
				      json_string_value(json_object_get(r, "page")),
				      json_integer_value(json_object_get(r, "line")),
				      json_string_value(json_object_get(r, "text")));
		}
		if (json_is_true(json_object_get(o, "start")))
			snprintf(buf + k, sizeof(buf) - (size_t)k, "|start");
		lines = realloc(lines, (n + 1) * sizeof(*lines));
		lines[n++] = strdup(buf);
		json_decref(o);
	}
	free(text);
	if (n)
		qsort(lines, n, sizeof(*lines), by_str);
	size_t total = 1;
	for (size_t i = 0; i < n; i++)
		total += strlen(lines[i]) + 1;
	char *s = calloc(1, total);
	for (size_t i = 0; i < n; i++) {
		strcat(s, lines[i]);
		strcat(s, "\n");
		free(lines[i]);
	}
	free(lines);
	return s;
}

static char *expected_broken(void)
{
	char l[4][1024];
	snprintf(l[0], sizeof(l[0]), "%s/good.html#nowhere|fragment|200|%s/index.html:%u:bad fragment",
		 base, base, line_of(index_html, "#nowhere"));
	snprintf(l[1], sizeof(l[1]), "%s/missing.png|http|404|%s/index.html:%u:logo", base, base,
		 line_of(index_html, "missing.png"));
	snprintf(l[2], sizeof(l[2]),
		 "%s/nope.html|http|404|%s/good.html:%u:Nope from good,%s/index.html:%u:Nope from index",
		 base, base, line_of(good_html, "nope.html"), base, line_of(index_html, "\"nope.html"));
	snprintf(l[3], sizeof(l[3]), "%s/nope.html|http|404|%s/index.html:%u:external broken", ext,
		 base, line_of(index_html, "/nope.html"));
	char *v[4] = { l[0], l[1], l[2], l[3] };
	qsort(v, 4, sizeof(*v), by_str);
	char *s = calloc(1, 8192);
	for (int i = 0; i < 4; i++) {
		strcat(s, v[i]);
		strcat(s, "\n");
	}
	return s;
}

static void test_broken_site(void)
{
	char seed[256], out[700];
	snprintf(seed, sizeof(seed), "%s/index.html", base);
	snprintf(out, sizeof(out), "%s/out.jsonl", tmp);
	char *want = expected_broken();
	const char *engines[] = { "event", "pool", "serial" };
	for (int e = 0; e < 3; e++) {
		const char *args[] = { "check", "-q", "--retries", "0", "-e", engines[e], "-c", "4",
				       "-f", "jsonl", "-o", out, seed, NULL };
		int rc = run_weft(args, out);
		CHECK_INT(rc, 1);
		char *got = summarise(out);
		if (!got || strcmp(got, want) != 0)
			CHECK_FAIL("engine %s: broken targets differ:\n--- got\n%s--- want\n%s",
				   engines[e], got ? got : "(none)\n", want);
		free(got);
	}
	free(want);

	/* text: grouped by page, the summary line */
	const char *args[] = { "check", "-q", "--retries", "0", seed, NULL };
	CHECK_INT(run_weft(args, out), 1);
	size_t len;
	char *text = check_slurp(out, &len);
	char line[1024];
	snprintf(line, sizeof(line), "\n  line %u: <img> \"logo\" -> %s/missing.png  404 Not Found\n",
		 line_of(index_html, "missing.png"), base);
	CHECK(text && strstr(text, line));
	snprintf(line, sizeof(line), "%s/good.html\n  line %u: <a> \"Nope from good\" -> %s/nope.html"
		 "  404 Not Found\n", base, line_of(good_html, "nope.html"), base);
	CHECK(text && strstr(text, line));
	CHECK(text && strstr(text, ", 4 broken (5 links)"));
	if (text && !strstr(text, ", 4 broken (5 links)"))
		fprintf(stderr, "text was:\n%s", text);
	free(text);

	/* --no-fragments and --no-resources: the fragment and the image are not reported */
	const char *args2[] = { "check", "-q", "--retries", "0", "--no-fragments", "--no-resources",
				"-f", "jsonl", seed, NULL };
	CHECK_INT(run_weft(args2, out), 1);
	char *got = summarise(out);
	CHECK(got && !strstr(got, "#nowhere") && !strstr(got, "missing.png") &&
	      strstr(got, "/nope.html|http|404"));
	free(got);

	/* --exclude: neither crawled nor checked */
	const char *args3[] = { "check", "-q", "--retries", "0", "--exclude", "nope|missing|#",
				"--no-fragments", "-f", "jsonl", seed, NULL };
	CHECK_INT(run_weft(args3, out), 0);
	got = summarise(out);
	CHECK(got && got[0] == '\0');
	free(got);
}

static void test_clean_site(void)
{
	char seed[256], out[700];
	snprintf(seed, sizeof(seed), "%s/clean/index.html", base);
	snprintf(out, sizeof(out), "%s/clean.txt", tmp);
	const char *args[] = { "check", "-q", "--retries", "0", seed, NULL };
	CHECK_INT(run_weft(args, out), 0);
	size_t len;
	char *text = check_slurp(out, &len);
	CHECK(text && strstr(text, "2 pages, ") && strstr(text, ", 0 broken (0 links)"));
	if (text && !strstr(text, ", 0 broken (0 links)"))
		fprintf(stderr, "clean site report:\n%s", text);
	free(text);
}

static unsigned free_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t n = sizeof(a);
	unsigned port = 0;
	if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(s, (struct sockaddr *)&a, &n) == 0)
		port = ntohs(a.sin_port);
	if (s >= 0)
		close(s);
	return port;
}

static void test_unreachable_and_usage(void)
{
	char seed[128], out[700];
	unsigned port = free_port();
	REQUIRE(port);
	snprintf(seed, sizeof(seed), "http://127.0.0.1:%u/", port);
	snprintf(out, sizeof(out), "%s/dead.jsonl", tmp);
	const char *args[] = { "check", "-q", "--retries", "0", "-f", "jsonl", seed, NULL };
	CHECK_INT(run_weft(args, out), 1);
	char *got = summarise(out);
	char want[256];
	snprintf(want, sizeof(want), "%s|connect|0||start\n", seed);
	CHECK(got && strcmp(got, want) == 0);
	if (got && strcmp(got, want) != 0)
		fprintf(stderr, "got %s", got);
	free(got);

	const char *none[] = { "check", "-q", NULL };
	CHECK_INT(run_weft(none, out), 2);
	const char *bad[] = { "check", "--no-such-option", seed, NULL };
	CHECK_INT(run_weft(bad, out), 2);
	const char *badweb[] = { "check", "-w", "/nonexistent/web.jsonl", seed, NULL };
	CHECK_INT(run_weft(badweb, out), 2);
}

int main(void)
{
	if (!getenv("WEFT_EXE") || !getenv("WEFT_TESTSERVER")) {
		fprintf(stderr, "WEFT_EXE and WEFT_TESTSERVER must be set (meson test does)\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!ts_tmpdir(tmp, sizeof(tmp)))
		return 1;
	/* The pages name the server's port: the directory exists when the server starts, the
	   files are written once the port is known (they are read per request). */
	char dir[600];
	snprintf(dir, sizeof(dir), "%s/site", tmp);
	const char *sargs[] = { "--dir", dir, "--hosts", "1", NULL };
	struct ts_proc srv;
	if (mkdir(dir, 0700) != 0 || !ts_spawn(&srv, sargs)) {
		ts_rmtree(tmp);
		return 1;
	}
	ts_host_origin(&srv, 0, base, sizeof(base));
	ts_host_origin(&srv, 1, ext, sizeof(ext));
	bool ok = write_site();
	if (!ok) {
		CHECK_FAIL("could not write the site under %s", tmp);
	} else {
		RUN(test_broken_site);
		RUN(test_clean_site);
		RUN(test_unreachable_and_usage);
	}
	ts_stop(&srv, SIGTERM);
	ts_rmtree(tmp);
	return check_report();
}
