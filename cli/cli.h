/* cli.h -- the weft command: subcommands share option parsing and exit codes. */
#ifndef WEFT_CLI_H
#define WEFT_CLI_H

#include <weft.h>

/* Exit codes of the weft command (documented in README and `weft --help`). */
enum {
	EXIT_OK = 0,
	EXIT_BROKEN = 1,   /* the crawl ran; some pages failed (weft check) */
	EXIT_USAGE = 2,    /* bad command line or input file */
	EXIT_RUNTIME = 3,  /* the crawl could not run or its output failed */
	EXIT_CANCELED = 130,
};

int cmd_crawl(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_compare(int argc, char **argv);

/* Run a configured crawl with SIGINT/SIGTERM wired to weft_crawl_cancel(). */
int cli_run_crawl(struct weft_crawl *c);

#endif
