/*
 * netstring: the framing of Postfix's socketmap protocol (protocols.md
 * 1.1): <decimal length> ":" <payload> ",". A pure, incremental decoder: it
 * is handed everything buffered so far and says "need more", "one frame" or
 * which error, and never touches sockets, the store or the logger.
 *
 * Limits: the length field may have leading zeros (Postfix accepts them)
 * but at most NETSTRING_DIGITS_MAX digits; a declared length above the
 * caller's maximum is an error as soon as the digits are read, before any
 * payload is buffered.
 */
#ifndef MAILMAP_NETSTRING_H
#define MAILMAP_NETSTRING_H

#include <stddef.h>

#define NETSTRING_DIGITS_MAX 20

enum netstring_result {
	NETSTRING_NEED_MORE,  /* no complete frame yet */
	NETSTRING_FRAME,      /* one frame: payload and bytes used are set */
	NETSTRING_ERR_FORMAT, /* not a netstring: non-digit, no ':' or ',' */
	NETSTRING_ERR_SIZE,   /* declared length above the maximum */
};

/* Decodes the frame at the start of data (len bytes buffered). */
enum netstring_result netstring_decode(const char *data, size_t len,
				       size_t max_payload,
				       const char **payload_r,
				       size_t *payload_len_r, size_t *used_r);

/* Bytes a frame of payload_len needs: digits + ':' + payload + ','. */
size_t netstring_frame_size(size_t payload_len);
/* Writes the length prefix "<len>:" into out (NETSTRING_DIGITS_MAX + 2
 * bytes); returns its length. */
size_t netstring_prefix(char *out, size_t payload_len);

#endif
