/* netstring: socketmap framing; see netstring.h. */
#include "netstring.h"

enum netstring_result netstring_decode(const char *data, size_t len,
				       size_t max_payload,
				       const char **payload_r,
				       size_t *payload_len_r, size_t *used_r)
{
	size_t value = 0, i;

	for (i = 0; i < len && data[i] != ':'; i++) {
		if (data[i] < '0' || data[i] > '9' || i == NETSTRING_DIGITS_MAX)
			return NETSTRING_ERR_FORMAT;
		value = value * 10 + (size_t)(data[i] - '0');
		/* Checked per digit, so value never overflows. */
		if (value > max_payload)
			return NETSTRING_ERR_SIZE;
	}
	if (i == len)
		return NETSTRING_NEED_MORE;
	if (i == 0)
		return NETSTRING_ERR_FORMAT; /* ":" without digits */
	if (len - i - 1 < value + 1)
		return NETSTRING_NEED_MORE;
	if (data[i + 1 + value] != ',')
		return NETSTRING_ERR_FORMAT;
	*payload_r = data + i + 1;
	*payload_len_r = value;
	*used_r = i + 1 + value + 1;
	return NETSTRING_FRAME;
}

size_t netstring_prefix(char *out, size_t payload_len)
{
	char digits[24]; /* any size_t, backwards */
	size_t n = 0, len = 0;

	do {
		digits[n++] = (char)('0' + payload_len % 10);
		payload_len /= 10;
	} while (payload_len != 0);
	while (n > 0) /* one call per reply: no printf */
		out[len++] = digits[--n];
	out[len++] = ':';
	out[len] = '\0';
	return len;
}

size_t netstring_frame_size(size_t payload_len)
{
	char prefix[NETSTRING_DIGITS_MAX + 2];

	return netstring_prefix(prefix, payload_len) + payload_len + 1;
}
