/*
 * export: `mailmapctl export [--json]`, the whole config store from one
 * read snapshot.
 *
 * As a batch (the default): one `KIND add KEY field=value...` line per
 * object, in an order `mailmapctl batch` can load in one transaction
 * (servers, customers, offers, domains, alias domains, mailboxes,
 * aliases: each after what it points at; the delivery checks run at
 * commit, so targets need no order), objects in key order, fields in
 * descriptor order, only those that differ from their default (what
 * `add` would fill in itself). Values are written so the batch reader
 * (words.c) gives them back unchanged: bare when they hold only plain
 * characters, else in double quotes with \" \\ \n \t escapes. Password
 * hashes are written as stored ({SCHEME}...): a batch takes them as they
 * are. So export -> batch into a new store -> export gives the same bytes.
 *
 * With --json: JSON Lines, one object per record, "kind" first, then every
 * field under its descriptor name (as `show --json` names them), the
 * password hash as a string.
 *
 * Derived data (the refs index, meta) is not exported: batch rebuilds it.
 * The state store (quota usage, last logins, greylisting) is not part of
 * the configuration: `mailmapctl backup` copies it.
 */
#include <string.h>

#include "commands.h"
#include "fields.h"

/* Load order: each kind after the kinds it points at. */
static const struct kind *const export_order[] = {
    &kind_server,	&kind_customer, &kind_offer, &kind_domain,
    &kind_domain_alias, &kind_mailbox,	&kind_alias, NULL,
};

struct export_run {
	struct ctl *ctl;
	bool json;
};

/* Can words.c read text back unquoted? */
static bool export_plain(const char *text)
{
	if (text[0] == '\0' || text[0] == '#')
		return false;
	for (const char *p = text; *p != '\0'; p++) {
		if (strchr(
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789@._+-:/,=*{}",
			*p) == NULL)
			return false;
	}
	return true;
}

static void export_word(const char *text, FILE *out)
{
	if (export_plain(text)) {
		fputs(text, out);
		return;
	}
	fields_quote(text, false, out);
}

/* A field's value as admin input: the stored hash for a secret, list
 * items joined by commas alone, else what `show` writes. */
static const char *export_value(const struct field_desc *field, const void *rec,
				struct arena *arena)
{
	if (field->type == FT_SECRET)
		return *RECORD_FIELD(rec, field, const char *const);
	if (field_type_is_list(field->type))
		return fields_list_join(
		    arena, RECORD_FIELD(rec, field, const struct strlist), ",");
	return fields_format(field, rec, arena);
}

static void export_batch_line(struct arena *arena, const struct kind *kind,
			      const void *rec, const void *defaults, FILE *out)
{
	const struct record_desc *desc = kind_desc(kind);

	fprintf(out, "%s add", desc->name);
	for (size_t i = 0; i < desc->field_count; i++) {
		const struct field_desc *field = &desc->fields[i];
		if ((field->flags & FF_KEY) != 0) {
			fputc(' ', out);
			export_word(export_value(field, rec, arena), out);
			continue;
		}
		if ((field->flags & FF_READONLY) != 0 ||
		    fields_equal(field, rec, defaults))
			continue;
		fprintf(out, " %s=", field->name);
		export_word(export_value(field, rec, arena), out);
	}
	fputc('\n', out);
}

static void export_json_line(const struct kind *kind, const void *rec,
			     FILE *out)
{
	const struct record_desc *desc = kind_desc(kind);

	fputs("{\"kind\": ", out);
	fields_json_string(desc->name, out);
	for (size_t i = 0; i < desc->field_count; i++) {
		const struct field_desc *field = &desc->fields[i];
		fputs(", ", out);
		fields_json_string(field->name, out);
		fputs(": ", out);
		if (field->type == FT_SECRET)
			fields_json_string(
			    *RECORD_FIELD(rec, field, const char *const), out);
		else
			fields_format_json(field, rec, out);
	}
	fputs("}\n", out);
}

/* Every object of one kind, in key order. */
static int export_kind(struct op *op, struct export_run *run,
		       const struct kind *kind)
{
	const struct record_desc *desc = kind_desc(kind);
	void *defaults = arena_zalloc(op->arena, desc->size);
	struct arena arena; /* one record's, reset after each */
	struct store_iter iter;
	struct store_val k, v;
	int ret = store_iter_open(op->txn, kind->table, NULL, 0, &iter);

	fields_defaults(&op->fenv, desc, defaults);
	arena_init(&arena, 0);
	while (ret == STORE_OK && (ret = store_iter_next(&iter, &k, &v)) == 1) {
		enum record_type type;
		const char *why;
		void *rec;
		ret = STORE_OK;
		/* Other kinds share the table (extra addresses and aliases
		 * beside mailboxes, alias domains beside domains). */
		if (record_peek_type(v.data, v.len, &type) < 0 ||
		    type != kind->type)
			continue;
		rec = arena_alloc(&arena, desc->size);
		if (record_decode(desc, k.data, k.len, v.data, v.len, &arena,
				  rec, &why) < 0) {
			store_iter_close(&iter);
			arena_deinit(&arena);
			return op_fail(op, CTL_TEMPFAIL, "%.*s: %s", (int)k.len,
				       (const char *)k.data, why);
		}
		if (run->json)
			export_json_line(kind, rec, run->ctl->out);
		else
			export_batch_line(&arena, kind, rec, defaults,
					  run->ctl->out);
		arena_reset(&arena);
	}
	store_iter_close(&iter);
	arena_deinit(&arena);
	return ret < 0 ? op_store_fail(op) : 0;
}

static int export_body(struct op *op, void *context)
{
	struct export_run *run = context;

	if (!run->json)
		fputs("# mailmapctl export: load with mailmapctl batch\n",
		      run->ctl->out);
	for (size_t i = 0; export_order[i] != NULL; i++) {
		if (export_kind(op, run, export_order[i]) < 0)
			return -1;
	}
	if (fflush(run->ctl->out) != 0 || ferror(run->ctl->out))
		return op_fail(op, CTL_TEMPFAIL, "export: write error");
	return 0;
}

int export_main(struct ctl *ctl, int argc, char **argv)
{
	struct export_run run = {ctl, ctl->json};

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") != 0) {
			fprintf(ctl->err,
				"usage: mailmapctl export [--json]\n");
			return CTL_INPUT;
		}
		run.json = true;
	}
	return ctl_read(ctl, export_body, &run);
}
