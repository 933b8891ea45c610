/*
 * loadgen_setup: the load generator's command line and its requests, each
 * framed once before the run; see loadgen.h and loadgen.c.
 *
 * Limits: at most LG_MAX_KEYS request lines, LG_MAX_CONNECTIONS
 * connections and LG_MAX_REQUESTS measured requests.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_proto.h"
#include "loadgen.h"

#define LG_MAX_CONNECTIONS 10000
#define LG_MAX_REQUESTS	   100000000u
#define LG_MAX_KEYS	   10000000u

/* Room for need more bytes; 0 or -1. */
static int lg_requests_room(struct lg_requests *reqs, size_t need)
{
	if (reqs->size + need > reqs->cap) {
		size_t cap = (reqs->cap + need) * 2;
		char *bytes = realloc(reqs->bytes, cap);

		if (bytes == NULL)
			return -1;
		reqs->bytes = bytes, reqs->cap = cap;
	}
	return 0;
}

int lg_requests_add(struct lg_requests *reqs, const struct bench_proto *proto,
		    const char *payload, size_t len)
{
	size_t need = len + (reqs->overhead > 32 ? reqs->overhead : 32);
	size_t frame = 0;

	if (reqs->count >= LG_MAX_KEYS)
		return -1;
	/* A frame may be much longer than its payload (a policy request is
	 * some 30 lines made from one): try with more room until the
	 * protocol's request limit. */
	for (;;) {
		if (lg_requests_room(reqs, need) < 0)
			return -1;
		frame = proto->encode_request(reqs->bytes + reqs->size, need,
					      payload, len);
		if (frame != 0 || need > proto->max_request + len)
			break;
		need *= 4;
	}
	if (frame == 0)
		return -1;
	if (frame > len && frame - len > reqs->overhead)
		reqs->overhead = frame - len;
	size_t *offset =
	    realloc(reqs->offset, (reqs->count + 2) * sizeof(*offset));
	if (offset == NULL)
		return -1;
	reqs->offset = offset;
	offset[reqs->count] = reqs->size;
	reqs->size += frame;
	offset[++reqs->count] = reqs->size;
	return 0;
}

int lg_requests_load(struct lg_requests *reqs, const struct bench_proto *proto,
		     const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int ret = 0;

	if (f == NULL) {
		fprintf(stderr, "loadgen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (ret == 0 && (len = getline(&line, &cap, f)) >= 0) {
		while (len > 0 &&
		       (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len > 0)
			ret = lg_requests_add(reqs, proto, line, (size_t)len);
	}
	free(line);
	fclose(f);
	if (ret < 0 || reqs->count == 0)
		fprintf(stderr, "loadgen: %s: %s\n", path,
			ret < 0 ? "too many, too long or malformed lines"
				: "no request");
	return ret < 0 || reqs->count == 0 ? -1 : 0;
}

int lg_usage(void)
{
	fprintf(stderr, "usage: loadgen (--unix PATH | --tcp HOST:PORT)"
			" (--keys FILE | --payload 'map key')\n"
			"  [--connections N (1)] [--requests TOTAL (5000000)]"
			" [--seconds S (10)] [--warmup S (0)]\n"
			"  [--connect-retry S (0)]"
			" [--server-pid PID | --server-tree PID]\n"
			"  [--proto|--mode socketmap|policy|dict]"
			" [--preamble ARG (dict: the dict name, auth)]"
			" [--once]\n");
	return 1;
}

static int lg_number(const char *text, double min, double max, double *value_r)
{
	char *end;
	double v = strtod(text, &end);

	if (end == text || *end != '\0' || !(v >= min && v <= max))
		return -1;
	*value_r = v;
	return 0;
}

static int lg_option(struct lg_options *opt, int c, const char *arg)
{
	double v = 0;
	int ok = 0;

	switch (c) {
	case 'u':
		opt->unix_path = arg;
		break;
	case 't':
		opt->tcp = arg;
		break;
	case 'k':
		opt->keys_path = arg;
		break;
	case 'p':
		opt->payload = arg;
		break;
	case 'P':
		opt->proto = arg;
		break;
	case 'H':
		opt->preamble = arg;
		break;
	case 'o':
		opt->once = true;
		break;
	case 'c':
		ok = lg_number(arg, 1, LG_MAX_CONNECTIONS, &v);
		opt->connections = (unsigned)v;
		break;
	case 'n':
		ok = lg_number(arg, 1, LG_MAX_REQUESTS, &v);
		opt->requests = (size_t)v;
		break;
	case 's':
		ok = lg_number(arg, 0.001, 86400, &opt->seconds);
		break;
	case 'w':
		ok = lg_number(arg, 0, 3600, &opt->warmup);
		break;
	case 'r':
		ok = lg_number(arg, 0, 600, &opt->connect_retry);
		break;
	case 'S':
	case 'T':
		ok = lg_number(arg, 1, 1 << 30, &v);
		opt->server_pid = (pid_t)v;
		opt->server_tree = c == 'T';
		break;
	default:
		return -1;
	}
	return ok;
}

int lg_options_parse(int argc, char **argv, struct lg_options *opt)
{
	static const struct option longopts[] = {
	    {"unix", 1, NULL, 'u'},	  {"tcp", 1, NULL, 't'},
	    {"keys", 1, NULL, 'k'},	  {"payload", 1, NULL, 'p'},
	    {"proto", 1, NULL, 'P'},	  {"mode", 1, NULL, 'P'},
	    {"once", 0, NULL, 'o'},	  {"connections", 1, NULL, 'c'},
	    {"requests", 1, NULL, 'n'},	  {"seconds", 1, NULL, 's'},
	    {"warmup", 1, NULL, 'w'},	  {"connect-retry", 1, NULL, 'r'},
	    {"server-pid", 1, NULL, 'S'}, {"server-tree", 1, NULL, 'T'},
	    {"preamble", 1, NULL, 'H'},	  {NULL, 0, NULL, 0},
	};
	int c;

	*opt = (struct lg_options){.proto = "socketmap",
				   .connections = 1,
				   .requests = 5000000,
				   .seconds = 10};
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if (lg_option(opt, c, optarg) < 0)
			return -1;
	if (optind != argc || (opt->unix_path == NULL) == (opt->tcp == NULL) ||
	    (opt->keys_path == NULL) == (opt->payload == NULL))
		return -1;
	return 0;
}
