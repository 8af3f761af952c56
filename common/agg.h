/*
 * The aggregation engine: the fourteen methods of MIRROR-API.md over
 * epoch-aligned buckets (decisions 1 to 3).
 */
#ifndef MIRROR_AGG_H
#define MIRROR_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "series.h"

enum mirror_agg {
	MIRROR_AGG_MEAN,
	MIRROR_AGG_PERCENTILE_25,
	MIRROR_AGG_PERCENTILE_50,
	MIRROR_AGG_PERCENTILE_75,
	MIRROR_AGG_PERCENTILE_90,
	MIRROR_AGG_PERCENTILE_95,
	MIRROR_AGG_PERCENTILE_98,
	MIRROR_AGG_PERCENTILE_99,
	MIRROR_AGG_MAX_VALUE,
	MIRROR_AGG_MIN_VALUE,
	MIRROR_AGG_SUM,
	MIRROR_AGG_EVENT_COUNT,
	MIRROR_AGG_SUM_NO_ZEROS,
	MIRROR_AGG_EVENT_COUNT_NO_ZEROS,
	MIRROR_AGG_MAX
};

/* One output bucket: its aligned, unclipped boundaries and its value. */
struct mirror_bucket {
	double value;
	int64_t start;  /* epoch ms, a multiple of the bucket size */
	int64_t end;    /* start + bucket size */
};

/* Method by its API name ("MEAN", "PERCENTILE_95", ...); MIRROR_AGG_MAX if unknown. */
enum mirror_agg mirror_agg_parse(const char *name);

/* API name of a method, or NULL when out of range. */
const char *mirror_agg_name(enum mirror_agg m);

/* True for the methods decision 2 has report 0 for an empty bucket. */
bool mirror_agg_zero_fill(enum mirror_agg m);

/* p in [0, 1] of a PERCENTILE method (decision 3); -1 for the others. */
double mirror_agg_rank(enum mirror_agg m);

/*
 * Decision 3's step between the values at ranks floor r and ceil r,
 * frac = r - floor r, with the very arithmetic of the engine's own
 * percentiles (so a store's order statistics give its answer exactly).
 */
double mirror_agg_interpolate(double lo, double hi, double frac);

/*
 * Number of buckets of size bucket_ms that intersect [start_ms, end_ms)
 * (decision 1); 0 when the range is empty. bucket_ms must be > 0.
 */
uint64_t mirror_agg_bucket_count(int64_t start_ms, int64_t end_ms, int64_t bucket_ms);

/*
 * Aggregates n ascending, finite points into buckets of bucket_ms that
 * intersect [start_ms, end_ms); points outside the range are ignored.
 * Writes at most max_out buckets to out (earliest first) and sets *nout;
 * sets *partial when buckets that would have been reported were cut by
 * max_out. Empty buckets follow decision 2. Returns MIRROR_ERR_NOMEM if
 * percentile scratch space cannot be had.
 */
enum mirror_err mirror_agg_run(enum mirror_agg method,
			       const struct mirror_point *pts, size_t n,
			       int64_t start_ms, int64_t end_ms, int64_t bucket_ms,
			       struct mirror_bucket *out, size_t max_out,
			       size_t *nout, bool *partial);

#endif
