/* engine.c -- the table of engines. The first entry is the default. */
#include <string.h>
#include <sys/resource.h>

#include "engine/engine.h"

static const struct weft__engine_ops *const engines[] = {
	&weft__engine_event,
	&weft__engine_serial,
	&weft__engine_mutex,
	&weft__engine_channel,
	&weft__engine_pool,
	NULL,
};

static const char *const names[] = { "event", "serial", "mutex", "channel", "pool", NULL };

const char *const *weft_engine_names(void)
{
	return names;
}

const struct weft__engine_ops *weft__engine_find(const char *name)
{
	if (!name)
		return engines[0];
	for (size_t i = 0; engines[i]; i++)
		if (strcmp(engines[i]->name, name) == 0)
			return engines[i];
	return NULL;
}

int weft__engine_concurrency(const struct weft_crawl *c)
{
	int n = c->cfg.concurrency > 0 ? c->cfg.concurrency : c->engine->default_concurrency;
	return n > 0 ? n : 1;
}

size_t weft__fd_budget(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return 65536;
	return rl.rlim_cur > 128 ? (size_t)(rl.rlim_cur - 64) : 64;
}
