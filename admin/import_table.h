/*
 * import_table: a spreadsheet as rows of text cells, read from CSV
 * (import_csv.c, libcsv) or XLSX (import_xlsx.c, libzip + libxml2), for
 * `mailmapctl import`. Row numbers are a spreadsheet's: the header is row
 * 1. Cells are UTF-8, without a byte order mark.
 *
 * Limits (an error names them): IMPORT_FILE_MAX bytes of file,
 * IMPORT_ROWS_MAX rows, IMPORT_COLUMNS_MAX columns, IMPORT_CELL_MAX bytes
 * a cell.
 */
#ifndef MAILMAP_IMPORT_TABLE_H
#define MAILMAP_IMPORT_TABLE_H

#include <stddef.h>

#define IMPORT_FILE_MAX	   (256u << 20)
#define IMPORT_ROWS_MAX	   2000000
#define IMPORT_COLUMNS_MAX 64
#define IMPORT_CELL_MAX	   65536

struct import_row {
	size_t number; /* as a spreadsheet numbers it: the header is 1 */
	size_t count;
	char **cells; /* malloc'd */
};

struct import_table {
	struct import_row *rows; /* rows[0]: the header */
	size_t count;
	size_t cap;
	char error[256]; /* why reading failed */
};

/* Reads path as CSV (separator ',' ';' or TAB, found in the header) or
 * XLSX (its first sheet), by its content (an XLSX is a zip). 0, or -1
 * with table->error. */
int import_table_read(const char *path, struct import_table *table);
void import_table_free(struct import_table *table);

/* import_csv.c / import_xlsx.c */
int import_csv_read(const char *data, size_t len, struct import_table *table);
int import_xlsx_read(const char *path, struct import_table *table);

/* Appends a row (the cells are taken over). 0, or -1 over the limits. */
int import_table_add(struct import_table *table, size_t number, char **cells,
		     size_t count);

#endif
