/*
 * greylist_cmd: `mailmapctl greylist ...`, the greylisting state mailmapd
 * keeps in store.dir/state (key layout: policy/greylist.h, keyspace.h):
 *
 *   list [--client NET] [--sender GLOB] [--recipient GLOB]
 *        [--pending|--passed|--whitelisted] [--json]
 *   show CLIENT SENDER RECIPIENT [--json]
 *   delete CLIENT SENDER RECIPIENT | delete --client NET
 *   whitelist add NET [comment=TEXT] | whitelist del NET
 *   whitelist list [--json]
 *   stats [--json]
 *
 * mailmapd writes the same environment while these run: each command is
 * one read snapshot or one write transaction (LMDB serialises writers).
 * Arguments are checked before the store is opened. Prefix lengths and
 * windows come from the configuration's policy group, or postgrey's
 * defaults while that group is unset. Exit codes: 0, 1 bad input, 2
 * nothing matched, 75 the state store cannot be opened or read.
 *
 * This file holds the command table and runs a command; the pieces are
 * listed in greylist_cmd.h. Limits of the display and the globs:
 * greylist_rows.c.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "greylist_cmd.h"

/* The commands: words, usage, arguments, options, whether it writes, the
 * checks before the store opens, the body. */
static const struct gl_cmd gl_cmds[] = {
    {"list", NULL,
     "[--client NET] [--sender GLOB] [--recipient GLOB] "
     "[--pending|--passed|--whitelisted] [--json]",
     0, 0,
     GL_OPT_CLIENT | GL_OPT_SENDER | GL_OPT_RECIPIENT | GL_OPT_STATE |
	 GL_OPT_JSON,
     false, NULL, gl_list_body},
    {"show", NULL, "CLIENT SENDER RECIPIENT [--json]", 3, 3, GL_OPT_JSON, false,
     gl_prepare_triplet, gl_show_body},
    {"delete", NULL, "CLIENT SENDER RECIPIENT | --client NET", 0, 3,
     GL_OPT_CLIENT, true, gl_prepare_delete, gl_delete_body},
    {"whitelist", "add", "NET [comment=TEXT]", 1, 1, GL_OPT_COMMENT, true,
     gl_prepare_net, gl_whitelist_add_body},
    {"whitelist", "del", "NET", 1, 1, 0, true, gl_prepare_net,
     gl_whitelist_del_body},
    {"whitelist", "list", "[--json]", 0, 0, GL_OPT_JSON, false, NULL,
     gl_whitelist_list_body},
    {"stats", NULL, "[--json]", 0, 0, GL_OPT_JSON, false, NULL, gl_stats_body},
};

#define GL_CMD_COUNT (sizeof(gl_cmds) / sizeof(gl_cmds[0]))

/* The command line */

/* The command argv names; *used_r says how many words it took. */
static const struct gl_cmd *gl_cmd_find(int argc, char **argv, int *used_r)
{
	for (size_t i = 0; i < GL_CMD_COUNT && argc >= 1; i++) {
		const struct gl_cmd *cmd = &gl_cmds[i];
		if (strcmp(cmd->name, argv[0]) != 0)
			continue;
		*used_r = cmd->verb != NULL ? 2 : 1;
		if (cmd->verb == NULL ||
		    (argc >= 2 && strcmp(cmd->verb, argv[1]) == 0))
			return cmd;
	}
	return NULL;
}

void gl_cmd_words(FILE *out, const struct gl_cmd *cmd)
{
	fprintf(out, "greylist %s%s%s", cmd->name, cmd->verb != NULL ? " " : "",
		cmd->verb != NULL ? cmd->verb : "");
}

void gl_cmd_usage(FILE *out, const struct gl_cmd *cmd)
{
	fputs("mailmapctl ", out);
	gl_cmd_words(out, cmd);
	fprintf(out, " %s", cmd->usage);
}

static void gl_usage(FILE *out)
{
	fputs("usage:\n", out);
	for (size_t i = 0; i < GL_CMD_COUNT; i++) {
		fputs("  ", out);
		gl_cmd_usage(out, &gl_cmds[i]);
		fputc('\n', out);
	}
}

/* Running */

/* The engine's settings: the configuration's policy group once it is
 * parsed (its max age is never zero), postgrey's defaults until then. */
static void gl_settings(const struct config *config,
			struct greylist_settings *settings)
{
	const struct config_policy *policy = &config->policy;

	greylist_settings_default(settings);
	settings->enabled = true;
	if (policy->greylist_max_age == 0)
		return;
	settings->delay = policy->greylist_delay;
	settings->retry_window = policy->greylist_retry_window;
	settings->max_age = policy->greylist_max_age;
	settings->ipv4_prefix = policy->greylist_ipv4_prefix;
	settings->ipv6_prefix = policy->greylist_ipv6_prefix;
	settings->awl_clients = policy->greylist_awl_count;
}

/* Runs the command in one snapshot or write transaction of the state
 * environment, the same way object commands run on the config one. */
static int gl_exec(struct gl_run *run)
{
	struct store_settings settings = {.dir = run->ctl->state_dir,
					  .kind = STORE_ENV_STATE,
					  .create = true,
					  .nosync = true};
	struct ctl ctl = *run->ctl;
	const char *error;
	int status;

	ctl.state_store = true;
	if (settings.dir == NULL) {
		fprintf(ctl.err, "mailmapctl: no state directory\n");
		return CTL_TEMPFAIL;
	}
	if (store_open(&settings, &ctl.store, &error) != STORE_OK) {
		fprintf(ctl.err, "mailmapctl: %s\n", error);
		return CTL_TEMPFAIL;
	}
	run->now = (uint64_t)time(NULL);
	if (!run->cmd->writes) {
		status = ctl_read(&ctl, run->cmd->body, run);
	} else {
		status = ctl_write(&ctl, run->cmd->body, run);
		/* mailmapd syncs the state once a second; an admin's change
		 * should not wait for it. */
		if (status == CTL_OK &&
		    store_sync(ctl.store, &error) != STORE_OK)
			fprintf(ctl.err, "mailmapctl: warning: %s\n", error);
	}
	store_close(&ctl.store);
	return status;
}

int greylist_main(struct ctl *ctl, int argc, char **argv)
{
	struct gl_run run = {
	    .ctl = ctl, .json = ctl->json, .filter = GL_STATE_ANY};
	int used = 0;

	run.cmd = gl_cmd_find(argc, argv, &used);
	if (run.cmd == NULL) {
		if (argc >= 1)
			fprintf(ctl->err,
				"mailmapctl: greylist: unknown command "
				"\"%s%s%s\"\n",
				argv[0], argc >= 2 && used == 2 ? " " : "",
				argc >= 2 && used == 2 ? argv[1] : "");
		gl_usage(ctl->err);
		return CTL_INPUT;
	}
	gl_settings(ctl->config, &run.settings);
	if (gl_parse(&run, argc - used, argv + used) < 0)
		return CTL_INPUT;
	return gl_exec(&run);
}
