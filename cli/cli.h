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
	EXIT_CANCELED = 130, /* SIGINT; SIGTERM: 143 (128 + the signal) */
	EXIT_TERMINATED = 143,
};

int cmd_crawl(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_compare(int argc, char **argv);

/*
 * Run a configured crawl (interrupt.c): SIGINT/SIGTERM cancel it through a watcher thread (a
 * second one exits at once), the status line runs on a terminal, and the summary is printed
 * unless quiet. guard is the crawl's reporter made by cli_guard_reporter.
 */
int cli_run_crawl(struct weft_crawl *c, struct weft_reporter *guard, bool quiet);
/* A reporter writing through inner under a lock, so a second signal never tears a line. */
int cli_guard_reporter(struct weft_reporter **out, struct weft_reporter *inner, FILE *fp);
/* 128 + the first SIGINT/SIGTERM received, or 0. */
int cli_signal_exit(void);

/* progress.c: the status line on a terminal's stderr, and the summary. */
struct progress;
struct progress *progress_start(struct weft_crawl *c, bool quiet); /* NULL: no line */
void progress_stop(struct progress **p);
void progress_summary(const struct weft_crawl *c, bool interrupted);

#endif
