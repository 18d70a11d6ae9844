/* record.c -- what a record says, for reporters and library users alike. */
#include <weft.h>

bool weft_record_ok(const struct weft_record *r)
{
	return r->error == WEFT_FE_NONE && r->status >= 200 && r->status < 300 && !r->skipped;
}
