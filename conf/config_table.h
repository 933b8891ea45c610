/*
 * config_table.h - the settings table of mailmapd.conf and what walks it,
 * shared by config.c (the settings[] rows, the rules, config_load),
 * config_kinds.c (a row's kind: text into a typed field), config_walk.c
 * (the libconfig tree and the defaults against a table) and
 * config_file.c (reading and parsing the file).
 *
 * Limits: dotted paths are shorter than CONFIG_MAX_PATH.
 */
#ifndef MAILMAP_CONFIG_TABLE_H
#define MAILMAP_CONFIG_TABLE_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config_internal.h"

#define CONFIG_MAX_PATH	 128
#define CONFIG_SHOWN_MAX 80

enum kind {
	KIND_STRING,   /* char *, length min..max, optional check */
	KIND_PATH,     /* char *, absolute path */
	KIND_BOOL,     /* bool */
	KIND_UINT,     /* unsigned, min..max (max <= UINT_MAX) */
	KIND_SIZE,     /* uint64_t bytes, "64M" or integer, min..max */
	KIND_DURATION, /* uint64_t seconds, "5m" or integer, min..max */
	KIND_ENUM,     /* int, index into names[] */
	KIND_FACILITY, /* int, config_facility_values[] of the name's index */
	KIND_COUNT
};

struct setting {
	const char *path; /* dotted, relative to the scope */
	enum kind kind;
	size_t offset;		  /* of the field in the scope's struct */
	const char *default_text; /* parsed like a value in the file */
	uint64_t min, max;	  /* numbers: range; strings: length */
	const char *const *names; /* KIND_ENUM: NULL-terminated */
	const char *(*check)(const char *value); /* NULL or reason */
	const char *doc;
};

/* A table and the struct its offsets point into. */
struct scope {
	const struct setting *settings;
	size_t count;
	void *base;
	bool is_root; /* the whole file: the lists and dovecot group too */
};

/* Where messages point to: the file being loaded and its parsed tree. */
struct load {
	const char *file;
	const config_t *tree; /* NULL when loading defaults only */
	char **error_r;
};

/* Text (shown as shown in messages) into field; 0, or -1 with why in
   reason[size]. */
typedef int kind_parse_fn(const struct setting *def, const char *text,
			  const char *shown, void *field, char *reason,
			  size_t size);

struct kind_ops {
	const char *expected; /* for wrong-type messages */
	unsigned types;	      /* accepted libconfig types, as bits */
	bool owns_string;     /* the field is a malloc'ed char * */
	kind_parse_fn *parse;
};

/* One per enum kind, by kind (config_kinds.c). */
extern const struct kind_ops config_kinds[KIND_COUNT];

/* "file:line: reason" for setting s; "file: reason" when s is NULL.
   Returns -1. */
int config_load_fail(const struct load *ld, const config_setting_t *s,
		     const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets every field of scope to its row's default; 0, or -1 (message in
 *ld->error_r). */
int config_walk_defaults(const struct load *ld, const struct scope *scope);

/* Applies every setting of group (path prefix, "" for the root) to scope,
   refusing what the table does not know; 0, or -1 (message in
   *ld->error_r). */
int config_walk_group(const struct load *ld, const struct scope *scope,
		      const config_setting_t *group, const char *prefix);

/* Reads path (at most CONFIG_MAX_FILE_SIZE bytes, no NUL byte), refuses
   integers libconfig would truncate and parses it into tree, which the
   caller has config_init()ed; 0, or -1 with a malloc'ed message in
   *error_r. */
int config_file_parse(const char *path, config_t *tree, char **error_r);

#endif
