/*
 * compare.c -- `weft compare`: the lecture's comparison, on the user's own site.
 *
 * Runs `weft crawl` once per engine (serial, mutex, channel, pool, event) on the same target
 * and prints one row each: pages found, whether every engine found the same pages with the
 * same outcomes, wall time, CPU time, peak threads and peak memory.
 *
 * Each crawl is a child process (this same program, `weft crawl -e ENGINE -f jsonl --quiet
 * ...`), so its CPU time and peak RSS are its own (wait4's rusage) and one engine's memory
 * cannot flatter or burden the next. The child's JSON lines come back through a pipe; this
 * process keeps only a count and an order-independent digest of (url, status, error) per
 * engine, which is how "agree" is decided. Peak threads are sampled from /proc/PID/status
 * while the child runs (every millisecond, and whenever output arrives): a thread that lives
 * less than that may be missed, which matters only for the mutex engine's shortest fetches.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"

static const char compare_help[] =
	"usage: weft compare [--engines LIST] [crawl options] URL...\n"
	"       weft compare [--engines LIST] -w FILE|builtin [crawl options] [URL...]\n"
	"\n"
	"Crawl the same target once with each engine -- serial, mutex, channel, pool and event,\n"
	"the lecture's designs and weft's own -- and print a table: pages found and whether all\n"
	"engines agree on them, wall time, CPU time, peak threads and peak memory. Each crawl is\n"
	"`weft crawl` in a child process of its own, so the numbers are each engine's alone.\n"
	"\n"
	"options:\n"
	"      --engines LIST   comma-separated engines to run (default: all of them)\n"
	"  -h, --help           this text\n"
	"Every other option is a `weft crawl` option (weft crawl --help) and is passed to each\n"
	"crawl; -e, -f and -o are set by compare. With -w builtin and no URL, the lecture's\n"
	"http://golang.org/ is the start URL.\n"
	"\n"
	"exit codes: 0 all engines agree, 1 they disagree, 2 usage error, 3 a crawl failed\n";

#define MAX_ENGINES 8

struct result {
	const char *engine;
	int exit_code;          /* the child's, or -1 when it died of a signal */
	unsigned long pages;    /* records of fetched URLs (skipped ones are not pages) */
	unsigned long long digest; /* sum of mixed hashes of "url status error": order-free */
	double wall, cpu;       /* seconds */
	long peak_kib;          /* ru_maxrss */
	long peak_threads;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* FNV-1a, then a splitmix finaliser so that summing hashes stays a good set digest. */
static unsigned long long hash_str(const char *s, unsigned long long h)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static unsigned long long mix(unsigned long long z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* One JSON line of the child: count it and fold it into the digest. */
static void take_line(struct result *res, const char *line)
{
	json_error_t jerr;
	json_t *o = json_loads(line, 0, &jerr);
	if (!o)
		return;
	const char *url = json_string_value(json_object_get(o, "url"));
	if (url && !json_object_get(o, "skipped")) {
		const char *err = json_string_value(json_object_get(o, "error"));
		char st[32];
		snprintf(st, sizeof(st), " %lld ", (long long)json_integer_value(
							  json_object_get(o, "status")));
		unsigned long long h = hash_str(url, 1469598103934665603ull);
		h = hash_str(st, h);
		h = hash_str(err ? err : "", h);
		res->digest += mix(h);
		res->pages++;
	}
	json_decref(o);
}

/* Threads of pid right now, from /proc/PID/status; 0 when it cannot be read. */
static long threads_of(pid_t pid)
{
	char path[64], line[256];
	long n = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *fp = fopen(path, "r");
	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "Threads: %ld", &n) == 1)
			break;
	fclose(fp);
	return n;
}

/* Read the child's lines until EOF, sampling its threads as it runs. */
static void drain(struct result *res, pid_t pid, int fd)
{
	char buf[65536];
	char *line = NULL;
	size_t len = 0, cap = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	for (;;) {
		long t = threads_of(pid);
		if (t > res->peak_threads)
			res->peak_threads = t;
		int pr = poll(&p, 1, 1);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				if (line) {
					line[len] = '\0';
					take_line(res, line);
				}
				len = 0;
				continue;
			}
			if (len + 2 > cap) {
				size_t nc = cap ? cap * 2 : 4096;
				char *nl = realloc(line, nc);
				if (!nl)
					break; /* a line lost to memory: the digest will disagree */
				line = nl;
				cap = nc;
			}
			line[len++] = buf[i];
		}
	}
	free(line);
}

/* Run one engine's crawl: argv is `weft crawl -e ENGINE -f jsonl --quiet ...`. */
static int run_engine(struct result *res, char **argv)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		perror("weft compare: pipe");
		return -1;
	}
	double t0 = now();
	pid_t pid = fork();
	if (pid < 0) {
		perror("weft compare: fork");
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		execv("/proc/self/exe", argv);
		perror("weft compare: exec");
		_exit(EXIT_RUNTIME);
	}
	close(fds[1]);
	drain(res, pid, fds[0]);
	close(fds[0]);
	int status = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	res->wall = now() - t0;
	res->cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		   (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	res->peak_kib = ru.ru_maxrss;
	res->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return 0;
}

static bool known_engine(const char *name)
{
	for (const char *const *e = weft_engine_names(); *e; e++)
		if (strcmp(*e, name) == 0)
			return true;
	return false;
}

/* The engines to run: --engines LIST, or every engine, the lecture's first. */
static int pick_engines(char *list, char **out, size_t *n)
{
	static char order[][8] = { "serial", "mutex", "channel", "pool", "event" };
	*n = 0;
	if (!list) {
		for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
			if (known_engine(order[i]))
				out[(*n)++] = order[i];
		return 0;
	}
	for (char *save = NULL, *e = strtok_r(list, ",", &save); e;
	     e = strtok_r(NULL, ",", &save)) {
		if (!known_engine(e)) {
			fprintf(stderr, "weft compare: --engines: unknown engine '%s'\n", e);
			return EXIT_USAGE;
		}
		if (*n == MAX_ENGINES) {
			fprintf(stderr, "weft compare: --engines: at most %d\n", MAX_ENGINES);
			return EXIT_USAGE;
		}
		out[(*n)++] = e;
	}
	return *n ? 0 : EXIT_USAGE;
}

static void print_table(const struct result *res, size_t n, bool agree)
{
	printf("%-8s %9s %6s %9s %9s %8s %9s\n", "engine", "pages", "agree", "wall s", "cpu s",
	       "threads", "peak MiB");
	for (size_t i = 0; i < n; i++) {
		const struct result *r = &res[i];
		const char *ag = r->exit_code != 0 && r->exit_code != 1 ? "failed"
				 : r->digest == res[0].digest && r->pages == res[0].pages ? "yes"
											  : "NO";
		printf("%-8s %9lu %6s %9.3f %9.3f %8ld %9.1f\n", r->engine, r->pages, ag, r->wall,
		       r->cpu, r->peak_threads, (double)r->peak_kib / 1024.0);
	}
	printf("%s\n", agree ? "all engines found the same pages with the same outcomes"
			     : "the engines DISAGREE: see the rows marked NO");
}

/* Compare-only options out of argv; the rest (crawl options, URLs) into pass. */
static int split_args(int argc, char **argv, char **engines, char **pass, int *npass,
		      bool *has_url, bool *builtin)
{
	*npass = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(compare_help, stdout);
			return -1;
		}
		if (strcmp(a, "--engines") == 0 || strncmp(a, "--engines=", 10) == 0) {
			if (a[9] == '=')
				*engines = argv[i] + 10;
			else if (i + 1 < argc)
				*engines = argv[++i];
			else
				break;
			continue;
		}
		if (strcmp(a, "-e") == 0 || strncmp(a, "--engine", 8) == 0 ||
		    strcmp(a, "-f") == 0 || strncmp(a, "--format", 8) == 0 ||
		    strcmp(a, "-o") == 0 || strncmp(a, "--output", 8) == 0) {
			fprintf(stderr, "weft compare: '%s' is set by compare itself\n", a);
			return EXIT_USAGE;
		}
		if ((strcmp(a, "-w") == 0 || strcmp(a, "--web") == 0) && i + 1 < argc &&
		    strcmp(argv[i + 1], "builtin") == 0)
			*builtin = true;
		*has_url |= strstr(a, "://") != NULL;
		pass[(*npass)++] = argv[i];
	}
	return 0;
}

int cmd_compare(int argc, char **argv)
{
	char *engines = NULL;
	char **pass = calloc((size_t)argc + 8, sizeof(*pass));
	char **child = calloc((size_t)argc + 16, sizeof(*child));
	struct result res[MAX_ENGINES];
	char *names[MAX_ENGINES];
	size_t n = 0;
	int npass = 0, code = EXIT_OK;
	bool has_url = false, builtin = false;
	if (!pass || !child) {
		code = EXIT_RUNTIME;
		goto out;
	}
	code = split_args(argc, argv, &engines, pass, &npass, &has_url, &builtin);
	if (code)
		goto out;
	if ((code = pick_engines(engines, names, &n)) != 0) {
		fputs(compare_help, stderr);
		goto out;
	}
	static char golang[] = "http://golang.org/", a_weft[] = "weft", a_crawl[] = "crawl",
		    a_e[] = "-e", a_f[] = "-f", a_jsonl[] = "jsonl", a_quiet[] = "--quiet";
	if (!has_url && builtin)
		pass[npass++] = golang;
	memset(res, 0, sizeof(res));
	fflush(stdout);
	bool agree = true;
	for (size_t i = 0; i < n && code == EXIT_OK; i++) {
		int k = 0;
		child[k++] = a_weft;
		child[k++] = a_crawl;
		child[k++] = a_e;
		child[k++] = names[i];
		child[k++] = a_f;
		child[k++] = a_jsonl;
		child[k++] = a_quiet;
		for (int j = 0; j < npass; j++)
			child[k++] = pass[j];
		child[k] = NULL;
		res[i].engine = names[i];
		fprintf(stderr, "weft compare: %s ...\n", names[i]);
		if (run_engine(&res[i], child) != 0) {
			code = EXIT_RUNTIME;
			break;
		}
		if (res[i].exit_code == EXIT_USAGE) { /* the crawl said why on stderr */
			code = EXIT_USAGE;
			break;
		}
		if (res[i].exit_code != 0 && res[i].exit_code != 1)
			code = EXIT_RUNTIME;
		if (res[i].pages != res[0].pages || res[i].digest != res[0].digest)
			agree = false;
	}
	if (code == EXIT_OK || code == EXIT_RUNTIME) {
		print_table(res, n, agree && code == EXIT_OK);
		if (code == EXIT_OK && !agree)
			code = EXIT_BROKEN;
	}
out:
	free(pass);
	free(child);
	return code < 0 ? EXIT_OK : code;
}
