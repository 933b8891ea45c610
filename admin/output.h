/*
 * output: how mailmapctl shows records: `show` as "name: value" lines (or
 * one JSON object), `list` as an aligned table (or one JSON array). Field
 * names are the descriptor names in both forms, so scripts can rely on them.
 */
#ifndef MAILMAP_OUTPUT_H
#define MAILMAP_OUTPUT_H

#include <stdio.h>

#include "kinds.h"

struct output_table;

/* Prints one record with its computed values. */
void output_show(struct op *op, FILE *out, bool json, const struct kind *kind,
		 const void *rec);

/* A list is begun, fed rows, and ended (which prints a text table). */
struct output_table *output_list_begin(struct op *op, FILE *out, bool json,
				       const struct kind *kind);
void output_list_row(struct output_table *table, const void *rec);
void output_list_end(struct output_table *table);

#endif
