/*
 * weft.h -- the public contract of libweft, a concurrent web crawler library.
 *
 * If a function, type or constant is not declared in this header or in the headers under
 * include/weft/, it is not part of libweft's API.
 *
 * Conventions (see docs/ARCHITECTURE.md):
 *  - Functions that can fail return 0 (WEFT_OK) or a negative enum weft_err.
 *  - Per-URL failures (404, DNS error, a body over the limit) are not API errors: they are data,
 *    reported in a struct weft_record.
 *  - Destructors take T ** and set the caller's pointer to NULL; passing NULL is a no-op.
 *  - Strings passed in are copied unless a comment says "borrowed".
 */
#ifndef WEFT_H
#define WEFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define WEFT_API __attribute__((visibility("default")))
#else
#define WEFT_API
#endif

/* ---- Errors ----------------------------------------------------------------------------- */

enum weft_err {
	WEFT_OK = 0,
	WEFT_E_NOMEM = -1,       /* an allocation failed */
	WEFT_E_INVAL = -2,       /* a bad argument or option; the message says which */
	WEFT_E_IO = -3,          /* reading or writing a file or stream failed */
	WEFT_E_PARSE = -4,       /* malformed input (a fake-web file, a URL, ...) */
	WEFT_E_THREAD = -5,      /* no thread could be started at all */
	WEFT_E_CANCELED = -6,    /* weft_crawl_cancel() was called */
	WEFT_E_UNSUPPORTED = -7, /* the engine and fetcher cannot work together */
	WEFT_E_OUTPUT = -8,      /* a reporter could not write its output (EPIPE, ENOSPC) */
};

/* A static English description of an enum weft_err value. Never NULL. */
WEFT_API const char *weft_strerror(int err);

/* The version string, e.g. "0.1.0". */
WEFT_API const char *weft_version(void);

/*
 * Initialise libcurl once, in the main thread, before any crawl starts threads.
 * Safe to call more than once; each call must be paired with weft_global_cleanup().
 */
WEFT_API int weft_global_init(void);
WEFT_API void weft_global_cleanup(void);

/* ---- Per-URL outcome kinds ---------------------------------------------------------------- */

/* Why a fetch did not produce a usable page. WEFT_FE_NONE means it did (any HTTP status). */
enum weft_fetch_err {
	WEFT_FE_NONE = 0,
	WEFT_FE_MISSING,      /* fake web: the URL is not in the table (the lecture's "missing") */
	WEFT_FE_FAKE,         /* fake web: the entry carries an "error" */
	WEFT_FE_DNS,          /* the host name could not be resolved */
	WEFT_FE_CONNECT,      /* connection refused, reset or unreachable */
	WEFT_FE_TLS,          /* TLS handshake or certificate failure */
	WEFT_FE_TIMEOUT,      /* connect, total or low-speed timeout */
	WEFT_FE_PROTOCOL,     /* malformed HTTP response */
	WEFT_FE_TOO_BIG,      /* body over the limit (the record is still kept, truncated) */
	WEFT_FE_REDIRECT_LOOP,/* a redirect chain came back to one of its own URLs */
	WEFT_FE_TOO_MANY_REDIRECTS, /* more than the allowed number of hops */
	WEFT_FE_BAD_URL,      /* the URL could not be parsed or has an unsupported scheme */
	WEFT_FE_HTTP,         /* the server answered with status >= 400 */
	WEFT_FE_OTHER,        /* anything else; the message says what */
};

/* A short stable name for a fetch error kind ("none", "missing", "dns", ...), for output. */
WEFT_API const char *weft_fetch_err_name(enum weft_fetch_err e);

/* ---- Configuration ------------------------------------------------------------------------ */

#define WEFT_CONCURRENCY_AUTO (-1)
#define WEFT_PER_HOST_DEFAULT (-1)
#define WEFT_ROBOTS_DEFAULT 0
#define WEFT_ROBOTS_OFF 1

enum weft_scope_kind {
	WEFT_SCOPE_HOST = 0, /* the seeds' hosts (default) */
	WEFT_SCOPE_DOMAIN,   /* the seeds' registrable domains (Public Suffix List) */
	WEFT_SCOPE_ANY,      /* everything reachable over http(s) */
};

/*
 * Settings of a crawl. Fill with weft_config_init() first, then change what you need.
 * Pointer members are borrowed: they must stay valid until weft_crawl_new() returns
 * (which copies them).
 */
struct weft_config {
	const char *engine;         /* "event", "serial", "mutex", "channel", "pool"; NULL = event */
	int concurrency;            /* threads or transfers in flight; 0 = engine default;
				       WEFT_CONCURRENCY_AUTO: the event engine finds it */
	int max_depth;              /* link hops from a seed; -1 = unlimited */
	long max_pages;             /* stop admitting after this many URLs; 0 = unlimited */
	enum weft_scope_kind scope;
	const char *const *include; /* POSIX extended regexes; a URL must match one (if any given) */
	size_t n_include;
	const char *const *exclude; /* a URL matching any of these is not followed */
	size_t n_exclude;
	size_t thread_stack;        /* stack size of crawler threads in bytes; 0 = default */
	int loops;                  /* event engine: loop threads (each with its own share of the
				       fetches in flight); 0 = one per CPU core, at most 8 */

	/* Politeness (docs/POLITENESS.md). */
	int max_per_host;           /* requests in flight per host (scheme, host, port); 0 =
				       unlimited; WEFT_PER_HOST_DEFAULT: 6 over the network (the
				       limit browsers keep), unlimited for the in-process fake web */
	double delay;               /* seconds between request starts to one host (default 0) */
	int robots;                 /* WEFT_ROBOTS_DEFAULT: obey robots.txt wherever the fetcher
				       talks to real servers; WEFT_ROBOTS_OFF: the explicit opt-out */
	const char *robots_agent;   /* robots.txt product token; NULL = "weft" */
	bool ignore_crawl_delay;    /* do not slow down for robots.txt's Crawl-delay */
	double max_crawl_delay;     /* cap on Crawl-delay, seconds (default 30) */
	double max_backoff;         /* cap on one host block (Retry-After or back-off), seconds
				       (default 60) */
	bool sitemaps;              /* also start from /sitemap.xml of each seed's origin and from
				       robots.txt's Sitemap: lines */
	bool no_skipped;            /* no records for URLs found but not fetched */

	/* Link checking (weft check; docs/CHECK.md). */
	bool resources;             /* also extract page resources (img, srcset, link, script,
				       source, video, audio, embed, object): in-scope ones are
				       fetched (never parsed as pages unless HTML), out-of-scope
				       ones checked with check_external; without it only a, area
				       and frames are links */
	bool anchors;               /* keep each HTML page's anchors (ids, <a name>) in its
				       record, for fragment checks */
	bool check_external;        /* out-of-scope http(s) links are fetched once to check them
				       (HEAD, then GET when HEAD is refused), never parsed or
				       followed; their records have checked set */

	/* Limits: guards against an infinite or hostile web (docs/LIMITS.md). 0 = no limit. */
	size_t max_url_len;         /* longer URLs are skipped ("url-too-long"); default 4096 */
	size_t max_links;           /* links kept per page; the rest are counted in the record's
				       links_dropped; default 10000 */
	int max_redirects;          /* hops in one redirect chain; default 10 */
	int max_path_segments;      /* URLs with more path segments are skipped ("trap");
				       default 32 */
	int max_repeats;            /* URLs with one path segment more often than this are
				       skipped ("trap"); default 3 */
	long max_similar;           /* URLs of one host that differ only in their digits (after
				       the host) beyond this many are skipped ("trap"): calendars,
				       session ids, endless "next" links; default 50000 */
	long max_pages_per_host;    /* URLs fetched per host; beyond: "host-limit"; default 0 */
	double max_time;            /* seconds for the whole crawl; URLs not started by then are
				       skipped ("max-time"); default 0 */
	unsigned reserved[6];
};

WEFT_API void weft_config_init(struct weft_config *cfg);

/* ---- Link records ------------------------------------------------------------------------ */

/*
 * One link found on a page, as the extractor (weft/extract.h) yields it and records carry it to
 * reporters. The fields are documented with the extractor.
 */
enum weft_link_kind {
	WEFT_LINK_NAV = 0,  /* a, area, iframe, frame */
	WEFT_LINK_RESOURCE, /* img, source, link, script, video, audio, embed, object */
};

struct weft_link {
	const char *url;      /* absolute, without fragment, NUL-terminated (weft/url.h form) */
	size_t url_len;
	const char *raw;      /* the attribute value as the DOM has it (references resolved, */
	size_t raw_len;       /* CR and CRLF as LF, not trimmed); a srcset candidate's URL */
	const char *fragment; /* what follows the first '#' of the trimmed value, as written */
	size_t frag_len;      /* (not percent-encoded); NULL when there is no '#' */
	const char *text;     /* <a>: its text content up to the end of the link; img: alt; */
	size_t text_len;      /* else "". ASCII whitespace collapsed to one space, trimmed,
			       * cut to at most WEFT_LINK_TEXT_MAX bytes at a character boundary */
	const char *rel;      /* a, area, link: the rel attribute as written, NUL-terminated; */
	size_t rel_len;       /* NULL when absent */
	const char *tag;      /* lower case: "a", "img", ... */
	const char *attr;     /* "href", "src", "srcset", "poster", "data" */
	unsigned line;        /* 1-based line of the tag's '<' (LF, CRLF and CR end a line);
			       * srcset candidates share their tag's */
	enum weft_link_kind kind;
	bool nofollow;        /* rel has the token "nofollow" (ASCII case-insensitive) */
};

/* ---- Records -------------------------------------------------------------------------------- */

/*
 * What happened to one URL. Reporters receive it; every pointer in it is borrowed and valid only
 * until the reporter callback returns.
 */
struct weft_record {
	const char *url;            /* the URL as admitted (canonical form) */
	const char *final_url;      /* where the body came from; equals url unless redirected */
	const char *from;           /* the page this URL was first found on; NULL for a seed */
	int depth;                  /* link hops from the seed */
	int status;                 /* HTTP status; 0 for a transport error */
	enum weft_fetch_err error;  /* WEFT_FE_NONE when the fetch itself worked */
	const char *error_msg;      /* human-readable detail, or NULL */
	const char *content_type;   /* without parameters, lower case; NULL if unknown */
	uint64_t bytes;             /* body bytes received */
	double ms;                  /* wall time of the fetch */
	const char *redirect;       /* Location target for a 3xx, absolute; else NULL */
	int hops;                   /* redirects followed to reach this URL from a link */
	bool truncated;             /* the body was cut at the size limit */
	size_t n_links;             /* links found on the page (a sitemap: the URLs it listed) */
	const struct weft_link *links; /* the page's link records, document order (NULL for a
				       sitemap): url absolute without fragment; fragment, text,
				       tag, attr, line as the page has them */
	size_t n_anchors;           /* with cfg.anchors, an HTML page's ids and <a name>s */
	const char *const *anchors; /* (NUL-terminated, as written, duplicates kept) */
	bool checked;               /* fetched only to check it (cfg.check_external): HEAD, or
				       GET when HEAD was refused; never parsed */
	size_t links_dropped;       /* links found and not kept: beyond cfg.max_links, or with a
				       value over the extractor's 1 MiB */
	const char *skipped;        /* found but not fetched, and why: "robots", "scope", "depth",
				       "max-pages", "url-too-long", "trap", "host-limit",
				       "max-time"; NULL for a fetched URL (when set, only url,
				       from and depth are set, and error_msg may say more) */
};

/* True when the record is a page that was fetched and usable (2xx, no error). */
WEFT_API bool weft_record_ok(const struct weft_record *r);

/* ---- Reporters --------------------------------------------------------------------------- */

struct weft_reporter;

/*
 * A reporter consumes records. The crawl calls one reporter's callbacks from one thread at a
 * time, so a reporter needs no locks of its own. A non-zero return from record() or end() is
 * an output failure: the crawl stops and weft_crawl_run() returns WEFT_E_OUTPUT.
 */
struct weft_reporter_ops {
	const char *name;
	int (*begin)(struct weft_reporter *r);
	int (*record)(struct weft_reporter *r, const struct weft_record *rec);
	int (*end)(struct weft_reporter *r);
	void (*destroy)(struct weft_reporter *r);
	/* Optional: why begin(), record() or end() failed, as a message naming what was being
	 * written ("writing out.csv: No space left on device"), and the errno it came with (0 when
	 * the failure was not a system error, e.g. a sitemap over its URL limit); NULL if nothing
	 * failed. The string lives as long as the reporter. */
	const char *(*error)(struct weft_reporter *r, int *errnum);
};

struct weft_reporter {
	const struct weft_reporter_ops *ops;
};

/*
 * Options of the built-in reporters (docs/OUTPUTS.md). Fill with weft_report_options_init().
 *
 * Streaming: when fp is not a regular file (a pipe, a terminal, a socket) a reporter starts a
 * thread that flushes it every 20 ms when something was written (between whole records), so a
 * consumer such as jq sees every record within a moment; to a regular file they write in
 * stdio's blocks and flush at the end. A reporter only writes fp between begin() and end();
 * fp must stay open until then.
 */
#define WEFT_REPORT_LINKS 0x1u       /* jsonl, csv: each page's outgoing link records too */
#define WEFT_SITEMAP_MAX_URLS 50000  /* the sitemap protocol's limit of URLs per file */

struct weft_report_options {
	FILE *fp;            /* where to write (borrowed; not closed); NULL = stdout */
	const char *name;    /* fp's name in error messages; NULL = "standard output" for stdout,
				else "output" */
	unsigned flags;      /* WEFT_REPORT_* */
	/* sitemap only: */
	const char *path;    /* write this file (and its parts) instead of fp; NULL = fp */
	size_t max_urls;     /* URLs per sitemap file; 0 = WEFT_SITEMAP_MAX_URLS (also the cap) */
	const char *base;    /* URL the parts are served under, for the index's <loc>s
				(e.g. "https://example.org/"); NULL = the first page's origin + "/" */
	unsigned reserved[4];
};

WEFT_API void weft_report_options_init(struct weft_report_options *o);

/* The lecture's lines: "found:   URL" for a usable page, "missing: URL" otherwise. */
WEFT_API int weft_reporter_text(struct weft_reporter **out, FILE *fp);
WEFT_API int weft_reporter_text_opts(struct weft_reporter **out,
				     const struct weft_report_options *o);
/* One JSON object per line per fetched URL (schema in docs/JSONL.md); with WEFT_REPORT_LINKS
 * each page's object carries "outlinks", its link records. */
WEFT_API int weft_reporter_jsonl(struct weft_reporter **out, FILE *fp);
WEFT_API int weft_reporter_jsonl_opts(struct weft_reporter **out,
				      const struct weft_report_options *o);
/* CSV (RFC 4180: a header row, CRLF, fields with , " CR or LF quoted, quotes doubled): one row
 * per record; with WEFT_REPORT_LINKS one row per link of each page (docs/OUTPUTS.md). */
WEFT_API int weft_reporter_csv(struct weft_reporter **out, const struct weft_report_options *o);
/* Graphviz DOT: the site graph, a node per fetched URL, an edge per link between fetched URLs
 * (written at the end), errors coloured. */
WEFT_API int weft_reporter_dot(struct weft_reporter **out, const struct weft_report_options *o);
/* sitemap.xml of the pages fetched with status 200 and an HTML type. To fp: one file, more
 * than max_urls URLs is an error. To o->path: that file, or, over max_urls, a sitemap index
 * there and its parts STEM-1.xml, STEM-2.xml, ... next to it (STEM: path without ".xml"). */
WEFT_API int weft_reporter_sitemap(struct weft_reporter **out,
				   const struct weft_report_options *o);

/* Why the reporter failed (see weft_reporter_ops.error); NULL if it did not or cannot say. */
WEFT_API const char *weft_reporter_error(struct weft_reporter *r, int *errnum);
WEFT_API void weft_reporter_free(struct weft_reporter **r);

/*
 * The link checker's reporter (weft check; docs/CHECK.md). It keeps every page's link records
 * (compactly: URLs and texts interned once) and, at end(), decides for each link whether it is
 * broken: a transport error, a 4xx/5xx status, a redirect chain ending in one of those or in a
 * loop, or (unless WEFT_CHECK_NO_FRAGMENTS) a #fragment the parsed target page has no id or
 * <a name> for. Each broken target is written once with every page that links to it:
 * grouped by page in text, one JSON object per target in jsonl. Meant for a crawl with
 * cfg.check_external and cfg.anchors (and cfg.resources for resources).
 */
enum weft_check_format {
	WEFT_CHECK_TEXT = 0,
	WEFT_CHECK_JSONL,
};
#define WEFT_CHECK_NO_FRAGMENTS 1u /* do not check #fragments */

WEFT_API int weft_reporter_check(struct weft_reporter **out, FILE *fp,
				 enum weft_check_format format, unsigned flags);

/* What a check reporter found; complete once the crawl's run has returned. */
struct weft_check_stats {
	uint64_t pages;          /* HTML pages of the site fetched (2xx) and parsed */
	uint64_t links;          /* links found on them (each occurrence), start URLs included */
	uint64_t checked;        /* of which the target's fate is known */
	uint64_t not_checked;    /* of which the target was not fetched (skipped: robots, scope,
				    --exclude, --depth, --max-pages; a non-http(s) URL) */
	uint64_t rate_limited;   /* of which the target still answered 429 after the retries
				    (not broken; counted in not_checked too) */
	uint64_t broken_links;   /* links to broken targets */
	uint64_t broken_targets; /* distinct broken targets (a URL, or URL#fragment) */
};

/* The counts of a reporter made by weft_reporter_check(); zeros for any other reporter. */
WEFT_API void weft_reporter_check_stats(const struct weft_reporter *r,
					struct weft_check_stats *out);

/* ---- Crawls -------------------------------------------------------------------------------- */

struct weft_crawl;
struct weft_fetcher;

/* Totals of a run, readable while it runs (values are approximate until it returns). */
struct weft_stats {
	uint64_t fetched;   /* fetch calls completed */
	uint64_t ok;        /* of which usable pages */
	uint64_t failed;    /* of which errors or HTTP >= 400 */
	uint64_t admitted;  /* URLs taken into the visited set */
	uint64_t links;     /* links seen on pages */
	uint64_t bytes;     /* body bytes */
	uint64_t threads;   /* threads started by the engine */
	uint64_t inline_runs; /* work run inline because a thread could not be started */
	uint64_t concurrency; /* the level -c auto settled on (0 when not auto) */
	uint64_t skipped;   /* URLs found and not fetched (robots, scope, depth, max-pages) */
	uint64_t robots;    /* robots.txt fetches (not counted in fetched) */
	uint64_t refused;   /* 429/503 answers waited out and retried */
	double seconds;     /* wall time of weft_crawl_run() */
	/* Progress, for a status line: approximate while the crawl runs (relaxed counters). */
	uint64_t in_flight; /* fetches started and not yet ended (robots.txt included) */
	uint64_t queued;    /* URLs admitted and not yet started (0 once the crawl ended) */
	uint64_t abandoned; /* fetches cut off in flight by weft_crawl_cancel(): no record */
	uint64_t errors[WEFT_FE_OTHER + 1]; /* records by enum weft_fetch_err (errors[0]: none) */
};

/*
 * Make a crawl. `fetcher` is borrowed and must outlive the crawl. On error *out is NULL and,
 * if errbuf is not NULL, a message naming what was wrong is written to it.
 */
WEFT_API int weft_crawl_new(struct weft_crawl **out, const struct weft_config *cfg,
			    struct weft_fetcher *fetcher, char *errbuf, size_t errlen);

/* Add a start URL (copied). */
WEFT_API int weft_crawl_add_seed(struct weft_crawl *c, const char *url);

/* Add a reporter; the crawl takes ownership and frees it with the crawl. */
WEFT_API int weft_crawl_add_reporter(struct weft_crawl *c, struct weft_reporter *r);

/* Run to completion (or cancellation). Returns 0, WEFT_E_CANCELED, or another error. */
WEFT_API int weft_crawl_run(struct weft_crawl *c);

/*
 * Stop a running crawl now: admit nothing more, drop queued work, wake every thread waiting
 * (on a queue, a host's turn, an event loop) and abandon the fetches in flight (the fetcher's
 * abort()). Records already written stay; abandoned URLs get no record (stats.abandoned counts
 * them). weft_crawl_run() then returns WEFT_E_CANCELED promptly, whatever the servers do.
 *
 * Callable from any thread while weft_crawl_run() runs (or before or after it), but NOT from a
 * signal handler (it takes locks to wake waiting threads) and not from a reporter callback: a
 * signal handler should set a flag or write to a pipe that a thread of its own watches, and
 * call weft_crawl_cancel() from there (as the weft command does).
 */
WEFT_API void weft_crawl_cancel(struct weft_crawl *c);

WEFT_API void weft_crawl_stats(const struct weft_crawl *c, struct weft_stats *out);

WEFT_API void weft_crawl_free(struct weft_crawl **c);

/* Names of the engines, NULL-terminated, default first. */
WEFT_API const char *const *weft_engine_names(void);

#ifdef __cplusplus
}
#endif
#endif /* WEFT_H */
