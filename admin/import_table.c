/* import_table: reading a spreadsheet file; see import_table.h. */
#include "import_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int import_table_add(struct import_table *table, size_t number, char **cells,
		     size_t count)
{
	if (table->count == IMPORT_ROWS_MAX) {
		snprintf(table->error, sizeof(table->error),
			 "more than %d rows", IMPORT_ROWS_MAX);
		for (size_t i = 0; i < count; i++)
			free(cells[i]);
		free(cells);
		return -1;
	}
	if (table->count == table->cap) {
		table->cap = table->cap != 0 ? table->cap * 2 : 256;
		table->rows =
		    realloc(table->rows, table->cap * sizeof(*table->rows));
		if (table->rows == NULL)
			abort();
	}
	table->rows[table->count++] = (struct import_row){number, count, cells};
	return 0;
}

void import_table_free(struct import_table *table)
{
	for (size_t r = 0; r < table->count; r++) {
		for (size_t c = 0; c < table->rows[r].count; c++)
			free(table->rows[r].cells[c]);
		free(table->rows[r].cells);
	}
	free(table->rows);
	table->rows = NULL;
	table->count = table->cap = 0;
}

/* The whole file, NUL-terminated. */
static char *import_slurp(const char *path, size_t *len_r,
			  struct import_table *table)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long size;

	if (f == NULL || fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0) {
		snprintf(table->error, sizeof(table->error), "%s: %s", path,
			 strerror(errno));
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	if ((unsigned long)size > IMPORT_FILE_MAX) {
		snprintf(table->error, sizeof(table->error),
			 "%s: larger than 256 MiB", path);
		fclose(f);
		return NULL;
	}
	data = malloc((size_t)size + 1);
	if (data == NULL)
		abort();
	if (fread(data, 1, (size_t)size, f) != (size_t)size) {
		snprintf(table->error, sizeof(table->error), "%s: read error",
			 path);
		free(data);
		fclose(f);
		return NULL;
	}
	fclose(f);
	data[size] = '\0';
	*len_r = (size_t)size;
	return data;
}

int import_table_read(const char *path, struct import_table *table)
{
	size_t len;
	char *data = import_slurp(path, &len, table);
	int ret;

	if (data == NULL)
		return -1;
	/* An XLSX file is a zip archive: "PK\3\4". */
	if (len >= 4 && memcmp(data, "PK\003\004", 4) == 0)
		ret = import_xlsx_read(path, table);
	else
		ret = import_csv_read(data, len, table);
	free(data);
	if (ret == 0 && table->count == 0) {
		snprintf(table->error, sizeof(table->error),
			 "%s: no header row", path);
		ret = -1;
	}
	return ret;
}
