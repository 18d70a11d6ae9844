/*
 * main.c -- `weft`: dispatch to a subcommand. The CLI only parses arguments, builds a crawl
 * through the public API (include/weft.h), runs it and maps the outcome to an exit code.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "cli.h"

static const char usage[] =
	"usage: weft <command> [options]\n"
	"\n"
	"commands:\n"
	"  crawl   crawl from start URLs and report every page (weft crawl --help)\n"
	"  check   check a site's links, resources and #fragments (weft check --help)\n"
	"  demo    the lecture's three crawlers over the built-in golang.org fake web\n"
	"  compare every engine on the same target: pages, agreement, time, threads, memory\n"
	"  version print the version\n"
	"\n"
	"exit codes: 0 ok, 1 broken links found, 2 usage error, 3 runtime error,\n"
	"            130 interrupted (SIGINT), 143 terminated (SIGTERM)\n";

/* Every transfer in flight needs a socket: take the hard limit on open files, not 1024. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("weft %s\n", weft_version());
		return EXIT_OK;
	}
	/* Broken pipes are reported as output errors, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	if (weft_global_init() != WEFT_OK) {
		fputs("weft: could not initialise libcurl\n", stderr);
		return EXIT_RUNTIME;
	}
	int rc;
	if (strcmp(cmd, "crawl") == 0) {
		rc = cmd_crawl(argc - 1, argv + 1);
	} else if (strcmp(cmd, "compare") == 0) {
		rc = cmd_compare(argc - 1, argv + 1);
	} else if (strcmp(cmd, "check") == 0) {
		rc = cmd_check(argc - 1, argv + 1);
	} else if (strcmp(cmd, "demo") == 0) {
		rc = cmd_demo(argc - 1, argv + 1);
	} else {
		fprintf(stderr, "weft: unknown command '%s'\n\n%s", cmd, usage);
		rc = EXIT_USAGE;
	}
	weft_global_cleanup();
	return rc;
}
