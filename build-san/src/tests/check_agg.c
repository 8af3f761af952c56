/*
 * The aggregation engine against MIRROR-API.md decisions 1 to 3. Expected
 * values are worked out by hand in the comments beside each row, never by
 * running the engine's own algorithm.
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "suites.h"

#define PTS(a) (a), (sizeof (a) / sizeof (a)[0])
#define B(v, s, e) { (v), (s), (e) }
#define NB 8              /* room for a row's buckets */
#define ALL NB            /* max_out: the whole output array */
#define TOL 1e-12         /* for ranks such as 0.9 that binary cannot hold */
#define P62 ((int64_t)1 << 62)
#define P53 ((int64_t)1 << 53)

/* Bucket 0 holds 4, 1, 3, 2; bucket 1 is empty; bucket 2 holds -5, 0. */
static const struct mirror_point pa[] = {
	{ -1, 100 }, { 0, 4 }, { 10, 1 }, { 50, 3 }, { 99, 2 },
	{ 200, -5 }, { 250, 0 }, { 300, 100 },
};
/* For range [150, 450): 120 and 450 fall outside. */
static const struct mirror_point pb[] = {
	{ 120, 32 }, { 150, 1 }, { 199, 2 }, { 200, 4 }, { 449, 8 }, { 450, 16 },
};
/* For range [-250, 50): -251 and 50 fall outside. */
static const struct mirror_point pc[] = {
	{ -251, 64 }, { -250, 1 }, { -201, 2 }, { -200, 4 }, { -1, 8 },
	{ 0, 16 }, { 49, 32 }, { 50, 64 },
};
static const struct mirror_point pd[] = { { -7, 3 } };
/* Points on both edges of bucket [100, 200). */
static const struct mirror_point pe[] = {
	{ 99, 1 }, { 100, 2 }, { 199, 4 }, { 200, 8 },
};
static const struct mirror_point pf[] = { { 12345, 42.5 } };
/* Far apart: the walk must jump the gap, not step through it. */
static const struct mirror_point pg[] = {
	{ 0, 1 }, { 1000000000000, 2 }, { 1000000000001, 4 },
};
static const struct mirror_point ph[] = { { -1000, 1 }, { 998, 2 } };
static const struct mirror_point pz[] = { { 0, 0 }, { 1, 0 } };
static const struct mirror_point pn[] = { { 0, 1 }, { 1, -1 } };
static const struct mirror_point pmax[] = { { 0, DBL_MAX }, { 1, DBL_MAX } };
static const struct mirror_point pmin[] = { { 0, -DBL_MAX }, { 1, -DBL_MAX } };
static const struct mirror_point pwide[] = { { 0, -DBL_MAX }, { 1, DBL_MAX } };
static const struct mirror_point ptiny[] = { { 0, 5e-324 }, { 1, 0 } };
static const struct mirror_point pext[] = {
	{ INT64_MIN, 1 }, { -1, 2 }, { P62 - 1, 4 },
};
static const struct mirror_point plow[] = { { INT64_MIN, 7 } };
static const struct mirror_point phigh[] = { { INT64_MAX - 1, 9 } };

struct run_row {
	const char *what;
	enum mirror_agg m;
	const struct mirror_point *pts;
	size_t npts;
	int64_t start, end, size;
	size_t max;
	enum mirror_err err;
	bool partial;
	double tol;
	size_t nwant;
	struct mirror_bucket want[NB];
};

static const struct run_row run_rows[] = {
	/* Dataset pa over [0, 300), buckets of 100: every method. */
	{ "MEAN", MIRROR_AGG_MEAN, PTS(pa), 0, 300, 100, ALL, MIRROR_OK, false, 0,
	  2, { B(2.5, 0, 100), B(-2.5, 200, 300) } },
	/* Sorted 1 2 3 4, r = 3p; sorted -5 0, r = p. */
	{ "P25", MIRROR_AGG_PERCENTILE_25, PTS(pa), 0, 300, 100, ALL, MIRROR_OK,
	  false, 0, 2, { B(1.75, 0, 100), B(-3.75, 200, 300) } },
	{ "P50", MIRROR_AGG_PERCENTILE_50, PTS(pa), 0, 300, 100, ALL, MIRROR_OK,
	  false, 0, 2, { B(2.5, 0, 100), B(-2.5, 200, 300) } },
	{ "P75", MIRROR_AGG_PERCENTILE_75, PTS(pa), 0, 300, 100, ALL, MIRROR_OK,
	  false, 0, 2, { B(3.25, 0, 100), B(-1.25, 200, 300) } },
	{ "P90", MIRROR_AGG_PERCENTILE_90, PTS(pa), 0, 300, 100, ALL, MIRROR_OK,
	  false, TOL, 2, { B(3.7, 0, 100), B(-0.5, 200, 300) } },
	{ "P95", MIRROR_AGG_PERCENTILE_95, PTS(pa), 0, 300, 100, ALL, MIRROR_OK,
	  false, TOL, 2, { B(3.85, 0, 100), B(-0.25, 200, 300) } },
	{ "P98", MIRROR_AGG_PERCENTILE_98, PTS(pa), 0, 300, 100, ALL, MIRROR_OK,
	  false, TOL, 2, { B(3.94, 0, 100), B(-0.1, 200, 300) } },
	{ "P99", MIRROR_AGG_PERCENTILE_99, PTS(pa), 0, 300, 100, ALL, MIRROR_OK,
	  false, TOL, 2, { B(3.97, 0, 100), B(-0.05, 200, 300) } },
	{ "MAX", MIRROR_AGG_MAX_VALUE, PTS(pa), 0, 300, 100, ALL, MIRROR_OK,
	  false, 0, 2, { B(4, 0, 100), B(0, 200, 300) } },
	{ "MIN", MIRROR_AGG_MIN_VALUE, PTS(pa), 0, 300, 100, ALL, MIRROR_OK,
	  false, 0, 2, { B(1, 0, 100), B(-5, 200, 300) } },
	/* Decision 2: SUM and EVENT_COUNT fill the empty bucket with 0. */
	{ "SUM", MIRROR_AGG_SUM, PTS(pa), 0, 300, 100, ALL, MIRROR_OK, false, 0,
	  3, { B(10, 0, 100), B(0, 100, 200), B(-5, 200, 300) } },
	{ "EVENT_COUNT", MIRROR_AGG_EVENT_COUNT, PTS(pa), 0, 300, 100, ALL,
	  MIRROR_OK, false, 0,
	  3, { B(4, 0, 100), B(0, 100, 200), B(2, 200, 300) } },
	{ "SUM_NO_ZEROS", MIRROR_AGG_SUM_NO_ZEROS, PTS(pa), 0, 300, 100, ALL,
	  MIRROR_OK, false, 0, 2, { B(10, 0, 100), B(-5, 200, 300) } },
	{ "EVENT_COUNT_NO_ZEROS", MIRROR_AGG_EVENT_COUNT_NO_ZEROS, PTS(pa), 0,
	  300, 100, ALL, MIRROR_OK, false, 0,
	  2, { B(4, 0, 100), B(2, 200, 300) } },

	/* Unaligned start and end: boundaries stay aligned and unclipped. */
	{ "unaligned SUM", MIRROR_AGG_SUM, PTS(pb), 150, 450, 100, ALL,
	  MIRROR_OK, false, 0, 4, { B(3, 100, 200), B(4, 200, 300),
	  B(0, 300, 400), B(8, 400, 500) } },
	{ "unaligned EVENT_COUNT", MIRROR_AGG_EVENT_COUNT, PTS(pb), 150, 450,
	  100, ALL, MIRROR_OK, false, 0, 4, { B(2, 100, 200), B(1, 200, 300),
	  B(0, 300, 400), B(1, 400, 500) } },
	{ "unaligned MEAN", MIRROR_AGG_MEAN, PTS(pb), 150, 450, 100, ALL,
	  MIRROR_OK, false, 0, 3, { B(1.5, 100, 200), B(4, 200, 300),
	  B(8, 400, 500) } },
	{ "unaligned MAX", MIRROR_AGG_MAX_VALUE, PTS(pb), 150, 450, 100, ALL,
	  MIRROR_OK, false, 0, 3, { B(2, 100, 200), B(4, 200, 300),
	  B(8, 400, 500) } },
	{ "unaligned P50", MIRROR_AGG_PERCENTILE_50, PTS(pb), 150, 450, 100, ALL,
	  MIRROR_OK, false, 0, 3, { B(1.5, 100, 200), B(4, 200, 300),
	  B(8, 400, 500) } },

	/* Negative timestamps: floor, not truncation, picks the bucket. */
	{ "negative SUM", MIRROR_AGG_SUM, PTS(pc), -250, 50, 100, ALL, MIRROR_OK,
	  false, 0, 4, { B(3, -300, -200), B(4, -200, -100), B(8, -100, 0),
	  B(48, 0, 100) } },
	{ "negative EVENT_COUNT", MIRROR_AGG_EVENT_COUNT, PTS(pc), -250, 50, 100,
	  ALL, MIRROR_OK, false, 0, 4, { B(2, -300, -200), B(1, -200, -100),
	  B(1, -100, 0), B(2, 0, 100) } },
	{ "negative MIN", MIRROR_AGG_MIN_VALUE, PTS(pc), -250, 50, 100, ALL,
	  MIRROR_OK, false, 0, 4, { B(1, -300, -200), B(4, -200, -100),
	  B(8, -100, 0), B(16, 0, 100) } },
	{ "negative MEAN", MIRROR_AGG_MEAN, PTS(pc), -250, 50, 100, ALL,
	  MIRROR_OK, false, 0, 4, { B(1.5, -300, -200), B(4, -200, -100),
	  B(8, -100, 0), B(24, 0, 100) } },
	/* -7 lies in [-10, -5) for buckets of 5. */
	{ "-7 in [-10,-5)", MIRROR_AGG_SUM, PTS(pd), -7, -6, 5, ALL, MIRROR_OK,
	  false, 0, 1, { B(3, -10, -5) } },
	{ "-7 to 1 SUM", MIRROR_AGG_SUM, PTS(pd), -7, 1, 5, ALL, MIRROR_OK,
	  false, 0, 3, { B(3, -10, -5), B(0, -5, 0), B(0, 0, 5) } },
	{ "-7 to 1 MEAN", MIRROR_AGG_MEAN, PTS(pd), -7, 1, 5, ALL, MIRROR_OK,
	  false, 0, 1, { B(3, -10, -5) } },
	/* -1000 lies in [-1002, -999) and 998 in [996, 999) for buckets of 3. */
	{ "negative gap", MIRROR_AGG_MEAN, PTS(ph), -1000, 1000, 3, ALL,
	  MIRROR_OK, false, 0, 2, { B(1, -1002, -999), B(2, 996, 999) } },

	/* Edges: a point on a boundary opens the next bucket; endTime is out. */
	{ "edges one bucket", MIRROR_AGG_SUM, PTS(pe), 100, 200, 100, ALL,
	  MIRROR_OK, false, 0, 1, { B(6, 100, 200) } },
	{ "edges three buckets", MIRROR_AGG_SUM, PTS(pe), 0, 300, 100, ALL,
	  MIRROR_OK, false, 0, 3, { B(1, 0, 100), B(6, 100, 200),
	  B(8, 200, 300) } },
	{ "end excludes 200", MIRROR_AGG_EVENT_COUNT, PTS(pe), 0, 200, 100, ALL,
	  MIRROR_OK, false, 0, 2, { B(1, 0, 100), B(2, 100, 200) } },
	{ "end 201 includes 200", MIRROR_AGG_MAX_VALUE, PTS(pe), 0, 201, 100,
	  ALL, MIRROR_OK, false, 0, 3, { B(1, 0, 100), B(4, 100, 200),
	  B(8, 200, 300) } },
	{ "start 100 excludes 99", MIRROR_AGG_MIN_VALUE, PTS(pe), 100, 300, 100,
	  ALL, MIRROR_OK, false, 0, 2, { B(2, 100, 200), B(8, 200, 300) } },
	{ "bucket of 1 ms", MIRROR_AGG_SUM, PTS(pe), 99, 101, 1, ALL, MIRROR_OK,
	  false, 0, 2, { B(1, 99, 100), B(2, 100, 101) } },

	/* One point. */
	{ "single MEAN", MIRROR_AGG_MEAN, PTS(pf), 0, 100000, 60000, ALL,
	  MIRROR_OK, false, 0, 1, { B(42.5, 0, 60000) } },
	{ "single P99", MIRROR_AGG_PERCENTILE_99, PTS(pf), 0, 100000, 60000, ALL,
	  MIRROR_OK, false, 0, 1, { B(42.5, 0, 60000) } },
	{ "single P25", MIRROR_AGG_PERCENTILE_25, PTS(pf), 0, 100000, 60000, ALL,
	  MIRROR_OK, false, 0, 1, { B(42.5, 0, 60000) } },
	{ "single SUM", MIRROR_AGG_SUM, PTS(pf), 0, 100000, 60000, ALL,
	  MIRROR_OK, false, 0, 2, { B(42.5, 0, 60000), B(0, 60000, 120000) } },
	{ "single EVENT_COUNT", MIRROR_AGG_EVENT_COUNT, PTS(pf), 0, 100000,
	  60000, ALL, MIRROR_OK, false, 0,
	  2, { B(1, 0, 60000), B(0, 60000, 120000) } },
	{ "single ECNZ", MIRROR_AGG_EVENT_COUNT_NO_ZEROS, PTS(pf), 0, 100000,
	  60000, ALL, MIRROR_OK, false, 0, 1, { B(1, 0, 60000) } },

	/* No points at all, or none in range (decision 2). */
	{ "none SUM", MIRROR_AGG_SUM, NULL, 0, 0, 300, 100, ALL, MIRROR_OK,
	  false, 0, 3, { B(0, 0, 100), B(0, 100, 200), B(0, 200, 300) } },
	{ "none EVENT_COUNT", MIRROR_AGG_EVENT_COUNT, NULL, 0, 0, 100, 100, ALL,
	  MIRROR_OK, false, 0, 1, { B(0, 0, 100) } },
	{ "none MEAN", MIRROR_AGG_MEAN, NULL, 0, 0, 300, 100, ALL, MIRROR_OK,
	  false, 0, 0, { B(0, 0, 0) } },
	{ "none P50", MIRROR_AGG_PERCENTILE_50, NULL, 0, 0, 300, 100, ALL,
	  MIRROR_OK, false, 0, 0, { B(0, 0, 0) } },
	{ "none SUM_NO_ZEROS", MIRROR_AGG_SUM_NO_ZEROS, NULL, 0, 0, 300, 100,
	  ALL, MIRROR_OK, false, 0, 0, { B(0, 0, 0) } },
	{ "none ECNZ", MIRROR_AGG_EVENT_COUNT_NO_ZEROS, NULL, 0, 0, 300, 100,
	  ALL, MIRROR_OK, false, 0, 0, { B(0, 0, 0) } },
	{ "outside SUM", MIRROR_AGG_SUM, PTS(pa), 1000, 1200, 100, ALL,
	  MIRROR_OK, false, 0, 2, { B(0, 1000, 1100), B(0, 1100, 1200) } },
	{ "outside MIN", MIRROR_AGG_MIN_VALUE, PTS(pa), 1000, 1200, 100, ALL,
	  MIRROR_OK, false, 0, 0, { B(0, 0, 0) } },
	{ "before MAX", MIRROR_AGG_MAX_VALUE, PTS(pa), -500, -1, 100, ALL,
	  MIRROR_OK, false, 0, 0, { B(0, 0, 0) } },

	/* Points that are there count even when they sum to zero or are 0. */
	{ "SNZ sums to 0", MIRROR_AGG_SUM_NO_ZEROS, PTS(pn), 0, 100, 100, ALL,
	  MIRROR_OK, false, 0, 1, { B(0, 0, 100) } },
	{ "SNZ of zeros", MIRROR_AGG_SUM_NO_ZEROS, PTS(pz), 0, 100, 100, ALL,
	  MIRROR_OK, false, 0, 1, { B(0, 0, 100) } },
	{ "ECNZ of zeros", MIRROR_AGG_EVENT_COUNT_NO_ZEROS, PTS(pz), 0, 100, 100,
	  ALL, MIRROR_OK, false, 0, 1, { B(2, 0, 100) } },

	/* Empty or reversed ranges hold no bucket; not an error. */
	{ "empty range SUM", MIRROR_AGG_SUM, PTS(pa), 50, 50, 100, ALL,
	  MIRROR_OK, false, 0, 0, { B(0, 0, 0) } },
	{ "empty range MEAN", MIRROR_AGG_MEAN, PTS(pa), 50, 50, 100, ALL,
	  MIRROR_OK, false, 0, 0, { B(0, 0, 0) } },
	{ "reversed range SUM", MIRROR_AGG_SUM, PTS(pa), 300, 0, 100, ALL,
	  MIRROR_OK, false, 0, 0, { B(0, 0, 0) } },
	{ "reversed range EC", MIRROR_AGG_EVENT_COUNT, PTS(pa), 300, 0, 100,
	  ALL, MIRROR_OK, false, 0, 0, { B(0, 0, 0) } },

	/* max_out keeps the earliest buckets; partial iff one was cut. */
	{ "cap SUM 2 of 3", MIRROR_AGG_SUM, PTS(pa), 0, 300, 100, 2, MIRROR_OK,
	  true, 0, 2, { B(10, 0, 100), B(0, 100, 200) } },
	{ "cap SUM 3 of 3", MIRROR_AGG_SUM, PTS(pa), 0, 300, 100, 3, MIRROR_OK,
	  false, 0, 3, { B(10, 0, 100), B(0, 100, 200), B(-5, 200, 300) } },
	{ "cap SUM 0", MIRROR_AGG_SUM, PTS(pa), 0, 300, 100, 0, MIRROR_OK, true,
	  0, 0, { B(0, 0, 0) } },
	{ "cap SUM 0 no points", MIRROR_AGG_SUM, NULL, 0, 0, 300, 100, 0,
	  MIRROR_OK, true, 0, 0, { B(0, 0, 0) } },
	{ "cap MEAN 1 of 2", MIRROR_AGG_MEAN, PTS(pa), 0, 300, 100, 1, MIRROR_OK,
	  true, 0, 1, { B(2.5, 0, 100) } },
	{ "cap MEAN 2 of 2", MIRROR_AGG_MEAN, PTS(pa), 0, 300, 100, 2, MIRROR_OK,
	  false, 0, 2, { B(2.5, 0, 100), B(-2.5, 200, 300) } },
	{ "cap MEAN 0", MIRROR_AGG_MEAN, PTS(pa), 0, 300, 100, 0, MIRROR_OK,
	  true, 0, 0, { B(0, 0, 0) } },
	{ "cap MEAN 0 no points", MIRROR_AGG_MEAN, NULL, 0, 0, 300, 100, 0,
	  MIRROR_OK, false, 0, 0, { B(0, 0, 0) } },
	{ "cap P75 2 of 3", MIRROR_AGG_PERCENTILE_75, PTS(pb), 150, 450, 100, 2,
	  MIRROR_OK, true, 0, 2, { B(1.75, 100, 200), B(4, 200, 300) } },
	{ "cap ECNZ 1 of 2", MIRROR_AGG_EVENT_COUNT_NO_ZEROS, PTS(pa), 0, 300,
	  100, 1, MIRROR_OK, true, 0, 1, { B(4, 0, 100) } },
	/* Trailing empty buckets are reportable for SUM only. */
	{ "cap MEAN trailing empty", MIRROR_AGG_MEAN, PTS(pe), 0, 1000, 100, 3,
	  MIRROR_OK, false, 0, 3, { B(1, 0, 100), B(3, 100, 200),
	  B(8, 200, 300) } },
	{ "cap SUM trailing empty", MIRROR_AGG_SUM, PTS(pe), 0, 1000, 100, 3,
	  MIRROR_OK, true, 0, 3, { B(1, 0, 100), B(6, 100, 200),
	  B(8, 200, 300) } },

	/* Gaps: 1e12 and 1e12+1 share [999999999999, 1000000000006). */
	{ "gap 1 ms", MIRROR_AGG_MEAN, PTS(pg), 0, P53, 1, ALL, MIRROR_OK, false,
	  0, 3, { B(1, 0, 1), B(2, 1000000000000, 1000000000001),
	  B(4, 1000000000001, 1000000000002) } },
	{ "gap 7 ms", MIRROR_AGG_MEAN, PTS(pg), 0, P53, 7, ALL, MIRROR_OK, false,
	  0, 2, { B(1, 0, 7), B(3, 999999999999, 1000000000006) } },
	{ "gap capped", MIRROR_AGG_MAX_VALUE, PTS(pg), 0, P53, 1, 2, MIRROR_OK,
	  true, 0, 2, { B(1, 0, 1), B(2, 1000000000000, 1000000000001) } },

	/* Values near the limits of double: results stay finite (decision 5). */
	{ "SUM overflow", MIRROR_AGG_SUM, PTS(pmax), 0, 10, 10, ALL, MIRROR_OK,
	  false, 0, 1, { B(DBL_MAX, 0, 10) } },
	{ "SUM underflow", MIRROR_AGG_SUM_NO_ZEROS, PTS(pmin), 0, 10, 10, ALL,
	  MIRROR_OK, false, 0, 1, { B(-DBL_MAX, 0, 10) } },
	{ "MEAN of DBL_MAX", MIRROR_AGG_MEAN, PTS(pmax), 0, 10, 10, ALL,
	  MIRROR_OK, false, 0, 1, { B(DBL_MAX, 0, 10) } },
	{ "MEAN of -DBL_MAX", MIRROR_AGG_MEAN, PTS(pmin), 0, 10, 10, ALL,
	  MIRROR_OK, false, 0, 1, { B(-DBL_MAX, 0, 10) } },
	{ "MEAN of +-DBL_MAX", MIRROR_AGG_MEAN, PTS(pwide), 0, 10, 10, ALL,
	  MIRROR_OK, false, 0, 1, { B(0, 0, 10) } },
	{ "P50 of +-DBL_MAX", MIRROR_AGG_PERCENTILE_50, PTS(pwide), 0, 10, 10,
	  ALL, MIRROR_OK, false, 0, 1, { B(0, 0, 10) } },
	{ "MAX of +-DBL_MAX", MIRROR_AGG_MAX_VALUE, PTS(pwide), 0, 10, 10, ALL,
	  MIRROR_OK, false, 0, 1, { B(DBL_MAX, 0, 10) } },
	{ "MIN of +-DBL_MAX", MIRROR_AGG_MIN_VALUE, PTS(pwide), 0, 10, 10, ALL,
	  MIRROR_OK, false, 0, 1, { B(-DBL_MAX, 0, 10) } },
	{ "MIN of denormal", MIRROR_AGG_MIN_VALUE, PTS(ptiny), 0, 10, 10, ALL,
	  MIRROR_OK, false, 0, 1, { B(0, 0, 10) } },
	{ "MAX of denormal", MIRROR_AGG_MAX_VALUE, PTS(ptiny), 0, 10, 10, ALL,
	  MIRROR_OK, false, 0, 1, { B(5e-324, 0, 10) } },

	/* Timestamps at the ends of int64: buckets of 2^62 from -2^63. */
	{ "int64 ends SUM", MIRROR_AGG_SUM, PTS(pext), INT64_MIN, P62, P62, ALL,
	  MIRROR_OK, false, 0, 3, { B(1, INT64_MIN, -P62), B(2, -P62, 0),
	  B(4, 0, P62) } },
	{ "int64 ends MEAN", MIRROR_AGG_MEAN, PTS(pext), INT64_MIN, P62, P62,
	  ALL, MIRROR_OK, false, 0, 3, { B(1, INT64_MIN, -P62), B(2, -P62, 0),
	  B(4, 0, P62) } },
	{ "lowest ms", MIRROR_AGG_SUM, PTS(plow), INT64_MIN, INT64_MIN + 1, 1,
	  ALL, MIRROR_OK, false, 0, 1, { B(7, INT64_MIN, INT64_MIN + 1) } },
	{ "highest ms", MIRROR_AGG_SUM, PTS(phigh), INT64_MAX - 1, INT64_MAX, 1,
	  ALL, MIRROR_OK, false, 0, 1, { B(9, INT64_MAX - 1, INT64_MAX) } },
	{ "highest ms MIN", MIRROR_AGG_MIN_VALUE, PTS(phigh), 0, INT64_MAX,
	  INT64_MAX, ALL, MIRROR_OK, false, 0, 1, { B(9, 0, INT64_MAX) } },

	/* Bad input: no buckets, no partial, the error. */
	{ "bucket 0", MIRROR_AGG_SUM, PTS(pa), 0, 300, 0, ALL,
	  MIRROR_ERR_BAD_REQUEST, false, 0, 0, { B(0, 0, 0) } },
	{ "bucket -100", MIRROR_AGG_MEAN, PTS(pa), 0, 300, -100, ALL,
	  MIRROR_ERR_BAD_REQUEST, false, 0, 0, { B(0, 0, 0) } },
	{ "bucket INT64_MIN", MIRROR_AGG_MEAN, PTS(pa), 0, 300, INT64_MIN, ALL,
	  MIRROR_ERR_BAD_REQUEST, false, 0, 0, { B(0, 0, 0) } },
	{ "bucket 0 empty range", MIRROR_AGG_SUM, PTS(pa), 0, 0, 0, ALL,
	  MIRROR_ERR_BAD_REQUEST, false, 0, 0, { B(0, 0, 0) } },
	{ "method MAX sentinel", MIRROR_AGG_MAX, PTS(pa), 0, 300, 100, ALL,
	  MIRROR_ERR_BAD_REQUEST, false, 0, 0, { B(0, 0, 0) } },
	{ "method -1", (enum mirror_agg)-1, PTS(pa), 0, 300, 100, ALL,
	  MIRROR_ERR_BAD_REQUEST, false, 0, 0, { B(0, 0, 0) } },
	{ "method 99", (enum mirror_agg)99, PTS(pa), 0, 300, 100, ALL,
	  MIRROR_ERR_BAD_REQUEST, false, 0, 0, { B(0, 0, 0) } },
	/* floor((INT64_MIN + 1) / 10) * 10 is below INT64_MIN. */
	{ "first bucket below int64", MIRROR_AGG_SUM, PTS(plow), INT64_MIN + 1,
	  0, 10, ALL, MIRROR_ERR_BAD_REQUEST, false, 0, 0, { B(0, 0, 0) } },
	/* The last bucket would end at 9223372036854775810. */
	{ "last bucket above int64", MIRROR_AGG_MEAN, PTS(phigh),
	  INT64_MAX - 5, INT64_MAX, 10, ALL, MIRROR_ERR_BAD_REQUEST, false, 0,
	  0, { B(0, 0, 0) } },
	{ "whole int64, bucket INT64_MAX", MIRROR_AGG_SUM, PTS(pext), INT64_MIN,
	  INT64_MAX, INT64_MAX, ALL, MIRROR_ERR_BAD_REQUEST, false, 0,
	  0, { B(0, 0, 0) } },
	{ "whole int64, bucket 2^62", MIRROR_AGG_SUM, PTS(pext), INT64_MIN,
	  INT64_MAX, P62, ALL, MIRROR_ERR_BAD_REQUEST, false, 0,
	  0, { B(0, 0, 0) } },
};

static bool
near(double got, double want, double tol)
{
	return tol == 0 ? got == want : fabs(got - want) <= tol;
}

START_TEST(test_run)
{
	const struct run_row *r = &run_rows[_i];
	struct mirror_bucket got[NB + 1];
	size_t n = 99, i;
	bool partial = !r->partial;
	enum mirror_err e;

	for (i = 0; i <= NB; i++)
		got[i] = (struct mirror_bucket)B(-42.0, -42, -42);
	e = mirror_agg_run(r->m, r->pts, r->npts, r->start, r->end, r->size,
	    got, r->max, &n, &partial);
	ck_assert_msg(e == r->err, "%s: error %d, want %d", r->what, e, r->err);
	ck_assert_msg(n == r->nwant, "%s: %zu buckets, want %zu", r->what, n,
	    r->nwant);
	ck_assert_msg(partial == r->partial, "%s: partial %d", r->what, partial);
	for (i = 0; i < n; i++) {
		ck_assert_msg(near(got[i].value, r->want[i].value, r->tol),
		    "%s: bucket %zu value %.17g, want %.17g", r->what, i,
		    got[i].value, r->want[i].value);
		ck_assert_msg(got[i].start == r->want[i].start &&
		    got[i].end == r->want[i].end, "%s: bucket %zu is "
		    "[%lld, %lld)", r->what, i, (long long)got[i].start,
		    (long long)got[i].end);
	}
	for (; i <= NB; i++)
		ck_assert_msg(got[i].start == -42 && got[i].value == -42.0,
		    "%s: wrote past its buckets at %zu", r->what, i);
}
END_TEST

/* One bucket of values; expected results for p = .25 .5 .75 .9 .95 .98 .99. */
struct pct_row {
	const char *what;
	size_t n;
	double v[20];
	double want[7];
	double tol;
};

static const enum mirror_agg pct_methods[7] = {
	MIRROR_AGG_PERCENTILE_25, MIRROR_AGG_PERCENTILE_50,
	MIRROR_AGG_PERCENTILE_75, MIRROR_AGG_PERCENTILE_90,
	MIRROR_AGG_PERCENTILE_95, MIRROR_AGG_PERCENTILE_98,
	MIRROR_AGG_PERCENTILE_99,
};
static const double pct_ranks[7] = { .25, .5, .75, .9, .95, .98, .99 };

static const struct pct_row pct_rows[] = {
	{ "n=1", 1, { 7 }, { 7, 7, 7, 7, 7, 7, 7 }, 0 },
	/* Sorted 10 20; r = p: 10 + 10p. */
	{ "n=2", 2, { 20, 10 }, { 12.5, 15, 17.5, 19, 19.5, 19.8, 19.9 }, TOL },
	/* Sorted 1 2 3 4; r = 3p: .75 1.5 2.25 2.7 2.85 2.94 2.97. */
	{ "n=4", 4, { 4, 1, 3, 2 }, { 1.75, 2.5, 3.25, 3.7, 3.85, 3.94, 3.97 },
	  TOL },
	/* Sorted 1..5; r = 4p: 1 2 3 3.6 3.8 3.92 3.96. */
	{ "n=5", 5, { 5, 1, 4, 2, 3 }, { 2, 3, 4, 4.6, 4.8, 4.92, 4.96 }, TOL },
	{ "n=5 equal", 5, { 2, 2, 2, 2, 2 }, { 2, 2, 2, 2, 2, 2, 2 }, 0 },
	/* Sorted 1 1 9 9; r = 3p: only p50 falls between the 1s and 9s. */
	{ "n=4 two pairs", 4, { 9, 1, 9, 1 }, { 1, 5, 9, 9, 9, 9, 9 }, 0 },
	/* Sorted 1 1 1 9 9; r = 4p: r = 3 is the first 9. */
	{ "n=5 dup", 5, { 1, 9, 1, 9, 1 }, { 1, 1, 9, 9, 9, 9, 9 }, 0 },
	/* Sorted 1 2 2 3; r = 3p. */
	{ "n=4 dup middle", 4, { 3, 2, 1, 2 },
	  { 1.75, 2, 2.25, 2.7, 2.85, 2.94, 2.97 }, TOL },
	/* Sorted -3 -1.5 0 3; r = 3p. */
	{ "negative", 4, { -3, 0, 3, -1.5 },
	  { -1.875, -0.75, 0.75, 2.1, 2.55, 2.82, 2.91 }, TOL },
	/* Sorted 1..10; r = 9p: 2.25 4.5 6.75 8.1 8.55 8.82 8.91. */
	{ "n=10 reversed", 10, { 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 },
	  { 3.25, 5.5, 7.75, 9.1, 9.55, 9.82, 9.91 }, TOL },
	/* 7i mod 20 permutes 0..19; r = 19p: 4.75 9.5 14.25 17.1 18.05 ... */
	{ "n=20 permuted", 20, { 0, 7, 14, 1, 8, 15, 2, 9, 16, 3, 10, 17, 4, 11,
	  18, 5, 12, 19, 6, 13 }, { 4.75, 9.5, 14.25, 17.1, 18.05, 18.62, 18.81 },
	  TOL },
	{ "n=20 sorted", 20, { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	  15, 16, 17, 18, 19 }, { 4.75, 9.5, 14.25, 17.1, 18.05, 18.62, 18.81 },
	  TOL },
	/*
	 * Sorted -100, eighteen 5s, 100; r = 19p: from p95 on, r passes 18,
	 * so the neighbour is the 100 found after selection: 5 + (r - 18) 95.
	 */
	{ "n=20 outliers", 20, { 5, 5, 100, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
	  5, 5, -100, 5, 5 }, { 5, 5, 5, 5, 9.75, 63.9, 81.95 }, TOL },
	/* 16..0, one past the small-bucket cut-off; r = 16p. */
	{ "n=17 descending", 17, { 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4,
	  3, 2, 1, 0 }, { 4, 8, 12, 14.4, 15.2, 15.68, 15.84 }, TOL },
};

START_TEST(test_percentile)
{
	const struct pct_row *r = &pct_rows[_i];
	struct mirror_point pts[20];
	struct mirror_bucket out[2];
	size_t i, n;
	bool partial;

	for (i = 0; i < r->n; i++) {
		pts[i].t = 1000 + (int64_t)i;
		pts[i].v = r->v[i];
	}
	for (i = 0; i < 7; i++) {
		ck_assert_int_eq(mirror_agg_run(pct_methods[i], pts, r->n, 1000,
		    2000, 1000, out, 2, &n, &partial), MIRROR_OK);
		ck_assert_uint_eq(n, 1);
		ck_assert(!partial);
		ck_assert_msg(near(out[0].value, r->want[i], r->tol),
		    "%s %s: %.17g, want %.17g", r->what,
		    mirror_agg_name(pct_methods[i]), out[0].value, r->want[i]);
	}
}
END_TEST

struct parse_row {
	const char *name;
	enum mirror_agg want;
};

static const struct parse_row parse_rows[] = {
	{ "MEAN", MIRROR_AGG_MEAN },
	{ "PERCENTILE_25", MIRROR_AGG_PERCENTILE_25 },
	{ "PERCENTILE_50", MIRROR_AGG_PERCENTILE_50 },
	{ "PERCENTILE_75", MIRROR_AGG_PERCENTILE_75 },
	{ "PERCENTILE_90", MIRROR_AGG_PERCENTILE_90 },
	{ "PERCENTILE_95", MIRROR_AGG_PERCENTILE_95 },
	{ "PERCENTILE_98", MIRROR_AGG_PERCENTILE_98 },
	{ "PERCENTILE_99", MIRROR_AGG_PERCENTILE_99 },
	{ "MAX", MIRROR_AGG_MAX_VALUE },
	{ "MIN", MIRROR_AGG_MIN_VALUE },
	{ "SUM", MIRROR_AGG_SUM },
	{ "EVENT_COUNT", MIRROR_AGG_EVENT_COUNT },
	{ "SUM_NO_ZEROS", MIRROR_AGG_SUM_NO_ZEROS },
	{ "EVENT_COUNT_NO_ZEROS", MIRROR_AGG_EVENT_COUNT_NO_ZEROS },
	{ NULL, MIRROR_AGG_MAX },
	{ "", MIRROR_AGG_MAX },
	{ "mean", MIRROR_AGG_MAX },
	{ "Mean", MIRROR_AGG_MAX },
	{ " MEAN", MIRROR_AGG_MAX },
	{ "MEAN ", MIRROR_AGG_MAX },
	{ "MEAN\n", MIRROR_AGG_MAX },
	{ "MEANS", MIRROR_AGG_MAX },
	{ "MEA", MIRROR_AGG_MAX },
	{ "MAX_VALUE", MIRROR_AGG_MAX },
	{ "MIN_VALUE", MIRROR_AGG_MAX },
	{ "MAXIMUM", MIRROR_AGG_MAX },
	{ "AVG", MIRROR_AGG_MAX },
	{ "MEDIAN", MIRROR_AGG_MAX },
	{ "COUNT", MIRROR_AGG_MAX },
	{ "P95", MIRROR_AGG_MAX },
	{ "PERCENTILE", MIRROR_AGG_MAX },
	{ "PERCENTILE_", MIRROR_AGG_MAX },
	{ "PERCENTILE_5", MIRROR_AGG_MAX },
	{ "PERCENTILE_10", MIRROR_AGG_MAX },
	{ "PERCENTILE_100", MIRROR_AGG_MAX },
	{ "PERCENTILE_950", MIRROR_AGG_MAX },
	{ "PERCENTILE_95X", MIRROR_AGG_MAX },
	{ "PERCENTILE-95", MIRROR_AGG_MAX },
	{ "percentile_95", MIRROR_AGG_MAX },
	{ "SUM_NO_ZERO", MIRROR_AGG_MAX },
	{ "SUMNO_ZEROS", MIRROR_AGG_MAX },
	{ "EVENT_COUNT_NO_ZERO", MIRROR_AGG_MAX },
	{ "EVENT-COUNT", MIRROR_AGG_MAX },
	{ "_MEAN", MIRROR_AGG_MAX },
	{ "Aggregation", MIRROR_AGG_MAX },
};

START_TEST(test_parse)
{
	const struct parse_row *r = &parse_rows[_i];

	ck_assert_msg(mirror_agg_parse(r->name) == r->want, "\"%s\"",
	    r->name ? r->name : "(null)");
}
END_TEST

/* Every method has a name, and the name leads back to it. */
START_TEST(test_name)
{
	enum mirror_agg m = (enum mirror_agg)_i;
	const char *name = mirror_agg_name(m);

	if (_i >= MIRROR_AGG_MAX) {
		ck_assert_ptr_null(name);
		return;
	}
	ck_assert_ptr_nonnull(name);
	ck_assert_int_eq(mirror_agg_parse(name), m);
}
END_TEST

START_TEST(test_name_negative)
{
	ck_assert_ptr_null(mirror_agg_name((enum mirror_agg)-1));
	ck_assert_str_eq(mirror_agg_name(MIRROR_AGG_MAX_VALUE), "MAX");
	ck_assert_str_eq(mirror_agg_name(MIRROR_AGG_MIN_VALUE), "MIN");
}
END_TEST

struct count_row {
	int64_t start, end, size;
	uint64_t want;
};

static const struct count_row count_rows[] = {
	{ 0, 100, 10, 10 },
	{ 0, 101, 10, 11 },
	{ 0, 99, 10, 10 },
	{ 5, 15, 10, 2 },
	{ 5, 10, 10, 1 },
	{ 5, 6, 10, 1 },
	{ 9, 11, 10, 2 },
	{ -1, 0, 10, 1 },
	{ -10, 0, 10, 1 },
	{ -11, 0, 10, 2 },
	{ -11, 1, 10, 3 },
	{ -20, -10, 10, 1 },
	{ -7, 1, 5, 3 },
	{ 0, 1, INT64_MAX, 1 },
	{ 7, 8, 1, 1 },
	{ 0, 31622400000, 60000, 527040 },     /* 366 days of minutes */
	{ -P53, P53, 1, (uint64_t)1 << 54 },
	/* [-2*MAX, -MAX), [-MAX, 0), [0, MAX) */
	{ INT64_MIN, INT64_MAX, INT64_MAX, 3 },
	{ INT64_MIN, INT64_MAX, 1, UINT64_MAX },
	{ INT64_MIN, INT64_MIN + 1, 1, 1 },
	{ INT64_MAX - 1, INT64_MAX, 1, 1 },
	{ INT64_MIN, 0, P62, 2 },
	/* Empty ranges and bad sizes: no buckets. */
	{ 0, 0, 10, 0 },
	{ 10, 5, 10, 0 },
	{ -5, -10, 10, 0 },
	{ INT64_MAX, INT64_MIN, 1, 0 },
	{ 0, 100, 0, 0 },
	{ 0, 100, -10, 0 },
	{ 0, 100, INT64_MIN, 0 },
	{ INT64_MIN, INT64_MAX, 0, 0 },
};

START_TEST(test_count)
{
	const struct count_row *r = &count_rows[_i];
	uint64_t got = mirror_agg_bucket_count(r->start, r->end, r->size);

	ck_assert_msg(got == r->want, "[%lld, %lld) by %lld: %llu, want %llu",
	    (long long)r->start, (long long)r->end, (long long)r->size,
	    (unsigned long long)got, (unsigned long long)r->want);
}
END_TEST

#define MILLION 1000000

/*
 * Values 0..n-1 in one bucket, in the scrambled order 7919 i mod n (7919
 * is prime to 10^6). Sum n(n-1)/2; percentile rank r = p(n-1) falls
 * between r's neighbours i and i+1, so the answer is r itself.
 */
static const double million_want[MIRROR_AGG_MAX] = {
	[MIRROR_AGG_MEAN] = 499999.5,
	[MIRROR_AGG_PERCENTILE_25] = 249999.75,
	[MIRROR_AGG_PERCENTILE_50] = 499999.5,
	[MIRROR_AGG_PERCENTILE_75] = 749999.25,
	[MIRROR_AGG_PERCENTILE_90] = 899999.1,
	[MIRROR_AGG_PERCENTILE_95] = 949999.05,
	[MIRROR_AGG_PERCENTILE_98] = 979999.02,
	[MIRROR_AGG_PERCENTILE_99] = 989999.01,
	[MIRROR_AGG_MAX_VALUE] = 999999,
	[MIRROR_AGG_MIN_VALUE] = 0,
	[MIRROR_AGG_SUM] = 499999500000.0,
	[MIRROR_AGG_EVENT_COUNT] = MILLION,
	[MIRROR_AGG_SUM_NO_ZEROS] = 499999500000.0,
	[MIRROR_AGG_EVENT_COUNT_NO_ZEROS] = MILLION,
};

static struct mirror_point *
million(bool scrambled)
{
	struct mirror_point *p = malloc(MILLION * sizeof *p);
	size_t i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < MILLION; i++) {
		p[i].t = (int64_t)i * 1000;
		p[i].v = scrambled ? (double)(i * 7919 % MILLION) : (double)i;
	}
	return p;
}

START_TEST(test_million_one_bucket)
{
	struct mirror_point *p = million(true);
	struct mirror_bucket out[2];
	size_t n;
	bool partial;

	ck_assert_int_eq(mirror_agg_run((enum mirror_agg)_i, p, MILLION, 0,
	    1000000000, 1000000000, out, 2, &n, &partial), MIRROR_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert(!partial);
	ck_assert_msg(near(out[0].value, million_want[_i], 1e-6),
	    "%s: %.17g", mirror_agg_name((enum mirror_agg)_i), out[0].value);
	free(p);
}
END_TEST

/*
 * Values i at i seconds, buckets of 10 s: bucket k holds 10k..10k+9, so
 * its sum is 100k + 45, its mean and median 10k + 4.5, its P25 (r = 2.25)
 * 10k + 2.25, its P90 (r = 8.1) 10k + 8.1, min 10k, max 10k + 9.
 */
static const struct {
	enum mirror_agg m;
	double times, plus;  /* expected value: times * k + plus */
} tens_rows[] = {
	{ MIRROR_AGG_SUM, 100, 45 },
	{ MIRROR_AGG_SUM_NO_ZEROS, 100, 45 },
	{ MIRROR_AGG_EVENT_COUNT, 0, 10 },
	{ MIRROR_AGG_EVENT_COUNT_NO_ZEROS, 0, 10 },
	{ MIRROR_AGG_MEAN, 10, 4.5 },
	{ MIRROR_AGG_PERCENTILE_50, 10, 4.5 },
	{ MIRROR_AGG_PERCENTILE_25, 10, 2.25 },
	{ MIRROR_AGG_PERCENTILE_90, 10, 8.1 },
	{ MIRROR_AGG_MIN_VALUE, 10, 0 },
	{ MIRROR_AGG_MAX_VALUE, 10, 9 },
};

/* Index of the first bucket that differs from row r, or n if none does. */
static size_t
tens_mismatch(const struct mirror_bucket *out, size_t n, size_t r)
{
	size_t k;

	for (k = 0; k < n; k++) {
		double want = tens_rows[r].times * (double)k + tens_rows[r].plus;

		if (!near(out[k].value, want, 1e-6) ||
		    out[k].start != (int64_t)k * 10000 ||
		    out[k].end != (int64_t)(k + 1) * 10000)
			break;
	}
	return k;
}

START_TEST(test_million_tens)
{
	struct mirror_point *p = million(false);
	struct mirror_bucket *out = malloc(MILLION / 10 * sizeof *out);
	size_t n, k;
	bool partial;

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(mirror_agg_run(tens_rows[_i].m, p, MILLION, 0,
	    1000000000, 10000, out, MILLION / 10, &n, &partial), MIRROR_OK);
	ck_assert_uint_eq(n, MILLION / 10);
	ck_assert(!partial);
	k = tens_mismatch(out, n, (size_t)_i);
	ck_assert_msg(k == n, "%s bucket %zu: %.17g [%lld, %lld)",
	    mirror_agg_name(tens_rows[_i].m), k, out[k].value,
	    (long long)out[k].start, (long long)out[k].end);
	free(out);
	free(p);
}
END_TEST

/* Reference percentile (decision 3) by full sort, to cross-check selection. */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
ref_percentile(double *v, size_t n, double p)
{
	double r = p * (double)(n - 1);
	size_t lo = (size_t)floor(r), hi = (size_t)ceil(r);

	qsort(v, n, sizeof *v, cmp_double);
	return v[lo] + (r - (double)lo) * (v[hi] - v[lo]);
}

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Value orders that trouble naive quickselects. */
static double
pattern(int kind, size_t i, size_t n, uint64_t *seed)
{
	switch (kind) {
	case 0: return (double)i;                                /* sorted */
	case 1: return (double)(n - i);                          /* reversed */
	case 2: return (double)(i < n / 2 ? i : n - i);          /* organ pipe */
	case 3: return (double)(i % 7);                          /* sawtooth */
	case 4: return 3.0;                                      /* all equal */
	case 5: return (double)(xorshift(seed) % 4);             /* few values */
	default: return (double)(xorshift(seed) >> 11) / 9007199254740992.0;
	}
}

#define PATTERNS 7

START_TEST(test_percentile_reference)
{
	static const size_t sizes[] = { 1, 2, 3, 15, 16, 17, 31, 100, 1000, 4099 };
	int kind = _i / 7;
	uint64_t seed = 88172645463325252ULL;
	size_t total = 0, i, j, k, nb = sizeof sizes / sizeof sizes[0], n;
	struct mirror_point *p;
	struct mirror_bucket out[16];
	double *v;
	bool partial;

	for (i = 0; i < nb; i++)
		total += sizes[i];
	p = malloc(total * sizeof *p);
	v = malloc(total * sizeof *v);
	ck_assert(p != NULL && v != NULL);
	/* Bucket i spans [i * 10^6, (i + 1) * 10^6) and holds sizes[i] points. */
	for (i = 0, k = 0; i < nb; i++)
		for (j = 0; j < sizes[i]; j++, k++) {
			p[k].t = (int64_t)(i * 1000000 + j);
			p[k].v = pattern(kind, j, sizes[i], &seed);
		}
	ck_assert_int_eq(mirror_agg_run(pct_methods[_i % 7], p, total, 0,
	    (int64_t)nb * 1000000, 1000000, out, 16, &n, &partial), MIRROR_OK);
	ck_assert_uint_eq(n, nb);
	for (i = 0, k = 0; i < nb; k += sizes[i], i++) {
		for (j = 0; j < sizes[i]; j++)
			v[j] = p[k + j].v;
		ck_assert_msg(out[i].value == ref_percentile(v, sizes[i],
		    pct_ranks[_i % 7]),
		    "pattern %d, n %zu: %.17g", kind, sizes[i], out[i].value);
	}
	free(v);
	free(p);
}
END_TEST

/*
 * Decision 1 assumes ascending points; a backend that breaks it must get
 * a wrong answer, never a crash or a write past max_out.
 */
START_TEST(test_unsorted)
{
	static const struct mirror_point bad[] = {
		{ 500, 1 }, { -1000, 2 }, { 250, 3 }, { 1000000000000000, 4 },
		{ 0, 5 }, { -1000000000000000, 6 }, { 999, 7 }, { INT64_MAX, 8 },
		{ INT64_MIN, 9 }, { 10, 10 },
	};
	struct mirror_bucket out[4];
	size_t n;
	bool partial;

	ck_assert_int_eq(mirror_agg_run((enum mirror_agg)_i, PTS(bad), 0, 1000,
	    100, out, 4, &n, &partial), MIRROR_OK);
	ck_assert_uint_le(n, 4);
}
END_TEST

Suite *
agg_suite(void)
{
	Suite *s = suite_create("agg");
	TCase *tc = tcase_create("core");
	TCase *big = tcase_create("million");

	tcase_add_loop_test(tc, test_run, 0, sizeof run_rows / sizeof run_rows[0]);
	tcase_add_loop_test(tc, test_percentile, 0,
	    sizeof pct_rows / sizeof pct_rows[0]);
	tcase_add_loop_test(tc, test_parse, 0,
	    sizeof parse_rows / sizeof parse_rows[0]);
	tcase_add_loop_test(tc, test_name, 0, MIRROR_AGG_MAX + 3);
	tcase_add_test(tc, test_name_negative);
	tcase_add_loop_test(tc, test_count, 0,
	    sizeof count_rows / sizeof count_rows[0]);
	tcase_add_loop_test(tc, test_percentile_reference, 0, 7 * PATTERNS);
	tcase_add_loop_test(tc, test_unsorted, 0, MIRROR_AGG_MAX);
	suite_add_tcase(s, tc);
	tcase_set_timeout(big, 60);
	tcase_add_loop_test(big, test_million_one_bucket, 0, MIRROR_AGG_MAX);
	tcase_add_loop_test(big, test_million_tens, 0,
	    sizeof tens_rows / sizeof tens_rows[0]);
	suite_add_tcase(s, big);
	return s;
}
