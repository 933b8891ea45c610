/*
 * greylist_args: the words after `mailmapctl greylist COMMAND`, checked
 * before the store is opened: the options (--client NET, --sender GLOB,
 * --recipient GLOB, one of --pending, --passed, --whitelisted, --json,
 * comment=TEXT), each taken as "--name VALUE" or "--name=VALUE" and only
 * by the commands whose table entry allows it, then the positional
 * arguments and the command's own checks. Errors are printed with the
 * command's words; the caller exits 1.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "greylist_cmd.h"

/* Errors */

/* Starts an error line: "mailmapctl: greylist NAME[ VERB]: ". */
static FILE *gl_error_begin(struct gl_run *run)
{
	FILE *err = run->ctl->err;

	fputs("mailmapctl: ", err);
	gl_cmd_words(err, run->cmd);
	fputs(": ", err);
	return err;
}

static int gl_input_error(struct gl_run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int gl_input_error(struct gl_run *run, const char *fmt, ...)
{
	va_list ap;

	gl_error_begin(run);
	va_start(ap, fmt);
	vfprintf(run->ctl->err, fmt, ap);
	va_end(ap);
	fputc('\n', run->ctl->err);
	return -1;
}

/* The command's usage, as an error. */
static int gl_usage_error(struct gl_run *run)
{
	FILE *err = gl_error_begin(run);

	fputs("usage: ", err);
	gl_cmd_usage(err, run->cmd);
	fputc('\n', err);
	return -1;
}

/* Checks of the commands */

/* The triplet's key is built the engine's way. */
int gl_prepare_triplet(struct gl_run *run)
{
	const char *client = run->args[0];
	const char *sender = run->args[1], *recipient = run->args[2];

	if (greylist_net_parse(&run->settings, client, strlen(client),
			       &run->net) < 0)
		return gl_input_error(run, "CLIENT \"%s\" is not an IP address",
				      client);
	if (strcmp(sender, "<>") == 0)
		sender = run->args[1] = ""; /* the null sender */
	greylist_triplet_key(&run->net, sender, strlen(sender), recipient,
			     strlen(recipient), &run->key);
	return 0;
}

int gl_prepare_delete(struct gl_run *run)
{
	if (run->have_client && run->arg_count == 0)
		return 0;
	if (!run->have_client && run->arg_count == 3)
		return gl_prepare_triplet(run);
	return gl_usage_error(run);
}

/* NET: a network or an address, host bits clear. */
int gl_prepare_net(struct gl_run *run)
{
	const char *text = run->args[0];
	int ret = greylist_net_parse_cidr(text, strlen(text), &run->net);
	char buf[GL_NET_TEXT_MAX];

	if (ret < 0)
		return gl_input_error(
		    run, "NET \"%s\" is not an address or a network", text);
	if (ret > 0)
		return gl_input_error(
		    run, "NET \"%s\" has host bits set (the network is %s)",
		    text, gl_net_format(&run->net, buf));
	if (run->comment == NULL)
		return 0;
	if (strlen(run->comment) > GREYLIST_COMMENT_MAX)
		return gl_input_error(run, "comment: longer than %d bytes",
				      GREYLIST_COMMENT_MAX);
	for (const char *c = run->comment; *c != '\0'; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return gl_input_error(
			    run, "comment: control characters are not allowed");
	}
	return 0;
}

/* Options */

static int gl_set_client(struct gl_run *run, const char *value)
{
	if (greylist_net_parse_cidr(value, strlen(value), &run->client) < 0)
		return gl_input_error(
		    run, "--client \"%s\" is not an address or a network",
		    value);
	run->have_client = true;
	run->client_text = value;
	return 0;
}

static int gl_set_sender(struct gl_run *run, const char *value)
{
	run->sender_glob = value;
	return 0;
}

static int gl_set_recipient(struct gl_run *run, const char *value)
{
	run->recipient_glob = value;
	return 0;
}

static int gl_set_state(struct gl_run *run, enum gl_state state)
{
	if (run->filter != GL_STATE_ANY && run->filter != state)
		return gl_input_error(
		    run, "only one of --pending, --passed, --whitelisted");
	run->filter = state;
	return 0;
}

static int gl_set_pending(struct gl_run *run, const char *value)
{
	(void)value;
	return gl_set_state(run, GL_PENDING);
}

static int gl_set_passed(struct gl_run *run, const char *value)
{
	(void)value;
	return gl_set_state(run, GL_PASSED);
}

static int gl_set_whitelisted(struct gl_run *run, const char *value)
{
	(void)value;
	return gl_set_state(run, GL_WHITELISTED);
}

static int gl_set_json(struct gl_run *run, const char *value)
{
	(void)value;
	run->json = true;
	return 0;
}

static int gl_set_comment(struct gl_run *run, const char *value)
{
	run->comment = value;
	return 0;
}

static const struct gl_option {
	const char *name; /* "--name" takes a value when it ends in '=' */
	unsigned option;
	int (*set)(struct gl_run *run, const char *value);
} gl_options[] = {
    {"--client=", GL_OPT_CLIENT, gl_set_client},
    {"--sender=", GL_OPT_SENDER, gl_set_sender},
    {"--recipient=", GL_OPT_RECIPIENT, gl_set_recipient},
    {"--pending", GL_OPT_STATE, gl_set_pending},
    {"--passed", GL_OPT_STATE, gl_set_passed},
    {"--whitelisted", GL_OPT_STATE, gl_set_whitelisted},
    {"--json", GL_OPT_JSON, gl_set_json},
    {"comment=", GL_OPT_COMMENT, gl_set_comment},
};

/* Matches argv[*i] against an option, "--name VALUE" and "--name=VALUE"
 * alike. 1 when it was one (advancing *i past its value), 0 when not, -1
 * on an error (printed). */
static int gl_option(struct gl_run *run, int argc, char **argv, int *i)
{
	for (size_t o = 0; o < sizeof(gl_options) / sizeof(gl_options[0]);
	     o++) {
		const struct gl_option *opt = &gl_options[o];
		size_t len = strlen(opt->name);
		bool valued = opt->name[len - 1] == '=';
		const char *arg = argv[*i], *value = NULL;
		if (valued && strncmp(arg, opt->name, len) == 0)
			value = arg + len;
		else if (valued && opt->name[0] == '-' &&
			 strncmp(arg, opt->name, len - 1) == 0 &&
			 arg[len - 1] == '\0') {
			if (*i + 1 >= argc)
				return gl_input_error(run, "%s needs a value",
						      arg);
			value = argv[++*i];
		} else if (valued || strcmp(arg, opt->name) != 0)
			continue;
		if ((run->cmd->options & opt->option) == 0)
			return gl_input_error(run, "unexpected \"%s\"", arg);
		return opt->set(run, value) < 0 ? -1 : 1;
	}
	return 0;
}

int gl_parse(struct gl_run *run, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		int ret = gl_option(run, argc, argv, &i);
		if (ret < 0)
			return -1;
		if (ret > 0)
			continue;
		if (strncmp(argv[i], "--", 2) == 0)
			return gl_input_error(run, "unknown option %s",
					      argv[i]);
		if (run->arg_count == run->cmd->max_args)
			return gl_input_error(run, "unexpected argument \"%s\"",
					      argv[i]);
		run->args[run->arg_count++] = argv[i];
	}
	if (run->arg_count < run->cmd->min_args)
		return gl_usage_error(run);
	return run->cmd->prepare != NULL ? run->cmd->prepare(run) : 0;
}
