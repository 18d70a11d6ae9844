/* record.c -- what a record says, and a reporter's lifetime: for reporters and users alike. */
#include <weft.h>

bool weft_record_ok(const struct weft_record *r)
{
	return r->error == WEFT_FE_NONE && r->status >= 200 && r->status < 300 && !r->skipped;
}

void weft_reporter_free(struct weft_reporter **r)
{
	if (r && *r) {
		(*r)->ops->destroy(*r);
		*r = NULL;
	}
}

void weft_report_options_init(struct weft_report_options *o)
{
	*o = (struct weft_report_options){ .fp = NULL };
}

const char *weft_reporter_error(struct weft_reporter *r, int *errnum)
{
	if (errnum)
		*errnum = 0;
	return r && r->ops->error ? r->ops->error(r, errnum) : NULL;
}
