/*
 * csv.c -- the csv reporter: RFC 4180 (a header row, CRLF line ends, a field holding ',', '"',
 * CR or LF quoted with its quotes doubled). One row per record; with WEFT_REPORT_LINKS one row
 * per link of each page, the record's columns repeated (docs/OUTPUTS.md). Invalid UTF-8 bytes
 * become U+FFFD so that the file decodes as UTF-8.
 */
#include <stdlib.h>
#include <string.h>

#include "report/out.h"
#include "util/json.h"

struct csv_reporter {
	struct weft_reporter base;
	struct weft__out out;
	bool links;
};

static const char header[] =
	"url,status,error,depth,from,final_url,content_type,bytes,ms,links,redirect,hops,"
	"truncated,checked,skipped,error_msg";
static const char link_header[] =
	",link_index,link_url,link_fragment,link_text,link_tag,link_attr,link_line,link_rel,"
	"link_nofollow,link_kind";

/* A field: quoted when it holds a comma, a quote, CR or LF. NULL is an empty field. */
static void field_n(FILE *fp, const char *v, size_t n, bool first)
{
	if (!first)
		fputc(',', fp);
	if (!v)
		return;
	bool quote = false;
	for (size_t i = 0; i < n && !quote; i++)
		quote = v[i] == ',' || v[i] == '"' || v[i] == '\r' || v[i] == '\n';
	if (quote)
		fputc('"', fp);
	const unsigned char *s = (const unsigned char *)v, *end = s + n;
	while (s < end) {
		if (*s < 0x80) {
			if (*s == '"')
				fputc('"', fp);
			fputc(*s++, fp);
			continue;
		}
		int k = weft__utf8_len(s, (size_t)(end - s));
		if (k == 0) {
			fputs("\xef\xbf\xbd", fp);
			s++;
		} else {
			fwrite(s, 1, (size_t)k, fp);
			s += k;
		}
	}
	if (quote)
		fputc('"', fp);
}

static void field(FILE *fp, const char *v)
{
	field_n(fp, v, v ? strlen(v) : 0, false);
}

static void record_fields(FILE *fp, const struct weft_record *rec)
{
	field_n(fp, rec->url, strlen(rec->url), true);
	if (rec->skipped) {
		fprintf(fp, ",,,%d", rec->depth);
		field(fp, rec->from);
		fputs(",,,,,,,,,", fp);
		field(fp, rec->skipped);
		field(fp, rec->error_msg);
		return;
	}
	fprintf(fp, ",%d", rec->status);
	field(fp, rec->error != WEFT_FE_NONE ? weft_fetch_err_name(rec->error) : NULL);
	fprintf(fp, ",%d", rec->depth);
	field(fp, rec->from);
	field(fp, rec->final_url);
	field(fp, rec->content_type);
	fprintf(fp, ",%llu,%.3f,%zu", (unsigned long long)rec->bytes, rec->ms, rec->n_links);
	field(fp, rec->redirect);
	fprintf(fp, ",%d,%s,%s,", rec->hops, rec->truncated ? "true" : "false",
		rec->checked ? "true" : "false");
	field(fp, rec->error != WEFT_FE_NONE ? rec->error_msg : NULL);
}

static void link_fields(FILE *fp, size_t i, const struct weft_link *l)
{
	fprintf(fp, ",%zu", i);
	field_n(fp, l->url, l->url_len, false);
	field_n(fp, l->fragment, l->frag_len, false);
	field_n(fp, l->text, l->text ? l->text_len : 0, false);
	field(fp, l->tag);
	field(fp, l->attr);
	fprintf(fp, ",%u", l->line);
	field_n(fp, l->rel, l->rel_len, false);
	fprintf(fp, ",%s,%s", l->nofollow ? "true" : "false",
		l->kind == WEFT_LINK_RESOURCE ? "resource" : "nav");
}

static int csv_begin(struct weft_reporter *r)
{
	struct csv_reporter *c = (struct csv_reporter *)r;
	weft__out_start(&c->out);
	fputs(header, c->out.fp);
	if (c->links)
		fputs(link_header, c->out.fp);
	fputs("\r\n", c->out.fp);
	return weft__out_done(&c->out);
}

static int csv_record(struct weft_reporter *r, const struct weft_record *rec)
{
	struct csv_reporter *c = (struct csv_reporter *)r;
	FILE *fp = c->out.fp;
	weft__out_start(&c->out);
	size_t n = c->links && !rec->skipped && rec->links ? rec->n_links : 0;
	for (size_t i = 0; i < (n ? n : 1); i++) {
		record_fields(fp, rec);
		if (n)
			link_fields(fp, i, &rec->links[i]);
		else if (c->links)
			fputs(",,,,,,,,,,", fp);
		fputs("\r\n", fp);
	}
	return weft__out_done(&c->out);
}

static int csv_end(struct weft_reporter *r)
{
	return weft__out_finish(&((struct csv_reporter *)r)->out);
}

static const char *csv_error(struct weft_reporter *r, int *errnum)
{
	return weft__out_error(&((struct csv_reporter *)r)->out, errnum);
}

static void csv_destroy(struct weft_reporter *r)
{
	weft__out_free(&((struct csv_reporter *)r)->out);
	free(r);
}

static const struct weft_reporter_ops csv_ops = {
	.name = "csv", .begin = csv_begin, .record = csv_record, .end = csv_end,
	.destroy = csv_destroy, .error = csv_error,
};

int weft_reporter_csv(struct weft_reporter **out, const struct weft_report_options *o)
{
	struct csv_reporter *c = calloc(1, sizeof(*c));
	*out = NULL;
	if (!c)
		return WEFT_E_NOMEM;
	if (weft__out_init(&c->out, o->fp, o->name) != WEFT_OK) {
		free(c);
		return WEFT_E_NOMEM;
	}
	c->base.ops = &csv_ops;
	c->links = (o->flags & WEFT_REPORT_LINKS) != 0;
	*out = &c->base;
	return WEFT_OK;
}
