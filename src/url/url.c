/*
 * url.c -- INTERIM resolver: absolute http(s) URLs only (scheme and host lower-cased, fragment
 * dropped, empty path -> "/"), and root- or directory-relative links. The WHATWG parser
 * replaces this file.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <weft/url.h>

static char *join(const char *a, size_t na, const char *b, size_t nb)
{
	char *s = malloc(na + nb + 2);
	if (!s)
		return NULL;
	memcpy(s, a, na);
	memcpy(s + na, b, nb);
	s[na + nb] = '\0';
	return s;
}

static int absolute(const char *in, size_t n, char **out)
{
	const char *sep = memchr(in, ':', n);
	if (!sep || sep == in)
		return WEFT_E_PARSE;
	char *s = join(in, n, "", 0);
	if (!s)
		return WEFT_E_NOMEM;
	char *hash = strchr(s, '#');
	if (hash)
		*hash = '\0';
	char *p = s;
	for (; *p && *p != ':'; p++)
		*p = (char)tolower((unsigned char)*p);
	if (strncmp(p, "://", 3) == 0) {
		char *h = p + 3;
		for (; *h && *h != '/' && *h != '?'; h++)
			*h = (char)tolower((unsigned char)*h);
		if (*h != '/') {
			char *t = join(s, (size_t)(h - s), "/", 1);
			char *u = t ? join(t, strlen(t), h, strlen(h)) : NULL;
			free(t);
			free(s);
			s = u;
		}
	}
	*out = s;
	return s ? WEFT_OK : WEFT_E_NOMEM;
}

int weft_url_resolve(const char *base, const char *input, size_t len, const char *encoding,
		     char **out)
{
	(void)encoding;
	*out = NULL;
	while (len && isspace((unsigned char)*input)) {
		input++;
		len--;
	}
	while (len && isspace((unsigned char)input[len - 1]))
		len--;
	size_t scheme = strspn(input, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+-.");
	if (scheme > 0 && scheme < len && input[scheme] == ':')
		return absolute(input, len, out);
	if (!base)
		return WEFT_E_PARSE;
	const char *host = strstr(base, "://");
	if (!host)
		return WEFT_E_PARSE;
	const char *path = strchr(host + 3, '/');
	size_t keep = path ? (size_t)(path - base) : strlen(base);
	if (len == 0 || input[0] != '/') {
		const char *last = strrchr(base, '/');
		keep = last && last > host + 2 ? (size_t)(last - base) + 1 : keep;
	}
	char *joined = join(base, keep, input, len);
	if (!joined)
		return WEFT_E_NOMEM;
	int rc = absolute(joined, strlen(joined), out);
	free(joined);
	return rc;
}
