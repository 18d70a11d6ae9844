/*
 * crawl.c -- `weft crawl`: options -> struct weft_config, a fetcher, a reporter; run.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft/fake.h>
#include <weft/http.h>

#include "cli.h"

static const char crawl_help[] =
	"usage: weft crawl [options] URL...\n"
	"\n"
	"Crawl from the start URLs, fetching every page in scope exactly once.\n"
	"\n"
	"options:\n"
	"  -e, --engine NAME    event (default) | serial | mutex | channel | pool\n"
	"  -c, --concurrency N  fetches at once: event: in flight (or 'auto': raised while\n"
	"                       pages/s rise); pool: N workers; mutex, channel: threads alive\n"
	"  -L, --loops N        event engine: loop threads sharing the work (default: one per\n"
	"                       core, at most 8)\n"
	"  -w, --web FILE       crawl a fake web instead of HTTP: a JSON-lines file, or\n"
	"                       'builtin' for the lecture's golang.org table\n"
	"  -f, --format FMT     text (the lecture's found:/missing: lines) | jsonl | csv |\n"
	"                       dot (Graphviz site graph) | sitemap (sitemap.xml of the 200\n"
	"                       HTML pages); docs/OUTPUTS.md\n"
	"  -o, --output FILE    write the report to FILE instead of standard output (a\n"
	"                       closed pipe ends the crawl quietly, exit 0; a write error\n"
	"                       ends it with a message, exit 3)\n"
	"      --links          jsonl: each page's \"outlinks\" (url, fragment, text, tag,\n"
	"                       attr, line, rel, nofollow, kind); csv: a row per link\n"
	"      --sitemap-max N  sitemap: URLs per file (default and at most 50000); with -o\n"
	"                       FILE, more make FILE an index of FILE-1.xml, FILE-2.xml...\n"
	"                       (FILE without .xml); to standard output more is an error\n"
	"      --sitemap-base URL  sitemap index: where the parts are served (default: the\n"
	"                       first page's origin + /)\n"
	"  -d, --depth N        follow links at most N hops from a start URL\n"
	"  -m, --max-pages N    fetch at most N URLs\n"
	"      --scope S        host (the start URLs' hosts, default) | domain | any\n"
	"      --include RE     only follow URLs matching this extended regex (repeatable)\n"
	"      --exclude RE     never follow URLs matching this extended regex (repeatable)\n"
	"  -q, --quiet          no status line and no summary on standard error\n"
	"      --no-skipped     no records for URLs found but not fetched (robots, scope,\n"
	"                       depth, max-pages); text output summarises them in one line\n"
	"\nPoliteness (HTTP; the fake web has no robots.txt and no per-host limit by default):\n"
	"  -P, --max-per-host N requests in flight per host (default 6; 0 = unlimited, for\n"
	"                       benchmarking your own server)\n"
	"      --delay SECONDS  between request starts to one host (default 0); the larger of\n"
	"                       this and robots.txt's Crawl-delay applies\n"
	"      --no-robots      do not fetch or obey robots.txt (an explicit opt-out)\n"
	"      --ignore-crawl-delay  obey robots.txt rules but not its Crawl-delay\n"
	"      --max-crawl-delay S   cap on Crawl-delay (default 30)\n"
	"      --max-backoff S  cap on one host block after a 429/503, Retry-After\n"
	"                       included (default 60)\n"
	"      --sitemap        also start from /sitemap.xml and robots.txt's Sitemap: lines\n"
	;

/* The rest of the help (C limits one string literal to 4095 bytes). */
static const char crawl_help_more[] =
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
	"without a torn output line.\n"
	"\nexit codes: 0 ok, 2 usage error, 3 runtime or output error, 130/143 interrupted\n";

/* Long-only options (hostile-web limits). */
enum { OPT_MAX_RATIO = 0x4801, OPT_LOW_SPEED };

static void print_help(FILE *fp)
{
	fputs(crawl_help, fp);
	fputs(crawl_help_more, fp);
}

struct crawl_opts {
	struct weft_config cfg;
	struct weft_http_options http;
	const char *headers[64];
	const char *web;
	const char *format;
	const char *output;
	unsigned report_flags;   /* WEFT_REPORT_* */
	size_t sitemap_max;
	const char *sitemap_base;
	const char *include[64];
	const char *exclude[64];
	bool quiet;
};

static bool parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static int bad(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "weft crawl: %s '%s': %s\n", opt, val, why);
	return EXIT_USAGE;
}

/* Seconds: a decimal number from 0 to a day. */
static int parse_secs(const char *opt, const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0 && v <= 86400))
		return bad(opt, s, "expected seconds from 0 to 86400");
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
		return bad("--scope", s, "expected host, domain or any");
	return 0;
}

static int add_pattern(const char **list, size_t *n, const char *opt, const char *re)
{
	if (*n >= 64)
		return bad(opt, re, "at most 64 patterns");
	list[(*n)++] = re;
	return 0;
}

/* Long-only output options (codes outside the short letters). */
enum { OPT_LINKS = 0x200, OPT_SITEMAP_MAX, OPT_SITEMAP_BASE };

/* One option; returns 0, or an exit code to stop with. */
static int apply_opt(struct crawl_opts *o, int ch, const char *arg)
{
	long v;
	switch (ch) {
	case 'e': o->cfg.engine = arg; return 0;
	case 'c':
		if (strcmp(arg, "auto") == 0) {
			o->cfg.concurrency = WEFT_CONCURRENCY_AUTO;
			return 0;
		}
		if (!parse_int(arg, 1, 1000000, &v))
			return bad("--concurrency", arg, "expected 'auto' or an integer from 1 to 1000000");
		o->cfg.concurrency = (int)v;
		return 0;
	case 'L':
		if (!parse_int(arg, 1, 8, &v))
			return bad("--loops", arg, "expected an integer from 1 to 8");
		o->cfg.loops = (int)v;
		return 0;
	case 'w': o->web = arg; return 0;
	case 'f': o->format = arg; return 0;
	case 'o': o->output = arg; return 0;
	case OPT_LINKS: o->report_flags |= WEFT_REPORT_LINKS; return 0;
	case OPT_SITEMAP_MAX:
		if (!parse_int(arg, 1, WEFT_SITEMAP_MAX_URLS, &v))
			return bad("--sitemap-max", arg, "expected an integer from 1 to 50000");
		o->sitemap_max = (size_t)v;
		return 0;
	case OPT_SITEMAP_BASE: o->sitemap_base = arg; return 0;
	case 'd':
		if (!parse_int(arg, 0, INT_MAX, &v))
			return bad("--depth", arg, "expected a non-negative integer");
		o->cfg.max_depth = (int)v;
		return 0;
	case 'm':
		if (!parse_int(arg, 1, LONG_MAX, &v))
			return bad("--max-pages", arg, "expected a positive integer");
		o->cfg.max_pages = v;
		return 0;
	case 'S': return set_scope(o, arg);
	case 'I': return add_pattern(o->include, &o->cfg.n_include, "--include", arg);
	case 'X': return add_pattern(o->exclude, &o->cfg.n_exclude, "--exclude", arg);
	case 'q': o->quiet = true; return 0;
	case 'P':
		if (!parse_int(arg, 0, 1000000, &v))
			return bad("--max-per-host", arg, "expected an integer >= 0");
		o->cfg.max_per_host = (int)v;
		return 0;
	case 'y': return parse_secs("--delay", arg, &o->cfg.delay);
	case 'Y': return parse_secs("--max-crawl-delay", arg, &o->cfg.max_crawl_delay);
	case 'b': return parse_secs("--max-backoff", arg, &o->cfg.max_backoff);
	case 'N': o->cfg.robots = WEFT_ROBOTS_OFF; return 0;
	case 'i': o->cfg.ignore_crawl_delay = true; return 0;
	case 's': o->cfg.sitemaps = true; return 0;
	case 'n': o->cfg.no_skipped = true; return 0;
	case 'A': o->http.user_agent = arg; o->cfg.robots_agent = arg; return 0;
	case 'H': return add_pattern(o->headers, &o->http.n_headers, "--header", arg);
	case 'B':
		if (!parse_int(arg, 1, LONG_MAX, &v))
			return bad("--max-body", arg, "expected a positive number of bytes");
		o->http.max_body = (uint64_t)v;
		return 0;
	case 'T':
	case 't':
		if (!parse_int(arg, 1, 86400000, &v))
			return bad(ch == 'T' ? "--connect-timeout" : "--timeout", arg,
				   "expected milliseconds from 1 to 86400000");
		*(ch == 'T' ? &o->http.connect_timeout_ms : &o->http.timeout_ms) = v;
		return 0;
	case 'R':
		if (!parse_int(arg, 0, 100, &v))
			return bad("--retries", arg, "expected an integer from 0 to 100");
		o->http.retries = (int)v;
		return 0;
	case OPT_MAX_RATIO:
		if (!parse_int(arg, 0, 1000000000, &v))
			return bad("--max-ratio", arg, "expected an integer from 0 to 1000000000");
		o->http.max_ratio = (unsigned)v;
		return 0;
	case OPT_LOW_SPEED: {
		long b, t;
		char extra;
		if (sscanf(arg, "%ld/%ld%c", &b, &t, &extra) != 2 || b < 0 || t < 1 || t > 86400)
			return bad("--low-speed", arg, "expected BYTES/SECONDS, e.g. 100/15");
		o->http.low_speed_bytes = b;
		o->http.low_speed_secs = t;
		return 0;
	}
	case 'K': o->http.cookies = true; return 0;
	case 'k': o->http.insecure = true; return 0;
	case '2': o->http.http2 = false; return 0;
	case 1001:
	case 1002:
		if (!parse_int(arg, 0, LONG_MAX, &v))
			return bad(ch == 1001 ? "--max-url-len" : "--max-links", arg,
				   "expected an integer >= 0");
		*(ch == 1001 ? &o->cfg.max_url_len : &o->cfg.max_links) = (size_t)v;
		return 0;
	case 1003:
	case 1004:
	case 1005:
		if (!parse_int(arg, 0, 1000000, &v))
			return bad(ch == 1003 ? "--max-redirects"
				   : ch == 1004 ? "--max-path-segments"
						: "--max-repeats",
				   arg, "expected an integer from 0 to 1000000");
		*(ch == 1003 ? &o->cfg.max_redirects
		  : ch == 1004 ? &o->cfg.max_path_segments
			       : &o->cfg.max_repeats) = (int)v;
		return 0;
	case 1006:
	case 1007:
		if (!parse_int(arg, 0, LONG_MAX, &v))
			return bad(ch == 1006 ? "--max-similar" : "--max-pages-per-host", arg,
				   "expected an integer >= 0");
		*(ch == 1006 ? &o->cfg.max_similar : &o->cfg.max_pages_per_host) = v;
		return 0;
	case 1008: return parse_secs("--max-time", arg, &o->cfg.max_time);
	case 'h': print_help(stdout); return -1;
	default: print_help(stderr); return EXIT_USAGE;
	}
}

static int parse_opts(struct crawl_opts *o, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "engine", required_argument, NULL, 'e' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ "web", required_argument, NULL, 'w' },
		{ "loops", required_argument, NULL, 'L' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "links", no_argument, NULL, OPT_LINKS },
		{ "sitemap-max", required_argument, NULL, OPT_SITEMAP_MAX },
		{ "sitemap-base", required_argument, NULL, OPT_SITEMAP_BASE },
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
		{ "no-skipped", no_argument, NULL, 'n' },
		{ "user-agent", required_argument, NULL, 'A' },
		{ "header", required_argument, NULL, 'H' },
		{ "max-body", required_argument, NULL, 'B' },
		{ "connect-timeout", required_argument, NULL, 'T' },
		{ "timeout", required_argument, NULL, 't' },
		{ "max-ratio", required_argument, NULL, OPT_MAX_RATIO },
		{ "low-speed", required_argument, NULL, OPT_LOW_SPEED },
		{ "retries", required_argument, NULL, 'R' },
		{ "cookies", no_argument, NULL, 'K' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "no-http2", no_argument, NULL, '2' },
		{ "max-url-len", required_argument, NULL, 1001 },
		{ "max-links", required_argument, NULL, 1002 },
		{ "max-redirects", required_argument, NULL, 1003 },
		{ "max-path-segments", required_argument, NULL, 1004 },
		{ "max-repeats", required_argument, NULL, 1005 },
		{ "max-similar", required_argument, NULL, 1006 },
		{ "max-pages-per-host", required_argument, NULL, 1007 },
		{ "max-time", required_argument, NULL, 1008 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	weft_config_init(&o->cfg);
	weft_http_options_init(&o->http);
	o->http.headers = o->headers;
	o->format = "text";
	o->cfg.include = o->include;
	o->cfg.exclude = o->exclude;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "e:c:w:f:o:d:m:qhA:H:L:P:", longs, NULL)) != -1) {
		int rc = apply_opt(o, ch, optarg);
		if (rc)
			return rc;
	}
	if (optind >= argc) {
		fputs("weft crawl: no start URL given\n", stderr);
		print_help(stderr);
		return EXIT_USAGE;
	}
	return 0;
}

static int make_fetcher(const struct crawl_opts *o, struct weft_fakeweb **web,
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
		fprintf(stderr, "weft crawl: %s\n", err[0] ? err : weft_strerror(rc));
		return rc == WEFT_E_NOMEM ? EXIT_RUNTIME : EXIT_USAGE;
	}
	return 0;
}

static bool is_sitemap(const struct crawl_opts *o)
{
	return strcmp(o->format, "sitemap") == 0;
}

/* The reporter for -f; out is NULL for a sitemap to -o FILE (the reporter writes its files). */
static int make_reporter(const struct crawl_opts *o, FILE *out, struct weft_reporter **r)
{
	struct weft_report_options ro;
	int rc;
	weft_report_options_init(&ro);
	ro.fp = out;
	ro.name = o->output;
	ro.flags = o->report_flags;
	if (strcmp(o->format, "text") == 0)
		rc = weft_reporter_text_opts(r, &ro);
	else if (strcmp(o->format, "jsonl") == 0)
		rc = weft_reporter_jsonl_opts(r, &ro);
	else if (strcmp(o->format, "csv") == 0)
		rc = weft_reporter_csv(r, &ro);
	else if (strcmp(o->format, "dot") == 0)
		rc = weft_reporter_dot(r, &ro);
	else if (is_sitemap(o)) {
		ro.path = o->output;
		ro.max_urls = o->sitemap_max;
		ro.base = o->sitemap_base;
		rc = weft_reporter_sitemap(r, &ro);
	} else
		return bad("--format", o->format, "expected text, jsonl, csv, dot or sitemap");
	return rc ? EXIT_RUNTIME : 0;
}

/*
 * The crawl stopped on an output failure: a closed pipe (EPIPE: the reader has all it wanted,
 * as with `| head`) ends quietly with exit 0; anything else is named, exit 3.
 */
static int output_failed(const struct crawl_opts *o, struct weft_reporter *r)
{
	int e = 0;
	const char *msg = weft_reporter_error(r, &e);
	if (e == EPIPE)
		return EXIT_OK;
	fprintf(stderr, "weft: %s%s\n", msg ? msg : weft_strerror(WEFT_E_OUTPUT),
		is_sitemap(o) && !o->output && e == 0 ? " (use -o FILE)" : "");
	return EXIT_RUNTIME;
}

static int exit_code(int rc)
{
	if (cli_signal_exit()) /* 130 for SIGINT, 143 for SIGTERM, even if the run had ended */
		return cli_signal_exit();
	if (rc == WEFT_E_CANCELED)
		return EXIT_CANCELED;
	return rc ? EXIT_RUNTIME : EXIT_OK;
}

/* Build the crawl from parsed options and run it; out is where the report goes. */
static int run(struct crawl_opts *o, int nseeds, char **seeds, FILE *out)
{
	struct weft_fakeweb *web = NULL;
	struct weft_fetcher *f = NULL;
	struct weft_reporter *r = NULL, *inner = NULL;
	struct weft_crawl *c = NULL;
	char err[512] = "";
	int code = make_fetcher(o, &web, &f);
	if (!code && (code = make_reporter(o, out, &inner)) == 0) {
		if (cli_guard_reporter(&r, inner, out) == WEFT_OK)
			inner = NULL;
		else
			code = EXIT_RUNTIME;
	}
	if (!code && weft_crawl_new(&c, &o->cfg, f, err, sizeof(err)) != WEFT_OK) {
		fprintf(stderr, "weft crawl: %s\n", err);
		code = EXIT_USAGE;
	}
	for (int i = 0; !code && i < nseeds; i++)
		if (weft_crawl_add_seed(c, seeds[i]) != WEFT_OK)
			code = bad("start URL", seeds[i], "not a valid http(s) URL");
	if (!code && weft_crawl_add_reporter(c, r) == WEFT_OK) {
		struct weft_reporter *guard = r; /* borrowed: the crawl owns it */
		r = NULL;
		int rc = cli_run_crawl(c, guard, o->quiet);
		if (rc == WEFT_E_OUTPUT && !cli_signal_exit())
			code = output_failed(o, guard);
		else if (rc && rc != WEFT_E_CANCELED)
			fprintf(stderr, "weft crawl: %s\n", weft_strerror(rc));
		if (rc != WEFT_E_OUTPUT || cli_signal_exit())
			code = exit_code(rc);
	}
	weft_crawl_free(&c);
	weft_reporter_free(&r);
	weft_reporter_free(&inner);
	weft_fetcher_free(&f);
	weft_fakeweb_free(&web);
	return code;
}

int cmd_crawl(int argc, char **argv)
{
	struct crawl_opts o;
	memset(&o, 0, sizeof(o));
	int code = parse_opts(&o, argc, argv);
	if (code)
		return code < 0 ? EXIT_OK : code;
	FILE *out = stdout;
	if (o.output && is_sitemap(&o))
		out = NULL; /* the sitemap reporter writes FILE and its parts itself */
	else if (o.output && !(out = fopen(o.output, "w"))) {
		fprintf(stderr, "weft: writing %s: %s\n", o.output, strerror(errno));
		return EXIT_RUNTIME;
	}
	code = run(&o, argc - optind, argv + optind, out);
	if (out && out != stdout && fclose(out) != 0 && code == EXIT_OK) {
		fprintf(stderr, "weft: writing %s: %s\n", o.output, strerror(errno));
		code = EXIT_RUNTIME;
	}
	return code;
}
