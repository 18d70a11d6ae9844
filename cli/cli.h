/* cli.h -- the weft command: subcommands share option parsing and exit codes. */
#ifndef WEFT_CLI_H
#define WEFT_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include <weft.h>
#include <weft/http.h>

/* Exit codes of the weft command (documented in README and `weft --help`). */
enum {
	EXIT_OK = 0,
	EXIT_BROKEN = 1,   /* the crawl ran; some links are broken (weft check) */
	EXIT_USAGE = 2,    /* bad command line or input file */
	EXIT_RUNTIME = 3,  /* the crawl could not run or its output failed */
	EXIT_CANCELED = 130, /* SIGINT; SIGTERM: 143 (128 + the signal) */
	EXIT_TERMINATED = 143,
};

int cmd_crawl(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_compare(int argc, char **argv);

/* ---- Options shared by crawl and check (cli/options.c) ---- */

/* What the crawl options say; the arrays hold what cfg and http point at. */
struct crawl_opts {
	struct weft_config cfg;
	struct weft_http_options http;
	const char *headers[64];
	const char *web;
	const char *format;
	const char *output;
	const char *include[64];
	const char *exclude[64];
	bool quiet;
	unsigned report_flags;        /* crawl: WEFT_REPORT_* */
	size_t sitemap_max;           /* crawl -f sitemap: URLs per file (0: the protocol's) */
	const char *sitemap_base;     /* crawl -f sitemap: base URL of the index's parts */
};

#define CLI_NOT_MINE 1000 /* an apply function's answer for an option it does not know */

/* A subcommand's own options on top of the shared ones. */
struct cli_command {
	const char *name;             /* "weft crawl": prefixes messages */
	const char *help;             /* its own options' help, printed before the shared ones' */
	const char *help_more;        /* optional: printed after them (exit codes, ...) */
	const struct option *longs;   /* its own long options, {NULL} terminated; NULL: none */
	/* Its own option ch: 0, an exit code, or CLI_NOT_MINE (then the shared options try). */
	int (*apply)(struct crawl_opts *o, int ch, const char *arg);
	/* Optional: its defaults, set on the initialised options before any option applies. */
	void (*defaults)(struct crawl_opts *o);
};

extern const char *cli_cmd; /* the running subcommand's name, for messages */
extern const char cli_help_shared[];

/* Parse argv into o; 0, -1 after --help, or an exit code. URLs start at optind. */
int cli_parse_opts(struct crawl_opts *o, int argc, char **argv, const struct cli_command *cmd);
/* The whole help of cmd: its own options, the shared ones, then help_more. */
void cli_help(const struct cli_command *cmd, FILE *fp);
/* "CMD: OPT 'VAL': WHY" on stderr; returns EXIT_USAGE. */
int cli_bad(const char *opt, const char *val, const char *why);
bool cli_parse_int(const char *s, long min, long max, long *out);
/* The fake web (-w) or HTTP fetcher the options ask for; 0 or an exit code (message said). */
struct weft_fakeweb;
int cli_make_fetcher(const struct crawl_opts *o, struct weft_fakeweb **web,
		     struct weft_fetcher **f);

/* ---- Running (interrupt.c, progress.c) ---- */

/*
 * Run a configured crawl: SIGINT/SIGTERM cancel it through a watcher thread (a second one
 * exits at once), the status line runs on a terminal, and the summary is printed unless
 * quiet (or the output was a pipe that closed). guard is the crawl's reporter made by
 * cli_guard_reporter.
 */
int cli_run_crawl(struct weft_crawl *c, struct weft_reporter *guard, bool quiet);
/* A reporter writing through inner under a lock, so a second signal never tears a line. */
int cli_guard_reporter(struct weft_reporter **out, struct weft_reporter *inner, FILE *fp);
/* 128 + the first SIGINT/SIGTERM received, or 0. */
int cli_signal_exit(void);
/* The inner reporter of a guard (e.g. to read a link checker's counts). */
struct weft_reporter *cli_guarded(struct weft_reporter *guard);

/* progress.c: the status line on a terminal's stderr, and the summary. */
struct progress;
struct progress *progress_start(struct weft_crawl *c, bool quiet); /* NULL: no line */
void progress_stop(struct progress **p);
void progress_summary(const struct weft_crawl *c, bool interrupted);

#endif
