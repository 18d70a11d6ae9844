/*
 * check.c -- `weft check`: crawl a site in scope, check every link and resource once (external
 * ones with HEAD, GET when HEAD is refused), and report the broken ones (docs/CHECK.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft/fake.h>
#include <weft/http.h>

#include "cli.h"

static const char check_help[] =
	"usage: weft check [options] URL...\n"
	"\n"
	"Crawl the site from the start URLs (in scope, as weft crawl does), check every link and\n"
	"resource found on its pages once -- links to other sites too, without crawling them --\n"
	"and report the broken ones with the pages that link to them: an HTTP error status\n"
	"(4xx, 5xx), a transport error (DNS, connection, TLS, timeout), a redirect chain ending in\n"
	"one of those or in a loop, or a #fragment the target page has no id or <a name> for.\n"
	"Exit status: 0 nothing broken, 1 something broken, 2 usage or setup error, 3 runtime\n"
	"or output error. Details: docs/CHECK.md.\n"
	"\n"
	"options:\n"
	"  -f, --format FMT     text (broken links grouped by page, and a summary) | jsonl (one\n"
	"                       object per broken target with its referrers)\n"
	"  -o, --output FILE    write the report to FILE instead of standard output\n"
	"      --no-fragments   do not check #fragments against the target page's anchors\n"
	"      --no-resources   check only links (a, area, iframe, frame), not images,\n"
	"                       stylesheets, scripts, media, embeds\n"
	"  -e, --engine NAME    event (default) | serial | mutex | channel | pool\n"
	"  -c, --concurrency N  fetches at once (or 'auto', event engine)\n"
	"  -L, --loops N        event engine: loop threads\n"
	"  -w, --web FILE       check a fake web (JSON lines, or 'builtin') instead of HTTP\n"
	"  -d, --depth N        crawl pages at most N hops from a start URL (links beyond are not\n"
	"                       checked)\n"
	"  -m, --max-pages N    fetch at most N pages of the site\n"
	"      --scope S        what is crawled: host (the start URLs' hosts, default) | domain\n"
	"                       | any; links out of scope are checked, not crawled\n"
	"      --include RE     only crawl and check URLs matching this extended regex\n"
	"                       (repeatable)\n"
	"      --exclude RE     neither crawl nor check URLs matching it (repeatable)\n"
	"  -q, --quiet          no crawl summary on standard error\n"
	"\nPoliteness (HTTP):\n"
	"  -P, --max-per-host N requests in flight per host (default 6; 0 = unlimited)\n"
	"      --delay SECONDS  between request starts to one host (default 0)\n"
	"      --no-robots      do not fetch or obey robots.txt\n"
	"      --ignore-crawl-delay  obey robots.txt rules but not its Crawl-delay\n"
	"      --max-crawl-delay S   cap on Crawl-delay (default 30)\n"
	"      --max-backoff S  cap on one host block after a 429/503 (default 60)\n"
	"      --sitemap        also start from /sitemap.xml and robots.txt's Sitemap: lines\n"
;

static const char check_help_more[] =
	"\nexit codes: 0 nothing broken, 1 broken links found, 2 usage or setup error, 3 runtime\n"
	"or output error, 130/143 interrupted\n";

enum { OPT_NO_FRAGMENTS = 256, OPT_NO_RESOURCES };

static int apply_opt(struct crawl_opts *o, int ch, const char *arg)
{
	(void)arg;
	switch (ch) {
	case OPT_NO_FRAGMENTS: o->cfg.anchors = false; return 0;
	case OPT_NO_RESOURCES: o->cfg.resources = false; return 0;
	default: return CLI_NOT_MINE;
	}
}

static const struct option check_longs[] = {
	{ "no-fragments", no_argument, NULL, OPT_NO_FRAGMENTS },
	{ "no-resources", no_argument, NULL, OPT_NO_RESOURCES },
	{ NULL, 0, NULL, 0 },
};

/* A link checker: out-of-scope links checked once, anchors kept, resources extracted. */
static void defaults(struct crawl_opts *o)
{
	o->cfg.check_external = true;
	o->cfg.anchors = true;
	o->cfg.resources = true;
}

static const struct cli_command check_cmd = {
	.name = "weft check", .help = check_help, .help_more = check_help_more,
	.longs = check_longs, .apply = apply_opt, .defaults = defaults,
};

static int make_reporter(const struct crawl_opts *o, FILE *out, struct weft_reporter **r)
{
	enum weft_check_format fmt;
	if (strcmp(o->format, "text") == 0)
		fmt = WEFT_CHECK_TEXT;
	else if (strcmp(o->format, "jsonl") == 0)
		fmt = WEFT_CHECK_JSONL;
	else
		return cli_bad("--format", o->format, "expected text or jsonl");
	unsigned flags = o->cfg.anchors ? 0 : WEFT_CHECK_NO_FRAGMENTS;
	return weft_reporter_check(r, out, fmt, flags) ? EXIT_RUNTIME : 0;
}

static void check_summary(const struct weft_check_stats *s)
{
	fprintf(stderr,
		"weft check: %llu pages, %llu links checked, %llu broken (%llu links), "
		"%llu not checked\n",
		(unsigned long long)s->pages, (unsigned long long)s->checked,
		(unsigned long long)s->broken_targets, (unsigned long long)s->broken_links,
		(unsigned long long)s->not_checked);
}

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
		fprintf(stderr, "%s: %s\n", cli_cmd, err);
		code = EXIT_USAGE;
	}
	for (int i = 0; !code && i < nseeds; i++)
		if (weft_crawl_add_seed(c, seeds[i]) != WEFT_OK)
			code = cli_bad("start URL", seeds[i], "not a valid http(s) URL");
	if (!code && weft_crawl_add_reporter(c, r) == WEFT_OK) {
		struct weft_reporter *guard = r; /* owned by the crawl: read before its free */
		r = NULL;
		int rc = cli_run_crawl(c, guard, o->quiet);
		if (rc && rc != WEFT_E_CANCELED)
			fprintf(stderr, "%s: %s\n", cli_cmd, weft_strerror(rc));
		struct weft_check_stats st;
		weft_reporter_check_stats(cli_guarded(guard), &st);
		if (!o->quiet && strcmp(o->format, "text") != 0)
			check_summary(&st);
		if (cli_signal_exit())
			code = cli_signal_exit();
		else if (rc == WEFT_E_CANCELED)
			code = EXIT_CANCELED;
		else if (rc)
			code = EXIT_RUNTIME;
		else
			code = st.broken_targets ? EXIT_BROKEN : EXIT_OK;
	}
	weft_crawl_free(&c);
	weft_reporter_free(&r);
	weft_reporter_free(&inner);
	weft_fetcher_free(&f);
	weft_fakeweb_free(&web);
	return code;
}

int cmd_check(int argc, char **argv)
{
	struct crawl_opts o;
	memset(&o, 0, sizeof(o));
	int code = cli_parse_opts(&o, argc, argv, &check_cmd);
	if (code)
		return code < 0 ? EXIT_OK : code;
	FILE *out = stdout;
	if (o.output && !(out = fopen(o.output, "w"))) {
		fprintf(stderr, "%s: %s: %s\n", cli_cmd, o.output, strerror(errno));
		return EXIT_RUNTIME;
	}
	code = run(&o, argc - optind, argv + optind, out);
	if (out != stdout && fclose(out) != 0 && code == EXIT_OK) {
		fprintf(stderr, "%s: %s: %s\n", cli_cmd, o.output, strerror(errno));
		code = EXIT_RUNTIME;
	}
	return code;
}
