/* op: failure, notes and purges of one admin command; see op.h. */
#include "op.h"

#include <stdarg.h>
#include <string.h>

void strvec_push(struct arena *arena, struct strvec *vec, const char *item)
{
	if (vec->count == vec->cap) {
		size_t cap = vec->cap != 0 ? vec->cap * 2 : 16;
		const char **items = arena_alloc(arena, cap * sizeof(*items));
		if (vec->count != 0)
			memcpy(items, vec->items, vec->count * sizeof(*items));
		vec->items = items;
		vec->cap = cap;
	}
	vec->items[vec->count++] = item;
}

int op_fail(struct op *op, int status, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	if (op->error != NULL)
		return -1; /* keep the first, most specific reason */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	op->error = arena_strdup(op->keep, buf);
	op->status = status;
	return -1;
}

int op_store_fail(struct op *op)
{
	/* Input is validated before it reaches the store: a failure there is
	 * the store's (locked, full, unreadable, corrupt). */
	return op_fail(op, CTL_TEMPFAIL, "%s", store_txn_error(op->txn));
}

/* Appends a formatted line to vec, kept until the end. */
static void op_keep_line(struct op *op, struct strvec *vec, const char *fmt,
			 va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	strvec_push(op->keep, vec, arena_strdup(op->keep, buf));
}

void op_note(struct op *op, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	op_keep_line(op, op->notes, fmt, ap);
	va_end(ap);
}

void op_warn(struct op *op, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	op_keep_line(op, op->warnings, fmt, ap);
	va_end(ap);
}

void op_purge(struct op *op, const char *address)
{
	strvec_push(op->keep, op->purges, arena_strdup(op->keep, address));
}
