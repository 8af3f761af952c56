/*
 * The long run of the shortest-double writer: random bit patterns (10^8
 * by default), every edge case of tests/dtoa_ref.c with the subnormals
 * up to 2^20, and store-like decimals, each held to dtoa_ref_check().
 * Too slow for make check (about an hour of CPU); run it by hand:
 *
 *   make dtoa-full && ./tests/dtoa_full [values] [seed] [jobs]
 *
 * jobs processes split the values; the exit status is 0 when every
 * value passed.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dtoa_ref.h"
#include "json/json_out.h"

#define EDGE_SUBNORMALS (1u << 20)

static uint64_t failures;

static void
check(double v, struct dtoa_ref_stats *st)
{
	char text[MIRROR_DOUBLE_TEXT_MAX], why[200];

	mirror_json_double_text(v, text);
	if (!dtoa_ref_check(v, text, st, why, sizeof why)) {
		if (failures++ < 20)
			fprintf(stderr, "FAIL %s\n", why);
	}
}

static void
run_edges(struct dtoa_ref_stats *st)
{
	size_t max = 4 * EDGE_SUBNORMALS + 100000, n, i;
	double *edges = malloc(max * sizeof *edges);

	if (edges == NULL)
		exit(2);
	n = dtoa_ref_edges(edges, max, EDGE_SUBNORMALS);
	for (i = 0; i < n && i < max; i++)
		check(edges[i], st);
	free(edges);
}

/* Part `part` of `jobs` of the random values; decimals ride along. */
static void
run_random(uint64_t count, uint64_t seed, unsigned part, unsigned jobs,
	struct dtoa_ref_stats *st)
{
	uint64_t state = seed, bits, i;
	double v;

	for (i = 0; i < count; i++) {
		bits = dtoa_ref_random(&state);
		if (i % jobs != part)
			continue;
		memcpy(&v, &bits, sizeof v);
		if (isfinite(v))
			check(v, st);
		if (i % 16 == 0)
			check((double)(int64_t)(bits >> 20) / 1000.0, st);
	}
}

int
main(int argc, char **argv)
{
	uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000000u;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x9e3779b97f4a7c15u;
	unsigned jobs = argc > 3 ? (unsigned)atoi(argv[3]) : 1, j;
	struct dtoa_ref_stats st = {.every = 1};
	int status, bad = 0;

	if (jobs < 1 || seed == 0)
		return 2;
	for (j = 0; j < jobs; j++) {
		if (fork() != 0)
			continue;
		if (j == 0)
			run_edges(&st);
		run_random(count, seed, j, jobs, &st);
		printf("job %u: %" PRIu64 " values, %" PRIu64 " shorter than "
		    "%%.Ng, %" PRIu64 " failed\n", j, st.checked, st.shorter,
		    failures);
		return failures == 0 ? 0 : 1;
	}
	for (j = 0; j < jobs; j++)
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad = 1;
	printf("%s\n", bad ? "FAILED" : "all passed");
	return bad;
}
