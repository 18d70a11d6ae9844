/*
 * demo.c -- `weft demo`: the lecture's main(), over the lecture's fake web.
 *
 *   fmt.Printf("=== Serial===\n");             Serial("http://golang.org/", ...)
 *   fmt.Printf("=== ConcurrentMutex ===\n");    ConcurrentMutex("http://golang.org/", ...)
 *   fmt.Printf("=== ConcurrentChannel ===\n");  ConcurrentChannel("http://golang.org/", ...)
 */
#include <stdio.h>
#include <string.h>

#include <weft/fake.h>

#include "cli.h"

static const char demo_help[] =
	"usage: weft demo\n"
	"\n"
	"Run the lecture's main(): the Serial, ConcurrentMutex and ConcurrentChannel crawlers,\n"
	"one after the other, over the built-in golang.org fake web, printing the lecture's\n"
	"found:/missing: lines. Needs no network.\n";

static int run_one(const char *title, const char *engine, struct weft_fetcher *f)
{
	struct weft_config cfg;
	struct weft_crawl *c = NULL;
	struct weft_reporter *r = NULL, *text = NULL;
	char err[256] = "";
	weft_config_init(&cfg);
	cfg.engine = engine;
	printf("%s\n", title);
	fflush(stdout);
	int rc = weft_crawl_new(&c, &cfg, f, err, sizeof(err));
	if (!rc)
		rc = weft_crawl_add_seed(c, "http://golang.org/");
	if (!rc)
		rc = weft_reporter_text(&text, stdout);
	if (!rc && !(rc = cli_guard_reporter(&r, text, stdout)))
		text = NULL;
	struct weft_reporter *guard = r;
	if (!rc && !(rc = weft_crawl_add_reporter(c, r)))
		r = NULL;
	if (!rc)
		rc = cli_run_crawl(c, guard, true); /* the lecture's lines only: no status, no summary */
	if (rc)
		fprintf(stderr, "weft demo: %s: %s\n", engine, err[0] ? err : weft_strerror(rc));
	weft_reporter_free(&r);
	weft_reporter_free(&text);
	weft_crawl_free(&c);
	return rc;
}

int cmd_demo(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(demo_help, stdout);
		return EXIT_OK;
	}
	if (argc > 1) {
		fprintf(stderr, "weft demo: unexpected argument '%s'\n%s", argv[1], demo_help);
		return EXIT_USAGE;
	}
	struct weft_fakeweb *web = NULL;
	struct weft_fetcher *f = NULL;
	int rc = weft_fakeweb_lecture(&web);
	if (!rc)
		rc = weft_fetcher_fake(&f, web);
	if (!rc)
		rc = run_one("=== Serial===", "serial", f);
	if (!rc)
		rc = run_one("=== ConcurrentMutex ===", "mutex", f);
	if (!rc)
		rc = run_one("=== ConcurrentChannel ===", "channel", f);
	weft_fetcher_free(&f);
	weft_fakeweb_free(&web);
	if (cli_signal_exit())
		return cli_signal_exit();
	if (rc == WEFT_E_CANCELED)
		return EXIT_CANCELED;
	return rc ? EXIT_RUNTIME : EXIT_OK;
}
