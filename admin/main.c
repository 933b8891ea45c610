/*
 * mailmapctl: the admin tool, the only writer of mailmap's configuration
 * store. Global options, then one command (see help.c); every invocation
 * is one all-or-nothing transaction.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "etcd.h"
#include "settings.h"
#include "status.h"

#define CTL_LOCK_WAIT_MS 10000

struct options {
	const char *config_path;
	const char *store_dir;
	bool json;
	bool help;
};

/* Reads "--name VALUE" or "--name=VALUE"; advances *i. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
	size_t len = strlen(name);

	if (strncmp(argv[*i], name, len) != 0)
		return NULL;
	if (argv[*i][len] == '=')
		return argv[*i] + len + 1;
	if (argv[*i][len] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

/* Parses the global options; returns the index of the command, or -1. */
static int parse_options(int argc, char **argv, struct options *opts)
{
	int i;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *value;
		if ((value = option_value(argc, argv, &i, "--config")) != NULL)
			opts->config_path = value;
		else if ((value = option_value(argc, argv, &i, "--store")) !=
			 NULL)
			opts->store_dir = value;
		else if (strcmp(argv[i], "--json") == 0)
			opts->json = true;
		else if (strcmp(argv[i], "--help") == 0)
			opts->help = true;
		else {
			fprintf(stderr, "mailmapctl: unknown option %s\n",
				argv[i]);
			return -1;
		}
	}
	return i;
}

static int load_config(const struct options *opts, struct config **config_r)
{
	const char *path = opts->config_path;
	char *error = NULL;

	if (path == NULL && access(CONFIG_DEFAULT_PATH, F_OK) == 0)
		path = CONFIG_DEFAULT_PATH;
	if (config_load(path, config_r, &error) < 0) {
		fprintf(stderr, "mailmapctl: %s\n", error);
		free(error);
		return -1;
	}
	return 0;
}

/* In multi-host mode the store is this host's replica: mailmapd creates
 * and fills it, mailmapctl checks commands against it and commits them
 * to etcd. */
static int open_store(struct ctl *ctl, const char *dir)
{
	bool replica = replica_enabled(ctl->config);
	struct store_settings settings = {
	    .dir = dir,
	    .kind = STORE_ENV_CONFIG,
	    .map_size = ctl->config->map_size,
	    .create = !replica,
	    .lock_wait_ms = CTL_LOCK_WAIT_MS,
	};
	const char *error;
	char *cerror = NULL;

	if (store_open(&settings, &ctl->store, &error) != STORE_OK) {
		fprintf(stderr, "mailmapctl: %s%s\n", error,
			replica ? " (this host's replica: mailmapd creates it "
				  "from etcd)"
				: "");
		return -1;
	}
	if (replica) {
		struct replica_settings rs = replica_settings_of(ctl->config);
		if (etcd_new(&rs.etcd, &ctl->etcd, &cerror) < 0) {
			fprintf(stderr, "mailmapctl: %s\n", cerror);
			free(cerror);
			store_close(&ctl->store);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options opts = {0};
	struct ctl ctl = {.in = stdin, .out = stdout, .err = stderr};
	char config_dir[4096], state_dir[4096];
	int first = parse_options(argc, argv, &opts);
	int status;

	if (first < 0)
		return CTL_INPUT;
	/* Store files are shared with mailmapd's group (README: store
	 * permissions); nothing is for other users. */
	umask(007);
	if (opts.help || first == argc) {
		commands_help(first == argc && !opts.help ? stderr : stdout,
			      NULL);
		return opts.help ? CTL_OK : CTL_INPUT;
	}
	if (strcmp(argv[first], "help") == 0)
		return commands_main(&ctl, argc - first, argv + first);
	if (load_config(&opts, &ctl.config) < 0)
		return CTL_INPUT;
	const char *root =
	    opts.store_dir != NULL ? opts.store_dir : ctl.config->store_dir;
	snprintf(config_dir, sizeof(config_dir), "%s/config", root);
	snprintf(state_dir, sizeof(state_dir), "%s/state", root);
	ctl.state_dir = state_dir;
	ctl.json = opts.json;
	if (strcmp(argv[first], "status") == 0) {
		/* mailmapd's view, over its metrics listener: no store */
		status = status_main(&ctl, argc - first - 1, argv + first + 1);
		config_free(&ctl.config);
		return status;
	}
	if (open_store(&ctl, config_dir) < 0) {
		config_free(&ctl.config);
		return CTL_TEMPFAIL;
	}
	status = commands_main(&ctl, argc - first, argv + first);
	etcd_free(&ctl.etcd);
	store_close(&ctl.store);
	config_free(&ctl.config);
	return status;
}
