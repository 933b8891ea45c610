/*
 * fields_parse: admin input text -> record field values: the checked
 * parser of each field type (see enum field_type in records.h; the parsers
 * are in fields_text.c, fields_value.c and fields_list.c), assignments
 * and defaults.
 */
#include "fields_internal.h"

#include <stdlib.h>
#include <string.h>

#include "names.h"

static parse_fn *const field_parsers[] = {
    [FT_NAME] = parse_name,	    [FT_TEXT] = parse_text,
    [FT_LONGTEXT] = parse_text,	    [FT_DOMAIN] = parse_domain,
    [FT_ADDRESS] = parse_address,   [FT_OFFER] = parse_offer,
    [FT_HOST] = parse_host,	    [FT_PATH] = parse_path,
    [FT_RELPATH] = parse_path,	    [FT_SECRET] = parse_secret,
    [FT_BOOL] = parse_bool,	    [FT_COUNT] = parse_count,
    [FT_SIZE] = parse_size,	    [FT_PORT] = parse_port,
    [FT_ENUM] = parse_enum,	    [FT_SET] = parse_set,
    [FT_TIME] = parse_time,	    [FT_DURATION] = parse_duration,
    [FT_LANGUAGE] = parse_language, [FT_TIMEZONE] = parse_timezone,
};

int fields_apply(const struct fields_env *env, const struct assign *assign,
		 void *rec, const char **error_r)
{
	const struct field_desc *field = assign->field;
	const char *why = NULL;
	int ret;

	if (!names_is_valid_utf8(assign->text, strlen(assign->text))) {
		why = "is not valid UTF-8";
		ret = -1;
	} else if (field_type_is_list(field->type)) {
		ret = fields_apply_list(env, assign, rec, &why);
	} else if (assign->op != ASSIGN_SET) {
		why = "is not a list: use name=value";
		ret = -1;
	} else {
		ret = field_parsers[field->type](env, field, assign->text, rec,
						 &why);
	}
	if (ret < 0)
		*error_r = arena_printf(env->arena, "%s: %s", field->name, why);
	return ret;
}

void fields_defaults(const struct fields_env *env,
		     const struct record_desc *desc, void *rec)
{
	memset(rec, 0, desc->size);
	for (size_t i = 0; i < desc->field_count; i++) {
		const struct field_desc *field = &desc->fields[i];
		struct assign assign = {field, ASSIGN_SET, field->default_text};
		const char *error;

		if (!field_type_is_uint(field->type) &&
		    !field_type_is_list(field->type))
			*RECORD_FIELD(rec, field, const char *) = "";
		if (field->default_text != NULL &&
		    field->default_text[0] != '\0' &&
		    fields_apply(env, &assign, rec, &error) < 0)
			abort(); /* a default that does not parse is a bug */
	}
}

int fields_parse_assign(const struct record_desc *desc, const char *arg,
			struct assign *assign_r, const char **error_r)
{
	static _Thread_local char name[FIELDS_NAME_MAX + 1];
	const char *eq = strchr(arg, '=');
	size_t len;

	if (eq == NULL || eq == arg) {
		*error_r = "expected name=value";
		return -1;
	}
	len = (size_t)(eq - arg);
	memset(assign_r, 0, sizeof(*assign_r)); /* never from_stdin */
	assign_r->op = ASSIGN_SET;
	if (eq[-1] == '+' || eq[-1] == '-') {
		assign_r->op = eq[-1] == '+' ? ASSIGN_ADD : ASSIGN_REMOVE;
		len--;
	}
	if (len == 0 || len > FIELDS_NAME_MAX) {
		*error_r = "expected name=value";
		return -1;
	}
	memcpy(name, arg, len);
	name[len] = '\0';
	assign_r->field = record_field(desc, name);
	assign_r->text = eq + 1;
	if (assign_r->field == NULL ||
	    (assign_r->field->flags & (FF_KEY | FF_READONLY)) != 0) {
		*error_r = assign_r->field == NULL ? "unknown field"
						   : "field cannot be set";
		return -1;
	}
	return 0;
}

int fields_parse_key(const struct fields_env *env,
		     const struct record_desc *desc, const char *text,
		     const char **key_r, const char **error_r)
{
	const struct field_desc *field = &desc->fields[0];
	void *scratch = arena_zalloc(env->arena, desc->size);
	struct assign assign = {field, ASSIGN_SET, text};

	if (fields_apply(env, &assign, scratch, error_r) < 0)
		return -1;
	*key_r = *RECORD_FIELD(scratch, field, const char *);
	return 0;
}
