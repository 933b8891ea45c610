/*
 * greylist_out: how `mailmapctl greylist` shows things. Key bytes outside
 * printable ASCII (and '\') are shown as \xNN, networks as ADDRESS/PREFIX,
 * times in UTC (ISO 8601). A command adds rows of named cells and prints
 * them as an aligned table or "name: value" lines, or as JSON (an array of
 * objects, or one object); flag cells appear in JSON only.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "greylist_cmd.h"

/* Text */

const char *gl_escape(struct arena *arena, const unsigned char *s, size_t len)
{
	char *out = arena_alloc(arena, 4 * len + 1), *o = out;

	for (size_t i = 0; i < len; i++) {
		if (s[i] < 0x20 || s[i] >= 0x7f || s[i] == '\\')
			o += sprintf(o, "\\x%02x", s[i]);
		else
			*o++ = (char)s[i];
	}
	*o = '\0';
	return out;
}

const char *gl_net_format(const struct greylist_net *net,
			  char buf[GL_NET_TEXT_MAX])
{
	char addr[INET6_ADDRSTRLEN];

	inet_ntop(net->family == 4 ? AF_INET : AF_INET6, net->addr, addr,
		  sizeof(addr));
	snprintf(buf, GL_NET_TEXT_MAX, "%s/%u", addr, net->prefix);
	return buf;
}

const char *gl_net_text(struct arena *arena, const struct greylist_net *net)
{
	char buf[GL_NET_TEXT_MAX];

	return arena_strdup(arena, gl_net_format(net, buf));
}

static const char *gl_time_text(struct arena *arena, uint64_t when)
{
	time_t t = (time_t)when;
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return arena_strdup(arena, buf);
}

void *gl_grow(struct arena *arena, void *items, size_t count, size_t *cap,
	      size_t size)
{
	void *grown;

	if (count < *cap)
		return items;
	*cap = *cap != 0 ? 2 * *cap : 64;
	grown = arena_alloc(arena, *cap * size);
	if (count != 0)
		memcpy(grown, items, count * size);
	return grown;
}

/* Rows of cells */

void gl_out_init(struct gl_out *o, struct op *op, struct gl_run *run)
{
	memset(o, 0, sizeof(*o));
	o->op = op;
	o->out = run->ctl->out;
	o->json = run->json;
}

void gl_cell(struct gl_out *o, const char *name, enum gl_type type,
	     const char *text)
{
	o->cells = gl_grow(o->op->arena, o->cells, o->count, &o->cap,
			   sizeof(*o->cells));
	o->cells[o->count++] = (struct gl_cell){name, text, type};
}

void gl_cell_num(struct gl_out *o, const char *name, uint64_t value)
{
	gl_cell(o, name, GL_NUMBER,
		arena_printf(o->op->arena, "%llu", (unsigned long long)value));
}

void gl_cell_time(struct gl_out *o, const char *name, bool known, uint64_t when)
{
	if (known)
		gl_cell(o, name, GL_STRING, gl_time_text(o->op->arena, when));
	else
		gl_cell(o, name, GL_NONE, NULL);
}

void gl_row_end(struct gl_out *o)
{
	if (o->rows++ == 0)
		o->columns = o->count;
}

static void gl_json_value(FILE *out, const struct gl_cell *cell)
{
	if (cell->type == GL_NONE)
		fputs("null", out);
	else if (cell->type == GL_STRING)
		fields_json_string(cell->text, out);
	else
		fputs(cell->text, out);
}

/* One object: on one line (array rows), or one member a line. */
static void gl_json_object(const struct gl_out *o, const struct gl_cell *row,
			   bool lines)
{
	fputc('{', o->out);
	for (size_t i = 0; i < o->columns; i++) {
		fprintf(o->out, "%s%s\"%s\": ", i != 0 ? "," : "",
			lines	 ? "\n  "
			: i != 0 ? " "
				 : "",
			row[i].name);
		gl_json_value(o->out, &row[i]);
	}
	fputs(lines ? "\n}" : "}", o->out);
}

static void gl_text_row(const struct gl_out *o, const struct gl_cell *row,
			const size_t *widths, bool header)
{
	const char *pad = "";

	for (size_t i = 0; i < o->columns; i++) {
		if (row[i].type == GL_FLAG)
			continue;
		const char *text = header		    ? row[i].name
				   : row[i].type == GL_NONE ? "-"
							    : row[i].text;
		fprintf(o->out, "%s%-*s", pad, (int)widths[i], text);
		pad = "  ";
	}
	fputc('\n', o->out);
}

void gl_out_table(struct gl_out *o)
{
	size_t *widths;

	if (o->json) {
		fputs(o->rows != 0 ? "[\n" : "[", o->out);
		for (size_t r = 0; r < o->rows; r++) {
			fputs("  ", o->out);
			gl_json_object(o, o->cells + r * o->columns, false);
			fputs(r + 1 < o->rows ? ",\n" : "\n", o->out);
		}
		fputs("]\n", o->out);
		return;
	}
	if (o->rows == 0)
		return;
	widths = arena_zalloc(o->op->arena, o->columns * sizeof(*widths));
	for (size_t i = 0; i < o->count; i++) {
		size_t c = i % o->columns, len = strlen(o->cells[i].name);
		if (widths[c] < len)
			widths[c] = len;
		len =
		    o->cells[i].type == GL_NONE ? 1 : strlen(o->cells[i].text);
		if (widths[c] < len)
			widths[c] = len;
	}
	for (size_t c = o->columns; c-- > 0;) {
		if (o->cells[c].type != GL_FLAG) {
			widths[c] = 0; /* the last column is not padded */
			break;
		}
	}
	gl_text_row(o, o->cells, widths, true);
	for (size_t r = 0; r < o->rows; r++)
		gl_text_row(o, o->cells + r * o->columns, widths, false);
}

void gl_out_record(struct gl_out *o)
{
	if (o->json) {
		gl_json_object(o, o->cells, true);
		fputc('\n', o->out);
		return;
	}
	for (size_t i = 0; i < o->columns; i++) {
		const struct gl_cell *cell = &o->cells[i];
		if (cell->type == GL_FLAG)
			continue;
		int pad = 19 - (int)strlen(cell->name);
		fprintf(o->out, "%s:%*s %s\n", cell->name, pad > 0 ? pad : 0,
			"", cell->type == GL_NONE ? "-" : cell->text);
	}
}
