/*
 * fields: admin text -> field values (one table per field type, accepted
 * and refused with the exact message), list assignments (+=, -=, copy on
 * write), send rules, the text and JSON formatters, name=value splitting,
 * keys and defaults.
 */
#include <check.h>

#include "testutil.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "password.h"

static struct arena arena;
static struct fields_env env;

static void setup(void)
{
	arena_init(&arena, 0);
	env.arena = &arena;
	env.password_scheme = PASSWORD_SHA512_CRYPT;
	env.password_rounds = 1000;
}

static void teardown(void)
{
	arena_deinit(&arena);
}

static uint64_t get_uint(const struct field_desc *field, const void *rec)
{
	switch (field->type) {
	case FT_BOOL:
		return *RECORD_FIELD(rec, field, const bool);
	case FT_ENUM:
	case FT_SET:
		return *RECORD_FIELD(rec, field, const unsigned);
	default:
		return *RECORD_FIELD(rec, field, const uint64_t);
	}
}

static void set_uint(const struct field_desc *field, void *rec, uint64_t v)
{
	switch (field->type) {
	case FT_BOOL:
		*RECORD_FIELD(rec, field, bool) = v != 0;
		break;
	case FT_ENUM:
	case FT_SET:
		*RECORD_FIELD(rec, field, unsigned) = (unsigned)v;
		break;
	default:
		*RECORD_FIELD(rec, field, uint64_t) = v;
		break;
	}
}

/* A record of type with its defaults, and its field. */
static void *scratch(enum record_type type, const char *name,
		     const struct field_desc **field_r)
{
	const struct record_desc *desc = record_desc_get(type);
	void *rec = arena_alloc(&arena, desc->size);

	fields_defaults(&env, desc, rec);
	*field_r = record_field(desc, name);
	ck_assert_msg(*field_r != NULL, "%s has no field %s", desc->name, name);
	return rec;
}

/* A want ending in '*' matches as a prefix. */
static bool message_matches(const char *got, const char *want)
{
	size_t len = strlen(want);

	if (len != 0 && want[len - 1] == '*')
		return strncmp(got, want, len - 1) == 0;
	return strcmp(got, want) == 0;
}

/* fields_apply, one table per field type */

struct apply_case {
	enum record_type type;
	const char *field;
	const char *text;
	const char *error; /* NULL: accepted */
	uint64_t value;	   /* integer fields */
	const char *str;   /* string fields: what is stored */
};

#define OK(t, f, text, v)                                                      \
	{                                                                      \
		(t), (f), (text), NULL, (v), NULL                              \
	}
#define OKS(t, f, text, s)                                                     \
	{                                                                      \
		(t), (f), (text), NULL, 0, (s)                                 \
	}
#define BAD(t, f, text, err)                                                   \
	{                                                                      \
		(t), (f), (text), (err), 0, NULL                               \
	}

static void run_apply(const struct apply_case *c)
{
	const struct field_desc *field;
	void *rec = scratch(c->type, c->field, &field);
	size_t size = record_desc_get(c->type)->size;
	void *before = arena_alloc(&arena, size);
	struct assign assign = {field, ASSIGN_SET, c->text};
	const char *error = NULL;

	memcpy(before, rec, size);
	int ret = fields_apply(&env, &assign, rec, &error);
	if (c->error != NULL) {
		ck_assert_msg(ret == -1, "%s=\"%s\" accepted", c->field,
			      c->text);
		ck_assert_msg(message_matches(error, c->error),
			      "%s=\"%s\": \"%s\", want \"%s\"", c->field,
			      c->text, error, c->error);
		/* a refused value leaves the record alone */
		ck_assert_int_eq(memcmp(before, rec, size), 0);
		return;
	}
	ck_assert_msg(ret == 0, "%s=\"%s\": %s", c->field, c->text, error);
	if (field_type_is_uint(field->type)) {
		ck_assert_msg(get_uint(field, rec) == c->value,
			      "%s=\"%s\": %llu, want %llu", c->field, c->text,
			      (unsigned long long)get_uint(field, rec),
			      (unsigned long long)c->value);
	} else {
		const char *s = *RECORD_FIELD(rec, field, const char *);
		ck_assert_msg(strcmp(s, c->str) == 0,
			      "%s=\"%s\": \"%s\", want \"%s\"", c->field,
			      c->text, s, c->str);
	}
}

#define SIZE_NOINHERIT "quota: must be a size above 0 (512M, 2G) or unlimited"
#define SIZE_INHERIT                                                           \
	"quota: must be a size above 0 (512M, 2G), unlimited or inherit"

static const struct apply_case size_cases[] = {
    OK(REC_OFFER, "quota", "512M", UINT64_C(512) << 20),
    OK(REC_OFFER, "quota", "2G", UINT64_C(2) << 30),
    OK(REC_OFFER, "quota", "1T", UINT64_C(1) << 40),
    OK(REC_OFFER, "quota", "16k", 16384),
    OK(REC_OFFER, "quota", "16K", 16384),
    OK(REC_OFFER, "quota", "1", 1),
    OK(REC_OFFER, "quota", "1000", 1000),
    OK(REC_OFFER, "quota", "unlimited", RECORD_UNLIMITED),
    OK(REC_OFFER, "quota", "UNLIMITED", RECORD_UNLIMITED),
    OK(REC_OFFER, "quota", "18446744073709551614", UINT64_MAX - 1),
    OK(REC_OFFER, "max_message_size", "25M", UINT64_C(25) << 20),
    BAD(REC_OFFER, "quota", "inherit", SIZE_NOINHERIT),
    BAD(REC_OFFER, "quota", "0", SIZE_NOINHERIT),
    BAD(REC_OFFER, "quota", "0G", SIZE_NOINHERIT),
    BAD(REC_OFFER, "quota", "12Q", SIZE_NOINHERIT),
    BAD(REC_OFFER, "quota", "", SIZE_NOINHERIT),
    BAD(REC_OFFER, "quota", "G", SIZE_NOINHERIT),
    BAD(REC_OFFER, "quota", "1.5G", SIZE_NOINHERIT),
    BAD(REC_OFFER, "quota", "-1", SIZE_NOINHERIT),
    BAD(REC_OFFER, "quota", " 2G", SIZE_NOINHERIT),
    BAD(REC_OFFER, "quota", "2G ", SIZE_NOINHERIT),
    BAD(REC_OFFER, "quota", "2GG", SIZE_NOINHERIT),
    BAD(REC_OFFER, "quota", "18446744073709551615", SIZE_NOINHERIT),
    BAD(REC_OFFER, "quota", "18446744073709551616", SIZE_NOINHERIT),
    BAD(REC_OFFER, "quota", "17179869184G", SIZE_NOINHERIT),
    BAD(REC_OFFER, "max_attachment_size", "0",
	"max_attachment_size: must be a size above 0 (512M, 2G) or unlimited"),
    OK(REC_MAILBOX, "quota", "inherit", RECORD_INHERIT),
    OK(REC_MAILBOX, "quota", "Inherit", RECORD_INHERIT),
    OK(REC_MAILBOX, "quota", "512M", UINT64_C(512) << 20),
    OK(REC_MAILBOX, "quota", "unlimited", RECORD_UNLIMITED),
    BAD(REC_MAILBOX, "quota", "0", SIZE_INHERIT),
    BAD(REC_MAILBOX, "quota", "12Q", SIZE_INHERIT),
    BAD(REC_MAILBOX, "quota", "inherited", SIZE_INHERIT),
    BAD(REC_DOMAIN, "max_quota", "inherit",
	"max_quota: must be a size above 0 (512M, 2G) or unlimited"),
};

#define COUNT_BAD "max_seats: must be a number up to 1000000000 or unlimited"

static const struct apply_case count_cases[] = {
    OK(REC_OFFER, "max_seats", "0", 0),
    OK(REC_OFFER, "max_seats", "1", 1),
    OK(REC_OFFER, "max_seats", "007", 7),
    OK(REC_OFFER, "max_seats", "1000000000", 1000000000),
    OK(REC_OFFER, "max_seats", "unlimited", RECORD_UNLIMITED),
    OK(REC_OFFER, "max_seats", "Unlimited", RECORD_UNLIMITED),
    OK(REC_DOMAIN, "max_mailboxes", "250", 250),
    BAD(REC_OFFER, "max_seats", "1000000001", COUNT_BAD),
    BAD(REC_OFFER, "max_seats", "99999999999999999999999", COUNT_BAD),
    BAD(REC_OFFER, "max_seats", "-1", COUNT_BAD),
    BAD(REC_OFFER, "max_seats", "", COUNT_BAD),
    BAD(REC_OFFER, "max_seats", "1k", COUNT_BAD),
    BAD(REC_OFFER, "max_seats", "12 ", COUNT_BAD),
    BAD(REC_OFFER, "max_seats", "+3", COUNT_BAD),
    BAD(REC_OFFER, "max_seats", "none", COUNT_BAD),
};

#define BOOL_BAD "drive: must be yes or no"

static const struct apply_case bool_cases[] = {
    OK(REC_OFFER, "drive", "yes", 1),
    OK(REC_OFFER, "drive", "no", 0),
    OK(REC_OFFER, "drive", "true", 1),
    OK(REC_OFFER, "drive", "false", 0),
    OK(REC_OFFER, "drive", "on", 1),
    OK(REC_OFFER, "drive", "off", 0),
    OK(REC_OFFER, "drive", "1", 1),
    OK(REC_OFFER, "drive", "0", 0),
    OK(REC_OFFER, "drive", "YES", 1),
    OK(REC_OFFER, "drive", "False", 0),
    OK(REC_OFFER, "mail", "no", 0),
    OK(REC_OFFER, "mail", "yes", 1),
    BAD(REC_OFFER, "drive", "", BOOL_BAD),
    BAD(REC_OFFER, "drive", "y", BOOL_BAD),
    BAD(REC_OFFER, "drive", "2", BOOL_BAD),
    BAD(REC_OFFER, "drive", "yes ", BOOL_BAD),
    BAD(REC_OFFER, "drive", "enabled", BOOL_BAD),
};

#define PORT_BAD "lmtp_port: must be a port number from 1 to 65535"

static const struct apply_case port_cases[] = {
    OK(REC_SERVER, "lmtp_port", "1", 1),
    OK(REC_SERVER, "lmtp_port", "24", 24),
    OK(REC_SERVER, "lmtp_port", "024", 24),
    OK(REC_SERVER, "lmtp_port", "65535", 65535),
    BAD(REC_SERVER, "lmtp_port", "0", PORT_BAD),
    BAD(REC_SERVER, "lmtp_port", "65536", PORT_BAD),
    BAD(REC_SERVER, "lmtp_port", "99999999999999999999", PORT_BAD),
    BAD(REC_SERVER, "lmtp_port", "", PORT_BAD),
    BAD(REC_SERVER, "lmtp_port", "-1", PORT_BAD),
    BAD(REC_SERVER, "lmtp_port", "lmtp", PORT_BAD),
    BAD(REC_SERVER, "lmtp_port", "24 ", PORT_BAD),
};

#define SSL_BAD "ssl: must be one of: allow, force, forbid"

static const struct apply_case enum_cases[] = {
    OK(REC_OFFER, "ssl", "allow", SSL_ALLOW),
    OK(REC_OFFER, "ssl", "force", SSL_FORCE),
    OK(REC_OFFER, "ssl", "forbid", SSL_FORBID),
    OK(REC_OFFER, "ssl", "FORCE", SSL_FORCE),
    OK(REC_ALIAS, "send_check", "login", SEND_CHECK_LOGIN),
    OK(REC_ALIAS, "send_check", "sender", SEND_CHECK_SENDER),
    BAD(REC_OFFER, "ssl", "", SSL_BAD),
    BAD(REC_OFFER, "ssl", "none", SSL_BAD),
    BAD(REC_OFFER, "ssl", "force,allow", SSL_BAD),
    BAD(REC_OFFER, "ssl", "0", SSL_BAD),
    BAD(REC_ALIAS, "send_check", "both",
	"send_check: must be one of: sender, login"),
};

static const struct apply_case set_cases[] = {
    OK(REC_SERVER, "roles", "imap", ROLE_IMAP),
    OK(REC_SERVER, "roles", "imap,smtp-in", ROLE_IMAP | ROLE_SMTP_IN),
    OK(REC_SERVER, "roles", "smtp-out, imap", ROLE_IMAP | ROLE_SMTP_OUT),
    OK(REC_SERVER, "roles", "imap,smtp-in,smtp-out",
       ROLE_IMAP | ROLE_SMTP_IN | ROLE_SMTP_OUT),
    OK(REC_SERVER, "roles", "SMTP-OUT", ROLE_SMTP_OUT),
    OK(REC_SERVER, "roles", "imap,imap", ROLE_IMAP),
    BAD(REC_SERVER, "roles", "pop",
	"roles: \"pop\" is not one of: imap, smtp-in, smtp-out"),
    BAD(REC_SERVER, "roles", "imap,smtp",
	"roles: \"smtp\" is not one of: imap, smtp-in, smtp-out"),
    BAD(REC_SERVER, "roles", "imap;smtp-in",
	"roles: \"imap;smtp-in\" is not one of: imap, smtp-in, smtp-out"),
};

#define TIME_BAD                                                               \
	"autoreply_start: must be a date YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] " \
	"(the mailbox's time zone), or YYYY-MM-DDTHH:MM[:SS]Z (UTC)"

static const struct apply_case time_cases[] = {
    OK(REC_MAILBOX, "autoreply_start", "2026-12-24", 1798070400),
    OK(REC_MAILBOX, "autoreply_start", "2026-12-24T18:30:00Z", 1798137000),
    OK(REC_MAILBOX, "autoreply_start", "2026-12-24T18:30Z", 1798137000),
    OK(REC_MAILBOX, "autoreply_start", "2028-02-29", 1835395200),
    OK(REC_MAILBOX, "autoreply_start", "2000-02-29", 951782400),
    OK(REC_MAILBOX, "autoreply_start", "1970-01-01T00:00:01Z", 1),
    OK(REC_MAILBOX, "autoreply_start", "9999-12-31T23:59:59Z",
       UINT64_C(253402300799)),
    OK(REC_MAILBOX, "autoreply_start", "", 0),
    OK(REC_MAILBOX, "autoreply_end", "2027-01-02", 1798848000),
    BAD(REC_MAILBOX, "autoreply_start", "2026-02-29", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "2100-02-29", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "2026-04-31", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "2026-13-01", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "2026-00-10", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "2026-12-00", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "2026-12-32", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "1969-12-31", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "2026-12-24T24:00:00Z", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "2026-12-24T18:60Z", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "2026-12-24T18:30:60Z", TIME_BAD),
    /* without Z: the wall clock, read as if UTC here; kind_mailbox moves
     * it into the mailbox's zone (test_autoreply.c) */
    OK(REC_MAILBOX, "autoreply_start", "2026-12-24T18:30:00", 1798137000),
    OK(REC_MAILBOX, "autoreply_start", "2026-12-24T18:30", 1798137000),
    BAD(REC_MAILBOX, "autoreply_start", "2026-12-24T18:30:0", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "2026-12-24T18:30:00z", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "2026-12-24 18:30:00Z", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "2026-12-24T18:30:00+01:00", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "2026-12-24T18Z", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "2026-12-24x", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "garbage", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "20261224", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "2026-1-24", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "24.12.2026", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "1798070400", TIME_BAD),
    /* sscanf would read these; a date has digits in fixed places */
    BAD(REC_MAILBOX, "autoreply_start", "2026- 1-24", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "2026-+1-24", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "2026-12-24T 1:00:00Z", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", "2026-12-24T+1:+0Z", TIME_BAD),
    BAD(REC_MAILBOX, "autoreply_start", " 2026-12-24", TIME_BAD),
};

#define DURATION_BAD                                                           \
	"autoreply_interval: must be a duration (3600, 30m, 12h, 7d)"

static const struct apply_case duration_cases[] = {
    OK(REC_MAILBOX, "autoreply_interval", "3600", 3600),
    OK(REC_MAILBOX, "autoreply_interval", "90s", 90),
    OK(REC_MAILBOX, "autoreply_interval", "30m", 1800),
    OK(REC_MAILBOX, "autoreply_interval", "12h", 43200),
    OK(REC_MAILBOX, "autoreply_interval", "1d", 86400),
    OK(REC_MAILBOX, "autoreply_interval", "7d", 604800),
    OK(REC_MAILBOX, "autoreply_interval", "2w", 1209600),
    OK(REC_MAILBOX, "autoreply_interval", "0", 0),
    OK(REC_MAILBOX, "autoreply_interval", "", 0),
    BAD(REC_MAILBOX, "autoreply_interval", "1x", DURATION_BAD),
    BAD(REC_MAILBOX, "autoreply_interval", "-1", DURATION_BAD),
    BAD(REC_MAILBOX, "autoreply_interval", "1.5h", DURATION_BAD),
    BAD(REC_MAILBOX, "autoreply_interval", "1h30m", DURATION_BAD),
    BAD(REC_MAILBOX, "autoreply_interval", "h", DURATION_BAD),
    BAD(REC_MAILBOX, "autoreply_interval", "1 d", DURATION_BAD),
    BAD(REC_MAILBOX, "autoreply_interval", "1D", DURATION_BAD),
};

#define LANG_BAD "language: must be a language tag like fr, en-GB or pt-BR"

static const struct apply_case language_cases[] = {
    OKS(REC_MAILBOX, "language", "fr", "fr"),
    OKS(REC_MAILBOX, "language", "en-GB", "en-GB"),
    OKS(REC_MAILBOX, "language", "pt-BR", "pt-BR"),
    OKS(REC_MAILBOX, "language", "zh-Hant-TW", "zh-Hant-TW"),
    OKS(REC_MAILBOX, "language", "de-CH-1996", "de-CH-1996"),
    OKS(REC_MAILBOX, "language", "gsw", "gsw"),
    OKS(REC_MAILBOX, "language", "en-a", "en-a"),
    OKS(REC_MAILBOX, "language", "en-abcdefgh", "en-abcdefgh"),
    OKS(REC_MAILBOX, "language", "", ""),
    BAD(REC_MAILBOX, "language", "f", LANG_BAD),
    BAD(REC_MAILBOX, "language", "french", LANG_BAD),
    BAD(REC_MAILBOX, "language", "en_GB", LANG_BAD),
    BAD(REC_MAILBOX, "language", "en-", LANG_BAD),
    BAD(REC_MAILBOX, "language", "-en", LANG_BAD),
    BAD(REC_MAILBOX, "language", "1en", LANG_BAD),
    BAD(REC_MAILBOX, "language", "en--GB", LANG_BAD),
    BAD(REC_MAILBOX, "language", "en-abcdefghi", LANG_BAD),
    BAD(REC_MAILBOX, "language", "en GB", LANG_BAD),
    OKS(REC_MAILBOX, "language", "en-GB-x-aaaaaaaa-bbbbbbbb-ccccccc-d",
	"en-GB-x-aaaaaaaa-bbbbbbbb-ccccccc-d"), /* 35 bytes */
    BAD(REC_MAILBOX, "language", "en-GB-x-aaaaaaaa-bbbbbbbb-cccccccc-d",
	LANG_BAD), /* 36 bytes */
};

#define TZ_BAD "timezone: must be a time zone name like Europe/Paris or UTC"

static const struct apply_case timezone_cases[] = {
    OKS(REC_MAILBOX, "timezone", "Europe/Paris", "Europe/Paris"),
    OKS(REC_MAILBOX, "timezone", "UTC", "UTC"),
    OKS(REC_MAILBOX, "timezone", "America/Argentina/Buenos_Aires",
	"America/Argentina/Buenos_Aires"),
    OKS(REC_MAILBOX, "timezone", "Etc/GMT+5", "Etc/GMT+5"),
    OKS(REC_MAILBOX, "timezone", "Etc/GMT-14", "Etc/GMT-14"),
    OKS(REC_MAILBOX, "timezone", "", ""),
    BAD(REC_MAILBOX, "timezone", "/etc/passwd", TZ_BAD),
    BAD(REC_MAILBOX, "timezone", "Europe/", TZ_BAD),
    BAD(REC_MAILBOX, "timezone", "Europe//Paris", TZ_BAD),
    BAD(REC_MAILBOX, "timezone", "../etc/passwd", TZ_BAD),
    BAD(REC_MAILBOX, "timezone", "Europe/../../x", TZ_BAD),
    BAD(REC_MAILBOX, "timezone", "Europe/Paris ", TZ_BAD),
    BAD(REC_MAILBOX, "timezone", "Europe/Pa\tris", TZ_BAD),
    BAD(REC_MAILBOX, "timezone", "Europe/Zürich", TZ_BAD),
};

#define PATH_BAD_CHARS                                                         \
	"must not contain '..', control characters or invalid UTF-8"

static const struct apply_case path_cases[] = {
    OKS(REC_DOMAIN, "storage", "/var/vmail", "/var/vmail"),
    OKS(REC_DOMAIN, "storage", "/", "/"),
    OKS(REC_DOMAIN, "storage", "/srv/mail/..hidden", "/srv/mail/..hidden"),
    OKS(REC_DOMAIN, "storage", "/srv/mail../x", "/srv/mail../x"),
    OKS(REC_DOMAIN, "storage", "/srv/m\xc3\xa9l", "/srv/m\xc3\xa9l"),
    BAD(REC_DOMAIN, "storage", "var/vmail",
	"storage: must be an absolute path"),
    BAD(REC_DOMAIN, "storage", "", "storage: must be an absolute path"),
    BAD(REC_DOMAIN, "storage", "/var/../etc", "storage: " PATH_BAD_CHARS),
    BAD(REC_DOMAIN, "storage", "/var/vmail/..", "storage: " PATH_BAD_CHARS),
    BAD(REC_DOMAIN, "storage", "/..", "storage: " PATH_BAD_CHARS),
    BAD(REC_DOMAIN, "storage", "/var/\x01x", "storage: " PATH_BAD_CHARS),
    BAD(REC_DOMAIN, "storage", "/var/x\n", "storage: " PATH_BAD_CHARS),
    BAD(REC_DOMAIN, "storage", "/var/\x7f", "storage: " PATH_BAD_CHARS),
    BAD(REC_DOMAIN, "storage", "/var/\xff", "storage: is not valid UTF-8"),
    OKS(REC_MAILBOX, "maildir", "", ""),
    OKS(REC_MAILBOX, "maildir", "example.com/joe/", "example.com/joe/"),
    OKS(REC_MAILBOX, "maildir", "a/...", "a/..."),
    OKS(REC_MAILBOX, "maildir", "joe", "joe"),
    BAD(REC_MAILBOX, "maildir", "/abs/joe", "maildir: must be a relative path"),
    BAD(REC_MAILBOX, "maildir", "..", "maildir: " PATH_BAD_CHARS),
    BAD(REC_MAILBOX, "maildir", "../joe", "maildir: " PATH_BAD_CHARS),
    BAD(REC_MAILBOX, "maildir", "a/../b", "maildir: " PATH_BAD_CHARS),
    BAD(REC_MAILBOX, "maildir", "a/..", "maildir: " PATH_BAD_CHARS),
    BAD(REC_MAILBOX, "maildir", "a\tb", "maildir: " PATH_BAD_CHARS),
};

#define HOST_BAD "host: is not a host name or an IP address"

static const struct apply_case host_cases[] = {
    OKS(REC_SERVER, "host", "10.0.0.1", "10.0.0.1"),
    OKS(REC_SERVER, "host", "::1", "::1"),
    OKS(REC_SERVER, "host", "2001:DB8::1", "2001:db8::1"),
    OKS(REC_SERVER, "host", "::ffff:192.0.2.1", "::ffff:192.0.2.1"),
    OKS(REC_SERVER, "host", "Mail.Example.COM", "mail.example.com"),
    OKS(REC_SERVER, "host", "localhost", "localhost"),
    OKS(REC_SERVER, "host", "mail-1.example.com", "mail-1.example.com"),
    OKS(REC_SERVER, "host", "1.example.com", "1.example.com"),
    OKS(REC_SERVER, "host", "xn--bcher-kva.example", "xn--bcher-kva.example"),
    BAD(REC_SERVER, "host", "mail_1.example.com", HOST_BAD),
    BAD(REC_SERVER, "host", "-bad.example.com", HOST_BAD),
    BAD(REC_SERVER, "host", "bad-.example.com", HOST_BAD),
    BAD(REC_SERVER, "host", "bad.example-", HOST_BAD),
    BAD(REC_SERVER, "host", "a..b", HOST_BAD),
    BAD(REC_SERVER, "host", ".example.com", HOST_BAD),
    BAD(REC_SERVER, "host", "example.com.", HOST_BAD),
    BAD(REC_SERVER, "host", "", HOST_BAD),
    BAD(REC_SERVER, "host", "[::1]", HOST_BAD),
    BAD(REC_SERVER, "host", "fe80::1%eth0", HOST_BAD),
    BAD(REC_SERVER, "host", "exa mple.com", HOST_BAD),
    BAD(REC_SERVER, "host", "m\xc3\xa9l.example", HOST_BAD),
    /* not an IP address, and no host name either (RFC 3696 2) */
    BAD(REC_SERVER, "host", "10.0.0.256", HOST_BAD),
    BAD(REC_SERVER, "host", "1.2.3", HOST_BAD),
    BAD(REC_SERVER, "host", "999.1.1.1", HOST_BAD),
    BAD(REC_SERVER, "host", "example.123", HOST_BAD),
};

static const struct apply_case offer_cases[] = {
    OKS(REC_MAILBOX, "offer", "acme/basic", "acme/basic"),
    OKS(REC_MAILBOX, "offer", "Acme/Basic", "acme/basic"),
    OKS(REC_MAILBOX, "offer", "a.b_c-d/e-1", "a.b_c-d/e-1"),
    BAD(REC_MAILBOX, "offer", "acme", "offer: must be CUSTOMER/OFFER"),
    BAD(REC_MAILBOX, "offer", "", "offer: must be CUSTOMER/OFFER"),
    BAD(REC_MAILBOX, "offer", "/basic", "offer: must be 1 to 64 characters"),
    BAD(REC_MAILBOX, "offer", "acme/", "offer: must be 1 to 64 characters"),
    BAD(REC_MAILBOX, "offer", "acme/basic/x",
	"offer: may contain only letters, digits, '.', '_' and '-'"),
    BAD(REC_MAILBOX, "offer", "acme/b asic",
	"offer: may contain only letters, digits, '.', '_' and '-'"),
    BAD(REC_MAILBOX, "offer", "-acme/basic",
	"offer: must start with a letter or digit"),
    BAD(REC_MAILBOX, "offer", "acme/.basic",
	"offer: must start with a letter or digit"),
};

static const struct apply_case name_cases[] = {
    OKS(REC_DOMAIN, "customer", "acme", "acme"),
    OKS(REC_DOMAIN, "customer", "ACME", "acme"),
    OKS(REC_DOMAIN, "customer", "a_b.c-d", "a_b.c-d"),
    OKS(REC_DOMAIN, "customer", "0day", "0day"),
    BAD(REC_DOMAIN, "customer", "", "customer: must be 1 to 64 characters"),
    BAD(REC_DOMAIN, "customer", "-acme",
	"customer: must start with a letter or digit"),
    BAD(REC_DOMAIN, "customer", "_acme",
	"customer: must start with a letter or digit"),
    BAD(REC_DOMAIN, "customer", "acme corp",
	"customer: may contain only letters, digits, '.', '_' and '-'"),
    BAD(REC_DOMAIN, "customer", "acme/x",
	"customer: may contain only letters, digits, '.', '_' and '-'"),
    BAD(REC_DOMAIN, "customer", "caf\xc3\xa9",
	"customer: may contain only letters, digits, '.', '_' and '-'"),
    /* optional names may be emptied */
    OKS(REC_MAILBOX, "server", "", ""),
    OKS(REC_MAILBOX, "server", "IMAP1", "imap1"),
    BAD(REC_MAILBOX, "server", " ",
	"server: must start with a letter or digit"),
};

static const struct apply_case text_cases[] = {
    OKS(REC_CUSTOMER, "display_name", "Acme \"Corp\" & Co",
	"Acme \"Corp\" & Co"),
    OKS(REC_CUSTOMER, "display_name", "", ""),
    OKS(REC_CUSTOMER, "display_name",
	"Caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7",
	"Caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7"),
    BAD(REC_CUSTOMER, "display_name", "a\tb",
	"display_name: contains control characters"),
    BAD(REC_CUSTOMER, "display_name", "a\nb",
	"display_name: contains control characters"),
    BAD(REC_CUSTOMER, "display_name", "\x1b[31m",
	"display_name: contains control characters"),
    BAD(REC_CUSTOMER, "display_name", "del\x7f",
	"display_name: contains control characters"),
    BAD(REC_CUSTOMER, "display_name", "\xff",
	"display_name: is not valid UTF-8"),
    BAD(REC_CUSTOMER, "display_name", "caf\xc3",
	"display_name: is not valid UTF-8"),
    BAD(REC_CUSTOMER, "display_name", "\xc0\xaf",
	"display_name: is not valid UTF-8"),
    BAD(REC_CUSTOMER, "display_name", "\xed\xa0\x80",
	"display_name: is not valid UTF-8"),
    OKS(REC_MAILBOX, "autoreply_body", "Away.\n\tBack soon.\n",
	"Away.\n\tBack soon.\n"),
    BAD(REC_MAILBOX, "autoreply_body", "a\r\nb",
	"autoreply_body: contains control characters"),
    BAD(REC_MAILBOX, "autoreply_body", "\x01",
	"autoreply_body: contains control characters"),
    OKS(REC_MAILBOX, "autoreply_subject", "Out of office", "Out of office"),
    BAD(REC_MAILBOX, "autoreply_subject", "Out\nBcc: x",
	"autoreply_subject: contains control characters"),
};

static const struct apply_case domain_address_cases[] = {
    OKS(REC_DOMAIN_ALIAS, "target", "Example.COM.", "example.com"),
    OKS(REC_DOMAIN_ALIAS, "target",
	"b\xc3\xbc"
	"cher.example",
	"xn--bcher-kva.example"),
    BAD(REC_DOMAIN_ALIAS, "target", "localhost", "target: domain has no dot"),
    BAD(REC_DOMAIN_ALIAS, "target", "", "target: *"),
    BAD(REC_DOMAIN_ALIAS, "target", "a_b.example", "target: *"),
    OKS(REC_DOMAIN, "catchall", "Joe@Example.COM", "joe@example.com"),
    OKS(REC_DOMAIN, "catchall", "", ""),
    BAD(REC_DOMAIN, "catchall", "joe", "catchall: address has no @"),
    BAD(REC_DOMAIN, "catchall", "a@b@example.com",
	"catchall: address has more than one @"),
    OKS(REC_EXTRA, "mailbox", "A@X.org", "a@x.org"),
};

#define APPLY_TEST(table)                                                      \
	START_TEST(apply_##table)                                              \
	{                                                                      \
		run_apply(&table[_i]);                                         \
	}                                                                      \
	END_TEST

APPLY_TEST(size_cases)
APPLY_TEST(count_cases)
APPLY_TEST(bool_cases)
APPLY_TEST(port_cases)
APPLY_TEST(enum_cases)
APPLY_TEST(set_cases)
APPLY_TEST(time_cases)
APPLY_TEST(duration_cases)
APPLY_TEST(language_cases)
APPLY_TEST(timezone_cases)
APPLY_TEST(path_cases)
APPLY_TEST(host_cases)
APPLY_TEST(offer_cases)
APPLY_TEST(name_cases)
APPLY_TEST(text_cases)
APPLY_TEST(domain_address_cases)

static const char *repeat(const char *unit, size_t times, const char *prefix)
{
	size_t ulen = strlen(unit), plen = strlen(prefix);
	char *s = arena_alloc(&arena, plen + ulen * times + 1);

	memcpy(s, prefix, plen);
	for (size_t i = 0; i < times; i++)
		memcpy(s + plen + i * ulen, unit, ulen);
	s[plen + ulen * times] = '\0';
	return s;
}

/* Length limits, with the values built here. */
START_TEST(length_limits)
{
	const char *name64 = repeat("n", 64, "");
	const char *name65 = repeat("n", 65, "");
	struct apply_case cases[] = {
	    OKS(REC_CUSTOMER, "display_name", repeat("x", 256, ""),
		repeat("x", 256, "")),
	    OKS(REC_CUSTOMER, "display_name", repeat("\xc3\xa9", 128, ""),
		repeat("\xc3\xa9", 128, "")),
	    BAD(REC_CUSTOMER, "display_name", repeat("x", 257, ""),
		"display_name: is longer than 256 bytes"),
	    BAD(REC_CUSTOMER, "display_name", repeat("\xc3\xa9", 129, ""),
		"display_name: is longer than 256 bytes"),
	    OKS(REC_MAILBOX, "autoreply_body", repeat("ab\n", 21845, "x"),
		repeat("ab\n", 21845, "x")), /* 65536 */
	    BAD(REC_MAILBOX, "autoreply_body", repeat("ab\n", 21845, "xy"),
		"autoreply_body: is longer than 65536 bytes"),
	    OKS(REC_DOMAIN, "customer", name64, name64),
	    BAD(REC_DOMAIN, "customer", name65,
		"customer: must be 1 to 64 characters"),
	    OKS(REC_MAILBOX, "offer",
		arena_printf(&arena, "%s/%s", name64, name64),
		arena_printf(&arena, "%s/%s", name64, name64)),
	    BAD(REC_MAILBOX, "offer", arena_printf(&arena, "%s/x", name65),
		"offer: customer part is longer than 64 characters"),
	    BAD(REC_MAILBOX, "offer", arena_printf(&arena, "x/%s", name65),
		"offer: must be 1 to 64 characters"),
	    OKS(REC_DOMAIN, "storage", repeat("a", 1023, "/"),
		repeat("a", 1023, "/")),
	    BAD(REC_DOMAIN, "storage", repeat("a", 1024, "/"),
		"storage: is longer than 1024 bytes"),
	    OKS(REC_MAILBOX, "timezone", repeat("A", 64, ""),
		repeat("A", 64, "")),
	    BAD(REC_MAILBOX, "timezone", repeat("A", 65, ""), TZ_BAD),
	    OKS(REC_SERVER, "host", repeat("a", 63, "b."),
		repeat("a", 63, "b.")),
	    BAD(REC_SERVER, "host", repeat("a", 64, "b."), HOST_BAD),
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_apply(&cases[i]);
}
END_TEST

START_TEST(secrets)
{
	const struct field_desc *field;
	struct rec_mailbox *rec = scratch(REC_MAILBOX, "password", &field);
	const char *hashed =
	    "{SHA512-CRYPT}$6$abcdefgh$3rj1vTLX64btReFsM4MQ"
	    "22otcD40l7vbtw7qCyr0dxc4kxNmgx53xVM8gWiLYbCqTHTbXF"
	    "aVFU7ZT28pnvdyu0";
	struct assign assign = {field, ASSIGN_SET, hashed};
	const char *error = NULL;

	ck_assert_str_eq(rec->password, "");
	ck_assert_str_eq(fields_format(field, rec, &arena), "");
	ck_assert_int_eq(fields_apply(&env, &assign, rec, &error), 0);
	ck_assert_str_eq(rec->password, hashed);
	ck_assert_str_eq(fields_format(field, rec, &arena), "(set)");
	assign.text = "correct horse";
	ck_assert_int_eq(fields_apply(&env, &assign, rec, &error), 0);
	ck_assert_msg(
	    strncmp(rec->password, "{SHA512-CRYPT}$6$rounds=1000$", 29) == 0,
	    "%s", rec->password);
	ck_assert_ptr_null(strstr(rec->password, "correct horse"));
	assign.op = ASSIGN_ADD;
	ck_assert_int_eq(fields_apply(&env, &assign, rec, &error), -1);
	ck_assert_str_eq(error, "password: is not a list: use name=value");
}
END_TEST

/* Lists */

static void assert_list(const struct strlist *list, const char *const *want,
			size_t count)
{
	ck_assert_uint_eq(list->count, count);
	for (size_t i = 0; i < count; i++)
		ck_assert_str_eq(list->items[i], want[i]);
}

static int apply_op(void *rec, const struct field_desc *field,
		    enum assign_op op, const char *text, const char **error_r)
{
	struct assign assign = {field, op, text};

	*error_r = NULL;
	return fields_apply(&env, &assign, rec, error_r);
}

struct list_step {
	enum assign_op op;
	const char *text;
	const char *error; /* NULL: accepted */
	const char *want[4];
	size_t count; /* items after the step (unchanged when refused) */
};

static const struct list_step address_steps[] = {
    {ASSIGN_SET,
     "B@Example.com, c@example.com",
     NULL,
     {"b@example.com", "c@example.com"},
     2},
    {ASSIGN_ADD,
     "d@example.com",
     NULL,
     {"b@example.com", "c@example.com", "d@example.com"},
     3},
    {ASSIGN_ADD,
     "B@EXAMPLE.COM",
     "forward: b@example.com is already in the list",
     {NULL},
     0},
    {ASSIGN_REMOVE,
     "c@example.com",
     NULL,
     {"b@example.com", "d@example.com"},
     2},
    {ASSIGN_REMOVE,
     "zz@example.com",
     "forward: zz@example.com is not in the list",
     {NULL},
     0},
    {ASSIGN_ADD,
     "e@x.org e@x.org",
     "forward: e@x.org is already in the list",
     {NULL},
     0},
    {ASSIGN_SET, "a@x.org,a@x.org\tb@x.org", NULL, {"a@x.org", "b@x.org"}, 2},
    {ASSIGN_SET, "joe", "forward: joe: address has no @", {NULL}, 0},
    {ASSIGN_ADD,
     "ok@x.org,bad..dots@x.org",
     "forward: bad..dots@x.org: consecutive dots in local part",
     {NULL},
     0},
    {ASSIGN_REMOVE, "a@x.org, b@x.org", NULL, {NULL}, 0},
    {ASSIGN_REMOVE,
     "a@x.org",
     "forward: a@x.org is not in the list",
     {NULL},
     0},
    {ASSIGN_ADD, "z@x.org", NULL, {"z@x.org"}, 1},
    {ASSIGN_ADD, "", NULL, {"z@x.org"}, 1},
    {ASSIGN_SET, "", NULL, {NULL}, 0},
};

START_TEST(address_list_steps)
{
	const struct field_desc *field;
	struct rec_mailbox *rec = scratch(REC_MAILBOX, "forward", &field);
	struct strlist last = {0, NULL};

	ck_assert_uint_eq(rec->forward.count, 0);
	for (size_t i = 0; i < sizeof(address_steps) / sizeof(address_steps[0]);
	     i++) {
		const struct list_step *s = &address_steps[i];
		const char *error;
		int ret = apply_op(rec, field, s->op, s->text, &error);
		if (s->error != NULL) {
			ck_assert_msg(ret == -1, "step %zu accepted", i);
			ck_assert_str_eq(error, s->error);
			/* work on a fresh copy of the last good state */
			rec->forward = last;
			continue;
		}
		ck_assert_msg(ret == 0, "step %zu: %s", i, error);
		assert_list(&rec->forward, s->want, s->count);
		/* keep a private copy of the good state */
		last.count = rec->forward.count;
		last.items =
		    arena_alloc(&arena, (last.count + 1) * sizeof(char *));
		if (last.count != 0)
			memcpy(last.items, rec->forward.items,
			       last.count * sizeof(char *));
	}
}
END_TEST

START_TEST(list_copy_on_write)
{
	const struct field_desc *field;
	struct rec_alias *a = scratch(REC_ALIAS, "targets", &field);
	struct rec_alias b;
	const char *error;
	static const char *const abcd[] = {"a@x.org", "b@x.org", "c@x.org",
					   "d@x.org"};

	ck_assert_int_eq(
	    apply_op(a, field, ASSIGN_SET, "a@x.org,b@x.org,c@x.org", &error),
	    0);
	memcpy(&b, a, sizeof(b));
	ck_assert_ptr_eq(a->targets.items, b.targets.items); /* shared */

	/* remove from the copy: the original keeps its array intact */
	ck_assert_int_eq(apply_op(&b, field, ASSIGN_REMOVE, "a@x.org", &error),
			 0);
	assert_list(&a->targets, abcd, 3);
	assert_list(&b.targets, abcd + 1, 2);
	/* add to the original: the copy does not see it */
	ck_assert_int_eq(apply_op(a, field, ASSIGN_ADD, "d@x.org", &error), 0);
	assert_list(&a->targets, abcd, 4);
	assert_list(&b.targets, abcd + 1, 2);
	/* replace in the copy */
	memcpy(&b, a, sizeof(b));
	ck_assert_int_eq(apply_op(&b, field, ASSIGN_SET, "e@x.org", &error), 0);
	assert_list(&a->targets, abcd, 4);
	ck_assert_uint_eq(b.targets.count, 1);
	ck_assert_str_eq(b.targets.items[0], "e@x.org");
	/* remove the first items of a shared array */
	memcpy(&b, a, sizeof(b));
	ck_assert_int_eq(
	    apply_op(&b, field, ASSIGN_REMOVE, "a@x.org b@x.org", &error), 0);
	assert_list(&a->targets, abcd, 4);
	assert_list(&b.targets, abcd + 2, 2);
	/* add to a shared array */
	memcpy(&b, a, sizeof(b));
	ck_assert_int_eq(apply_op(&b, field, ASSIGN_ADD, "f@x.org", &error), 0);
	assert_list(&a->targets, abcd, 4);
	ck_assert_uint_eq(b.targets.count, 5);
	for (size_t i = 0; i < 4; i++)
		ck_assert_str_eq(b.targets.items[i], abcd[i]);
	ck_assert_str_eq(b.targets.items[4], "f@x.org");
}
END_TEST

/* Local part number i of [a-z0-9]{1,3}, in order of length. */
static void short_local(unsigned i, char *out)
{
	static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned len = i < 36 ? 1 : i < 36 + 1296 ? 2 : 3;

	i -= len == 1 ? 0 : len == 2 ? 36 : 36 + 1296;
	for (unsigned j = len; j > 0; j--, i /= 36)
		out[j - 1] = digits[i % 36];
	out[len] = '\0';
}

/* The list must fit in one Postfix answer (100000 bytes with "OK "), and
 * hold at most 10000 items. */
START_TEST(list_size_limit)
{
	const struct field_desc *field;
	struct rec_mailbox *rec = scratch(REC_MAILBOX, "forward", &field);
	const char *error;
	char *text, local[4];
	size_t len = 0;
	FILE *f;

	/* 5000 addresses of 21 bytes (+1 separator): 110000 bytes */
	f = open_memstream(&text, &len);
	for (int i = 0; i < 5000; i++)
		fprintf(f, "%suser%05d@example.org", i != 0 ? "," : "", i);
	fclose(f);
	ck_assert_int_eq(apply_op(rec, field, ASSIGN_SET, text, &error), -1);
	ck_assert_str_eq(error, "forward: has too many items (an answer to "
				"Postfix holds at most 100000 bytes)");
	/* 4000 of them fit: 88000 bytes */
	text[4000 * 22 - 1] = '\0';
	ck_assert_int_eq(apply_op(rec, field, ASSIGN_SET, text, &error), 0);
	ck_assert_uint_eq(rec->forward.count, 4000);
	ck_assert_str_eq(rec->forward.items[3999], "user03999@example.org");
	/* and one more by += is too many */
	ck_assert_int_eq(apply_op(rec, field, ASSIGN_ADD,
				  "user04000@example.org,user04001@example.org,"
				  "user04002@example.org,user04003@example.org,"
				  "user04004@example.org,user04005@example.org,"
				  "user04006@example.org,user04007@example.org,"
				  "user04008@example.org,user04009@example.org,"
				  "user04010@example.org,user04011@example.org,"
				  "user04012@example.org,user04013@example.org,"
				  "user04014@example.org,user04015@example.org,"
				  "user04016@example.org,user04017@example.org,"
				  "user04018@example.org,user04019@example.org",
				  &error),
			 0);
	ck_assert_uint_eq(rec->forward.count, 4020);
	free(text);

	/* 10000 short addresses (98632 bytes) fit, 10001 do not */
	f = open_memstream(&text, &len);
	for (unsigned i = 0; i < 10001; i++) {
		short_local(i, local);
		fprintf(f, "%s%s@b.co", i != 0 ? "," : "", local);
	}
	fclose(f);
	ck_assert_int_eq(apply_op(rec, field, ASSIGN_SET, text, &error), -1);
	ck_assert_str_eq(error, "forward: has too many items (an answer to "
				"Postfix holds at most 100000 bytes)");
	*strrchr(text, ',') = '\0';
	ck_assert_int_eq(apply_op(rec, field, ASSIGN_SET, text, &error), 0);
	ck_assert_uint_eq(rec->forward.count, 10000);
	ck_assert_str_eq(rec->forward.items[0], "a@b.co");
	ck_assert_str_eq(rec->forward.items[9999], "gy1@b.co");
	/* the table text of it: items joined by ", " */
	const char *shown = fields_format(field, rec, &arena);
	ck_assert_uint_eq(strlen(shown), strlen(text) + 9999);
	ck_assert_int_eq(strncmp(shown, "a@b.co, b@b.co, ", 16), 0);
	ck_assert_str_eq(shown + strlen(shown) - 18, "gy0@b.co, gy1@b.co");
	free(text);
}
END_TEST

static const struct list_step rule_steps[] = {
    {ASSIGN_SET,
     "ALLOW:Domain:Example.COM",
     NULL,
     {"allow:domain:example.com"},
     1},
    {ASSIGN_ADD,
     "deny:members",
     NULL,
     {"allow:domain:example.com", "deny:members"},
     2},
    {ASSIGN_ADD,
     "Deny:MEMBERS",
     "send_rules: deny:members is already in the list",
     {NULL},
     0},
    {ASSIGN_ADD,
     "allow:account:Joe@Example.COM",
     NULL,
     {"allow:domain:example.com", "deny:members",
      "allow:account:joe@example.com"},
     3},
    {ASSIGN_REMOVE,
     "allow:domain:EXAMPLE.com",
     NULL,
     {"deny:members", "allow:account:joe@example.com"},
     2},
    {ASSIGN_SET,
     "deny:members,allow:members",
     NULL,
     {"deny:members", "allow:members"},
     2},
    {ASSIGN_SET,
     "allow",
     "send_rules: \"allow\" is not a rule: use allow|deny:account:ADDRESS, "
     "allow|deny:domain:DOMAIN or allow|deny:members",
     {NULL},
     0},
    {ASSIGN_SET,
     "permit:members",
     "send_rules: \"permit:members\" is not a *",
     {NULL},
     0},
    {ASSIGN_SET,
     "allow:members:x",
     "send_rules: \"allow:members:x\" is not *",
     {NULL},
     0},
    {ASSIGN_SET,
     "allow:everyone",
     "send_rules: \"allow:everyone\" is not *",
     {NULL},
     0},
    {ASSIGN_SET, "allow:domain:", "send_rules: empty domain", {NULL}, 0},
    {ASSIGN_SET,
     "deny:domain:localhost",
     "send_rules: domain has no dot",
     {NULL},
     0},
    {ASSIGN_SET,
     "allow:account:joe",
     "send_rules: address has no @",
     {NULL},
     0},
    {ASSIGN_SET, "", NULL, {NULL}, 0},
};

START_TEST(send_rule_steps)
{
	const struct field_desc *field;
	struct rec_alias *rec = scratch(REC_ALIAS, "send_rules", &field);
	struct strlist last = {0, NULL};

	for (size_t i = 0; i < sizeof(rule_steps) / sizeof(rule_steps[0]);
	     i++) {
		const struct list_step *s = &rule_steps[i];
		const char *error;
		int ret = apply_op(rec, field, s->op, s->text, &error);
		if (s->error != NULL) {
			ck_assert_msg(ret == -1, "step %zu accepted", i);
			ck_assert_msg(message_matches(error, s->error),
				      "step %zu: \"%s\", want \"%s\"", i, error,
				      s->error);
			rec->send_rules = last;
			continue;
		}
		ck_assert_msg(ret == 0, "step %zu: %s", i, error);
		assert_list(&rec->send_rules, s->want, s->count);
		last.count = rec->send_rules.count;
		last.items =
		    arena_alloc(&arena, (last.count + 1) * sizeof(char *));
		if (last.count != 0)
			memcpy(last.items, rec->send_rules.items,
			       last.count * sizeof(char *));
	}
}
END_TEST

START_TEST(scalar_refuses_list_ops)
{
	const struct field_desc *field;
	void *rec = scratch(REC_OFFER, "quota", &field);
	const char *error;

	ck_assert_int_eq(apply_op(rec, field, ASSIGN_ADD, "1G", &error), -1);
	ck_assert_str_eq(error, "quota: is not a list: use name=value");
	ck_assert_int_eq(apply_op(rec, field, ASSIGN_REMOVE, "1G", &error), -1);
	ck_assert_str_eq(error, "quota: is not a list: use name=value");
	/* invalid UTF-8 is refused before anything else */
	ck_assert_int_eq(apply_op(rec, field, ASSIGN_ADD, "\xff", &error), -1);
	ck_assert_str_eq(error, "quota: is not valid UTF-8");
}
END_TEST

/* Formatting */

struct format_case {
	enum record_type type;
	const char *field;
	uint64_t value;	 /* integer fields */
	const char *str; /* string fields */
	const char *text;
	const char *json;
};

#define FU(t, f, v, text, json)                                                \
	{                                                                      \
		(t), (f), (v), NULL, (text), (json)                            \
	}
#define FS(t, f, s, text, json)                                                \
	{                                                                      \
		(t), (f), 0, (s), (text), (json)                               \
	}

static const struct format_case format_cases[] = {
    FU(REC_OFFER, "quota", UINT64_C(2) << 30, "2G", "2147483648"),
    FU(REC_OFFER, "quota", UINT64_C(512) << 20, "512M", "536870912"),
    FU(REC_OFFER, "quota", UINT64_C(1536) << 20, "1536M", "1610612736"),
    FU(REC_OFFER, "quota", 1024, "1k", "1024"),
    FU(REC_OFFER, "quota", 1000, "1000", "1000"),
    FU(REC_OFFER, "quota", 1, "1", "1"),
    FU(REC_OFFER, "quota", UINT64_C(1) << 40, "1T", "1099511627776"),
    FU(REC_OFFER, "quota", UINT64_C(1) << 50, "1024T", "1125899906842624"),
    FU(REC_OFFER, "quota", RECORD_UNLIMITED, "unlimited", "\"unlimited\""),
    FU(REC_OFFER, "quota", 0, "0", "0"),
    FU(REC_MAILBOX, "quota", RECORD_INHERIT, "inherit", "\"inherit\""),
    FU(REC_MAILBOX, "quota", UINT64_C(3) << 30, "3G", "3221225472"),
    FU(REC_MAILBOX, "quota", RECORD_UNLIMITED, "unlimited", "\"unlimited\""),
    FU(REC_OFFER, "max_seats", RECORD_UNLIMITED, "unlimited", "\"unlimited\""),
    FU(REC_OFFER, "max_seats", 12, "12", "12"),
    FU(REC_OFFER, "max_seats", 0, "0", "0"),
    FU(REC_OFFER, "mail", 1, "yes", "true"),
    FU(REC_OFFER, "mail", 0, "no", "false"),
    FU(REC_SERVER, "lmtp_port", 24, "24", "24"),
    FU(REC_SERVER, "lmtp_port", 65535, "65535", "65535"),
    FU(REC_OFFER, "ssl", SSL_ALLOW, "allow", "\"allow\""),
    FU(REC_OFFER, "ssl", SSL_FORCE, "force", "\"force\""),
    FU(REC_OFFER, "ssl", SSL_FORBID, "forbid", "\"forbid\""),
    /* an enum value this binary does not know (a newer writer's) */
    FU(REC_OFFER, "ssl", 3, "3", "\"3\""),
    FU(REC_OFFER, "ssl", 77, "77", "\"77\""),
    FU(REC_ALIAS, "send_check", SEND_CHECK_LOGIN, "login", "\"login\""),
    FU(REC_SERVER, "roles", ROLE_IMAP | ROLE_SMTP_IN, "imap,smtp-in",
       "\"imap,smtp-in\""),
    FU(REC_SERVER, "roles", ROLE_SMTP_IN | ROLE_SMTP_OUT, "smtp-in,smtp-out",
       "\"smtp-in,smtp-out\""),
    FU(REC_SERVER, "roles", 7, "imap,smtp-in,smtp-out",
       "\"imap,smtp-in,smtp-out\""),
    FU(REC_SERVER, "roles", 0, "", "\"\""),
    FU(REC_MAILBOX, "autoreply_start", 0, "", "null"),
    FU(REC_MAILBOX, "autoreply_start", 1798070400, "2026-12-24T00:00:00Z",
       "\"2026-12-24T00:00:00Z\""),
    FU(REC_MAILBOX, "autoreply_start", 1798137000, "2026-12-24T18:30:00Z",
       "\"2026-12-24T18:30:00Z\""),
    FU(REC_MAILBOX, "autoreply_end", 1, "1970-01-01T00:00:01Z",
       "\"1970-01-01T00:00:01Z\""),
    FU(REC_MAILBOX, "autoreply_interval", 86400, "1d", "86400"),
    FU(REC_MAILBOX, "autoreply_interval", 604800, "1w", "604800"),
    FU(REC_MAILBOX, "autoreply_interval", 3600, "1h", "3600"),
    FU(REC_MAILBOX, "autoreply_interval", 5400, "90m", "5400"),
    FU(REC_MAILBOX, "autoreply_interval", 90, "90s", "90"),
    FU(REC_MAILBOX, "autoreply_interval", 0, "0s", "0"),
    FS(REC_CUSTOMER, "display_name", "Acme", "Acme", "\"Acme\""),
    FS(REC_CUSTOMER, "display_name", "", "", "\"\""),
    FS(REC_CUSTOMER, "display_name", "say \"hi\"", "say \"hi\"",
       "\"say \\\"hi\\\"\""),
    FS(REC_CUSTOMER, "display_name", "a\\b", "a\\b", "\"a\\\\b\""),
    FS(REC_MAILBOX, "autoreply_body", "l1\nl2\tx\r", "l1\nl2\tx\r",
       "\"l1\\nl2\\tx\\u000d\""),
    FS(REC_CUSTOMER, "display_name", "\x01\x1f\x7f", "\x01\x1f\x7f",
       "\"\\u0001\\u001f\x7f\""),
    FS(REC_CUSTOMER, "display_name", "caf\xc3\xa9", "caf\xc3\xa9",
       "\"caf\xc3\xa9\""),
    FS(REC_DOMAIN, "storage", "/var/vmail", "/var/vmail", "\"/var/vmail\""),
    FS(REC_MAILBOX, "password", "", "", "false"),
    FS(REC_MAILBOX, "password", "{SHA512-CRYPT}$6$x$y", "(set)", "true"),
    FS(REC_SERVER, "host", "2001:db8::1", "2001:db8::1", "\"2001:db8::1\""),
};

static char *json_of(const struct field_desc *field, const void *rec)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	fields_format_json(field, rec, f);
	fclose(f);
	return out;
}

START_TEST(format_one)
{
	const struct format_case *c = &format_cases[_i];
	const struct field_desc *field;
	void *rec = scratch(c->type, c->field, &field);

	if (field_type_is_uint(field->type))
		set_uint(field, rec, c->value);
	else
		*RECORD_FIELD(rec, field, const char *) = c->str;
	ck_assert_str_eq(fields_format(field, rec, &arena), c->text);
	char *json = json_of(field, rec);
	ck_assert_str_eq(json, c->json);
	free(json);
}
END_TEST

/* What the formatter writes, the parser reads back to the same value. */
START_TEST(format_parses_back)
{
	const struct format_case *c = &format_cases[_i];
	const struct field_desc *field;
	void *rec = scratch(c->type, c->field, &field);
	const char *error = NULL;

	if (!field_type_is_uint(field->type) || field->type == FT_BOOL ||
	    (field->type == FT_ENUM && c->value > 2) ||
	    (field->type == FT_SIZE && c->value == 0 &&
	     (field->flags & FF_INHERIT) == 0))
		return;
	set_uint(field, rec, c->value);
	const char *text = fields_format(field, rec, &arena);
	void *again = scratch(c->type, c->field, &field);
	struct assign assign = {field, ASSIGN_SET, text};
	ck_assert_msg(fields_apply(&env, &assign, again, &error) == 0,
		      "%s=%s: %s", c->field, text, error);
	ck_assert_uint_eq(get_uint(field, again), c->value);
	ck_assert(fields_equal(field, rec, again));
}
END_TEST

START_TEST(format_lists)
{
	const struct field_desc *field;
	struct rec_alias *rec = scratch(REC_ALIAS, "targets", &field);
	const char *items[] = {"a@x.org", "b\"q@x.org"};
	char *json;

	ck_assert_str_eq(fields_format(field, rec, &arena), "");
	json = json_of(field, rec);
	ck_assert_str_eq(json, "[]");
	free(json);
	rec->targets.items = items;
	rec->targets.count = 1;
	ck_assert_str_eq(fields_format(field, rec, &arena), "a@x.org");
	json = json_of(field, rec);
	ck_assert_str_eq(json, "[\"a@x.org\"]");
	free(json);
	rec->targets.count = 2;
	ck_assert_str_eq(fields_format(field, rec, &arena),
			 "a@x.org, b\"q@x.org");
	json = json_of(field, rec);
	ck_assert_str_eq(json, "[\"a@x.org\", \"b\\\"q@x.org\"]");
	free(json);
}
END_TEST

START_TEST(json_string_escapes)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"", "\"\""},
	    {"plain", "\"plain\""},
	    {"\"", "\"\\\"\""},
	    {"\\", "\"\\\\\""},
	    {"\n\t", "\"\\n\\t\""},
	    {"\r\b\f", "\"\\u000d\\u0008\\u000c\""},
	    {"\x01\x1f", "\"\\u0001\\u001f\""},
	    {"</script>", "\"</script>\""},
	    {"\xe2\x82\xac", "\"\xe2\x82\xac\""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&out, &len);
		fields_json_string(cases[i].in, f);
		fclose(f);
		ck_assert_str_eq(out, cases[i].out);
		free(out);
	}
}
END_TEST

START_TEST(equal)
{
	const struct field_desc *quota, *name, *targets;
	struct rec_alias *a = scratch(REC_ALIAS, "targets", &targets);
	struct rec_alias *b = scratch(REC_ALIAS, "targets", &targets);
	struct rec_offer *o1 = scratch(REC_OFFER, "quota", &quota);
	struct rec_offer *o2 = scratch(REC_OFFER, "display_name", &name);
	const char *error;

	ck_assert(fields_equal(targets, a, b));
	ck_assert_int_eq(apply_op(a, targets, ASSIGN_SET, "x@y.org", &error),
			 0);
	ck_assert(!fields_equal(targets, a, b));
	ck_assert_int_eq(apply_op(b, targets, ASSIGN_SET, "X@Y.ORG", &error),
			 0);
	ck_assert(fields_equal(targets, a, b));
	ck_assert_int_eq(apply_op(b, targets, ASSIGN_ADD, "z@y.org", &error),
			 0);
	ck_assert(!fields_equal(targets, a, b));
	ck_assert(fields_equal(quota, o1, o2));
	o2->quota = 5;
	ck_assert(!fields_equal(quota, o1, o2));
	ck_assert(fields_equal(name, o1, o2));
	o2->display_name = "x";
	ck_assert(!fields_equal(name, o1, o2));
}
END_TEST

/* name=value splitting */

struct assign_case {
	enum record_type type;
	const char *arg;
	const char *error; /* NULL: accepted */
	const char *field;
	enum assign_op op;
	const char *text;
};

static const struct assign_case assign_cases[] = {
    {REC_CUSTOMER, "display_name=Acme", NULL, "display_name", ASSIGN_SET,
     "Acme"},
    {REC_CUSTOMER, "display_name=", NULL, "display_name", ASSIGN_SET, ""},
    {REC_CUSTOMER, "display_name=a=b", NULL, "display_name", ASSIGN_SET, "a=b"},
    {REC_CUSTOMER, "display_name==x", NULL, "display_name", ASSIGN_SET, "=x"},
    {REC_MAILBOX, "forward+=a@x.org", NULL, "forward", ASSIGN_ADD, "a@x.org"},
    {REC_MAILBOX, "forward-=a@x.org", NULL, "forward", ASSIGN_REMOVE,
     "a@x.org"},
    {REC_MAILBOX, "quota+=1G", NULL, "quota", ASSIGN_ADD, "1G"},
    {REC_CUSTOMER, "=x", "expected name=value", NULL, 0, NULL},
    {REC_CUSTOMER, "+=x", "expected name=value", NULL, 0, NULL},
    {REC_CUSTOMER, "-=x", "expected name=value", NULL, 0, NULL},
    {REC_CUSTOMER, "noequals", "expected name=value", NULL, 0, NULL},
    {REC_CUSTOMER, "", "expected name=value", NULL, 0, NULL},
    {REC_CUSTOMER, "nope=1", "unknown field", NULL, 0, NULL},
    {REC_CUSTOMER, "Display_Name=x", "unknown field", NULL, 0, NULL},
    {REC_CUSTOMER, "display_name =x", "unknown field", NULL, 0, NULL},
    {REC_CUSTOMER, "name=acme", "field cannot be set", NULL, 0, NULL},
    {REC_MAILBOX, "address=a@x.org", "field cannot be set", NULL, 0, NULL},
    {REC_EXTRA, "mailbox=a@x.org", "field cannot be set", NULL, 0, NULL},
    {REC_EXTRA, "address+=a@x.org", "field cannot be set", NULL, 0, NULL},
};

START_TEST(parse_assign)
{
	const struct assign_case *c = &assign_cases[_i];
	const struct record_desc *desc = record_desc_get(c->type);
	struct assign assign = {NULL, ASSIGN_SET, NULL};
	const char *error = NULL;
	int ret = fields_parse_assign(desc, c->arg, &assign, &error);

	if (c->error != NULL) {
		ck_assert_msg(ret == -1, "\"%s\" accepted", c->arg);
		ck_assert_str_eq(error, c->error);
		return;
	}
	ck_assert_msg(ret == 0, "\"%s\": %s", c->arg, error);
	ck_assert_ptr_eq(assign.field, record_field(desc, c->field));
	ck_assert_int_eq(assign.op, c->op);
	ck_assert_str_eq(assign.text, c->text);
}
END_TEST

START_TEST(parse_assign_long_name)
{
	const struct record_desc *desc = record_desc_get(REC_CUSTOMER);
	struct assign assign;
	const char *error;
	const char *arg = arena_printf(&arena, "%s=1", repeat("n", 65, ""));

	ck_assert_int_eq(fields_parse_assign(desc, arg, &assign, &error), -1);
	ck_assert_str_eq(error, "expected name=value");
	arg = arena_printf(&arena, "%s=1", repeat("n", 64, ""));
	ck_assert_int_eq(fields_parse_assign(desc, arg, &assign, &error), -1);
	ck_assert_str_eq(error, "unknown field");
}
END_TEST

/* Keys and defaults */

START_TEST(parse_key)
{
	static const struct {
		enum record_type type;
		const char *text, *key, *error;
	} cases[] = {
	    {REC_MAILBOX, "Joe@Example.COM", "joe@example.com", NULL},
	    {REC_MAILBOX, "joe", NULL, "address: address has no @"},
	    {REC_MAILBOX, "", NULL, "address: *"},
	    {REC_OFFER, "Acme/Basic", "acme/basic", NULL},
	    {REC_OFFER, "acme", NULL, "name: must be CUSTOMER/OFFER"},
	    {REC_SERVER, "IMAP1", "imap1", NULL},
	    {REC_SERVER, "", NULL, "name: must be 1 to 64 characters"},
	    {REC_CUSTOMER, "", NULL, "name: must be 1 to 64 characters"},
	    {REC_DOMAIN, "Example.COM.", "example.com", NULL},
	    {REC_DOMAIN, "", NULL, "name: *"},
	    {REC_DOMAIN_ALIAS, "localhost", NULL, "name: domain has no dot"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *key = NULL, *error = NULL;
		int ret = fields_parse_key(&env, record_desc_get(cases[i].type),
					   cases[i].text, &key, &error);
		if (cases[i].error != NULL) {
			ck_assert_msg(ret == -1, "case %zu accepted", i);
			ck_assert_msg(message_matches(error, cases[i].error),
				      "case %zu: \"%s\"", i, error);
		} else {
			ck_assert_msg(ret == 0, "case %zu: %s", i, error);
			ck_assert_str_eq(key, cases[i].key);
		}
	}
}
END_TEST

START_TEST(defaults)
{
	const struct field_desc *f;

	/* every type: every default parses (fields_defaults aborts if not),
	 * every string is set */
	for (int t = REC_CUSTOMER; t < REC_TYPE_COUNT; t++) {
		const struct record_desc *desc =
		    record_desc_get((enum record_type)t);
		void *rec = arena_alloc(&arena, desc->size);
		memset(rec, 0xa5, desc->size);
		fields_defaults(&env, desc, rec);
		for (size_t i = 0; i < desc->field_count; i++) {
			f = &desc->fields[i];
			if (field_type_is_list(f->type))
				ck_assert_uint_eq(
				    RECORD_FIELD(rec, f, struct strlist)->count,
				    0);
			else if (!field_type_is_uint(f->type))
				ck_assert_ptr_nonnull(
				    *RECORD_FIELD(rec, f, const char *));
		}
	}
	struct rec_offer *offer = scratch(REC_OFFER, "quota", &f);
	ck_assert_uint_eq(offer->max_seats, RECORD_UNLIMITED);
	ck_assert_uint_eq(offer->quota, RECORD_UNLIMITED);
	ck_assert(offer->mail && !offer->drive && offer->imap);
	ck_assert_uint_eq(offer->ssl, SSL_ALLOW);
	struct rec_mailbox *mb = scratch(REC_MAILBOX, "quota", &f);
	ck_assert_uint_eq(mb->quota, RECORD_INHERIT);
	ck_assert_uint_eq(mb->autoreply_interval, 86400);
	ck_assert(mb->enabled && mb->login && mb->forward_keep_copy);
	ck_assert(!mb->autoreply);
	ck_assert_str_eq(mb->password, "");
	ck_assert_uint_eq(mb->autoreply_start, 0);
	struct rec_server *srv = scratch(REC_SERVER, "roles", &f);
	ck_assert_uint_eq(srv->roles, ROLE_IMAP);
	ck_assert_uint_eq(srv->lmtp_port, RECORD_DEFAULT_LMTP_PORT);
	ck_assert_str_eq(srv->host, "");
	struct rec_domain *dom = scratch(REC_DOMAIN, "storage", &f);
	ck_assert_str_eq(dom->storage, "/var/vmail");
	ck_assert_uint_eq(dom->max_quota, RECORD_UNLIMITED);
	struct rec_alias *al = scratch(REC_ALIAS, "send_check", &f);
	ck_assert_uint_eq(al->send_check, SEND_CHECK_SENDER);
	ck_assert(al->enabled);
}
END_TEST

#define N(array) ((int)(sizeof(array) / sizeof((array)[0])))
#define ADD_TABLE(tc, table)                                                   \
	tcase_add_loop_test((tc), apply_##table, 0, N(table))

int main(void)
{
	Suite *s = suite_create("fields");
	TCase *tc = tcase_create("fields");

	tcase_add_checked_fixture(tc, setup, teardown);
	ADD_TABLE(tc, size_cases);
	ADD_TABLE(tc, count_cases);
	ADD_TABLE(tc, bool_cases);
	ADD_TABLE(tc, port_cases);
	ADD_TABLE(tc, enum_cases);
	ADD_TABLE(tc, set_cases);
	ADD_TABLE(tc, time_cases);
	ADD_TABLE(tc, duration_cases);
	ADD_TABLE(tc, language_cases);
	ADD_TABLE(tc, timezone_cases);
	ADD_TABLE(tc, path_cases);
	ADD_TABLE(tc, host_cases);
	ADD_TABLE(tc, offer_cases);
	ADD_TABLE(tc, name_cases);
	ADD_TABLE(tc, text_cases);
	ADD_TABLE(tc, domain_address_cases);
	tcase_add_test(tc, length_limits);
	tcase_add_test(tc, secrets);
	tcase_add_test(tc, address_list_steps);
	tcase_add_test(tc, list_copy_on_write);
	tcase_add_test(tc, list_size_limit);
	tcase_add_test(tc, send_rule_steps);
	tcase_add_test(tc, scalar_refuses_list_ops);
	tcase_add_loop_test(tc, format_one, 0, N(format_cases));
	tcase_add_loop_test(tc, format_parses_back, 0, N(format_cases));
	tcase_add_test(tc, format_lists);
	tcase_add_test(tc, json_string_escapes);
	tcase_add_test(tc, equal);
	tcase_add_loop_test(tc, parse_assign, 0, N(assign_cases));
	tcase_add_test(tc, parse_assign_long_name);
	tcase_add_test(tc, parse_key);
	tcase_add_test(tc, defaults);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
