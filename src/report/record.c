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
