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
	"  -f, --format FMT     text (the lecture's found:/missing: lines) | jsonl\n"
	"  -o, --output FILE    write the report to FILE instead of standard output\n"
	"  -d, --depth N        follow links at most N hops from a start URL\n"
	"  -m, --max-pages N    fetch at most N URLs\n"
	"      --scope S        host (the start URLs' hosts, default) | domain | any\n"
	"      --include RE     only follow URLs matching this extended regex (repeatable)\n"
	"      --exclude RE     never follow URLs matching this extended regex (repeatable)\n"
	"  -q, --quiet          no summary on standard error\n"
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
	"\nHTTP options:\n"
	"  -A, --user-agent UA  User-Agent header (default weft/VERSION)\n"
	"  -H, --header 'N: v'  an extra request header (repeatable)\n"
	"      --max-body BYTES keep at most this much of a body (default 10485760)\n"
	"      --connect-timeout MS   (default 10000)\n"
	"      --timeout MS     whole-transfer timeout (default 30000)\n"
	"      --retries N      retries of transient failures: connect errors, 429, 5xx (default 2)\n"
	"      --cookies        keep cookies between requests (default off)\n"
	"      --insecure       do not verify TLS certificates\n"
	"      --no-http2       speak HTTP/1.1 only\n"
	"  -h, --help           this text\n";

/* Options of crawl alone (the shared ones are in options.c). */
static int apply_opt(struct crawl_opts *o, int ch, const char *arg)
{
	(void)arg;
	switch (ch) {
	case 'n': o->cfg.no_skipped = true; return 0;
	default: return CLI_NOT_MINE;
	}
}

static const struct option crawl_longs[] = {
	{ "no-skipped", no_argument, NULL, 'n' },
	{ NULL, 0, NULL, 0 },
};

static const struct cli_command crawl_cmd = {
	.name = "weft crawl", .help = crawl_help, .longs = crawl_longs, .apply = apply_opt,
};

static int make_reporter(const struct crawl_opts *o, FILE *out, struct weft_reporter **r)
{
	int rc;
	if (strcmp(o->format, "text") == 0)
		rc = weft_reporter_text(r, out);
	else if (strcmp(o->format, "jsonl") == 0)
		rc = weft_reporter_jsonl(r, out);
	else
		return cli_bad("--format", o->format, "expected text or jsonl");
	return rc ? EXIT_RUNTIME : 0;
}

static int exit_code(int rc)
{
	if (rc == WEFT_E_CANCELED)
		return EXIT_CANCELED;
	return rc ? EXIT_RUNTIME : EXIT_OK;
}

/* Build the crawl from parsed options and run it; out is where the report goes. */
static int run(struct crawl_opts *o, int nseeds, char **seeds, FILE *out)
{
	struct weft_fakeweb *web = NULL;
	struct weft_fetcher *f = NULL;
	struct weft_reporter *r = NULL;
	struct weft_crawl *c = NULL;
	char err[512] = "";
	int code = cli_make_fetcher(o, &web, &f);
	if (!code && (code = make_reporter(o, out, &r)) == 0 &&
	    weft_crawl_new(&c, &o->cfg, f, err, sizeof(err)) != WEFT_OK) {
		fprintf(stderr, "weft crawl: %s\n", err);
		code = EXIT_USAGE;
	}
	for (int i = 0; !code && i < nseeds; i++)
		if (weft_crawl_add_seed(c, seeds[i]) != WEFT_OK)
			code = cli_bad("start URL", seeds[i], "not a valid http(s) URL");
	if (!code && weft_crawl_add_reporter(c, r) == WEFT_OK) {
		r = NULL;
		int rc = cli_run_crawl(c);
		if (rc && rc != WEFT_E_CANCELED)
			fprintf(stderr, "weft crawl: %s\n", weft_strerror(rc));
		if (!o->quiet)
			cli_summary(c);
		code = exit_code(rc);
	}
	weft_crawl_free(&c);
	weft_reporter_free(&r);
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
	if (o.output && !(out = fopen(o.output, "w"))) {
		fprintf(stderr, "weft crawl: %s: %s\n", o.output, strerror(errno));
		return EXIT_RUNTIME;
	}
	code = run(&o, argc - optind, argv + optind, out);
	if (out != stdout && fclose(out) != 0 && code == EXIT_OK) {
		fprintf(stderr, "weft crawl: %s: %s\n", o.output, strerror(errno));
		code = EXIT_RUNTIME;
	}
	return code;
}
