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

static void dict_json_put(struct dict_json *json, const char *s, size_t len)
{
	if (json->len + len + 1 > json->cap)
		dict_json_grow(json, json->len + len + 1);
	memcpy(json->data + json->len, s, len);
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

/* A string value: runs of plain bytes are copied whole (a password hash
 * has none to escape). */
static void dict_json_quoted(struct dict_json *json, const char *s)
{
	size_t len = strlen(s);

	dict_json_put(json, "\"", 1);
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
	dict_json_put(json, "\"", 1);
}

/* Member names are the callers' literals: nothing in them to escape. */
static void dict_json_name(struct dict_json *json, const char *name)
{
	if (json->len > 1)
		dict_json_put(json, ", ", 2);
	dict_json_put(json, "\"", 1);
	dict_json_puts(json, name);
	dict_json_put(json, "\": ", 3);
}

void dict_json_begin(struct dict_json *json, struct arena *arena)
{
	memset(json, 0, sizeof(*json));
	json->arena = arena;
	dict_json_put(json, "{", 1);
}

void dict_json_string(struct dict_json *json, const char *name,
		      const char *value)
{
	dict_json_name(json, name);
	dict_json_quoted(json, value);
}

void dict_json_number(struct dict_json *json, const char *name,
		      const char *digits)
{
	dict_json_name(json, name);
	dict_json_puts(json, digits);
}

void dict_json_end(struct dict_json *json, struct dict_reply *reply)
{
	dict_json_put(json, "}", 1);
	dict_reply_found(reply, json->data, json->len);
}
