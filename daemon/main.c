/*
 * mailmapd: answers Postfix and Dovecot from the mailmap store.
 *   mailmapd [--config FILE] [--foreground] [--check-config]
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "server.h"

static int check_config(const char *path)
{
	struct config *config = NULL;
	char *error = NULL;

	if (config_load(path, &config, &error) < 0) {
		fprintf(stderr, "mailmapd: %s\n", error);
		free(error);
		return 1;
	}
	printf("mailmapd: %s: configuration OK (%zu listeners)\n", path,
	       config->listener_count);
	config_free(&config);
	return 0;
}

static int usage(FILE *out, int status)
{
	fprintf(
	    out,
	    "usage: mailmapd [--config FILE] [--foreground] [--check-config]\n"
	    "  default configuration: %s\n",
	    CONFIG_DEFAULT_PATH);
	return status;
}

int main(int argc, char **argv)
{
	const char *path = CONFIG_DEFAULT_PATH;
	bool foreground = false, check = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			path = argv[i] + 9;
		else if (strcmp(argv[i], "--foreground") == 0)
			foreground = true;
		else if (strcmp(argv[i], "--check-config") == 0)
			check = true;
		else if (strcmp(argv[i], "--help") == 0)
			return usage(stdout, 0);
		else {
			fprintf(stderr, "mailmapd: unknown option %s\n",
				argv[i]);
			return usage(stderr, 1);
		}
	}
	return check ? check_config(path) : server_run(path, foreground);
}
