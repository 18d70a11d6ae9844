/*
 * bomb.c -- /_test/gzip-bomb: a small gzip body that decodes to a huge one, streamed.
 *
 * Nothing big is ever held in memory. At startup one raw deflate stream is cut into three
 * parts with full flushes (each flush byte-aligns the output and resets the dictionary, so
 * what follows refers to nothing before it): `head` = the gzip header and an HTML prefix,
 * `block` = 1 MiB of spaces (about 1 KiB compressed), `tail` = the final empty block. A
 * response is head, block repeated mb times, tail, then the gzip trailer (CRC-32 of the
 * decoded body, combined per request with crc32_combine, and its size mod 2^32). It is
 * sent with Content-Encoding: gzip whatever the client accepts -- a bomb does not ask.
 *
 * Without zlib the endpoint answers 501. Threading: the parts are immutable after
 * bomb_new(); each response has its own small reader state.
 */
#include "ts.h"

#include <stdlib.h>
#include <string.h>

#define BOMB_BLOCK (1u << 20)

static const char bomb_prefix[] =
	"<!DOCTYPE html>\n<html><head><title>gzip bomb</title></head><body>\n"
	"<p><a href=\"/_test/status/200\">a link</a></p>\n<pre>";

#ifdef TS_HAVE_ZLIB
#include <zlib.h>

struct bomb {
	unsigned char *head, *block, *tail;
	size_t head_len, block_len, tail_len;
	uint32_t crc_prefix, crc_block;
};

/* Deflate in (len bytes) with flush into a fresh buffer; false on failure. */
static bool deflate_part(z_stream *z, const void *in, size_t len, int flush, unsigned char **out,
			 size_t *out_len)
{
	size_t cap = deflateBound(z, (uLong)len) + 64;
	unsigned char *buf = malloc(cap);
	if (!buf)
		return false;
	z->next_in = (Bytef *)(uintptr_t)in;
	z->avail_in = (uInt)len;
	z->next_out = buf;
	z->avail_out = (uInt)cap;
	int rc = deflate(z, flush);
	if ((rc != Z_OK && rc != Z_STREAM_END) || z->avail_in != 0) {
		free(buf);
		return false;
	}
	*out = buf;
	*out_len = cap - z->avail_out;
	return true;
}

struct bomb *bomb_new(void)
{
	static const unsigned char gz_header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
	struct bomb *b = calloc(1, sizeof *b);
	char *spaces = malloc(BOMB_BLOCK);
	unsigned char *pre = NULL;
	size_t pre_len = 0;
	z_stream z = {0};
	bool ok = b && spaces && deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) == Z_OK;
	if (ok) {
		memset(spaces, ' ', BOMB_BLOCK);
		ok = deflate_part(&z, bomb_prefix, sizeof bomb_prefix - 1, Z_FULL_FLUSH, &pre,
				  &pre_len) &&
		     deflate_part(&z, spaces, BOMB_BLOCK, Z_FULL_FLUSH, &b->block, &b->block_len) &&
		     deflate_part(&z, "", 0, Z_FINISH, &b->tail, &b->tail_len);
		deflateEnd(&z);
	}
	if (ok && (b->head = malloc(sizeof gz_header + pre_len))) {
		memcpy(b->head, gz_header, sizeof gz_header);
		memcpy(b->head + sizeof gz_header, pre, pre_len);
		b->head_len = sizeof gz_header + pre_len;
		b->crc_prefix = (uint32_t)crc32(0, (const Bytef *)bomb_prefix, sizeof bomb_prefix - 1);
		b->crc_block = (uint32_t)crc32(0, (const Bytef *)spaces, BOMB_BLOCK);
	} else {
		ok = false;
	}
	free(pre);
	free(spaces);
	if (!ok) {
		bomb_free(b);
		return NULL;
	}
	return b;
}

void bomb_free(struct bomb *b)
{
	if (!b)
		return;
	free(b->head);
	free(b->block);
	free(b->tail);
	free(b);
}

/* One response: mb blocks between head and tail, then the 8-byte trailer. */
struct bomb_stream {
	const struct bomb *b;
	uint64_t mb;
	unsigned char trailer[8];
};

static size_t take(const unsigned char *src, size_t len, uint64_t off, char *buf, size_t max)
{
	size_t n = len - (size_t)off < max ? len - (size_t)off : max;
	memcpy(buf, src + off, n);
	return n;
}

static ssize_t bomb_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	const struct bomb_stream *s = cls;
	const struct bomb *b = s->b;
	uint64_t body = (uint64_t)b->block_len * s->mb;
	size_t n = 0;
	while (n < max) {
		uint64_t p = pos + n;
		if (p < b->head_len) {
			n += take(b->head, b->head_len, p, buf + n, max - n);
		} else if (p - b->head_len < body) {
			uint64_t q = p - b->head_len;
			size_t room = body - q < max - n ? (size_t)(body - q) : max - n;
			n += take(b->block, b->block_len, q % b->block_len, buf + n, room);
		} else if (p - b->head_len - body < b->tail_len) {
			n += take(b->tail, b->tail_len, p - b->head_len - body, buf + n, max - n);
		} else if (p - b->head_len - body - b->tail_len < 8) {
			n += take(s->trailer, 8, p - b->head_len - body - b->tail_len, buf + n,
				  max - n);
		} else {
			break;
		}
	}
	return n ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
}

bool bomb_reply(const struct bomb *b, uint64_t mb, struct ts_reply *r)
{
	struct bomb_stream *s = malloc(sizeof *s);
	if (!s)
		return false;
	uint32_t crc = b->crc_prefix;
	for (uint64_t i = 0; i < mb; i++)
		crc = (uint32_t)crc32_combine(crc, b->crc_block, BOMB_BLOCK);
	uint32_t size = (uint32_t)(sizeof bomb_prefix - 1 + mb * BOMB_BLOCK);
	s->b = b;
	s->mb = mb;
	for (int i = 0; i < 4; i++) {
		s->trailer[i] = (unsigned char)(crc >> (8 * i));
		s->trailer[4 + i] = (unsigned char)(size >> (8 * i));
	}
	uint64_t total = b->head_len + (uint64_t)b->block_len * mb + b->tail_len + 8;
	r->resp = MHD_create_response_from_callback(total, 65536, bomb_read, s, free);
	if (!r->resp) {
		free(s);
		return false;
	}
	r->status = 200;
	return MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CONTENT_TYPE, TS_HTML) == MHD_YES &&
	       MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip") == MHD_YES;
}

#else

struct bomb {
	int unused;
};

struct bomb *bomb_new(void)
{
	return calloc(1, sizeof(struct bomb));
}

void bomb_free(struct bomb *b)
{
	free(b);
}

bool bomb_reply(const struct bomb *b, uint64_t mb, struct ts_reply *r)
{
	(void)b;
	(void)mb;
	return ts_html_reply(r, 501, "Not Implemented", "Built without zlib: no gzip bomb.");
}

#endif
