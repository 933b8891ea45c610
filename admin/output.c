/* output: text tables, show lines and JSON; see output.h. */
#include "output.h"

#include <string.h>

struct show_ctx {
	FILE *out;
	bool json;
	bool first;
	int width;
};

static void show_emit(void *context, const char *name, const char *text,
		      const char *json)
{
	struct show_ctx *ctx = context;

	if (!ctx->json) {
		int pad = ctx->width - (int)strlen(name) - 1;
		fprintf(ctx->out, "%s:%*s %s\n", name, pad > 0 ? pad : 0, "",
			text);
		return;
	}
	fprintf(ctx->out, "%s\n  \"%s\": ", ctx->first ? "" : ",", name);
	if (json != NULL)
		fputs(json, ctx->out);
	else
		fields_json_string(text, ctx->out);
	ctx->first = false;
}

void output_show(struct op *op, FILE *out, bool json, const struct kind *kind,
		 const void *rec)
{
	const struct record_desc *desc = kind_desc(kind);
	struct show_ctx ctx = {out, json, true, 20};

	if (json)
		fputc('{', out);
	for (size_t i = 0; i < desc->field_count; i++) {
		const struct field_desc *field = &desc->fields[i];
		if (!json) {
			show_emit(&ctx, field->name,
				  fields_format(field, rec, op->arena), false);
			continue;
		}
		fprintf(out, "%s\n  \"%s\": ", ctx.first ? "" : ",",
			field->name);
		fields_format_json(field, rec, out);
		ctx.first = false;
	}
	if (kind->show_extra != NULL)
		kind->show_extra(op, rec, show_emit, &ctx);
	fputs(json ? "\n}\n" : "", out);
}

struct output_table {
	struct op *op;
	FILE *out;
	bool json;
	const struct kind *kind;
	const struct field_desc *columns[16];
	size_t column_count;
	size_t widths[16];
	struct strvec cells; /* row-major */
	size_t rows;
};

struct output_table *output_list_begin(struct op *op, FILE *out, bool json,
				       const struct kind *kind)
{
	const struct record_desc *desc = kind_desc(kind);
	struct output_table *table = arena_zalloc(op->arena, sizeof(*table));

	table->op = op;
	table->out = out;
	table->json = json;
	table->kind = kind;
	for (size_t i = 0; i < desc->field_count && table->column_count < 16;
	     i++) {
		const struct field_desc *field = &desc->fields[i];
		if ((field->flags & FF_COLUMN) == 0)
			continue;
		table->widths[table->column_count] = strlen(field->name);
		table->columns[table->column_count++] = field;
	}
	if (json)
		fputc('[', out);
	return table;
}

void output_list_row(struct output_table *table, const void *rec)
{
	if (table->json) {
		fputs(table->rows != 0 ? ",\n" : "\n", table->out);
		output_show(table->op, table->out, true, table->kind, rec);
		table->rows++;
		return;
	}
	for (size_t i = 0; i < table->column_count; i++) {
		const char *cell =
		    fields_format(table->columns[i], rec, table->op->arena);
		size_t len = strlen(cell);
		if (len > table->widths[i])
			table->widths[i] = len;
		strvec_push(table->op->arena, &table->cells, cell);
	}
	table->rows++;
}

static void output_row(struct output_table *table, const char *const *cells)
{
	for (size_t i = 0; i + 1 < table->column_count; i++)
		fprintf(table->out, "%-*s  ", (int)table->widths[i], cells[i]);
	fprintf(table->out, "%s\n", cells[table->column_count - 1]);
}

void output_list_end(struct output_table *table)
{
	const char *header[16];

	if (table->json) {
		fputs(table->rows != 0 ? "\n]\n" : "]\n", table->out);
		return;
	}
	for (size_t i = 0; i < table->column_count; i++)
		header[i] = table->columns[i]->name;
	output_row(table, header);
	for (size_t r = 0; r < table->rows; r++)
		output_row(table, table->cells.items + r * table->column_count);
}

struct output_grid {
	struct op *op;
	FILE *out;
	bool json;
	const char *const *columns;
	size_t count;
	struct strvec texts; /* row-major */
	struct strvec jsons; /* same cells; NULL = text as a string */
};

struct output_grid *output_grid_begin(struct op *op, FILE *out, bool json,
				      const char *const *columns, size_t count)
{
	struct output_grid *grid = arena_zalloc(op->arena, sizeof(*grid));

	grid->op = op;
	grid->out = out;
	grid->json = json;
	grid->columns = columns;
	grid->count = count;
	return grid;
}

void output_grid_cell(struct output_grid *grid, const char *text,
		      const char *json)
{
	strvec_push(grid->op->arena, &grid->texts, text);
	strvec_push(grid->op->arena, &grid->jsons, json);
}

static void output_grid_json(const struct output_grid *grid, size_t rows)
{
	fputs(rows != 0 ? "[\n" : "[", grid->out);
	for (size_t r = 0; r < rows; r++) {
		fputs("  {", grid->out);
		for (size_t c = 0; c < grid->count; c++) {
			size_t i = r * grid->count + c;
			fprintf(grid->out, "%s\"%s\": ", c != 0 ? ", " : "",
				grid->columns[c]);
			if (grid->jsons.items[i] != NULL)
				fputs(grid->jsons.items[i], grid->out);
			else
				fields_json_string(grid->texts.items[i],
						   grid->out);
		}
		fputs(r + 1 < rows ? "},\n" : "}\n", grid->out);
	}
	fputs("]\n", grid->out);
}

static void output_grid_row(const struct output_grid *grid,
			    const char *const *cells, const size_t *widths)
{
	for (size_t c = 0; c + 1 < grid->count; c++)
		fprintf(grid->out, "%-*s  ", (int)widths[c], cells[c]);
	fprintf(grid->out, "%s\n", cells[grid->count - 1]);
}

void output_grid_end(struct output_grid *grid)
{
	size_t rows = grid->texts.count / grid->count;
	size_t *widths;

	if (grid->json) {
		output_grid_json(grid, rows);
		return;
	}
	widths = arena_zalloc(grid->op->arena, grid->count * sizeof(*widths));
	for (size_t c = 0; c < grid->count; c++)
		widths[c] = strlen(grid->columns[c]);
	for (size_t i = 0; i < rows * grid->count; i++) {
		size_t len = strlen(grid->texts.items[i]);
		if (len > widths[i % grid->count])
			widths[i % grid->count] = len;
	}
	output_grid_row(grid, grid->columns, widths);
	for (size_t r = 0; r < rows; r++)
		output_grid_row(grid, grid->texts.items + r * grid->count,
				widths);
}
