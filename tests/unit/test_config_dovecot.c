/*
 * test_config_dovecot.c - the "dovecot" group of mailmapd.conf
 * (conf/config_dovecot.c): defaults, the documented sample, accepted
 * values (integers and strings for uid and gid), and every refusal with
 * its exact "file:line: setting: reason". Each case writes mailmapd.conf
 * into one per-run directory that main() removes.
 */
#include "config.h"
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	ck_assert_ptr_nonnull(config);
	return config;
}

static void check_dovecot(const struct config *config, const char *uid,
			  const char *gid, const char *mail)
{
	ck_assert_str_eq(config->dovecot.uid, uid);
	ck_assert_str_eq(config->dovecot.gid, gid);
	ck_assert_str_eq(config->dovecot.mail, mail);
}

START_TEST(test_defaults)
{
	struct config *config = NULL;
	char *error = NULL;

	ck_assert_int_eq(config_load(NULL, &config, &error), 0);
	check_dovecot(config, "", "", "maildir:~/Maildir");
	config_free(&config);
	config = load_ok("dovecot: { };\n");
	check_dovecot(config, "", "", "maildir:~/Maildir");
	config_free(&config);
	ck_assert_ptr_null(config);
}
END_TEST

/* The documented sample's dovecot group holds the defaults. */
START_TEST(test_sample_is_defaults)
{
	const char *slash = strrchr(__FILE__, '/');
	int dir_len = slash == NULL ? 0 : (int)(slash - __FILE__ + 1);
	struct config *sample = NULL;
	char path[512], *error = NULL;

	snprintf(path, sizeof(path), "%.*s../../conf/mailmapd.conf", dir_len,
		 __FILE__);
	ck_assert_msg(config_load(path, &sample, &error) == 0, "%s", error);
	check_dovecot(sample, "", "", "maildir:~/Maildir");
	config_free(&sample);
}
END_TEST

struct accept_case {
	const char *text;
	const char *uid, *gid, *mail;
};

static const struct accept_case accept_cases[] = {
    {"dovecot: { uid = 5000; gid = 5000; };", "5000", "5000",
     "maildir:~/Maildir"},
    {"dovecot: { uid = \"5000\"; gid = \"vmail\"; };", "5000", "vmail",
     "maildir:~/Maildir"},
    {"dovecot: { uid = 4294967294L; gid = 1; };", "4294967294", "1",
     "maildir:~/Maildir"},
    {"dovecot: { uid = \"vmail\"; gid = \"_mail-group.1\"; };", "vmail",
     "_mail-group.1", "maildir:~/Maildir"},
    {"dovecot: { uid = \"\"; mail = \"\"; };", "", "", ""},
    {"dovecot: { mail = \"mdbox:~/mdbox\"; };", "", "", "mdbox:~/mdbox"},
    {"dovecot: { mail = \"maildir:/srv/mail/%d/%n/Maildir:LAYOUT=fs\"; };", "",
     "", "maildir:/srv/mail/%d/%n/Maildir:LAYOUT=fs"},
    {"dovecot: { mail = \"maildir:~/%{user}/100%%/%Lu\"; };", "", "",
     "maildir:~/%{user}/100%%/%Lu"},
};

START_TEST(test_accepted)
{
	const struct accept_case *c = &accept_cases[_i];
	struct config *config = load_ok(c->text);

	check_dovecot(config, c->uid, c->gid, c->mail);
	config_free(&config);
}
END_TEST

struct refuse_case {
	const char *text;
	const char *want; /* after "mailmapd.conf:" */
};

static const struct refuse_case refuse_cases[] = {
    {"dovecot: {\n uid = 0;\n};",
     "2: dovecot.uid: \"0\" is root's; Dovecot refuses to give mail to "
     "root"},
    {"dovecot: { gid = \"0\"; };", "1: dovecot.gid: \"0\" is root's"},
    {"dovecot: { uid = -5; };",
     "1: dovecot.uid: \"-5\" is neither a number from 1 nor a name"},
    {"dovecot: { uid = \"4294967295\"; };",
     "1: dovecot.uid: \"4294967295\" is out of range (1..4294967294)"},
    {"dovecot: { uid = \"99999999999999999999999\"; };",
     "1: dovecot.uid: \"99999999999999999999999\" is out of range"},
    {"dovecot: { uid = \"mail user\"; };",
     "1: dovecot.uid: \"mail user\" must not contain spaces or control "
     "characters"},
    {"dovecot: { gid = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaa\"; };",
     "1: dovecot.gid: \"aaaa"},
    {"dovecot: { uid = 1.5; };",
     "1: dovecot.uid: expected a string or an integer, got a float"},
    {"dovecot: { gid = true; };",
     "1: dovecot.gid: expected a string or an integer, got a boolean"},
    {"dovecot: { mail = 5; };",
     "1: dovecot.mail: expected a string, got an integer"},
    {"dovecot: {\n\n mail = \"maildir:~/x%\";\n};",
     "3: dovecot.mail: \"maildir:~/x%\" ends with a lone %; write %% for a "
     "%"},
    {"dovecot: { mail = \"maildir:%{home/Maildir\"; };",
     "1: dovecot.mail: \"maildir:%{home/Maildir\" has a %{ without its }"},
    {"dovecot: { mail = \"maildir:~/a\\tb\"; };",
     "1: dovecot.mail: \"maildir:~/a\tb\" contains a control character"},
    {"dovecot: { home = \"/srv\"; };", "1: unknown setting \"dovecot.home\""},
    {"dovecot: { uid = 5; extra: { x = 1; }; };",
     "1: unknown setting \"dovecot.extra\""},
    {"dovecot = 5;", "1: dovecot: expected a group, got an integer"},
    {"dovecot = [ \"a\" ];", "1: dovecot: expected a group, got an array"},
};

START_TEST(test_refused)
{
	const struct refuse_case *c = &refuse_cases[_i];
	struct config *config = NULL;
	char *error = NULL, want[512];

	write_conf(c->text);
	snprintf(want, sizeof(want), "mailmapd.conf:%s", c->want);
	ck_assert_int_eq(config_load(conf_path, &config, &error), -1);
	ck_assert_ptr_null(config);
	ck_assert_ptr_nonnull(error);
	ck_assert_msg(strstr(error, want) != NULL,
		      "error \"%s\" does not contain \"%s\"", error, want);
	free(error);
}
END_TEST

/* A template longer than 1024 bytes is refused; 1024 bytes are fine. */
START_TEST(test_mail_length)
{
	char text[1200], value[1100];
	struct config *config = NULL;
	char *error = NULL;

	memset(value, 'm', 1024);
	value[1024] = '\0';
	snprintf(text, sizeof(text), "dovecot: { mail = \"%s\"; };", value);
	config = load_ok(text);
	ck_assert_uint_eq(strlen(config->dovecot.mail), 1024);
	config_free(&config);
	value[1024] = 'm';
	value[1025] = '\0';
	snprintf(text, sizeof(text), "dovecot: { mail = \"%s\"; };", value);
	write_conf(text);
	ck_assert_int_eq(config_load(conf_path, &config, &error), -1);
	ck_assert_ptr_nonnull(strstr(error, "is longer than 1024 bytes"));
	free(error);
}
END_TEST

static Suite *config_dovecot_suite(void)
{
	Suite *s = suite_create("config_dovecot");
	TCase *tc = tcase_create("dovecot");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_sample_is_defaults);
	tcase_add_loop_test(tc, test_accepted, 0, N_ELEMENTS(accept_cases));
	tcase_add_loop_test(tc, test_refused, 0, N_ELEMENTS(refuse_cases));
	tcase_add_test(tc, test_mail_length);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int status;

	rundir = tu_tmpdir();
	snprintf(conf_path, sizeof(conf_path), "%s/mailmapd.conf", rundir);
	status = tu_run_suite(config_dovecot_suite());
	tu_rmtree(rundir);
	return status;
}
