/*
 * json.h -- writing JSON strings to a stdio stream. Written by hand rather than building a
 * jansson tree per record: a record is a flat object, and streaming it costs no allocation.
 */
#ifndef WEFT_JSON_H
#define WEFT_JSON_H

#include <stdio.h>

/* Write s as a JSON string literal (quotes included); invalid UTF-8 bytes become U+FFFD. */
void weft__json_str(FILE *fp, const char *s);
/* The same for n bytes at s (NUL bytes become \u0000); s may be NULL when n is 0. */
void weft__json_strn(FILE *fp, const char *s, size_t n);
/* Bytes of the valid UTF-8 sequence at s, of which rem are available (1..4), or 0 if invalid
 * or cut short. */
int weft__utf8_len(const unsigned char *s, size_t rem);

#endif
