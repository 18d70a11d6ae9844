/*
 * main.c -- weft-testserver: command line, startup and shutdown.
 *
 * Startup order matters to the tests that drive this program: parse and validate the
 * options, build the generated site (if any), start listening, then -- now that the
 * port is known -- render port-dependent parts, write --expect and --port-file, and only
 * then print the single line "PORT <n>" on stdout and flush it. A reader of that line may
 * use the server and the files at once.
 *
 * Signals: SIGINT and SIGTERM are blocked before any thread exists (so every thread
 * inherits the mask) and the main thread waits for them with sigwaitinfo(); then it shuts
 * the server down cleanly and exits 0. SIGPIPE is ignored.
 */
#include "ts.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

enum opt_id {
	O_PORT, O_PORT_FILE, O_THREADS, O_CONN_LIMIT, O_LATENCY, O_LOG, O_DIR, O_PREFIX,
	O_SITE, O_FANOUT, O_SEED, O_EXPECT, O_BIG_BYTES, O_SLOW_MS, O_HOSTS, O_RATE_LIMIT,
	O_RETRY_DATE, O_CRAWL_DELAY, O_STATS, O_HOSTILE, O_BLACKHOLE, O_TLS_CERT, O_TLS_KEY, O_HELP,
	O_COUNT
};

enum opt_type { T_FLAG, T_STR, T_NUM };

static const struct option_def {
	const char *name;
	enum opt_id id;
	enum opt_type type;
	uint64_t min, max;
} options[] = {
	{"--port", O_PORT, T_NUM, 0, 65535},
	{"--port-file", O_PORT_FILE, T_STR, 0, 0},
	{"--threads", O_THREADS, T_NUM, 1, 64},
	{"--conn-limit", O_CONN_LIMIT, T_NUM, 1, 1000000},
	{"--latency", O_LATENCY, T_NUM, 0, 3600000},
	{"--log", O_LOG, T_FLAG, 0, 0},
	{"--dir", O_DIR, T_STR, 0, 0},
	{"--prefix", O_PREFIX, T_STR, 0, 0},
	{"--site", O_SITE, T_NUM, 1, 50000000},
	{"--fanout", O_FANOUT, T_NUM, 1, 1000},
	{"--seed", O_SEED, T_NUM, 0, UINT64_MAX},
	{"--expect", O_EXPECT, T_STR, 0, 0},
	{"--big-bytes", O_BIG_BYTES, T_NUM, 1, (uint64_t)1 << 32},
	{"--slow-ms", O_SLOW_MS, T_NUM, 0, 3600000},
	{"--hosts", O_HOSTS, T_NUM, 1, 10000},
	{"--rate-limit", O_RATE_LIMIT, T_NUM, 1, 1000000000},
	{"--retry-after-date", O_RETRY_DATE, T_FLAG, 0, 0},
	{"--crawl-delay", O_CRAWL_DELAY, T_STR, 0, 0},
	{"--stats", O_STATS, T_STR, 0, 0},
	{"--hostile", O_HOSTILE, T_FLAG, 0, 0},
	{"--blackhole", O_BLACKHOLE, T_FLAG, 0, 0},
	{"--tls-cert", O_TLS_CERT, T_STR, 0, 0},
	{"--tls-key", O_TLS_KEY, T_STR, 0, 0},
	{"--help", O_HELP, T_FLAG, 0, 0},
	{"-h", O_HELP, T_FLAG, 0, 0},
};

static const char usage[] =
	"Usage: " TS_PROG " [OPTIONS]\n"
	"The weft project's test web server. Listens on 127.0.0.1 only (--hosts: also on\n"
	"127.1.X.Y); once listening it prints \"PORT <n>\" on stdout. Exits cleanly on\n"
	"SIGTERM or SIGINT.\n"
	"\n"
	"Server:\n"
	"  --port N          port to listen on (default 0: an ephemeral port)\n"
	"  --port-file FILE  also write the port to FILE\n"
	"  --threads N       worker threads (default 2)\n"
	"  --conn-limit N    max concurrent connections (default: from RLIMIT_NOFILE)\n"
	"  --latency MS      delay every response by MS milliseconds (default 0)\n"
	"  --log             one line per request on stderr\n"
	"Directory mode:\n"
	"  --dir DIR         serve the files under DIR\n"
	"  --prefix /PATH/   at this URL prefix (default /)\n"
	"Generated site mode:\n"
	"  --site N          a generated site of N HTML pages (/ and /p/<i>.html)\n"
	"  --fanout K        tree fan-out of the site (default 10)\n"
	"  --seed S          seed of the site's pseudo-random parts (default 1)\n"
	"  --expect FILE     write the expected crawl of the site (JSON lines) to FILE\n"
	"  --big-bytes N     size of /big/ pages (default 1048576)\n"
	"  --slow-ms MS      extra latency of /slow/ pages (default 200)\n"
	"Many hosts (politeness tests):\n"
	"  --hosts N         also listen on 127.1.X.Y for hosts 1..N (same port), count\n"
	"                    per-host politeness: GET /_test/polite-stats on any host\n"
	"  --site M          with --hosts: M pages per host, robots.txt, sitemaps\n"
	"  --rate-limit K    every K-th page request per host gets 429, Retry-After: 1\n"
	"  --retry-after-date  send Retry-After as an HTTP-date\n"
	"  --crawl-delay D   add Crawl-delay: D to robots.txt\n"
	"  --stats FILE      write the politeness accounting (JSON) to FILE at exit\n"
	"  --expect FILE     with --hosts --site: the page URLs a polite crawl requests\n"
	"Hostile web:\n"
	"  --hostile         serve the hostile site: ordinary pages linking to every trap\n"
	"                    (implies --blackhole)\n"
	"  --blackhole       also listen on a port that accepts and never answers; prints\n"
	"                    \"BLACKHOLE <port>\" after the PORT line\n"
	"  --tls-cert FILE   with --tls-key FILE (PEM): also serve HTTPS on another port;\n"
	"                    prints \"TLS <port>\" after the PORT line\n"
	"Every mode also serves the /_test/ endpoints (see testserver/README.md).\n";

/* Parse one numeric option value; prints a clear error and returns false if bad. */
static bool parse_num(const struct option_def *o, const char *v, uint64_t *out)
{
	if (!ts_parse_u64(v, UINT64_MAX, out)) {
		fprintf(stderr, TS_PROG ": %s '%s': expected a %s integer\n", o->name, v,
			o->min ? "positive" : "non-negative");
		return false;
	}
	if (*out < o->min || *out > o->max) {
		fprintf(stderr, TS_PROG ": %s '%s': out of range (%llu..%llu)\n", o->name, v,
			(unsigned long long)o->min, (unsigned long long)o->max);
		return false;
	}
	return true;
}

/* Store a parsed option into the configuration. */
static void store(struct ts_config *cfg, enum opt_id id, const char *s, uint64_t v)
{
	switch (id) {
	case O_PORT: cfg->port = (unsigned)v; break;
	case O_PORT_FILE: cfg->port_file = s; break;
	case O_THREADS: cfg->threads = (unsigned)v; break;
	case O_CONN_LIMIT: cfg->conn_limit = (unsigned)v; break;
	case O_LATENCY: cfg->latency_ms = (unsigned)v; break;
	case O_LOG: cfg->log = true; break;
	case O_DIR: cfg->dir = s; break;
	case O_PREFIX: cfg->prefix = s; break;
	case O_SITE: cfg->site_n = (uint32_t)v; break;
	case O_FANOUT: cfg->fanout = (unsigned)v; break;
	case O_SEED: cfg->seed = v; break;
	case O_EXPECT: cfg->expect = s; break;
	case O_BIG_BYTES: cfg->big_bytes = (size_t)v; break;
	case O_SLOW_MS: cfg->slow_ms = (unsigned)v; break;
	case O_HOSTS: cfg->hosts = (unsigned)v; break;
	case O_RATE_LIMIT: cfg->rate_limit = (unsigned)v; break;
	case O_RETRY_DATE: cfg->retry_after_date = true; break;
	case O_CRAWL_DELAY: cfg->crawl_delay = s; break;
	case O_STATS: cfg->stats = s; break;
	case O_HOSTILE: cfg->hostile = true; break;
	case O_BLACKHOLE: cfg->blackhole = true; break;
	case O_TLS_CERT: cfg->tls_cert = s; break;
	case O_TLS_KEY: cfg->tls_key = s; break;
	default: break;
	}
}

static const struct option_def *find_option(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
		if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
			return &options[i];
	return NULL;
}

/*
 * Parse argv ("--opt value" or "--opt=value") into cfg and the set of options seen.
 * Returns -1 to go on, or an exit code (0 after --help, 2 on a usage error).
 */
static int parse_args(int argc, char **argv, struct ts_config *cfg, bool seen[O_COUNT])
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		const struct option_def *o = find_option(a, eq ? (size_t)(eq - a) : strlen(a));
		const char *v = eq ? eq + 1 : NULL;
		uint64_t num = 0;
		if (!o) {
			fprintf(stderr, TS_PROG ": unknown option '%s' (see --help)\n", a);
			return 2;
		}
		if (o->id == O_HELP) {
			fputs(usage, stdout);
			return 0;
		}
		if (o->type == T_FLAG && v) {
			fprintf(stderr, TS_PROG ": %s takes no value\n", o->name);
			return 2;
		}
		if (o->type != T_FLAG && !v && (v = i + 1 < argc ? argv[++i] : NULL) == NULL) {
			fprintf(stderr, TS_PROG ": %s: missing value\n", o->name);
			return 2;
		}
		if (o->type == T_NUM && !parse_num(o, v, &num))
			return 2;
		if (o->type == T_STR && !*v) {
			fprintf(stderr, TS_PROG ": %s: empty value\n", o->name);
			return 2;
		}
		store(cfg, o->id, v, num);
		seen[o->id] = true;
	}
	return -1;
}

/* A Crawl-delay value: digits with at most one '.', greater than zero. */
static bool valid_delay(const char *s)
{
	bool dot = false, nonzero = false;
	if (!*s || strlen(s) > 16)
		return false;
	for (; *s; s++) {
		if (*s == '.' && !dot)
			dot = true;
		else if (*s >= '0' && *s <= '9')
			nonzero = nonzero || *s != '0';
		else
			return false;
	}
	return nonzero;
}

/* Checks of the --hosts family of options; the error text or NULL. */
static const char *validate_hosts(const struct ts_config *cfg, const bool seen[O_COUNT])
{
	if (cfg->hosts && cfg->site_n && (seen[O_FANOUT] || seen[O_BIG_BYTES] || seen[O_SLOW_MS]))
		return "--fanout, --big-bytes and --slow-ms do not apply to --hosts --site";
	if ((seen[O_RATE_LIMIT] || seen[O_CRAWL_DELAY]) && !(cfg->hosts && cfg->site_n))
		return "--rate-limit and --crawl-delay need --hosts and --site";
	if (seen[O_RETRY_DATE] && !seen[O_RATE_LIMIT])
		return "--retry-after-date needs --rate-limit";
	if (seen[O_STATS] && !cfg->hosts)
		return "--stats needs --hosts";
	if (cfg->crawl_delay && !valid_delay(cfg->crawl_delay))
		return "--crawl-delay: expected a positive number of seconds, e.g. 2 or 0.5";
	return NULL;
}

/* Cross-option checks; returns false after printing the problem. */
static bool validate(const struct ts_config *cfg, const bool seen[O_COUNT])
{
	static const enum opt_id site_only[] = {O_FANOUT, O_SEED, O_EXPECT, O_BIG_BYTES,
						O_SLOW_MS};
	struct stat st;
	const char *err = NULL;
	for (size_t i = 0; i < sizeof site_only / sizeof site_only[0]; i++)
		if (seen[site_only[i]] && !cfg->site_n)
			err = "--fanout, --seed, --expect, --big-bytes and --slow-ms need --site";
	if (cfg->dir && cfg->site_n)
		err = "--dir and --site cannot be combined";
	if (cfg->hostile && (cfg->dir || cfg->site_n || cfg->hosts))
		err = "--hostile cannot be combined with --dir, --site or --hosts";
	if (!cfg->tls_cert != !cfg->tls_key)
		err = "--tls-cert and --tls-key go together";
	if (seen[O_PREFIX] && !cfg->dir)
		err = "--prefix needs --dir";
	if (cfg->prefix && (cfg->prefix[0] != '/' || cfg->prefix[strlen(cfg->prefix) - 1] != '/'))
		err = "--prefix must start and end with '/'";
	if (!err)
		err = validate_hosts(cfg, seen);
	if (err) {
		fprintf(stderr, TS_PROG ": %s\n", err);
		return false;
	}
	if (cfg->dir && (stat(cfg->dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
		fprintf(stderr, TS_PROG ": --dir '%s': not a directory\n", cfg->dir);
		return false;
	}
	return true;
}

/* Raise the soft open-file limit to the hard one: thousands of connections need fds. */
static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static bool write_port_file(const char *file, unsigned port)
{
	FILE *f = fopen(file, "w");
	if (!f) {
		fprintf(stderr, TS_PROG ": --port-file '%s': %s\n", file, strerror(errno));
		return false;
	}
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0) {
		fprintf(stderr, TS_PROG ": --port-file '%s': write failed\n", file);
		return false;
	}
	return true;
}

/* Everything that needs the bound port, then the PORT line. */
static bool announce(const struct ts_config *cfg, struct site *site, struct polite *polite,
		     const struct ts_server *srv, unsigned port)
{
	if (polite && cfg->expect && polite_write_expect(polite, cfg->expect) != 0) {
		fprintf(stderr, TS_PROG ": --expect '%s': cannot write it\n", cfg->expect);
		return false;
	}
	if (site && !site_set_port(site, port)) {
		fprintf(stderr, TS_PROG ": out of memory building the site\n");
		return false;
	}
	if (site && cfg->expect && site_write_expect(site, cfg->expect) != 0) {
		fprintf(stderr, TS_PROG ": --expect '%s': cannot write it\n", cfg->expect);
		return false;
	}
	if (cfg->port_file && !write_port_file(cfg->port_file, port))
		return false;
	printf("PORT %u\n", port);
	if (server_blackhole_port(srv))
		printf("BLACKHOLE %u\n", server_blackhole_port(srv));
	if (server_tls_port(srv))
		printf("TLS %u\n", server_tls_port(srv));
	fflush(stdout);
	return true;
}

/* Wait for SIGINT/SIGTERM; with --log, say which and from whom (stray kills happen). */
static void wait_for_signal(const sigset_t *set, bool log)
{
	siginfo_t si;
	while (sigwaitinfo(set, &si) < 0)
		;
	if (log)
		fprintf(stderr, TS_PROG ": signal %d from pid %ld, shutting down\n", si.si_signo,
			(long)si.si_pid);
}

int main(int argc, char **argv)
{
	struct ts_config cfg = {.threads = 2, .fanout = 10, .seed = 1, .big_bytes = 1 << 20,
				.slow_ms = 200};
	bool seen[O_COUNT] = {0};
	struct site *site = NULL;
	struct polite *polite = NULL;
	struct ts_server *srv = NULL;
	sigset_t set;
	unsigned port = 0;
	int rc = parse_args(argc, argv, &cfg, seen);
	if (rc >= 0)
		return rc;
	if (!validate(&cfg, seen))
		return 2;
	rc = 1;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	raise_nofile();
	if (cfg.site_n && cfg.hosts) {
		polite = polite_new(cfg.hosts, cfg.site_n, cfg.seed, cfg.crawl_delay);
		if (!polite) {
			fprintf(stderr, TS_PROG ": out of memory building the site\n");
			goto out;
		}
	} else if (cfg.site_n) {
		site = site_new(cfg.site_n, cfg.fanout, cfg.seed, cfg.big_bytes, cfg.slow_ms);
		if (!site) {
			fprintf(stderr, TS_PROG ": out of memory building the site\n");
			goto out;
		}
	}
	srv = server_start(&cfg, site, polite, &port);
	if (!srv || !announce(&cfg, site, polite, srv, port))
		goto out;
	wait_for_signal(&set, cfg.log);
	rc = 0;
out:
	server_stop(srv);
	site_free(site);
	polite_free(polite);
	return rc;
}
