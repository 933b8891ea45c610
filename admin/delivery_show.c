/*
 * delivery_show: what `show` says of the targets of a list, the forwards
 * of a mailbox and a domain's catch-all that take no mail now, and why
 * (disabled, inactive domain...), judged by the lookups themselves
 * (lookup_reach(), the function the aliases map filters with).
 */
#include "delivery.h"

#include <string.h>

#include "lookup.h"

/* An address as a JSON string (addresses hold no control bytes). */
static const char *json_quoted(struct op *op, const char *s)
{
	const char *out = "\"";

	for (; *s != '\0'; s++)
		out = arena_printf(op->arena, "%s%s%c", out,
				   *s == '"' || *s == '\\' ? "\\" : "", *s);
	return arena_printf(op->arena, "%s\"", out);
}

void delivery_show(struct op *op, const char *name,
		   const struct strlist *targets, kind_emit_fn *emit, void *ctx)
{
	struct lookup_ctx lctx = {op->txn, op->arena, op->delimiters};
	const char *text = "", *json = "";

	for (size_t i = 0; i < targets->count; i++) {
		const char *target = targets->items[i], *why;
		enum lookup_reach reach;
		if (lookup_reach(&lctx, target, strlen(target), &reach) !=
		    LOOKUP_FOUND)
			why = "unknown: the store cannot be read";
		else if (lookup_reach_takes_mail(reach))
			continue;
		else
			why = lookup_reach_name(reach);
		text = arena_printf(op->arena, "%s%s%s (%s)", text,
				    text[0] != '\0' ? ", " : "", target, why);
		json = arena_printf(
		    op->arena, "%s%s{\"address\": %s, \"why\": \"%s\"}", json,
		    json[0] != '\0' ? ", " : "", json_quoted(op, target), why);
	}
	emit(ctx, name, text[0] != '\0' ? text : "none",
	     arena_printf(op->arena, "[%s]", json));
}
