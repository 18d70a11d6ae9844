/*
 * scope.c -- which links a crawl follows: http(s) only, on the seeds' hosts or registrable
 * domains (libpsl), matching --include and not --exclude. (--depth is core/depth.h's job.)
 *
 * Works on canonical URLs (weft/url.h output), whose authority is already lower-cased and
 * normalised, so the host can be cut out of the string without parsing it again.
 */
#include <libpsl.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Host of a canonical http(s) URL, copied into buf; false if there is none. */
static bool url_host(const char *url, char *buf, size_t len)
{
	const char *p = strstr(url, "://");
	if (!p)
		return false;
	p += 3;
	size_t n = strcspn(p, "/?#");
	const char *at = memchr(p, '@', n);
	while (at) { /* userinfo: keep what follows the last '@' */
		n -= (size_t)(at + 1 - p);
		p = at + 1;
		at = memchr(p, '@', n);
	}
	size_t h = n;
	if (*p == '[') {
		const char *close = memchr(p, ']', n);
		h = close ? (size_t)(close - p) + 1 : n;
	} else {
		const char *colon = memchr(p, ':', n);
		if (colon)
			h = (size_t)(colon - p);
	}
	if (h == 0 || h >= len)
		return false;
	memcpy(buf, p, h);
	buf[h] = '\0';
	return true;
}

static bool is_http(const char *url)
{
	return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

/* The scope key of a host: the host itself, or its registrable domain. */
static const char *scope_key(const struct weft_crawl *c, const char *host)
{
	if (c->cfg.scope != WEFT_SCOPE_DOMAIN)
		return host;
	const char *d = psl_registrable_domain(psl_builtin(), host);
	return d ? d : host; /* IP addresses and public suffixes stand for themselves */
}

static int add_seed_host(struct weft_crawl *c, const char *url)
{
	char host[1024];
	if (!url_host(url, host, sizeof(host)))
		return WEFT_OK;
	const char *key = scope_key(c, host);
	char **v = realloc(c->seed_hosts, (c->n_seed_hosts + 1) * sizeof(*v));
	if (!v)
		return WEFT_E_NOMEM;
	c->seed_hosts = v;
	if (!(v[c->n_seed_hosts] = strdup(key)))
		return WEFT_E_NOMEM;
	c->n_seed_hosts++;
	return WEFT_OK;
}

static int compile_all(regex_t **out, size_t *nout, const char *const *src, size_t n,
		       const char *what, char *err, size_t errlen)
{
	if (n == 0)
		return WEFT_OK;
	regex_t *re = calloc(n, sizeof(*re));
	if (!re)
		return WEFT_E_NOMEM;
	*out = re;
	for (size_t i = 0; i < n; i++) {
		int rc = regcomp(&re[i], src[i], REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char msg[256];
			regerror(rc, &re[i], msg, sizeof(msg));
			return weft__err(WEFT_E_INVAL, err, errlen, "--%s '%s': %s", what, src[i],
					 msg);
		}
		(*nout)++;
	}
	return WEFT_OK;
}

int weft__scope_init(struct weft_crawl *c, char *err, size_t errlen)
{
	int rc = compile_all(&c->include_re, &c->n_include, c->cfg.include, c->cfg.n_include,
			     "include", err, errlen);
	if (!rc)
		rc = compile_all(&c->exclude_re, &c->n_exclude, c->cfg.exclude,
				 c->cfg.n_exclude, "exclude", err, errlen);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Called by run() once the seeds are known. The hosts are kept sorted and unique, so each link
 * is checked in O(log seeds): a crawl started from a thousand hosts checks every link against
 * all of them.
 */
int weft__scope_add_seeds(struct weft_crawl *c)
{
	for (size_t i = 0; i < c->seeds.n; i++) {
		int rc = add_seed_host(c, c->seeds.v[i].url->s);
		if (rc)
			return rc;
	}
	if (c->n_seed_hosts == 0)
		return WEFT_OK;
	qsort(c->seed_hosts, c->n_seed_hosts, sizeof(*c->seed_hosts), by_name);
	size_t n = 1;
	for (size_t i = 1; i < c->n_seed_hosts; i++) {
		if (strcmp(c->seed_hosts[i], c->seed_hosts[n - 1]) == 0)
			free(c->seed_hosts[i]);
		else
			c->seed_hosts[n++] = c->seed_hosts[i];
	}
	c->n_seed_hosts = n;
	return WEFT_OK;
}

static bool host_in_scope(const struct weft_crawl *c, const char *url)
{
	if (c->cfg.scope == WEFT_SCOPE_ANY)
		return true;
	char host[1024];
	if (!url_host(url, host, sizeof(host)))
		return false;
	const char *key = scope_key(c, host);
	return bsearch(&key, c->seed_hosts, c->n_seed_hosts, sizeof(*c->seed_hosts), by_name);
}

static bool matches_any(const regex_t *re, size_t n, const char *url)
{
	for (size_t i = 0; i < n; i++)
		if (regexec(&re[i], url, 0, NULL, 0) == 0)
			return true;
	return false;
}

enum weft__scope weft__scope_of(const struct weft_crawl *c, const char *url)
{
	if (!is_http(url))
		return WEFT__SCOPE_NEVER;
	if (c->n_include && !matches_any(c->include_re, c->n_include, url))
		return WEFT__SCOPE_NEVER;
	if (matches_any(c->exclude_re, c->n_exclude, url))
		return WEFT__SCOPE_NEVER;
	return host_in_scope(c, url) ? WEFT__SCOPE_IN : WEFT__SCOPE_OTHER_HOST;
}

bool weft__scope_allows(const struct weft_crawl *c, const char *url)
{
	return weft__scope_of(c, url) == WEFT__SCOPE_IN;
}

void weft__scope_free(struct weft_crawl *c)
{
	for (size_t i = 0; i < c->n_include; i++)
		regfree(&c->include_re[i]);
	for (size_t i = 0; i < c->n_exclude; i++)
		regfree(&c->exclude_re[i]);
	free(c->include_re);
	free(c->exclude_re);
	for (size_t i = 0; i < c->n_seed_hosts; i++)
		free(c->seed_hosts[i]);
	free(c->seed_hosts);
	c->include_re = c->exclude_re = NULL;
	c->seed_hosts = NULL;
	c->n_include = c->n_exclude = c->n_seed_hosts = 0;
}
