/* json.c -- JSON string escaping, with UTF-8 validation so output is always valid JSON. */
#include <stdint.h>
#include <string.h>

#include "util/json.h"

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not valid. */
static int utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f))
			return 0; /* overlong, or a surrogate */
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

int weft__utf8_len(const unsigned char *s, size_t rem)
{
	unsigned char b[4] = { 0, 0, 0, 0 };
	memcpy(b, s, rem < 4 ? rem : 4);
	int n = utf8_len(b);
	return (size_t)n <= rem ? n : 0;
}

void weft__json_strn(FILE *fp, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + len;
	fputc('"', fp);
	while (s < end) {
		unsigned char ch = *s;
		if (ch == '"' || ch == '\\') {
			fputc('\\', fp);
			fputc(ch, fp);
			s++;
		} else if (ch < 0x20) {
			fprintf(fp, "\\u%04x", ch);
			s++;
		} else {
			int n = weft__utf8_len(s, (size_t)(end - s));
			if (n == 0) {
				fputs("\xef\xbf\xbd", fp);
				s++;
			} else {
				fwrite(s, 1, (size_t)n, fp);
				s += n;
			}
		}
	}
	fputc('"', fp);
}

void weft__json_str(FILE *fp, const char *str)
{
	weft__json_strn(fp, str, strlen(str));
}
