/*
 * engine.h -- engines are interchangeable schedulers over the same steps (weft__admit,
 * weft__visit). Each one is a file in src/engine/ and a line in the table in engine.c.
 */
#ifndef WEFT_ENGINE_H
#define WEFT_ENGINE_H

#include "internal.h"

struct weft__engine_ops {
	const char *name;
	int default_concurrency;  /* used when cfg.concurrency is 0 */
	unsigned needs;           /* WEFT_FETCH_* capabilities the fetcher must have */
	bool frontier;            /* schedules over core/frontier.h (per-host queues); the others
				     are the lecture's designs, made polite by the gate around fetch */
	/* Crawl from c->seeds until no work is left (or the crawl is canceled). */
	int (*run)(struct weft_crawl *c);
};

extern const struct weft__engine_ops weft__engine_serial;
extern const struct weft__engine_ops weft__engine_mutex;
extern const struct weft__engine_ops weft__engine_channel;
extern const struct weft__engine_ops weft__engine_pool;
extern const struct weft__engine_ops weft__engine_event;

/* Look an engine up by name; NULL picks the default. NULL result: no such engine. */
const struct weft__engine_ops *weft__engine_find(const char *name);

/* How many sockets a crawl may use: the open-file limit minus some room. */
size_t weft__fd_budget(void);

/* The concurrency an engine runs with under c's configuration. */
int weft__engine_concurrency(const struct weft_crawl *c);

#endif
