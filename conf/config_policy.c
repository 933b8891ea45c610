/*
 * config_policy.c - the "policy" group of mailmapd.conf (design.md "Policy
 * checks"), into struct config_policy (config.h).
 *
 * Its scalar settings (greylisting, greylist_*, failure_*, sweep_interval)
 * are rows of config.c's settings[] table; this file holds what those rows
 * and rules[] point to (the failure names, the order of the three
 * greylisting durations) and loads the three whitelists, which are arrays
 * of strings:
 *
 *   whitelist_clients       "addr/prefix" or "addr", config_net.c's parser
 *                           (the same as listeners' allow)
 *   whitelist_client_names  PCRE2 patterns over Postfix's client_name,
 *                           compiled here, once per load
 *   whitelist_recipients    "local@domain" or "domain", stored in the form
 *                           of maps/names.h, as the checks compare them
 *
 * An empty array is no entry, like an omitted setting. Messages are
 * "file:line: policy.key: reason" at the offending element.
 *
 * Patterns: compiled with PCRE2_CASELESS (host names are case-insensitive)
 * and PCRE2_NEVER_UTF: client names are ASCII (DNS names, A-labels), so a
 * subject is never rejected as invalid UTF-8 at match time and a pattern
 * cannot turn UTF on with (*UTF); non-ASCII bytes are refused with a hint
 * to write A-labels. They are not anchored: write ^ and $. An empty pattern
 * is refused (it would whitelist every client). Each is JIT-compiled when
 * the library has a JIT; pcre2_match() falls back to the interpreter when
 * that fails.
 *
 * Limits: CONFIG_WHITELIST_MAX entries per list, patterns of at most
 * CONFIG_PATTERN_MAX bytes. libconfig 1.5 gives an array element the line
 * of the token after it, so a bad last element followed by a newline and
 * "]" is reported at the line of the "]".
 */
#include "config_internal.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "names.h"

#define CONFIG_WHITELIST_MAX   1024
#define CONFIG_PATTERN_MAX     1024
#define CONFIG_PATTERN_OPTIONS (PCRE2_CASELESS | PCRE2_NEVER_UTF)

/* Index = enum config_failure. */
const char *const config_failure_names[] = {
    [CONFIG_FAIL_DEFER] = "defer",
    [CONFIG_FAIL_DUNNO] = "dunno",
    NULL,
};

/* One whitelist: its dotted path, an example for messages, and how its
   arrays are sized, filled one entry at a time, and emptied. */
struct policy_list {
	const char *path;
	const char *example;
	int (*reserve)(struct config_policy *p, size_t count);
	int (*add)(struct config_policy *p, const char *text, char *reason,
		   size_t size);
	void (*clear)(struct config_policy *p);
};

/* whitelist_clients */

static int clients_reserve(struct config_policy *p, size_t count)
{
	p->whitelist_clients = calloc(count, sizeof(*p->whitelist_clients));
	return p->whitelist_clients != NULL ? 0 : -1;
}

static int clients_add(struct config_policy *p, const char *text, char *reason,
		       size_t size)
{
	struct config_network *net =
	    &p->whitelist_clients[p->whitelist_client_count];

	if (config_network_parse(text, net, reason, size) < 0)
		return -1;
	p->whitelist_client_count++;
	return 0;
}

static void clients_clear(struct config_policy *p)
{
	free(p->whitelist_clients);
	p->whitelist_clients = NULL;
	p->whitelist_client_count = 0;
}

/* whitelist_client_names */

static int names_reserve(struct config_policy *p, size_t count)
{
	p->whitelist_client_names =
	    calloc(count, sizeof(*p->whitelist_client_names));
	p->whitelist_name_codes =
	    calloc(count, sizeof(*p->whitelist_name_codes));
	if (p->whitelist_client_names == NULL ||
	    p->whitelist_name_codes == NULL)
		return -1;
	return 0;
}

static bool has_non_ascii(const char *text)
{
	for (; *text != '\0'; text++) {
		if ((unsigned char)*text >= 0x80)
			return true;
	}
	return false;
}

/* Compiles text into *code_r, or says why not in reason. */
static int pattern_compile(const char *text, pcre2_code **code_r, char *reason,
			   size_t size)
{
	PCRE2_UCHAR message[CONFIG_REASON_MAX];
	PCRE2_SIZE offset;
	int error;

	*code_r = pcre2_compile((PCRE2_SPTR)text, PCRE2_ZERO_TERMINATED,
				CONFIG_PATTERN_OPTIONS, &error, &offset, NULL);
	if (*code_r == NULL) {
		/* a message too long for the buffer comes truncated */
		if (pcre2_get_error_message(error, message, sizeof(message)) ==
		    PCRE2_ERROR_BADDATA)
			snprintf((char *)message, sizeof(message),
				 "PCRE2 error %d", error);
		snprintf(reason, size,
			 "\"%.64s\" is not a valid PCRE2 pattern: %s at "
			 "offset %zu",
			 text, (const char *)message, (size_t)offset);
		return -1;
	}
	/* without a JIT (or out of executable memory) the interpreter runs */
	(void)pcre2_jit_compile(*code_r, PCRE2_JIT_COMPLETE);
	return 0;
}

/* What is refused before PCRE2 sees the pattern. */
static int pattern_check(const char *text, char *reason, size_t size)
{
	if (text[0] == '\0') {
		snprintf(reason, size,
			 "\"\" is empty; it would match every client name");
		return -1;
	}
	if (strlen(text) > CONFIG_PATTERN_MAX) {
		snprintf(reason, size, "\"%.64s...\" is longer than %d bytes",
			 text, CONFIG_PATTERN_MAX);
		return -1;
	}
	if (has_non_ascii(text)) {
		snprintf(reason, size,
			 "\"%.64s\" is not ASCII; client names are: write "
			 "internationalised labels as A-labels (xn--...)",
			 text);
		return -1;
	}
	return 0;
}

static int names_add(struct config_policy *p, const char *text, char *reason,
		     size_t size)
{
	size_t i = p->whitelist_client_name_count;
	pcre2_code *code;
	char *copy;

	if (pattern_check(text, reason, size) < 0 ||
	    pattern_compile(text, &code, reason, size) < 0)
		return -1;
	if ((copy = strdup(text)) == NULL) {
		pcre2_code_free(code);
		snprintf(reason, size, "out of memory");
		return -1;
	}
	p->whitelist_client_names[i] = copy;
	p->whitelist_name_codes[i] = code;
	p->whitelist_client_name_count++;
	return 0;
}

static void names_clear(struct config_policy *p)
{
	for (size_t i = 0; i < p->whitelist_client_name_count; i++) {
		free(p->whitelist_client_names[i]);
		pcre2_code_free(p->whitelist_name_codes[i]);
	}
	free(p->whitelist_client_names);
	free(p->whitelist_name_codes);
	p->whitelist_client_names = NULL;
	p->whitelist_name_codes = NULL;
	p->whitelist_client_name_count = 0;
}

/* whitelist_recipients */

static int recipients_reserve(struct config_policy *p, size_t count)
{
	p->whitelist_recipients =
	    calloc(count, sizeof(*p->whitelist_recipients));
	return p->whitelist_recipients != NULL ? 0 : -1;
}

/* An address when text has an '@', else a domain; normalised. */
static int recipients_add(struct config_policy *p, const char *text,
			  char *reason, size_t size)
{
	size_t i = p->whitelist_recipient_count;
	char out[NAMES_ADDRESS_MAX + 1];
	const char *why, *what = "an address";
	int ret;

	if (strchr(text, '@') != NULL)
		ret = names_address_normalize(text, strlen(text), out, &why);
	else {
		what = "a domain";
		ret = names_domain_normalize(text, strlen(text), out, &why);
	}
	if (ret < 0) {
		snprintf(reason, size, "\"%.64s\" is not %s: %s", text, what,
			 why);
		return -1;
	}
	if ((p->whitelist_recipients[i] = strdup(out)) == NULL) {
		snprintf(reason, size, "out of memory");
		return -1;
	}
	p->whitelist_recipient_count++;
	return 0;
}

static void recipients_clear(struct config_policy *p)
{
	for (size_t i = 0; i < p->whitelist_recipient_count; i++)
		free(p->whitelist_recipients[i]);
	free(p->whitelist_recipients);
	p->whitelist_recipients = NULL;
	p->whitelist_recipient_count = 0;
}

/* The lists */

/* clang-format off */
static const struct policy_list policy_lists[] = {
	{ "policy.whitelist_clients",
	  "[\"192.0.2.0/24\", \"2001:db8::/32\"]",
	  clients_reserve, clients_add, clients_clear },
	{ "policy.whitelist_client_names",
	  "[\"\\\\.mail\\\\.example\\\\.net$\"]",
	  names_reserve, names_add, names_clear },
	{ "policy.whitelist_recipients",
	  "[\"postmaster@example.com\", \"example.org\"]",
	  recipients_reserve, recipients_add, recipients_clear },
};
/* clang-format on */

void config_policy_each_list(void (*fn)(const char *path, void *context),
			     void *context)
{
	for (size_t i = 0; i < N_ELEMENTS(policy_lists); i++)
		fn(policy_lists[i].path, context);
}

static const struct policy_list *policy_list_find(const char *path)
{
	for (size_t i = 0; i < N_ELEMENTS(policy_lists); i++) {
		if (strcmp(policy_lists[i].path, path) == 0)
			return &policy_lists[i];
	}
	return NULL;
}

bool config_policy_is_list(const char *path)
{
	return policy_list_find(path) != NULL;
}

/* Every element a string, and not too many of them. */
static int list_check(const char *file, const config_setting_t *s,
		      const struct policy_list *list, char **error_r)
{
	int count = config_setting_length(s);

	if (config_setting_type(s) != CONFIG_TYPE_ARRAY)
		return config_fail_at(file, s, error_r,
				      "%s: expected an array of strings (%s), "
				      "got %s",
				      list->path, list->example,
				      config_setting_type_name(s));
	if (count > CONFIG_WHITELIST_MAX)
		return config_fail_at(file, s, error_r,
				      "%s: has %d entries, at most %d",
				      list->path, count, CONFIG_WHITELIST_MAX);
	for (int i = 0; i < count; i++) {
		const config_setting_t *elem = config_setting_get_elem(s, i);

		if (config_setting_type(elem) != CONFIG_TYPE_STRING)
			return config_fail_at(
			    file, elem, error_r, "%s: expected strings, got %s",
			    list->path, config_setting_type_name(elem));
	}
	return 0;
}

int config_policy_list_load(const char *file, const config_setting_t *s,
			    const char *path, struct config *config,
			    char **error_r)
{
	const struct policy_list *list = policy_list_find(path);
	struct config_policy *p = &config->policy;
	char reason[CONFIG_REASON_MAX];
	int count;

	list->clear(p);
	if (list_check(file, s, list, error_r) < 0)
		return -1;
	count = config_setting_length(s);
	if (count == 0)
		return 0;
	if (list->reserve(p, (size_t)count) < 0)
		return config_fail_at(file, s, error_r, "%s: out of memory",
				      list->path);
	for (int i = 0; i < count; i++) {
		const config_setting_t *elem = config_setting_get_elem(s, i);

		if (list->add(p, config_setting_get_string(elem), reason,
			      sizeof(reason)) < 0)
			return config_fail_at(file, elem, error_r, "%s: %s",
					      list->path, reason);
	}
	return 0;
}

void config_policy_free(struct config *config)
{
	for (size_t i = 0; i < N_ELEMENTS(policy_lists); i++)
		policy_lists[i].clear(&config->policy);
}

/* Rules: delay < retry window < max age */

static int policy_order(uint64_t shorter, const char *shorter_name,
			uint64_t longer, const char *longer_name, char *reason,
			size_t size)
{
	char a[32], b[32];

	if (shorter < longer)
		return 0;
	config_format_duration(shorter, a, sizeof(a));
	config_format_duration(longer, b, sizeof(b));
	snprintf(reason, size, "the %s (%s) must be shorter than the %s (%s)",
		 shorter_name, a, longer_name, b);
	return -1;
}

int config_policy_check_delay(const struct config *config, char *reason,
			      size_t size)
{
	const struct config_policy *p = &config->policy;

	/* a retry must be able to come after the delay and in the window */
	return policy_order(p->greylist_delay, "greylisting delay",
			    p->greylist_retry_window, "retry window", reason,
			    size);
}

int config_policy_check_retry_window(const struct config *config, char *reason,
				     size_t size)
{
	const struct config_policy *p = &config->policy;

	/* a triplet must not expire before its retry window closes */
	return policy_order(p->greylist_retry_window, "retry window",
			    p->greylist_max_age, "max age", reason, size);
}
