/*
 * memlat: the latency of one dependent random load over a working set of
 * a given size, on this machine, as a B-tree descent sees it (each page
 * it reads names the next one). socketmap_bench.sh runs it over the size
 * of each store, to tell the time a lookup spends waiting on memory from
 * the time it spends working.
 *
 *   memlat --mb N [--loads N (5000000)]
 *
 * The set is N MB of 64-byte lines linked in one random cycle (Sattolo's
 * algorithm), so the hardware cannot predict the next line; the set is
 * walked once before the timed walk so that only cache misses remain, not
 * page faults. Prints "mb=N loads=N ns_per_load=X". Bounded: at most
 * 4096 MB and 100 000 000 loads.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LINE	  64
#define MAX_MB	  4096
#define MAX_LOADS 100000000UL

struct line {
	struct line *next;
	char pad[LINE - sizeof(struct line *)];
};

static unsigned long parse_count(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > max) {
		fprintf(stderr, "memlat: bad count '%s' (1..%lu)\n", s, max);
		exit(2);
	}
	return v;
}

/* xorshift64*: enough randomness for a shuffle, the same on every run. */
static uint64_t next_random(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 2685821657736338717ULL;
}

/* Links the lines into one cycle in a random order (Sattolo). */
static void link_cycle(struct line *lines, size_t n)
{
	size_t *order = malloc(n * sizeof(*order));
	uint64_t state = 0x9e3779b97f4a7c15ULL;

	if (order == NULL) {
		fprintf(stderr, "memlat: out of memory\n");
		exit(1);
	}
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = (size_t)(next_random(&state) % i), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (size_t i = 0; i < n; i++)
		lines[order[i]].next = &lines[order[(i + 1) % n]];
	free(order);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static struct line *walk(struct line *p, unsigned long loads)
{
	while (loads-- > 0)
		p = p->next;
	return p;
}

int main(int argc, char **argv)
{
	unsigned long mb = 0, loads = 5000000;
	struct line *lines, *end;
	size_t n;
	double start;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--mb") == 0)
			mb = parse_count(argv[i + 1], MAX_MB);
		else if (strcmp(argv[i], "--loads") == 0)
			loads = parse_count(argv[i + 1], MAX_LOADS);
		else
			break;
	}
	if (mb == 0 || argc % 2 == 0) {
		fprintf(stderr, "usage: memlat --mb N [--loads N]\n");
		return 2;
	}
	n = (size_t)mb * 1024 * 1024 / LINE;
	lines = aligned_alloc(LINE, n * LINE);
	if (lines == NULL) {
		fprintf(stderr, "memlat: out of memory for %lu MB\n", mb);
		return 1;
	}
	link_cycle(lines, n);
	end = walk(lines, n); /* faults every page in */
	start = now_ns();
	end = walk(end, loads);
	printf("mb=%lu loads=%lu ns_per_load=%.1f end=%p\n", mb, loads,
	       (now_ns() - start) / (double)loads, (void *)end);
	free(lines);
	return 0;
}
