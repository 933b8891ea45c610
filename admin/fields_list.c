/* fields_list: list assignments (=, +=, -=) and send rules; see
 * fields_internal.h. */
#include "fields_internal.h"

#include <string.h>

#include "names.h"

/* "allow|deny:account:ADDRESS", "allow|deny:domain:DOMAIN",
 * "allow|deny:members" -> the normalised rule. */
static const char *fields_parse_rule(struct arena *arena, const char *text,
				     const char **error_r)
{
	char out[NAMES_ADDRESS_MAX + 1];
	const char *rest;
	const char *action;

	if (strncasecmp(text, "allow:", 6) == 0)
		action = "allow";
	else if (strncasecmp(text, "deny:", 5) == 0)
		action = "deny";
	else
		goto bad;
	rest = text + strlen(action) + 1;
	if (strcasecmp(rest, "members") == 0)
		return arena_printf(arena, "%s:members", action);
	if (strncasecmp(rest, "account:", 8) == 0) {
		if (names_address_normalize(rest + 8, strlen(rest + 8), out,
					    error_r) < 0)
			return NULL;
		return arena_printf(arena, "%s:account:%s", action, out);
	}
	if (strncasecmp(rest, "domain:", 7) == 0) {
		if (names_domain_normalize(rest + 7, strlen(rest + 7), out,
					   error_r) < 0)
			return NULL;
		return arena_printf(arena, "%s:domain:%s", action, out);
	}
bad:
	*error_r = arena_printf(
	    arena,
	    "\"%s\" is not a rule: use allow|deny:account:ADDRESS, "
	    "allow|deny:domain:DOMAIN or allow|deny:members",
	    text);
	return NULL;
}

static const char *fields_parse_item(const struct fields_env *env,
				     enum field_type type, const char *text,
				     const char **error_r)
{
	char out[NAMES_ADDRESS_MAX + 1];
	const char *why;

	if (type == FT_SENDRULES)
		return fields_parse_rule(env->arena, text, error_r);
	if (names_address_normalize(text, strlen(text), out, &why) < 0) {
		*error_r = arena_printf(env->arena, "%s: %s", text, why);
		return NULL;
	}
	return arena_strdup(env->arena, out);
}

static int fields_list_find(const struct strlist *list, const char *item)
{
	for (size_t i = 0; i < list->count; i++) {
		if (strcmp(list->items[i], item) == 0)
			return (int)i;
	}
	return -1;
}

/* The array has room: fields_apply_list sized it for every word. */
static void fields_list_append(struct strlist *list, const char *item)
{
	list->items[list->count++] = item;
}

static void fields_list_remove(struct strlist *list, size_t index)
{
	const char **items = list->items;

	memmove(items + index, items + index + 1,
		(list->count - index - 1) * sizeof(*items));
	list->count--;
}

static int fields_list_check(const struct strlist *list, const char **error_r)
{
	size_t total = 0;

	for (size_t i = 0; i < list->count; i++)
		total += strlen(list->items[i]) + 1;
	if (list->count > FIELDS_LIST_ITEMS_MAX ||
	    total > FIELDS_LIST_TEXT_MAX) {
		*error_r = "has too many items (an answer to Postfix holds at "
			   "most 100000 bytes)";
		return -1;
	}
	return 0;
}

/* Applies one item of a list assignment. */
static int fields_list_item(const struct fields_env *env,
			    const struct assign *assign, struct strlist *list,
			    const char *item, const char **error_r)
{
	int index = fields_list_find(list, item);

	if (assign->op == ASSIGN_REMOVE) {
		if (index < 0) {
			*error_r = arena_printf(env->arena,
						"%s is not in the list", item);
			return -1;
		}
		fields_list_remove(list, (size_t)index);
	} else if (index < 0) {
		fields_list_append(list, item);
	} else if (assign->op == ASSIGN_ADD) {
		*error_r =
		    arena_printf(env->arena, "%s is already in the list", item);
		return -1;
	}
	return 0;
}

int fields_apply_list(const struct fields_env *env, const struct assign *assign,
		      void *rec, const char **error_r)
{
	struct strlist *list = RECORD_FIELD(rec, assign->field, struct strlist);
	char *copy = arena_strdup(env->arena, assign->text);
	/* One array for the result, with room for every word of the text
	 * (at most (len + 1) / 2 of them): growing it per item would cost
	 * quadratic memory. It is also the copy on write: the record may
	 * share its old array with another. */
	size_t keep = assign->op == ASSIGN_SET ? 0 : list->count;
	const char **items = arena_alloc(
	    env->arena, (keep + (strlen(copy) + 1) / 2 + 1) * sizeof(*items));

	if (keep != 0)
		memcpy(items, list->items, keep * sizeof(*items));
	list->count = keep;
	list->items = items;
	for (char *save = NULL, *word = strtok_r(copy, ", \t", &save);
	     word != NULL; word = strtok_r(NULL, ", \t", &save)) {
		const char *item =
		    fields_parse_item(env, assign->field->type, word, error_r);
		if (item == NULL ||
		    fields_list_item(env, assign, list, item, error_r) < 0)
			return -1;
	}
	return fields_list_check(list, error_r);
}
