/* import_csv: a CSV file as an import_table, through libcsv (quoted
 * fields with separators, quotes and newlines inside, CR LF or LF line
 * ends). The separator is the one of ',' ';' TAB found most often outside
 * quotes in the header line; a UTF-8 byte order mark is skipped. Blank
 * lines are skipped (libcsv passes no record for them). */
#include <csv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_table.h"

struct csv_reader {
	struct import_table *table;
	char *cells[IMPORT_COLUMNS_MAX];
	size_t count;
	size_t row; /* the row being read, from 1 */
	bool failed;
};

static void csv_fail(struct csv_reader *r, const char *fmt, size_t n)
{
	if (!r->failed)
		snprintf(r->table->error, sizeof(r->table->error), fmt, n);
	r->failed = true;
}

static void csv_on_field(void *data, size_t len, void *context)
{
	struct csv_reader *r = context;
	char *cell;

	if (r->failed)
		return;
	if (r->count == IMPORT_COLUMNS_MAX) {
		csv_fail(r, "row %zu: more than 64 columns", r->row);
		return;
	}
	if (len > IMPORT_CELL_MAX) {
		csv_fail(r, "row %zu: a cell over 64 KiB", r->row);
		return;
	}
	cell = malloc(len + 1);
	if (cell == NULL)
		abort();
	memcpy(cell, data != NULL ? data : "", len);
	cell[len] = '\0';
	r->cells[r->count++] = cell;
}

static void csv_on_row(int terminator, void *context)
{
	struct csv_reader *r = context;
	char **cells;

	(void)terminator;
	if (r->failed) {
		for (size_t i = 0; i < r->count; i++)
			free(r->cells[i]);
		r->count = 0;
		return;
	}
	cells = calloc(r->count > 0 ? r->count : 1, sizeof(*cells));
	if (cells == NULL)
		abort();
	memcpy(cells, r->cells, r->count * sizeof(*cells));
	if (import_table_add(r->table, r->row, cells, r->count) < 0)
		r->failed = true;
	r->count = 0;
	r->row++;
}

/* The separator: the most frequent of , ; TAB outside quotes in the
 * first line (',' when none). */
static unsigned char csv_separator(const char *data, size_t len)
{
	static const char seps[] = {',', ';', '\t'};
	size_t counts[3] = {0, 0, 0}, best = 0;
	bool quoted = false;

	for (size_t i = 0; i < len; i++) {
		if (data[i] == '"')
			quoted = !quoted;
		else if (!quoted && (data[i] == '\n' || data[i] == '\r'))
			break;
		for (size_t s = 0; !quoted && s < 3; s++)
			counts[s] += data[i] == seps[s];
	}
	for (size_t s = 1; s < 3; s++) {
		if (counts[s] > counts[best])
			best = s;
	}
	return (unsigned char)seps[best];
}

int import_csv_read(const char *data, size_t len, struct import_table *table)
{
	struct csv_parser parser;
	struct csv_reader r = {.table = table, .row = 1};

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) !=
	    0)
		abort();
	csv_set_delim(&parser, csv_separator(data, len));
	if (csv_parse(&parser, data, len, csv_on_field, csv_on_row, &r) !=
		len ||
	    csv_fini(&parser, csv_on_field, csv_on_row, &r) != 0) {
		if (!r.failed)
			snprintf(table->error, sizeof(table->error),
				 "row %zu: %s", r.row,
				 csv_strerror(csv_error(&parser)));
		r.failed = true;
	}
	for (size_t i = 0; i < r.count; i++)
		free(r.cells[i]);
	csv_free(&parser);
	return r.failed ? -1 : 0;
}
