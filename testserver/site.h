/*
 * site.h -- the generated site's graph model, shared by site.c (which serves it) and
 * expect.c (which computes the expected crawl from it). One source of truth: the server
 * answers every URL through site_parse() + site_node_info(), and the expectation walks
 * the very same site_links() and site_node_info(), so the two cannot disagree.
 *
 * A URL of the site is a node (kind, id). The graph is a pure function of (n, fanout,
 * seed): links are derived from hashes on demand; only the few "special" links (404s,
 * redirects, non-HTML, big and slow pages) are kept in a table sorted by source page.
 * Everything here is immutable after site_new()/site_set_port(), hence thread-safe.
 */
#ifndef WEFT_TESTSERVER_SITE_H
#define WEFT_TESTSERVER_SITE_H

#include "ts.h"

#include <stdatomic.h>

enum node_kind {
	NK_PAGE,	/* "/" (id 0) or "/p/<id>.html": a normal HTML page */
	NK_MISSING,	/* "/missing/<id>.html": 404 */
	NK_R,		/* "/r/<id>": 301 to page id */
	NK_R2,		/* "/r2/<id>": 302 to /r/<id> */
	NK_LOOP,	/* "/loop/a" (0) and "/loop/b" (1): 301 to each other */
	NK_CHAIN,	/* "/chain/<k>": 302 to /chain/<k+1>; /chain/11 302 to /p/1.html */
	NK_PDF,		/* "/f/<id>.pdf": application/pdf */
	NK_TXT,		/* "/f/<id>.txt": text/plain with HTML-looking text in it */
	NK_BIG,		/* "/big/<id>.html": big HTML, links at the very end */
	NK_BIGTAIL,	/* "/bigtail/<id>.html": linked only from the end of /big/<id>.html */
	NK_SLOW,	/* "/slow/<id>.html": HTML with --slow-ms extra latency */
	NK_COUNT
};

#define SITE_CHAIN_LEN 12 /* /chain/0 .. /chain/11 */

struct node {
	uint32_t kind;
	uint32_t id;
};

/* One <a href> on a page: its target and the hash bits that choose how it is written. */
struct link {
	struct node to;
	uint64_t style;
	bool frag_only;	/* written as a bare "#sec" (a self link) */
};

struct special {
	uint32_t src;
	struct node to;
};

/* What a URL answers. */
struct node_info {
	unsigned status;
	const char *ctype;
	bool redirect;
	struct node target;	/* when redirect */
};

struct site {
	uint32_t n;
	unsigned fanout;
	uint64_t seed;
	size_t big_bytes;
	unsigned slow_ms;
	unsigned port;
	char origin[32];		/* "http://127.0.0.1:<port>" */
	uint32_t count[NK_COUNT];	/* number of valid ids per special kind */
	struct special *sp;		/* sorted by src */
	size_t nsp;
	size_t max_links;		/* capacity site_links() needs */
	_Atomic(struct MHD_Response *) *cache;	/* rendered pages, by page id */
	struct MHD_Response **big;	/* prebuilt /big/ responses, by id */
	char **big_parts;		/* head and tail text of each big page */
	char *pad;			/* shared padding of the big pages */
	size_t pad_len;
	atomic_bool ready;		/* set_port done: port-dependent parts exist */
};

uint64_t site_hash(const struct site *s, uint64_t a, uint64_t b, uint64_t c);
size_t site_links(const struct site *s, struct node from, struct link *out);
void site_node_info(const struct site *s, struct node nd, struct node_info *info);
void site_node_path(struct node nd, char *buf, size_t len);
bool site_parse(const struct site *s, const char *path, struct node *out);

#endif
