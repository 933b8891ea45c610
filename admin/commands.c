/* commands: parsing and dispatch of OBJECT VERB ARGS; see commands.h. */
#include "commands.h"

#include <ctype.h>
#include <fnmatch.h>
#include <string.h>

#include "autoreply.h"
#include "objects.h"
#include "output.h"
#include "password.h"

#define FLAG_RECURSIVE 0x1
#define FLAG_JSON      0x2
#define FLAG_PASSWORD  0x4

struct verb {
	const char *name;
	bool writes;
	bool takes_key;
	bool takes_fields;
	unsigned flags;
	int (*run)(struct op *op, struct ctl *ctl, const struct cmd_line *line);
	const char *usage;
};

static int verb_add(struct op *op, struct ctl *ctl, const struct cmd_line *line)
{
	(void)ctl;
	return object_add(op, line->kind, line->key, line->assigns,
			  line->assign_count);
}

static int verb_set(struct op *op, struct ctl *ctl, const struct cmd_line *line)
{
	(void)ctl;
	return object_set(op, line->kind, line->key, line->assigns,
			  line->assign_count);
}

static int verb_del(struct op *op, struct ctl *ctl, const struct cmd_line *line)
{
	(void)ctl;
	return object_del(op, line->kind, line->key, line->recursive);
}

static int verb_show(struct op *op, struct ctl *ctl,
		     const struct cmd_line *line)
{
	const char *key, *why;
	void *rec;

	if (fields_parse_key(&op->fenv, kind_desc(line->kind), line->key, &key,
			     &why) < 0)
		return op_fail(op, CTL_INPUT, "%s", why);
	if (object_load(op, line->kind, key, &rec) < 0)
		return -1;
	output_show(op, ctl->out, line->json || ctl->json, line->kind, rec);
	return 0;
}

/* Whether rec passes the list filters: the key glob and field=value. */
static bool verb_list_match(struct op *op, const struct cmd_line *line,
			    const void *rec, const void *filter)
{
	if (line->pattern != NULL &&
	    fnmatch(line->pattern, object_key(line->kind, rec), 0) != 0)
		return false;
	for (size_t i = 0; i < line->assign_count; i++) {
		if (!fields_equal(line->assigns[i].field, rec, filter))
			return false;
	}
	(void)op;
	return true;
}

static int verb_list_rows(struct op *op, const struct cmd_line *line,
			  struct output_table *table, const void *filter)
{
	struct store_iter iter;
	struct store_val k, v;
	int ret = store_iter_open(op->txn, line->kind->table, NULL, 0, &iter);

	while (ret == STORE_OK && (ret = store_iter_next(&iter, &k, &v)) == 1) {
		enum record_type type;
		const char *why;
		void *rec;
		ret = STORE_OK; /* a row: go on after it, whatever it is */
		/* Other kinds share the table (extra addresses and aliases
		 * beside mailboxes, alias domains beside domains). */
		if (record_peek_type(v.data, v.len, &type) < 0 ||
		    type != line->kind->type)
			continue;
		rec = arena_alloc(op->arena, kind_desc(line->kind)->size);
		if (record_decode(kind_desc(line->kind), k.data, k.len, v.data,
				  v.len, op->arena, rec, &why) < 0) {
			store_iter_close(&iter);
			return op_fail(op, CTL_TEMPFAIL, "%.*s: %s", (int)k.len,
				       (const char *)k.data, why);
		}
		if (verb_list_match(op, line, rec, filter))
			output_list_row(table, rec);
	}
	store_iter_close(&iter);
	return ret < 0 ? op_store_fail(op) : 0;
}

static int verb_list(struct op *op, struct ctl *ctl,
		     const struct cmd_line *line)
{
	const struct record_desc *desc = kind_desc(line->kind);
	void *filter = arena_zalloc(op->arena, desc->size);
	struct output_table *table;
	const char *why;

	fields_defaults(&op->fenv, desc, filter);
	for (size_t i = 0; i < line->assign_count; i++) {
		/* A stored hash never equals what one could type, and the
		 * password would be on the command line. */
		if (line->assigns[i].field->type == FT_SECRET)
			return op_fail(op, CTL_INPUT, "%s: not a list filter",
				       line->assigns[i].field->name);
		if (fields_apply(&op->fenv, &line->assigns[i], filter, &why) <
		    0)
			return op_fail(op, CTL_INPUT, "%s", why);
	}
	table = output_list_begin(op, ctl->out, line->json || ctl->json,
				  line->kind);
	if (verb_list_rows(op, line, table, filter) < 0)
		return -1;
	output_list_end(table);
	return 0;
}

static const struct verb verbs[] = {
    {"add", true, true, true, FLAG_PASSWORD, verb_add,
     "KEY field=value... [--password]"},
    {"set", true, true, true, FLAG_PASSWORD, verb_set,
     "KEY field=value|field+=item|field-=item... [--password]"},
    {"del", true, true, false, FLAG_RECURSIVE, verb_del, "KEY [--recursive]"},
    {"show", false, true, false, FLAG_JSON, verb_show, "KEY [--json]"},
    {"list", false, false, true, FLAG_JSON, verb_list,
     "[GLOB] [field=value...] [--json]"},
};

static const struct verb *verb_find(const char *name)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	}
	return NULL;
}

static const struct {
	const char *name;
	unsigned flag;
	size_t offset;
} cmd_flags[] = {
    {"--recursive", FLAG_RECURSIVE, offsetof(struct cmd_line, recursive)},
    {"--json", FLAG_JSON, offsetof(struct cmd_line, json)},
    {"--password", FLAG_PASSWORD, offsetof(struct cmd_line, password)},
};

static int commands_flag(struct op *op, const char *arg, struct cmd_line *line)
{
	for (size_t i = 0; i < sizeof(cmd_flags) / sizeof(cmd_flags[0]); i++) {
		if (strcmp(cmd_flags[i].name, arg) != 0)
			continue;
		if ((line->verb->flags & cmd_flags[i].flag) == 0)
			break;
		*(bool *)((char *)line + cmd_flags[i].offset) = true;
		return 0;
	}
	return op_fail(op, CTL_INPUT, "%s %s: unknown option %s",
		       kind_desc(line->kind)->name, line->verb->name, arg);
}

/* An argument as an error message may quote it: the value of a
 * password= is never repeated (it is on the command line already, and
 * need not be in a log too). */
static const char *
commands_shown_arg(struct op *op, const struct cmd_line *line, const char *arg)
{
	size_t name_len = strcspn(arg, "+-=");
	char *name = arena_strndup(op->arena, arg, name_len);
	const struct field_desc *field =
	    record_field(kind_desc(line->kind), name);

	if (field == NULL || field->type != FT_SECRET || arg[name_len] == '\0')
		return arg;
	return arena_printf(op->arena, "%s=...", name);
}

static int commands_argument(struct op *op, const char *arg,
			     struct cmd_line *line)
{
	const struct verb *verb = line->verb;
	const char *why;

	if (strncmp(arg, "--", 2) == 0)
		return commands_flag(op, arg, line);
	if (verb->takes_key && line->key == NULL) {
		line->key = arg;
		return 0;
	}
	if (!verb->takes_key && line->pattern == NULL &&
	    strchr(arg, '=') == NULL) {
		char *pattern = arena_strdup(op->arena, arg);
		for (char *p = pattern; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		line->pattern = pattern;
		return 0;
	}
	if (!verb->takes_fields)
		return op_fail(op, CTL_INPUT,
			       "%s %s: unexpected argument \"%s\"",
			       kind_desc(line->kind)->name, verb->name,
			       commands_shown_arg(op, line, arg));
	if (fields_parse_assign(kind_desc(line->kind), arg,
				&line->assigns[line->assign_count], &why) < 0)
		return op_fail(op, CTL_INPUT, "%s %s: \"%.*s\": %s",
			       kind_desc(line->kind)->name, verb->name,
			       (int)strcspn(arg, "+-="), arg, why);
	line->assign_count++;
	return 0;
}

int commands_parse(struct op *op, int argc, char **argv, struct cmd_line *line)
{
	memset(line, 0, sizeof(*line));
	if (argc < 2)
		return op_fail(op, CTL_INPUT,
			       "expected OBJECT VERB (see mailmapctl help)");
	line->kind = kind_by_name(argv[0]);
	if (line->kind == NULL)
		return op_fail(op, CTL_INPUT,
			       "unknown object \"%s\" (see mailmapctl help)",
			       argv[0]);
	line->verb = verb_find(argv[1]);
	if (line->verb == NULL)
		return op_fail(
		    op, CTL_INPUT,
		    "%s: unknown verb \"%s\" (add, set, del, show, list)",
		    argv[0], argv[1]);
	line->assigns =
	    arena_alloc(op->arena, (size_t)argc * sizeof(*line->assigns));
	for (int i = 2; i < argc; i++) {
		if (commands_argument(op, argv[i], line) < 0)
			return -1;
	}
	if (line->verb->takes_key && line->key == NULL)
		return op_fail(op, CTL_INPUT, "usage: mailmapctl %s %s %s",
			       argv[0], argv[1], line->verb->usage);
	if (line->password && line->kind != &kind_mailbox)
		return op_fail(op, CTL_INPUT,
			       "--password: only mailboxes have passwords");
	return 0;
}

bool commands_writes(const struct cmd_line *line)
{
	return line->verb->writes;
}

int commands_exec(struct op *op, struct ctl *ctl, const struct cmd_line *line)
{
	return line->verb->run(op, ctl, line);
}

int commands_run(struct op *op, struct ctl *ctl, int argc, char **argv)
{
	struct cmd_line line;

	if (commands_parse(op, argc, argv, &line) < 0)
		return -1;
	if (!commands_writes(&line))
		return op_fail(op, CTL_INPUT, "only add, set and del here");
	return commands_exec(op, ctl, &line);
}

/* `import FILE` or `import postfixadmin ...`. */
static int command_import(struct ctl *ctl, int argc, char **argv)
{
	if (strcmp(argv[0], "postfixadmin") == 0)
		return import_pfa_main(ctl, argc, argv);
	return import_main(ctl, argc, argv);
}

/* A single command from argv, with its own transaction. */
struct single {
	struct ctl *ctl;
	int argc;
	char **argv;
	const char *password; /* read before the transaction */
};

static int single_body(struct op *op, void *context)
{
	struct single *single = context;
	struct cmd_line line;

	if (commands_parse(op, single->argc, single->argv, &line) < 0)
		return -1;
	if (single->password != NULL) {
		struct assign *assign = &line.assigns[line.assign_count++];
		assign->field =
		    record_field(kind_desc(&kind_mailbox), "password");
		assign->op = ASSIGN_SET;
		assign->text = single->password;
		assign->from_stdin = true;
	}
	return commands_exec(op, single->ctl, &line);
}

/* Parses once outside any transaction to learn whether the command writes
 * and wants a password, which is read before the transaction starts. */
static int single_plan(struct ctl *ctl, int argc, char **argv, bool *writes_r,
		       bool *password_r)
{
	struct op op = {0};
	struct arena arena, keep;
	struct strvec notes = {0}, purges = {0};
	struct cmd_line line;
	int status = CTL_OK;

	arena_init(&arena, 0);
	arena_init(&keep, 0);
	op.arena = &arena;
	op.keep = &keep;
	op.notes = &notes;
	op.purges = &purges;
	if (commands_parse(&op, argc, argv, &line) < 0) {
		fprintf(ctl->err, "mailmapctl: %s\n", op.error);
		status = op.status;
	} else {
		*writes_r = commands_writes(&line);
		*password_r = line.password;
	}
	arena_deinit(&arena);
	arena_deinit(&keep);
	return status;
}

static int single_main(struct ctl *ctl, int argc, char **argv)
{
	struct single single = {ctl, argc, argv, NULL};
	char password[PASSWORD_PLAIN_MAX + 1];
	size_t len;
	const char *why;
	bool writes = false, wants_password = false;
	int status = single_plan(ctl, argc, argv, &writes, &wants_password);

	if (status != CTL_OK)
		return status;
	if (wants_password) {
		if (password_read(ctl->in, password, &len, &why) < 0) {
			fprintf(ctl->err, "mailmapctl: password: %s\n", why);
			return CTL_INPUT;
		}
		single.password = password;
	}
	status = writes ? ctl_write(ctl, single_body, &single)
			: ctl_read(ctl, single_body, &single);
	explicit_bzero(password, sizeof(password));
	return status;
}

static int command_help(struct ctl *ctl, int argc, char **argv)
{
	commands_help(ctl->out, argc >= 1 ? argv[0] : NULL);
	return CTL_OK;
}

static int command_batch(struct ctl *ctl, int argc, char **argv)
{
	(void)argc;
	return batch_main(ctl, argv[0]);
}

static int command_query(struct ctl *ctl, int argc, char **argv)
{
	(void)argc;
	return query_main(ctl, argv[0], argv[1]);
}

/* The commands that are not OBJECT VERB; argc and argv follow the name. */
static const struct {
	const char *name;
	int min_args, max_args; /* -1: any number */
	int (*run)(struct ctl *ctl, int argc, char **argv);
	const char *usage;
} commands[] = {
    {"help", 0, -1, command_help, NULL},
    {"batch", 1, 1, command_batch, "batch FILE|-"},
    {"query", 2, 2, command_query, "query MAP KEY"},
    {"greylist", 0, -1, greylist_main, NULL},
    {"stats", 0, -1, stats_main, NULL},
    {"export", 0, -1, export_main, NULL},
    {"backup", 1, 1, backup_main, "backup DIR"},
    {"restore", 1, 1, restore_main, "restore DIR"},
    {"import", 1, -1, command_import, "import FILE [--check]"},
    {"autoreply", 0, -1, autoreply_main, NULL},
    {"replica", 0, -1, replica_main, NULL},
};

int commands_main(struct ctl *ctl, int argc, char **argv)
{
	for (size_t i = 0;
	     argc >= 1 && i < sizeof(commands) / sizeof(commands[0]); i++) {
		int args = argc - 1;
		if (strcmp(argv[0], commands[i].name) != 0)
			continue;
		if (args < commands[i].min_args ||
		    (commands[i].max_args >= 0 &&
		     args > commands[i].max_args)) {
			fprintf(ctl->err, "usage: mailmapctl %s\n",
				commands[i].usage);
			return CTL_INPUT;
		}
		return commands[i].run(ctl, args, argv + 1);
	}
	return single_main(ctl, argc, argv);
}
