/*
 * stream.c -- the reporters that write lines to a stdio stream: the lecture's text lines and
 * JSON lines. Output errors (EPIPE, ENOSPC) surface as a non-zero return, never silently.
 */
#include <stdlib.h>
#include <string.h>

#include <weft.h>

#include "report/out.h"
#include "util/json.h"

struct stream_reporter {
	struct weft_reporter base;
	struct weft__out out;
	unsigned flags;      /* WEFT_REPORT_* */
	uint64_t skipped[5]; /* text: skip records by reason, summarised at the end */
};

static const char *const skip_reasons[] = { "robots", "scope", "depth", "max-pages", "other" };

static FILE *fp_of(struct weft_reporter *r)
{
	return ((struct stream_reporter *)r)->out.fp;
}

static struct weft__out *out_of(struct weft_reporter *r)
{
	return &((struct stream_reporter *)r)->out;
}

/* Count a skip record under its reason (text output prints one summary line, not a line each). */
static void count_skip(struct stream_reporter *s, const char *why)
{
	size_t i = 0;
	while (i < 4 && strcmp(skip_reasons[i], why) != 0)
		i++;
	s->skipped[i]++;
}

static int text_record(struct weft_reporter *r, const struct weft_record *rec)
{
	FILE *fp = fp_of(r);
	if (rec->skipped) {
		count_skip((struct stream_reporter *)r, rec->skipped);
		return 0;
	}
	weft__out_start(out_of(r));
	if (weft_record_ok(rec))
		fprintf(fp, "found:   %s\n", rec->url);
	else if (rec->redirect && rec->error == WEFT_FE_NONE)
		fprintf(fp, "redirect: %s -> %s\n", rec->url, rec->redirect);
	else
		fprintf(fp, "missing: %s\n", rec->url);
	return weft__out_done(out_of(r));
}

static void json_field_str(FILE *fp, const char *name, const char *v)
{
	fprintf(fp, ",\"%s\":", name);
	if (v)
		weft__json_str(fp, v);
	else
		fputs("null", fp);
}

/* A URL found and not fetched: url, from, depth and why. */
static void jsonl_skip(FILE *fp, const struct weft_record *rec)
{
	fputs("{\"url\":", fp);
	weft__json_str(fp, rec->url);
	json_field_str(fp, "skipped", rec->skipped);
	fprintf(fp, ",\"depth\":%d", rec->depth);
	json_field_str(fp, "from", rec->from);
	if (rec->error_msg)
		json_field_str(fp, "error_msg", rec->error_msg);
	fputs("}\n", fp);
}

static void json_field_strn(FILE *fp, const char *name, const char *v, size_t n)
{
	fprintf(fp, ",\"%s\":", name);
	if (v)
		weft__json_strn(fp, v, n);
	else
		fputs("null", fp);
}

/* --links: "outlinks":[{...}, ...], the page's link records in document order. */
static void jsonl_outlinks(FILE *fp, const struct weft_record *rec)
{
	fputs(",\"outlinks\":[", fp);
	for (size_t i = 0; i < rec->n_links; i++) {
		const struct weft_link *l = &rec->links[i];
		fputs(i ? ",{\"url\":" : "{\"url\":", fp);
		weft__json_strn(fp, l->url, l->url_len);
		json_field_strn(fp, "fragment", l->fragment, l->frag_len);
		json_field_strn(fp, "text", l->text ? l->text : "", l->text ? l->text_len : 0);
		json_field_str(fp, "tag", l->tag);
		json_field_str(fp, "attr", l->attr);
		fprintf(fp, ",\"line\":%u", l->line);
		json_field_strn(fp, "rel", l->rel, l->rel_len);
		fprintf(fp, ",\"nofollow\":%s,\"kind\":\"%s\"}", l->nofollow ? "true" : "false",
			l->kind == WEFT_LINK_RESOURCE ? "resource" : "nav");
	}
	fputc(']', fp);
}

static int jsonl_record(struct weft_reporter *r, const struct weft_record *rec)
{
	FILE *fp = fp_of(r);
	weft__out_start(out_of(r));
	if (rec->skipped) {
		jsonl_skip(fp, rec);
		return weft__out_done(out_of(r));
	}
	fputs("{\"url\":", fp);
	weft__json_str(fp, rec->url);
	fprintf(fp, ",\"status\":%d,\"depth\":%d", rec->status, rec->depth);
	json_field_str(fp, "from", rec->from);
	json_field_str(fp, "final_url", rec->final_url);
	json_field_str(fp, "content_type", rec->content_type);
	fprintf(fp, ",\"bytes\":%llu,\"ms\":%.3f,\"links\":%zu",
		(unsigned long long)rec->bytes, rec->ms, rec->n_links);
	if (rec->redirect) {
		json_field_str(fp, "redirect", rec->redirect);
	}
	if (rec->hops)
		fprintf(fp, ",\"hops\":%d", rec->hops);
	if (rec->truncated)
		fputs(",\"truncated\":true", fp);
	if (rec->links_dropped)
		fprintf(fp, ",\"links_dropped\":%zu", rec->links_dropped);
	if (rec->checked)
		fputs(",\"checked\":true", fp);
	if (rec->error != WEFT_FE_NONE) {
		json_field_str(fp, "error", weft_fetch_err_name(rec->error));
		json_field_str(fp, "error_msg", rec->error_msg);
	}
	/* A sitemap's record counts its <loc>s but carries no link records: no "outlinks". */
	if ((((struct stream_reporter *)r)->flags & WEFT_REPORT_LINKS) &&
	    (rec->links || rec->n_links == 0))
		jsonl_outlinks(fp, rec);
	fputs("}\n", fp);
	return weft__out_done(out_of(r));
}

static int stream_end(struct weft_reporter *r)
{
	return weft__out_finish(out_of(r));
}

/* text: "skipped: 12 (robots 10, scope 2)" when anything was skipped; nothing otherwise. */
static int text_end(struct weft_reporter *r)
{
	struct stream_reporter *s = (struct stream_reporter *)r;
	uint64_t total = 0;
	for (size_t i = 0; i < 5; i++)
		total += s->skipped[i];
	if (total && !weft__out_failed(&s->out)) {
		const char *sep = "";
		weft__out_start(&s->out);
		fprintf(s->out.fp, "skipped: %llu (", (unsigned long long)total);
		for (size_t i = 0; i < 5; i++) {
			if (!s->skipped[i])
				continue;
			fprintf(s->out.fp, "%s%s %llu", sep, skip_reasons[i],
				(unsigned long long)s->skipped[i]);
			sep = ", ";
		}
		fputs(")\n", s->out.fp);
	}
	return stream_end(r);
}

static void stream_destroy(struct weft_reporter *r)
{
	weft__out_free(out_of(r));
	free(r);
}

static const char *stream_error(struct weft_reporter *r, int *errnum)
{
	return weft__out_error(out_of(r), errnum);
}

static const struct weft_reporter_ops text_ops = {
	.name = "text", .record = text_record, .end = text_end, .destroy = stream_destroy,
	.error = stream_error,
};

static const struct weft_reporter_ops jsonl_ops = {
	.name = "jsonl", .record = jsonl_record, .end = stream_end, .destroy = stream_destroy,
	.error = stream_error,
};

static int stream_new(struct weft_reporter **out, const struct weft_report_options *o,
		      const struct weft_reporter_ops *ops)
{
	struct stream_reporter *s = calloc(1, sizeof(*s));
	*out = NULL;
	if (!s)
		return WEFT_E_NOMEM;
	if (weft__out_init(&s->out, o->fp, o->name) != WEFT_OK) {
		free(s);
		return WEFT_E_NOMEM;
	}
	s->base.ops = ops;
	s->flags = o->flags;
	*out = &s->base;
	return WEFT_OK;
}

int weft_reporter_text_opts(struct weft_reporter **out, const struct weft_report_options *o)
{
	return stream_new(out, o, &text_ops);
}

int weft_reporter_jsonl_opts(struct weft_reporter **out, const struct weft_report_options *o)
{
	return stream_new(out, o, &jsonl_ops);
}

int weft_reporter_text(struct weft_reporter **out, FILE *fp)
{
	struct weft_report_options o;
	weft_report_options_init(&o);
	o.fp = fp;
	return stream_new(out, &o, &text_ops);
}

int weft_reporter_jsonl(struct weft_reporter **out, FILE *fp)
{
	struct weft_report_options o;
	weft_report_options_init(&o);
	o.fp = fp;
	return stream_new(out, &o, &jsonl_ops);
}
