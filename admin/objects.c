/* objects: generic verbs over every kind; see objects.h. */
#include "objects.h"

#include <string.h>

#define OBJECTS_NAMED_MAX 5 /* blockers named in a refusal */

/* "a mailbox", "an alias". */
static const char *object_noun(struct op *op, const struct kind *kind)
{
	const char *name = kind_desc(kind)->name;

	return arena_printf(op->arena, "%s %s",
			    strchr("aeiou", name[0]) != NULL ? "an" : "a",
			    name);
}

const char *object_key(const struct kind *kind, const void *rec)
{
	return *RECORD_FIELD(rec, &kind_desc(kind)->fields[0],
			     const char *const);
}

void *object_copy(struct op *op, const struct kind *kind, const void *rec)
{
	size_t size = kind_desc(kind)->size;
	void *copy = arena_alloc(op->arena, size);

	memcpy(copy, rec, size);
	return copy;
}

int object_find(struct op *op, const struct kind *kind, const char *key,
		void **rec_r, const struct kind **other_r)
{
	const struct record_desc *desc = kind_desc(kind);
	struct store_val value;
	enum record_type type;
	const char *why;
	int ret = store_get(op->txn, kind->table, key, strlen(key), &value);

	if (other_r != NULL)
		*other_r = NULL;
	if (ret == STORE_NOTFOUND)
		return 0;
	if (ret != STORE_OK)
		return op_store_fail(op);
	if (record_peek_type(value.data, value.len, &type) < 0)
		return op_fail(op, CTL_TEMPFAIL, "%s: stored record is corrupt",
			       key);
	if (type != kind->type) {
		if (other_r != NULL)
			*other_r = kind_of_type(type);
		return 0;
	}
	*rec_r = arena_alloc(op->arena, desc->size);
	if (record_decode(desc, key, strlen(key), value.data, value.len,
			  op->arena, *rec_r, &why) < 0)
		return op_fail(op, CTL_TEMPFAIL, "%s: %s", key, why);
	return 1;
}

/* The object a command names is "not found" (2); one it refers to is bad
 * input (1). */
static int object_missing(struct op *op, int status, const struct kind *kind,
			  const char *key, const struct kind *other)
{
	if (other != NULL)
		return op_fail(op, CTL_INPUT, "%s is %s, not %s", key,
			       object_noun(op, other), object_noun(op, kind));
	return op_fail(op, status, "no such %s %s", kind_desc(kind)->name, key);
}

int object_load(struct op *op, const struct kind *kind, const char *key,
		void **rec_r)
{
	const struct kind *other;
	int ret = object_find(op, kind, key, rec_r, &other);

	if (ret == 0)
		return object_missing(op, CTL_NOTFOUND, kind, key, other);
	return ret > 0 ? 0 : -1;
}

static struct ref_list object_refs(struct op *op, const struct kind *kind,
				   const void *rec)
{
	struct ref_list refs = {0};

	if (kind->refs != NULL)
		kind->refs(op, rec, &refs);
	return refs;
}

static void object_refs_write(struct op *op, const struct kind *kind,
			      const void *rec, bool add)
{
	struct ref_list refs = object_refs(op, kind, rec);
	const char *key = object_key(kind, rec);

	for (size_t i = 0; i < refs.count; i++) {
		if (add)
			refs_add(op->txn, refs.items[i].kind,
				 refs.items[i].name, kind->ref_kind, key);
		else
			refs_del(op->txn, refs.items[i].kind,
				 refs.items[i].name, kind->ref_kind, key);
	}
}

/* Every reference of rec points at an existing object of the right kind. */
static int object_refs_check(struct op *op, const struct kind *kind,
			     const void *rec)
{
	struct ref_list refs = object_refs(op, kind, rec);

	for (size_t i = 0; i < refs.count; i++) {
		const struct kind *target = kind_of_ref(refs.items[i].kind);
		const struct kind *other;
		void *found;
		int ret;

		if (target == NULL)
			continue; /* REF_RECIPIENT: any address */
		ret =
		    object_find(op, target, refs.items[i].name, &found, &other);
		if (ret < 0)
			return -1;
		if (ret == 0)
			return object_missing(op, CTL_INPUT, target,
					      refs.items[i].name, other);
	}
	return 0;
}

static int object_write(struct op *op, const struct kind *kind, const void *rec,
			unsigned flags)
{
	struct codec_buf buf;
	const char *key = object_key(kind, rec);
	int ret;

	codec_buf_init(&buf);
	record_encode(kind_desc(kind), rec, &buf);
	ret = store_put(op->txn, kind->table, key, strlen(key), buf.data,
			buf.len, flags);
	codec_buf_deinit(&buf);
	if (ret == STORE_EXISTS) {
		const struct kind *other;
		void *found;
		if (object_find(op, kind, key, &found, &other) < 0)
			return -1;
		return op_fail(op, CTL_INPUT, "%s is already %s", key,
			       object_noun(op, other != NULL ? other : kind));
	}
	return ret == STORE_OK ? 0 : op_store_fail(op);
}

int object_insert(struct op *op, const struct kind *kind, void *rec)
{
	if (kind->complete != NULL)
		kind->complete(op, rec);
	if (object_write(op, kind, rec, STORE_PUT_NEW) < 0)
		return -1;
	object_refs_write(op, kind, rec, true);
	if (kind->after_write != NULL && kind->after_write(op, NULL, rec) < 0)
		return -1;
	if (object_refs_check(op, kind, rec) < 0)
		return -1;
	if (kind->check != NULL && kind->check(op, NULL, rec) < 0)
		return -1;
	return store_txn_failed(op->txn) ? op_store_fail(op) : 0;
}

int object_update(struct op *op, const struct kind *kind, const void *old,
		  void *rec)
{
	if (object_write(op, kind, rec, 0) < 0)
		return -1;
	object_refs_write(op, kind, old, false);
	object_refs_write(op, kind, rec, true);
	if (kind->after_write != NULL && kind->after_write(op, old, rec) < 0)
		return -1;
	if (object_refs_check(op, kind, rec) < 0)
		return -1;
	if (kind->check != NULL && kind->check(op, old, rec) < 0)
		return -1;
	return store_txn_failed(op->txn) ? op_store_fail(op) : 0;
}

/* Who still points at an object, grouped by kind, for a refusal. */
struct blockers {
	struct op *op;
	enum ref_kind kind;
	size_t count; /* of the current kind */
	size_t total;
	const char *text; /* "3 mailboxes: a@x, b@x, c@x; 1 alias: l@x" */
	const char *names;
};

static void blockers_flush(struct blockers *b)
{
	const char *more = "";

	if (b->count == 0)
		return;
	if (b->count > OBJECTS_NAMED_MAX)
		more = arena_printf(b->op->arena, " and %zu more",
				    b->count - OBJECTS_NAMED_MAX);
	b->text =
	    arena_printf(b->op->arena, "%s%s%zu %s: %s%s", b->text,
			 b->text[0] != '\0' ? "; " : "", b->count,
			 refs_kind_name(b->kind, b->count), b->names, more);
	b->count = 0;
	b->names = "";
}

static int blockers_add(void *context, enum ref_kind kind, const char *from,
			size_t len)
{
	struct blockers *b = context;

	if (kind == REF_RECIPIENT)
		return 0; /* list targets may name anything */
	if (kind != b->kind)
		blockers_flush(b);
	b->kind = kind;
	if (b->count++ < OBJECTS_NAMED_MAX)
		b->names = arena_printf(b->op->arena, "%s%s%.*s", b->names,
					b->names[0] != '\0' ? ", " : "",
					(int)len, from);
	b->total++;
	return 0;
}

static int object_check_unused(struct op *op, const struct kind *kind,
			       const char *key, bool recursive_hint)
{
	struct blockers b = {op, REF_ANY, 0, 0, "", ""};

	if (refs_each(op->txn, kind->ref_kind, key, REF_ANY, blockers_add,
		      &b) != 0)
		return op_store_fail(op);
	blockers_flush(&b);
	if (b.total == 0)
		return 0;
	return op_fail(op, CTL_INPUT, "%s %s is used by %s%s",
		       kind_desc(kind)->name, key, b.text,
		       recursive_hint
			   ? " (delete with --recursive to remove them too)"
			   : "");
}

int object_remove(struct op *op, const struct kind *kind, const void *rec,
		  bool recursive)
{
	const char *key = object_key(kind, rec);

	if (kind->before_delete != NULL &&
	    kind->before_delete(op, rec, recursive) < 0)
		return -1;
	if (object_check_unused(op, kind, key, kind == &kind_domain) < 0)
		return -1;
	object_refs_write(op, kind, rec, false);
	if (store_del(op->txn, kind->table, key, strlen(key), NULL) < 0)
		return op_store_fail(op);
	return store_txn_failed(op->txn) ? op_store_fail(op) : 0;
}

static int object_apply(struct op *op, const struct kind *kind, void *rec,
			const struct assign *assigns, size_t count)
{
	const char *why;

	for (size_t i = 0; i < count; i++) {
		if (assigns[i].field->type == FT_SECRET &&
		    !op->secrets_allowed && !assigns[i].from_stdin)
			return op_fail(op, CTL_INPUT,
				       "%s: give passwords on standard input "
				       "with --password, not as arguments",
				       assigns[i].field->name);
		if (fields_apply(&op->fenv, &assigns[i], rec, &why) < 0)
			return op_fail(op, CTL_INPUT, "%s", why);
	}
	if (kind->after_assign != NULL)
		return kind->after_assign(op, rec, assigns, count);
	return 0;
}

static int object_check_required(struct op *op, const struct kind *kind,
				 const struct assign *assigns, size_t count)
{
	const struct record_desc *desc = kind_desc(kind);

	for (size_t i = 0; i < desc->field_count; i++) {
		const struct field_desc *field = &desc->fields[i];
		bool given = false;

		if ((field->flags & FF_REQUIRED) == 0)
			continue;
		for (size_t j = 0; j < count && !given; j++)
			given = assigns[j].field == field;
		if (!given)
			return op_fail(op, CTL_INPUT,
				       "%s: required when adding %s",
				       field->name, object_noun(op, kind));
	}
	return 0;
}

static int object_parse_key(struct op *op, const struct kind *kind,
			    const char *key_text, const char **key_r)
{
	const char *why;

	if (fields_parse_key(&op->fenv, kind_desc(kind), key_text, key_r,
			     &why) < 0)
		return op_fail(op, CTL_INPUT, "%s", why);
	return 0;
}

int object_add(struct op *op, const struct kind *kind, const char *key_text,
	       const struct assign *assigns, size_t count)
{
	const struct record_desc *desc = kind_desc(kind);
	void *rec = arena_alloc(op->arena, desc->size);
	const char *key;

	if (object_parse_key(op, kind, key_text, &key) < 0 ||
	    object_check_required(op, kind, assigns, count) < 0)
		return -1;
	fields_defaults(&op->fenv, desc, rec);
	*RECORD_FIELD(rec, &desc->fields[0], const char *) = key;
	if (object_apply(op, kind, rec, assigns, count) < 0)
		return -1;
	return object_insert(op, kind, rec);
}

int object_set(struct op *op, const struct kind *kind, const char *key_text,
	       const struct assign *assigns, size_t count)
{
	const char *key;
	void *old, *rec;

	if (object_parse_key(op, kind, key_text, &key) < 0 ||
	    object_load(op, kind, key, &old) < 0)
		return -1;
	rec = object_copy(op, kind, old);
	if (object_apply(op, kind, rec, assigns, count) < 0)
		return -1;
	return object_update(op, kind, old, rec);
}

int object_del(struct op *op, const struct kind *kind, const char *key_text,
	       bool recursive)
{
	const char *key;
	void *rec;

	if (object_parse_key(op, kind, key_text, &key) < 0 ||
	    object_load(op, kind, key, &rec) < 0)
		return -1;
	return object_remove(op, kind, rec, recursive);
}
