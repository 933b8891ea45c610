/* checks_lists: send rights of distribution lists (check 4); see
 * checks_internal.h. */
#include "checks_internal.h"

#include <string.h>

/* ---- 4. send rights of lists ----------------------------------------- */

/* Does the rule name this sender? It is judged by the address given and
 * by the mailbox that address belongs to (owner: "" when none), so
 * user+tag@, user@alias.org and an extra address count as the mailbox. */
static bool check_rule_matches(const char *rule, const char *identity,
			       const char *owner, const struct rec_alias *list)
{
	const char *type = strchr(rule, ':') + 1;
	const char *names[] = {identity, owner};

	if (identity[0] == '\0')
		return false; /* nobody to judge: only the default applies */
	for (size_t n = 0; n < 2; n++) {
		const char *name = names[n], *domain = strrchr(name, '@');
		if (name[0] == '\0')
			continue;
		if (strncmp(type, "account:", 8) == 0) {
			if (strcmp(type + 8, name) == 0)
				return true;
		} else if (strncmp(type, "domain:", 7) == 0) {
			if (domain != NULL && strcmp(type + 7, domain + 1) == 0)
				return true;
		} else {
			for (size_t i = 0; i < list->targets.count; i++) {
				if (strcmp(list->targets.items[i], name) == 0)
					return true; /* a member */
			}
		}
	}
	return false;
}

/* First matching rule wins; none: deny if any rule allows, else allow. */
static bool check_rules_allow(const struct rec_alias *list,
			      const char *identity, const char *owner)
{
	bool any_allow = false;

	for (size_t i = 0; i < list->send_rules.count; i++) {
		const char *rule = list->send_rules.items[i];
		bool allow = strncmp(rule, "allow:", 6) == 0;
		if (check_rule_matches(rule, identity, owner, list))
			return allow;
		any_allow = any_allow || allow;
	}
	return !any_allow;
}

/* The mailbox an address of ours belongs to, whatever the states (as the
 * senders map says); "" for any other address, NULL when the store
 * cannot answer. */
static const char *check_owner(struct check_ctx *c, struct policy_str s)
{
	struct lookup_target target;
	struct rec_mailbox *mailbox;
	enum lookup_status st;
	int ret;

	if (s.len == 0)
		return "";
	st = check_resolve(c, s, LOOKUP_FOLLOW_ALIAS | LOOKUP_ANY_STATE,
			   &target);
	if (st != LOOKUP_FOUND)
		return st == LOOKUP_TEMPFAIL ? NULL : "";
	ret = check_mailbox_of(c, &target, &mailbox);
	return ret > 0 ? mailbox->address : ret < 0 ? NULL : "";
}

int check_send_rights(struct check_ctx *c)
{
	const struct lookup_target *target;
	struct rec_alias *list;
	const char *identity;
	enum lookup_status st;

	if (c->req->attrs[POLICY_RECIPIENT].len == 0)
		return CHECK_NONE;
	st = check_recipient(c, &target);
	if (st != LOOKUP_FOUND || target->type != REC_ALIAS)
		return st == LOOKUP_TEMPFAIL ? CHECK_TEMPFAIL : CHECK_NONE;
	list = check_decode(c, REC_ALIAS, target->address, target->record);
	if (list == NULL)
		return CHECK_TEMPFAIL;
	if (!list->enabled || list->send_rules.count == 0)
		return CHECK_NONE;
	struct policy_str who = list->send_check == SEND_CHECK_LOGIN
				    ? c->req->attrs[POLICY_SASL_USERNAME]
				    : c->req->attrs[POLICY_SENDER];
	const char *owner = check_owner(c, who);
	if (owner == NULL)
		return CHECK_TEMPFAIL;
	identity = check_address(c, who);
	if (check_rules_allow(list, identity, owner))
		return CHECK_NONE;
	return check_decide(
	    c, POLICY_REJECT, "5.7.1 %s may not send to the list %s",
	    identity[0] != '\0'			   ? identity
	    : list->send_check == SEND_CHECK_LOGIN ? "An unauthenticated client"
						   : "The null sender",
	    list->address);
}
