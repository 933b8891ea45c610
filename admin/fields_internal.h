/*
 * fields_internal: what the parts of the field parsers share; not for use
 * outside fields_*.c. The contracts are in fields.h.
 *
 *   fields_parse.c   the parser of each field type, assignments, defaults
 *   fields_text.c    names, text, domains, addresses, offers, hosts,
 *                    paths, secrets
 *   fields_value.c   booleans, numbers, sizes, ports, enums, sets,
 *                    times, durations, languages, time zones
 *   fields_list.c    list assignments (=, +=, -=) and send rules
 */
#ifndef MAILMAP_FIELDS_INTERNAL_H
#define MAILMAP_FIELDS_INTERNAL_H

#include <stdbool.h>

#include "fields.h"

#define FIELDS_NAME_MAX	      64
#define FIELDS_TEXT_MAX	      256
#define FIELDS_LONGTEXT_MAX   65536
#define FIELDS_PATH_MAX	      1024
#define FIELDS_COUNT_MAX      1000000000ull
#define FIELDS_LIST_ITEMS_MAX 10000

/* Parses text into field of rec: 0, or -1 with *error_r. */
typedef int parse_fn(const struct fields_env *env,
		     const struct field_desc *field, const char *text,
		     void *rec, const char **error_r);

parse_fn parse_name, parse_text, parse_domain, parse_address, parse_offer,
    parse_host, parse_path, parse_secret;
parse_fn parse_bool, parse_count, parse_size, parse_port, parse_enum, parse_set,
    parse_time, parse_duration, parse_language, parse_timezone;

/* Does s hold a control character (newlines and tabs allowed on
 * request)? */
bool fields_has_control(const char *s, bool allow_newlines);
/* Does a path hold a ".." component? */
bool fields_has_dotdot(const char *path);
/* Sets a string field to an arena copy of value. */
void fields_set_str(const struct fields_env *env,
		    const struct field_desc *field, void *rec,
		    const char *value);

/* A list field: the assignment's items applied (fields_list.c). */
int fields_apply_list(const struct fields_env *env, const struct assign *assign,
		      void *rec, const char **error_r);

#endif
