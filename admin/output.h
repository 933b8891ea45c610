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

/* A table of computed rows (stats): aligned text columns under a header,
 * or a JSON array of objects whose members are the columns. */
struct output_grid;

struct output_grid *output_grid_begin(struct op *op, FILE *out, bool json,
				      const char *const *columns, size_t count);
/* The next cell, row by row: text for the table, json as it goes into
 * the JSON object (a number, null...; NULL: text as a JSON string). */
void output_grid_cell(struct output_grid *grid, const char *text,
		      const char *json);
/* Prints the table (the header alone without rows) or the array. */
void output_grid_end(struct output_grid *grid);

#endif
