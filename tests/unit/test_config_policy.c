/*
 * test_config_policy.c - the "policy" group of mailmapd.conf
 * (conf/config_policy.c and its rows in conf/config.c): defaults, a full
 * group, limits, the compiled client name patterns, the normalised
 * recipients, and every refusal with its exact "file:line: setting:
 * reason". Each case writes mailmapd.conf into one per-run directory that
 * main() removes, also when a case fails.
 */
#include "config.h"
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#define N_ELEMENTS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static char *rundir;
static char conf_path[512];

static void write_conf(const char *text)
{
	FILE *fp = fopen(conf_path, "w");

	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), fp), strlen(text));
	ck_assert_int_eq(fclose(fp), 0);
}

static struct config *load_ok(const char *text)
{
	struct config *config = NULL;
	char *error = NULL;

	write_conf(text);
	ck_assert_msg(config_load(conf_path, &config, &error) == 0,
		      "unexpected error: %s", error);
	ck_assert_ptr_null(error);
	ck_assert_ptr_nonnull(config);
	return config;
}

/* Expects an error that contains "mailmapd.conf:" + want. */
static void load_fails(const char *text, const char *want)
{
	struct config *config = NULL;
	char *error = NULL, full[512];

	write_conf(text);
	snprintf(full, sizeof(full), "mailmapd.conf:%s", want);
	ck_assert_int_eq(config_load(conf_path, &config, &error), -1);
	ck_assert_ptr_null(config);
	ck_assert_ptr_nonnull(error);
	ck_assert_msg(strstr(error, full) != NULL,
		      "error \"%s\" does not contain \"%s\"", error, full);
	free(error);
}

static void check_network(const struct config_network *net, int family,
			  const char *bytes, size_t len, unsigned prefix)
{
	unsigned char want[16] = {0};

	memcpy(want, bytes, len);
	ck_assert_int_eq(net->family, family);
	ck_assert_uint_eq(net->prefix, prefix);
	ck_assert_mem_eq(net->addr, want, sizeof(want));
}

/* True if compiled pattern i of p matches subject, as policy/checks.c
   runs it. */
static bool name_matches(const struct config_policy *p, size_t i,
			 const char *subject)
{
	pcre2_match_data *match = pcre2_match_data_create(1, NULL);
	int rc;

	ck_assert_ptr_nonnull(match);
	rc = pcre2_match(p->whitelist_name_codes[i], (PCRE2_SPTR)subject,
			 strlen(subject), 0, 0, match, NULL);
	pcre2_match_data_free(match);
	ck_assert_msg(rc >= 0 || rc == PCRE2_ERROR_NOMATCH, "pcre2_match: %d",
		      rc);
	return rc >= 0;
}

/* Defaults */

static void check_policy_defaults(const struct config_policy *p)
{
	ck_assert(p->greylisting);
	ck_assert_uint_eq(p->greylist_delay, 300);
	ck_assert_uint_eq(p->greylist_retry_window, 2 * 86400);
	ck_assert_uint_eq(p->greylist_max_age, 35 * 86400);
	ck_assert_uint_eq(p->greylist_ipv4_prefix, 24);
	ck_assert_uint_eq(p->greylist_ipv6_prefix, 64);
	ck_assert_uint_eq(p->greylist_awl_count, 5);
	ck_assert(!p->greylist_header);
	ck_assert_ptr_null(p->whitelist_clients);
	ck_assert_uint_eq(p->whitelist_client_count, 0);
	ck_assert_ptr_null(p->whitelist_client_names);
	ck_assert_ptr_null(p->whitelist_name_codes);
	ck_assert_uint_eq(p->whitelist_client_name_count, 0);
	ck_assert_ptr_null(p->whitelist_recipients);
	ck_assert_uint_eq(p->whitelist_recipient_count, 0);
	ck_assert_int_eq(p->failure_accounts, CONFIG_FAIL_DEFER);
	ck_assert_int_eq(p->failure_send_rights, CONFIG_FAIL_DEFER);
	ck_assert_int_eq(p->failure_greylisting, CONFIG_FAIL_DUNNO);
	ck_assert_uint_eq(p->sweep_interval, 600);
}

START_TEST(test_defaults)
{
	struct config *config = NULL;
	char *error = NULL;

	ck_assert_int_eq(config_load(NULL, &config, &error), 0);
	check_policy_defaults(&config->policy);
	config_free(&config);
	config = load_ok("# nothing\n");
	check_policy_defaults(&config->policy);
	config_free(&config);
	config = load_ok("policy: { };\n");
	check_policy_defaults(&config->policy);
	config_free(&config);
	/* empty whitelists are none */
	config = load_ok("policy: {\n"
			 "  whitelist_clients = [];\n"
			 "  whitelist_client_names = [ ];\n"
			 "  whitelist_recipients = [];\n"
			 "};\n");
	check_policy_defaults(&config->policy);
	config_free(&config);
}
END_TEST

/* The documented sample loads with the defaults. */
START_TEST(test_sample)
{
	const char *slash = strrchr(__FILE__, '/');
	int dir_len = slash == NULL ? 0 : (int)(slash - __FILE__ + 1);
	struct config *config = NULL;
	char path[512], *error = NULL;

	snprintf(path, sizeof(path), "%.*s../../conf/mailmapd.conf", dir_len,
		 __FILE__);
	ck_assert_msg(config_load(path, &config, &error) == 0, "%s", error);
	check_policy_defaults(&config->policy);
	config_free(&config);
}
END_TEST

/* A full group */

static const char full_policy[] =
    "policy: {\n"
    "  greylisting = false;\n"
    "  greylist_delay = \"1m\";\n"
    "  greylist_retry_window = \"12h\";\n"
    "  greylist_max_age = 2592000;\n"
    "  greylist_ipv4_prefix = 32;\n"
    "  greylist_ipv6_prefix = 48;\n"
    "  greylist_awl_count = 0;\n"
    "  greylist_header = true;\n"
    "  whitelist_clients = [\"192.0.2.0/24\", \"2001:db8::/32\",\n"
    "                       \"198.51.100.7\", \"::1\"];\n"
    "  whitelist_client_names = [\"\\\\.mail\\\\.example\\\\.net$\",\n"
    "                            \"^mx[0-9]+\\\\.example\\\\.org$\"];\n"
    "  whitelist_recipients = [\"Postmaster@Example.COM\", "
    "\"example.org\",\n"
    "                          \"Example.NET.\", \"b\xc3\xbc"
    "cher.example\",\n"
    "                          \"abuse+spam@example.com\"];\n"
    "  failure_accounts = \"dunno\";\n"
    "  failure_send_rights = \"DUNNO\";\n"
    "  failure_greylisting = \"defer\";\n"
    "  sweep_interval = \"1h\";\n"
    "};\n";

START_TEST(test_full)
{
	struct config *config = load_ok(full_policy);
	const struct config_policy *p = &config->policy;

	ck_assert(!p->greylisting);
	ck_assert_uint_eq(p->greylist_delay, 60);
	ck_assert_uint_eq(p->greylist_retry_window, 12 * 3600);
	ck_assert_uint_eq(p->greylist_max_age, 30 * 86400);
	ck_assert_uint_eq(p->greylist_ipv4_prefix, 32);
	ck_assert_uint_eq(p->greylist_ipv6_prefix, 48);
	ck_assert_uint_eq(p->greylist_awl_count, 0);
	ck_assert(p->greylist_header);

	ck_assert_uint_eq(p->whitelist_client_count, 4);
	check_network(&p->whitelist_clients[0], AF_INET, "\xc0\x00\x02", 3, 24);
	check_network(&p->whitelist_clients[1], AF_INET6, "\x20\x01\x0d\xb8", 4,
		      32);
	check_network(&p->whitelist_clients[2], AF_INET, "\xc6\x33\x64\x07", 4,
		      32);
	check_network(&p->whitelist_clients[3], AF_INET6,
		      "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16, 128);

	ck_assert_uint_eq(p->whitelist_client_name_count, 2);
	ck_assert_str_eq(p->whitelist_client_names[0],
			 "\\.mail\\.example\\.net$");
	ck_assert_str_eq(p->whitelist_client_names[1],
			 "^mx[0-9]+\\.example\\.org$");
	ck_assert_ptr_nonnull(p->whitelist_name_codes[0]);
	ck_assert_ptr_nonnull(p->whitelist_name_codes[1]);
	ck_assert(name_matches(p, 0, "mx1.mail.example.net"));
	ck_assert(name_matches(p, 0, "MX1.Mail.Example.NET")); /* caseless */
	ck_assert(!name_matches(p, 0, "example.com"));
	ck_assert(!name_matches(p, 0, "mx1.mail.example.net.evil.test"));
	ck_assert(!name_matches(p, 0, "mx1.mailxexample.net"));
	ck_assert(name_matches(p, 1, "mx12.example.org"));
	ck_assert(!name_matches(p, 1, "relay.mx12.example.org"));
	/* Postfix's client_name is bytes: no UTF-8 check at match time */
	ck_assert(!name_matches(p, 0, "\xff.mail.example.com"));

	ck_assert_uint_eq(p->whitelist_recipient_count, 5);
	ck_assert_str_eq(p->whitelist_recipients[0], "postmaster@example.com");
	ck_assert_str_eq(p->whitelist_recipients[1], "example.org");
	ck_assert_str_eq(p->whitelist_recipients[2], "example.net");
	ck_assert_str_eq(p->whitelist_recipients[3], "xn--bcher-kva.example");
	ck_assert_str_eq(p->whitelist_recipients[4], "abuse+spam@example.com");

	ck_assert_int_eq(p->failure_accounts, CONFIG_FAIL_DUNNO);
	ck_assert_int_eq(p->failure_send_rights, CONFIG_FAIL_DUNNO);
	ck_assert_int_eq(p->failure_greylisting, CONFIG_FAIL_DEFER);
	ck_assert_uint_eq(p->sweep_interval, 3600);
	config_free(&config);
	ck_assert_ptr_null(config);
}
END_TEST

/* Both ends of every range load. */
START_TEST(test_limits)
{
	struct config *config = load_ok("policy: {\n"
					"  greylist_delay = 1;\n"
					"  greylist_retry_window = \"1m\";\n"
					"  greylist_max_age = \"1d\";\n"
					"  greylist_ipv4_prefix = 8;\n"
					"  greylist_ipv6_prefix = 16;\n"
					"  greylist_awl_count = 0;\n"
					"  sweep_interval = \"60s\";\n"
					"};\n");
	const struct config_policy *p = &config->policy;

	ck_assert_uint_eq(p->greylist_delay, 1);
	ck_assert_uint_eq(p->greylist_retry_window, 60);
	ck_assert_uint_eq(p->greylist_max_age, 86400);
	ck_assert_uint_eq(p->greylist_ipv4_prefix, 8);
	ck_assert_uint_eq(p->greylist_ipv6_prefix, 16);
	ck_assert_uint_eq(p->greylist_awl_count, 0);
	ck_assert_uint_eq(p->sweep_interval, 60);
	config_free(&config);

	config = load_ok("policy: {\n"
			 "  greylist_delay = \"1d\";\n"
			 "  greylist_retry_window = \"30d\";\n"
			 "  greylist_max_age = \"365d\";\n"
			 "  greylist_ipv4_prefix = 32;\n"
			 "  greylist_ipv6_prefix = 128;\n"
			 "  greylist_awl_count = 1000;\n"
			 "  sweep_interval = \"1d\";\n"
			 "};\n");
	p = &config->policy;
	ck_assert_uint_eq(p->greylist_delay, 86400);
	ck_assert_uint_eq(p->greylist_retry_window, 30 * 86400);
	ck_assert_uint_eq(p->greylist_max_age, 365 * 86400);
	ck_assert_uint_eq(p->greylist_ipv4_prefix, 32);
	ck_assert_uint_eq(p->greylist_ipv6_prefix, 128);
	ck_assert_uint_eq(p->greylist_awl_count, 1000);
	ck_assert_uint_eq(p->sweep_interval, 86400);
	config_free(&config);

	/* just ordered: delay < retry window < max age by one second */
	config = load_ok("policy: {\n"
			 "  greylist_delay = 86399;\n"
			 "  greylist_retry_window = 86400;\n"
			 "  greylist_max_age = 86401;\n"
			 "};\n");
	ck_assert_uint_eq(config->policy.greylist_max_age, 86401);
	config_free(&config);
}
END_TEST

/* libconfig's boolean literals, in any case. */
static const struct {
	const char *value;
	bool on;
} bools[] = {
    {"true", true},
    {"false", false},
    {"TRUE", true},
    {"False", false},
};

START_TEST(test_bool)
{
	char text[256];
	struct config *config;

	snprintf(text, sizeof(text),
		 "policy: { greylisting = %s; greylist_header = %s; };\n",
		 bools[_i].value, bools[_i].value);
	config = load_ok(text);
	ck_assert(config->policy.greylisting == bools[_i].on);
	ck_assert(config->policy.greylist_header == bools[_i].on);
	config_free(&config);
}
END_TEST

/* The most entries a whitelist takes. */
START_TEST(test_list_size)
{
	size_t size = 1100 * 20, used;
	char *text = malloc(size);
	struct config *config;

	ck_assert_ptr_nonnull(text);
	used =
	    (size_t)snprintf(text, size, "policy: {\n  whitelist_clients = [");
	for (int i = 0; i < 1025; i++)
		used += (size_t)snprintf(text + used, size - used,
					 "%s\"10.%d.%d.0/24\"", i ? ", " : "",
					 i / 256, i % 256);
	snprintf(text + used, size - used, "];\n};\n");
	load_fails(text, "2: policy.whitelist_clients: has 1025 entries, at "
			 "most 1024");
	strcpy(strstr(text, ", \"10.4.0.0/24\""), "];\n};\n");
	config = load_ok(text);
	ck_assert_uint_eq(config->policy.whitelist_client_count, 1024);
	check_network(&config->policy.whitelist_clients[1023], AF_INET,
		      "\x0a\x03\xff", 3, 24);
	config_free(&config);
	free(text);
}
END_TEST

START_TEST(test_pattern_length)
{
	char text[1200], pattern[1100];

	memset(pattern, 'a', sizeof(pattern));
	pattern[1024] = '\0';
	snprintf(text, sizeof(text),
		 "policy: { whitelist_client_names = [\"%s\"]; };\n", pattern);
	config_free(&(struct config *){load_ok(text)});
	pattern[1024] = 'a';
	pattern[1025] = '\0';
	snprintf(text, sizeof(text),
		 "policy: { whitelist_client_names = [\"%s\"]; };\n", pattern);
	load_fails(text, "1: policy.whitelist_client_names: \"aaaaaaaaaaaaaaa"
			 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..."
			 "\" is longer than 1024 bytes");
}
END_TEST

/* Refusals of one line: the setting is on line 2. */
static const struct {
	const char *line;
	const char *want; /* after "mailmapd.conf:2: policy." */
} bad_policy[] = {
    /* durations */
    {"greylist_delay = \"5 m\";",
     "greylist_delay: \"5 m\" is not a duration (use 300s, 5m, 2d...)"},
    {"greylist_delay = \"-5m\";", "greylist_delay: \"-5m\" is not a duration"},
    {"greylist_delay = 0;", "greylist_delay: 0 is out of range (1s..1d)"},
    {"greylist_delay = \"86401s\";",
     "greylist_delay: \"86401s\" is out of range (1s..1d)"},
    {"greylist_retry_window = \"59s\";",
     "greylist_retry_window: \"59s\" is out of range (1m..30d)"},
    {"greylist_retry_window = \"31d\";",
     "greylist_retry_window: \"31d\" is out of range (1m..30d)"},
    {"greylist_max_age = \"23h\";",
     "greylist_max_age: \"23h\" is out of range (1d..365d)"},
    {"greylist_max_age = \"53w\";",
     "greylist_max_age: \"53w\" is out of range (1d..365d)"},
    {"sweep_interval = 59;", "sweep_interval: 59 is out of range (1m..1d)"},
    {"sweep_interval = \"2d\";",
     "sweep_interval: \"2d\" is out of range (1m..1d)"},
    {"sweep_interval = 1.5;",
     "sweep_interval: expected a duration (\"5m\" or an integer in "
     "seconds), got a float"},
    /* prefixes and counts */
    {"greylist_ipv4_prefix = 7;",
     "greylist_ipv4_prefix: 7 is out of range (8..32)"},
    {"greylist_ipv4_prefix = 33;",
     "greylist_ipv4_prefix: 33 is out of range (8..32)"},
    {"greylist_ipv6_prefix = 15;",
     "greylist_ipv6_prefix: 15 is out of range (16..128)"},
    {"greylist_ipv6_prefix = 129;",
     "greylist_ipv6_prefix: 129 is out of range (16..128)"},
    {"greylist_ipv4_prefix = -24;",
     "greylist_ipv4_prefix: -24 is not an unsigned integer"},
    {"greylist_ipv4_prefix = \"24\";",
     "greylist_ipv4_prefix: expected an integer, got a string"},
    {"greylist_awl_count = 1001;",
     "greylist_awl_count: 1001 is out of range (0..1000)"},
    /* booleans: libconfig's true and false only */
    {"greylisting = \"yes\";",
     "greylisting: expected true or false, got a string"},
    {"greylisting = \"true\";",
     "greylisting: expected true or false, got a string"},
    {"greylisting = 1;", "greylisting: expected true or false, got an integer"},
    {"greylist_header = [true];",
     "greylist_header: expected true or false, got an array"},
    /* failure policies */
    {"failure_accounts = \"reject\";",
     "failure_accounts: \"reject\" is not one of defer, dunno"},
    {"failure_send_rights = \"\";",
     "failure_send_rights: \"\" is not one of defer, dunno"},
    {"failure_greylisting = true;",
     "failure_greylisting: expected a string, got a boolean"},
    /* whitelist types */
    {"whitelist_clients = \"192.0.2.0/24\";",
     "whitelist_clients: expected an array of strings ([\"192.0.2.0/24\", "
     "\"2001:db8::/32\"]), got a string"},
    {"whitelist_clients = ( \"192.0.2.0/24\" );",
     "whitelist_clients: expected an array of strings"},
    {"whitelist_clients: { net = \"192.0.2.0/24\"; };",
     "whitelist_clients: expected an array of strings ([\"192.0.2.0/24\", "
     "\"2001:db8::/32\"]), got a group"},
    {"whitelist_clients = [ 192, 168 ];",
     "whitelist_clients: expected strings, got an integer"},
    {"whitelist_client_names = \"example\";",
     "whitelist_client_names: expected an array of strings "
     "([\"\\\\.mail\\\\.example\\\\.net$\"]), got a string"},
    {"whitelist_recipients = [ true ];",
     "whitelist_recipients: expected strings, got a boolean"},
    {"whitelist_recipients = \"example.org\";",
     "whitelist_recipients: expected an array of strings "
     "([\"postmaster@example.com\", \"example.org\"]), got a string"},
    /* client networks: config_net.c's parser */
    {"whitelist_clients = [\"10.0.0.1/8\"];",
     "whitelist_clients: \"10.0.0.1/8\" has host bits set: the network is "
     "10.0.0.0/8"},
    {"whitelist_clients = [\"10.0.0.0/33\"];",
     "whitelist_clients: \"10.0.0.0/33\": the prefix length must be 0 to "
     "32"},
    {"whitelist_clients = [\"2001:db8::/129\"];",
     "whitelist_clients: \"2001:db8::/129\": the prefix length must be 0 "
     "to 128"},
    {"whitelist_clients = [\"mx.example.com\"];",
     "whitelist_clients: \"mx.example.com\": host names are not allowed"},
    {"whitelist_clients = [\"192.0.2.0/24\", \"192.0.2.256\"];",
     "whitelist_clients: \"192.0.2.256\" is not a valid IPv4 address"},
    {"whitelist_clients = [\"\"];",
     "whitelist_clients: \"\" is not a valid IPv4 address"},
    /* client name patterns */
    {"whitelist_client_names = [\"(foo\"];",
     "whitelist_client_names: \"(foo\" is not a valid PCRE2 pattern: "
     "missing closing parenthesis at offset 4"},
    {"whitelist_client_names = [\"^ok$\", \"a{2,1}\"];",
     "whitelist_client_names: \"a{2,1}\" is not a valid PCRE2 pattern: "
     "numbers out of order in {} quantifier at offset 5"},
    {"whitelist_client_names = [\"[a-\"];",
     "whitelist_client_names: \"[a-\" is not a valid PCRE2 pattern: "
     "missing terminating ] for character class at offset 3"},
    {"whitelist_client_names = [\"(*UTF)mx\"];",
     "whitelist_client_names: \"(*UTF)mx\" is not a valid PCRE2 pattern: "
     "using UTF is disabled by the application at offset"},
    {"whitelist_client_names = [\"\"];",
     "whitelist_client_names: \"\" is empty; it would match every client "
     "name"},
    {"whitelist_client_names = [\"\\\\.b\xc3\xbc"
     "cher\\\\.example$\"];",
     "whitelist_client_names: \"\\.b\xc3\xbc"
     "cher\\.example$\" is not "
     "ASCII; client names are: write internationalised labels as A-labels "
     "(xn--...)"},
    /* recipients */
    {"whitelist_recipients = [\"user@@example.com\"];",
     "whitelist_recipients: \"user@@example.com\" is not an address: "
     "address has more than one @"},
    {"whitelist_recipients = [\"@example.org\"];",
     "whitelist_recipients: \"@example.org\" is not an address: empty "
     "local part"},
    {"whitelist_recipients = [\"postmaster@\"];",
     "whitelist_recipients: \"postmaster@\" is not an address: "},
    {"whitelist_recipients = [\"a b@example.com\"];",
     "whitelist_recipients: \"a b@example.com\" is not an address: "},
    {"whitelist_recipients = [\"example.org\", \"localhost\"];",
     "whitelist_recipients: \"localhost\" is not a domain: "},
    {"whitelist_recipients = [\"ex ample.org\"];",
     "whitelist_recipients: \"ex ample.org\" is not a domain: "},
    {"whitelist_recipients = [\"\"];",
     "whitelist_recipients: \"\" is not a domain: "},
    /* unknown names */
    {"greylist_dealy = \"5m\";", "unknown setting \"policy.greylist_dealy\""},
    {"whitelist_client = [];", "unknown setting \"policy.whitelist_client\""},
    {"greylist: { delay = \"5m\"; };", "unknown group \"policy.greylist\""},
};

START_TEST(test_bad_policy)
{
	char text[512], want[512];

	snprintf(text, sizeof(text), "policy: {\n  %s\n};\n",
		 bad_policy[_i].line);
	snprintf(want, sizeof(want), "2: %s%s",
		 strncmp(bad_policy[_i].want, "unknown ", 8) == 0 ? ""
								  : "policy.",
		 bad_policy[_i].want);
	load_fails(text, want);
}
END_TEST

/* Refusals of whole files: the order of the durations, the line of an
   element, the group itself. */
static const struct {
	const char *text;
	const char *want; /* after "mailmapd.conf:" */
} bad_files[] = {
    /* multi-host: the replica and valkey groups */
    {"policy: { greylist_store = \"valkey\"; };\n",
     "1: policy.greylist_store: greylist_store \"valkey\" needs "
     "valkey.address or valkey.sentinels"},
    {"policy: { greylist_store = \"redis\"; };\n",
     "1: policy.greylist_store: \"redis\" is not one of local, valkey"},
    {"valkey: { sentinels = \"10.0.0.1:26379,10.0.0.2\"; };\n",
     "1: valkey.sentinels: \"10.0.0.1:26379,10.0.0.2\" expected host:port"},
    {"valkey: { address = \"10.0.0.1:0\"; };\n",
     "1: valkey.address: \"10.0.0.1:0\" expected host:port with a port of "
     "1 to 65535"},
    {"valkey: { timeout_ms = 0; };\n",
     "1: valkey.timeout_ms: 0 is out of range (1..1000)"},
    {"replica: { etcd = \"10.0.0.1:2379\"; };\n",
     "1: replica.etcd: \"10.0.0.1:2379\" expected http:// or https:// URLs"},
    {"replica: { prefix = \"mailmap\"; };\n",
     "1: replica.prefix: \"mailmap\" must start and end with /"},
    {"replica: { cert_file = \"/etc/c.pem\"; };\n",
     "1: replica.cert_file: a client certificate needs its key"},
    {"replica: { user = \"mailmap\"; };\n",
     "1: replica.user: replica.user needs replica.password_file"},
    {"replica: { max_txn_ops = 8; };\n",
     "1: replica.max_txn_ops: 8 is out of range (16..10000000)"},
    /* both in the file: the delay is blamed */
    {"policy: {\n"
     "  greylist_delay = \"1d\";\n"
     "  greylist_retry_window = \"1d\";\n"
     "};\n",
     "2: policy.greylist_delay: the greylisting delay (1d) must be shorter "
     "than the retry window (1d)"},
    /* a value out of its range is refused before the rules run */
    {"policy: {\n"
     "  greylisting = true;\n"
     "  greylist_delay = 172800;\n"
     "};\n",
     "3: policy.greylist_delay: 172800 is out of range (1s..1d)"},
    /* only the window: it is blamed against the default delay */
    {"policy: {\n"
     "  greylisting = true;\n"
     "  greylist_retry_window = \"4m\";\n"
     "};\n",
     "3: policy.greylist_retry_window: the greylisting delay (5m) must be "
     "shorter than the retry window (4m)"},
    {"policy: {\n"
     "  greylist_delay = \"10m\";\n"
     "  greylist_retry_window = \"5m\";\n"
     "};\n",
     "2: policy.greylist_delay: the greylisting delay (10m) must be shorter "
     "than the retry window (5m)"},
    {"policy: {\n"
     "  greylist_max_age = \"1d\";\n"
     "};\n",
     "2: policy.greylist_max_age: the retry window (2d) must be shorter "
     "than the max age (1d)"},
    {"policy: {\n"
     "  greylist_max_age = \"30d\";\n"
     "  greylist_retry_window = \"30d\";\n"
     "};\n",
     "3: policy.greylist_retry_window: the retry window (30d) must be "
     "shorter than the max age (30d)"},
    /* an element is blamed at its own line (libconfig 1.5 gives an
       element the line of the token after it: the "," here) */
    {"policy: {\n"
     "  whitelist_clients = [\n"
     "    \"192.0.2.0/24\",\n"
     "    \"2001:db8::1/32\",\n"
     "    \"198.51.100.0/24\"\n"
     "  ];\n"
     "};\n",
     "4: policy.whitelist_clients: \"2001:db8::1/32\" has host bits set: "
     "the network is 2001:db8::/32"},
    {"policy: {\n"
     "  whitelist_client_names = [\n"
     "    \"^mx\\\\.example\\\\.net$\",\n"
     "    \"mx(\",\n"
     "    \"^relay\\\\.\"\n"
     "  ];\n"
     "};\n",
     "4: policy.whitelist_client_names: \"mx(\" is not a valid PCRE2 "
     "pattern: missing closing parenthesis at offset 3"},
    {"policy: {\n"
     "  whitelist_recipients = [\"postmaster@example.com\",\n"
     "    \"abuse@example.com\", \"x@y@example.com\"];\n"
     "};\n",
     "3: policy.whitelist_recipients: \"x@y@example.com\" is not an "
     "address: address has more than one @"},
    /* the group */
    {"policy = 5;\n", "1: policy: expected a group, got an integer"},
    {"policy = ( { greylisting = true; } );\n",
     "1: policy: expected a group, got a list"},
    {"daemon: { greylisting = true; };\n",
     "1: unknown setting \"daemon.greylisting\""},
    {"daemon: { whitelist_clients = []; };\n",
     "1: unknown setting \"daemon.whitelist_clients\""},
    {"whitelist_clients = [];\n", "1: unknown setting \"whitelist_clients\""},
    {"policies: { };\n", "1: unknown group \"policies\""},
};

START_TEST(test_bad_file)
{
	load_fails(bad_files[_i].text, bad_files[_i].want);
}
END_TEST

/* A failed load leaves the caller's snapshot alone; two loads share
   nothing. */
START_TEST(test_snapshots)
{
	struct config *a = load_ok(full_policy), *b = load_ok(full_policy);
	struct config *kept = a;
	char *error = NULL;

	ck_assert_ptr_ne(a->policy.whitelist_name_codes[0],
			 b->policy.whitelist_name_codes[0]);
	ck_assert_ptr_ne(a->policy.whitelist_recipients[0],
			 b->policy.whitelist_recipients[0]);
	config_free(&b);
	ck_assert(name_matches(&a->policy, 0, "mx1.mail.example.net"));
	write_conf("policy: { whitelist_client_names = [\"ok\", \"(\"]; };\n");
	ck_assert_int_eq(config_load(conf_path, &a, &error), -1);
	ck_assert_ptr_eq(a, kept);
	free(error);
	ck_assert(name_matches(&a->policy, 0, "mx1.mail.example.net"));
	config_free(&a);
}
END_TEST

static Suite *config_policy_suite(void)
{
	Suite *s = suite_create("config_policy");
	TCase *tc = tcase_create("policy");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_sample);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_limits);
	tcase_add_loop_test(tc, test_bool, 0, N_ELEMENTS(bools));
	tcase_add_test(tc, test_list_size);
	tcase_add_test(tc, test_pattern_length);
	tcase_add_test(tc, test_snapshots);
	suite_add_tcase(s, tc);

	tc = tcase_create("refusals");
	tcase_add_loop_test(tc, test_bad_policy, 0, N_ELEMENTS(bad_policy));
	tcase_add_loop_test(tc, test_bad_file, 0, N_ELEMENTS(bad_files));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int status;

	rundir = tu_tmpdir();
	snprintf(conf_path, sizeof(conf_path), "%s/mailmapd.conf", rundir);
	status = tu_run_suite(config_policy_suite());
	tu_rmtree(rundir);
	return status;
}
