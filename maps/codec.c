/* codec: record byte format; see codec.h for the grammar. */
#include "codec.h"

#include <stdlib.h>
#include <string.h>

void codec_buf_init(struct codec_buf *buf)
{
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
}

void codec_buf_deinit(struct codec_buf *buf)
{
	free(buf->data);
	codec_buf_init(buf);
}

static void codec_reserve(struct codec_buf *buf, size_t extra)
{
	size_t want = buf->len + extra;

	if (want <= buf->cap)
		return;
	size_t cap = buf->cap != 0 ? buf->cap : 256;
	while (cap < want)
		cap *= 2;
	buf->data = realloc(buf->data, cap);
	if (buf->data == NULL)
		abort();
	buf->cap = cap;
}

static void codec_append(struct codec_buf *buf, const void *data, size_t len)
{
	codec_reserve(buf, len);
	if (len != 0)
		memcpy(buf->data + buf->len, data, len);
	buf->len += len;
}

static void codec_put_varint(struct codec_buf *buf, size_t value)
{
	unsigned char tmp[10];
	size_t n = 0;

	do {
		tmp[n] = value & 0x7f;
		value >>= 7;
		if (value != 0)
			tmp[n] |= 0x80;
		n++;
	} while (value != 0);
	codec_append(buf, tmp, n);
}

void codec_begin(struct codec_buf *buf, uint8_t record_type)
{
	unsigned char header[2] = {CODEC_FORMAT_VERSION, record_type};

	buf->len = 0;
	codec_append(buf, header, sizeof(header));
}

void codec_put_bytes(struct codec_buf *buf, uint8_t id, const void *data,
		     size_t len)
{
	codec_append(buf, &id, 1);
	codec_put_varint(buf, len);
	codec_append(buf, data, len);
}

void codec_put_uint(struct codec_buf *buf, uint8_t id, uint64_t value)
{
	unsigned char be[8];
	size_t len = 0;

	for (uint64_t v = value; v != 0; v >>= 8)
		len++;
	for (size_t i = 0; i < len; i++)
		be[i] = (unsigned char)(value >> (8 * (len - 1 - i)));
	codec_put_bytes(buf, id, be, len);
}

int codec_read_begin(struct codec_reader *reader, const void *data, size_t len,
		     uint8_t *record_type_r, const char **error_r)
{
	const unsigned char *bytes = data;

	if (len < 2) {
		*error_r = "record is truncated";
		return -1;
	}
	if (bytes[0] != CODEC_FORMAT_VERSION) {
		*error_r = bytes[0] > CODEC_FORMAT_VERSION
			       ? "record format is newer than this binary"
			       : "record format version is unknown";
		return -1;
	}
	*record_type_r = bytes[1];
	reader->pos = bytes + 2;
	reader->end = bytes + len;
	return 0;
}

static int codec_read_varint(struct codec_reader *reader, size_t *value_r)
{
	size_t value = 0;

	for (unsigned shift = 0; shift < 28; shift += 7) {
		if (reader->pos >= reader->end)
			return -1;
		unsigned char byte = *reader->pos++;
		value |= (size_t)(byte & 0x7f) << shift;
		if ((byte & 0x80) == 0) {
			*value_r = value;
			return 0;
		}
	}
	return -1; /* longer than CODEC_FIELD_MAX can need */
}

int codec_read_next_slow(struct codec_reader *reader, uint8_t *id_r,
			 const unsigned char **payload_r, size_t *len_r)
{
	size_t len;

	if (reader->pos == reader->end)
		return 0;
	*id_r = *reader->pos++;
	if (*id_r == 0 || codec_read_varint(reader, &len) < 0)
		return -1;
	if (len > CODEC_FIELD_MAX || len > (size_t)(reader->end - reader->pos))
		return -1;
	*payload_r = reader->pos;
	*len_r = len;
	reader->pos += len;
	return 1;
}

int codec_payload_uint(const unsigned char *payload, size_t len,
		       uint64_t *value_r)
{
	uint64_t value = 0;

	if (len > 8)
		return -1;
	for (size_t i = 0; i < len; i++)
		value = (value << 8) | payload[i];
	*value_r = value;
	return 0;
}
