/*
 * stream.c -- the reporters that write lines to a stdio stream: the lecture's text lines and
 * JSON lines. Output errors (EPIPE, ENOSPC) surface as a non-zero return, never silently.
 */
#include <stdlib.h>
#include <string.h>

#include <weft.h>

#include "util/json.h"

struct stream_reporter {
	struct weft_reporter base;
	FILE *fp;            /* borrowed */
	uint64_t skipped[5]; /* text: skip records by reason, summarised at the end */
};

static const char *const skip_reasons[] = { "robots", "scope", "depth", "max-pages", "other" };

static FILE *fp_of(struct weft_reporter *r)
{
	return ((struct stream_reporter *)r)->fp;
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
	if (weft_record_ok(rec))
		fprintf(fp, "found:   %s\n", rec->url);
	else if (rec->redirect && rec->error == WEFT_FE_NONE)
		fprintf(fp, "redirect: %s -> %s\n", rec->url, rec->redirect);
	else
		fprintf(fp, "missing: %s\n", rec->url);
	return ferror(fp) ? -1 : 0;
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
static int jsonl_skip(FILE *fp, const struct weft_record *rec)
{
	fputs("{\"url\":", fp);
	weft__json_str(fp, rec->url);
	json_field_str(fp, "skipped", rec->skipped);
	fprintf(fp, ",\"depth\":%d", rec->depth);
	json_field_str(fp, "from", rec->from);
	if (rec->error_msg)
		json_field_str(fp, "error_msg", rec->error_msg);
	fputs("}\n", fp);
	return ferror(fp) ? -1 : 0;
}

static int jsonl_record(struct weft_reporter *r, const struct weft_record *rec)
{
	FILE *fp = fp_of(r);
	if (rec->skipped)
		return jsonl_skip(fp, rec);
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
	fputs("}\n", fp);
	return ferror(fp) ? -1 : 0;
}

static int stream_end(struct weft_reporter *r)
{
	FILE *fp = fp_of(r);
	return (fflush(fp) != 0 || ferror(fp)) ? -1 : 0;
}

/* text: "skipped: 12 (robots 10, scope 2)" when anything was skipped; nothing otherwise. */
static int text_end(struct weft_reporter *r)
{
	struct stream_reporter *s = (struct stream_reporter *)r;
	uint64_t total = 0;
	for (size_t i = 0; i < 5; i++)
		total += s->skipped[i];
	if (total) {
		const char *sep = "";
		fprintf(s->fp, "skipped: %llu (", (unsigned long long)total);
		for (size_t i = 0; i < 5; i++) {
			if (!s->skipped[i])
				continue;
			fprintf(s->fp, "%s%s %llu", sep, skip_reasons[i],
				(unsigned long long)s->skipped[i]);
			sep = ", ";
		}
		fputs(")\n", s->fp);
	}
	return stream_end(r);
}

static void stream_destroy(struct weft_reporter *r)
{
	free(r);
}

static const struct weft_reporter_ops text_ops = {
	.name = "text", .record = text_record, .end = text_end, .destroy = stream_destroy,
};

static const struct weft_reporter_ops jsonl_ops = {
	.name = "jsonl", .record = jsonl_record, .end = stream_end, .destroy = stream_destroy,
};

static int stream_new(struct weft_reporter **out, FILE *fp, const struct weft_reporter_ops *ops)
{
	struct stream_reporter *s = calloc(1, sizeof(*s));
	*out = NULL;
	if (!s)
		return WEFT_E_NOMEM;
	s->base.ops = ops;
	s->fp = fp;
	*out = &s->base;
	return WEFT_OK;
}

int weft_reporter_text(struct weft_reporter **out, FILE *fp)
{
	return stream_new(out, fp, &text_ops);
}

int weft_reporter_jsonl(struct weft_reporter **out, FILE *fp)
{
	return stream_new(out, fp, &jsonl_ops);
}
