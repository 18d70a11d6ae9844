/*
 * robots.c -- robots.txt per RFC 9309: one pass over the lines keeps the rules of the groups
 * that apply to our product token (and, in case none does, those of the "*" groups), then the
 * chosen rules are normalised and indexed so that matching a URL looks only at the rules that
 * could match it, without allocating.
 *
 * Hand-written because Debian 12 packages no robots.txt library for C: Google's reference
 * parser (google/robotstxt) is C++ and not packaged. Its test expectations (in the shared test
 * data) guided the lenient corners; no code was taken from it.
 *
 * Priority: the length of the normalised pattern as written ('*' and '$' count one octet
 * each); the longest matching rule decides, Allow wins a tie.
 *
 * Index: a rule can only match paths that start with its literal prefix (the octets before its
 * first '*'). Rules are grouped by literal prefix in a hash table keyed by that prefix; a path
 * is hashed one octet at a time, and at each length some prefix has, the group with exactly
 * the path's prefix is looked up. So a lookup costs one pass over (at most) the longest prefix
 * plus the rules whose prefix the path really starts with. Rules starting with '*' have no
 * prefix and are tried on every path: files have a few of them, not thousands.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <weft.h>

#include "core/robots.h"

enum { STACKBUF = 1024 };

struct rule {
	uint32_t off;  /* pattern at pat + off: normalised, without a final '$' or '*' */
	uint32_t len;  /* its length */
	uint32_t lit;  /* octets before its first '*' (len when it has none) */
	uint32_t prio; /* specificity, see the top comment */
	bool allow;
	bool anchored; /* it ended with '$': the path must end where the pattern does */
};

/* A group of rules sharing one literal prefix: rules[first .. first + count). */
struct slot {
	uint32_t first, count; /* count 0: an empty slot */
};

struct weft__robots {
	struct rule *rules; /* those starting with '*' first, then grouped by literal prefix */
	size_t n_rules;
	size_t n_wild; /* rules[0 .. n_wild) start with '*' */
	char *pat;
	struct slot *slots; /* open addressing, mask + 1 of them */
	size_t mask;
	uint8_t *has_len; /* has_len[L]: some group's prefix has L octets (1 <= L <= max_lit) */
	size_t max_lit;
	double delay;
	char *smap;         /* sitemap values, each NUL-terminated */
	uint32_t *smap_off; /* where each starts */
	size_t n_smaps;
};

/* A byte range of the body. */
struct span {
	const char *s;
	size_t n;
};

struct rules {
	struct rule *v;
	size_t n, cap;
};

/* Parser state. Set 0: groups naming our agent; set 1: "*" groups. */
struct builder {
	const char *agent;
	size_t agent_len;
	char *pat;
	size_t pat_n, pat_cap;
	struct rules set[2];
	double delay[2];
	bool applies[2]; /* the current group names our agent / "*" */
	bool in_agents;  /* the last group line was a user-agent line: the next one joins it */
	bool seen_agent; /* some user-agent line named our agent */
	char *smap;
	size_t smap_n, smap_cap;
	uint32_t *smap_off;
	size_t n_smaps, smap_off_cap;
};

enum directive { D_UNKNOWN, D_AGENT, D_ALLOW, D_DISALLOW, D_DELAY, D_SITEMAP };

/* Make room for `more` elements of size `elem` in *p (holding n, room for *cap). */
static int grow(void *p, size_t *cap, size_t n, size_t more, size_t elem)
{
	if (n + more <= *cap)
		return WEFT_OK;
	size_t c = *cap ? *cap : 16;
	while (c < n + more)
		c *= 2;
	void *nv = realloc(*(void **)p, c * elem);
	if (!nv)
		return WEFT_E_NOMEM;
	*(void **)p = nv;
	*cap = c;
	return WEFT_OK;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static struct span trim(struct span v)
{
	while (v.n && is_ws(v.s[0]))
		v.s++, v.n--;
	while (v.n && is_ws(v.s[v.n - 1]))
		v.n--;
	return v;
}

static bool is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static size_t token_len(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && is_token_char(s[i]))
		i++;
	return i;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool unreserved(unsigned char c)
{
	return is_token_char((char)c) || c == '.' || c == '~';
}

/* Octets kept as they are by normalisation: unreserved ones and most reserved ones. '*' and
 * '$' are not: a path's are %-encoded, so only a rule's '*' and final '$' are special. */
static bool literal(unsigned char c)
{
	if (unreserved(c))
		return true;
	switch (c) {
	case '/': case '?': case ':': case '@': case '!': case '&': case '\'': case '(':
	case ')': case '+': case ',': case ';': case '=': case '[': case ']':
		return true;
	default:
		return false;
	}
}

static size_t put_enc(char *out, size_t m, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	out[m] = '%';
	out[m + 1] = hex[c >> 4];
	out[m + 2] = hex[c & 15];
	return m + 3;
}

/*
 * Write the normal form of in[0..n) to out (room for 3n) and return its length: %xx of an
 * unreserved octet decoded, other %xx upper-cased, any other non-literal octet (a lone '%'
 * too) %-encoded. In a rule (!path) '*' is a wildcard, kept once per run; in a path it is an
 * octet like any other. Rules and paths both go through here, so equivalent spellings meet.
 */
static size_t normalise(char *out, const char *in, size_t n, bool path)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '%' && i + 2 < n && hexval(in[i + 1]) >= 0 && hexval(in[i + 2]) >= 0) {
			c = (unsigned char)(hexval(in[i + 1]) * 16 + hexval(in[i + 2]));
			i += 2;
			if (unreserved(c))
				out[m++] = (char)c;
			else
				m = put_enc(out, m, c);
		} else if (c == '*' && !path) {
			if (m == 0 || out[m - 1] != '*')
				out[m++] = '*';
		} else if (literal(c)) {
			out[m++] = (char)c;
		} else {
			m = put_enc(out, m, c);
		}
	}
	return m;
}

/*
 * 0 when path p[0..n) is its own normal form (it starts with '/' and holds only literal
 * octets), else a bound on the length of its normal form with the leading '/' (a non-literal
 * octet, '%' included, becomes at most 3). So most paths are matched where they are.
 */
static size_t normal_bound(const char *p, size_t n)
{
	size_t extra = 0;
	for (size_t i = 0; i < n; i++)
		if (!literal((unsigned char)p[i]))
			extra += 2;
	bool slash = n > 0 && p[0] == '/';
	return extra || !slash ? n + extra + 1 : 0;
}

/* ---- parsing ---- */

/* How much of a body to parse: WEFT__ROBOTS_MAX_BODY bytes, less a line the limit cuts. */
static size_t usable_len(const char *body, size_t len)
{
	if (len <= WEFT__ROBOTS_MAX_BODY)
		return len;
	size_t n = WEFT__ROBOTS_MAX_BODY;
	if (body[n] == '\n' || body[n] == '\r')
		return n;
	while (n > 0 && body[n - 1] != '\n' && body[n - 1] != '\r')
		n--;
	return n;
}

static enum directive directive_of(struct span k)
{
	static const struct {
		const char *name;
		enum directive d;
	} names[] = {
		{ "user-agent", D_AGENT }, { "allow", D_ALLOW }, { "disallow", D_DISALLOW },
		{ "crawl-delay", D_DELAY }, { "sitemap", D_SITEMAP },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i].name) == k.n && strncasecmp(names[i].name, k.s, k.n) == 0)
			return names[i].d;
	return D_UNKNOWN;
}

/*
 * Split a line (comment already cut) into key and value, both trimmed. Without a ':' the line
 * is still read as "key value" when the value is a single word: people forget the colon, and
 * obeying "Disallow /private" is the polite reading. False when there is no key.
 */
static bool split_line(struct span line, struct span *key, struct span *val)
{
	line = trim(line);
	const char *colon = memchr(line.s, ':', line.n);
	if (colon) {
		*key = trim((struct span){ line.s, (size_t)(colon - line.s) });
		*val = trim((struct span){ colon + 1, line.n - (size_t)(colon - line.s) - 1 });
		return key->n > 0;
	}
	size_t k = 0;
	while (k < line.n && !is_ws(line.s[k]))
		k++;
	if (k == 0 || k == line.n)
		return false;
	*key = (struct span){ line.s, k };
	*val = trim((struct span){ line.s + k, line.n - k });
	for (size_t i = 0; i < val->n; i++)
		if (is_ws(val->s[i]))
			return false;
	return directive_of(*key) != D_UNKNOWN;
}

/* A user-agent line: starts a group unless it follows another user-agent line. */
static void on_agent(struct builder *b, struct span v)
{
	if (!b->in_agents) {
		b->applies[0] = b->applies[1] = false;
		b->in_agents = true;
	}
	if (v.n >= 1 && v.s[0] == '*' && (v.n == 1 || is_ws(v.s[1]))) {
		b->applies[1] = true;
		return;
	}
	size_t t = token_len(v.s, v.n);
	if (t && t == b->agent_len && strncasecmp(v.s, b->agent, t) == 0)
		b->applies[0] = b->seen_agent = true;
}

/* Push rule ru onto every set the current group applies to. */
static int push_rule(struct builder *b, const struct rule *ru)
{
	for (int k = 0; k < 2; k++) {
		if (!b->applies[k])
			continue;
		struct rules *s = &b->set[k];
		if (grow(&s->v, &s->cap, s->n, 1, sizeof(*s->v)))
			return WEFT_E_NOMEM;
		s->v[s->n++] = *ru;
	}
	return WEFT_OK;
}

/*
 * An Allow or Disallow line: store its normalised pattern, simplified ("*$" at the end and a
 * final '*' change nothing a prefix match does not already do). An empty value is no rule.
 */
static int on_rule(struct builder *b, bool allow, struct span v)
{
	b->in_agents = false;
	if (v.n == 0 || (!b->applies[0] && !b->applies[1]))
		return WEFT_OK;
	struct rule ru = { .allow = allow, .anchored = v.s[v.n - 1] == '$' };
	size_t n = v.n - ru.anchored;
	if (grow(&b->pat, &b->pat_cap, b->pat_n, 3 * n + 1, 1)) /* never NULL, even for "$" */
		return WEFT_E_NOMEM;
	char *out = b->pat + b->pat_n;
	size_t m = normalise(out, v.s, n, false);
	ru.prio = (uint32_t)(m + ru.anchored);
	if (ru.anchored && m && out[m - 1] == '*')
		ru.anchored = false;
	if (!ru.anchored && m && out[m - 1] == '*')
		m--;
	const char *star = memchr(out, '*', m);
	ru.off = (uint32_t)b->pat_n;
	ru.len = (uint32_t)m;
	ru.lit = star ? (uint32_t)(star - out) : (uint32_t)m;
	b->pat_n += m;
	return push_rule(b, &ru);
}

/* Seconds from "10" or "0.5" (digits, optional fraction); -1 for anything else. The digits
 * are summed as an integer and divided once, so "2.25" is exactly 2.25. */
static double parse_delay(struct span v)
{
	double mant = 0, div = 1;
	size_t i = 0, digits = 0;
	for (; i < v.n && v.s[i] >= '0' && v.s[i] <= '9'; i++, digits++)
		mant = mant * 10 + (v.s[i] - '0');
	if (i < v.n && v.s[i] == '.')
		for (i++; i < v.n && v.s[i] >= '0' && v.s[i] <= '9'; i++, digits++)
			if (div < 1e15) /* further digits change nothing that matters */
				mant = mant * 10 + (v.s[i] - '0'), div *= 10;
	return digits && i == v.n && mant < 1e300 ? mant / div : -1;
}

static void on_delay(struct builder *b, struct span v)
{
	b->in_agents = false;
	double d = parse_delay(v);
	for (int k = 0; k < 2; k++)
		if (b->applies[k] && d > b->delay[k])
			b->delay[k] = d;
}

/* A Sitemap line belongs to no group (and does not end a run of user-agent lines). */
static int on_sitemap(struct builder *b, struct span v)
{
	if (v.n == 0)
		return WEFT_OK;
	if (grow(&b->smap, &b->smap_cap, b->smap_n, v.n + 1, 1) ||
	    grow(&b->smap_off, &b->smap_off_cap, b->n_smaps, 1, sizeof(*b->smap_off)))
		return WEFT_E_NOMEM;
	b->smap_off[b->n_smaps++] = (uint32_t)b->smap_n;
	memcpy(b->smap + b->smap_n, v.s, v.n);
	b->smap[b->smap_n + v.n] = '\0';
	b->smap_n += v.n + 1;
	return WEFT_OK;
}

static int parse_line(struct builder *b, struct span line)
{
	const char *hash = memchr(line.s, '#', line.n);
	if (hash)
		line.n = (size_t)(hash - line.s);
	struct span key, val;
	if (!split_line(line, &key, &val))
		return WEFT_OK;
	switch (directive_of(key)) {
	case D_AGENT:
		on_agent(b, val);
		return WEFT_OK;
	case D_ALLOW:
		return on_rule(b, true, val);
	case D_DISALLOW:
		return on_rule(b, false, val);
	case D_DELAY:
		on_delay(b, val);
		return WEFT_OK;
	case D_SITEMAP:
		return on_sitemap(b, val);
	default:
		return WEFT_OK; /* unknown lines neither start nor end a group */
	}
}

/* Feed every line of s[0..n) (ended by LF, CRLF or CR) to parse_line(). */
static int parse_lines(struct builder *b, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && s[j] != '\n' && s[j] != '\r')
			j++;
		int rc = parse_line(b, (struct span){ s + i, j - i });
		if (rc)
			return rc;
		if (j + 1 < n && s[j] == '\r' && s[j + 1] == '\n')
			j++;
		i = j + 1;
	}
	return WEFT_OK;
}

/* Length of the (possibly partial) UTF-8 byte order mark at the start of s[0..n). */
static size_t bom_len(const char *s, size_t n)
{
	static const unsigned char bom[] = { 0xEF, 0xBB, 0xBF };
	size_t i = 0;
	while (i < 3 && i < n && (unsigned char)s[i] == bom[i])
		i++;
	return i;
}

/* ---- the finished object ---- */

/* Order for the index: rules starting with '*' first, then by literal prefix (glibc's
 * qsort_r: parsing may run in several threads at once). */
static int by_prefix(const void *pa, const void *pb, void *pat)
{
	const struct rule *a = pa, *b = pb;
	if ((a->lit == 0) != (b->lit == 0))
		return a->lit == 0 ? -1 : 1;
	if (a->lit != b->lit)
		return a->lit < b->lit ? -1 : 1;
	return memcmp((char *)pat + a->off, (char *)pat + b->off, a->lit);
}

#define FNV_OFFSET UINT64_C(0xcbf29ce484222325)

/* One more octet of a prefix's hash (FNV-1a): a path's prefixes are hashed in one pass. */
static uint64_t hash_step(uint64_t h, char c)
{
	return (h ^ (unsigned char)c) * UINT64_C(0x100000001b3);
}

static size_t slot_of(uint64_t h, size_t mask)
{
	return (size_t)(h ^ (h >> 29)) & mask;
}

/* The group whose prefix is p[0..len) (h: its hash), or NULL. */
static const struct slot *find_group(const struct weft__robots *r, uint64_t h, const char *p,
				      size_t len)
{
	for (size_t i = slot_of(h, r->mask);; i = (i + 1) & r->mask) {
		const struct slot *s = &r->slots[i];
		if (s->count == 0)
			return NULL;
		const struct rule *ru = &r->rules[s->first];
		if (ru->lit == len && memcmp(r->pat + ru->off, p, len) == 0)
			return s;
	}
}

static void add_group(struct weft__robots *r, uint32_t first, uint32_t count)
{
	const struct rule *ru = &r->rules[first];
	uint64_t h = FNV_OFFSET;
	for (size_t k = 0; k < ru->lit; k++)
		h = hash_step(h, r->pat[ru->off + k]);
	size_t i = slot_of(h, r->mask);
	while (r->slots[i].count)
		i = (i + 1) & r->mask;
	r->slots[i] = (struct slot){ first, count };
	r->has_len[ru->lit] = 1;
}

static bool same_prefix(const struct weft__robots *r, const struct rule *a, const struct rule *b)
{
	return a->lit == b->lit && memcmp(r->pat + a->off, r->pat + b->off, a->lit) == 0;
}

/* Sort the rules into groups and fill the hash table (at most half full). */
static int build_index(struct weft__robots *r)
{
	if (r->n_rules)
		qsort_r(r->rules, r->n_rules, sizeof(*r->rules), by_prefix, r->pat);
	size_t groups = 0;
	for (size_t i = 0; i < r->n_rules; i++) {
		if (r->rules[i].lit == 0)
			r->n_wild++;
		else if (i == r->n_wild || !same_prefix(r, &r->rules[i - 1], &r->rules[i]))
			groups++;
		if (r->rules[i].lit > r->max_lit)
			r->max_lit = r->rules[i].lit;
	}
	size_t cap = 4;
	while (cap < 2 * groups)
		cap *= 2;
	r->mask = cap - 1;
	r->slots = calloc(cap, sizeof(*r->slots));
	r->has_len = calloc(r->max_lit + 1, 1);
	if (!r->slots || !r->has_len)
		return WEFT_E_NOMEM;
	for (size_t i = r->n_wild, j; i < r->n_rules; i = j) {
		for (j = i + 1; j < r->n_rules && same_prefix(r, &r->rules[i], &r->rules[j]); j++)
			;
		add_group(r, (uint32_t)i, (uint32_t)(j - i));
	}
	return WEFT_OK;
}

/* Move the chosen set, the sitemaps and the pattern bytes from b into a new object. */
static int finish(struct weft__robots **out, struct builder *b)
{
	struct weft__robots *r = calloc(1, sizeof(*r));
	if (!r)
		return WEFT_E_NOMEM;
	int k = b->seen_agent ? 0 : 1;
	r->rules = b->set[k].v;
	r->n_rules = b->set[k].n;
	b->set[k].v = NULL;
	r->delay = b->delay[k];
	r->pat = b->pat ? b->pat : malloc(1);
	b->pat = NULL;
	r->smap = b->smap;
	r->smap_off = b->smap_off;
	r->n_smaps = b->n_smaps;
	b->smap = NULL;
	b->smap_off = NULL;
	int rc = r->pat ? build_index(r) : WEFT_E_NOMEM;
	if (rc) {
		weft__robots_free(&r);
		return rc;
	}
	*out = r;
	return WEFT_OK;
}

int weft__robots_parse(struct weft__robots **out, const char *body, size_t len,
		       const char *agent)
{
	if (!out || (!body && len) || !agent)
		return WEFT_E_INVAL;
	*out = NULL;
	struct builder b = { .agent = agent, .agent_len = strlen(agent), .delay = { -1, -1 } };
	int rc = WEFT_OK;
	if (len) {
		size_t n = usable_len(body, len), skip = bom_len(body, n);
		rc = parse_lines(&b, body + skip, n - skip);
	}
	if (!rc)
		rc = finish(out, &b);
	free(b.pat);
	free(b.set[0].v);
	free(b.set[1].v);
	free(b.smap);
	free(b.smap_off);
	return rc;
}

int weft__robots_allow_all(struct weft__robots **out)
{
	if (!out)
		return WEFT_E_INVAL;
	return weft__robots_parse(out, NULL, 0, "");
}

int weft__robots_disallow_all(struct weft__robots **out)
{
	int rc = weft__robots_allow_all(out);
	if (rc)
		return rc;
	struct weft__robots *r = *out;
	r->rules = calloc(1, sizeof(*r->rules)); /* the empty pattern: matches every path */
	if (!r->rules) {
		weft__robots_free(out);
		return WEFT_E_NOMEM;
	}
	r->n_rules = r->n_wild = 1;
	return WEFT_OK;
}

void weft__robots_free(struct weft__robots **pr)
{
	if (!pr || !*pr)
		return;
	struct weft__robots *r = *pr;
	free(r->rules);
	free(r->pat);
	free(r->slots);
	free(r->has_len);
	free(r->smap);
	free(r->smap_off);
	free(r);
	*pr = NULL;
}

/* ---- matching ---- */

/* First place of pat[0..m) (m > 0) in s[0..n). For the short needles and haystacks of robots
 * rules and paths a memchr/memcmp loop is several times faster than memmem's setup; long
 * ones go to memmem, which is linear in the worst case. */
static const char *find(const char *s, size_t n, const char *pat, size_t m)
{
	if (m > 16 && n > 256)
		return memmem(s, n, pat, m);
	while (n >= m) {
		const char *c = memchr(s, pat[0], n - m + 1);
		if (!c)
			return NULL;
		if (memcmp(c + 1, pat + 1, m - 1) == 0)
			return c;
		n -= (size_t)(c + 1 - s);
		s = c + 1;
	}
	return NULL;
}

/*
 * pat[0..m) (what follows a '*') against s[0..n): each '*'-separated segment at its leftmost
 * place after the previous one, which leaves the most room for the rest; with anchored, the
 * last segment must end s. Segments are never empty (runs of '*' were collapsed).
 */
static bool match_wild(const char *pat, size_t m, const char *s, size_t n, bool anchored)
{
	for (;;) {
		const char *star = memchr(pat, '*', m);
		size_t seg = star ? (size_t)(star - pat) : m;
		if (!star && anchored)
			return n >= seg && memcmp(s + n - seg, pat, seg) == 0;
		const char *hit = find(s, n, pat, seg);
		if (!hit)
			return false;
		size_t used = (size_t)(hit - s) + seg;
		s += used;
		n -= used;
		if (!star)
			return true;
		pat = star + 1;
		m -= seg + 1;
	}
}

static bool rule_matches(const struct weft__robots *r, const struct rule *ru, const char *p,
			 size_t n)
{
	const char *pat = r->pat + ru->off;
	if (n < ru->lit || memcmp(p, pat, ru->lit) != 0)
		return false;
	if (ru->lit == ru->len)
		return !ru->anchored || n == ru->len;
	return match_wild(pat + ru->lit + 1, ru->len - ru->lit - 1, p + ru->lit, n - ru->lit,
			  ru->anchored);
}

/* The best matching rule so far. */
struct verdict {
	bool found, allow;
	uint32_t prio;
};

/* Let rules[i] decide if it beats v and matches p. */
static void consider(const struct weft__robots *r, size_t i, const char *p, size_t n,
		     struct verdict *v)
{
	const struct rule *ru = &r->rules[i];
	if (v->found && (ru->prio < v->prio || (ru->prio == v->prio && (v->allow || !ru->allow))))
		return;
	if (rule_matches(r, ru, p, n))
		*v = (struct verdict){ true, ru->allow, ru->prio };
}

/* The longest matching rule decides (Allow on a tie); none: allowed. */
static bool decide(const struct weft__robots *r, const char *p, size_t n)
{
	struct verdict v = { 0 };
	for (size_t i = 0; i < r->n_wild; i++)
		consider(r, i, p, n, &v);
	uint64_t h = FNV_OFFSET;
	size_t lim = n < r->max_lit ? n : r->max_lit;
	for (size_t len = 1; len <= lim; len++) {
		h = hash_step(h, p[len - 1]);
		if (!r->has_len[len])
			continue;
		const struct slot *s = find_group(r, h, p, len);
		for (size_t i = 0; s && i < s->count; i++)
			consider(r, s->first + i, p, n, &v);
	}
	return !v.found || v.allow;
}

bool weft__robots_allowed(const struct weft__robots *r, const char *path_query, size_t len)
{
	if (!r)
		return false;
	if (r->n_rules == 0)
		return true; /* allow-all (a 4xx robots.txt) or no rules for us: nothing to match */
	char stack[STACKBUF], *heap = NULL;
	const char *p = path_query;
	size_t n = len, bound = normal_bound(path_query, len);
	if (bound) {
		char *buf = stack;
		if (bound > sizeof(stack) && !(buf = heap = malloc(bound)))
			return false; /* out of memory: the cautious answer */
		n = 0;
		if (len == 0 || path_query[0] != '/')
			buf[n++] = '/';
		n += normalise(buf + n, path_query, len, true);
		p = buf;
	}
	bool ok = (n == 11 && memcmp(p, "/robots.txt", 11) == 0) || decide(r, p, n);
	free(heap);
	return ok;
}

const char *weft__robots_url_path(const char *url, size_t *len)
{
	size_t end = strcspn(url, "#");
	size_t s = strcspn(url, ":/?#");
	const char *p = url;
	bool authority = true; /* "host/path" unless the URL is a bare path */
	if (url[s] == ':' && s > 0 && url[s + 1] == '/' && url[s + 2] == '/')
		p = url + s + 3;
	else if (url[0] == '/' && url[1] == '/')
		p = url + 2;
	else if (url[0] == '/')
		authority = false;
	if (authority)
		p += strcspn(p, "/?#");
	*len = (size_t)(url + end - p);
	return p;
}

bool weft__robots_allowed_url(const struct weft__robots *r, const char *url)
{
	size_t n;
	const char *p = weft__robots_url_path(url, &n);
	return weft__robots_allowed(r, p, n);
}

double weft__robots_crawl_delay(const struct weft__robots *r)
{
	return r->delay;
}

size_t weft__robots_n_sitemaps(const struct weft__robots *r)
{
	return r->n_smaps;
}

const char *weft__robots_sitemap(const struct weft__robots *r, size_t i)
{
	return i < r->n_smaps ? r->smap + r->smap_off[i] : NULL;
}

size_t weft__robots_n_rules(const struct weft__robots *r)
{
	return r->n_rules;
}

int weft__robots_product_token(const char *user_agent, char *out, size_t outlen)
{
	size_t n = user_agent ? token_len(user_agent, strlen(user_agent)) : 0;
	if (n == 0 || !out || n >= outlen)
		return WEFT_E_INVAL;
	memcpy(out, user_agent, n);
	out[n] = '\0';
	return WEFT_OK;
}
