/*
 * robots.h -- robots.txt (RFC 9309): parse a body for one crawler and answer "may I fetch this
 * path?". A pure module: no networking, no global state.
 *
 * Fetch-level rules belong to the caller: a 4xx robots.txt means weft__robots_allow_all(), a 5xx
 * or an unreachable host weft__robots_disallow_all(); follow at least 5 redirects; cache for at
 * most 24 hours.
 *
 * A parsed object is immutable: any number of threads may query it at once without locks.
 * Matching allocates nothing unless a path's normal form (see below) is longer than 1 KiB.
 */
#ifndef WEFT_ROBOTS_H
#define WEFT_ROBOTS_H

#include <stdbool.h>
#include <stddef.h>

struct weft__robots;

/* Only this many bytes of a body are parsed (RFC 9309 §2.5: at least 500 KiB). A line cut by
 * the limit is dropped, so a truncated rule never widens or narrows what it says. */
#define WEFT__ROBOTS_MAX_BODY (500u * 1024u)

/*
 * Parse body[0..len) (any bytes, not NUL-terminated) for product token `agent` (e.g. "weft";
 * matched case-insensitively). The rules used are those of every group with a user-agent line
 * naming `agent`, merged; if there is none, those of every "*" group; if neither, everything
 * is allowed. A user-agent line's value counts up to its first character outside
 * [A-Za-z0-9_-], so "User-agent: weft/1.0" names "weft". Lenient like most crawlers: a leading
 * (even partial) UTF-8 BOM is skipped, and "Disallow /x" without the colon is accepted. An
 * `agent` that is empty or not a product token names no group (only "*" groups apply).
 * Returns WEFT_OK or WEFT_E_NOMEM / WEFT_E_INVAL.
 */
int weft__robots_parse(struct weft__robots **out, const char *body, size_t len,
		       const char *agent);

/* A robots.txt answered 4xx: everything allowed. */
int weft__robots_allow_all(struct weft__robots **out);

/* A robots.txt answered 5xx or was unreachable: everything but /robots.txt disallowed. */
int weft__robots_disallow_all(struct weft__robots **out);

/*
 * May the crawler fetch path_query[0..len)? That is the URL's path plus "?query" if any, as in
 * the canonical URL (percent-encoded; no fragment). An empty path counts as "/". The longest
 * matching rule wins (length of the normalised pattern), Allow wins a tie; '*' matches any
 * run of octets, a final '$' anchors the end. Rules and paths are compared after the same
 * normalisation: %xx of unreserved characters decoded, other %xx upper-cased, octets outside
 * printable ASCII (and a few unsafe ones) %-encoded, and in paths '*' and '$' encoded as %2A
 * and %24, so a rule can name them literally (RFC 9309 §2.2.3). "/robots.txt" is always
 * allowed. Case-sensitive, as paths are.
 */
bool weft__robots_allowed(const struct weft__robots *r, const char *path_query, size_t len);

/* Same for a full URL "scheme://authority/path?query#fragment": the authority is skipped and
 * the fragment dropped (a URL without "scheme:" is read as "authority/path", or as a path if it
 * starts with '/'). */
bool weft__robots_allowed_url(const struct weft__robots *r, const char *url);

/* The path+query part of url as weft__robots_allowed_url() reads it: *len bytes from the
 * returned pointer (into url). May be empty or not start with '/' ("?q"): it then counts as
 * "/" followed by it. */
const char *weft__robots_url_path(const char *url, size_t *len);

/* The chosen groups' Crawl-delay in seconds (the largest if several), or -1 when there is
 * none or none is valid. Valid: digits with an optional fraction ("10", "0.5"). */
double weft__robots_crawl_delay(const struct weft__robots *r);

/* Sitemap lines of the whole file (they belong to no group), values as written, in order. */
size_t weft__robots_n_sitemaps(const struct weft__robots *r);
const char *weft__robots_sitemap(const struct weft__robots *r, size_t i);

/* Number of rules kept for the chosen groups (after dropping empty ones). */
size_t weft__robots_n_rules(const struct weft__robots *r);

void weft__robots_free(struct weft__robots **r);

/*
 * The product token of a User-Agent string into out: its leading run of letters, digits, '-'
 * and '_' ("weft/0.1.0 (+http://x)" -> "weft"). WEFT_E_INVAL when that run is empty or does not
 * fit outlen with its terminator.
 */
int weft__robots_product_token(const char *user_agent, char *out, size_t outlen);

#endif
