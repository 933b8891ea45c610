/*
 * policy/request: the request side of Postfix's SMTPD access policy
 * delegation (protocols.md 2.1-2.2) and its one reply formatter. Pure: it
 * frames and parses bytes in place and never touches libevent, LMDB or the
 * logger, so it is tested byte by byte and fuzzed.
 *
 * Grammar (as Postfix 3.7 sends it; no escaping, LF only):
 *     request = *(name "=" value LF) LF
 * A request is a block of "name=value" lines closed by one empty line.
 * For a human with telnet, a line may also end in CR LF (one CR before the
 * LF is dropped, "\r\n" is also an empty line); Postfix never sends CR and
 * needs LF-only replies, which policy_format_reply() writes.
 *
 * Limits, all checked before more data is waited for:
 *   - the whole request, closing empty line included, at most the caller's
 *     max bytes (daemon.max_request);
 *   - a line at most POLICY_LINE_MAX bytes without its line end;
 *   - at most POLICY_ATTRS_MAX attribute lines;
 *   - no NUL byte anywhere (Postfix never sends one).
 */
#ifndef MAILMAP_POLICY_REQUEST_H
#define MAILMAP_POLICY_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* Longest attribute line, line end excluded. Postfix bounds SMTP command
 * lines (helo_name, sender, recipient, etrn_domain) by line_length_limit,
 * default 2048; certificate names are at most CCERT_BUFSIZ = 256 bytes
 * (src/tls/tls.h) before xtext encoding, which at most triples them. 8192
 * leaves room for a raised line_length_limit. */
#define POLICY_LINE_MAX 8192
/* Most attribute lines in one request. Postfix 3.7.11 sends 29 (the
 * capture in protocols.md 2.2) and adds a few per release; unknown ones
 * are skipped, but each still costs a line of this budget. */
#define POLICY_ATTRS_MAX 128
/* Reply bytes beyond the action: "action=" and "\n\n". */
#define POLICY_REPLY_OVERHEAD 9

/* A value inside the request buffer: not NUL-terminated, never copied.
 * Absent attributes read as {"", 0}, so data is never NULL. */
struct policy_str {
	const char *data;
	size_t len;
};

/* The known attributes, in the order Postfix 3.7 sends them. */
enum policy_attr {
	POLICY_REQUEST,
	POLICY_PROTOCOL_STATE,
	POLICY_PROTOCOL_NAME,
	POLICY_CLIENT_ADDRESS,
	POLICY_CLIENT_NAME,
	POLICY_CLIENT_PORT,
	POLICY_REVERSE_CLIENT_NAME,
	POLICY_SERVER_ADDRESS,
	POLICY_SERVER_PORT,
	POLICY_HELO_NAME,
	POLICY_SENDER,
	POLICY_RECIPIENT,
	POLICY_RECIPIENT_COUNT,
	POLICY_QUEUE_ID,
	POLICY_INSTANCE,
	POLICY_SIZE,
	POLICY_ETRN_DOMAIN,
	POLICY_STRESS,
	POLICY_SASL_METHOD,
	POLICY_SASL_USERNAME,
	POLICY_SASL_SENDER,
	POLICY_CCERT_SUBJECT,
	POLICY_CCERT_ISSUER,
	POLICY_CCERT_FINGERPRINT,
	POLICY_CCERT_PUBKEY_FINGERPRINT,
	POLICY_ENCRYPTION_PROTOCOL,
	POLICY_ENCRYPTION_CIPHER,
	POLICY_ENCRYPTION_KEYSIZE,
	POLICY_POLICY_CONTEXT,
	POLICY_POLICY_TEST_TIME, /* postgrey's testing attribute */
	POLICY_ATTR_COUNT
};

/* protocol_state; UNKNOWN for an absent or unrecognised value. */
enum policy_state {
	POLICY_STATE_UNKNOWN,
	POLICY_STATE_CONNECT,
	POLICY_STATE_EHLO,
	POLICY_STATE_HELO,
	POLICY_STATE_MAIL,
	POLICY_STATE_RCPT,
	POLICY_STATE_DATA, /* also BDAT */
	POLICY_STATE_END_OF_MESSAGE,
	POLICY_STATE_VRFY,
	POLICY_STATE_ETRN,
	POLICY_STATE_COUNT
};

struct policy_request {
	struct policy_str attrs[POLICY_ATTR_COUNT];
	bool present[POLICY_ATTR_COUNT];
	unsigned unknown;    /* lines with a name not in the table */
	unsigned duplicates; /* repeated known names; the first value wins */

	/* Derived once by policy_parse(). */
	enum policy_state state;
	struct policy_str sender_domain;    /* after the last '@', or empty */
	struct policy_str recipient_domain; /* likewise */

	uint64_t size;		  /* 0 unless size_valid */
	bool size_valid;	  /* size present, all digits, fits */
	uint64_t recipient_count; /* 0 unless recipient_count_valid */
	bool recipient_count_valid;
	bool authenticated; /* sasl_username is not empty */
	/* client_address: AF_INET or AF_INET6 and the address in network
	 * order (4 or 16 bytes; "::ffff:a.b.c.d" becomes AF_INET), or
	 * family 0 when it is not an IP address ("unknown", absent). */
	int client_family;
	unsigned char client_addr[16];
};

/* Frames one request at the start of data (len bytes buffered): its
 * attribute lines go to request->data/len (closing empty line excluded),
 * request->used counts through the empty line. The struct proto frame
 * function of the policy protocol. */
enum proto_frame policy_frame(const char *data, size_t len, size_t max,
			      struct proto_request *request);

/* Parses framed attribute lines in place into req; values point into data,
 * which must outlive req. Returns 0, or -1 with *error_r set (a line
 * without '=' or with an empty name, not request=smtpd_access_policy). */
int policy_parse(const char *data, size_t len, struct policy_request *req,
		 const char **error_r);

/* The attribute's wire name ("client_address"). */
const char *policy_attr_name(enum policy_attr attr);
/* Finds a known attribute by wire name (exact, case-sensitive). */
bool policy_attr_lookup(const char *name, size_t len, enum policy_attr *attr_r);
/* The protocol_state word ("END-OF-MESSAGE"; "UNKNOWN" for unknown). */
const char *policy_state_name(enum policy_state state);

/* The one place that writes a policy reply: "action=<action>\n\n" into
 * out, without a NUL. Returns its length (action_len +
 * POLICY_REPLY_OVERHEAD), or 0 when out is too small or the action is
 * refused: an empty action (Postfix treats it as OK = permit, protocols.md
 * 2.3) or one containing LF, CR or NUL (it would corrupt the stream). */
size_t policy_format_reply(char *out, size_t size, const char *action,
			   size_t action_len);

#endif
