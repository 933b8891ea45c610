/* lookup_buf: the answer under construction; see lookup_internal.h. */
#include "lookup_internal.h"

#include <string.h>

#define LOOKUP_BUF_MIN 256

/* ---- Answers -------------------------------------------------------- */

enum lookup_status lookup_fail(struct lookup_req *req, const char *reason)
{
	req->reason = reason;
	return LOOKUP_TEMPFAIL;
}

static void lookup_buf_grow(struct lookup_buf *buf, size_t need)
{
	size_t cap = buf->cap != 0 ? buf->cap : LOOKUP_BUF_MIN;
	char *data;

	while (cap < need)
		cap *= 2;
	if (cap > LOOKUP_DATA_MAX + 1)
		cap = LOOKUP_DATA_MAX + 1;
	data = arena_alloc(buf->arena, cap);
	if (buf->len != 0)
		memcpy(data, buf->data, buf->len);
	buf->data = data;
	buf->cap = cap;
}

/* Appends bytes; past LOOKUP_DATA_MAX the answer is marked too long. */
void lookup_put(struct lookup_buf *buf, const char *s, size_t len)
{
	if (buf->too_long || len > LOOKUP_DATA_MAX - buf->len) {
		buf->too_long = true;
		return;
	}
	if (buf->count_only) {
		buf->len += len;
		return;
	}
	if (buf->len + len + 1 > buf->cap)
		lookup_buf_grow(buf, buf->len + len + 1);
	memcpy(buf->data + buf->len, s, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
}

void lookup_put_str(struct lookup_buf *buf, struct lookup_str s)
{
	lookup_put(buf, s.data, s.len);
}

/* Appends one list item, comma separated; empty items are skipped. */
void lookup_item(struct lookup_buf *buf, struct lookup_str s)
{
	if (s.len == 0)
		return;
	if (buf->len != 0)
		lookup_put(buf, ",", 1);
	lookup_put_str(buf, s);
}

static bool lookup_has_item(const struct lookup_buf *buf, struct lookup_str s)
{
	size_t pos = 0;

	while (pos < buf->len) {
		const char *item = buf->data + pos;
		const char *comma = memchr(item, ',', buf->len - pos);
		size_t len =
		    comma != NULL ? (size_t)(comma - item) : buf->len - pos;
		if (len == s.len && memcmp(item, s.data, len) == 0)
			return true;
		pos += len + 1;
	}
	return false;
}

void lookup_item_unique(struct lookup_buf *buf, struct lookup_str s)
{
	if (!lookup_has_item(buf, s))
		lookup_item(buf, s);
}

struct lookup_str lookup_cstr(const char *s)
{
	return (struct lookup_str){s, strlen(s)};
}
