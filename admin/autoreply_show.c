/*
 * autoreply_show: `mailmapctl autoreply show ADDRESS [--json] [--script]`
 * (autoreply.h): whether the auto-reply is active now and why not, its
 * window in the mailbox's time zone, what it answers, and the Sieve
 * script mailmapd serves for it.
 */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "autoreply.h"
#include "fields.h"
#include "kinds.h"
#include "objects.h"
#include "vacation.h"
#include "zone.h"

/* What the mailbox's auto-reply is doing now. */
struct autoreply_state {
	bool active;
	const char *text; /* "yes, until ...", "no: off"... */
	const char **addresses;
	size_t address_count;
	bool discard;
};

static const char *autoreply_state_text(struct op *op,
					const struct rec_mailbox *m,
					uint64_t now, bool *active_r)
{
	const char *zone = m->timezone;

	*active_r = false;
	if (!m->autoreply)
		return "no: off";
	if (!m->enabled)
		return "no: the mailbox is disabled";
	if (m->autoreply_start != 0 && now < m->autoreply_start)
		return arena_printf(
		    op->arena, "no: starts %s",
		    zone_format(op->arena, zone, m->autoreply_start));
	if (m->autoreply_end != 0 && now > m->autoreply_end)
		return arena_printf(
		    op->arena, "no: ended %s",
		    zone_format(op->arena, zone, m->autoreply_end));
	*active_r = true;
	if (m->autoreply_end == 0)
		return "yes, with no end";
	return arena_printf(op->arena, "yes, until %s",
			    zone_format(op->arena, zone, m->autoreply_end));
}

static int autoreply_state_get(struct op *op, const struct rec_mailbox *m,
			       struct autoreply_state *state)
{
	const char *reason;

	state->text =
	    autoreply_state_text(op, m, (uint64_t)time(NULL), &state->active);
	if (vacation_addresses(op->txn, op->arena, m, &state->addresses,
			       &state->address_count,
			       &reason) != LOOKUP_FOUND ||
	    vacation_discards(op->txn, op->arena, op->delimiters, m,
			      &state->discard) != LOOKUP_FOUND)
		return op_store_fail(op);
	return 0;
}

/* A window's end as text: local, or "none". */
static const char *autoreply_when(struct op *op, const struct rec_mailbox *m,
				  uint64_t when)
{
	return when == 0 ? "none" : zone_format(op->arena, m->timezone, when);
}

static void autoreply_print_text(struct op *op, FILE *out,
				 const struct rec_mailbox *m,
				 const struct autoreply_state *state)
{
	fprintf(out, "mailbox: %s\n", m->address);
	fprintf(out, "autoreply: %s\n", m->autoreply ? "on" : "off");
	fprintf(out, "active now: %s\n", state->text);
	fprintf(out, "start: %s\n", autoreply_when(op, m, m->autoreply_start));
	fprintf(out, "end: %s\n", autoreply_when(op, m, m->autoreply_end));
	fprintf(out, "interval: %s\n",
		fields_format(record_field(kind_desc(&kind_mailbox),
					   "autoreply_interval"),
			      m, op->arena));
	fprintf(out, "answers mail to: %s", m->address);
	for (size_t i = 0; i < state->address_count; i++)
		fprintf(out, ", %s", state->addresses[i]);
	fprintf(out, "\n");
	if (state->discard)
		fprintf(out, "forwards without a copy: replies, then keeps "
			     "nothing\n");
	fprintf(out, "subject: %s\n", m->autoreply_subject);
	fprintf(out, "body:\n%s", m->autoreply_body);
	if (m->autoreply_body[0] != '\0' &&
	    m->autoreply_body[strlen(m->autoreply_body) - 1] != '\n')
		fprintf(out, "\n");
}

static void autoreply_json_time(FILE *out, const char *name, uint64_t when)
{
	char text[32];
	time_t t = (time_t)when;
	struct tm tm;

	fprintf(out, ",\"%s\":", name);
	if (when == 0) {
		fputs("null", out);
		return;
	}
	gmtime_r(&t, &tm);
	strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fields_json_string(text, out);
}

static void autoreply_print_json(FILE *out, const struct rec_mailbox *m,
				 const struct autoreply_state *state)
{
	fputs("{\"mailbox\":", out);
	fields_json_string(m->address, out);
	fprintf(out, ",\"autoreply\":%s,\"active\":%s,\"state\":",
		m->autoreply ? "true" : "false",
		state->active ? "true" : "false");
	fields_json_string(state->text, out);
	autoreply_json_time(out, "start", m->autoreply_start);
	autoreply_json_time(out, "end", m->autoreply_end);
	fputs(",\"timezone\":", out);
	fields_json_string(m->timezone, out);
	fprintf(out, ",\"interval\":%" PRIu64 ",\"addresses\":[",
		m->autoreply_interval);
	fields_json_string(m->address, out);
	for (size_t i = 0; i < state->address_count; i++) {
		fputc(',', out);
		fields_json_string(state->addresses[i], out);
	}
	fprintf(out, "],\"discard\":%s,\"subject\":",
		state->discard ? "true" : "false");
	fields_json_string(m->autoreply_subject, out);
	fputs(",\"body\":", out);
	fields_json_string(m->autoreply_body, out);
	fputs("}\n", out);
}

/* --script: the script mailmapd serves, or a note that it serves none. */
static int autoreply_print_script(struct op *op, FILE *out, const char *address)
{
	struct sieve_script script;
	const char *reason;
	enum lookup_status st = vacation_script(
	    op->txn, op->arena, op->delimiters, address, &script, &reason);

	if (st == LOOKUP_TEMPFAIL)
		return op_fail(op, CTL_TEMPFAIL, "%s: %s", address, reason);
	if (st != LOOKUP_FOUND || !script.replies)
		return op_fail(op, CTL_NOTFOUND,
			       "%s: no auto-reply (off, or the mailbox "
			       "disabled): its script does nothing",
			       address);
	fprintf(out, "# id %s\n%s", script.id, script.text);
	return 0;
}

int autoreply_show_body(struct op *op, void *context)
{
	const struct autoreply_show *show = context;
	struct autoreply_state state;
	struct rec_mailbox *m;
	const char *key, *why;
	FILE *out = show->out;

	if (fields_parse_key(&op->fenv, kind_desc(&kind_mailbox), show->address,
			     &key, &why) < 0)
		return op_fail(op, CTL_INPUT, "%s", why);
	if (object_load(op, &kind_mailbox, key, (void **)&m) < 0)
		return -1;
	if (show->script)
		return autoreply_print_script(op, out, key);
	if (autoreply_state_get(op, m, &state) < 0)
		return -1;
	if (show->json)
		autoreply_print_json(out, m, &state);
	else
		autoreply_print_text(op, out, m, &state);
	return 0;
}
