/*
 * objects: the generic verbs of mailmapctl over any kind: load, add, set,
 * delete. They keep the refs index in step with every write, check that
 * every reference points at an existing object of the right kind, refuse a
 * delete that would leave a reference dangling (naming the blockers), and
 * call the kind's own rules.
 */
#ifndef MAILMAP_OBJECTS_H
#define MAILMAP_OBJECTS_H

#include "kinds.h"

/* Loads an object: 1 found, 0 absent (or another kind: *other_r says
 * which, else NULL), -1 on a store failure (op failed). */
int object_find(struct op *op, const struct kind *kind, const char *key,
		void **rec_r, const struct kind **other_r);
/* Loads an object that must exist; fails the op (CTL_NOTFOUND) if not. */
int object_load(struct op *op, const struct kind *kind, const char *key,
		void **rec_r);
/* Stores a new, complete record with its references and rules. */
int object_insert(struct op *op, const struct kind *kind, void *rec);
/* Replaces old by rec (same key), references and rules included. */
int object_update(struct op *op, const struct kind *kind, const void *old,
		  void *rec);
/* Deletes an object and, with its kind's hook, its dependents. */
int object_remove(struct op *op, const struct kind *kind, const void *rec,
		  bool recursive);

/* The verbs, from admin input. */
int object_add(struct op *op, const struct kind *kind, const char *key_text,
	       const struct assign *assigns, size_t count);
int object_set(struct op *op, const struct kind *kind, const char *key_text,
	       const struct assign *assigns, size_t count);
int object_del(struct op *op, const struct kind *kind, const char *key_text,
	       bool recursive);

/* The key (first field) of a record. */
const char *object_key(const struct kind *kind, const void *rec);
/* A copy of rec that can be changed without touching rec. */
void *object_copy(struct op *op, const struct kind *kind, const void *rec);

#endif
