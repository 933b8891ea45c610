/*
 * import_pfa: `mailmapctl import postfixadmin [options]`, a PostfixAdmin
 * database (MariaDB/MySQL, through libmariadb) turned into mailmap
 * objects in one transaction. README "Migrating from PostfixAdmin" has
 * the mapping; in short:
 *
 *   domain        domain of the customer (--customer, default
 *                 "postfixadmin", made if missing); active; mailboxes
 *                 (>0 the most mailboxes, 0 unlimited, -1 none) and
 *                 quota (MB, the domain's total) as max_mailboxes and
 *                 max_quota. The row "ALL" is PostfixAdmin's own.
 *   mailbox       mailbox of the offer CUSTOMER/default (made if missing,
 *                 no limit): password (a {SCHEME} kept; $1$ $5$ $6$ $2y$
 *                 crypt hashes get their scheme; {PLAIN}/{CLEARTEXT}
 *                 ones are hashed), name (split at its last space into
 *                 first and last name), maildir, quota (bytes; 0 = the
 *                 offer's: none; the domain's maxquota when it has one),
 *                 active
 *   alias         the mailbox's own row (goto = itself) says nothing;
 *                 on a mailbox's address, its forwards (a copy kept when
 *                 goto also names the mailbox); "@domain" the domain's
 *                 catch-all (one target); any other address an alias
 *                 with goto as targets; vacation addresses
 *                 (...@autoreply...) left out; inactive: an alias
 *                 disabled, a catch-all not in force, forwards dropped
 *   alias_domain  domain-alias
 *   vacation      the mailbox's auto-reply: active, subject, body,
 *                 activefrom/activeuntil (server time, read in the
 *                 mailbox's time zone: UTC, PostfixAdmin has none),
 *                 interval_time
 *
 * What cannot be mapped (a backup MX domain, a transport mailmap has no
 * equivalent for, a catch-all with several targets, an alias in an alias
 * domain, a password whose scheme cannot be told) is listed with the
 * reason, and the import refuses unless --skip is given, which leaves
 * those out (a password left out leaves the mailbox without one).
 * Limits that have no mailmap equivalent (the domain's most aliases and
 * most quota a mailbox) are noted, not refused.
 *
 * Options: --socket PATH | --host HOST [--port N], --user USER (default
 * postfixadmin), --password-file FILE (its first line; none: no
 * password), --database NAME (default postfixadmin), --customer NAME,
 * --skip, --check.
 */
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "objects.h"

struct pfa_options {
	const char *socket, *host, *user, *password_file, *database;
	const char *customer;
	unsigned port;
	bool skip;
};

struct pfa_run {
	struct ctl *ctl;
	struct pfa_options opt;
	MYSQL *db;
	struct arena arena;	/* lists below */
	struct strvec unmapped; /* "table key: why" */
	struct strvec notes;	/* limits not carried over */
	struct strvec failures; /* commands refused by mailmap's rules */
	size_t counts[5];	/* domains, mailboxes, aliases, alias domains,
				   vacations imported */
};

enum {
	PFA_DOMAINS,
	PFA_MAILBOXES,
	PFA_ALIASES,
	PFA_ALIAS_DOMAINS,
	PFA_VACATIONS
};

/* ---- reading the database ------------------------------------------------ */

static MYSQL_RES *pfa_query(struct pfa_run *run, struct op *op, const char *sql)
{
	MYSQL_RES *res;

	if (mysql_query(run->db, sql) != 0 ||
	    (res = mysql_store_result(run->db)) == NULL) {
		op_fail(op, CTL_TEMPFAIL, "postfixadmin: %s",
			mysql_error(run->db));
		return NULL;
	}
	return res;
}

static const char *pfa_str(struct op *op, MYSQL_ROW row, int i)
{
	return arena_strdup(op->arena, row[i] != NULL ? row[i] : "");
}

/* ---- running mailmapctl commands ---------------------------------------- */

/* Runs one command (NULL-terminated words); a refusal is recorded. */
static void pfa_run_words(struct op *op, struct pfa_run *run, const char *what,
			  char **argv)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	if (commands_run(op, run->ctl, argc, argv) < 0) {
		strvec_push(
		    &run->arena, &run->failures,
		    arena_printf(&run->arena, "%s: %s", what, op->error));
		op->error = NULL;
		op->status = CTL_OK;
	}
}

static void pfa_unmapped(struct pfa_run *run, const char *table,
			 const char *key, const char *why)
{
	strvec_push(&run->arena, &run->unmapped,
		    arena_printf(&run->arena, "%s %s: %s", table, key, why));
}

static char *pfa_kv(struct op *op, const char *name, const char *value)
{
	return arena_printf(op->arena, "%s=%s", name, value);
}

/* ---- the customer and its offer -------------------------------------------
 */

static void pfa_customer(struct op *op, struct pfa_run *run)
{
	void *rec;
	const char *offer =
	    arena_printf(op->arena, "%s/default", run->opt.customer);

	if (object_find(op, &kind_customer, run->opt.customer, &rec, NULL) ==
	    0) {
		char *argv[] = {"customer", "add", (char *)run->opt.customer,
				"display_name=PostfixAdmin", NULL};
		pfa_run_words(op, run, "customer", argv);
	}
	if (object_find(op, &kind_offer, offer, &rec, NULL) == 0) {
		char *argv[] = {"offer", "add", (char *)offer, NULL};
		pfa_run_words(op, run, "offer", argv);
	}
}

/* ---- domains --------------------------------------------------------------
 */

static bool pfa_transport_ok(const char *t)
{
	return t[0] == '\0' || strcmp(t, "virtual") == 0 ||
	       strcmp(t, "virtual:") == 0 || strcmp(t, "dovecot") == 0 ||
	       strcmp(t, "lmtp") == 0 || strncmp(t, "lmtp:unix:", 10) == 0;
}

/* PostfixAdmin's limits: >0 that many, 0 unlimited, -1 none allowed. */
static const char *pfa_limit(struct op *op, const char *v, const char *unit)
{
	long long n = atoll(v);

	if (n == 0)
		return "unlimited";
	return arena_printf(op->arena, "%lld%s", n < 0 ? 0 : n, unit);
}

/* The domain's most mailboxes; raised to the number it holds when a
 * limit was lowered under it (PostfixAdmin checks only at creation). */
static const char *pfa_max_mailboxes(struct op *op, struct pfa_run *run,
				     MYSQL_ROW r)
{
	long long limit = atoll(pfa_str(op, r, 2));
	long long have = atoll(pfa_str(op, r, 8));

	if (limit != 0 && have > (limit < 0 ? 0 : limit)) {
		strvec_push(
		    &run->arena, &run->notes,
		    arena_printf(&run->arena,
				 "domain %s: its limit of %lld mailboxes "
				 "is raised to the %lld it holds",
				 pfa_str(op, r, 0), limit, have));
		return arena_printf(op->arena, "%lld", have);
	}
	return pfa_limit(op, pfa_str(op, r, 2), "");
}

static void pfa_domain(struct op *op, struct pfa_run *run, MYSQL_ROW r)
{
	const char *name = pfa_str(op, r, 0), *transport = pfa_str(op, r, 5);
	char *argv[8];
	int n = 0;

	if (strcmp(name, "ALL") == 0)
		return;
	if (atoi(pfa_str(op, r, 6)) != 0) {
		pfa_unmapped(run, "domain", name,
			     "a backup MX domain (mailmap relays for none)");
		return;
	}
	if (!pfa_transport_ok(transport)) {
		pfa_unmapped(run, "domain", name,
			     arena_printf(op->arena,
					  "transport \"%s\" has no mailmap "
					  "equivalent (give the domain a "
					  "server)",
					  transport));
		return;
	}
	if (atoll(pfa_str(op, r, 1)) > 0)
		strvec_push(&run->arena, &run->notes,
			    arena_printf(&run->arena,
					 "domain %s: its limit of %s aliases "
					 "is not carried over",
					 name, pfa_str(op, r, 1)));
	if (atoll(pfa_str(op, r, 3)) > 0)
		strvec_push(&run->arena, &run->notes,
			    arena_printf(&run->arena,
					 "domain %s: its most quota a mailbox "
					 "(%s MB) is no mailmap limit: it is "
					 "the quota of its mailboxes that had "
					 "none",
					 name, pfa_str(op, r, 3)));
	argv[n++] = "domain";
	argv[n++] = "add";
	argv[n++] = (char *)name;
	argv[n++] = pfa_kv(op, "customer", run->opt.customer);
	argv[n++] =
	    pfa_kv(op, "active", atoi(pfa_str(op, r, 7)) ? "yes" : "no");
	argv[n++] = pfa_kv(op, "max_mailboxes", pfa_max_mailboxes(op, run, r));
	argv[n++] =
	    pfa_kv(op, "max_quota", pfa_limit(op, pfa_str(op, r, 4), "M"));
	argv[n] = NULL;
	pfa_run_words(op, run, arena_printf(op->arena, "domain %s", name),
		      argv);
	run->counts[PFA_DOMAINS]++;
}

/* ---- mailboxes
 * --------------------------------------------------------------- */

/* A stored hash as mailmap takes it, or NULL when its scheme cannot be
 * told. */
static const char *pfa_password(struct op *op, const char *p)
{
	static const struct {
		const char *prefix, *scheme;
	} crypts[] = {{"$1$", "MD5-CRYPT"},    {"$5$", "SHA256-CRYPT"},
		      {"$6$", "SHA512-CRYPT"}, {"$2y$", "BLF-CRYPT"},
		      {"$2a$", "BLF-CRYPT"},   {"$2b$", "BLF-CRYPT"}};

	if (strncmp(p, "{PLAIN}", 7) == 0)
		return p + 7; /* hashed by mailmapctl */
	if (strncmp(p, "{CLEARTEXT}", 11) == 0)
		return p + 11;
	if (p[0] == '{')
		return p;
	for (size_t i = 0; i < sizeof(crypts) / sizeof(crypts[0]); i++) {
		if (strncmp(p, crypts[i].prefix, strlen(crypts[i].prefix)) == 0)
			return arena_printf(op->arena, "{%s}%s",
					    crypts[i].scheme, p);
	}
	if (strlen(p) == 32 && strspn(p, "0123456789abcdef") == 32)
		return arena_printf(op->arena, "{PLAIN-MD5}%s", p);
	return NULL;
}

static void pfa_mailbox(struct op *op, struct pfa_run *run, MYSQL_ROW r)
{
	const char *user = pfa_str(op, r, 0), *name = pfa_str(op, r, 2);
	const char *password = pfa_password(op, pfa_str(op, r, 1));
	const char *space = strrchr(name, ' ');
	long long quota = atoll(pfa_str(op, r, 4));
	long long max_mb = atoll(pfa_str(op, r, 6)); /* the domain's maxquota */
	char *argv[12];
	int n = 0;

	if (password == NULL) {
		pfa_unmapped(run, "mailbox", user,
			     "its password's scheme cannot be told");
		if (!run->opt.skip)
			return;
	}
	argv[n++] = "mailbox";
	argv[n++] = "add";
	argv[n++] = (char *)user;
	argv[n++] =
	    pfa_kv(op, "offer",
		   arena_printf(op->arena, "%s/default", run->opt.customer));
	if (password != NULL && password[0] != '\0')
		argv[n++] = pfa_kv(op, "password", password);
	if (space != NULL) {
		argv[n++] = pfa_kv(
		    op, "first_name",
		    arena_strndup(op->arena, name, (size_t)(space - name)));
		argv[n++] = pfa_kv(op, "last_name", space + 1);
	} else if (name[0] != '\0') {
		argv[n++] = pfa_kv(op, "last_name", name);
	}
	if (pfa_str(op, r, 3)[0] != '\0')
		argv[n++] = pfa_kv(op, "maildir", pfa_str(op, r, 3));
	/* No quota of its own in a domain that caps a mailbox's quota: the
	 * cap is what PostfixAdmin let it have. */
	if (quota <= 0 && max_mb > 0)
		quota = max_mb * 1024 * 1024;
	if (quota > 0)
		argv[n++] =
		    pfa_kv(op, "quota", arena_printf(op->arena, "%lld", quota));
	argv[n++] =
	    pfa_kv(op, "enabled", atoi(pfa_str(op, r, 5)) ? "yes" : "no");
	argv[n] = NULL;
	pfa_run_words(op, run, arena_printf(op->arena, "mailbox %s", user),
		      argv);
	run->counts[PFA_MAILBOXES]++;
}

/* ---- aliases
 * ------------------------------------------------------------------ */

/* goto without the address itself and vacation addresses, comma-joined;
 * *self_r: whether it named the address. */
static const char *pfa_targets(struct op *op, const char *address,
			       const char *go, bool *self_r)
{
	char *copy = arena_strdup(op->arena, go), *save, *t;
	const char *out = "";

	*self_r = false;
	for (t = strtok_r(copy, ", \t\r\n", &save); t != NULL;
	     t = strtok_r(NULL, ", \t\r\n", &save)) {
		const char *at = strrchr(t, '@');
		if (strcasecmp(t, address) == 0) {
			*self_r = true;
			continue;
		}
		if (at != NULL && strncmp(at + 1, "autoreply.", 10) == 0)
			continue; /* PostfixAdmin's vacation */
		out = arena_printf(op->arena, "%s%s%s", out,
				   out[0] != '\0' ? "," : "", t);
	}
	return out;
}

static void pfa_forward(struct op *op, struct pfa_run *run, const char *address,
			const char *targets, bool self, bool active)
{
	char *argv[] = {"mailbox",
			"set",
			(char *)address,
			pfa_kv(op, "forward", targets),
			pfa_kv(op, "forward_keep_copy", self ? "yes" : "no"),
			NULL};

	if (!active) {
		strvec_push(&run->arena, &run->notes,
			    arena_printf(&run->arena,
					 "alias %s: inactive forwards to %s "
					 "dropped",
					 address, targets));
		return;
	}
	pfa_run_words(op, run, arena_printf(op->arena, "forward %s", address),
		      argv);
}

static void pfa_catchall(struct op *op, struct pfa_run *run,
			 const char *address, const char *targets, bool active)
{
	char *argv[] = {"domain",
			"set",
			(char *)address + 1,
			pfa_kv(op, "catchall", targets),
			pfa_kv(op, "catchall_enabled", active ? "yes" : "no"),
			NULL};

	if (strchr(targets, ',') != NULL) {
		pfa_unmapped(run, "alias", address,
			     "a catch-all with several targets (mailmap's "
			     "catch-all is one address: make it a list)");
		return;
	}
	pfa_run_words(op, run, arena_printf(op->arena, "catch-all %s", address),
		      argv);
}

static bool pfa_in_alias_domain(struct op *op, const char *address)
{
	const char *at = strrchr(address, '@');
	void *rec;
	int found;

	if (at == NULL)
		return false;
	found = object_find(op, &kind_domain_alias, at + 1, &rec, NULL);
	op->error = NULL;
	return found == 1;
}

static void pfa_alias(struct op *op, struct pfa_run *run, MYSQL_ROW r)
{
	const char *address = pfa_str(op, r, 0);
	bool self, active = atoi(pfa_str(op, r, 2)) != 0;
	const char *targets =
	    pfa_targets(op, address, pfa_str(op, r, 1), &self);
	void *rec;
	int found;

	if (targets[0] == '\0')
		return; /* the mailbox's own row, or only its vacation */
	if (address[0] == '@') {
		pfa_catchall(op, run, address, targets, active);
		return;
	}
	if (pfa_in_alias_domain(op, address)) {
		pfa_unmapped(run, "alias", address,
			     "an address of an alias domain (mailmap's alias "
			     "domains mirror their target: make it an alias "
			     "there)");
		return;
	}
	found = object_find(op, &kind_mailbox, address, &rec, NULL);
	if (found < 0) {
		op->error = NULL;
		found = 0;
	}
	if (found == 1) {
		pfa_forward(op, run, address, targets, self, active);
	} else {
		char *argv[] = {"alias",
				"add",
				(char *)address,
				pfa_kv(op, "targets", targets),
				pfa_kv(op, "enabled", active ? "yes" : "no"),
				NULL};
		pfa_run_words(op, run,
			      arena_printf(op->arena, "alias %s", address),
			      argv);
	}
	run->counts[PFA_ALIASES]++;
}

static void pfa_alias_domain_add(struct op *op, struct pfa_run *run,
				 MYSQL_ROW r)
{
	char *argv[] = {
	    "domain-alias",
	    "add",
	    (char *)pfa_str(op, r, 0),
	    pfa_kv(op, "target", pfa_str(op, r, 1)),
	    pfa_kv(op, "active", atoi(pfa_str(op, r, 2)) ? "yes" : "no"),
	    NULL};

	pfa_run_words(
	    op, run, arena_printf(op->arena, "alias domain %s", argv[2]), argv);
	run->counts[PFA_ALIAS_DOMAINS]++;
}

static void pfa_alias_domain(struct op *op, struct pfa_run *run, MYSQL_ROW r)
{
	if (atoi(pfa_str(op, r, 2)) == 0 && atoi(pfa_str(op, r, 3)) > 0) {
		strvec_push(&run->arena, &run->notes,
			    arena_printf(&run->arena,
					 "alias domain %s: inactive, so a "
					 "domain of its own (as PostfixAdmin "
					 "has it)",
					 pfa_str(op, r, 0)));
		return;
	}
	pfa_alias_domain_add(op, run, r);
}

/* PostfixAdmin's "no date" values of activefrom / activeuntil. */
static bool pfa_no_date(const char *d)
{
	return d[0] == '\0' || strncmp(d, "2000-01-01", 10) == 0 ||
	       strncmp(d, "2038-01-18", 10) == 0 ||
	       strncmp(d, "0000-00-00", 10) == 0;
}

/* A DATETIME "YYYY-MM-DD HH:MM:SS" as a wall-clock time mailmapctl
 * reads in the mailbox's time zone ("YYYY-MM-DDTHH:MM:SS"); the instant
 * PostfixAdmin's vacation.pl compares with NOW(). */
static const char *pfa_datetime(struct op *op, const char *d)
{
	char *text = arena_strndup(op->arena, d, 19);

	if (strlen(text) == 19 && text[10] == ' ')
		text[10] = 'T';
	return text;
}

static void pfa_vacation(struct op *op, struct pfa_run *run, MYSQL_ROW r)
{
	const char *from = pfa_str(op, r, 4), *until = pfa_str(op, r, 5);
	long interval = atol(pfa_str(op, r, 6));
	char *argv[12];
	int n = 0;

	argv[n++] = "mailbox";
	argv[n++] = "set";
	argv[n++] = (char *)pfa_str(op, r, 0);
	argv[n++] =
	    pfa_kv(op, "autoreply", atoi(pfa_str(op, r, 3)) ? "yes" : "no");
	argv[n++] = pfa_kv(op, "autoreply_subject", pfa_str(op, r, 1));
	argv[n++] = pfa_kv(op, "autoreply_body", pfa_str(op, r, 2));
	if (!pfa_no_date(from))
		argv[n++] =
		    pfa_kv(op, "autoreply_start", pfa_datetime(op, from));
	if (!pfa_no_date(until))
		argv[n++] =
		    pfa_kv(op, "autoreply_end", pfa_datetime(op, until));
	if (interval > 0)
		argv[n++] = pfa_kv(op, "autoreply_interval",
				   arena_printf(op->arena, "%lds", interval));
	argv[n] = NULL;
	pfa_run_words(op, run, arena_printf(op->arena, "vacation %s", argv[2]),
		      argv);
	run->counts[PFA_VACATIONS]++;
}

/* ---- the whole database
 * ------------------------------------------------------ */

typedef void pfa_row_fn(struct op *op, struct pfa_run *run, MYSQL_ROW r);

static const struct {
	const char *sql;
	pfa_row_fn *fn;
	bool optional; /* the vacation table may be absent */
} pfa_tables[] = {
    /* An alias domain has a row in domain too (PostfixAdmin wants it
     * there first): it becomes a domain-alias only; while the alias is
     * inactive, PostfixAdmin takes it as a domain without mailboxes, and
     * so does this. */
    {"SELECT domain, aliases, mailboxes, maxquota, quota, transport, "
     "backupmx, active, (SELECT COUNT(*) FROM mailbox m WHERE m.domain = "
     "d.domain) FROM domain d WHERE domain NOT IN (SELECT alias_domain "
     "FROM alias_domain WHERE active = 1) ORDER BY domain",
     pfa_domain, false},
    {"SELECT m.username, m.password, m.name, m.maildir, m.quota, m.active, "
     "d.maxquota FROM mailbox m LEFT JOIN domain d ON d.domain = m.domain "
     "ORDER BY m.username",
     pfa_mailbox, false},
    {"SELECT a.alias_domain, a.target_domain, a.active, (SELECT COUNT(*) "
     "FROM domain d WHERE d.domain = a.alias_domain) FROM alias_domain a "
     "ORDER BY a.alias_domain",
     pfa_alias_domain, false},
    {"SELECT address, goto, active FROM alias ORDER BY address", pfa_alias,
     false},
    {"SELECT email, subject, body, active, activefrom, activeuntil, "
     "interval_time FROM vacation ORDER BY email",
     pfa_vacation, true},
};

static int pfa_body(struct op *op, void *context)
{
	struct pfa_run *run = context;

	op->secrets_allowed = true;
	arena_reset(&run->arena);
	memset(&run->unmapped, 0, sizeof(run->unmapped));
	memset(&run->notes, 0, sizeof(run->notes));
	memset(&run->failures, 0, sizeof(run->failures));
	memset(run->counts, 0, sizeof(run->counts));
	pfa_customer(op, run);
	for (size_t t = 0; t < sizeof(pfa_tables) / sizeof(pfa_tables[0]);
	     t++) {
		MYSQL_RES *res = pfa_query(run, op, pfa_tables[t].sql);
		MYSQL_ROW row;
		if (res == NULL && pfa_tables[t].optional) {
			op->error = NULL;
			continue;
		}
		if (res == NULL)
			return -1;
		while ((row = mysql_fetch_row(res)) != NULL) {
			arena_reset(op->arena);
			pfa_tables[t].fn(op, run, row);
		}
		mysql_free_result(res);
	}
	if (run->failures.count > 0 ||
	    (run->unmapped.count > 0 && !run->opt.skip))
		return op_fail(
		    op, CTL_INPUT,
		    "import postfixadmin: %zu refused, %zu that cannot "
		    "be mapped%s: nothing written",
		    run->failures.count, run->unmapped.count,
		    run->unmapped.count > 0 && !run->opt.skip
			? " (--skip leaves them out)"
			: "");
	op_note(op,
		"import postfixadmin: %zu domains, %zu mailboxes, %zu aliases, "
		"%zu alias domains, %zu vacations %s%s",
		run->counts[PFA_DOMAINS], run->counts[PFA_MAILBOXES],
		run->counts[PFA_ALIASES], run->counts[PFA_ALIAS_DOMAINS],
		run->counts[PFA_VACATIONS],
		run->ctl->dry_run ? "checked: nothing written (--check)"
				  : "imported",
		run->unmapped.count > 0 ? "; left out as listed" : "");
	return 0;
}

/* ---- options and connection
 * --------------------------------------------------- */

static int pfa_options(int argc, char **argv, struct pfa_options *o,
		       struct ctl *ctl)
{
	*o = (struct pfa_options){.user = "postfixadmin",
				  .database = "postfixadmin",
				  .customer = "postfixadmin"};
	for (int i = 1; i < argc; i++) {
		const char **value = NULL;
		if (strcmp(argv[i], "--skip") == 0) {
			o->skip = true;
			continue;
		}
		if (strcmp(argv[i], "--check") == 0) {
			ctl->dry_run = true;
			continue;
		}
		if (strcmp(argv[i], "--socket") == 0)
			value = &o->socket;
		else if (strcmp(argv[i], "--host") == 0)
			value = &o->host;
		else if (strcmp(argv[i], "--user") == 0)
			value = &o->user;
		else if (strcmp(argv[i], "--password-file") == 0)
			value = &o->password_file;
		else if (strcmp(argv[i], "--database") == 0)
			value = &o->database;
		else if (strcmp(argv[i], "--customer") == 0)
			value = &o->customer;
		else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
			o->port = (unsigned)atoi(argv[++i]);
			continue;
		}
		if (value == NULL || i + 1 == argc)
			return -1;
		*value = argv[++i];
	}
	return 0;
}

static int pfa_connect(struct pfa_run *run)
{
	char password[512] = "";
	FILE *f;

	if (run->opt.password_file != NULL) {
		if ((f = fopen(run->opt.password_file, "r")) == NULL ||
		    fgets(password, sizeof(password), f) == NULL) {
			fprintf(run->ctl->err,
				"mailmapctl: import postfixadmin: cannot read "
				"%s\n",
				run->opt.password_file);
			if (f != NULL)
				fclose(f);
			return -1;
		}
		fclose(f);
		password[strcspn(password, "\r\n")] = '\0';
	}
	run->db = mysql_init(NULL);
	if (run->db == NULL ||
	    mysql_real_connect(
		run->db, run->opt.host != NULL ? run->opt.host : "localhost",
		run->opt.user, password, run->opt.database, run->opt.port,
		run->opt.socket, 0) == NULL ||
	    mysql_set_character_set(run->db, "utf8mb4") != 0) {
		fprintf(run->ctl->err,
			"mailmapctl: import postfixadmin: database: %s\n",
			run->db != NULL ? mysql_error(run->db) : "no memory");
		explicit_bzero(password, sizeof(password));
		return -1;
	}
	explicit_bzero(password, sizeof(password));
	return 0;
}

static void pfa_print(struct ctl *ctl, const char *title,
		      const struct strvec *lines)
{
	for (size_t i = 0; i < lines->count; i++)
		fprintf(ctl->err, "mailmapctl: import postfixadmin: %s: %s\n",
			title, lines->items[i]);
}

int import_pfa_main(struct ctl *ctl, int argc, char **argv)
{
	struct pfa_run run = {.ctl = ctl};
	int status;

	if (pfa_options(argc, argv, &run.opt, ctl) < 0) {
		fprintf(
		    ctl->err,
		    "usage: mailmapctl import postfixadmin [--socket PATH | "
		    "--host HOST [--port N]] [--user USER] "
		    "[--password-file FILE] [--database NAME] "
		    "[--customer NAME] [--skip] [--check]\n");
		return CTL_INPUT;
	}
	if (pfa_connect(&run) < 0) {
		if (run.db != NULL)
			mysql_close(run.db);
		return CTL_TEMPFAIL;
	}
	arena_init(&run.arena, 0);
	status = ctl_write(ctl, pfa_body, &run);
	pfa_print(ctl, run.opt.skip ? "left out" : "cannot map", &run.unmapped);
	pfa_print(ctl, "refused", &run.failures);
	pfa_print(ctl, "note", &run.notes);
	arena_deinit(&run.arena);
	mysql_close(run.db);
	return status;
}
