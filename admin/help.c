/* help: usage text, generated from the verb list and field descriptors. */
#include <string.h>

#include "commands.h"

/* clang-format off */
static const char *const help_type_names[] = {
	[FT_NAME] = "name",        [FT_TEXT] = "text",
	[FT_LONGTEXT] = "text",    [FT_DOMAIN] = "domain",
	[FT_ADDRESS] = "address",  [FT_ADDRESSES] = "addresses",
	[FT_OFFER] = "customer/offer", [FT_HOST] = "host",
	[FT_PATH] = "/path",       [FT_RELPATH] = "path",
	[FT_SECRET] = "password",  [FT_BOOL] = "yes|no",
	[FT_COUNT] = "count",      [FT_SIZE] = "size",
	[FT_PORT] = "port",        [FT_ENUM] = "choice",
	[FT_SET] = "choices",      [FT_TIME] = "date",
	[FT_DURATION] = "duration", [FT_LANGUAGE] = "language",
	[FT_TIMEZONE] = "timezone", [FT_SENDRULES] = "rules",
};

/* clang-format on */

static void help_usage(FILE *out)
{
	fputs(
	    "usage: mailmapctl [--config FILE] [--store DIR] [--json] COMMAND\n"
	    "\n"
	    "commands:\n"
	    "  OBJECT add KEY field=value... [--password]\n"
	    "  OBJECT set KEY field=value|field+=item|field-=item... "
	    "[--password]\n"
	    "  OBJECT del KEY [--recursive]\n"
	    "  OBJECT show KEY [--json]\n"
	    "  OBJECT list [GLOB] [field=value...] [--json]\n"
	    "  batch FILE|-        run the commands of FILE in one "
	    "transaction\n"
	    "  query MAP KEY       print what mailmapd answers Postfix\n"
	    "  greylist list [--client NET] [--sender GLOB] "
	    "[--recipient GLOB]\n"
	    "                [--pending|--passed|--whitelisted] [--json]\n"
	    "  greylist show CLIENT SENDER RECIPIENT [--json]\n"
	    "  greylist delete CLIENT SENDER RECIPIENT | --client NET\n"
	    "  greylist whitelist add NET [comment=TEXT] | del NET | list "
	    "[--json]\n"
	    "  greylist stats [--json]\n"
	    "  autoreply set ADDRESS [subject=TEXT] [body=TEXT | "
	    "--body-file FILE|-]\n"
	    "                [start=WHEN] [end=WHEN] [interval=DURATION]\n"
	    "  autoreply clear ADDRESS | show ADDRESS [--json] [--script]\n"
	    "                      a mailbox's vacation reply (dates in its "
	    "time zone)\n"
	    "  status [--json]     what mailmapd is doing (its metrics "
	    "listener)\n"
	    "  stats [--json]      per-domain mailboxes, quota used and "
	    "allotted\n"
	    "  export [--json]     the whole configuration, as a batch "
	    "(or JSON Lines)\n"
	    "  import FILE [--check]  mailboxes from a CSV or XLSX "
	    "spreadsheet\n"
	    "  import postfixadmin [--socket PATH] [--database NAME] ...\n"
	    "                      a PostfixAdmin database (README)\n"
	    "  backup DIR          a consistent copy of the stores, while "
	    "mailmapd runs\n"
	    "  restore DIR         the backup's configuration swapped in, "
	    "while mailmapd runs\n"
	    "  replica check|seed  multi-host mode: this host's replica "
	    "against "
	    "etcd,\n"
	    "                      or a single host's store into an empty "
	    "etcd prefix\n"
	    "  help [OBJECT]       this text, or the fields of OBJECT\n"
	    "\n"
	    "objects:",
	    out);
	for (size_t i = 0; kinds_all[i] != NULL; i++)
		fprintf(out, " %s", kind_desc(kinds_all[i])->name);
	fputs(
	    "\n\nexit codes: 0 done, 1 bad input or refused by a rule, "
	    "2 not found, 75 temporary failure (locked or unreadable store)\n",
	    out);
}

static void help_fields(FILE *out, const struct kind *kind)
{
	const struct record_desc *desc = kind_desc(kind);

	fprintf(out, "%s fields (KEY is %s):\n", desc->name,
		desc->fields[0].name);
	for (size_t i = 1; i < desc->field_count; i++) {
		const struct field_desc *field = &desc->fields[i];
		const char *def = field->default_text;
		fprintf(out, "  %-20s %-15s %s%s%s%s%s\n", field->name,
			help_type_names[field->type],
			(field->flags & FF_REQUIRED) != 0 ? "(required) " : "",
			field->help,
			def != NULL && def[0] != '\0' ? " [default " : "",
			def != NULL && def[0] != '\0' ? def : "",
			def != NULL && def[0] != '\0' ? "]" : "");
	}
}

void commands_help(FILE *out, const char *object)
{
	const struct kind *kind = object != NULL ? kind_by_name(object) : NULL;

	if (kind != NULL)
		help_fields(out, kind);
	else
		help_usage(out);
}
