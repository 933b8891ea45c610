/* delivery: the delivery rule at commit; see delivery.h. */
#include "delivery.h"

#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "lookup.h"
#include "objects.h"

/* Targets named in one warning; the rest are counted. */
#define DELIVERY_NAMED_MAX 3

static void delivery_push(struct op *op, struct strvec *vec, enum ref_kind kind,
			  const char *name, size_t len)
{
	strvec_push(
	    op->keep, vec,
	    arena_printf(op->keep, "%c%.*s", (char)kind, (int)len, name));
}

void delivery_touch(struct op *op, enum ref_kind kind, const char *name)
{
	delivery_push(op, &op->delivery->holders, kind, name, strlen(name));
}

void delivery_lost(struct op *op, enum ref_kind kind, const char *name)
{
	delivery_push(op, &op->delivery->lost, kind, name, strlen(name));
}

void delivery_domain_new(struct op *op, const char *name)
{
	strvec_push(op->keep, &op->delivery->domains,
		    arena_strdup(op->keep, name));
}

/* ---- What holds targets ---------------------------------------------- */

/* A list, a forwarding mailbox or a domain's catch-all, as stored now. */
struct holder {
	const char *noun; /* "alias", "mailbox", "domain" */
	const char *name;
	const char *role; /* "target", "forward", "catch-all" */
	const char *self; /* on the path of its targets, or NULL */
	struct strlist targets;
	bool in_force; /* enabled (and, for a catch-all, active) */
};

/* Lists and mailboxes: where their targets and enabled flag are. */
static const struct holder_kind {
	enum ref_kind ref;
	const struct kind *kind;
	const char *noun, *role, *targets;
} holder_kinds[] = {
    {REF_ALIAS, &kind_alias, "alias", "target", "targets"},
    {REF_MAILBOX, &kind_mailbox, "mailbox", "forward", "forward"},
};

/* A domain's catch-all as a holder of one target. */
static int holder_load_catchall(struct op *op, const char *name,
				struct holder *h)
{
	const char **one = arena_alloc(op->arena, sizeof(*one));
	struct rec_domain *domain;
	int ret = object_find(op, &kind_domain, name, (void **)&domain, NULL);

	if (ret <= 0 || domain->catchall[0] == '\0')
		return ret < 0 ? -1 : 0;
	*one = domain->catchall;
	*h = (struct holder){
	    "domain", name,	"catch-all",
	    NULL,     {1, one}, domain->catchall_enabled && domain->active};
	return 1;
}

/* 1 with the holder an item names, 0 when it is gone, -1 on failure. */
static int holder_load(struct op *op, const char *item, struct holder *h)
{
	const char *name = item + 1;

	memset(h, 0, sizeof(*h));
	if (item[0] == REF_DOMAIN)
		return holder_load_catchall(op, name, h);
	for (size_t i = 0; i < sizeof(holder_kinds) / sizeof(holder_kinds[0]);
	     i++) {
		const struct holder_kind *hk = &holder_kinds[i];
		const struct record_desc *desc = kind_desc(hk->kind);
		void *rec;
		int ret;
		if ((char)hk->ref != item[0])
			continue;
		ret = object_find(op, hk->kind, name, &rec, NULL);
		if (ret <= 0)
			return ret;
		*h = (struct holder){
		    hk->noun,
		    name,
		    hk->role,
		    name,
		    *RECORD_FIELD(rec, record_field(desc, hk->targets),
				  struct strlist),
		    *RECORD_FIELD(rec, record_field(desc, "enabled"), bool)};
		return 1;
	}
	return 0;
}

static struct lookup_ctx delivery_ctx(struct op *op)
{
	return (struct lookup_ctx){op->txn, op->arena, op->delimiters};
}

/* The address whose going left item (a list, a catch-all) without its
 * target, or NULL. */
static const char *delivery_gone_from(const struct op *op, const char *item)
{
	const struct delivery_log *log = op->delivery;

	for (size_t i = 0; i < log->gone_from.count; i++) {
		if (strcmp(log->gone_from.items[i], item) == 0)
			return log->gone.items[i];
	}
	return NULL;
}

/* One target: exists if ours, leads into no loop, within the limits. */
static int holder_check_target(struct op *op, const struct holder *h,
			       const char *item, const char *target)
{
	struct lookup_ctx ctx = delivery_ctx(op);
	enum lookup_reach reach;
	const char *detail, *gone;
	enum lookup_status st =
	    lookup_check_target(&ctx, h->self, target, &reach, &detail);

	if (st != LOOKUP_FOUND)
		return op_fail(op,
			       st == LOOKUP_PERMFAIL ? CTL_INPUT : CTL_TEMPFAIL,
			       "%s %s: %s %s: %s", h->noun, h->name, h->role,
			       target, detail);
	gone = delivery_gone_from(op, item);
	if (reach == LOOKUP_REACH_MISSING && gone != NULL)
		return op_fail(op, CTL_INPUT,
			       "%s is the catch-all of domain %s: set another "
			       "(domain set %s catchall=...) or none first",
			       gone, h->name, h->name);
	if (reach == LOOKUP_REACH_MISSING)
		return op_fail(op, CTL_INPUT,
			       "%s %s: %s %s does not exist, and its "
			       "domain is ours (add it in the same "
			       "change, or leave it out)",
			       h->noun, h->name, h->role, target);
	if (reach == LOOKUP_REACH_LOOP)
		return op_fail(op, CTL_INPUT,
			       "%s %s: %s %s leads back in a loop "
			       "(%s): Postfix would defer every "
			       "message",
			       h->noun, h->name, h->role, target,
			       detail != NULL ? detail : "?");
	return 0;
}

/* No target of ours that does not exist, no loop, no list without a
 * target. */
static int holder_check(struct op *op, const char *item, const struct holder *h)
{
	const char *gone = delivery_gone_from(op, item);

	if (item[0] == REF_ALIAS && h->targets.count == 0 && gone != NULL)
		return op_fail(op, CTL_INPUT,
			       "%s is the only target of list %s: give the "
			       "list another target, or delete it too",
			       gone, h->name);
	if (item[0] == REF_ALIAS && h->targets.count == 0)
		return op_fail(op, CTL_INPUT,
			       "alias %s: targets: an alias needs at least one",
			       h->name);
	for (size_t i = 0; i < h->targets.count; i++) {
		if (holder_check_target(op, h, item, h->targets.items[i]) < 0)
			return -1;
	}
	return 0;
}

/* Says so when none of the targets takes mail now. */
static void holder_warn(struct op *op, const struct holder *h)
{
	struct lookup_ctx ctx = delivery_ctx(op);
	const char *why = "";
	size_t dead = 0;

	if (!h->in_force || h->targets.count == 0)
		return;
	for (size_t i = 0; i < h->targets.count; i++) {
		const char *target = h->targets.items[i];
		enum lookup_reach reach;
		if (lookup_reach(&ctx, target, strlen(target), &reach) !=
			LOOKUP_FOUND ||
		    lookup_reach_takes_mail(reach))
			return;
		if (dead++ < DELIVERY_NAMED_MAX)
			why = arena_printf(op->arena, "%s%s%s: %s", why,
					   dead > 1 ? ", " : "", target,
					   lookup_reach_name(reach));
	}
	if (dead > DELIVERY_NAMED_MAX)
		why = arena_printf(op->arena, "%s and %zu more", why,
				   dead - DELIVERY_NAMED_MAX);
	if (strcmp(h->role, "target") == 0)
		op_warn(op,
			"alias %s takes no mail now (%s): mail to it is "
			"refused",
			h->name, why);
	else if (strcmp(h->role, "forward") == 0)
		op_warn(op,
			"mailbox %s: no forward takes mail now (%s): its "
			"mail stays in the mailbox",
			h->name, why);
	else
		op_warn(op,
			"domain %s: the catch-all takes no mail now (%s): "
			"mail to unknown addresses is refused",
			h->name, why);
}

/* ---- Who names an address -------------------------------------------- */

/* Calls fn for every referrer of one spelling set of an address. */
struct spelling {
	const char *local;
	size_t local_len;
	const char *domain;
	const char *delimiters;
	refs_target_fn *fn;
	void *context;
};

/* Keeps local@domain and local<delimiter>...@domain. */
static int spelling_match(void *context, const char *to, size_t to_len,
			  enum ref_kind from_kind, const char *from,
			  size_t from_len)
{
	const struct spelling *s = context;
	size_t dlen = strlen(s->domain), rest;

	if (to_len < s->local_len + 1 + dlen ||
	    memcmp(to + to_len - dlen, s->domain, dlen) != 0 ||
	    to[to_len - dlen - 1] != '@')
		return 0;
	rest = to_len - dlen - 1 - s->local_len; /* "" or "+ext" */
	if (rest != 0 && (strchr(s->delimiters, to[s->local_len]) == NULL ||
			  memchr(to + s->local_len, '@', rest) != NULL))
		return 0;
	return s->fn(s->context, to, to_len, from_kind, from, from_len);
}

static int delivery_each_spelling_in(struct op *op, struct spelling *s)
{
	const char *exact = arena_printf(
	    op->arena, "%.*s@%s", (int)s->local_len, s->local, s->domain);
	int ret = refs_each_recipient(op->txn, exact, spelling_match, s);

	for (const char *d = s->delimiters; ret == 0 && *d != '\0'; d++) {
		const char *prefix = arena_printf(
		    op->arena, "%.*s%c", (int)s->local_len, s->local, *d);
		ret = refs_each_recipient(op->txn, prefix, spelling_match, s);
	}
	return ret;
}

/* fn for every object naming address as a target: as written, with an
 * extension, or in an alias domain of its domain. */
static int delivery_each_referrer(struct op *op, const char *address,
				  refs_target_fn *fn, void *context)
{
	const char *at = strrchr(address, '@');
	struct spelling s = {address, (size_t)(at - address),
			     at + 1,  op->delimiters,
			     fn,      context};
	struct strvec aliases;

	if (kind_referrers(op, REF_DOMAIN, s.domain, REF_ALIAS_DOMAIN,
			   &aliases) < 0)
		return -1;
	if (delivery_each_spelling_in(op, &s) != 0)
		return op_store_fail(op);
	for (size_t i = 0; i < aliases.count; i++) {
		s.domain = aliases.items[i];
		if (delivery_each_spelling_in(op, &s) != 0)
			return op_store_fail(op);
	}
	return 0;
}

struct referrers {
	struct op *op;
	const char *address;   /* keep only the spellings resolving to it */
	struct strvec items;   /* "<kind><from>" */
	struct strvec targets; /* the spelling each one names */
};

/* Does target name address (resolved as the lookups do: a target with a
 * record of its own, bob+sales@ beside bob@, names that record)? */
static bool delivery_names(struct op *op, const char *target, size_t len,
			   const char *address)
{
	struct lookup_ctx ctx = delivery_ctx(op);
	struct lookup_target found;

	return lookup_address(&ctx, target, len,
			      LOOKUP_FOLLOW_ALIAS | LOOKUP_ANY_STATE,
			      &found) == LOOKUP_FOUND &&
	       strcmp(found.address, address) == 0;
}

static int referrer_collect(void *context, const char *to, size_t to_len,
			    enum ref_kind from_kind, const char *from,
			    size_t from_len)
{
	struct referrers *r = context;

	if (r->address != NULL &&
	    !delivery_names(r->op, to, to_len, r->address))
		return 0;
	delivery_push(r->op, &r->items, from_kind, from, from_len);
	strvec_push(r->op->keep, &r->targets,
		    arena_strndup(r->op->keep, to, to_len));
	return 0;
}

/* ---- Leaving --------------------------------------------------------- */

static bool strlist_has(const struct strlist *list, const char *item)
{
	for (size_t i = 0; i < list->count; i++) {
		if (strcmp(list->items[i], item) == 0)
			return true;
	}
	return false;
}

/* Records why item (a list, a catch-all) lost its target. */
static void delivery_gone(struct op *op, const char *item, const char *what)
{
	struct delivery_log *log = op->delivery;

	strvec_push(op->keep, &log->gone_from, arena_strdup(op->keep, item));
	strvec_push(op->keep, &log->gone, arena_strdup(op->keep, what));
}

/* Removes one target from a list or a mailbox's forwards. A list left
 * with none is refused at commit, unless it goes too. */
static int delivery_drop(struct op *op, const char *item, const char *target,
			 const char *what)
{
	bool list = item[0] == REF_ALIAS;
	const struct kind *kind = list ? &kind_alias : &kind_mailbox;
	const struct field_desc *field =
	    record_field(kind_desc(kind), list ? "targets" : "forward");
	struct assign drop = {field, ASSIGN_REMOVE, target};
	const char *why, *as = "";
	void *rec, *changed;

	if (object_load(op, kind, item + 1, &rec) < 0)
		return -1;
	/* an index entry a writer before it left behind: nothing to do */
	if (!strlist_has(RECORD_FIELD(rec, field, struct strlist), target))
		return 0;
	changed = object_copy(op, kind, rec);
	if (fields_apply(&op->fenv, &drop, changed, &why) < 0)
		return op_fail(op, CTL_TEMPFAIL, "%s", why);
	if (list && ((struct rec_alias *)changed)->targets.count == 0)
		delivery_gone(op, item, what);
	if (object_update(op, kind, rec, changed) < 0)
		return -1;
	if (strcmp(target, what) != 0)
		as = arena_printf(op->arena, " (as %s)", target);
	if (list)
		op_note(op, "removed %s%s from list %s", what, as, item + 1);
	else
		op_note(op, "removed %s%s from the forwards of mailbox %s",
			what, as, item + 1);
	return 0;
}

/* Applies the leaving to what the referrers collected. */
static int delivery_drop_all(struct op *op, const struct referrers *r,
			     const char *what)
{
	for (size_t i = 0; i < r->items.count; i++) {
		const char *item = r->items.items[i];
		/* A catch-all still naming it is refused at commit. */
		if (item[0] == REF_DOMAIN) {
			delivery_touch(op, REF_DOMAIN, item + 1);
			delivery_gone(op, item, r->targets.items[i]);
		} else if (delivery_drop(op, item, r->targets.items[i], what) <
			   0) {
			return -1;
		}
	}
	return 0;
}

int delivery_leave(struct op *op, const char *address)
{
	struct referrers r = {op, address, {0}, {0}};

	if (delivery_each_referrer(op, address, referrer_collect, &r) < 0)
		return -1;
	return delivery_drop_all(op, &r, address);
}

/* The domain of a target as the refs index holds it (not NUL-ended). */
static const char *delivery_target_domain(const char *to, size_t len,
					  size_t *len_r)
{
	const char *at = memchr(to, '@', len);
	const char *domain = at != NULL ? at + 1 : to + len;

	*len_r = len - (size_t)(domain - to);
	return domain;
}

/* Collects the targets in one domain. */
struct in_domain {
	const char *domain;
	struct referrers *r;
};

static int in_domain_collect(void *context, const char *to, size_t to_len,
			     enum ref_kind from_kind, const char *from,
			     size_t from_len)
{
	struct in_domain *d = context;
	size_t dlen;
	const char *domain = delivery_target_domain(to, to_len, &dlen);

	if (dlen != strlen(d->domain) || memcmp(domain, d->domain, dlen) != 0)
		return 0;
	return referrer_collect(d->r, to, to_len, from_kind, from, from_len);
}

int delivery_leave_domain(struct op *op, const char *name)
{
	struct referrers r = {op, NULL, {0}, {0}};
	struct in_domain d = {name, &r};

	if (refs_each_recipient(op->txn, "", in_domain_collect, &d) != 0)
		return op_store_fail(op);
	for (size_t i = 0; i < r.targets.count; i++) {
		struct referrers one = {op, NULL, {0}, {0}};
		strvec_push(op->keep, &one.items, r.items.items[i]);
		strvec_push(op->keep, &one.targets, r.targets.items[i]);
		if (delivery_drop_all(op, &one, r.targets.items[i]) < 0)
			return -1;
	}
	return 0;
}

/* ---- At commit ------------------------------------------------------- */

static int strvec_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts and drops repeats. */
static void strvec_unique(struct strvec *vec)
{
	size_t kept = 0;

	if (vec->count == 0)
		return;
	qsort(vec->items, vec->count, sizeof(*vec->items), strvec_cmp);
	for (size_t i = 0; i < vec->count; i++) {
		if (kept == 0 || strcmp(vec->items[kept - 1], vec->items[i]))
			vec->items[kept++] = vec->items[i];
	}
	vec->count = kept;
}

/* Is s[0..len) in vec, sorted by strvec_unique()? */
static bool strvec_has(const struct strvec *vec, const char *s, size_t len)
{
	size_t lo = 0, hi = vec->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *item = vec->items[mid];
		int cmp = strncmp(item, s, len);
		if (cmp == 0)
			cmp = item[len] != '\0' ? 1 : 0;
		if (cmp == 0)
			return true;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Targets in domains that became ours (checked) or lost their mail
 * (warned about): one pass over every target. */
struct by_domain {
	struct op *op;
	struct strvec lost_domains;
	struct strvec *warn;
};

static int by_domain_visit(void *context, const char *to, size_t to_len,
			   enum ref_kind from_kind, const char *from,
			   size_t from_len)
{
	struct by_domain *b = context;
	size_t dlen;
	const char *domain = delivery_target_domain(to, to_len, &dlen);

	if (strvec_has(&b->op->delivery->domains, domain, dlen))
		delivery_push(b->op, &b->op->delivery->holders, from_kind, from,
			      from_len);
	if (strvec_has(&b->lost_domains, domain, dlen))
		delivery_push(b->op, b->warn, from_kind, from, from_len);
	return 0;
}

/* A domain that lost its mail, and the alias domains leading to it. */
static int delivery_lost_domain(struct op *op, const char *item,
				struct strvec *domains)
{
	struct strvec aliases = {0};

	strvec_push(op->keep, domains, item + 1);
	if (item[0] == REF_DOMAIN &&
	    kind_referrers(op, REF_DOMAIN, item + 1, REF_ALIAS_DOMAIN,
			   &aliases) < 0)
		return -1;
	for (size_t i = 0; i < aliases.count; i++)
		strvec_push(op->keep, domains,
			    arena_strdup(op->keep, aliases.items[i]));
	return 0;
}

/* The referrers of what lost its mail go into warn; those of new domains'
 * addresses become holders. */
static int delivery_collect(struct op *op, struct strvec *warn)
{
	struct delivery_log *log = op->delivery;
	struct by_domain b = {op, {0}, warn};
	struct referrers r = {op, NULL, {0}, {0}};

	for (size_t i = 0; i < log->lost.count; i++) {
		const char *item = log->lost.items[i];
		if (item[0] == REF_DOMAIN || item[0] == REF_ALIAS_DOMAIN) {
			if (delivery_lost_domain(op, item, &b.lost_domains) < 0)
				return -1;
		} else if (delivery_each_referrer(op, item + 1,
						  referrer_collect, &r) < 0)
			return -1;
	}
	for (size_t i = 0; i < r.items.count; i++)
		strvec_push(op->keep, warn, r.items.items[i]);
	strvec_unique(&log->domains);
	strvec_unique(&b.lost_domains);
	if ((log->domains.count != 0 || b.lost_domains.count != 0) &&
	    refs_each_recipient(op->txn, "", by_domain_visit, &b) != 0)
		return op_store_fail(op);
	return 0;
}

int delivery_check(struct op *op)
{
	struct delivery_log *log = op->delivery;
	struct strvec warn = {0};
	struct holder h;
	int ret;

	if (delivery_collect(op, &warn) < 0)
		return -1;
	strvec_unique(&log->holders);
	for (size_t i = 0; i < log->holders.count; i++) {
		ret = holder_load(op, log->holders.items[i], &h);
		if (ret < 0 ||
		    (ret > 0 &&
		     holder_check(op, log->holders.items[i], &h) < 0))
			return -1;
		strvec_push(op->keep, &warn, log->holders.items[i]);
	}
	strvec_unique(&warn);
	for (size_t i = 0; i < warn.count; i++) {
		ret = holder_load(op, warn.items[i], &h);
		if (ret < 0)
			return -1;
		if (ret > 0)
			holder_warn(op, &h);
	}
	return 0;
}
