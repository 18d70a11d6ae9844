/*
 * options.c -- what `weft crawl` and `weft check` share: the crawl, politeness and HTTP options
 * (parsed into struct crawl_opts), their help text, and the fetcher they ask for.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft/fake.h>

#include "cli.h"

const char *cli_cmd = "weft";

/* The help of the options every crawling command shares (after its own). */
const char cli_help_shared[] =
	"\nLimits (docs/LIMITS.md; 0 = no limit):\n"
	"      --max-url-len N  skip longer URLs (default 4096)\n"
	"      --max-links N    links kept per page (default 10000)\n"
	"      --max-redirects N  hops in one redirect chain (default 10)\n"
	"      --max-path-segments N  skip URLs with more path segments (default 32)\n"
	"      --max-repeats N  skip URLs with one path segment more often (default 3)\n"
	"      --max-similar N  URLs per host differing only in digits (default 50000)\n"
	"      --max-pages-per-host N  (default 0)\n"
	"      --max-time SECONDS  for the whole crawl (default 0)\n"
	"\nHTTP options:\n"
	"  -A, --user-agent UA  User-Agent header (default weft/VERSION)\n"
	"  -H, --header 'N: v'  an extra request header (repeatable)\n"
	"      --max-body BYTES keep at most this much of a body (default 10485760)\n"
	"      --connect-timeout MS   (default 10000)\n"
	"      --timeout MS     whole-transfer timeout (default 30000)\n"
	"      --low-speed B/S  abort a transfer slower than B bytes/s for S seconds\n"
	"                       (default 100/15: slowloris servers end as timeouts)\n"
	"      --max-ratio N    a compressed body decoding to over N times its size is an\n"
	"                       error, too_big (a gzip bomb; checked past 1 MiB; default 100,\n"
	"                       0 = off)\n"
	"      --retries N      retries of transient failures: connect errors, 429, 5xx (default 2)\n"
	"      --cookies        keep cookies between requests (default off)\n"
	"      --insecure       do not verify TLS certificates\n"
	"      --no-http2       speak HTTP/1.1 only\n"
	"  -h, --help           this text\n"
	"\nWhile it runs, a status line on standard error (only when it is a terminal, and not\n"
	"with --quiet) shows pages done, in flight, queued, errors, pages/s and the time; at the\n"
	"end a summary gives pages, errors by kind, bytes, wall and CPU time and peak memory.\n"
	"Ctrl-C (SIGINT) or SIGTERM stops the crawl at once: fetches in flight are abandoned\n"
	"(no record; the summary counts them), every record completed so far is written, and\n"
	"weft exits 130 (SIGINT) or 143 (SIGTERM). A second Ctrl-C exits immediately, still\n"
	"without a torn output line.\n";

bool cli_parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

int cli_bad(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "%s: %s '%s': %s\n", cli_cmd, opt, val, why);
	return EXIT_USAGE;
}

/* Seconds: a decimal number from 0 to a day. */
static int parse_secs(const char *opt, const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0 && v <= 86400))
		return cli_bad(opt, s, "expected seconds from 0 to 86400");
	*out = v;
	return 0;
}

static int set_scope(struct crawl_opts *o, const char *s)
{
	if (strcmp(s, "host") == 0)
		o->cfg.scope = WEFT_SCOPE_HOST;
	else if (strcmp(s, "domain") == 0)
		o->cfg.scope = WEFT_SCOPE_DOMAIN;
	else if (strcmp(s, "any") == 0)
		o->cfg.scope = WEFT_SCOPE_ANY;
	else
		return cli_bad("--scope", s, "expected host, domain or any");
	return 0;
}

static int add_pattern(const char **list, size_t *n, const char *opt, const char *re)
{
	if (*n >= 64)
		return cli_bad(opt, re, "at most 64 patterns");
	list[(*n)++] = re;
	return 0;
}

/* Long-only shared options. */
enum {
	OPT_MAX_RATIO = 0x4801, OPT_LOW_SPEED, OPT_MAX_URL_LEN, OPT_MAX_LINKS, OPT_MAX_REDIRECTS,
	OPT_MAX_PATH_SEGMENTS, OPT_MAX_REPEATS, OPT_MAX_SIMILAR, OPT_MAX_PER_HOST_PAGES,
	OPT_MAX_TIME,
};

/* A limit against a hostile web (docs/LIMITS.md); 0, an exit code, or CLI_NOT_MINE. */
static int apply_limit(struct crawl_opts *o, int ch, const char *arg)
{
	long v;
	switch (ch) {
	case OPT_MAX_URL_LEN:
	case OPT_MAX_LINKS:
		if (!cli_parse_int(arg, 0, LONG_MAX, &v))
			return cli_bad(ch == OPT_MAX_URL_LEN ? "--max-url-len" : "--max-links", arg,
				       "expected an integer >= 0");
		*(ch == OPT_MAX_URL_LEN ? &o->cfg.max_url_len : &o->cfg.max_links) = (size_t)v;
		return 0;
	case OPT_MAX_REDIRECTS:
	case OPT_MAX_PATH_SEGMENTS:
	case OPT_MAX_REPEATS:
		if (!cli_parse_int(arg, 0, 1000000, &v))
			return cli_bad(ch == OPT_MAX_REDIRECTS	   ? "--max-redirects"
				       : ch == OPT_MAX_REPEATS ? "--max-repeats"
							       : "--max-path-segments",
				       arg, "expected an integer from 0 to 1000000");
		*(ch == OPT_MAX_REDIRECTS ? &o->cfg.max_redirects
		  : ch == OPT_MAX_REPEATS ? &o->cfg.max_repeats
					  : &o->cfg.max_path_segments) = (int)v;
		return 0;
	case OPT_MAX_SIMILAR:
	case OPT_MAX_PER_HOST_PAGES:
		if (!cli_parse_int(arg, 0, LONG_MAX, &v))
			return cli_bad(ch == OPT_MAX_SIMILAR ? "--max-similar" : "--max-pages-per-host",
				       arg, "expected an integer >= 0");
		*(ch == OPT_MAX_SIMILAR ? &o->cfg.max_similar : &o->cfg.max_pages_per_host) = v;
		return 0;
	case OPT_MAX_TIME: return parse_secs("--max-time", arg, &o->cfg.max_time);
	default: return CLI_NOT_MINE;
	}
}

/* One shared option; 0, an exit code to stop with, or CLI_NOT_MINE. */
static int apply_common(struct crawl_opts *o, int ch, const char *arg)
{
	long v;
	switch (ch) {
	case 'e': o->cfg.engine = arg; return 0;
	case 'c':
		if (strcmp(arg, "auto") == 0) {
			o->cfg.concurrency = WEFT_CONCURRENCY_AUTO;
			return 0;
		}
		if (!cli_parse_int(arg, 1, 1000000, &v))
			return cli_bad("--concurrency", arg,
				       "expected 'auto' or an integer from 1 to 1000000");
		o->cfg.concurrency = (int)v;
		return 0;
	case 'L':
		if (!cli_parse_int(arg, 1, 8, &v))
			return cli_bad("--loops", arg, "expected an integer from 1 to 8");
		o->cfg.loops = (int)v;
		return 0;
	case 'w': o->web = arg; return 0;
	case 'f': o->format = arg; return 0;
	case 'o': o->output = arg; return 0;
	case 'd':
		if (!cli_parse_int(arg, 0, INT_MAX, &v))
			return cli_bad("--depth", arg, "expected a non-negative integer");
		o->cfg.max_depth = (int)v;
		return 0;
	case 'm':
		if (!cli_parse_int(arg, 1, LONG_MAX, &v))
			return cli_bad("--max-pages", arg, "expected a positive integer");
		o->cfg.max_pages = v;
		return 0;
	case 'S': return set_scope(o, arg);
	case 'I': return add_pattern(o->include, &o->cfg.n_include, "--include", arg);
	case 'X': return add_pattern(o->exclude, &o->cfg.n_exclude, "--exclude", arg);
	case 'q': o->quiet = true; return 0;
	case 'P':
		if (!cli_parse_int(arg, 0, 1000000, &v))
			return cli_bad("--max-per-host", arg, "expected an integer >= 0");
		o->cfg.max_per_host = (int)v;
		return 0;
	case 'y': return parse_secs("--delay", arg, &o->cfg.delay);
	case 'Y': return parse_secs("--max-crawl-delay", arg, &o->cfg.max_crawl_delay);
	case 'b': return parse_secs("--max-backoff", arg, &o->cfg.max_backoff);
	case 'N': o->cfg.robots = WEFT_ROBOTS_OFF; return 0;
	case 'i': o->cfg.ignore_crawl_delay = true; return 0;
	case 's': o->cfg.sitemaps = true; return 0;
	case 'A': o->http.user_agent = arg; o->cfg.robots_agent = arg; return 0;
	case 'H': return add_pattern(o->headers, &o->http.n_headers, "--header", arg);
	case 'B':
		if (!cli_parse_int(arg, 1, LONG_MAX, &v))
			return cli_bad("--max-body", arg, "expected a positive number of bytes");
		o->http.max_body = (uint64_t)v;
		return 0;
	case 'T':
	case 't':
		if (!cli_parse_int(arg, 1, 86400000, &v))
			return cli_bad(ch == 'T' ? "--connect-timeout" : "--timeout", arg,
				       "expected milliseconds from 1 to 86400000");
		*(ch == 'T' ? &o->http.connect_timeout_ms : &o->http.timeout_ms) = v;
		return 0;
	case 'R':
		if (!cli_parse_int(arg, 0, 100, &v))
			return cli_bad("--retries", arg, "expected an integer from 0 to 100");
		o->http.retries = (int)v;
		return 0;
	case 'K': o->http.cookies = true; return 0;
	case 'k': o->http.insecure = true; return 0;
	case '2': o->http.http2 = false; return 0;
	case OPT_MAX_RATIO:
		if (!cli_parse_int(arg, 0, 1000000000, &v))
			return cli_bad("--max-ratio", arg, "expected an integer from 0 to 1000000000");
		o->http.max_ratio = (unsigned)v;
		return 0;
	case OPT_LOW_SPEED: {
		long b, t;
		char extra;
		if (sscanf(arg, "%ld/%ld%c", &b, &t, &extra) != 2 || b < 0 || t < 1 || t > 86400)
			return cli_bad("--low-speed", arg, "expected BYTES/SECONDS, e.g. 100/15");
		o->http.low_speed_bytes = b;
		o->http.low_speed_secs = t;
		return 0;
	}
	default: return apply_limit(o, ch, arg);
	}
}

static const struct option common_longs[] = {
	{ "engine", required_argument, NULL, 'e' },
	{ "concurrency", required_argument, NULL, 'c' },
	{ "web", required_argument, NULL, 'w' },
	{ "loops", required_argument, NULL, 'L' },
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "depth", required_argument, NULL, 'd' },
	{ "max-pages", required_argument, NULL, 'm' },
	{ "scope", required_argument, NULL, 'S' },
	{ "include", required_argument, NULL, 'I' },
	{ "exclude", required_argument, NULL, 'X' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "max-per-host", required_argument, NULL, 'P' },
	{ "delay", required_argument, NULL, 'y' },
	{ "max-crawl-delay", required_argument, NULL, 'Y' },
	{ "max-backoff", required_argument, NULL, 'b' },
	{ "no-robots", no_argument, NULL, 'N' },
	{ "ignore-crawl-delay", no_argument, NULL, 'i' },
	{ "sitemap", no_argument, NULL, 's' },
	{ "user-agent", required_argument, NULL, 'A' },
	{ "header", required_argument, NULL, 'H' },
	{ "max-body", required_argument, NULL, 'B' },
	{ "connect-timeout", required_argument, NULL, 'T' },
	{ "timeout", required_argument, NULL, 't' },
	{ "retries", required_argument, NULL, 'R' },
	{ "cookies", no_argument, NULL, 'K' },
	{ "insecure", no_argument, NULL, 'k' },
	{ "no-http2", no_argument, NULL, '2' },
	{ "max-ratio", required_argument, NULL, OPT_MAX_RATIO },
	{ "low-speed", required_argument, NULL, OPT_LOW_SPEED },
	{ "max-url-len", required_argument, NULL, OPT_MAX_URL_LEN },
	{ "max-links", required_argument, NULL, OPT_MAX_LINKS },
	{ "max-redirects", required_argument, NULL, OPT_MAX_REDIRECTS },
	{ "max-path-segments", required_argument, NULL, OPT_MAX_PATH_SEGMENTS },
	{ "max-repeats", required_argument, NULL, OPT_MAX_REPEATS },
	{ "max-similar", required_argument, NULL, OPT_MAX_SIMILAR },
	{ "max-pages-per-host", required_argument, NULL, OPT_MAX_PER_HOST_PAGES },
	{ "max-time", required_argument, NULL, OPT_MAX_TIME },
	{ "help", no_argument, NULL, 'h' },
};
#define N_COMMON (sizeof(common_longs) / sizeof(common_longs[0]))

void cli_help(const struct cli_command *cmd, FILE *fp)
{
	fputs(cmd->help, fp);
	fputs(cli_help_shared, fp);
	if (cmd->help_more)
		fputs(cmd->help_more, fp);
}

int cli_parse_opts(struct crawl_opts *o, int argc, char **argv, const struct cli_command *cmd)
{
	struct option longs[N_COMMON + 24];
	size_t n = 0;
	for (size_t i = 0; i < N_COMMON; i++)
		longs[n++] = common_longs[i];
	for (size_t i = 0; cmd->longs && cmd->longs[i].name && n < N_COMMON + 23; i++)
		longs[n++] = cmd->longs[i];
	longs[n] = (struct option){ NULL, 0, NULL, 0 };
	int ch;
	cli_cmd = cmd->name;
	weft_config_init(&o->cfg);
	weft_http_options_init(&o->http);
	o->http.headers = o->headers;
	o->format = "text";
	o->cfg.include = o->include;
	o->cfg.exclude = o->exclude;
	if (cmd->defaults)
		cmd->defaults(o);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "e:c:w:f:o:d:m:qhA:H:L:P:", longs, NULL)) != -1) {
		int rc = cmd->apply ? cmd->apply(o, ch, optarg) : CLI_NOT_MINE;
		if (rc == CLI_NOT_MINE)
			rc = apply_common(o, ch, optarg);
		if (rc == CLI_NOT_MINE && ch == 'h') {
			cli_help(cmd, stdout);
			return -1;
		}
		if (rc == CLI_NOT_MINE) {
			cli_help(cmd, stderr);
			return EXIT_USAGE;
		}
		if (rc)
			return rc;
	}
	if (optind >= argc) {
		fprintf(stderr, "%s: no start URL given\n", cli_cmd);
		cli_help(cmd, stderr);
		return EXIT_USAGE;
	}
	return 0;
}

int cli_make_fetcher(const struct crawl_opts *o, struct weft_fakeweb **web,
		     struct weft_fetcher **f)
{
	char err[512] = "";
	int rc;
	if (!o->web)
		rc = weft_fetcher_http(f, &o->http, err, sizeof(err));
	else if (strcmp(o->web, "builtin") == 0)
		rc = weft_fakeweb_lecture(web);
	else
		rc = weft_fakeweb_load(web, o->web, err, sizeof(err));
	if (!rc && o->web)
		rc = weft_fetcher_fake(f, *web);
	if (rc) {
		fprintf(stderr, "%s: %s\n", cli_cmd, err[0] ? err : weft_strerror(rc));
		return rc == WEFT_E_NOMEM ? EXIT_RUNTIME : EXIT_USAGE;
	}
	return 0;
}
