/*
 * serial.c -- the lecture's Serial crawler: depth-first, one thread, a private `fetched` set.
 *
 *   func Serial(url string, fetcher Fetcher, fetched map[string]bool) {
 *       if fetched[url] { return }
 *       fetched[url] = true
 *       urls, err := fetcher.Fetch(url)
 *       if err != nil { return }
 *       for _, u := range urls { Serial(u, fetcher, fetched) }
 *   }
 *
 * The recursion is kept as an explicit stack so that a chain of a million pages cannot overflow
 * the C stack: children are pushed in reverse, so they are popped -- and fetched -- in exactly
 * the order the recursive version visits them.
 *
 * Ownership: everything here belongs to the calling thread; no locks.
 */
#include "engine/engine.h"

/* Push kids so that kids[0] is on top: the recursion's visiting order. */
static int push_reversed(struct weft__jobs *stack, struct weft__jobs *kids)
{
	int rc = WEFT_OK;
	for (size_t i = kids->n; i-- > 0;) {
		if (rc == WEFT_OK)
			rc = weft__jobs_push_job(stack, &kids->v[i]);
		if (rc)
			weft__job_clear(&kids->v[i]);
	}
	kids->n = 0;
	return rc;
}

static int serial_run(struct weft_crawl *c)
{
	struct weft__visited *fetched = NULL;
	struct weft__jobs stack = { 0 }, kids = { 0 };
	int rc = weft__visited_mem_new(&fetched, 0, false);
	if (rc)
		return rc;
	for (size_t i = c->seeds.n; i-- > 0 && rc == WEFT_OK;)
		rc = weft__jobs_push_copy(&stack, &c->seeds.v[i]);
	while (rc == WEFT_OK && stack.n > 0) {
		struct weft__job job = stack.v[--stack.n];
		if (weft__admit(c, fetched, &job)) { /* if fetched[url] { return } */
			rc = weft__visit(c, &job, &kids);
			if (rc == WEFT_OK)
				rc = push_reversed(&stack, &kids);
		}
		weft__job_clear(&job);
	}
	weft__jobs_free(&kids);
	weft__jobs_free(&stack);
	weft__visited_free(&fetched);
	return rc;
}

const struct weft__engine_ops weft__engine_serial = {
	.name = "serial",
	.default_concurrency = 1,
	.needs = WEFT_FETCH_BLOCKING,
	.run = serial_run,
};
