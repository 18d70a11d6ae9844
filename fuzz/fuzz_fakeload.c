/*
 * fuzz_fakeload.c -- libFuzzer target for the fake-web JSONL loader (weft_fakeweb_load(),
 * src/fetch/fakeload.c): the input is the file. It is handed over as /proc/self/fd/N of a
 * memfd, so nothing touches the disk. Checks:
 *  - the loader returns WEFT_OK or WEFT_E_PARSE (never anything else; WEFT_E_NOMEM only if
 *    malloc fails), and *out is set exactly on success;
 *  - a failure names the file and a line ("PATH:LINE: ...") in the error buffer, and the line
 *    exists in the input;
 *  - on success the web holds at most one page per line; every page is found again by its
 *    (canonical) URL, its links are absolute URLs that parse, and the response the fake
 *    fetcher would give for it is built and freed cleanly (no delay is simulated here).
 * Any violation aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <weft.h>
#include <weft/fake.h>
#include <weft/url.h>

#include "fetch/fakeweb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *err)
{
	fprintf(stderr, "fuzz_fakeload: %s (%s)\n", what, err ? err : "");
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	if (fd < 0) {
		weft_global_init();
		fd = memfd_create("fuzz_fakeload", 0);
		if (fd < 0)
			fail("memfd_create", NULL);
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		fail("cannot write the input", NULL);
	char path[64], err[1024] = "";
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';

	struct weft_fakeweb *w = (struct weft_fakeweb *)1;
	int rc = weft_fakeweb_load(&w, path, err, sizeof(err));
	if (rc == WEFT_OK) {
		if (!w)
			fail("success without a web", NULL);
		if (weft_fakeweb_size(w) > lines)
			fail("more pages than lines", NULL);
		if (weft_fakeweb_total_fetches(w) != 0)
			fail("fetches before any fetch", NULL);
		size_t seen = 0;
		for (size_t i = 0; i <= w->mask; i++) {
			const struct fake_page *p = w->pages[i];
			if (!p)
				continue;
			seen++;
			if (weft__fakeweb_find(w, p->url) != p)
				fail("a page is not found by its URL", p->url);
			for (size_t k = 0; k < p->n_links; k++) {
				struct weft_url *u = NULL;
				if (weft_url_parse(&u, p->links[k], strlen(p->links[k]), NULL,
						   NULL) != WEFT_OK)
					fail("a stored link is not an absolute URL", p->links[k]);
				weft_url_free(&u);
			}
			struct weft_response r;
			weft_response_init(&r);
			struct weft_request req = { .url = p->url };
			int frc = weft__fakeweb_respond(p, &req, &r);
			if (frc != WEFT_OK && frc != WEFT_E_NOMEM)
				fail("the page's response cannot be built", p->url);
			weft_response_reset(&r);
		}
		if (seen != weft_fakeweb_size(w))
			fail("the table holds another number of pages than its size", NULL);
		weft_fakeweb_free(&w);
		if (w)
			fail("weft_fakeweb_free left the pointer", NULL);
		return 0;
	}
	if (rc == WEFT_E_NOMEM)
		return 0;
	if (rc != WEFT_E_PARSE)
		fail("unexpected error", weft_strerror(rc));
	if (w)
		fail("failure left a web", err);
	size_t pl = strlen(path);
	if (strncmp(err, path, pl) != 0 || err[pl] != ':')
		fail("error does not name the file", err);
	char *end;
	long line = strtol(err + pl + 1, &end, 10);
	if (end == err + pl + 1 || *end != ':' || line < 1 || (size_t)line > lines)
		fail("error does not name a line of the input", err);
	return 0;
}
