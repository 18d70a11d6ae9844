/*
 * json.h -- writing JSON strings to a stdio stream. Written by hand rather than building a
 * jansson tree per record: a record is a flat object, and streaming it costs no allocation.
 */
#ifndef WEFT_JSON_H
#define WEFT_JSON_H

#include <stdio.h>

/* Write s as a JSON string literal (quotes included); invalid UTF-8 bytes become U+FFFD. */
void weft__json_str(FILE *fp, const char *s);

#endif
