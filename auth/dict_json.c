/*
 * dict_json: the flat JSON objects of the passdb and userdb answers
 * (protocols.md 3.6, format = json), written into the request's arena.
 *
 * Strings are escaped as RFC 8259 7 requires ('"', '\' and the C0
 * controls); other bytes pass through (the store holds UTF-8). Member
 * names are the callers' literals. Dovecot decodes the object with its
 * own JSON parser; the dict protocol's tab escaping comes after, in the
 * protocol layer.
 */
#include "dict_data.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dict_bytes.h"

#define DICT_JSON_MIN 256

static void dict_json_grow(struct dict_json *json, size_t need)
{
	size_t cap = json->cap != 0 ? json->cap : DICT_JSON_MIN;
	char *data;

	while (cap < need)
		cap *= 2;
	data = arena_alloc(json->arena, cap);
	if (json->len != 0)
		memcpy(data, json->data, json->len);
	json->data = data;
	json->cap = cap;
}

/* Room for n more bytes and the NUL after them. */
static char *dict_json_room(struct dict_json *json, size_t n)
{
	if (json->len + n + 1 > json->cap)
		dict_json_grow(json, json->len + n + 1);
	return json->data + json->len;
}

static void dict_json_put(struct dict_json *json, const char *s, size_t len)
{
	memcpy(dict_json_room(json, len), s, len);
	json->len += len;
	json->data[json->len] = '\0';
}

static void dict_json_puts(struct dict_json *json, const char *s)
{
	dict_json_put(json, s, strlen(s));
}

/* Does JSON need this byte escaped (RFC 8259 7)? */
static bool dict_json_special(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\';
}

/* One byte that needs escaping. */
static void dict_json_escape_char(struct dict_json *json, unsigned char c)
{
	static const char short_forms[] = "\"\"\\\\\bb\ff\nn\rr\tt";
	char buf[8];

	for (size_t i = 0; short_forms[i] != '\0'; i += 2) {
		if ((unsigned char)short_forms[i] == c) {
			buf[0] = '\\';
			buf[1] = short_forms[i + 1];
			dict_json_put(json, buf, 2);
			return;
		}
	}
	snprintf(buf, sizeof(buf), "\\u%04x", c);
	dict_json_put(json, buf, 6);
}

/* Does any byte of the word need escaping (dict_json_special)? */
static bool dict_json_word_special(uint64_t word)
{
	return dict_bytes_any_below(word, 0x20) ||
	       dict_bytes_any_equal(word, '"') ||
	       dict_bytes_any_equal(word, '\\');
}

/* Bytes a JSON string takes as they are: whole words up to the first with
 * a special byte, then one by one. */
static size_t dict_json_plain_run(const char *s, size_t len)
{
	size_t i = dict_bytes_plain_words(s, len, dict_json_word_special);

	while (i < len && !dict_json_special((unsigned char)s[i]))
		i++;
	return i;
}

/* The rest of a string value from its first byte to escape: runs of plain
 * bytes copied whole, the others escaped one by one. */
static void dict_json_escaped(struct dict_json *json, const char *s, size_t len)
{
	while (len != 0) {
		size_t run = dict_json_plain_run(s, len);
		dict_json_put(json, s, run);
		s += run;
		len -= run;
		if (len != 0) {
			dict_json_escape_char(json, (unsigned char)*s++);
			len--;
		}
	}
}

/* ["," SP] DQUOTE name DQUOTE ":" SP: member names are the callers'
 * literals, with nothing in them to escape. */
static char *dict_json_put_name(struct dict_json *json, char *out,
				const char *name, size_t name_len)
{
	if (json->len > 1) {
		memcpy(out, ", ", 2);
		out += 2;
	}
	*out++ = '"';
	memcpy(out, name, name_len);
	out += name_len;
	memcpy(out, "\": ", 3);
	return out + 3;
}

void dict_json_begin(struct dict_json *json, struct arena *arena)
{
	memset(json, 0, sizeof(*json));
	json->arena = arena;
	dict_json_put(json, "{", 1);
}

/* One member in one copy when the value has nothing to escape (a hash,
 * an address, a path: the common case); else the name and the opening
 * quote first, then the value escaped. */
void dict_json_string(struct dict_json *json, const char *name,
		      const char *value)
{
	size_t name_len = strlen(name), len = strlen(value);
	size_t plain = dict_json_plain_run(value, len);
	char *start = dict_json_room(json, 2 + name_len + 4 + plain + 1);
	char *out = dict_json_put_name(json, start, name, name_len);

	*out++ = '"';
	memcpy(out, value, plain);
	out += plain;
	json->len += (size_t)(out - start);
	json->data[json->len] = '\0';
	dict_json_escaped(json, value + plain, len - plain);
	dict_json_put(json, "\"", 1);
}

void dict_json_number(struct dict_json *json, const char *name,
		      const char *digits)
{
	size_t name_len = strlen(name);
	char *start = dict_json_room(json, 2 + name_len + 3);

	json->len +=
	    (size_t)(dict_json_put_name(json, start, name, name_len) - start);
	dict_json_puts(json, digits);
}

void dict_json_end(struct dict_json *json, struct dict_reply *reply)
{
	dict_json_put(json, "}", 1);
	dict_reply_found(reply, json->data, json->len);
	/* Names are literals; values escape every C0 control, which covers
	 * the bytes the dict protocol escapes (0x01, TAB, LF, CR). */
	reply->escape_free = true;
}
