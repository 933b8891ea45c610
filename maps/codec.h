/*
 * codec: the byte format of every record stored in LMDB.
 *
 *   record  = format-version(1 byte) record-type(1 byte) *field
 *   field   = field-id(1 byte, 1..255) length(LEB128 varint) payload
 *
 * An unsigned integer payload is its minimal big-endian form (0 is empty);
 * a string payload is its bytes without a NUL; a list is the same field id
 * repeated, in order. Readers skip field ids they do not know, so a newer
 * writer may add fields without a format change; removing or reinterpreting
 * a field id needs a new CODEC_FORMAT_VERSION and a schema migration.
 * Field ids are assigned in records.c and never reused.
 *
 * The codec knows nothing of entities: records.c maps structs to fields.
 */
#ifndef MAILMAP_CODEC_H
#define MAILMAP_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CODEC_FORMAT_VERSION 1
/* No field is larger than this; a longer length is a corrupt record. */
#define CODEC_FIELD_MAX (1u << 20)

/* A growable output buffer; owns its memory. */
struct codec_buf {
	unsigned char *data;
	size_t len;
	size_t cap;
};

struct codec_reader {
	const unsigned char *pos;
	const unsigned char *end;
};

void codec_buf_init(struct codec_buf *buf);
void codec_buf_deinit(struct codec_buf *buf);

/* Starts a record of the given type, discarding previous content. */
void codec_begin(struct codec_buf *buf, uint8_t record_type);
/* Appends a string (or opaque bytes) field. */
void codec_put_bytes(struct codec_buf *buf, uint8_t id, const void *data,
		     size_t len);
/* Appends an unsigned integer field. */
void codec_put_uint(struct codec_buf *buf, uint8_t id, uint64_t value);

/* Checks the header of data and positions the reader on the first field.
 * 0, or -1 with a static message (unknown format version, truncated). */
int codec_read_begin(struct codec_reader *reader, const void *data, size_t len,
		     uint8_t *record_type_r, const char **error_r);
/* Reads the next field: 1 with a field, 0 at the end, -1 if corrupt. The
 * payload points into the record. */
int codec_read_next_slow(struct codec_reader *reader, uint8_t *id_r,
			 const unsigned char **payload_r, size_t *len_r);

/* Every lookup reads a dozen fields with this: a field shorter than 128
 * bytes (a one-byte length) is read inline, any other by
 * codec_read_next_slow(), which checks everything. */
static inline int codec_read_next(struct codec_reader *reader, uint8_t *id_r,
				  const unsigned char **payload_r,
				  size_t *len_r)
{
	const unsigned char *pos = reader->pos;

	if (reader->end - pos >= 2 && pos[0] != 0 && pos[1] < 0x80 &&
	    (size_t)(reader->end - pos - 2) >= pos[1]) {
		*id_r = pos[0];
		*len_r = pos[1];
		*payload_r = pos + 2;
		reader->pos = pos + 2 + pos[1];
		return 1;
	}
	return codec_read_next_slow(reader, id_r, payload_r, len_r);
}
/* Decodes an integer payload; -1 when it is longer than 8 bytes. */
int codec_payload_uint(const unsigned char *payload, size_t len,
		       uint64_t *value_r);

#endif
