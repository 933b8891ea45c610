/*
 * config_walk.c - a settings table (config_table.h) against a parsed
 * libconfig tree: the defaults of every row, then every setting found in
 * a group, by its dotted path relative to the scope. Groups that hold
 * rows are walked into; anything else the table does not know is refused,
 * except, at the root, the lists and groups with loaders of their own
 * (listeners, the policy whitelists, dovecot). Messages are "file:line:
 * path: reason".
 */
#include "config_dovecot.h"
#include "config_table.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int config_load_fail(const struct load *ld, const config_setting_t *s,
		     const char *fmt, ...)
{
	char reason[CONFIG_REASON_MAX + CONFIG_MAX_PATH];
	va_list args;

	va_start(args, fmt);
	vsnprintf(reason, sizeof(reason), fmt, args);
	va_end(args);
	if (s == NULL)
		return config_fail(ld->error_r, "%s: %s", ld->file, reason);
	return config_fail_setting(ld->file, s, ld->error_r, reason);
}

static void *scope_field(const struct scope *scope, const struct setting *def)
{
	return (char *)scope->base + def->offset;
}

static const struct setting *find_setting(const struct scope *scope,
					  const char *path)
{
	for (size_t i = 0; i < scope->count; i++) {
		if (strcmp(scope->settings[i].path, path) == 0)
			return &scope->settings[i];
	}
	return NULL;
}

/* True if path is a group that holds some setting of the scope. */
static bool is_group_path(const struct scope *scope, const char *path)
{
	size_t len = strlen(path);

	for (size_t i = 0; i < scope->count; i++) {
		const char *p = scope->settings[i].path;

		if (strncmp(p, path, len) == 0 && p[len] == '.')
			return true;
	}
	return false;
}

/* The scalar s as text: the string itself, digits or true/false. */
static const char *setting_text(const config_setting_t *s, char *buf,
				size_t size)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_STRING:
		return config_setting_get_string(s);
	case CONFIG_TYPE_BOOL:
		return config_setting_get_bool(s) ? "true" : "false";
	}
	snprintf(buf, size, "%lld", config_setting_get_int64(s));
	return buf;
}

static int apply_setting(const struct load *ld, const struct scope *scope,
			 const struct setting *def, const char *path,
			 const config_setting_t *s)
{
	const struct kind_ops *ops = &config_kinds[def->kind];
	char number[32], shown[CONFIG_SHOWN_MAX], reason[CONFIG_REASON_MAX];
	const char *text, *quote;

	if ((ops->types & TYPE_BIT(config_setting_type(s))) == 0)
		return config_load_fail(ld, s, "%s: expected %s, got %s", path,
					ops->expected,
					config_setting_type_name(s));
	text = setting_text(s, number, sizeof(number));
	quote = config_setting_type(s) == CONFIG_TYPE_STRING ? "\"" : "";
	snprintf(shown, sizeof(shown), "%s%.64s%s", quote, text, quote);
	if (ops->parse(def, text, shown, scope_field(scope, def), reason,
		       sizeof(reason)) < 0)
		return config_load_fail(ld, s, "%s: %s", path, reason);
	return 0;
}

static int walk_setting(const struct load *ld, const struct scope *scope,
			const config_setting_t *s, const char *path)
{
	const struct setting *def = find_setting(scope, path);
	bool is_group = config_setting_is_group(s);

	if (def != NULL)
		return apply_setting(ld, scope, def, path, s);
	/* the list of groups has its own table: config_listeners.c */
	if (scope->is_root && strcmp(path, CONFIG_LISTENERS_PATH) == 0)
		return config_listeners_load(ld->file, s, scope->base,
					     ld->error_r);
	/* the policy whitelists are arrays: config_policy.c */
	if (scope->is_root && config_policy_is_list(path))
		return config_policy_list_load(ld->file, s, path, scope->base,
					       ld->error_r);
	/* the dovecot group has its own table: config_dovecot.c */
	if (scope->is_root && strcmp(path, CONFIG_DOVECOT_PATH) == 0)
		return config_dovecot_load(ld->file, s, scope->base,
					   ld->error_r);
	if (!is_group_path(scope, path))
		return config_load_fail(ld, s, "unknown %s \"%s\"",
					is_group ? "group" : "setting", path);
	if (!is_group)
		return config_load_fail(ld, s, "%s: expected a group, got %s",
					path, config_setting_type_name(s));
	return config_walk_group(ld, scope, s, path);
}

int config_walk_group(const struct load *ld, const struct scope *scope,
		      const config_setting_t *group, const char *prefix)
{
	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *s = config_setting_get_elem(group, i);
		const char *name = config_setting_name(s);
		char path[CONFIG_MAX_PATH];
		int len = snprintf(path, sizeof(path), "%s%s%s", prefix,
				   prefix[0] == '\0' ? "" : ".", name);

		if (len < 0 || (size_t)len >= sizeof(path))
			return config_load_fail(ld, s, "unknown setting \"%s\"",
						name);
		if (walk_setting(ld, scope, s, path) < 0)
			return -1;
	}
	return 0;
}

int config_walk_defaults(const struct load *ld, const struct scope *scope)
{
	char shown[CONFIG_SHOWN_MAX], reason[CONFIG_REASON_MAX];

	for (size_t i = 0; i < scope->count; i++) {
		const struct setting *def = &scope->settings[i];

		snprintf(shown, sizeof(shown), "\"%s\"", def->default_text);
		if (config_kinds[def->kind].parse(def, def->default_text, shown,
						  scope_field(scope, def),
						  reason, sizeof(reason)) < 0)
			return config_load_fail(ld, NULL, "default of %s: %s",
						def->path, reason);
	}
	return 0;
}
