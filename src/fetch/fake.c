/*
 * fake.c -- the Fetcher over a fake web: the lecture's fakeFetcher.Fetch, plus latency.
 *
 * Blocking face: sleep delay_us, then answer. Thread-safe: the table is read-only during a
 * crawl and fetch counts are atomic.
 */
#include <stdlib.h>

#include "fetch/fakeweb.h"
#include "util/util.h"

struct fake_fetcher {
	struct weft_fetcher base;
	struct weft_fakeweb *web; /* borrowed */
};

static int fake_fetch(struct weft_fetcher *f, const char *url, struct weft_response *out)
{
	struct fake_fetcher *ff = (struct fake_fetcher *)f;
	const struct fake_page *p = weft__fakeweb_touch(ff->web, url);
	if (p && p->delay_us)
		weft__sleep_us(p->delay_us);
	return weft__fakeweb_respond(p, url, out);
}

static void fake_destroy(struct weft_fetcher *f)
{
	free(f);
}

static const struct weft_fetcher_ops fake_ops = {
	.name = "fake",
	.caps = WEFT_FETCH_BLOCKING | WEFT_FETCH_THREADSAFE,
	.fetch = fake_fetch,
	.destroy = fake_destroy,
};

int weft_fetcher_fake(struct weft_fetcher **out, struct weft_fakeweb *w)
{
	struct fake_fetcher *f = calloc(1, sizeof(*f));
	*out = NULL;
	if (!f)
		return WEFT_E_NOMEM;
	f->base.ops = &fake_ops;
	f->web = w;
	*out = &f->base;
	return WEFT_OK;
}
