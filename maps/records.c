/*
 * records: the descriptor tables of every entity (the schema), and the
 * generic encoding of a described struct through the codec.
 *
 * Field ids are part of the stored format: never renumber or reuse one.
 */
#include "records.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define F(id, name, type, st, member, flags, def, help)                        \
	{                                                                      \
		(id), (name), (type), offsetof(st, member), (flags), (def),    \
		    NULL, (help)                                               \
	}
#define FE(id, name, type, st, member, flags, def, names, help)                \
	{                                                                      \
		(id), (name), (type), offsetof(st, member), (flags), (def),    \
		    (names), (help)                                            \
	}
#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* clang-format off */
static const char *const ssl_names[] = {"allow", "force", "forbid", NULL};
static const char *const send_check_names[] = {"sender", "login", NULL};
static const char *const role_names[] = {"imap", "smtp-in", "smtp-out", NULL};

static const struct field_desc customer_fields[] = {
	F(0, "name", FT_NAME, struct rec_customer, name, FF_KEY | FF_COLUMN, NULL,
	  "customer identifier"),
	F(1, "display_name", FT_TEXT, struct rec_customer, display_name, FF_COLUMN,
	  "", "name shown to people"),
};

static const struct field_desc offer_fields[] = {
	F(0, "name", FT_OFFER, struct rec_offer, key, FF_KEY | FF_COLUMN, NULL,
	  "customer/offer"),
	F(1, "display_name", FT_TEXT, struct rec_offer, display_name, 0, "",
	  "name shown to people"),
	F(2, "max_seats", FT_COUNT, struct rec_offer, max_seats, FF_COLUMN,
	  "unlimited", "most mailboxes the offer may have"),
	F(3, "mail", FT_BOOL, struct rec_offer, mail, 0, "yes", "mail module"),
	F(4, "drive", FT_BOOL, struct rec_offer, drive, 0, "no", "drive module"),
	F(5, "smtp_out", FT_BOOL, struct rec_offer, smtp_out, 0, "yes",
	  "may send mail through our SMTP servers"),
	F(6, "other_domains", FT_BOOL, struct rec_offer, other_domains, 0, "yes",
	  "may send to domains that are not ours"),
	F(7, "imap", FT_BOOL, struct rec_offer, imap, 0, "yes", "IMAP allowed"),
	F(8, "pop", FT_BOOL, struct rec_offer, pop, 0, "yes", "POP3 allowed"),
	F(9, "sasl_forced", FT_BOOL, struct rec_offer, sasl_forced, 0, "no",
	  "sending as one of our addresses requires SMTP authentication"),
	FE(10, "ssl", FT_ENUM, struct rec_offer, ssl, 0, "allow", ssl_names,
	   "TLS for IMAP/POP logins: allow, force or forbid"),
	F(11, "quota", FT_SIZE, struct rec_offer, quota, FF_COLUMN, "unlimited",
	  "mailbox quota"),
	F(12, "antispam", FT_BOOL, struct rec_offer, antispam, 0, "yes",
	  "spam checks and greylisting"),
	F(13, "antivirus", FT_BOOL, struct rec_offer, antivirus, 0, "yes",
	  "virus checks"),
	F(14, "max_message_size", FT_SIZE, struct rec_offer, max_message_size, 0,
	  "unlimited", "largest message a mailbox may send"),
	F(15, "max_attachment_size", FT_SIZE, struct rec_offer,
	  max_attachment_size, 0, "unlimited",
	  "largest attachment (informational: the policy service sees only the message size)"),
};

static const struct field_desc domain_fields[] = {
	F(0, "name", FT_DOMAIN, struct rec_domain, name, FF_KEY | FF_COLUMN, NULL,
	  "domain name"),
	F(1, "customer", FT_NAME, struct rec_domain, customer,
	  FF_REQUIRED | FF_COLUMN, NULL, "owning customer"),
	F(2, "active", FT_BOOL, struct rec_domain, active, FF_COLUMN, "yes",
	  "mail for the domain is accepted"),
	F(3, "catchall", FT_ADDRESS, struct rec_domain, catchall, 0, "",
	  "address receiving mail for unknown local parts"),
	F(4, "catchall_enabled", FT_BOOL, struct rec_domain, catchall_enabled, 0,
	  "yes", "the catch-all is in force"),
	F(5, "storage", FT_PATH, struct rec_domain, storage, 0, "/var/vmail",
	  "directory holding the domain's mailboxes"),
	F(6, "antispam", FT_BOOL, struct rec_domain, antispam, 0, "yes",
	  "spam checks and greylisting"),
	F(7, "server", FT_NAME, struct rec_domain, server, 0, "",
	  "default mail server of the domain's mailboxes"),
	F(8, "max_mailboxes", FT_COUNT, struct rec_domain, max_mailboxes, 0,
	  "unlimited", "most mailboxes in the domain"),
	F(9, "max_quota", FT_SIZE, struct rec_domain, max_quota, 0, "unlimited",
	  "most quota allotted to all mailboxes of the domain"),
};

static const struct field_desc domain_alias_fields[] = {
	F(0, "name", FT_DOMAIN, struct rec_domain_alias, name, FF_KEY | FF_COLUMN,
	  NULL, "alias domain name"),
	F(1, "target", FT_DOMAIN, struct rec_domain_alias, target,
	  FF_REQUIRED | FF_COLUMN, NULL, "primary domain it stands for"),
	F(2, "active", FT_BOOL, struct rec_domain_alias, active, FF_COLUMN, "yes",
	  "mail for the alias domain is accepted"),
};

static const struct field_desc mailbox_fields[] = {
	F(0, "address", FT_ADDRESS, struct rec_mailbox, address, FF_KEY | FF_COLUMN,
	  NULL, "address and login"),
	F(1, "offer", FT_OFFER, struct rec_mailbox, offer, FF_REQUIRED | FF_COLUMN,
	  NULL, "customer/offer"),
	F(2, "password", FT_SECRET, struct rec_mailbox, password, 0, "",
	  "password hash (give it on stdin with --password)"),
	F(3, "first_name", FT_TEXT, struct rec_mailbox, first_name, 0, "", ""),
	F(4, "last_name", FT_TEXT, struct rec_mailbox, last_name, 0, "", ""),
	F(5, "language", FT_LANGUAGE, struct rec_mailbox, language, 0, "",
	  "BCP 47 tag (fr, en-GB)"),
	F(6, "timezone", FT_TIMEZONE, struct rec_mailbox, timezone, 0, "",
	  "IANA time zone (Europe/Paris)"),
	F(7, "enabled", FT_BOOL, struct rec_mailbox, enabled, FF_COLUMN, "yes",
	  "receives mail and may log in"),
	F(8, "login", FT_BOOL, struct rec_mailbox, login, 0, "yes",
	  "may log in (IMAP, POP, SMTP)"),
	F(9, "quota", FT_SIZE, struct rec_mailbox, quota, FF_INHERIT | FF_COLUMN,
	  "inherit", "quota override; inherit = the offer's"),
	F(10, "server", FT_NAME, struct rec_mailbox, server, 0, "",
	  "mail server; empty = the domain's"),
	F(11, "maildir", FT_RELPATH, struct rec_mailbox, maildir, 0, "",
	  "path under the domain storage; default DOMAIN/LOCAL/"),
	F(12, "extra", FT_ADDRESSES, struct rec_mailbox, extra, 0, "",
	  "extra addresses delivered to this mailbox"),
	F(13, "forward", FT_ADDRESSES, struct rec_mailbox, forward, 0, "",
	  "forwarding targets"),
	F(14, "forward_keep_copy", FT_BOOL, struct rec_mailbox, forward_keep_copy,
	  0, "yes", "keep a copy when forwarding"),
	F(15, "autoreply", FT_BOOL, struct rec_mailbox, autoreply, 0, "no",
	  "auto-reply enabled"),
	F(16, "autoreply_subject", FT_TEXT, struct rec_mailbox, autoreply_subject,
	  0, "", ""),
	F(17, "autoreply_body", FT_LONGTEXT, struct rec_mailbox, autoreply_body, 0,
	  "", ""),
	F(18, "autoreply_start", FT_TIME, struct rec_mailbox, autoreply_start, 0,
	  "", "first day of the auto-reply"),
	F(19, "autoreply_end", FT_TIME, struct rec_mailbox, autoreply_end, 0, "",
	  "last moment of the auto-reply"),
	F(20, "autoreply_interval", FT_DURATION, struct rec_mailbox,
	  autoreply_interval, 0, "1d", "least time between two replies to one sender"),
};

static const struct field_desc extra_fields[] = {
	F(0, "address", FT_ADDRESS, struct rec_extra, address, FF_KEY | FF_COLUMN,
	  NULL, "extra address"),
	F(1, "mailbox", FT_ADDRESS, struct rec_extra, mailbox,
	  FF_COLUMN | FF_READONLY, NULL, "owning mailbox"),
};

static const struct field_desc alias_fields[] = {
	F(0, "address", FT_ADDRESS, struct rec_alias, address, FF_KEY | FF_COLUMN,
	  NULL, "alias or list address"),
	F(1, "targets", FT_ADDRESSES, struct rec_alias, targets,
	  FF_REQUIRED | FF_COLUMN, NULL, "mailboxes of ours or external addresses"),
	F(2, "enabled", FT_BOOL, struct rec_alias, enabled, FF_COLUMN, "yes", ""),
	FE(3, "send_check", FT_ENUM, struct rec_alias, send_check, 0, "sender",
	   send_check_names, "who the send rules judge: envelope sender or SMTP login"),
	F(4, "send_rules", FT_SENDRULES, struct rec_alias, send_rules, 0, "",
	  "ordered rules ACTION:TYPE[:VALUE], first match wins"),
};

static const struct field_desc server_fields[] = {
	F(0, "name", FT_NAME, struct rec_server, name, FF_KEY | FF_COLUMN, NULL,
	  "server name"),
	F(1, "host", FT_HOST, struct rec_server, host, FF_REQUIRED | FF_COLUMN,
	  NULL, "host name or IP address"),
	FE(2, "roles", FT_SET, struct rec_server, roles, FF_COLUMN, "imap",
	   role_names, "imap, smtp-in, smtp-out"),
	F(3, "lmtp_port", FT_PORT, struct rec_server, lmtp_port, FF_COLUMN, "24",
	  "LMTP port of the IMAP role"),
};

#define DESC(type, name, st, fields)                                           \
	[type] = {(type), (name), sizeof(st), (fields), COUNT(fields)}

static const struct record_desc record_descs[REC_TYPE_COUNT] = {
	DESC(REC_CUSTOMER, "customer", struct rec_customer, customer_fields),
	DESC(REC_OFFER, "offer", struct rec_offer, offer_fields),
	DESC(REC_DOMAIN, "domain", struct rec_domain, domain_fields),
	DESC(REC_DOMAIN_ALIAS, "domain-alias", struct rec_domain_alias,
	     domain_alias_fields),
	DESC(REC_MAILBOX, "mailbox", struct rec_mailbox, mailbox_fields),
	DESC(REC_EXTRA, "extra address", struct rec_extra, extra_fields),
	DESC(REC_ALIAS, "alias", struct rec_alias, alias_fields),
	DESC(REC_SERVER, "server", struct rec_server, server_fields),
};

/* clang-format on */

const struct record_desc *record_desc_get(enum record_type type)
{
	if (type <= 0 || type >= REC_TYPE_COUNT)
		return NULL;
	return &record_descs[type];
}

const struct field_desc *record_field(const struct record_desc *desc,
				      const char *name)
{
	for (size_t i = 0; i < desc->field_count; i++) {
		if (strcmp(desc->fields[i].name, name) == 0)
			return &desc->fields[i];
	}
	return NULL;
}

static uint64_t record_get_uint(const struct field_desc *field, const void *rec)
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

static void record_set_uint(const struct field_desc *field, void *rec,
			    uint64_t value)
{
	switch (field->type) {
	case FT_BOOL:
		*RECORD_FIELD(rec, field, bool) = value != 0;
		break;
	case FT_ENUM:
	case FT_SET:
		*RECORD_FIELD(rec, field, unsigned) = (unsigned)value;
		break;
	default:
		*RECORD_FIELD(rec, field, uint64_t) = value;
		break;
	}
}

static void record_encode_field(const struct field_desc *field, const void *rec,
				struct codec_buf *buf)
{
	if (field_type_is_uint(field->type)) {
		codec_put_uint(buf, field->id, record_get_uint(field, rec));
	} else if (field_type_is_list(field->type)) {
		const struct strlist *list =
		    RECORD_FIELD(rec, field, const struct strlist);
		for (size_t i = 0; i < list->count; i++)
			codec_put_bytes(buf, field->id, list->items[i],
					strlen(list->items[i]));
	} else {
		const char *s = *RECORD_FIELD(rec, field, const char *const);
		if (s != NULL && s[0] != '\0')
			codec_put_bytes(buf, field->id, s, strlen(s));
	}
}

void record_encode(const struct record_desc *desc, const void *rec,
		   struct codec_buf *buf)
{
	codec_begin(buf, (uint8_t)desc->type);
	for (size_t i = 0; i < desc->field_count; i++) {
		if ((desc->fields[i].flags & FF_KEY) == 0)
			record_encode_field(&desc->fields[i], rec, buf);
	}
}

const struct field_desc *record_field_by_id(const struct record_desc *desc,
					    uint8_t id, size_t *hint)
{
	size_t i = *hint < desc->field_count ? *hint : 0;

	/* From the hint round to it: stored fields come in id order, so
	 * the next field is usually the one after the last found. */
	for (size_t n = 0; n < desc->field_count; n++, i++) {
		if (i == desc->field_count)
			i = 0;
		if (desc->fields[i].id == id &&
		    (desc->fields[i].flags & FF_KEY) == 0) {
			*hint = i + 1;
			return &desc->fields[i];
		}
	}
	return NULL;
}

/* Sets every string to "" and every list to empty, so readers never see
 * NULL, whatever fields the stored value lacks. */
static void record_clear(const struct record_desc *desc, void *rec)
{
	memset(rec, 0, desc->size);
	for (size_t i = 0; i < desc->field_count; i++) {
		const struct field_desc *field = &desc->fields[i];
		if (!field_type_is_uint(field->type) &&
		    !field_type_is_list(field->type))
			*RECORD_FIELD(rec, field, const char *) = "";
	}
}

/* A cleared record of each type, built once: a decode starts from a copy
 * of it instead of walking the descriptor. */
static void *record_blanks[REC_TYPE_COUNT];
static pthread_once_t record_blanks_once = PTHREAD_ONCE_INIT;

static void record_blanks_build(void)
{
	for (int t = 1; t < REC_TYPE_COUNT; t++) {
		const struct record_desc *desc = &record_descs[t];
		void *rec = malloc(desc->size);
		if (rec == NULL)
			abort();
		record_clear(desc, rec);
		record_blanks[t] = rec;
	}
}

static void record_start_blank(const struct record_desc *desc, void *rec)
{
	pthread_once(&record_blanks_once, record_blanks_build);
	memcpy(rec, record_blanks[desc->type], desc->size);
}

/* How many items of list field id follow, the current one included: the
 * encoder writes a list's items one after the other. */
static size_t record_list_run(struct codec_reader after, uint8_t id)
{
	const unsigned char *payload;
	size_t len, run = 1;
	uint8_t next;

	while (codec_read_next(&after, &next, &payload, &len) == 1 &&
	       next == id)
		run++;
	return run;
}

/* Appends an item to a list, making room for the run it starts; a list
 * whose items come in several runs (no writer of ours does that) grows
 * by copying. */
static void record_list_add(struct strlist *list, size_t *cap,
			    const struct codec_reader *after, uint8_t id,
			    char *item, struct arena *arena)
{
	if (list->count == *cap) {
		size_t grown = list->count + record_list_run(*after, id);
		const char **items = arena_alloc(arena, grown * sizeof(*items));
		if (list->count != 0)
			memcpy(items, list->items,
			       list->count * sizeof(*items));
		list->items = items;
		*cap = grown;
	}
	list->items[list->count++] = item;
}

static int record_decode_field(const struct field_desc *field, void *rec,
			       const unsigned char *payload, size_t len,
			       struct arena *arena)
{
	if (field_type_is_uint(field->type)) {
		uint64_t value;
		if (codec_payload_uint(payload, len, &value) < 0)
			return -1;
		record_set_uint(field, rec, value);
	} else {
		*RECORD_FIELD(rec, field, const char *) =
		    arena_strndup(arena, (const char *)payload, len);
	}
	return 0;
}

/* One pass over the fields; list items get their room as they come. */
int record_decode(const struct record_desc *desc, const void *key,
		  size_t key_len, const void *value, size_t value_len,
		  struct arena *arena, void *rec, const char **error_r)
{
	struct codec_reader reader;
	size_t caps[32] = {0};
	uint8_t type, id;
	const unsigned char *payload;
	size_t len, hint = 0;
	int ret;

	if (codec_read_begin(&reader, value, value_len, &type, error_r) < 0)
		return -1;
	if (type != desc->type) {
		*error_r = "record has an unexpected type";
		return -1;
	}
	if (desc->field_count > 32) { /* caps[] */
		*error_r = "record type has too many fields";
		return -1;
	}
	record_start_blank(desc, rec);
	*RECORD_FIELD(rec, &desc->fields[0], const char *) =
	    arena_strndup(arena, key, key_len);
	while ((ret = codec_read_next(&reader, &id, &payload, &len)) == 1) {
		const struct field_desc *field =
		    record_field_by_id(desc, id, &hint);
		if (field == NULL)
			continue;
		if (field_type_is_list(field->type))
			record_list_add(
			    RECORD_FIELD(rec, field, struct strlist),
			    &caps[field - desc->fields], &reader, id,
			    arena_strndup(arena, (const char *)payload, len),
			    arena);
		else if (record_decode_field(field, rec, payload, len, arena) <
			 0)
			ret = -1;
		if (ret < 0)
			break;
	}
	if (ret < 0)
		*error_r = "record is corrupt";
	return ret;
}

int record_peek_type(const void *value, size_t len, enum record_type *type_r)
{
	struct codec_reader reader;
	uint8_t type;
	const char *error;

	if (codec_read_begin(&reader, value, len, &type, &error) < 0 ||
	    type == 0 || type >= REC_TYPE_COUNT)
		return -1;
	*type_r = (enum record_type)type;
	return 0;
}
