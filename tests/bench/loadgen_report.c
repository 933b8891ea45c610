/*
 * loadgen_report: the load generator's result line and its /proc samples of
 * the server process; see loadgen.h.
 *
 * Percentiles are nearest-rank over every measured request (no histogram,
 * no sampling). Server CPU is utime + stime of /proc/PID/stat (every
 * thread, clock ticks of sysconf(_SC_CLK_TCK), usually 10 ms each) between
 * the start and the end of the measured phase, and so is minflt (minor page
 * faults: for mailmapd mostly first touches of LMDB's map). With
 * --server-tree, the sums over the process and its descendants at each
 * sample, plus what its children that exited and were waited for used
 * (cutime + cstime): a pre-forking server such as Dovecot's master and its
 * service processes, counted whole; memory is then the sum over the
 * processes (shared pages counted once per process).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loadgen.h"

/* Reads minflt and utime + stime of /proc/PID/stat, with children also
 * cminflt and cutime + cstime (of the children waited for); 0 or -1. */
static int lg_proc_stat(pid_t pid, bool children,
			struct lg_proc_sample *sample_r)
{
	char path[64], line[1024];
	unsigned long long minflt, cminflt, utime, stime;
	long long cutime, cstime;
	FILE *f;
	char *p;
	int ok;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	/* comm may hold spaces and ')': the fields start after the last ')'.
	 * There, field 3 (state) comes first; minflt is 10, cminflt 11,
	 * utime and stime are 14 and 15, cutime and cstime 16 and 17. */
	if (p == NULL || (p = strrchr(line, ')')) == NULL)
		return -1;
	ok = sscanf(p + 1,
		    " %*c %*d %*d %*d %*d %*d %*u %llu %llu %*u %*u %llu %llu"
		    " %lld %lld",
		    &minflt, &cminflt, &utime, &stime, &cutime, &cstime);
	if (ok != 6)
		return -1;
	sample_r->minflt += minflt;
	sample_r->cpu_ticks += utime + stime;
	if (children) {
		sample_r->minflt += cminflt;
		sample_r->cpu_ticks += (unsigned long long)(cutime + cstime);
	}
	sample_r->processes++;
	return 0;
}

/* Reads "Name: value kB" lines of a /proc file into values (-1: absent). */
static void lg_proc_fields(const char *path, const char *const *names,
			   long *values, size_t count)
{
	char line[256];
	FILE *f = fopen(path, "r");

	for (size_t i = 0; i < count; i++)
		values[i] = -1;
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		for (size_t i = 0; i < count; i++) {
			size_t len = strlen(names[i]);

			if (strncmp(line, names[i], len) == 0 &&
			    line[len] == ':')
				values[i] = strtol(line + len + 1, NULL, 10);
		}
	}
	fclose(f);
}

/* Adds value to *sum; an absent value (-1) leaves it absent only when
 * nothing was added yet. */
static void lg_proc_add_kb(long *sum, long value)
{
	if (value >= 0)
		*sum = *sum < 0 ? value : *sum + value;
}

static void lg_proc_memory(pid_t pid, struct lg_proc_sample *sample_r)
{
	static const char *const status_names[] = {"VmRSS", "RssAnon",
						   "RssFile", "RssShmem"};
	static const char *const rollup_names[] = {"Private_Clean",
						   "Private_Dirty"};
	char path[64];
	long status[4], rollup[2];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	lg_proc_fields(path, status_names, status, 4);
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	lg_proc_fields(path, rollup_names, rollup, 2);
	lg_proc_add_kb(&sample_r->rss_kb, status[0]);
	lg_proc_add_kb(&sample_r->anon_kb, status[1]);
	lg_proc_add_kb(&sample_r->file_kb, status[2]);
	lg_proc_add_kb(&sample_r->shmem_kb, status[3]);
	lg_proc_add_kb(&sample_r->priv_clean_kb, rollup[0]);
	lg_proc_add_kb(&sample_r->priv_dirty_kb, rollup[1]);
}

/* A process tree's depth and size are bounded: a server's workers, not a
 * fork bomb. */
#define LG_TREE_DEPTH	  4
#define LG_TREE_PROCESSES 4096

/* Adds pid and, with depth left, its descendants to *sample_r. A process
 * that exits meanwhile is skipped: once its parent has waited for it, its
 * time is in the parent's cutime + cstime. */
static void lg_proc_add(pid_t pid, unsigned depth, bool with_memory,
			struct lg_proc_sample *sample_r)
{
	char path[64];
	FILE *f;
	DIR *dir;
	struct dirent *task;

	if (sample_r->processes >= LG_TREE_PROCESSES ||
	    lg_proc_stat(pid, depth > 0, sample_r) < 0)
		return;
	if (with_memory)
		lg_proc_memory(pid, sample_r);
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if (depth == 0 || (dir = opendir(path)) == NULL)
		return;
	while ((task = readdir(dir)) != NULL) {
		if (task->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/children",
			 (int)pid, task->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		/* Space-separated pids. */
		for (int c; fscanf(f, "%d", &c) == 1;)
			lg_proc_add((pid_t)c, depth - 1, with_memory, sample_r);
		fclose(f);
	}
	closedir(dir);
}

void lg_proc_sample(pid_t pid, bool tree, bool with_memory,
		    struct lg_proc_sample *sample_r)
{
	memset(sample_r, 0, sizeof(*sample_r));
	sample_r->rss_kb = sample_r->anon_kb = sample_r->file_kb = -1;
	sample_r->shmem_kb = sample_r->priv_clean_kb = -1;
	sample_r->priv_dirty_kb = -1;
	if (pid <= 0)
		return;
	lg_proc_add(pid, tree ? LG_TREE_DEPTH : 0, with_memory, sample_r);
	sample_r->ok = sample_r->processes > 0;
}

static int lg_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least per_mille/1000 of the
 * samples at or below it; in microseconds. */
static double lg_percentile_us(const uint32_t *sorted, size_t n,
			       unsigned per_mille)
{
	size_t rank;

	if (n == 0)
		return 0;
	rank = (n * per_mille + 999) / 1000;
	return sorted[rank > 0 ? rank - 1 : 0] / 1000.0;
}

static double lg_tv_seconds(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static double lg_client_cpu_seconds(const struct lg_stats *stats)
{
	const struct rusage *a = &stats->usage_start, *b = &stats->usage_end;

	return lg_tv_seconds(&b->ru_utime) - lg_tv_seconds(&a->ru_utime) +
	       lg_tv_seconds(&b->ru_stime) - lg_tv_seconds(&a->ru_stime);
}

static void lg_report_server(const struct lg_stats *stats,
			     const struct lg_proc_sample *start,
			     const struct lg_proc_sample *end)
{
	long tick = sysconf(_SC_CLK_TCK);
	double cpu_us;

	if (!start->ok || !end->ok || tick <= 0) {
		printf(" srv_cpu_us=-1");
		return;
	}
	cpu_us =
	    (double)(end->cpu_ticks - start->cpu_ticks) * 1e6 / (double)tick;
	printf(
	    " srv_cpu_us=%.0f srv_cpu_us_per_req=%.3f srv_minflt=%llu"
	    " srv_rss_kb=%ld srv_anon_kb=%ld srv_file_kb=%ld srv_shmem_kb=%ld"
	    " srv_priv_clean_kb=%ld srv_priv_dirty_kb=%ld srv_procs=%u",
	    cpu_us, stats->completed ? cpu_us / (double)stats->completed : 0,
	    (unsigned long long)(end->minflt - start->minflt), end->rss_kb,
	    end->anon_kb, end->file_kb, end->shmem_kb, end->priv_clean_kb,
	    end->priv_dirty_kb, end->processes);
}

size_t lg_unanswered(const struct lg_stats *stats)
{
	size_t done = stats->completed + stats->conn_errors;

	return stats->issued > done ? stats->issued - done : 0;
}

void lg_report(struct lg_stats *stats, const struct bench_proto *proto,
	       unsigned connections, pid_t server_pid,
	       const struct lg_proc_sample *srv_start,
	       const struct lg_proc_sample *srv_end)
{
	size_t n = stats->completed;
	double secs = n ? (double)(stats->last_ns - stats->start_ns) / 1e9 : 0;

	qsort(stats->lat_ns, n, sizeof(stats->lat_ns[0]), lg_cmp_u32);
	printf("requests=%zu seconds=%.3f rps=%.0f p50_us=%.1f p99_us=%.1f"
	       " p999_us=%.1f errors=%zu",
	       n, secs, secs > 0 ? (double)n / secs : 0,
	       lg_percentile_us(stats->lat_ns, n, 500),
	       lg_percentile_us(stats->lat_ns, n, 990),
	       lg_percentile_us(stats->lat_ns, n, 999),
	       stats->answers[BENCH_FAILED] + stats->conn_errors +
		   lg_unanswered(stats));
	for (int kind = 0; kind < BENCH_ANSWER_KINDS; kind++)
		if (proto->answers & BENCH_ANSWER_BIT(kind))
			printf(" %s=%zu", bench_answer_name(kind),
			       stats->answers[kind]);
	printf(" conn_errors=%zu unanswered=%zu max_us=%.1f"
	       " connections=%u cli_cpu_pct=%.0f first_answer_unix_us=%llu",
	       stats->conn_errors, lg_unanswered(stats),
	       n ? stats->lat_ns[n - 1] / 1000.0 : 0, connections,
	       secs > 0 ? 100 * lg_client_cpu_seconds(stats) / secs : 0,
	       (unsigned long long)stats->first_answer_unix_us);
	if (server_pid > 0)
		lg_report_server(stats, srv_start, srv_end);
	printf("\n");
	fflush(stdout);
}
