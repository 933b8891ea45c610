/*
 * test_config.c - conf/config.c: defaults, a full file, every setting's
 * bad values, unknown names, syntax and type errors, missing files, and
 * the size and duration parsers. Each case writes its files into a fresh
 * mkdtemp() directory inside one per-run directory; the run's directory is
 * removed by the parent process even when a case fails (Check skips the
 * per-case teardown of a failed case).
 */
#include "config.h"
#include "testutil.h"

#include <check.h>
#include <ftw.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

static char rundir[256];
static char tmpdir[300];
static char conf_path[400];

static void setup_run(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(rundir, sizeof(rundir), "%s/test_config.XXXXXX",
		 base != NULL && base[0] != '\0' ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(rundir));
}

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/case.XXXXXX", rundir);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(conf_path, sizeof(conf_path), "%s/mailmapd.conf", tmpdir);
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_tree(const char *dir)
{
	ck_assert_int_eq(nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS), 0);
}

static void teardown(void)
{
	remove_tree(tmpdir);
}

static void teardown_run(void)
{
	remove_tree(rundir);
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(text, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
}

/* Loads text as mailmapd.conf and expects success. */
static struct config *load_ok(const char *text)
{
	struct config *config = NULL;
	char *error = NULL;
	int ret;

	write_file(conf_path, text, strlen(text));
	ret = config_load(conf_path, &config, &error);
	ck_assert_msg(ret == 0, "unexpected error: %s", error);
	ck_assert_ptr_null(error);
	ck_assert_ptr_nonnull(config);
	return config;
}

/* Loads text as mailmapd.conf, expects an error containing want. */
static void load_fails(const char *text, const char *want)
{
	struct config *config = NULL;
	char *error = NULL;

	write_file(conf_path, text, strlen(text));
	ck_assert_int_eq(config_load(conf_path, &config, &error), -1);
	ck_assert_ptr_null(config);
	ck_assert_ptr_nonnull(error);
	ck_assert_msg(strstr(error, want) != NULL,
		      "error \"%s\" does not contain \"%s\"", error, want);
	free(error);
}

/* Defaults and valid files */

START_TEST(test_defaults)
{
	struct config *config = NULL;
	char *error = NULL;

	ck_assert_int_eq(config_load(NULL, &config, &error), 0);
	ck_assert_ptr_null(error);
	ck_assert_str_eq(config->store_dir, "/var/lib/mailmap");
	ck_assert_uint_eq(config->map_size, 1ULL << 30);
	ck_assert_uint_eq(config->state_sync, 5);
	ck_assert_int_eq(config->password_scheme, CONFIG_PW_SHA512_CRYPT);
	ck_assert_uint_eq(config->password_rounds, 0);
	ck_assert_str_eq(config->recipient_delimiter, "+");
	config_free(&config);
	ck_assert_ptr_null(config);
	config_free(&config);
}
END_TEST

START_TEST(test_empty_file_is_defaults)
{
	struct config *config = load_ok("# nothing set\n");

	ck_assert_str_eq(config->store_dir, "/var/lib/mailmap");
	ck_assert_uint_eq(config->map_size, 1ULL << 30);
	config_free(&config);
}
END_TEST

START_TEST(test_full_file)
{
	struct config *config =
	    load_ok("store: {\n"
		    "  dir = \"/srv/mailmap\";\n"
		    "  map_size = \"2G\";\n"
		    "  state_sync = \"1m\";\n"
		    "};\n"
		    "passwords: { scheme = \"blf-crypt\"; rounds = 12; };\n"
		    "lookup: { recipient_delimiter = \"+-\"; };\n");

	ck_assert_str_eq(config->store_dir, "/srv/mailmap");
	ck_assert_uint_eq(config->map_size, 2ULL << 30);
	ck_assert_uint_eq(config->state_sync, 60);
	ck_assert_int_eq(config->password_scheme, CONFIG_PW_BLF_CRYPT);
	ck_assert_uint_eq(config->password_rounds, 12);
	ck_assert_str_eq(config->recipient_delimiter, "+-");
	config_free(&config);
}
END_TEST

START_TEST(test_partial_group_keeps_defaults)
{
	struct config *config =
	    load_ok("store: { map_size = \"1T\"; };\n"
		    "lookup: { recipient_delimiter = \"\"; };\n");

	ck_assert_uint_eq(config->map_size, 1ULL << 40);
	ck_assert_str_eq(config->store_dir, "/var/lib/mailmap");
	ck_assert_str_eq(config->recipient_delimiter, "");
	config_free(&config);
}
END_TEST

/* The documented sample loads and shows exactly the defaults. */
START_TEST(test_sample_is_defaults)
{
	const char *slash = strrchr(__FILE__, '/');
	int dir_len = slash == NULL ? 0 : (int)(slash - __FILE__ + 1);
	struct config *sample = NULL, *defaults = NULL;
	char path[512], *error = NULL;

	/* works from the source root and from a meson build directory */
	snprintf(path, sizeof(path), "%.*s../../conf/mailmapd.conf", dir_len,
		 __FILE__);
	ck_assert_msg(config_load(path, &sample, &error) == 0, "%s", error);
	ck_assert_int_eq(config_load(NULL, &defaults, &error), 0);
	ck_assert_str_eq(sample->store_dir, defaults->store_dir);
	ck_assert_uint_eq(sample->map_size, defaults->map_size);
	ck_assert_int_eq(sample->password_scheme, defaults->password_scheme);
	ck_assert_uint_eq(sample->password_rounds, defaults->password_rounds);
	ck_assert_str_eq(sample->recipient_delimiter,
			 defaults->recipient_delimiter);
	config_free(&sample);
	config_free(&defaults);
}
END_TEST

/* Sizes written as integers, including 64-bit literals with L. */
static const struct {
	const char *value;
	uint64_t bytes;
} int_sizes[] = {
    {"1048576", 1ULL << 20},	       {"1073741824", 1ULL << 30},
    {"5000000000L", 5000000000ULL},    {"0x40000000", 1ULL << 30},
    {"\"1099511627776\"", 1ULL << 40},
};

START_TEST(test_integer_sizes)
{
	char text[128];
	struct config *config;

	snprintf(text, sizeof(text), "store: { map_size = %s; };\n",
		 int_sizes[_i].value);
	config = load_ok(text);
	ck_assert_uint_eq(config->map_size, int_sizes[_i].bytes);
	config_free(&config);
}
END_TEST

/* Rounds that are valid for their scheme. */
static const struct {
	const char *scheme;
	unsigned rounds;
} good_rounds[] = {
    {"SHA512-CRYPT", 0},	 {"SHA512-CRYPT", 1000}, {"SHA512-CRYPT", 5000},
    {"SHA512-CRYPT", 999999999}, {"BLF-CRYPT", 0},	 {"BLF-CRYPT", 4},
    {"BLF-CRYPT", 31},
};

START_TEST(test_good_rounds)
{
	char text[128];
	struct config *config;

	snprintf(text, sizeof(text),
		 "passwords: { scheme = \"%s\"; rounds = %u; };\n",
		 good_rounds[_i].scheme, good_rounds[_i].rounds);
	config = load_ok(text);
	ck_assert_uint_eq(config->password_rounds, good_rounds[_i].rounds);
	config_free(&config);
}
END_TEST

/* Bad values: the setting is always on line 2 of its group. */
static const struct {
	const char *group;
	const char *line; /* the second line of the file */
	const char *want; /* after "mailmapd.conf:2: " */
} bad_values[] = {
    {"store", "dir = \"var/lib/mailmap\";",
     "store.dir: \"var/lib/mailmap\" is not an absolute path"},
    {"store", "dir = \"mailmap\";",
     "store.dir: \"mailmap\" is not an absolute path"},
    {"store", "dir = \"\";", "store.dir: \"\" is not an absolute path"},
    {"store", "dir = \"/var/lib\\tx\";",
     "store.dir: \"/var/lib\tx\" contains a control character"},
    {"store", "dir = \"/var/lib/mail\\x7fmap\";",
     "store.dir: \"/var/lib/mail\x7fmap\" contains a control character"},
    {"store", "dir = 5;",
     "store.dir: expected a string (an absolute path), got an integer"},
    {"store", "dir = true;",
     "store.dir: expected a string (an absolute path), got a boolean"},
    {"store", "dir = ( \"/var/lib/mailmap\" );",
     "store.dir: expected a string (an absolute path), got a list"},
    {"store", "map_size = \"12Q\";",
     "store.map_size: \"12Q\" is not a size (use 64M, 1G...)"},
    {"store", "map_size = \"\";", "store.map_size: \"\" is not a size"},
    {"store", "map_size = \" 64M\";", "store.map_size: \" 64M\" is not a size"},
    {"store", "map_size = \"64 M\";", "store.map_size: \"64 M\" is not a size"},
    {"store", "map_size = \"64MB\";", "store.map_size: \"64MB\" is not a size"},
    {"store", "map_size = \"1.5G\";", "store.map_size: \"1.5G\" is not a size"},
    {"store", "map_size = \"-64M\";", "store.map_size: \"-64M\" is not a size"},
    {"store", "map_size = \"99999999999999999999\";",
     "store.map_size: \"99999999999999999999\" is not a size"},
    {"store", "map_size = \"18014398509481984T\";",
     "store.map_size: \"18014398509481984T\" is not a size"},
    {"store", "map_size = \"512k\";",
     "store.map_size: \"512k\" is out of range (1M..1T)"},
    {"store", "map_size = \"1025G\";",
     "store.map_size: \"1025G\" is out of range (1M..1T)"},
    {"store", "map_size = 4096;",
     "store.map_size: 4096 is out of range (1M..1T)"},
    {"store", "map_size = -1;", "store.map_size: -1 is not a size"},
    {"store", "state_sync = 0;",
     "store.state_sync: 0 is out of range (1s..5m)"},
    {"store", "state_sync = \"6m\";",
     "store.state_sync: \"6m\" is out of range (1s..5m)"},
    {"store", "map_size = 1.5;",
     "store.map_size: expected a size (\"64M\" or an integer in bytes), "
     "got a float"},
    {"store", "map_size = [ 1, 2 ];", "store.map_size: expected a size"},
    {"store", "map_size = ( \"1M\" );",
     "store.map_size: expected a size (\"64M\" or an integer in bytes), "
     "got a list"},
    {"store", "map_size: { x = 1; };",
     "store.map_size: expected a size (\"64M\" or an integer in bytes), "
     "got a group"},
    {"passwords", "scheme = \"MD5-CRYPT\";",
     "passwords.scheme: \"MD5-CRYPT\" is not one of SHA512-CRYPT, "
     "BLF-CRYPT"},
    {"passwords", "scheme = \"\";", "passwords.scheme: \"\" is not one of"},
    {"passwords", "scheme = 1;",
     "passwords.scheme: expected a string, got an integer"},
    {"passwords", "rounds = \"5000\";",
     "passwords.rounds: expected an integer, got a string"},
    {"passwords", "rounds = -1;",
     "passwords.rounds: -1 is not an unsigned integer"},
    {"passwords", "rounds = 5000000000L;",
     "passwords.rounds: 5000000000 is out of range (0..999999999)"},
    {"passwords", "rounds = 1000000000;",
     "passwords.rounds: 1000000000 is out of range (0..999999999)"},
    {"passwords", "rounds = 999;",
     "passwords.rounds: 999 is out of range for SHA512-CRYPT "
     "(1000..999999999, or 0 for the default)"},
    {"lookup", "recipient_delimiter = \"abc\";",
     "lookup.recipient_delimiter: \"abc\" must be ASCII punctuation"},
    {"lookup", "recipient_delimiter = \"+a\";",
     "lookup.recipient_delimiter: \"+a\" must be ASCII punctuation"},
    {"lookup", "recipient_delimiter = \"@\";",
     "lookup.recipient_delimiter: \"@\" must be ASCII punctuation "
     "characters other than @"},
    {"lookup", "recipient_delimiter = \" \";",
     "lookup.recipient_delimiter: \" \" must be ASCII punctuation"},
    {"lookup", "recipient_delimiter = \"+-+-+-+-+\";",
     "lookup.recipient_delimiter: \"+-+-+-+-+\" must be 0 to 8 "
     "characters"},
    {"lookup", "recipient_delimiter = '+';", "syntax error"},
    {"lookup", "recipient_delimiter = false;",
     "lookup.recipient_delimiter: expected a string, got a boolean"},
};

START_TEST(test_bad_value)
{
	char text[256], want[256];

	snprintf(text, sizeof(text), "%s: {\n  %s\n};\n", bad_values[_i].group,
		 bad_values[_i].line);
	snprintf(want, sizeof(want), "mailmapd.conf:2: %s",
		 bad_values[_i].want);
	load_fails(text, want);
}
END_TEST

/* String lengths at and past their limits. */
static const struct {
	const char *group, *name;
	size_t offset; /* of the char * in struct config */
	char fill;
	size_t len;
	const char *want; /* NULL: loads */
} lengths[] = {
    {"store", "dir", offsetof(struct config, store_dir), '/', 1, NULL},
    {"store", "dir", offsetof(struct config, store_dir), '/', 4000, NULL},
    {"store", "dir", offsetof(struct config, store_dir), '/', 4001,
     "mailmapd.conf:1: store.dir: \"////"},
    {"store", "dir", offsetof(struct config, store_dir), '/', 4001,
     "must be 1 to 4000 characters"},
    {"lookup", "recipient_delimiter",
     offsetof(struct config, recipient_delimiter), '-', 8, NULL},
};

START_TEST(test_string_length)
{
	char value[4100], text[4200];
	struct config *config;

	memset(value, lengths[_i].fill, lengths[_i].len);
	value[lengths[_i].len] = '\0';
	snprintf(text, sizeof(text), "%s: { %s = \"%s\"; };\n",
		 lengths[_i].group, lengths[_i].name, value);
	if (lengths[_i].want != NULL) {
		load_fails(text, lengths[_i].want);
		return;
	}
	config = load_ok(text);
	ck_assert_str_eq(*(char **)((char *)config + lengths[_i].offset),
			 value);
	config_free(&config);
}
END_TEST

/* BLF-CRYPT takes a cost of 4..31, not SHA512-CRYPT rounds. */
static const struct {
	const char *text;
	const char *want;
} bad_rounds[] = {
    {"passwords: {\n  scheme = \"BLF-CRYPT\";\n  rounds = 3;\n};\n",
     "mailmapd.conf:3: passwords.rounds: 3 is out of range for BLF-CRYPT "
     "(4..31, or 0 for the default)"},
    {"passwords: {\n  scheme = \"BLF-CRYPT\";\n  rounds = 32;\n};\n",
     "mailmapd.conf:3: passwords.rounds: 32 is out of range for BLF-CRYPT"},
    {"passwords: {\n  rounds = 5000;\n  scheme = \"BLF-CRYPT\";\n};\n",
     "mailmapd.conf:2: passwords.rounds: 5000 is out of range for "
     "BLF-CRYPT (4..31"},
    {"passwords: {\n  rounds = 31;\n};\n",
     "mailmapd.conf:2: passwords.rounds: 31 is out of range for "
     "SHA512-CRYPT (1000..999999999"},
};

START_TEST(test_bad_rounds)
{
	load_fails(bad_rounds[_i].text, bad_rounds[_i].want);
}
END_TEST

/* Unknown names, structure, syntax, integers libconfig would truncate */

static const struct {
	const char *text;
	const char *want;
} bad_files[] = {
    {"store: {\n  dir = \"/a\";\n  dri = \"/b\";\n};\n",
     "mailmapd.conf:3: unknown setting \"store.dri\""},
    {"# comment\nstor: { dir = \"/a\"; };\n",
     "mailmapd.conf:2: unknown group \"stor\""},
    /* the settings and the group that store.dir replaced */
    {"store: {\n  config_dir = \"/var/lib/mailmap/config\";\n};\n",
     "mailmapd.conf:2: unknown setting \"store.config_dir\""},
    {"store: {\n  state_dir = \"/var/lib/mailmap/state\";\n};\n",
     "mailmapd.conf:2: unknown setting \"store.state_dir\""},
    {"store: { dir = \"/a\"; };\n"
     "mailbox: {\n  default_server = \"imap1\";\n};\n",
     "mailmapd.conf:2: unknown group \"mailbox\""},
    {"mailbox: {};\n", "mailmapd.conf:1: unknown group \"mailbox\""},
    {"mailbox = \"imap1\";\n", "mailmapd.conf:1: unknown setting \"mailbox\""},
    {"store: {\n  extra: { a = 1; };\n};\n",
     "mailmapd.conf:2: unknown group \"store.extra\""},
    {"\n\nmap_size = \"1G\";\n",
     "mailmapd.conf:3: unknown setting \"map_size\""},
    {"store = \"/var/lib/mailmap\";\n",
     "mailmapd.conf:1: store: expected a group, got a string"},
    {"store: {\n  map_size = ;\n};\n", "mailmapd.conf:2: syntax error"},
    {"store: {\n  map_size = \"1G\";\n  = \"/x\";\n};\n",
     "mailmapd.conf:3: syntax error"},
    {"store: {\n  map_size = \"1G\";\n  map_size = \"2G\";\n};\n",
     "mailmapd.conf:3: duplicate setting name"},
    {"store: { map_size = \"1G\";\n", "mailmapd.conf:2: syntax error"},
    {"store: {\n  map_size = 5000000000;\n};\n",
     "mailmapd.conf:2: integer 5000000000 does not fit in 32 bits"},
    {"store: {\n  map_size = 0x100000000;\n};\n",
     "mailmapd.conf:2: integer 0x100000000 does not fit in 32 bits"},
    {"/* 99999999999\n   \"\n */\nstore: {\n  map_size = 2147483648;\n};\n",
     "mailmapd.conf:5: integer 2147483648 does not fit in 32 bits"},
    {"passwords: {\n  rounds = -5000000000;\n};\n",
     "mailmapd.conf:2: integer 5000000000 does not fit in 32 bits"},
};

START_TEST(test_bad_file)
{
	load_fails(bad_files[_i].text, bad_files[_i].want);
}
END_TEST

START_TEST(test_big_numbers_in_strings_and_comments)
{
	struct config *config = load_ok(
	    "# map_size = 99999999999;\n"
	    "// 5000000000\n"
	    "/* 5000000000 */ store: { map_size = \"5000000000\";\n"
	    "  dir = \"/n99999999999\\\"7777777777\"; };\n"
	    "lookup: { recipient_delimiter = \"-\"; }; # 1e99999999999\n");

	ck_assert_uint_eq(config->map_size, 5000000000ULL);
	ck_assert_str_eq(config->store_dir, "/n99999999999\"7777777777");
	ck_assert_str_eq(config->recipient_delimiter, "-");
	config_free(&config);
}
END_TEST

START_TEST(test_missing_file)
{
	struct config *config = NULL;
	char *error = NULL;
	char path[600];

	snprintf(path, sizeof(path), "%s/absent.conf", tmpdir);
	ck_assert_int_eq(config_load(path, &config, &error), -1);
	ck_assert_ptr_null(config);
	ck_assert_ptr_nonnull(strstr(error, path));
	ck_assert_ptr_nonnull(strstr(error, "No such file or directory"));
	free(error);
}
END_TEST

START_TEST(test_directory_is_not_a_file)
{
	struct config *config = NULL;
	char *error = NULL;

	ck_assert_int_eq(config_load(tmpdir, &config, &error), -1);
	ck_assert_ptr_null(config);
	ck_assert_ptr_nonnull(strstr(error, "Is a directory"));
	free(error);
}
END_TEST

START_TEST(test_nul_byte)
{
	struct config *config = NULL;
	char *error = NULL;

	write_file(conf_path, "store: {};\0junk", 15);
	ck_assert_int_eq(config_load(conf_path, &config, &error), -1);
	ck_assert_ptr_nonnull(strstr(error, "mailmapd.conf: contains a NUL"));
	free(error);
}
END_TEST

START_TEST(test_include_names_included_file)
{
	char other[600];
	const char *text = "store: {\n\n  map_sise = \"1G\";\n};\n";

	snprintf(other, sizeof(other), "%s/store.conf", tmpdir);
	write_file(other, text, strlen(text));
	load_fails("# first line\n@include \"store.conf\"\n",
		   "store.conf:3: unknown setting \"store.map_sise\"");
}
END_TEST

/* A failed load leaves the caller's config alone; loads are independent. */
START_TEST(test_failed_load_keeps_old_config)
{
	struct config *old = load_ok("store: { map_size = \"1G\"; };\n");
	struct config *config = old, *again;
	char *error = NULL;

	write_file(conf_path, "store: { map_size = \"1Q\"; };\n", 29);
	ck_assert_int_eq(config_load(conf_path, &config, &error), -1);
	ck_assert_ptr_eq(config, old);
	ck_assert_uint_eq(old->map_size, 1ULL << 30);
	free(error);
	again = load_ok("store: { dir = \"/other\"; };\n");
	ck_assert_ptr_ne(again, old);
	ck_assert_str_eq(old->store_dir, "/var/lib/mailmap");
	ck_assert_str_eq(again->store_dir, "/other");
	config_free(&old);
	config_free(&again);
}
END_TEST

/* Parsers */

static const struct {
	const char *text;
	int ret;
	uint64_t value;
} sizes[] = {
    {"0", 0, 0},
    {"1", 0, 1},
    {"512k", 0, 512ULL << 10},
    {"512K", 0, 512ULL << 10},
    {"64M", 0, 64ULL << 20},
    {"1G", 0, 1ULL << 30},
    {"3T", 0, 3ULL << 40},
    {"007", 0, 7},
    {"18446744073709551615", 0, UINT64_MAX},
    {"16777215T", 0, 16777215ULL << 40},
    {"18446744073709551616", -1, 0},
    {"99999999999999999999", -1, 0},
    {"16777216T", -1, 0},
    {"18014398509481984T", -1, 0},
    {"", -1, 0},
    {"M", -1, 0},
    {"-1", -1, 0},
    {"+1", -1, 0},
    {" 1", -1, 0},
    {"1 ", -1, 0},
    {"1 M", -1, 0},
    {"1m", -1, 0},
    {"1g", -1, 0},
    {"1KB", -1, 0},
    {"1MB", -1, 0},
    {"1.5M", -1, 0},
    {"0x10", -1, 0},
    {"1MM", -1, 0},
};

START_TEST(test_parse_size)
{
	uint64_t value = 12345;
	int ret = config_parse_size(sizes[_i].text, &value);

	ck_assert_msg(ret == sizes[_i].ret, "\"%s\": returned %d",
		      sizes[_i].text, ret);
	ck_assert_uint_eq(value, sizes[_i].ret == 0 ? sizes[_i].value : 12345);
}
END_TEST

static const struct {
	const char *text;
	int ret;
	uint64_t value;
} durations[] = {
    {"0", 0, 0},
    {"10", 0, 10},
    {"300s", 0, 300},
    {"5m", 0, 300},
    {"2h", 0, 7200},
    {"2d", 0, 172800},
    {"5w", 0, 3024000},
    {"18446744073709551615", 0, UINT64_MAX},
    {"18446744073709551615s", 0, UINT64_MAX},
    {"30500568904943w", 0, 30500568904943ULL * 604800},
    {"30500568904944w", -1, 0},
    {"18446744073709551616", -1, 0},
    {"99999999999999999999", -1, 0},
    {"307445734561825861m", -1, 0},
    {"", -1, 0},
    {"s", -1, 0},
    {"-5", -1, 0},
    {"5 m", -1, 0},
    {" 5m", -1, 0},
    {"5M", -1, 0},
    {"5ms", -1, 0},
    {"5min", -1, 0},
    {"1.5h", -1, 0},
    {"5y", -1, 0},
};

START_TEST(test_parse_duration)
{
	uint64_t value = 12345;
	int ret = config_parse_duration(durations[_i].text, &value);

	ck_assert_msg(ret == durations[_i].ret, "\"%s\": returned %d",
		      durations[_i].text, ret);
	ck_assert_uint_eq(value,
			  durations[_i].ret == 0 ? durations[_i].value : 12345);
}
END_TEST

static TCase *file_tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_unchecked_fixture(tc, setup_run, teardown_run);
	tcase_add_checked_fixture(tc, setup, teardown);
	return tc;
}

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = file_tcase("load");
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_empty_file_is_defaults);
	tcase_add_test(tc, test_full_file);
	tcase_add_test(tc, test_partial_group_keeps_defaults);
	tcase_add_test(tc, test_sample_is_defaults);
	tcase_add_loop_test(tc, test_integer_sizes, 0, N_ELEMENTS(int_sizes));
	tcase_add_loop_test(tc, test_good_rounds, 0, N_ELEMENTS(good_rounds));
	tcase_add_test(tc, test_big_numbers_in_strings_and_comments);
	tcase_add_test(tc, test_failed_load_keeps_old_config);
	suite_add_tcase(s, tc);

	tc = file_tcase("errors");
	tcase_add_loop_test(tc, test_bad_value, 0, N_ELEMENTS(bad_values));
	tcase_add_loop_test(tc, test_bad_rounds, 0, N_ELEMENTS(bad_rounds));
	tcase_add_loop_test(tc, test_string_length, 0, N_ELEMENTS(lengths));
	tcase_add_loop_test(tc, test_bad_file, 0, N_ELEMENTS(bad_files));
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_directory_is_not_a_file);
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_include_names_included_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("parsers");
	tcase_add_loop_test(tc, test_parse_size, 0, N_ELEMENTS(sizes));
	tcase_add_loop_test(tc, test_parse_duration, 0, N_ELEMENTS(durations));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(config_suite());
}
