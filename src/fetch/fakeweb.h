/* fakeweb.h -- the fake web's table, shared by the loader and the fetcher faces. */
#ifndef WEFT_FAKEWEB_H
#define WEFT_FAKEWEB_H

#include <pthread.h>
#include <stdatomic.h>

#include <weft/fake.h>

struct fake_page {
	char *url;            /* canonical */
	int status;
	char **links;         /* canonical, absolute */
	size_t n_links;
	unsigned delay_us;
	char *error;
	char *redirect;
	char *content_type;
	atomic_uint fetches;
};

/*
 * The table is built before any crawl and read-only while fetchers run (only `fetches`
 * changes, atomically). Fetches of URLs not in the table are counted in `missing`, under
 * missing_mu.
 */
struct weft_fakeweb {
	struct fake_page **pages;  /* open addressing by URL fingerprint; NULL = empty */
	size_t mask;
	size_t count;
	pthread_mutex_t missing_mu;
	struct fake_page **missing; /* guarded by missing_mu; same layout */
	size_t missing_mask;
	size_t missing_count;
	atomic_uint_fast64_t total;
};

/* The page for a canonical URL, or NULL. Safe from any thread while the table is read-only. */
const struct fake_page *weft__fakeweb_find(const struct weft_fakeweb *w, const char *url);
/* Count a fetch of url (present or missing); returns the page or NULL if missing. */
struct fake_page *weft__fakeweb_touch(struct weft_fakeweb *w, const char *url);
/* Answer a request from a page (NULL: the lecture's "missing"): status and type into *out,
   its links to req->sink. */
int weft__fakeweb_respond(const struct fake_page *p, const struct weft_request *req,
			  struct weft_response *out);

#endif
