/*
 * fields: reading and writing record fields as text, driven by the field
 * descriptors of records.h. One parser per field type validates admin input
 * (the message names what is wrong; the caller adds the field name), one
 * formatter renders a value for tables, `show` and JSON.
 */
#ifndef MAILMAP_FIELDS_H
#define MAILMAP_FIELDS_H

#include <stdio.h>

#include "arena.h"
#include "records.h"

/* The longest answer a socketmap value may have (Postfix's reply limit,
 * dict_sockmap.c), minus "OK ". Address lists must fit in it. */
#define FIELDS_LIST_TEXT_MAX (100000 - 3)

enum assign_op { ASSIGN_SET, ASSIGN_ADD, ASSIGN_REMOVE };

/* One "name=value", "name+=value" or "name-=value" argument. */
struct assign {
	const struct field_desc *field;
	enum assign_op op;
	const char *text;
	bool from_stdin; /* a password read with --password, not an argument */
};

struct fields_env {
	struct arena *arena;
	int password_scheme; /* enum password_scheme */
	unsigned password_rounds;
};

/* Splits "name[+-]=value" for desc. 0, or -1 with a message. */
int fields_parse_assign(const struct record_desc *desc, const char *arg,
			struct assign *assign_r, const char **error_r);
/* Applies an assignment to rec. 0, or -1 with a message naming the field. */
int fields_apply(const struct fields_env *env, const struct assign *assign,
		 void *rec, const char **error_r);
/* Is a date given without "Z", so in the mailbox's time zone (FT_TIME
 * values are read as if in UTC; kind_mailbox moves them)? */
bool fields_time_is_local(const char *text);
/* Sets every field of rec to its default. */
void fields_defaults(const struct fields_env *env,
		     const struct record_desc *desc, void *rec);
/* Normalises a key given on the command line for desc's key field. */
int fields_parse_key(const struct fields_env *env,
		     const struct record_desc *desc, const char *text,
		     const char **key_r, const char **error_r);

/* The value as text ("unlimited", "2G", "yes", "a@x, b@x"...). Secrets
 * come out as "(set)" or "". */
const char *fields_format(const struct field_desc *field, const void *rec,
			  struct arena *arena);
/* The value as a JSON value; secrets as true/false. */
void fields_format_json(const struct field_desc *field, const void *rec,
			FILE *out);
/* The items of list joined by sep. */
const char *fields_list_join(struct arena *arena, const struct strlist *list,
			     const char *sep);
/* A size as `show` writes it: "unlimited", "2G", "5000". */
const char *fields_format_size(struct arena *arena, uint64_t bytes);
/* Writes s as a JSON string. */
void fields_json_string(const char *s, FILE *out);
/* Writes s in double quotes with \" \\ \n \t escapes (what a batch
 * line reads back, words.h); json: other control bytes as \u00XX too. */
void fields_quote(const char *s, bool json, FILE *out);
/* Whether two records have the same value in field. */
bool fields_equal(const struct field_desc *field, const void *a, const void *b);

#endif
