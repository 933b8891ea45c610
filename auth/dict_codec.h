/*
 * dict_codec: the framing and escaping of Dovecot 2.3's dict protocol
 * (protocols.md 3.1): one command per LF-terminated line, fields separated
 * by TAB, each field tab-escaped (0x01 -> \1 '1', TAB -> \1 't', CR ->
 * \1 'r', LF -> \1 'n'; the decoder also reads \1 '0' as NUL and \1 X as
 * X). Pure: no I/O, no allocation besides the caller's buffers.
 */
#ifndef MAILMAP_DICT_CODEC_H
#define MAILMAP_DICT_CODEC_H

#include <stdbool.h>
#include <stddef.h>

#include "proto.h"

/* Most fields a command has (I: flags, max_rows, path, user). */
#define DICT_FIELDS_MAX 5

/* Finds one line at the start of data: its content (without the LF) in
 * request. A line longer than max is PROTO_ERR_SIZE as soon as max + 1
 * bytes without a LF are buffered (never more); a raw NUL byte is
 * PROTO_ERR_FORMAT (Dovecot escapes it). */
enum proto_frame dict_frame(const char *data, size_t len, size_t max,
			    struct proto_request *request);

/* Splits a line (in a writable copy) into at most DICT_FIELDS_MAX
 * unescaped fields, NUL-terminated in place; the last field keeps any
 * further TABs unsplit only when max_fields is reached. Returns the count,
 * or -1 when an escape is cut at the end of a field. */
int dict_split(char *line, size_t len, char **fields, size_t *lens,
	       size_t max_fields);

/* Bytes escaping src needs. */
size_t dict_escaped_len(const char *src, size_t len);
/* Writes src escaped into out (dict_escaped_len() bytes). */
void dict_escape(char *out, const char *src, size_t len);

#endif
