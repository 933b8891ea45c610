/*
 * test_config_daemon.c - the "daemon" group and the "listeners" list of
 * mailmapd.conf (conf/config_daemon.c, conf/config_listeners.c,
 * conf/config_net.c): defaults, a full file, and every refusal with its
 * exact "file:line: setting: reason". Each case writes mailmapd.conf into
 * one per-run directory that main() removes, also when a case fails.
 */
#include "config.h"
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

/* enum log_level only (no code): daemon.log_level must use its order */
#include "../../daemon/log.h"

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

static void check_loopback_allow(const struct config_listener *l)
{
	ck_assert_uint_eq(l->allow_count, 2);
	check_network(&l->allow[0], AF_INET, "\x7f", 1, 8);
	check_network(&l->allow[1], AF_INET6,
		      "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16, 128);
}

/* Defaults */

static void check_daemon_defaults(const struct config *config)
{
	ck_assert_str_eq(config->user, "mailmap");
	ck_assert_str_eq(config->group, "");
	ck_assert_uint_eq(config->workers, 0);
	ck_assert_uint_eq(config->idle_timeout, 300);
	ck_assert_uint_eq(config->max_lifetime, 0);
	ck_assert_uint_eq(config->max_request, 64 * 1024);
	ck_assert_uint_eq(config->max_output, 1024 * 1024);
	ck_assert_int_eq(config->log_facility, LOG_MAIL);
	ck_assert_int_eq(config->log_level, LOG_LEVEL_INFO);
	ck_assert_ptr_null(config->listeners);
	ck_assert_uint_eq(config->listener_count, 0);
}

START_TEST(test_defaults)
{
	struct config *config = NULL;
	char *error = NULL;

	ck_assert_int_eq(config_load(NULL, &config, &error), 0);
	check_daemon_defaults(config);
	config_free(&config);
	config = load_ok("# nothing\n");
	check_daemon_defaults(config);
	config_free(&config);
	config = load_ok("daemon: { };\nlisteners = ( );\n");
	check_daemon_defaults(config);
	config_free(&config);
}
END_TEST

/* daemon values */

START_TEST(test_daemon_full)
{
	struct config *config = load_ok("daemon: {\n"
					"  user = \"vmail\";\n"
					"  group = \"mail\";\n"
					"  workers = 64;\n"
					"  idle_timeout = \"1d\";\n"
					"  max_lifetime = \"1w\";\n"
					"  max_request = \"1M\";\n"
					"  max_output = \"64M\";\n"
					"  log_facility = \"local3\";\n"
					"  log_level = \"debug\";\n"
					"};\n");

	ck_assert_str_eq(config->user, "vmail");
	ck_assert_str_eq(config->group, "mail");
	ck_assert_uint_eq(config->workers, 64);
	ck_assert_uint_eq(config->idle_timeout, 86400);
	ck_assert_uint_eq(config->max_lifetime, 604800);
	ck_assert_uint_eq(config->max_request, 1024 * 1024);
	ck_assert_uint_eq(config->max_output, 64 * 1024 * 1024);
	ck_assert_int_eq(config->log_facility, LOG_LOCAL3);
	ck_assert_int_eq(config->log_level, LOG_LEVEL_DEBUG);
	config_free(&config);
}
END_TEST

START_TEST(test_daemon_lower_limits)
{
	struct config *config =
	    load_ok("daemon: { user = \"\"; idle_timeout = 1; "
		    "max_lifetime = \"5m\"; max_request = 1024; "
		    "max_output = \"64k\"; };\n");

	ck_assert_str_eq(config->user, "");
	ck_assert_uint_eq(config->idle_timeout, 1);
	ck_assert_uint_eq(config->max_lifetime, 300);
	ck_assert_uint_eq(config->max_request, 1024);
	ck_assert_uint_eq(config->max_output, 64 * 1024);
	config_free(&config);
}
END_TEST

static const struct {
	const char *name;
	int value;
} facilities[] = {
    {"mail", LOG_MAIL},	    {"daemon", LOG_DAEMON}, {"user", LOG_USER},
    {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
    {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
    {"local6", LOG_LOCAL6}, {"LOCAL7", LOG_LOCAL7},
};

START_TEST(test_facility)
{
	char text[128];
	struct config *config;

	snprintf(text, sizeof(text), "daemon: { log_facility = \"%s\"; };\n",
		 facilities[_i].name);
	config = load_ok(text);
	ck_assert_int_eq(config->log_facility, facilities[_i].value);
	config_free(&config);
}
END_TEST

static const struct {
	const char *name;
	enum log_level level;
} levels[] = {
    {"error", LOG_LEVEL_ERROR},
    {"warning", LOG_LEVEL_WARNING},
    {"info", LOG_LEVEL_INFO},
    {"debug", LOG_LEVEL_DEBUG},
};

START_TEST(test_log_level)
{
	char text[128];
	struct config *config;

	snprintf(text, sizeof(text), "daemon: { log_level = \"%s\"; };\n",
		 levels[_i].name);
	config = load_ok(text);
	ck_assert_int_eq(config->log_level, (int)levels[_i].level);
	config_free(&config);
}
END_TEST

/* Bad daemon values: the setting is on line 2. */
static const struct {
	const char *line;
	const char *want; /* after "mailmapd.conf:2: " */
} bad_daemon[] = {
    {"user = \"mail map\";",
     "daemon.user: \"mail map\" must not contain spaces or control "
     "characters"},
    {"user = \"vmail\\n\";", "daemon.user: \"vmail\n\" contains a control"},
    {"user = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxx\";",
     "daemon.user: \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxx\" must be 0 to 64 characters"},
    {"user = 1000;", "daemon.user: expected a string, got an integer"},
    {"group = \"mail group\";",
     "daemon.group: \"mail group\" must not contain spaces"},
    {"workers = 65;", "daemon.workers: 65 is out of range (0..64)"},
    {"workers = -1;", "daemon.workers: -1 is not an unsigned integer"},
    {"workers = \"4\";", "daemon.workers: expected an integer, got a string"},
    {"idle_timeout = 0;", "daemon.idle_timeout: 0 is out of range (1s..1d)"},
    {"idle_timeout = \"86401s\";",
     "daemon.idle_timeout: \"86401s\" is out of range (1s..1d)"},
    {"idle_timeout = \"5 m\";",
     "daemon.idle_timeout: \"5 m\" is not a duration"},
    {"max_lifetime = \"8d\";",
     "daemon.max_lifetime: \"8d\" is out of range (0..1w)"},
    {"max_lifetime = 604801;",
     "daemon.max_lifetime: 604801 is out of range (0..1w)"},
    {"max_request = \"1023\";",
     "daemon.max_request: \"1023\" is out of range (1k..1M)"},
    {"max_request = \"2M\";",
     "daemon.max_request: \"2M\" is out of range (1k..1M)"},
    {"max_output = \"63k\";",
     "daemon.max_output: \"63k\" is out of range (64k..64M)"},
    {"max_output = \"65M\";",
     "daemon.max_output: \"65M\" is out of range (64k..64M)"},
    {"log_facility = \"kern\";",
     "daemon.log_facility: \"kern\" is not one of mail, daemon, user, "
     "local0, local1, local2, local3, local4, local5, local6, local7"},
    {"log_facility = \"local8\";",
     "daemon.log_facility: \"local8\" is not one of"},
    {"log_facility = 2;",
     "daemon.log_facility: expected a string, got an integer"},
    {"log_level = \"notice\";",
     "daemon.log_level: \"notice\" is not one of error, warning, info, "
     "debug"},
    {"log_level = \"\";", "daemon.log_level: \"\" is not one of"},
    {"pid_file = \"/run/x\";", "unknown setting \"daemon.pid_file\""},
};

START_TEST(test_bad_daemon)
{
	char text[256], want[256];

	snprintf(text, sizeof(text), "daemon: {\n  %s\n};\n",
		 bad_daemon[_i].line);
	snprintf(want, sizeof(want), "2: %s", bad_daemon[_i].want);
	load_fails(text, want);
}
END_TEST

/* Listeners */

static const char full_listeners[] =
    "listeners = (\n"
    "  { protocol = \"socketmap\"; path = \"/run/mailmap/socketmap.sock\";\n"
    "    mode = \"0660\"; owner = \"mailmap\"; group = \"postfix\";\n"
    "    maps = [\"domains\", \"mailboxes\"]; },\n"
    "  { protocol = \"socketmap\"; address = \"127.0.0.1:10040\";\n"
    "    allow = [\"127.0.0.0/8\", \"::1/128\", \"192.0.2.7\",\n"
    "             \"2001:db8:80::/41\", \"10.1.2.128/25\"];\n"
    "    max_connections = 2000; },\n"
    "  { protocol = \"DICT\"; address = \"[::1]:2000\"; }\n"
    ");\n";

START_TEST(test_listeners_full)
{
	struct config *config = load_ok(full_listeners);
	const struct config_listener *l = config->listeners;

	ck_assert_uint_eq(config->listener_count, 3);
	ck_assert_int_eq(l[0].protocol, CONFIG_PROTO_SOCKETMAP);
	ck_assert_str_eq(l[0].path, "/run/mailmap/socketmap.sock");
	ck_assert_ptr_null(l[0].address);
	ck_assert_str_eq(l[0].owner, "mailmap");
	ck_assert_str_eq(l[0].group, "postfix");
	ck_assert_uint_eq(l[0].mode, 0660);
	ck_assert_uint_eq(l[0].map_count, 2);
	ck_assert_str_eq(l[0].maps[0], "domains");
	ck_assert_str_eq(l[0].maps[1], "mailboxes");
	ck_assert_ptr_null(l[0].allow);
	ck_assert_uint_eq(l[0].allow_count, 0);
	ck_assert_uint_eq(l[0].max_connections, 1000);

	ck_assert_int_eq(l[1].protocol, CONFIG_PROTO_SOCKETMAP);
	ck_assert_ptr_null(l[1].path);
	ck_assert_str_eq(l[1].address, "127.0.0.1:10040");
	ck_assert_str_eq(l[1].owner, "");
	ck_assert_str_eq(l[1].group, "");
	ck_assert_uint_eq(l[1].mode, 0);
	ck_assert_uint_eq(l[1].map_count, 0);
	ck_assert_ptr_null(l[1].maps);
	ck_assert_uint_eq(l[1].allow_count, 5);
	check_network(&l[1].allow[0], AF_INET, "\x7f", 1, 8);
	check_network(&l[1].allow[1], AF_INET6,
		      "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16, 128);
	check_network(&l[1].allow[2], AF_INET, "\xc0\x00\x02\x07", 4, 32);
	check_network(&l[1].allow[3], AF_INET6, "\x20\x01\x0d\xb8\x00\x80", 6,
		      41);
	check_network(&l[1].allow[4], AF_INET, "\x0a\x01\x02\x80", 4, 25);
	ck_assert_uint_eq(l[1].max_connections, 2000);

	ck_assert_int_eq(l[2].protocol, CONFIG_PROTO_DICT);
	ck_assert_str_eq(l[2].address, "[::1]:2000");
	check_loopback_allow(&l[2]);
	config_free(&config);
	ck_assert_ptr_null(config);
}
END_TEST

START_TEST(test_listener_defaults)
{
	struct config *config = load_ok(
	    "listeners = (\n"
	    "  { protocol = \"policy\"; path = \"/run/p.sock\"; },\n"
	    "  { protocol = \"socketmap\"; address = \"0.0.0.0:25\"; }\n"
	    ");\n");
	const struct config_listener *l = config->listeners;

	ck_assert_uint_eq(config->listener_count, 2);
	ck_assert_int_eq(l[0].protocol, CONFIG_PROTO_POLICY);
	ck_assert_str_eq(l[0].owner, "");
	ck_assert_str_eq(l[0].group, "");
	ck_assert_uint_eq(l[0].mode, 0666);
	ck_assert_uint_eq(l[0].map_count, 0);
	ck_assert_ptr_null(l[0].maps);
	ck_assert_uint_eq(l[0].allow_count, 0);
	ck_assert_uint_eq(l[0].max_connections, 1000);
	ck_assert_uint_eq(l[1].mode, 0);
	check_loopback_allow(&l[1]);
	ck_assert_uint_eq(l[1].max_connections, 1000);
	config_free(&config);
}
END_TEST

/* mode: octal strings, and integers read as octal digits */
static const struct {
	const char *value;
	unsigned mode;
} modes[] = {
    {"\"0660\"", 0660}, {"\"660\"", 0660}, {"660", 0660},      {"0660", 0660},
    {"\"0777\"", 0777}, {"\"0\"", 0},	   {"\"0600\"", 0600}, {"600L", 0600},
};

START_TEST(test_mode)
{
	char text[256];
	struct config *config;

	snprintf(text, sizeof(text),
		 "listeners = ( { protocol = \"socketmap\"; path = \"/s\"; "
		 "mode = %s; } );\n",
		 modes[_i].value);
	config = load_ok(text);
	ck_assert_uint_eq(config->listeners[0].mode, modes[_i].mode);
	config_free(&config);
}
END_TEST

static const char *const good_addresses[] = {
    "127.0.0.1:1",  "0.0.0.0:65535",	"[::]:10040",
    "[::1]:010040", "[2001:db8::1]:25", "[::ffff:127.0.0.1]:25",
};

START_TEST(test_good_address)
{
	char text[256];
	struct config *config;

	snprintf(
	    text, sizeof(text),
	    "listeners = ( { protocol = \"dict\"; address = \"%s\"; } );\n",
	    good_addresses[_i]);
	config = load_ok(text);
	ck_assert_str_eq(config->listeners[0].address, good_addresses[_i]);
	config_free(&config);
}
END_TEST

START_TEST(test_path_limit)
{
	char text[512], path[120];
	struct config *config;

	/* sun_path holds 108 bytes with the NUL: 107 fit */
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[107] = '\0';
	snprintf(text, sizeof(text),
		 "listeners = ( { protocol = \"dict\"; path = \"%s\"; } );\n",
		 path);
	config = load_ok(text);
	ck_assert_uint_eq(strlen(config->listeners[0].path), 107);
	config_free(&config);

	path[107] = 'p';
	path[108] = '\0';
	snprintf(text, sizeof(text),
		 "listeners = ( { protocol = \"dict\"; path = \"%s\"; } );\n",
		 path);
	load_fails(text, "1: listeners[1].path: is 108 bytes long; a unix "
			 "socket path has at most 107");
}
END_TEST

/* Refused listeners. Line 1 is "listeners = (", the entry's text follows
   and ");" closes the list. */
#define SOCKETMAP_UNIX "protocol = \"socketmap\"; path = \"/run/s.sock\"; "
#define SOCKETMAP_TCP                                                          \
	"protocol = \"socketmap\"; address = \"127.0.0.1:10040\"; "

static const struct {
	const char *entries;
	const char *want; /* after "mailmapd.conf:" */
} bad_listeners[] = {
    /* keys and their types */
    {"{ " SOCKETMAP_UNIX "port = 25; }",
     "2: listeners[1].port: unknown setting"},
    {"{ " SOCKETMAP_UNIX "tls: { cert = \"x\"; }; }",
     "2: listeners[1].tls: unknown group"},
    {"{ " SOCKETMAP_UNIX "},\n{ " SOCKETMAP_TCP "\n  Maps = [\"domains\"]; }",
     "4: listeners[2].Maps: unknown setting"},
    {"{ " SOCKETMAP_UNIX "max_connections = \"10\"; }",
     "2: listeners[1].max_connections: expected an integer, got a string"},
    {"{ protocol = 1; path = \"/s\"; }",
     "2: listeners[1].protocol: expected a string, got an integer"},
    {"{ " SOCKETMAP_UNIX "maps = \"domains\"; }",
     "2: listeners[1].maps: expected an array of strings ([\"domains\", "
     "\"mailboxes\"]), got a string"},
    {"{ " SOCKETMAP_UNIX "maps = ( \"domains\" ); }",
     "2: listeners[1].maps: expected an array of strings"},
    {"{ " SOCKETMAP_UNIX "maps = [ 1, 2 ]; }",
     "2: listeners[1].maps: expected strings, got an integer"},
    {"\"/run/s.sock\", { " SOCKETMAP_UNIX "}",
     "2: listeners[1]: expected a group { protocol = ...; }, got a string"},
    /* protocol, path and address together */
    {"{\n  path = \"/run/s.sock\";\n}",
     "2: listeners[1].protocol: missing: socketmap, policy or dict"},
    {"{ protocol = \"lmtp\"; path = \"/s\"; }",
     "2: listeners[1].protocol: \"lmtp\" is not one of socketmap, policy, "
     "dict"},
    {"{ protocol = \"socketmap\"; path = \"/run/s.sock\";\n"
     "  address = \"127.0.0.1:10040\"; }",
     "3: listeners[1].address: a listener has a path (unix socket) or an "
     "address (TCP), not both"},
    {"{ protocol = \"socketmap\";\n  max_connections = 5; }",
     "2: listeners[1].path: missing: a listener needs a path (unix socket) "
     "or an address (TCP)"},
    /* path */
    {"{ protocol = \"dict\"; path = \"run/s.sock\"; }",
     "2: listeners[1].path: \"run/s.sock\" is not an absolute path"},
    {"{ protocol = \"dict\"; path = \"\"; }",
     "2: listeners[1].path: \"\" is not an absolute path"},
    {"{ protocol = \"dict\"; path = \"/run/mailmap/\"; }",
     "2: listeners[1].path: \"/run/mailmap/\" names a directory"},
    {"{ protocol = \"dict\"; path = \"/run/s\\tock\"; }",
     "2: listeners[1].path: contains a control character"},
    /* address */
    {"{ protocol = \"dict\"; address = \"127.0.0.1\"; }",
     "2: listeners[1].address: \"127.0.0.1\" has no port: write IPv4:port "
     "or [IPv6]:port"},
    {"{ protocol = \"dict\"; address = \"127.0.0.1:0\"; }",
     "2: listeners[1].address: \"127.0.0.1:0\": the port must be 1 to "
     "65535"},
    {"{ protocol = \"dict\"; address = \"1.2.3.4:70000\"; }",
     "2: listeners[1].address: \"1.2.3.4:70000\": the port must be 1 to "
     "65535"},
    {"{ protocol = \"dict\"; address = \"1.2.3.4:99999999999999999999\"; }",
     "2: listeners[1].address: \"1.2.3.4:99999999999999999999\": the port "
     "must be 1 to 65535"},
    {"{ protocol = \"dict\"; address = \"1.2.3.4:+25\"; }",
     "2: listeners[1].address: \"1.2.3.4:+25\": the port must be"},
    {"{ protocol = \"dict\"; address = \"1.2.3.4: 25\"; }",
     "2: listeners[1].address: \"1.2.3.4: 25\": the port must be"},
    {"{ protocol = \"dict\"; address = \"1.2.3.4:\"; }",
     "2: listeners[1].address: \"1.2.3.4:\": the port must be"},
    {"{ protocol = \"dict\"; address = \"[::1]10040\"; }",
     "2: listeners[1].address: \"[::1]10040\" is not [IPv6]:port"},
    {"{ protocol = \"dict\"; address = \"[::1:10040\"; }",
     "2: listeners[1].address: \"[::1:10040\" is not [IPv6]:port"},
    {"{ protocol = \"dict\"; address = \"::1:10040\"; }",
     "2: listeners[1].address: \"::1:10040\": write an IPv6 address in "
     "brackets, as [::1]:10040"},
    {"{ protocol = \"dict\"; address = \"localhost:25\"; }",
     "2: listeners[1].address: \"localhost:25\": host names are not "
     "allowed, write an IP address"},
    {"{ protocol = \"dict\"; address = \"256.0.0.1:25\"; }",
     "2: listeners[1].address: \"256.0.0.1:25\" is not a valid IPv4 "
     "address"},
    {"{ protocol = \"dict\"; address = \":25\"; }",
     "2: listeners[1].address: \":25\" is not a valid IPv4 address"},
    {"{ protocol = \"dict\"; address = \"[127.0.0.1]:25\"; }",
     "2: listeners[1].address: \"[127.0.0.1]:25\" is not a valid IPv6 "
     "address"},
    /* keys of the other kind of listener */
    {"{ " SOCKETMAP_UNIX "\n  allow = [\"127.0.0.0/8\"]; }",
     "3: listeners[1].allow: only for TCP listeners (address); who may "
     "connect to a unix socket is set by its owner, group and mode"},
    {"{ " SOCKETMAP_TCP "\n  owner = \"postfix\"; }",
     "3: listeners[1].owner: only for unix sockets (path), not for TCP "
     "listeners (address)"},
    {"{ " SOCKETMAP_TCP "\n  group = \"postfix\"; }",
     "3: listeners[1].group: only for unix sockets (path)"},
    {"{ " SOCKETMAP_TCP "\n  mode = \"0660\"; }",
     "3: listeners[1].mode: only for unix sockets (path)"},
    /* owner, group, mode */
    {"{ " SOCKETMAP_UNIX "owner = \"post fix\"; }",
     "2: listeners[1].owner: \"post fix\" must not contain spaces or "
     "control characters"},
    {"{ " SOCKETMAP_UNIX "group = \"mail\\n\"; }",
     "2: listeners[1].group: \"mail\n\" must not contain spaces or "
     "control characters"},
    {"{ " SOCKETMAP_UNIX "mode = \"0866\"; }",
     "2: listeners[1].mode: \"0866\" is not a mode: octal digits up to "
     "0777, as \"0660\""},
    {"{ " SOCKETMAP_UNIX "mode = \"01777\"; }",
     "2: listeners[1].mode: \"01777\" is not a mode"},
    {"{ " SOCKETMAP_UNIX "mode = \"\"; }",
     "2: listeners[1].mode: \"\" is not a mode"},
    {"{ " SOCKETMAP_UNIX "mode = \"rw-rw-rw-\"; }",
     "2: listeners[1].mode: \"rw-rw-rw-\" is not a mode"},
    {"{ " SOCKETMAP_UNIX "mode = 438; }",
     "2: listeners[1].mode: 438 is not a mode"},
    {"{ " SOCKETMAP_UNIX "mode = 1777; }",
     "2: listeners[1].mode: 1777 is not a mode"},
    {"{ " SOCKETMAP_UNIX "mode = -1; }",
     "2: listeners[1].mode: -1 is not a mode"},
    {"{ " SOCKETMAP_UNIX "mode = 0x1b6; }",
     "2: listeners[1].mode: write the mode in octal, as \"0660\""},
    {"{ " SOCKETMAP_UNIX "mode = true; }",
     "2: listeners[1].mode: expected an octal mode (\"0660\"), got a "
     "boolean"},
    /* maps */
    {"{ " SOCKETMAP_UNIX "maps = [\"domains\",\n  \"mailbox\"]; }",
     "3: listeners[1].maps: \"mailbox\" is not a socketmap map (domains, "
     "alias_domains, mailboxes, aliases, senders, transport)"},
    {"{ " SOCKETMAP_UNIX "maps = [\"domains\", \"aliases\",\n"
     "  \"domains\"]; }",
     "3: listeners[1].maps: \"domains\" is listed twice"},
    {"{ " SOCKETMAP_UNIX "maps = []; }",
     "2: listeners[1].maps: is empty; omit maps to serve all maps"},
    {"{ " SOCKETMAP_UNIX "maps = [\"\"]; }",
     "2: listeners[1].maps: \"\" is not a map name"},
    {"{ protocol = \"policy\"; path = \"/s\";\n  maps = [\"domains\"]; }",
     "3: listeners[1].maps: policy listeners serve no maps"},
    /* allow */
    {"{ " SOCKETMAP_TCP "allow = [\"10.0.0.1/8\"]; }",
     "2: listeners[1].allow: \"10.0.0.1/8\" has host bits set: the "
     "network is 10.0.0.0/8"},
    {"{ " SOCKETMAP_TCP "allow = [\"2001:db8::1/32\"]; }",
     "2: listeners[1].allow: \"2001:db8::1/32\" has host bits set: the "
     "network is 2001:db8::/32"},
    {"{ " SOCKETMAP_TCP "allow = [\"192.0.3.0/23\"]; }",
     "2: listeners[1].allow: \"192.0.3.0/23\" has host bits set: the "
     "network is 192.0.2.0/23"},
    {"{ " SOCKETMAP_TCP "allow = [\"0.0.0.1/0\"]; }",
     "2: listeners[1].allow: \"0.0.0.1/0\" has host bits set: the "
     "network is 0.0.0.0/0"},
    {"{ " SOCKETMAP_TCP "allow = [\"10.0.0.0/33\"]; }",
     "2: listeners[1].allow: \"10.0.0.0/33\": the prefix length must be 0 "
     "to 32"},
    {"{ " SOCKETMAP_TCP "allow = [\"::/129\"]; }",
     "2: listeners[1].allow: \"::/129\": the prefix length must be 0 to "
     "128"},
    {"{ " SOCKETMAP_TCP "allow = [\"10.0.0.0/\"]; }",
     "2: listeners[1].allow: \"10.0.0.0/\": the prefix length must be"},
    {"{ " SOCKETMAP_TCP "allow = [\"10.0.0.0/-8\"]; }",
     "2: listeners[1].allow: \"10.0.0.0/-8\": the prefix length must be"},
    {"{ " SOCKETMAP_TCP "allow = [\"10.0.0.0/8/8\"]; }",
     "2: listeners[1].allow: \"10.0.0.0/8/8\": the prefix length must be"},
    {"{ " SOCKETMAP_TCP "allow = [\"10.0.0/8\"]; }",
     "2: listeners[1].allow: \"10.0.0/8\" is not a valid IPv4 address"},
    {"{ " SOCKETMAP_TCP "allow = [\"/8\"]; }",
     "2: listeners[1].allow: \"/8\" is not a valid IPv4 address"},
    {"{ " SOCKETMAP_TCP "allow = [\"example.com/24\"]; }",
     "2: listeners[1].allow: \"example.com/24\": host names are not "
     "allowed"},
    {"{ " SOCKETMAP_TCP "allow = [\"fe80::1%eth0\"]; }",
     "2: listeners[1].allow: \"fe80::1%eth0\" is not a valid IPv6 address"},
    {"{ " SOCKETMAP_TCP "allow = [\"::ffff:10.0.0.0/104\"]; }",
     "2: listeners[1].allow: \"::ffff:10.0.0.0/104\": write IPv4-mapped "
     "addresses as IPv4"},
    {"{ " SOCKETMAP_TCP "allow = [\"127.0.0.1\",\n  \"10.0.0.1/8\"]; }",
     "3: listeners[1].allow: \"10.0.0.1/8\" has host bits set"},
    {"{ " SOCKETMAP_TCP "allow = []; }",
     "2: listeners[1].allow: is empty; omit allow for loopback clients "
     "only"},
    /* max_connections */
    {"{ " SOCKETMAP_UNIX "max_connections = 0; }",
     "2: listeners[1].max_connections: 0 is out of range (1..100000)"},
    {"{ " SOCKETMAP_UNIX "max_connections = 100001; }",
     "2: listeners[1].max_connections: 100001 is out of range (1..100000)"},
    {"{ " SOCKETMAP_UNIX "max_connections = -5; }",
     "2: listeners[1].max_connections: -5 is out of range (1..100000)"},
    /* the same socket twice */
    {"{ " SOCKETMAP_UNIX "},\n"
     "{ protocol = \"dict\";\n  path = \"/run/s.sock\"; }",
     "4: listeners[2].path: \"/run/s.sock\" is also the path of "
     "listeners[1]"},
    {"{ " SOCKETMAP_TCP "},\n"
     "{ protocol = \"dict\"; path = \"/run/d.sock\"; },\n"
     "{ protocol = \"policy\";\n  address = \"127.0.0.1:10040\"; }",
     "5: listeners[3].address: \"127.0.0.1:10040\" is also the address of "
     "listeners[1]"},
    {"{ protocol = \"dict\"; address = \"[::1]:25\"; },\n"
     "{ protocol = \"dict\"; address = \"[0:0::0:1]:25\"; }",
     "3: listeners[2].address: \"[0:0::0:1]:25\" is also the address of "
     "listeners[1]"},
};

START_TEST(test_bad_listener)
{
	char text[1024];

	snprintf(text, sizeof(text), "listeners = (\n%s\n);\n",
		 bad_listeners[_i].entries);
	load_fails(text, bad_listeners[_i].want);
}
END_TEST

/* Different sockets are not duplicates. */
START_TEST(test_distinct_sockets)
{
	struct config *config =
	    load_ok("listeners = (\n"
		    "  { protocol = \"dict\"; address = \"127.0.0.1:25\"; },\n"
		    "  { protocol = \"dict\"; address = \"127.0.0.1:26\"; },\n"
		    "  { protocol = \"dict\"; address = \"127.0.0.2:25\"; },\n"
		    "  { protocol = \"dict\"; address = \"[::1]:25\"; },\n"
		    "  { protocol = \"dict\"; path = \"/run/a\"; },\n"
		    "  { protocol = \"dict\"; path = \"/run/b\"; }\n"
		    ");\n");

	ck_assert_uint_eq(config->listener_count, 6);
	config_free(&config);
}
END_TEST

/* "listeners" itself */
static const struct {
	const char *text;
	const char *want; /* after "mailmapd.conf:" */
} bad_lists[] = {
    {"\nlisteners: { protocol = \"socketmap\"; path = \"/s\"; };\n",
     "2: listeners: expected a list of groups, ( { protocol = ...; }, ... "
     "), got a group"},
    {"listeners = [ \"/s\" ];\n",
     "1: listeners: expected a list of groups, ( { protocol = ...; }, ... "
     "), got an array"},
    {"listeners = \"/run/s.sock\";\n",
     "1: listeners: expected a list of groups, ( { protocol = ...; }, ... "
     "), got a string"},
    {"daemon: { listeners = (); };\n",
     "1: unknown setting \"daemon.listeners\""},
};

START_TEST(test_bad_list)
{
	load_fails(bad_lists[_i].text, bad_lists[_i].want);
}
END_TEST

START_TEST(test_too_many_listeners)
{
	char text[16384];
	size_t used = 0;
	struct config *config;

	used += (size_t)snprintf(text, sizeof(text), "listeners = (\n");
	for (int i = 0; i < 65; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 "%s{ protocol = \"dict\"; path = "
					 "\"/run/%d\"; }\n",
					 i == 0 ? "" : ",", i);
	snprintf(text + used, sizeof(text) - used, ");\n");
	load_fails(text, "1: listeners: 65 entries, at most 64");
	/* 64 load */
	strcpy(strstr(text, ",{ protocol = \"dict\"; path = \"/run/64\"; }"),
	       ");\n");
	config = load_ok(text);
	ck_assert_uint_eq(config->listener_count, 64);
	config_free(&config);
}
END_TEST

/* The documented sample loads, with its daemon values the defaults and
   one socketmap listener on the socket of postfix-main.cf. */
START_TEST(test_sample)
{
	const char *slash = strrchr(__FILE__, '/');
	int dir_len = slash == NULL ? 0 : (int)(slash - __FILE__ + 1);
	struct config *config = NULL;
	char path[512], *error = NULL;
	const struct config_listener *l;

	snprintf(path, sizeof(path), "%.*s../../conf/mailmapd.conf", dir_len,
		 __FILE__);
	ck_assert_msg(config_load(path, &config, &error) == 0, "%s", error);
	ck_assert_str_eq(config->user, "mailmap");
	ck_assert_str_eq(config->group, "");
	ck_assert_uint_eq(config->workers, 0);
	ck_assert_uint_eq(config->idle_timeout, 300);
	ck_assert_uint_eq(config->max_lifetime, 0);
	ck_assert_uint_eq(config->max_request, 64 * 1024);
	ck_assert_uint_eq(config->max_output, 1024 * 1024);
	ck_assert_int_eq(config->log_facility, LOG_MAIL);
	ck_assert_int_eq(config->log_level, LOG_LEVEL_INFO);
	ck_assert_uint_eq(config->listener_count, 5);
	ck_assert_int_eq(config->listeners[4].protocol, CONFIG_PROTO_METRICS);
	ck_assert_str_eq(config->listeners[4].address, "127.0.0.1:9177");
	l = &config->listeners[0];
	ck_assert_int_eq(l->protocol, CONFIG_PROTO_SOCKETMAP);
	ck_assert_str_eq(l->path, "/run/mailmap/socketmap.sock");
	ck_assert_uint_eq(l->mode, 0666);
	ck_assert_uint_eq(l->map_count, 0);
	ck_assert_int_eq(config->listeners[1].protocol, CONFIG_PROTO_POLICY);
	/* Password hashes only on a root-only socket (dovecot.conf). */
	l = &config->listeners[2];
	ck_assert_int_eq(l->protocol, CONFIG_PROTO_DICT);
	ck_assert_str_eq(l->path, "/run/mailmap/auth.sock");
	ck_assert_str_eq(l->owner, "root");
	ck_assert_uint_eq(l->mode, 0600);
	ck_assert_uint_eq(l->map_count, 1);
	ck_assert_str_eq(l->maps[0], "auth");
	l = &config->listeners[3];
	ck_assert_str_eq(l->path, "/run/mailmap/dict.sock");
	ck_assert_uint_eq(l->map_count, 3);
	ck_assert_str_eq(l->maps[2], "sieve");
	config_free(&config);
}
END_TEST

static Suite *config_daemon_suite(void)
{
	Suite *s = suite_create("config_daemon");
	TCase *tc = tcase_create("daemon");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_daemon_full);
	tcase_add_test(tc, test_daemon_lower_limits);
	tcase_add_loop_test(tc, test_facility, 0, N_ELEMENTS(facilities));
	tcase_add_loop_test(tc, test_log_level, 0, N_ELEMENTS(levels));
	tcase_add_loop_test(tc, test_bad_daemon, 0, N_ELEMENTS(bad_daemon));
	tcase_add_test(tc, test_sample);
	suite_add_tcase(s, tc);

	tc = tcase_create("listeners");
	tcase_add_test(tc, test_listeners_full);
	tcase_add_test(tc, test_listener_defaults);
	tcase_add_loop_test(tc, test_mode, 0, N_ELEMENTS(modes));
	tcase_add_loop_test(tc, test_good_address, 0,
			    N_ELEMENTS(good_addresses));
	tcase_add_test(tc, test_path_limit);
	tcase_add_loop_test(tc, test_bad_listener, 0,
			    N_ELEMENTS(bad_listeners));
	tcase_add_test(tc, test_distinct_sockets);
	tcase_add_loop_test(tc, test_bad_list, 0, N_ELEMENTS(bad_lists));
	tcase_add_test(tc, test_too_many_listeners);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int status;

	rundir = tu_tmpdir();
	snprintf(conf_path, sizeof(conf_path), "%s/mailmapd.conf", rundir);
	status = tu_run_suite(config_daemon_suite());
	tu_rmtree(rundir);
	return status;
}
