/* checks_lists: send rights of distribution lists (check 4); see
 * checks_internal.h. */
#include "checks_internal.h"

#include <string.h>

/* ---- 4. send rights of lists ----------------------------------------- */

static bool check_rule_matches(const char *rule, const char *identity,
			       const struct rec_alias *list)
{
	const char *type = strchr(rule, ':') + 1;
	const char *domain = strrchr(identity, '@');

	if (identity[0] == '\0')
		return false; /* nobody to judge: only the default applies */
	if (strncmp(type, "account:", 8) == 0)
		return strcmp(type + 8, identity) == 0;
	if (strncmp(type, "domain:", 7) == 0)
		return domain != NULL && strcmp(type + 7, domain + 1) == 0;
	for (size_t i = 0; i < list->targets.count; i++) { /* members */
		if (strcmp(list->targets.items[i], identity) == 0)
			return true;
	}
	return false;
}

/* First matching rule wins; none: deny if any rule allows, else allow. */
static bool check_rules_allow(const struct rec_alias *list,
			      const char *identity)
{
	bool any_allow = false;

	for (size_t i = 0; i < list->send_rules.count; i++) {
		const char *rule = list->send_rules.items[i];
		bool allow = strncmp(rule, "allow:", 6) == 0;
		if (check_rule_matches(rule, identity, list))
			return allow;
		any_allow = any_allow || allow;
	}
	return !any_allow;
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
	identity = check_address(c, list->send_check == SEND_CHECK_LOGIN
					? c->req->attrs[POLICY_SASL_USERNAME]
					: c->req->attrs[POLICY_SENDER]);
	if (check_rules_allow(list, identity))
		return CHECK_NONE;
	return check_decide(
	    c, POLICY_REJECT, "5.7.1 %s may not send to the list %s",
	    identity[0] != '\0'			   ? identity
	    : list->send_check == SEND_CHECK_LOGIN ? "An unauthenticated client"
						   : "The null sender",
	    list->address);
}
