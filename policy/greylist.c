/*
 * greylist: settings and the greylisting decision; see greylist.h (the
 * other parts: greylist_internal.h).
 * The rules follow postgrey 1.37 (/usr/sbin/postgrey in Debian's package):
 * smtpd_access_policy() for the timeline and the client auto-whitelist,
 * do_sender_substitutions() for the sender, do_client_substitutions() for
 * the client network, do_maintenance() for what expires.
 */
#include "greylist_internal.h"

#include <string.h>

_Static_assert(GREYLIST_KEY_MAX <= 511, "greylist keys exceed LMDB's limit");
_Static_assert(GREYLIST_PART_MAX < GREYLIST_PART_LONG, "length marker");

void greylist_settings_default(struct greylist_settings *settings_r)
{
	*settings_r = (struct greylist_settings){
	    .enabled = false,
	    .delay = 300,
	    .retry_window = 2 * 24 * 3600,
	    .max_age = 35 * 24 * 3600,
	    .ipv4_prefix = 24,
	    .ipv6_prefix = 64,
	    .awl_clients = 5,
	};
}

int greylist_settings_check(const struct greylist_settings *settings,
			    const char **error_r)
{
	if (settings->ipv4_prefix > 32)
		*error_r = "IPv4 prefix length is above 32";
	else if (settings->ipv6_prefix > 128)
		*error_r = "IPv6 prefix length is above 128";
	else if (settings->delay > settings->retry_window)
		*error_r = "greylisting delay is longer than the retry window "
			   "(nothing could ever pass)";
	else if (settings->max_age == 0)
		*error_r = "greylisting max age is zero";
	else
		return 0;
	return -1;
}
/* Decisions */

/* Seconds from then to now; 0 when then is in the future (clock moved
 * back: postgrey corrects such dates to now). */
static uint64_t greylist_since(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

static bool greylist_due(uint64_t last, uint64_t now, uint64_t interval)
{
	return last > now || now - last >= interval;
}

bool greylist_expired(const struct greylist_entry *entry, uint64_t now,
		      const struct greylist_settings *settings)
{
	if (entry->passed)
		return greylist_since(now, entry->last) > settings->max_age;
	return greylist_since(now, entry->first) > settings->retry_window;
}

bool greylist_awl_expired(const struct greylist_awl *awl, uint64_t now,
			  const struct greylist_settings *settings)
{
	return greylist_since(now, awl->last) > settings->max_age;
}

bool greylist_awl_listed(const struct greylist_settings *settings,
			 const struct greylist_awl *awl, uint64_t now)
{
	return settings->awl_clients > 0 && awl != NULL &&
	       awl->count >= settings->awl_clients &&
	       !greylist_awl_expired(awl, now, settings);
}

/* The triplet's round: a known passed triplet, or one that waits or
 * passes now (first pass), starting afresh when it is unknown, expired or
 * missed its retry window. */
static void greylist_check_triplet(const struct greylist_settings *settings,
				   const struct greylist_entry *old,
				   uint64_t now, struct greylist_result *r)
{
	struct greylist_entry e = {now, now, false};
	enum greylist_reason defer_reason = GREYLIST_NEW;

	if (old != NULL && old->passed) {
		if (greylist_since(now, old->last) <= settings->max_age) {
			r->verdict = GREYLIST_PASS;
			r->reason = GREYLIST_KNOWN;
			if (greylist_due(old->last, now,
					 GREYLIST_TOUCH_INTERVAL)) {
				r->put_triplet = true;
				r->triplet = *old;
				r->triplet.last = now;
			}
			return;
		}
		defer_reason = GREYLIST_EXPIRED;
	} else if (old != NULL) {
		if (old->first <= now &&
		    now - old->first <= settings->retry_window) {
			e.first = old->first;
			defer_reason = GREYLIST_EARLY_RETRY;
		} else {
			defer_reason = GREYLIST_RESTARTED;
		}
	}
	uint64_t waited = now - e.first;
	r->put_triplet = true;
	if (waited >= settings->delay) {
		e.passed = true;
		r->verdict = GREYLIST_PASS;
		r->reason = GREYLIST_PASSED;
		r->delayed = waited;
	} else {
		r->verdict = GREYLIST_DEFER;
		r->reason = defer_reason;
		r->remaining = settings->delay - waited;
	}
	r->triplet = e;
}

/* Writes back awl counted once more (saturating) and used now. */
static void greylist_awl_bump(const struct greylist_awl *awl, uint64_t now,
			      struct greylist_result *r)
{
	r->put_awl = true;
	r->awl.count = awl->count < UINT32_MAX ? awl->count + 1 : awl->count;
	r->awl.last = now;
}

/* A first pass counts towards the network's auto-whitelist, at most once
 * per GREYLIST_AWL_INTERVAL. */
static void greylist_count_pass(const struct greylist_settings *settings,
				const struct greylist_awl *awl, uint64_t now,
				struct greylist_result *r)
{
	if (settings->awl_clients == 0)
		return;
	if (awl == NULL || greylist_awl_expired(awl, now, settings)) {
		r->put_awl = true;
		r->awl = (struct greylist_awl){1, now};
	} else if (greylist_due(awl->last, now, GREYLIST_AWL_INTERVAL)) {
		greylist_awl_bump(awl, now, r);
	}
}

void greylist_check(const struct greylist_settings *settings,
		    const struct greylist_entry *triplet,
		    const struct greylist_awl *awl, uint64_t now,
		    struct greylist_result *result_r)
{
	memset(result_r, 0, sizeof(*result_r));
	result_r->verdict = GREYLIST_PASS;
	if (!settings->enabled) {
		result_r->reason = GREYLIST_DISABLED;
		return;
	}
	if (greylist_awl_listed(settings, awl, now)) {
		result_r->verdict = GREYLIST_AWL_PASS;
		result_r->reason = GREYLIST_AWL;
		/* postgrey keeps counting uses "for statistics" and keeps
		 * the entry alive, both at most hourly. */
		if (greylist_due(awl->last, now, GREYLIST_AWL_INTERVAL))
			greylist_awl_bump(awl, now, result_r);
		return;
	}
	greylist_check_triplet(settings, triplet, now, result_r);
	if (result_r->reason == GREYLIST_PASSED)
		greylist_count_pass(settings, awl, now, result_r);
}
