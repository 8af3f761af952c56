/*
 * Throughput of the fourteen aggregation methods (common/agg.c), printed
 * as a Markdown table of median points per second. Build and run with
 * `make bench && ./bench/bench_agg [repeats]`.
 *
 * Series of 10^6 and 10^7 points 10 s apart with pseudo-random values
 * from a fixed seed, so every run aggregates the same data. Every method
 * runs over 60 s buckets (6 points each); percentiles also over 1 h
 * buckets (360 points each), where selection dominates. Each figure is
 * the median of `repeats` timed runs (default 5) after one untimed run
 * that faults in the output array. max_out is the full bucket count: the
 * server's cap (MIRROR_MAX_BUCKETS) would stop a real request far sooner.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "agg.h"
#include "clock.h"
#include "median.h"
#include "num.h"

#define SPACING_MS 10000
#define START_MS ((int64_t)1700000000000)  /* not on an hour boundary */
#define MINUTE_MS ((int64_t)60000)
#define HOUR_MS ((int64_t)3600000)
#define MAX_REPEATS 101

static const size_t sizes[] = { 1000000, 10000000 };
#define NSIZES (sizeof sizes / sizeof sizes[0])

/* xorshift64*: fixed seed, so runs are comparable. */
static uint64_t
next_random(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* Values uniform in [0, 1000) with 53 random bits each. */
static struct mirror_point *
make_points(size_t n)
{
	struct mirror_point *p = malloc(n * sizeof *p);
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	size_t i;

	if (p == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		p[i].t = START_MS + (int64_t)i * SPACING_MS;
		p[i].v = (double)(next_random(&seed) >> 11) / 9007199254740992.0 *
		    1000.0;
	}
	return p;
}

/* What one benchmark row needs besides the method and bucket size. */
struct job {
	const struct mirror_point *pts;
	size_t n;
	struct mirror_bucket *out;
	size_t max_out;
	int repeats;
	double checksum;  /* printed, so no run can be optimised away */
};

/* One aggregation; returns its wall time in seconds, or -1 on error. */
static double
run_once(struct job *j, enum mirror_agg m, int64_t bucket_ms)
{
	int64_t end = START_MS + (int64_t)j->n * SPACING_MS;
	double t0, t1;
	size_t nout, i;
	bool partial;

	t0 = (double)mirror_clock_us() / 1e6;
	if (mirror_agg_run(m, j->pts, j->n, START_MS, end, bucket_ms, j->out,
	    j->max_out, &nout, &partial) != MIRROR_OK)
		return -1;
	t1 = (double)mirror_clock_us() / 1e6;
	for (i = 0; i < nout; i += 997)
		j->checksum += j->out[i].value;
	return t1 - t0;
}

/* Median points per second over j->repeats runs; -1 on error. */
static double
measure(struct job *j, enum mirror_agg m, int64_t bucket_ms)
{
	double t[MAX_REPEATS];
	int i;

	if (run_once(j, m, bucket_ms) < 0)
		return -1;
	for (i = 0; i < j->repeats; i++) {
		t[i] = run_once(j, m, bucket_ms);
		if (t[i] < 0)
			return -1;
	}
	return (double)j->n / bench_median(t, (size_t)j->repeats);
}

static bool
is_percentile(enum mirror_agg m)
{
	return m >= MIRROR_AGG_PERCENTILE_25 && m <= MIRROR_AGG_PERCENTILE_99;
}

/* Fills rate[m][b] (b 0: 60 s buckets, 1: 1 h) for one series size. */
static int
bench_size(size_t n, int repeats, double rate[][2], double *checksum)
{
	struct mirror_point *pts = make_points(n);
	struct job j = { .pts = pts, .n = n, .repeats = repeats };
	int m, rc = 0;

	j.max_out = (size_t)mirror_agg_bucket_count(START_MS,
	    START_MS + (int64_t)n * SPACING_MS, MINUTE_MS);
	j.out = malloc(j.max_out * sizeof *j.out);
	if (pts == NULL || j.out == NULL) {
		fprintf(stderr, "bench_agg: out of memory for %zu points\n", n);
		rc = -1;
	}
	for (m = 0; rc == 0 && m < MIRROR_AGG_MAX; m++) {
		rate[m][0] = measure(&j, (enum mirror_agg)m, MINUTE_MS);
		rate[m][1] = is_percentile((enum mirror_agg)m) ?
		    measure(&j, (enum mirror_agg)m, HOUR_MS) : 0;
		if (rate[m][0] < 0 || rate[m][1] < 0) {
			fprintf(stderr, "bench_agg: %s failed\n",
			    mirror_agg_name((enum mirror_agg)m));
			rc = -1;
		}
	}
	*checksum += j.checksum;
	free(j.out);
	free(pts);
	return rc;
}

static void
print_row(const char *name, const char *bucket, double rate[NSIZES])
{
	size_t i;

	printf("| %-20s | %-6s |", name, bucket);
	for (i = 0; i < NSIZES; i++)
		printf(" %8.1f |", rate[i] / 1e6);
	printf("\n");
}

static void
print_table(double rate[NSIZES][MIRROR_AGG_MAX][2], int repeats)
{
	double row[NSIZES];
	size_t i;
	int m, b;

	printf("Median of %d runs, million points per second "
	    "(points 10 s apart).\n\n", repeats);
	printf("| %-20s | Bucket | 10^6 pts | 10^7 pts |\n", "Method");
	printf("|----------------------|--------|---------:|---------:|\n");
	for (m = 0; m < MIRROR_AGG_MAX; m++)
		for (b = 0; b < 2; b++) {
			if (b == 1 && !is_percentile((enum mirror_agg)m))
				continue;
			for (i = 0; i < NSIZES; i++)
				row[i] = rate[i][m][b];
			print_row(mirror_agg_name((enum mirror_agg)m),
			    b == 0 ? "60 s" : "1 h", row);
		}
}

int
main(int argc, char *argv[])
{
	static double rate[NSIZES][MIRROR_AGG_MAX][2];
	double checksum = 0;
	int64_t repeats = 5;
	size_t i;

	if (argc > 2 || (argc == 2 &&
	    !mirror_num_parse(argv[1], 1, MAX_REPEATS, &repeats))) {
		fprintf(stderr, "usage: bench_agg [repeats, 1 to %d]\n",
		    MAX_REPEATS);
		return EXIT_FAILURE;
	}
	for (i = 0; i < NSIZES; i++)
		if (bench_size(sizes[i], (int)repeats, rate[i], &checksum) != 0)
			return EXIT_FAILURE;
	print_table(rate, (int)repeats);
	printf("\nchecksum %.6g\n", checksum);
	return EXIT_SUCCESS;
}
