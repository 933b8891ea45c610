/* dict_codec: dict protocol framing and escaping; see dict_codec.h. */
#include "dict_codec.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dict_bytes.h"

#define DICT_ESC 0x01

enum proto_frame dict_frame(const char *data, size_t len, size_t max,
			    struct proto_request *request)
{
	size_t scan = len < max + 1 ? len : max + 1;
	const char *lf = memchr(data, '\n', scan);

	if (lf == NULL)
		return len > max ? PROTO_ERR_SIZE : PROTO_NEED_MORE;
	request->data = data;
	request->len = (size_t)(lf - data);
	request->used = request->len + 1;
	if (memchr(data, '\0', request->len) != NULL)
		return PROTO_ERR_FORMAT;
	return PROTO_REQUEST;
}

static char dict_unescape_char(char c)
{
	switch (c) {
	case '0':
		return '\0';
	case '1':
		return DICT_ESC;
	case 't':
		return '\t';
	case 'r':
		return '\r';
	case 'n':
		return '\n';
	default:
		return c;
	}
}

/* Unescapes field[0..len) in place; its new length, or -1. */
static long dict_unescape(char *field, size_t len)
{
	const char *esc = memchr(field, DICT_ESC, len);
	size_t out = esc != NULL ? (size_t)(esc - field) : len;

	/* Bytes before the first escape stay where they are. */
	for (size_t i = out; i < len; i++) {
		if (field[i] != DICT_ESC) {
			field[out++] = field[i];
			continue;
		}
		if (++i == len)
			return -1;
		field[out++] = dict_unescape_char(field[i]);
	}
	field[out] = '\0';
	return (long)out;
}

int dict_split(char *line, size_t len, char **fields, size_t *lens,
	       size_t max_fields)
{
	size_t count = 0, start = 0;

	while (count < max_fields) {
		char *tab = count + 1 < max_fields
				? memchr(line + start, '\t', len - start)
				: NULL;
		size_t end = tab != NULL ? (size_t)(tab - line) : len;
		long n = dict_unescape(line + start, end - start);
		if (n < 0)
			return -1;
		fields[count] = line + start;
		lens[count++] = (size_t)n;
		if (tab == NULL)
			break;
		start = end + 1;
	}
	return (int)count;
}

static char dict_escape_code(char c)
{
	switch (c) {
	case DICT_ESC:
		return '1';
	case '\t':
		return 't';
	case '\r':
		return 'r';
	case '\n':
		return 'n';
	case '\0':
		return '0';
	default:
		return 0;
	}
}

/* Does any byte of the word need escaping? All of them are below 14. */
static bool dict_word_may_escape(uint64_t word)
{
	return dict_bytes_any_below(word, 14);
}

size_t dict_escaped_len(const char *src, size_t len)
{
	size_t out = len;

	for (size_t i = dict_bytes_plain_words(src, len, dict_word_may_escape);
	     i < len; i++)
		out += dict_escape_code(src[i]) != 0;
	return out;
}

void dict_escape(char *out, const char *src, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char code = dict_escape_code(src[i]);
		if (code == 0) {
			*out++ = src[i];
			continue;
		}
		*out++ = DICT_ESC;
		*out++ = code;
	}
}
