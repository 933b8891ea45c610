/*
 * The man pages (the scdoc sources in doc/) against the code: every setting the
 * configuration accepts (config_each_setting: the settings table, the
 * whitelists, the dovecot group, the listener keys) is on
 * mailmapd.conf(5); every object kind and field, every command and
 * subcommand, option and exit code that `mailmapctl help` prints is on
 * mailmapctl(8). A setting or command added without its documentation
 * fails here. The pages' rendering and mailmapd(8)'s options:
 * tests/integration/man_pages.sh.
 */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "kinds.h"
#include "testutil.h"

/* A page's source, read whole. */
static char *page_read(const char *name)
{
	const char *dir = getenv("MAILMAP_DOC_DIR");
	char path[1024];
	char *text;
	long len;
	FILE *f;

	ck_assert_msg(dir != NULL, "MAILMAP_DOC_DIR is not set");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: cannot open", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	ck_assert_uint_eq(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return text;
}

struct page_check {
	const char *page_name;
	const char *text;
	int missing;
};

/* Is "*word*" (scdoc bold) on the page? Reports it when not. */
static void page_needs(struct page_check *c, const char *word)
{
	char bold[256];

	snprintf(bold, sizeof(bold), "*%s*", word);
	if (strstr(c->text, bold) != NULL)
		return;
	fprintf(stderr, "%s: %s is not documented\n", c->page_name, bold);
	c->missing++;
}

static void setting_documented(const char *path, void *context)
{
	struct page_check *c = context;
	const char *dot = strchr(path, '.');

	/* a listener's keys are listed under LISTENERS by their own name */
	page_needs(c, strncmp(path, "listeners.", 10) == 0 ? dot + 1 : path);
}

START_TEST(test_every_setting)
{
	struct page_check c = {"mailmapd.conf.5.scd", NULL, 0};
	int count = 0;

	c.text = page_read(c.page_name);
	config_each_setting(setting_documented, &c);
	/* the enumeration itself: a known setting of each table */
	for (const char *s = c.text; (s = strstr(s, "*store.")) != NULL; s++)
		count++;
	ck_assert_int_ge(count, 3);
	ck_assert_msg(c.missing == 0, "%d settings missing from %s", c.missing,
		      c.page_name);
	free((char *)c.text);
}
END_TEST

/* Every kind and every field but the key. */
static void check_objects(struct page_check *c)
{
	for (size_t k = 0; kinds_all[k] != NULL; k++) {
		const struct record_desc *desc = kind_desc(kinds_all[k]);
		const char *name = desc->name;

		if (strcmp(name, "domain_alias") == 0)
			name = "domain-alias";
		page_needs(c, name);
		for (size_t f = 0; f < desc->field_count; f++) {
			if ((desc->fields[f].flags & (FF_KEY | FF_READONLY)) ==
			    0)
				page_needs(c, desc->fields[f].name);
		}
	}
}

/* The first words of a help line: "greylist whitelist add" from
 * "  greylist whitelist add NET ...": lower-case words up to the first
 * other one. */
static void help_command(struct page_check *c, const char *line)
{
	char words[128] = "";
	char word[64];
	int used;

	while (sscanf(line, " %63s%n", word, &used) == 1 &&
	       islower((unsigned char)word[0]) && strchr(word, '|') == NULL &&
	       strlen(words) + strlen(word) + 2 < sizeof(words)) {
		if (words[0] != '\0')
			strcat(words, " ");
		strcat(words, word);
		line += used;
	}
	if (words[0] != '\0')
		page_needs(c, words);
}

/* Every --option in the help text. */
static void help_options(struct page_check *c, const char *help)
{
	for (const char *p = help; (p = strstr(p, "--")) != NULL; p += 2) {
		char option[64];
		size_t len = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");

		if (len == 0 || len + 3 > sizeof(option))
			continue;
		snprintf(option, sizeof(option), "--%.*s", (int)len, p + 2);
		page_needs(c, option);
	}
}

START_TEST(test_every_command)
{
	struct page_check c = {"mailmapctl.8.scd", NULL, 0};
	char *help = NULL, *line, *save = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&help, &size);

	c.text = page_read(c.page_name);
	commands_help(out, NULL);
	fclose(out);
	help_options(&c, help);
	for (line = strtok_r(help, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "  OBJECT ", 9) == 0)
			help_command(&c, line + 9); /* the verb */
		else if (strncmp(line, "  ", 2) == 0 &&
			 islower((unsigned char)line[2]))
			help_command(&c, line);
	}
	for (const char *code = "0 1 2 75"; *code != '\0';) {
		char number[8];
		int used;
		if (sscanf(code, "%7s%n", number, &used) != 1)
			break;
		page_needs(&c, number);
		code += used;
	}
	check_objects(&c);
	ck_assert_msg(c.missing == 0,
		      "%d commands, options or fields missing "
		      "from %s",
		      c.missing, c.page_name);
	free(help);
	free((char *)c.text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("man_pages");
	TCase *tc = tcase_create("pages");

	tcase_add_test(tc, test_every_setting);
	tcase_add_test(tc, test_every_command);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
