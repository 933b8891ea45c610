/*
 * fields_format: record field values -> text for tables and `show`, and
 * JSON for --json. Field names in JSON are the descriptor names: stable.
 */
#include "fields.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

static uint64_t fields_uint(const struct field_desc *field, const void *rec)
{
	if (field->type == FT_BOOL)
		return *RECORD_FIELD(rec, field, const bool);
	if (field->type == FT_ENUM || field->type == FT_SET)
		return *RECORD_FIELD(rec, field, const unsigned);
	return *RECORD_FIELD(rec, field, const uint64_t);
}

/* Exact, and short when it can be: 2G rather than 2147483648. */
static const char *fields_size_text(struct arena *arena, uint64_t bytes)
{
	static const char units[] = "kMGT";

	for (int i = 3; i >= 0; i--) {
		uint64_t unit = 1ull << (10 * (i + 1));
		if (bytes >= unit && bytes % unit == 0)
			return arena_printf(arena, "%" PRIu64 "%c",
					    bytes / unit, units[i]);
	}
	return arena_printf(arena, "%" PRIu64, bytes);
}

const char *fields_format_size(struct arena *arena, uint64_t bytes)
{
	if (bytes == RECORD_UNLIMITED)
		return "unlimited";
	return fields_size_text(arena, bytes);
}

static const char *fields_duration_text(struct arena *arena, uint64_t secs)
{
	static const struct {
		uint64_t secs;
		char unit;
	} units[] = {{604800, 'w'}, {86400, 'd'}, {3600, 'h'}, {60, 'm'}};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (secs >= units[i].secs && secs % units[i].secs == 0)
			return arena_printf(arena, "%" PRIu64 "%c",
					    secs / units[i].secs,
					    units[i].unit);
	}
	return arena_printf(arena, "%" PRIu64 "s", secs);
}

static const char *fields_time_text(struct arena *arena, uint64_t when)
{
	time_t t = (time_t)when;
	struct tm tm;
	char buf[32];

	if (when == 0)
		return "";
	/* always with "Z": a date alone would be read back in the
	 * mailbox's time zone (autoreply.h), and export must round-trip */
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return arena_strdup(arena, buf);
}

static const char *fields_set_text(struct arena *arena,
				   const char *const *names, unsigned bits)
{
	const char *text = "";

	for (int i = 0; names[i] != NULL; i++) {
		if ((bits & (1u << i)) != 0)
			text =
			    arena_printf(arena, "%s%s%s", text,
					 text[0] != '\0' ? "," : "", names[i]);
	}
	return text;
}

/* Sized first: appending item by item would copy the text n times. */
const char *fields_list_join(struct arena *arena, const struct strlist *list,
			     const char *sep)
{
	size_t len = 0, sep_len = strlen(sep);
	char *text, *p;

	for (size_t i = 0; i < list->count; i++)
		len += strlen(list->items[i]) + sep_len;
	p = text = arena_alloc(arena, len + 1);
	for (size_t i = 0; i < list->count; i++) {
		size_t n = strlen(list->items[i]);
		if (i != 0) {
			memcpy(p, sep, sep_len);
			p += sep_len;
		}
		memcpy(p, list->items[i], n);
		p += n;
	}
	*p = '\0';
	return text;
}

static const char *fields_uint_text(const struct field_desc *field,
				    uint64_t value, struct arena *arena)
{
	switch (field->type) {
	case FT_BOOL:
		return value != 0 ? "yes" : "no";
	case FT_ENUM:
		/* A newer writer's value may have no name here: a number. */
		for (uint64_t i = 0; field->enum_names[i] != NULL; i++) {
			if (i == value)
				return field->enum_names[i];
		}
		break;
	case FT_SET:
		return fields_set_text(arena, field->enum_names,
				       (unsigned)value);
	case FT_TIME:
		return fields_time_text(arena, value);
	case FT_DURATION:
		return fields_duration_text(arena, value);
	default:
		break;
	}
	if (value == RECORD_UNLIMITED)
		return "unlimited";
	if (field->type == FT_SIZE && value == RECORD_INHERIT &&
	    (field->flags & FF_INHERIT) != 0)
		return "inherit";
	if (field->type == FT_SIZE)
		return fields_size_text(arena, value);
	return arena_printf(arena, "%" PRIu64, value);
}

const char *fields_format(const struct field_desc *field, const void *rec,
			  struct arena *arena)
{
	if (field_type_is_uint(field->type))
		return fields_uint_text(field, fields_uint(field, rec), arena);
	if (field_type_is_list(field->type))
		return fields_list_join(
		    arena, RECORD_FIELD(rec, field, const struct strlist),
		    ", ");
	const char *s = *RECORD_FIELD(rec, field, const char *const);
	if (field->type == FT_SECRET)
		return s[0] != '\0' ? "(set)" : "";
	return s;
}

void fields_quote(const char *s, bool json, FILE *out)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';
	     p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p == '\t')
			fputs("\\t", out);
		else if (*p < 0x20 && json)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

void fields_json_string(const char *s, FILE *out)
{
	fields_quote(s, true, out);
}

static void fields_json_list(const struct strlist *list, FILE *out)
{
	fputc('[', out);
	for (size_t i = 0; i < list->count; i++) {
		if (i != 0)
			fputs(", ", out);
		fields_json_string(list->items[i], out);
	}
	fputc(']', out);
}

static void fields_json_uint(const struct field_desc *field, uint64_t value,
			     FILE *out)
{
	struct arena arena;

	switch (field->type) {
	case FT_BOOL:
		fputs(value != 0 ? "true" : "false", out);
		return;
	case FT_COUNT:
	case FT_SIZE:
	case FT_PORT:
	case FT_DURATION:
		if (value == RECORD_UNLIMITED ||
		    (value == RECORD_INHERIT &&
		     (field->flags & FF_INHERIT) != 0))
			break;
		fprintf(out, "%" PRIu64, value);
		return;
	case FT_TIME:
		if (value == 0) {
			fputs("null", out);
			return;
		}
		break;
	default:
		break;
	}
	arena_init(&arena, 256);
	fields_json_string(fields_uint_text(field, value, &arena), out);
	arena_deinit(&arena);
}

void fields_format_json(const struct field_desc *field, const void *rec,
			FILE *out)
{
	if (field_type_is_uint(field->type)) {
		fields_json_uint(field, fields_uint(field, rec), out);
	} else if (field_type_is_list(field->type)) {
		fields_json_list(RECORD_FIELD(rec, field, const struct strlist),
				 out);
	} else if (field->type == FT_SECRET) {
		const char *s = *RECORD_FIELD(rec, field, const char *const);
		fputs(s[0] != '\0' ? "true" : "false", out);
	} else {
		fields_json_string(*RECORD_FIELD(rec, field, const char *const),
				   out);
	}
}

bool fields_equal(const struct field_desc *field, const void *a, const void *b)
{
	if (field_type_is_uint(field->type))
		return fields_uint(field, a) == fields_uint(field, b);
	if (field_type_is_list(field->type)) {
		const struct strlist *la =
		    RECORD_FIELD(a, field, const struct strlist);
		const struct strlist *lb =
		    RECORD_FIELD(b, field, const struct strlist);
		if (la->count != lb->count)
			return false;
		for (size_t i = 0; i < la->count; i++) {
			if (strcmp(la->items[i], lb->items[i]) != 0)
				return false;
		}
		return true;
	}
	return strcmp(*RECORD_FIELD(a, field, const char *const),
		      *RECORD_FIELD(b, field, const char *const)) == 0;
}
