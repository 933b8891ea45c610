/*
 * lookup_reach: where mail to an address ends up now, so that no address
 * the maps lead Postfix to accept is bounced after the queue (the delivery
 * rule, docs/delivery.md).
 *
 * Postfix's cleanup expands virtual aliases recursively: every address of
 * an answer is asked again (its full key), until one is not found (then it
 * is delivered: over LMTP in our mailbox domains, relayed elsewhere) or
 * maps to itself (been_here in cleanup_map1n.c: expanded once, then
 * final). An answer therefore names only targets whose own expansion ends
 * in at least one recipient that takes mail now: a mailbox enabled in an
 * active domain of ours, or an address outside our domains.
 * lookup_judge() decides that for one target by following the answers the
 * aliases map itself gives (its handlers, in probe mode; a target with no
 * record is not rescued by its domain's catch-all), with:
 * - the path of the addresses being followed, spelled as cleanup asks
 *   them (user@alias.org is not user@example.com to cleanup): meeting one
 *   again is a loop (cleanup would expand in circles until its limits
 *   and defer the mail), unless its answer holds it (a mailbox that keeps
 *   its mail, asked as itself), where cleanup stops. A target under which any
 * loop was met is left out, so an answer never leads cleanup into one.
 * mailmapctl refuses loops; this guards stores written before it did;
 * - limits: LOOKUP_NEST_MAX addresses deep, LOOKUP_VISITS_MAX judged per
 *   answer; beyond either the answer is TEMPFAIL (the mail waits and the
 *   reason is logged; never a wrong accept or reject).
 */
#include "lookup_internal.h"

#include <string.h>

static const char *const lookup_reach_names[] = {
    [LOOKUP_REACH_RECEIVES] = "receives",
    [LOOKUP_REACH_EXTERNAL] = "elsewhere",
    [LOOKUP_REACH_DISABLED] = "disabled",
    [LOOKUP_REACH_INACTIVE] = "inactive domain",
    [LOOKUP_REACH_MISSING] = "no such address",
    [LOOKUP_REACH_NOTHING] = "receives nothing",
    [LOOKUP_REACH_LOOP] = "loop",
};

const char *lookup_reach_name(enum lookup_reach reach)
{
	return lookup_reach_names[reach];
}

bool lookup_reach_takes_mail(enum lookup_reach reach)
{
	return reach == LOOKUP_REACH_RECEIVES || reach == LOOKUP_REACH_EXTERNAL;
}

/* TEMPFAIL for Postfix (the mail waits); mailmapctl refuses the change. */
static enum lookup_status lookup_over_limit(struct lookup_req *req,
					    const char *reason)
{
	req->over_limit = true;
	return lookup_fail(req, reason);
}

/* ---- The path -------------------------------------------------------- */

static int lookup_path_find(const struct lookup_req *req, const char *address)
{
	for (unsigned i = req->depth; i > 0; i--) {
		if (strcmp(req->path[i - 1].address, address) == 0)
			return (int)(i - 1);
	}
	return -1;
}

/* "a@x -> b@x -> a@x": the first loop met, for mailmapctl's refusal. */
static void lookup_note_loop(struct lookup_req *req, unsigned from,
			     const char *again)
{
	const char *text = "";

	if (req->loop_text != NULL)
		return;
	for (unsigned i = from; i < req->depth; i++)
		text = arena_printf(req->ctx->arena, "%s%s -> ", text,
				    req->path[i].address);
	req->loop_text = arena_printf(req->ctx->arena, "%s%s", text, again);
}

/* Puts address on the path: FOUND; NOTFOUND (req->why) for a loop;
 * TEMPFAIL past LOOKUP_NEST_MAX. A return to an address that maps to
 * itself is no loop: FOUND with *final_r, as cleanup stops there. */
static enum lookup_status lookup_path_enter(struct lookup_req *req,
					    const char *address, bool self,
					    bool *final_r)
{
	int seen = lookup_path_find(req, address);

	*final_r = seen >= 0 && req->path[seen].self;
	if (*final_r)
		return LOOKUP_FOUND;
	if (seen >= 0) {
		lookup_note_loop(req, (unsigned)seen, address);
		req->loop = true;
		req->why = LOOKUP_REACH_LOOP;
		return LOOKUP_NOTFOUND;
	}
	if (req->depth == LOOKUP_NEST_MAX)
		return lookup_over_limit(req, "aliases nested too deep");
	req->path[req->depth].address = address;
	req->path[req->depth].self = self;
	req->depth++;
	return LOOKUP_FOUND;
}

bool lookup_maps_to_self(const struct lookup_req *req,
			 const struct lookup_resolved *res)
{
	char buf[NAMES_ADDRESS_MAX + 1];
	struct lookup_str self;

	if (res->rec.type != REC_MAILBOX)
		return false;
	if (!lookup_mailbox_keeps(req, &res->rec))
		return false;
	self = lookup_extended(lookup_cstr(res->address), res->extension, buf);
	return self.len == strlen(res->key) &&
	       memcmp(self.data, res->key, self.len) == 0;
}

/* ---- Following answers ----------------------------------------------- */

enum lookup_status lookup_visit(struct lookup_req *req,
				const struct lookup_resolved *res)
{
	bool final;
	enum lookup_status st = lookup_path_enter(
	    req, res->key, lookup_maps_to_self(req, res), &final);

	if (st != LOOKUP_FOUND)
		return st;
	if (final) {
		lookup_item(&req->out, lookup_cstr(res->key));
		return LOOKUP_FOUND;
	}
	st = lookup_alias_dispatch(req, res);
	req->depth--;
	return st;
}

enum lookup_status lookup_catchall(struct lookup_req *req,
				   const struct lookup_resolved *res)
{
	struct lookup_str target =
	    lookup_rec_str(&res->primary, F_DOMAIN(catchall));
	enum lookup_reach reach;
	enum lookup_status st;
	bool keep;

	if (target.len == 0 ||
	    !lookup_rec_bool(&res->primary, F_DOMAIN(catchall_enabled)))
		return LOOKUP_NOTFOUND;
	st = lookup_judge(req, target, &keep, &reach);
	if (st != LOOKUP_FOUND || !keep)
		return st == LOOKUP_FOUND ? LOOKUP_NOTFOUND : st;
	lookup_item(&req->out, target);
	return LOOKUP_FOUND;
}

/* An address with no record outside our active domains: elsewhere
 * (FOUND), or in an inactive domain of ours (NOTFOUND). */
static enum lookup_status
lookup_judge_elsewhere(struct lookup_req *req,
		       const struct lookup_resolved *res,
		       struct lookup_str target)
{
	struct lookup_str domain = lookup_domain_of(lookup_cstr(res->address));
	struct lookup_rec rec;
	enum lookup_status st;

	req->why = LOOKUP_REACH_MISSING;
	if (domain.len == 0)
		return LOOKUP_NOTFOUND; /* not an address at all */
	st = lookup_get(req, STORE_DOMAINS, domain, &rec);
	if (st == LOOKUP_FOUND) {
		req->why = LOOKUP_REACH_INACTIVE;
		return LOOKUP_NOTFOUND;
	}
	if (st != LOOKUP_NOTFOUND)
		return st;
	lookup_item(&req->out, target);
	return LOOKUP_FOUND;
}

/* Follows the answer for a resolved target: FOUND with the answer in
 * req->out, NOTFOUND with req->why; *external_r when it is elsewhere. */
static enum lookup_status lookup_follow(struct lookup_req *req,
					enum lookup_status resolved,
					const struct lookup_resolved *res,
					struct lookup_str target,
					bool *external_r)
{
	enum lookup_status st;

	*external_r = false;
	if (resolved == LOOKUP_FOUND)
		return lookup_visit(req, res);
	/* A target the admin wrote must exist: the catch-all of its domain
	 * answers only for addresses a sender wrote (mailmapctl refuses
	 * such targets). */
	req->why = LOOKUP_REACH_MISSING;
	if (res->domain_ok)
		return LOOKUP_NOTFOUND;
	st = lookup_judge_elsewhere(req, res, target);
	*external_r = st == LOOKUP_FOUND;
	return st;
}

enum lookup_status lookup_judge(struct lookup_req *req,
				struct lookup_str target, bool *keep_r,
				enum lookup_reach *reach_r)
{
	struct lookup_buf answer = req->out;
	bool probe = req->probe, outer_loop = req->loop, external;
	struct lookup_resolved res;
	enum lookup_status st;

	*keep_r = false;
	*reach_r = LOOKUP_REACH_MISSING;
	if (++req->visits > LOOKUP_VISITS_MAX)
		return lookup_over_limit(req, "alias expansion too large");
	st = lookup_resolve(req, target.data, target.len,
			    LOOKUP_FOLLOW_ALIAS |
				(req->structure ? LOOKUP_ANY_STATE : 0),
			    &res);
	if (st == LOOKUP_TEMPFAIL)
		return st;
	/* Only whether something is answered counts: count, do not copy. */
	req->out =
	    (struct lookup_buf){.arena = answer.arena, .count_only = true};
	req->probe = true;
	req->loop = false;
	st = lookup_follow(req, st, &res, target, &external);
	*keep_r = st == LOOKUP_FOUND && req->out.len != 0 && !req->loop;
	if (req->loop)
		*reach_r = LOOKUP_REACH_LOOP;
	else if (*keep_r)
		*reach_r =
		    external ? LOOKUP_REACH_EXTERNAL : LOOKUP_REACH_RECEIVES;
	else
		*reach_r = req->why;
	req->out = answer;
	req->probe = probe;
	req->loop = req->loop || outer_loop;
	return st == LOOKUP_TEMPFAIL ? st : LOOKUP_FOUND;
}

enum lookup_status lookup_reach(const struct lookup_ctx *ctx,
				const char *address, size_t len,
				enum lookup_reach *reach_r)
{
	struct lookup_req req;
	bool keep;

	lookup_req_init(&req, ctx);
	if (lookup_judge(&req, (struct lookup_str){address, len}, &keep,
			 reach_r) == LOOKUP_TEMPFAIL)
		return LOOKUP_TEMPFAIL;
	return LOOKUP_FOUND;
}

enum lookup_status lookup_check_target(const struct lookup_ctx *ctx,
				       const char *holder, const char *target,
				       enum lookup_reach *reach_r,
				       const char **detail_r)
{
	struct lookup_req req;
	struct lookup_resolved res;
	enum lookup_status st = LOOKUP_NOTFOUND;
	bool keep, final;

	lookup_req_init(&req, ctx);
	req.structure = true;
	if (holder != NULL)
		st = lookup_resolve(&req, holder, strlen(holder),
				    LOOKUP_FOLLOW_ALIAS | LOOKUP_ANY_STATE,
				    &res);
	if (st == LOOKUP_FOUND)
		st = lookup_path_enter(&req, res.key,
				       lookup_maps_to_self(&req, &res), &final);
	if (st != LOOKUP_TEMPFAIL)
		st = lookup_judge(&req, lookup_cstr(target), &keep, reach_r);
	*detail_r = req.loop_text;
	if (st != LOOKUP_TEMPFAIL)
		return LOOKUP_FOUND;
	*detail_r = req.reason;
	return req.over_limit ? LOOKUP_PERMFAIL : LOOKUP_TEMPFAIL;
}
