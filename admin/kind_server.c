/*
 * kind_server: mail servers. Rule 8: a server referenced by a domain or a
 * mailbox cannot be deleted (generic reference guard) and keeps the IMAP
 * role while mailboxes are placed on it.
 */
#include "kinds.h"
#include "objects.h"

int server_check_imap(struct op *op, const char *server)
{
	struct rec_server *rec;

	if (server[0] == '\0')
		return 0;
	if (object_load(op, &kind_server, server, (void **)&rec) < 0)
		return -1;
	if ((rec->roles & ROLE_IMAP) == 0)
		return op_fail(op, CTL_INPUT,
			       "server %s does not have the imap role: "
			       "mailboxes cannot be placed on it",
			       server);
	return 0;
}

static int server_check(struct op *op, const void *old_rec, const void *rec)
{
	const struct rec_server *old = old_rec;
	const struct rec_server *server = rec;
	size_t mailboxes, domains;

	if (old == NULL || (old->roles & ROLE_IMAP) == 0 ||
	    (server->roles & ROLE_IMAP) != 0)
		return 0;
	if (refs_count(op->txn, REF_SERVER, server->name, REF_MAILBOX,
		       &mailboxes) != 0 ||
	    refs_count(op->txn, REF_SERVER, server->name, REF_DOMAIN,
		       &domains) != 0)
		return op_store_fail(op);
	if (mailboxes + domains == 0)
		return 0;
	return op_fail(op, CTL_INPUT,
		       "server %s keeps the imap role: %zu mailboxes and %zu "
		       "domains are placed on it",
		       server->name, mailboxes, domains);
}

const struct kind kind_server = {
    .type = REC_SERVER,
    .table = STORE_SERVERS,
    .ref_kind = REF_SERVER,
    .listed = true,
    .check = server_check,
};
