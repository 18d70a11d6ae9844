/*
 * stream.c -- the reporters that write lines to a stdio stream: the lecture's text lines and
 * JSON lines. Output errors (EPIPE, ENOSPC) surface as a non-zero return, never silently.
 */
#include <stdlib.h>

#include <weft.h>

#include "util/json.h"

struct stream_reporter {
	struct weft_reporter base;
	FILE *fp; /* borrowed */
};

static FILE *fp_of(struct weft_reporter *r)
{
	return ((struct stream_reporter *)r)->fp;
}

static int text_record(struct weft_reporter *r, const struct weft_record *rec)
{
	FILE *fp = fp_of(r);
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

static int jsonl_record(struct weft_reporter *r, const struct weft_record *rec)
{
	FILE *fp = fp_of(r);
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

static void stream_destroy(struct weft_reporter *r)
{
	free(r);
}

static const struct weft_reporter_ops text_ops = {
	.name = "text", .record = text_record, .end = stream_end, .destroy = stream_destroy,
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
