/*
 * records: the entities of the data model and their stored form.
 *
 * Each entity is a plain struct described by a table of fields (struct
 * field_desc). That one table drives everything generic: the codec (field
 * ids), the admin tool's parsing of name=value arguments, its tables and its
 * JSON. An entity's key (name, address) lives in the LMDB key only; decoding
 * fills it back in from the key.
 *
 * Strings are NUL-terminated, valid UTF-8 and owned by the arena the record
 * was decoded into. A size or count of RECORD_UNLIMITED means no limit; a
 * size of RECORD_INHERIT (mailbox quota) means "take the offer's value".
 */
#ifndef MAILMAP_RECORDS_H
#define MAILMAP_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "codec.h"

#define RECORD_UNLIMITED	 UINT64_MAX
#define RECORD_INHERIT		 0
#define RECORD_DEFAULT_LMTP_PORT 24

/* Record type bytes; stored, never renumber. */
enum record_type {
	REC_CUSTOMER = 1,
	REC_OFFER = 2,
	REC_DOMAIN = 3,
	REC_DOMAIN_ALIAS = 4,
	REC_MAILBOX = 5,
	REC_EXTRA = 6,
	REC_ALIAS = 7,
	REC_SERVER = 8,
	REC_TYPE_COUNT
};

struct strlist {
	size_t count;
	const char **items;
};

enum ssl_mode { SSL_ALLOW, SSL_FORCE, SSL_FORBID };
enum send_check { SEND_CHECK_SENDER, SEND_CHECK_LOGIN };
enum server_role {
	ROLE_IMAP = 1 << 0,
	ROLE_SMTP_IN = 1 << 1,
	ROLE_SMTP_OUT = 1 << 2
};

struct rec_customer {
	const char *name;
	const char *display_name;
};

struct rec_offer {
	const char *key; /* "customer/offer" */
	const char *display_name;
	uint64_t max_seats;
	bool mail;
	bool drive;
	bool smtp_out;
	bool other_domains;
	bool imap;
	bool pop;
	bool sasl_forced;
	unsigned ssl; /* enum ssl_mode */
	uint64_t quota;
	bool antispam;
	bool antivirus;
	uint64_t max_message_size;
	uint64_t max_attachment_size;
};

struct rec_domain {
	const char *name;
	const char *customer;
	bool active;
	const char *catchall; /* "" = none */
	bool catchall_enabled;
	const char *storage; /* absolute path of the mail storage */
	bool antispam;
	const char *server; /* default mail server, "" = none */
	uint64_t max_mailboxes;
	uint64_t max_quota;
};

struct rec_domain_alias {
	const char *name;
	const char *target;
	bool active;
};

struct rec_mailbox {
	const char *address;
	const char *offer;
	const char *password; /* "{SCHEME}hash" or "" */
	const char *first_name;
	const char *last_name;
	const char *language;
	const char *timezone;
	bool enabled;
	bool login;
	uint64_t quota; /* RECORD_INHERIT, RECORD_UNLIMITED or bytes */
	const char *server;
	const char *maildir; /* relative to the domain's storage */
	struct strlist extra;
	struct strlist forward;
	bool forward_keep_copy;
	bool autoreply;
	const char *autoreply_subject;
	const char *autoreply_body;
	uint64_t autoreply_start; /* unix time, 0 = open */
	uint64_t autoreply_end;
	uint64_t autoreply_interval; /* seconds */
};

/* An extra address: only ever written by the mailbox that owns it. */
struct rec_extra {
	const char *address;
	const char *mailbox;
};

struct rec_alias {
	const char *address;
	struct strlist targets;
	bool enabled;
	unsigned send_check;	   /* enum send_check */
	struct strlist send_rules; /* "allow:domain:x.org", "deny:members"... */
};

struct rec_server {
	const char *name;
	const char *host;
	unsigned roles; /* enum server_role bits */
	uint64_t lmtp_port;
};

/* How a field's text is read and checked; the storage class follows. */
enum field_type {
	FT_NAME,      /* identifier: [a-z0-9][a-z0-9._-]*, <= 64 */
	FT_TEXT,      /* one line of UTF-8 text, <= 256 bytes */
	FT_LONGTEXT,  /* UTF-8 text with newlines, <= 64 KiB */
	FT_DOMAIN,    /* normalised domain name */
	FT_ADDRESS,   /* normalised address */
	FT_ADDRESSES, /* list of normalised addresses */
	FT_OFFER,     /* "customer/offer" */
	FT_HOST,      /* host name or IP address */
	FT_PATH,      /* absolute path */
	FT_RELPATH,   /* relative path without ".." */
	FT_SECRET,    /* password hash, never displayed */
	FT_BOOL,
	FT_COUNT, /* number or "unlimited" */
	FT_SIZE,  /* bytes with units, "unlimited" (and "inherit") */
	FT_PORT,
	FT_ENUM,      /* one of enum_names */
	FT_SET,	      /* comma-separated subset of enum_names, bit mask */
	FT_TIME,      /* date or date and time, unix seconds, 0 = none */
	FT_DURATION,  /* seconds, with units */
	FT_LANGUAGE,  /* BCP 47 tag */
	FT_TIMEZONE,  /* IANA zone name */
	FT_SENDRULES, /* list of send rights rules */
};

/* Field flags. */
#define FF_KEY	    0x01 /* the LMDB key; not encoded in the value */
#define FF_REQUIRED 0x02 /* must be given on add */
#define FF_COLUMN   0x04 /* shown in list tables */
#define FF_INHERIT  0x08 /* FT_SIZE: "inherit" allowed */
#define FF_READONLY 0x10 /* managed by mailmapctl, not set by the admin */

struct field_desc {
	uint8_t id; /* codec field id, unique per record type, never reused */
	const char *name;
	enum field_type type;
	size_t offset;
	unsigned flags;
	const char *default_text; /* parsed like admin input; NULL = zero */
	const char *const *enum_names;
	const char *help;
};

struct record_desc {
	enum record_type type;
	const char *name; /* "mailbox" */
	size_t size;	  /* sizeof the struct */
	const struct field_desc *fields;
	size_t field_count;
};

/* Is an auto-reply window (unix seconds, 0 = open) open at now? The end
 * is its last second. */
static inline bool record_autoreply_window_open(uint64_t start, uint64_t end,
						uint64_t now)
{
	return (start == 0 || now >= start) && (end == 0 || now <= end);
}

/* Description of a record type, or NULL. */
const struct record_desc *record_desc_get(enum record_type type);
/* Finds a field by name, or NULL. */
const struct field_desc *record_field(const struct record_desc *desc,
				      const char *name);
/* The non-key field with this codec id, or NULL. For the fields of one
 * value in turn: values are written in the order of desc->fields
 * (record_encode), so the search starts after the previous match (*hint,
 * 0 at first) and usually succeeds at once. */
const struct field_desc *record_field_by_id(const struct record_desc *desc,
					    uint8_t id, size_t *hint);
/* The storage class of a field type. */
static inline bool field_type_is_list(enum field_type type)
{
	return type == FT_ADDRESSES || type == FT_SENDRULES;
}

static inline bool field_type_is_uint(enum field_type type)
{
	switch (type) {
	case FT_BOOL:
	case FT_COUNT:
	case FT_SIZE:
	case FT_PORT:
	case FT_ENUM:
	case FT_SET:
	case FT_TIME:
	case FT_DURATION:
		return true;
	default:
		return false;
	}
}

/* Encodes rec (of desc's type) into buf, key excluded. */
void record_encode(const struct record_desc *desc, const void *rec,
		   struct codec_buf *buf);
/* Decodes a stored value into rec (desc->size bytes), key set from key. Fails
 * (-1, static message) on a corrupt value or one of another record type. */
int record_decode(const struct record_desc *desc, const void *key,
		  size_t key_len, const void *value, size_t value_len,
		  struct arena *arena, void *rec, const char **error_r);
/* Reads only the record type of a stored value; -1 if corrupt. */
int record_peek_type(const void *value, size_t len, enum record_type *type_r);

/* Typed access to a field of a record struct. */
#define RECORD_FIELD(rec, field, type)                                         \
	((type *)(void *)((char *)(rec) + (field)->offset))

#endif
