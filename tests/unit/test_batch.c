/*
 * mailmapctl batch: one transaction for the whole file. A failing line
 * leaves the store exactly as it was and is reported with its number;
 * quoting, comments and passwords in files work.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlutil.h"
#include "testutil.h"

static struct tu_ctl *t;

static void setup(void)
{
	t = tu_ctl_new();
}

static void teardown(void)
{
	tu_ctl_free(t);
}

static char *write_file(const char *name, const char *text)
{
	char *path;
	FILE *f;

	if (asprintf(&path, "%s/%s", t->dir, name) < 0)
		abort();
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* A file that builds a customer, offer, domain and n mailboxes. */
static char *batch_text(size_t n, size_t bad_line)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	fputs("customer add acme\noffer add acme/basic\n"
	      "domain add example.com customer=acme\n",
	      f);
	for (size_t i = 4; i < n + 4; i++) {
		if (i == bad_line)
			fprintf(f,
				"mailbox add bad..%zu@example.com "
				"offer=acme/basic\n",
				i);
		else
			fprintf(
			    f,
			    "mailbox add user%zu@example.com offer=acme/basic "
			    "password={SHA512-CRYPT}$6$abcdefgh$"
			    "3rj1vTLX64btReFsM4MQ"
			    "22otcD40l7vbtw7qCyr0dxc4kxNmgx53xVM8gWiLYbCqTHTbXF"
			    "aVFU"
			    "7ZT28pnvdyu0\n",
			    i);
	}
	fclose(f);
	return text;
}

START_TEST(bad_500th_line_changes_nothing)
{
	size_t before_len, after_len;
	char *before, *after, *path, *text;

	ck_assert_int_eq(tu_run(t, "customer add existing"), 0);
	before = tu_dump(t, &before_len);
	text = batch_text(600, 500);
	path = write_file("bad.batch", text);
	ck_assert_int_eq(tu_runf(t, "batch %s", path), 1);
	ck_assert_msg(strstr(t->err, "line 500: ") != NULL, "%s", t->err);
	ck_assert_ptr_nonnull(strstr(t->err, "consecutive dots"));
	after = tu_dump(t, &after_len);
	ck_assert_uint_eq(before_len, after_len);
	ck_assert_int_eq(memcmp(before, after, before_len), 0);
	ck_assert_int_eq(tu_run(t, "mailbox show user4@example.com"), 2);
	free(before);
	free(after);
	free(path);
	free(text);
}
END_TEST

START_TEST(good_batch_commits_everything)
{
	char *text = batch_text(600, 0);
	char *path = write_file("good.batch", text);

	ck_assert_int_eq(tu_runf(t, "batch %s", path), 0);
	ck_assert_int_eq(tu_run(t, "mailbox show user603@example.com --json"),
			 0);
	ck_assert_ptr_nonnull(strstr(t->out, "\"password\": true"));
	ck_assert_int_eq(tu_run(t, "offer show acme/basic"), 0);
	ck_assert_ptr_nonnull(strstr(t->out, "seats_used:          600"));
	free(path);
	free(text);
}
END_TEST

START_TEST(quotes_comments_and_blank_lines)
{
	char *path = write_file(
	    "q.batch",
	    "# a comment\n\n"
	    "customer add acme display_name=\"Acme \\\"Corp\\\"\"  # trailing\n"
	    "customer add beta display_name='It''s'\n"
	    "   \t\n");

	ck_assert_int_eq(tu_runf(t, "batch %s", path), 0);
	ck_assert_int_eq(tu_run(t, "customer show acme --json"), 0);
	ck_assert_ptr_nonnull(
	    strstr(t->out, "\"display_name\": \"Acme \\\"Corp\\\"\""));
	ck_assert_int_eq(tu_run(t, "customer show beta --json"), 0);
	ck_assert_ptr_nonnull(strstr(t->out, "\"display_name\": \"Its\""));
	free(path);
}
END_TEST

START_TEST(plain_password_in_file_is_hashed)
{
	char *path = write_file(
	    "p.batch",
	    "customer add acme\noffer add acme/basic\n"
	    "domain add example.com customer=acme\n"
	    "mailbox add a@example.com offer=acme/basic password=s3cret\n");
	char *data;
	size_t len;

	ck_assert_int_eq(tu_runf(t, "batch %s", path), 0);
	data = tu_dump(t, &len);
	ck_assert_ptr_null(memmem(data, len, "s3cret", 6));
	ck_assert_ptr_nonnull(memmem(data, len, "{SHA512-CRYPT}$6$", 17));
	free(data);
	ck_assert_int_eq(tu_run(t, "mailbox show a@example.com"), 0);
	ck_assert_ptr_nonnull(strstr(t->out, "password:            (set)"));
	ck_assert_ptr_null(strstr(t->out, "$6$"));
	free(path);
}
END_TEST

START_TEST(refused_lines)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
	    {"customer add a\ncustomer show a\n",
	     "line 2: only add, set and del can be batched"},
	    {"customer add a\nmailbox add x@y.org offer=a/b --password\n",
	     "line 2: --password reads standard input"},
	    {"customer add 'a\n", "line 1: unterminated quote"},
	    {"customer add a\ncustomer add a\n",
	     "line 2: a is already a customer"},
	    {"nonsense here\n", "line 1: unknown object \"nonsense\""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = write_file("r.batch", cases[i].text);
		ck_assert_int_eq(tu_runf(t, "batch %s", path), 1);
		ck_assert_msg(strstr(t->err, cases[i].want) != NULL,
			      "case %zu: %s", i, t->err);
		free(path);
	}
	ck_assert_int_eq(tu_run(t, "customer show a"), 2);
	ck_assert_int_eq(tu_run(t, "batch /nonexistent/file"), 1);
}
END_TEST

START_TEST(batch_from_stdin)
{
	t->input = "customer add fromstdin\n";
	ck_assert_int_eq(tu_run(t, "batch -"), 0);
	ck_assert_int_eq(tu_run(t, "customer show fromstdin"), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("batch");
	TCase *tc = tcase_create("batch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, bad_500th_line_changes_nothing);
	tcase_add_test(tc, good_batch_commits_everything);
	tcase_add_test(tc, quotes_comments_and_blank_lines);
	tcase_add_test(tc, plain_password_in_file_is_hashed);
	tcase_add_test(tc, refused_lines);
	tcase_add_test(tc, batch_from_stdin);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
