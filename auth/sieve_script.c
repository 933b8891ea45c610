/* sieve_script: a mailbox's auto-reply as a Sieve script; see
 * sieve_script.h. */
#include "sieve_script.h"

#include <inttypes.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The text under construction, in the arena. */
struct sieve_buf {
	struct arena *arena;
	char *data;
	size_t len;
	size_t cap;
};

static void sieve_put(struct sieve_buf *buf, const char *s, size_t len)
{
	arena_append(buf->arena, &buf->data, &buf->len, &buf->cap, s, len);
}

static void sieve_puts(struct sieve_buf *buf, const char *s)
{
	sieve_put(buf, s, strlen(s));
}

/* A quoted string (RFC 5228 2.4.2): `"` and `\` escaped, nothing else. */
static void sieve_quoted(struct sieve_buf *buf, const char *s)
{
	sieve_put(buf, "\"", 1);
	while (*s != '\0') {
		size_t run = strcspn(s, "\"\\");
		sieve_put(buf, s, run);
		s += run;
		if (*s != '\0') {
			sieve_put(buf, "\\", 1);
			sieve_put(buf, s++, 1);
		}
	}
	sieve_put(buf, "\"", 1);
}

/* The characters RFC 5322 gives a meaning in a phrase: left out of a
 * display name, which goes unquoted (Pigeonhole encodes the rest, UTF-8
 * included, as MIME words; a quoted phrase comes out broken). */
#define SIEVE_PHRASE_SPECIALS "\"()<>[]:;@\\,\t"

/* Appends text to the display name, words one space apart. */
static void sieve_phrase_add(struct sieve_buf *name, const char *text)
{
	bool space = name->len != 0;

	for (const char *p = text; *p != '\0'; p++) {
		if (strchr(SIEVE_PHRASE_SPECIALS, *p) != NULL)
			continue;
		if (*p == ' ') {
			space = name->len != 0;
			continue;
		}
		if (space)
			sieve_put(name, " ", 1);
		space = false;
		sieve_put(name, p, 1);
	}
}

/* :from: "First Last <address>", or the address alone. */
static void sieve_from(struct sieve_buf *buf, const struct sieve_vacation *v,
		       struct arena *arena)
{
	struct sieve_buf name = {arena, NULL, 0, 0};

	sieve_put(&name, "", 0);
	sieve_phrase_add(&name, v->first_name);
	sieve_phrase_add(&name, v->last_name);
	sieve_puts(buf, " :from ");
	if (name.len == 0) {
		sieve_quoted(buf, v->address);
		return;
	}
	sieve_quoted(buf,
		     arena_printf(arena, "%s <%s>", name.data, v->address));
}

static void sieve_addresses(struct sieve_buf *buf,
			    const struct sieve_vacation *v)
{
	size_t count = v->address_count < SIEVE_ADDRESSES_MAX
			   ? v->address_count
			   : SIEVE_ADDRESSES_MAX;

	sieve_puts(buf, "\n    :addresses [");
	sieve_quoted(buf, v->address);
	for (size_t i = 0; i < count; i++) {
		sieve_puts(buf, ", ");
		sieve_quoted(buf, v->addresses[i]);
	}
	sieve_puts(buf, "]");
}

/* "YYYY-MM-DDTHH:MM:SSZ" of a unix time, as Pigeonhole's iso8601 in UTC. */
static void sieve_instant(struct sieve_buf *buf, uint64_t when)
{
	char text[32];
	time_t t = (time_t)when;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
	sieve_puts(buf, "\"");
	sieve_puts(buf, text);
	sieve_puts(buf, "\"");
}

/* The window's test: "if true" when it is open at both ends. */
static void sieve_window(struct sieve_buf *buf, const struct sieve_vacation *v)
{
	bool both = v->start != 0 && v->end != 0;

	if (v->start == 0 && v->end == 0) {
		sieve_puts(buf, "if true {\n");
		return;
	}
	sieve_puts(buf, both ? "if allof (" : "if ");
	if (v->start != 0) {
		sieve_puts(buf, "currentdate :zone \"+0000\" :value \"ge\" "
				"\"iso8601\" ");
		sieve_instant(buf, v->start);
	}
	if (both)
		sieve_puts(buf, ",\n          ");
	if (v->end != 0) {
		sieve_puts(buf, "currentdate :zone \"+0000\" :value \"le\" "
				"\"iso8601\" ");
		sieve_instant(buf, v->end);
	}
	sieve_puts(buf, both ? ") {\n" : " {\n");
}

static bool sieve_whole_days(uint64_t interval)
{
	return interval >= 86400 && interval % 86400 == 0;
}

static void sieve_vacation_command(struct sieve_buf *buf,
				   const struct sieve_vacation *v,
				   struct arena *arena)
{
	char period[48];

	if (sieve_whole_days(v->interval))
		snprintf(period, sizeof(period), ":days %" PRIu64,
			 v->interval / 86400);
	else
		snprintf(period, sizeof(period), ":seconds %" PRIu64,
			 v->interval);
	sieve_puts(buf, "  vacation ");
	sieve_puts(buf, period);
	sieve_from(buf, v, arena);
	sieve_addresses(buf, v);
	if (v->subject[0] != '\0') {
		sieve_puts(buf, "\n    :subject ");
		sieve_quoted(buf, v->subject);
	}
	sieve_puts(buf, "\n    ");
	sieve_quoted(buf, v->body);
	sieve_puts(buf, ";\n}\n");
}

void sieve_script_build(const struct sieve_vacation *vacation,
			struct arena *arena, struct sieve_script *script_r)
{
	struct sieve_buf buf = {arena, NULL, 0, 0};

	sieve_puts(&buf, "# mailmap: the auto-reply of ");
	sieve_puts(&buf, vacation->address);
	sieve_puts(&buf, " (generated; change it with mailmapctl "
			 "autoreply)\nrequire [\"vacation\", ");
	if (!sieve_whole_days(vacation->interval))
		sieve_puts(&buf, "\"vacation-seconds\", ");
	sieve_puts(&buf, "\"date\", \"relational\"];\n");
	sieve_window(&buf, vacation);
	sieve_vacation_command(&buf, vacation, arena);
	if (vacation->discard)
		sieve_puts(&buf, "# forwarded without a copy: keep nothing\n"
				 "discard;\n");
	script_r->text = buf.data;
	script_r->len = buf.len;
	script_r->replies = true;
	sieve_script_id(buf.data, buf.len, script_r->id);
}

void sieve_script_none(struct sieve_script *script_r)
{
	static const char none[] = "# mailmap: no auto-reply\n";

	script_r->text = none;
	script_r->len = sizeof(none) - 1;
	script_r->replies = false;
	sieve_script_id(none, script_r->len, script_r->id);
}

void sieve_script_id(const char *text, size_t len, char id_r[SIEVE_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t digest[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, len, (const uint8_t *)text);
	sha256_digest(&ctx, sizeof(digest), digest);
	for (size_t i = 0; i < SIEVE_ID_LEN / 2; i++) {
		id_r[2 * i] = hex[digest[i] >> 4];
		id_r[2 * i + 1] = hex[digest[i] & 0x0f];
	}
	id_r[SIEVE_ID_LEN] = '\0';
}
