/* import_xlsx: the first sheet of an XLSX workbook as an import_table,
 * through libzip (the archive) and libxml2's streaming reader (the parts):
 *
 *   xl/workbook.xml             the first <sheet>'s r:id, date1904
 *   xl/_rels/workbook.xml.rels  that id's target, the sheet's part
 *   xl/sharedStrings.xml        the strings cells of type "s" index
 *   xl/styles.xml               which cell styles show dates
 *   the sheet                   <row r><c r t s><v>|<is><t>
 *
 * Cells as text: shared and inline strings as written (rich text runs
 * joined, phonetic runs left out); booleans TRUE / FALSE; numbers as
 * Excel stores them (a double): whole numbers without a decimal point
 * (a password 123456 stays "123456"), others with up to 15 significant
 * digits; a number in a date style as its date (YYYY-MM-DD, and
 * THH:MM:SS when it has a time of day), counted in Excel's 1900 system
 * (with its phantom 29 February 1900) or the 1904 one. Missing cells are
 * empty. A part over IMPORT_FILE_MAX bytes unpacked is refused (a zip
 * bomb); no DTD, no entity, no network. */
#include <libxml/xmlreader.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zip.h>

#include "import_table.h"

#define XLSX_STYLES_MAX 65536

struct xlsx_styles {
	long custom_ids[256]; /* <numFmt>s */
	bool custom_date[256];
	size_t custom_count;
	bool in_cell_xfs;
};

/* The <row> being read. */
struct xlsx_row {
	char *cells[IMPORT_COLUMNS_MAX];
	size_t count;
	size_t number;
	bool open;
};

struct xlsx {
	zip_t *zip;
	struct xlsx_styles styles;
	struct xlsx_row row;
	struct import_table *table;
	char **strings; /* shared strings */
	size_t string_count;
	bool *date_style; /* per cellXfs index */
	size_t style_count;
	bool date1904;
	char sheet_rid[64];
	char sheet_path[512];
};

static int xlsx_fail(struct xlsx *x, const char *what)
{
	if (x->table->error[0] == '\0')
		snprintf(x->table->error, sizeof(x->table->error), "XLSX: %s",
			 what);
	return -1;
}

/* A part, unpacked; NULL when absent (or too large: then *error set). */
static char *xlsx_part(struct xlsx *x, const char *name, size_t *len_r,
		       bool *too_large)
{
	zip_stat_t st;
	zip_file_t *f;
	char *data;

	*too_large = false;
	if (zip_stat(x->zip, name, 0, &st) < 0 || !(st.valid & ZIP_STAT_SIZE))
		return NULL;
	if (st.size > IMPORT_FILE_MAX) {
		*too_large = true;
		return NULL;
	}
	if ((f = zip_fopen(x->zip, name, 0)) == NULL)
		return NULL;
	data = malloc(st.size + 1);
	if (data == NULL)
		abort();
	if (zip_fread(f, data, st.size) != (zip_int64_t)st.size) {
		zip_fclose(f);
		free(data);
		return NULL;
	}
	zip_fclose(f);
	data[st.size] = '\0';
	*len_r = st.size;
	return data;
}

typedef int xlsx_node_fn(struct xlsx *x, xmlTextReaderPtr reader);

/* Streams a part through fn, called on every node. A missing optional
 * part is no error. */
static int xlsx_walk(struct xlsx *x, const char *name, bool required,
		     xlsx_node_fn *fn)
{
	size_t len;
	bool too_large;
	char *data = xlsx_part(x, name, &len, &too_large);
	xmlTextReaderPtr reader;
	int ret = 0, more;

	if (data == NULL) {
		if (too_large)
			return xlsx_fail(x, "a part unpacks to over 256 MiB");
		return required ? xlsx_fail(x, "a part of the workbook is "
					       "missing")
				: 0;
	}
	reader = xmlReaderForMemory(data, (int)len, name, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR |
					XML_PARSE_NOWARNING);
	if (reader == NULL)
		abort();
	while (ret == 0 && (more = xmlTextReaderRead(reader)) == 1)
		ret = fn(x, reader);
	if (ret == 0 && more < 0)
		ret = xlsx_fail(x, "a part is not well-formed XML");
	xmlFreeTextReader(reader);
	free(data);
	return ret;
}

static bool xlsx_at(xmlTextReaderPtr reader, const char *local, int type)
{
	const xmlChar *name = xmlTextReaderConstLocalName(reader);

	return xmlTextReaderNodeType(reader) == type && name != NULL &&
	       strcmp((const char *)name, local) == 0;
}

static bool xlsx_start(xmlTextReaderPtr reader, const char *local)
{
	return xlsx_at(reader, local, XML_READER_TYPE_ELEMENT);
}

/* An attribute by local name (any namespace), malloc'd, or NULL. */
static char *xlsx_attr(xmlTextReaderPtr reader, const char *local)
{
	char *value = NULL;

	if (xmlTextReaderMoveToFirstAttribute(reader) != 1)
		return NULL;
	do {
		const xmlChar *name = xmlTextReaderConstLocalName(reader);
		if (name != NULL && strcmp((const char *)name, local) == 0) {
			value = strdup(
			    (const char *)xmlTextReaderConstValue(reader));
			break;
		}
	} while (xmlTextReaderMoveToNextAttribute(reader) == 1);
	xmlTextReaderMoveToElement(reader);
	return value;
}

/* ---- workbook and its relationships ---------------------------------- */

static int xlsx_on_workbook(struct xlsx *x, xmlTextReaderPtr reader)
{
	char *v;

	if (xlsx_start(reader, "workbookPr") &&
	    (v = xlsx_attr(reader, "date1904")) != NULL) {
		x->date1904 = strcmp(v, "1") == 0 || strcmp(v, "true") == 0;
		free(v);
	}
	if (xlsx_start(reader, "sheet") && x->sheet_rid[0] == '\0' &&
	    (v = xlsx_attr(reader, "id")) != NULL) {
		snprintf(x->sheet_rid, sizeof(x->sheet_rid), "%s", v);
		free(v);
	}
	return 0;
}

static int xlsx_on_rels(struct xlsx *x, xmlTextReaderPtr reader)
{
	char *id, *target;

	if (!xlsx_start(reader, "Relationship"))
		return 0;
	id = xlsx_attr(reader, "Id");
	target = xlsx_attr(reader, "Target");
	if (id != NULL && target != NULL && strcmp(id, x->sheet_rid) == 0) {
		if (target[0] == '/')
			snprintf(x->sheet_path, sizeof(x->sheet_path), "%s",
				 target + 1);
		else
			snprintf(x->sheet_path, sizeof(x->sheet_path), "xl/%s",
				 target);
	}
	free(id);
	free(target);
	return 0;
}

/* ---- shared strings ------------------------------------------------------ */

struct xlsx_text {
	char *data;
	size_t len;
};

static void xlsx_text_add(struct xlsx_text *t, const char *s)
{
	size_t n = strlen(s);

	t->data = realloc(t->data, t->len + n + 1);
	if (t->data == NULL)
		abort();
	memcpy(t->data + t->len, s, n + 1);
	t->len += n;
}

/* The text of the element the reader is on (an <si> or an <is>): its <t>
 * descendants joined, phonetic runs (<rPh>) left out. */
static char *xlsx_rich_text(xmlTextReaderPtr reader)
{
	struct xlsx_text text = {NULL, 0};
	int depth = xmlTextReaderDepth(reader);
	bool in_t = false, in_rph = false;

	xlsx_text_add(&text, "");
	if (xmlTextReaderIsEmptyElement(reader))
		return text.data;
	while (xmlTextReaderRead(reader) == 1 &&
	       xmlTextReaderDepth(reader) > depth) {
		int type = xmlTextReaderNodeType(reader);
		if (xlsx_start(reader, "rPh"))
			in_rph = !xmlTextReaderIsEmptyElement(reader);
		else if (xlsx_at(reader, "rPh", XML_READER_TYPE_END_ELEMENT))
			in_rph = false;
		else if (xlsx_start(reader, "t"))
			in_t = !xmlTextReaderIsEmptyElement(reader);
		else if (xlsx_at(reader, "t", XML_READER_TYPE_END_ELEMENT))
			in_t = false;
		else if (in_t && !in_rph &&
			 (type == XML_READER_TYPE_TEXT ||
			  type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
			  type == XML_READER_TYPE_CDATA))
			xlsx_text_add(
			    &text,
			    (const char *)xmlTextReaderConstValue(reader));
	}
	return text.data;
}

static int xlsx_on_strings(struct xlsx *x, xmlTextReaderPtr reader)
{
	if (!xlsx_start(reader, "si"))
		return 0;
	if (x->string_count == IMPORT_ROWS_MAX * 4)
		return xlsx_fail(x, "too many shared strings");
	x->strings =
	    realloc(x->strings, (x->string_count + 1) * sizeof(*x->strings));
	if (x->strings == NULL)
		abort();
	x->strings[x->string_count++] = xlsx_rich_text(reader);
	return 0;
}

/* ---- styles: which show dates -------------------------------------------- */

/* Built-in date and time formats (ECMA-376 18.8.30). */
static bool xlsx_builtin_date(long id)
{
	return (id >= 14 && id <= 22) || (id >= 45 && id <= 47);
}

/* A custom format shows a date when it has y, m, d, h or s outside quotes
 * and brackets (colours, locales). */
static bool xlsx_format_is_date(const char *code)
{
	bool quoted = false, bracket = false;

	for (const char *p = code; *p != '\0'; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == '[')
			bracket = true;
		else if (!quoted && *p == ']')
			bracket = false;
		else if (!quoted && !bracket && *p == '\\' && p[1] != '\0')
			p++;
		else if (!quoted && !bracket && strchr("ymdhsYMDHS", *p))
			return true;
	}
	return false;
}

static int xlsx_on_styles(struct xlsx *x, xmlTextReaderPtr reader)
{
	struct xlsx_styles *s = &x->styles;
	char *id, *code;

	if (xlsx_start(reader, "numFmt") && s->custom_count < 256) {
		id = xlsx_attr(reader, "numFmtId");
		code = xlsx_attr(reader, "formatCode");
		if (id != NULL && code != NULL) {
			s->custom_ids[s->custom_count] = atol(id);
			s->custom_date[s->custom_count++] =
			    xlsx_format_is_date(code);
		}
		free(id);
		free(code);
	} else if (xlsx_start(reader, "cellXfs")) {
		s->in_cell_xfs = true;
	} else if (xlsx_at(reader, "cellXfs", XML_READER_TYPE_END_ELEMENT)) {
		s->in_cell_xfs = false;
	} else if (s->in_cell_xfs && xlsx_start(reader, "xf")) {
		bool date;
		long fmt;
		if (x->style_count == XLSX_STYLES_MAX)
			return xlsx_fail(x, "too many cell styles");
		id = xlsx_attr(reader, "numFmtId");
		fmt = id != NULL ? atol(id) : 0;
		free(id);
		date = xlsx_builtin_date(fmt);
		for (size_t i = 0; i < s->custom_count; i++) {
			if (s->custom_ids[i] == fmt)
				date = s->custom_date[i];
		}
		x->date_style =
		    realloc(x->date_style, (x->style_count + 1) * sizeof(bool));
		if (x->date_style == NULL)
			abort();
		x->date_style[x->style_count++] = date;
	}
	return 0;
}

/* ---- the sheet -------------------------------------------------------------
 */

/* A serial date as text: YYYY-MM-DD[THH:MM:SS]. */
static char *xlsx_date(double serial, bool date1904)
{
	char buf[96];
	double days = floor(serial);
	long secs = lround((serial - days) * 86400.0);
	struct tm tm;
	time_t t;

	if (secs >= 86400) {
		days += 1;
		secs -= 86400;
	}
	/* Days since 1970-01-01: the 1904 system counts from 1904-01-01;
	 * the 1900 one from 1899-12-31, with a phantom 1900-02-29 (day 60)
	 * that shifts every later day by one. */
	if (date1904)
		days -= 24107;
	else
		days -= days >= 61 ? 25569 : 25568;
	t = (time_t)(days * 86400.0);
	gmtime_r(&t, &tm);
	if (secs == 0)
		strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
	else
		snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02ld:%02ld:%02ld",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 secs / 3600, secs / 60 % 60, secs % 60);
	return strdup(buf);
}

static char *xlsx_number(struct xlsx *x, const char *v, long style)
{
	char buf[64], *end;
	double d = strtod(v, &end);

	if (end == v)
		return strdup(v);
	if (style >= 0 && (size_t)style < x->style_count &&
	    x->date_style[style] && d >= 0)
		return xlsx_date(d, x->date1904);
	if (d == floor(d) && fabs(d) < 1e15)
		snprintf(buf, sizeof(buf), "%.0f", d);
	else
		snprintf(buf, sizeof(buf), "%.15g", d);
	return strdup(buf);
}

/* "BC12" -> column 54 (from 0); -1 when malformed. */
static long xlsx_column(const char *ref)
{
	long col = 0;
	const char *p = ref;

	for (; *p >= 'A' && *p <= 'Z'; p++)
		col = col * 26 + (*p - 'A' + 1);
	return p == ref || col > 16384 ? -1 : col - 1;
}

/* The value of the <c> the reader is on, as text. */
static char *xlsx_cell_value(struct xlsx *x, xmlTextReaderPtr reader)
{
	char *type = xlsx_attr(reader, "t"), *style = xlsx_attr(reader, "s");
	char *raw = NULL, *value = NULL;
	int depth = xmlTextReaderDepth(reader);
	long s = style != NULL ? atol(style) : -1;

	while (!xmlTextReaderIsEmptyElement(reader) &&
	       xmlTextReaderRead(reader) == 1 &&
	       xmlTextReaderDepth(reader) > depth) {
		if (xlsx_start(reader, "is")) {
			free(value);
			value = xlsx_rich_text(reader);
		} else if (xlsx_start(reader, "v") && raw == NULL) {
			xmlChar *text = xmlTextReaderReadString(reader);
			raw = strdup(text != NULL ? (char *)text : "");
			xmlFree(text);
		}
	}
	if (value == NULL && raw != NULL) {
		if (type != NULL && strcmp(type, "s") == 0) {
			long i = atol(raw);
			value = strdup(i >= 0 && (size_t)i < x->string_count
					   ? x->strings[i]
					   : "");
		} else if (type != NULL && strcmp(type, "b") == 0) {
			value =
			    strdup(strcmp(raw, "1") == 0 ? "TRUE" : "FALSE");
		} else if (type == NULL || strcmp(type, "n") == 0) {
			value = xlsx_number(x, raw, s);
		} else {
			value = strdup(raw); /* str, e: as written */
		}
	}
	free(raw);
	free(type);
	free(style);
	return value != NULL ? value : strdup("");
}

static int xlsx_row_end(struct xlsx *x)
{
	struct xlsx_row *r = &x->row;
	char **cells = calloc(r->count > 0 ? r->count : 1, sizeof(*cells));

	if (cells == NULL)
		abort();
	for (size_t i = 0; i < r->count; i++)
		cells[i] = r->cells[i] != NULL ? r->cells[i] : strdup("");
	r->open = false;
	if (import_table_add(x->table, r->number, cells, r->count) < 0)
		return -1;
	memset(r->cells, 0, sizeof(r->cells));
	r->count = 0;
	return 0;
}

static int xlsx_on_sheet(struct xlsx *x, xmlTextReaderPtr reader)
{
	struct xlsx_row *r = &x->row;
	char *ref;
	long col;

	if (xlsx_start(reader, "row")) {
		char *n = xlsx_attr(reader, "r");
		r->number = n != NULL ? (size_t)atol(n) : r->number + 1;
		free(n);
		r->open = true;
		return xmlTextReaderIsEmptyElement(reader) ? xlsx_row_end(x)
							   : 0;
	}
	if (xlsx_at(reader, "row", XML_READER_TYPE_END_ELEMENT))
		return xlsx_row_end(x);
	if (!r->open || !xlsx_start(reader, "c"))
		return 0;
	ref = xlsx_attr(reader, "r");
	col = ref != NULL ? xlsx_column(ref) : (long)r->count;
	free(ref);
	if (col < 0)
		return xlsx_fail(x, "a cell reference is malformed");
	if (col >= IMPORT_COLUMNS_MAX) {
		snprintf(x->table->error, sizeof(x->table->error),
			 "row %zu: more than 64 columns", r->number);
		return -1;
	}
	free(r->cells[col]);
	r->cells[col] = xlsx_cell_value(x, reader);
	if (strlen(r->cells[col]) > IMPORT_CELL_MAX) {
		snprintf(x->table->error, sizeof(x->table->error),
			 "row %zu: a cell over 64 KiB", r->number);
		return -1;
	}
	if ((size_t)col + 1 > r->count)
		r->count = (size_t)col + 1;
	return 0;
}

int import_xlsx_read(const char *path, struct import_table *table)
{
	struct xlsx x = {.table = table};
	int err, ret;

	if ((x.zip = zip_open(path, ZIP_RDONLY, &err)) == NULL)
		return xlsx_fail(&x, "not a readable zip archive");
	ret = xlsx_walk(&x, "xl/workbook.xml", true, xlsx_on_workbook);
	if (ret == 0 && x.sheet_rid[0] == '\0')
		ret = xlsx_fail(&x, "the workbook has no sheet");
	if (ret == 0)
		ret = xlsx_walk(&x, "xl/_rels/workbook.xml.rels", true,
				xlsx_on_rels);
	if (ret == 0 && x.sheet_path[0] == '\0')
		ret = xlsx_fail(&x, "the first sheet's part is not named");
	if (ret == 0)
		ret = xlsx_walk(&x, "xl/sharedStrings.xml", false,
				xlsx_on_strings);
	if (ret == 0)
		ret = xlsx_walk(&x, "xl/styles.xml", false, xlsx_on_styles);
	if (ret == 0)
		ret = xlsx_walk(&x, x.sheet_path, true, xlsx_on_sheet);
	for (size_t i = 0; i < IMPORT_COLUMNS_MAX; i++)
		free(x.row.cells[i]);
	for (size_t i = 0; i < x.string_count; i++)
		free(x.strings[i]);
	free(x.strings);
	free(x.date_style);
	zip_close(x.zip);
	return ret;
}
