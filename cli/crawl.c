/*
 * crawl.c -- `weft crawl`: options -> struct weft_config, a fetcher, a reporter; run.
 */
#include <errno.h>
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


static const char crawl_help_more[] =
	"\nexit codes: 0 ok, 2 usage error, 3 runtime or output error, 130/143 interrupted\n";

/* Long-only options of crawl alone. */
enum { OPT_LINKS = 0x200, OPT_SITEMAP_MAX, OPT_SITEMAP_BASE };

/* Options of crawl alone (the shared ones are in options.c). */
static int apply_opt(struct crawl_opts *o, int ch, const char *arg)
{
	long v;
	switch (ch) {
	case 'n': o->cfg.no_skipped = true; return 0;
	case OPT_LINKS: o->report_flags |= WEFT_REPORT_LINKS; return 0;
	case OPT_SITEMAP_MAX:
		if (!cli_parse_int(arg, 1, WEFT_SITEMAP_MAX_URLS, &v))
			return cli_bad("--sitemap-max", arg, "expected an integer from 1 to 50000");
		o->sitemap_max = (size_t)v;
		return 0;
	case OPT_SITEMAP_BASE: o->sitemap_base = arg; return 0;
	default: return CLI_NOT_MINE;
	}
}

static const struct option crawl_longs[] = {
	{ "no-skipped", no_argument, NULL, 'n' },
	{ "links", no_argument, NULL, OPT_LINKS },
	{ "sitemap-max", required_argument, NULL, OPT_SITEMAP_MAX },
	{ "sitemap-base", required_argument, NULL, OPT_SITEMAP_BASE },
	{ NULL, 0, NULL, 0 },
};

static const struct cli_command crawl_cmd = {
	.name = "weft crawl", .help = crawl_help, .help_more = crawl_help_more,
	.longs = crawl_longs, .apply = apply_opt,
};

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
		return cli_bad("--format", o->format, "expected text, jsonl, csv, dot or sitemap");
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
	int code = cli_make_fetcher(o, &web, &f);
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
			code = cli_bad("start URL", seeds[i], "not a valid http(s) URL");
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
	int code = cli_parse_opts(&o, argc, argv, &crawl_cmd);
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
