/*
 * gz.c -- gzip-encode a buffer for /_test/gzip.
 *
 * With zlib (the normal build: TS_HAVE_ZLIB) this is deflateInit2 with a gzip wrapper.
 * Without zlib it still produces a valid gzip stream (RFC 1952) made of "stored"
 * (uncompressed) deflate blocks and a hand-computed CRC-32, so the endpoint keeps
 * working -- and clients must still decode it -- on a machine lacking zlib1g-dev.
 * Called once at startup; no shared state.
 */
#include "ts.h"

#include <stdlib.h>
#include <string.h>

#ifdef TS_HAVE_ZLIB
#include <zlib.h>

bool ts_gzip(const void *in, size_t len, void **out, size_t *out_len)
{
	z_stream z = {0};
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return false;
	uLong cap = deflateBound(&z, (uLong)len);
	unsigned char *buf = malloc(cap);
	if (!buf) {
		deflateEnd(&z);
		return false;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	int rc = deflate(&z, Z_FINISH);
	*out_len = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(buf);
		return false;
	}
	*out = buf;
	return true;
}

#else

static uint32_t crc32_calc(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

bool ts_gzip(const void *in, size_t len, void **out, size_t *out_len)
{
	const unsigned char *src = in;
	size_t blocks = len / 65535 + 1;
	unsigned char *buf = malloc(10 + len + 5 * blocks + 8), *p = buf;
	if (!buf)
		return false;
	static const unsigned char header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
	memcpy(p, header, 10);
	p += 10;
	for (size_t off = 0, b = 0; b < blocks; b++) {
		size_t n = len - off > 65535 ? 65535 : len - off;
		*p++ = b + 1 == blocks ? 1 : 0; /* BFINAL, BTYPE=00 (stored) */
		*p++ = (unsigned char)n;
		*p++ = (unsigned char)(n >> 8);
		*p++ = (unsigned char)~n;
		*p++ = (unsigned char)(~n >> 8);
		memcpy(p, src + off, n);
		p += n;
		off += n;
	}
	put_le32(p, crc32_calc(src, len));
	put_le32(p + 4, (uint32_t)len);
	*out_len = (size_t)(p + 8 - buf);
	*out = buf;
	return true;
}

#endif
