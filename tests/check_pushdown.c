/*
 * Pushdown (pushdown.c): whatever a store answers itself and whatever it
 * leaves RAW, the buckets put together are the engine's answer over all
 * its points, bit for bit. A fake store serves a series with a gap and
 * NaNs; its metric_buckets answers some buckets (with the engine's own
 * value: what a truthful store gives), leaves others RAW (in runs, and
 * scattered past the fetch limit), calls a NaN value an answer, declines
 * or fails.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "pushdown.h"
#include "series.h"
#include "store/store.h"
#include "suites.h"

#define NPTS 3000
#define STEP 10

enum mode {
	MODE_SOME,      /* two runs of RAW buckets, the rest answered */
	MODE_SCATTER,   /* every other bucket RAW: more runs than MAX_RUNS */
	MODE_NAN,       /* answers, one of them NaN */
	MODE_DECLINE,
	MODE_REFUSE,    /* MIRROR_ERR_STORE: the raw way */
	MODE_TIMEOUT,   /* MIRROR_ERR_STORE_TIMEOUT: an error */
	MODE_MAX
};

static enum mode mode;
static int point_calls;

/* Point i: 10 ms apart, none in [5000, 6200), NaN every 173rd. */
static bool
point(int i, struct mirror_point *p)
{
	if (i >= 500 && i < 620)
		return false;
	p->t = (int64_t)i * STEP;
	p->v = i % 173 == 0 ? NAN : (double)((i * 37) % 101) / 7.0;
	return true;
}

static enum mirror_err
fake_points(const struct mirror_call *call, struct mirror_series *out)
{
	struct mirror_point p;
	enum mirror_err e = MIRROR_OK;
	int i;

	point_calls++;
	for (i = 0; i < NPTS && e == MIRROR_OK; i++)
		if (point(i, &p) && p.t >= call->q->start_ms && p.t < call->q->end_ms)
			e = mirror_series_push(out, p.t, p.v);
	return e;
}

/* The engine over [lo, hi): what a truthful store answers for a bucket. */
static bool
engine_bucket(const struct mirror_call *call, int64_t lo, int64_t hi, double *v)
{
	struct mirror_query q = *call->q;
	struct mirror_call c = *call;
	struct mirror_series s;
	struct mirror_bucket b;
	size_t n = 0;
	bool partial;

	q.start_ms = lo;
	q.end_ms = hi;
	c.q = &q;
	mirror_series_init(&s, NPTS);
	fake_points(&c, &s);
	point_calls--;
	mirror_series_clean(&s, q.nan_as_zero);
	mirror_agg_run(q.agg, s.pts, s.len, lo, hi, q.bucket_ms, &b, 1, &n, &partial);
	mirror_series_free(&s);
	*v = b.value;
	return n == 1;
}

static bool
leave_raw(size_t k)
{
	if (mode == MODE_SCATTER)
		return k % 2 == 1;
	return (k >= 5 && k < 9) || k == 15;
}

static enum mirror_err
fake_buckets(const struct mirror_call *call, struct mirror_store_buckets *out)
{
	const struct mirror_query *q = call->q;
	int64_t lo;
	size_t k;

	if (mode == MODE_DECLINE)
		return MIRROR_OK;
	if (mode == MODE_REFUSE)
		return mirror_error_set(call->err, MIRROR_ERR_STORE, "no such function");
	if (mode == MODE_TIMEOUT)
		return mirror_error_set(call->err, MIRROR_ERR_STORE_TIMEOUT, "slow");
	for (k = 0; k < out->n; k++) {
		lo = out->first + (int64_t)k * q->bucket_ms;
		if (lo < q->start_ms || lo + q->bucket_ms > q->end_ms || leave_raw(k))
			continue;
		out->state[k] = engine_bucket(call, lo, lo + q->bucket_ms, &out->value[k]) ?
		    MIRROR_BUCKET_VALUE : MIRROR_BUCKET_EMPTY;
		if (mode == MODE_NAN && k == 4)
			out->value[k] = NAN;
	}
	out->answered = true;
	return MIRROR_OK;
}

static const struct mirror_store fake = {
	.name = "fake",
	.metric_points = fake_points,
	.metric_buckets = fake_buckets,
};

/* The engine over every point of [start, end): the answer to match. */
static size_t
expected(const struct mirror_query *q, struct mirror_bucket *out, size_t cap)
{
	struct mirror_conf conf = {.max_store_points = NPTS};
	struct mirror_error err;
	struct mirror_call call = {NULL, &conf, q, &err};
	struct mirror_series s;
	size_t n = 0;
	bool partial;

	mirror_series_init(&s, NPTS);
	fake_points(&call, &s);
	mirror_series_clean(&s, q->nan_as_zero);
	ck_assert_int_eq(mirror_agg_run(q->agg, s.pts, s.len, q->start_ms, q->end_ms,
	    q->bucket_ms, out, cap, &n, &partial), MIRROR_OK);
	mirror_series_free(&s);
	return n;
}

static const struct range_row {
	int64_t start, end, bucket;
} ranges[] = {
	{0, 30000, 1000},        /* aligned */
	{1234, 28766, 1000},     /* both edges cut */
	{-500, 31000, 700},      /* past both ends of the data */
	{4900, 6300, 100},       /* across the gap */
};

#define NB 400

static void
run_case(enum mode m, enum mirror_agg agg, const struct range_row *r, bool nan_zero)
{
	static struct mirror_bucket got[NB], want[NB];
	struct mirror_conf conf = {.max_store_points = NPTS};
	struct mirror_query q;
	struct mirror_error err;
	struct mirror_call call = {NULL, &conf, &q, &err};
	size_t n = 0, nw, i;
	bool partial = true, used = false;

	mirror_query_init(&q);
	q.method = MIRROR_METHOD_METRIC;
	q.aggregated = true;
	q.agg = agg;
	q.start_ms = r->start;
	q.end_ms = r->end;
	q.bucket_ms = r->bucket;
	q.nan_as_zero = nan_zero;
	mirror_error_clear(&err);
	mode = m;
	point_calls = 0;
	nw = expected(&q, want, NB);
	point_calls = 0;
	ck_assert_int_eq(mirror_pushdown_run(&fake, &call, got, NB, &n, &partial,
	    &used), MIRROR_OK);
	ck_assert(used);
	ck_assert(!partial);
	ck_assert_uint_eq(n, nw);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(got[i].start, want[i].start);
		ck_assert_int_eq(got[i].end, want[i].end);
		ck_assert_msg(memcmp(&got[i].value, &want[i].value, sizeof got[i].value) == 0,
		    "%s bucket %lld: %.17g, engine %.17g", mirror_agg_name(agg),
		    (long long)got[i].start, got[i].value, want[i].value);
	}
	/* Runs of RAW buckets are fetched one by one, scattered ones at once. */
	ck_assert_int_le(point_calls, 8);
	if (m == MODE_SCATTER && r == &ranges[0])
		ck_assert_int_eq(point_calls, 1);
	if (m == MODE_SOME && r == &ranges[0])
		ck_assert_int_eq(point_calls, 2);
}

/* Every method, range and NaN rule, for the modes that push down. */
START_TEST(test_same_as_engine)
{
	static const enum mode modes[] = {MODE_SOME, MODE_SCATTER, MODE_NAN};
	size_t r, m;
	int nz;

	for (m = 0; m < sizeof modes / sizeof modes[0]; m++)
		for (r = 0; r < sizeof ranges / sizeof ranges[0]; r++)
			for (nz = 0; nz < 2; nz++)
				run_case(modes[m], (enum mirror_agg)_i, &ranges[r], nz);
}
END_TEST

/* The raw way, untouched: the core's answer_buckets takes it. */
struct decline_row {
	enum mode mode;
	bool pushdown;
	size_t cap;
	enum mirror_err want;
};

static const struct decline_row declines[] = {
	{MODE_DECLINE, true, NB, MIRROR_OK},
	{MODE_REFUSE, true, NB, MIRROR_OK},
	{MODE_SOME, false, NB, MIRROR_OK},       /* "pushdown": false */
	{MODE_SOME, true, 10, MIRROR_OK},        /* more buckets than the cap */
	{MODE_TIMEOUT, true, NB, MIRROR_ERR_STORE_TIMEOUT},
};

START_TEST(test_raw_way)
{
	static struct mirror_bucket got[NB];
	const struct decline_row *d = &declines[_i];
	struct mirror_conf conf = {.max_store_points = NPTS};
	struct mirror_query q;
	struct mirror_error err;
	struct mirror_call call = {NULL, &conf, &q, &err};
	size_t n = 99;
	bool partial = true, used = true;

	mirror_query_init(&q);
	q.aggregated = true;
	q.agg = MIRROR_AGG_MAX_VALUE;
	q.start_ms = 0;
	q.end_ms = 30000;
	q.bucket_ms = 1000;
	q.pushdown = d->pushdown;
	mirror_error_clear(&err);
	mode = d->mode;
	ck_assert_int_eq(mirror_pushdown_run(&fake, &call, got, d->cap, &n, &partial,
	    &used), d->want);
	ck_assert(!used);
	ck_assert_uint_eq(n, 0);
	ck_assert(!partial);
	/* A refusal leaves no error behind for the raw way to inherit. */
	if (d->want == MIRROR_OK)
		ck_assert_int_eq(err.code, MIRROR_OK);
}
END_TEST

Suite *
pushdown_suite(void)
{
	Suite *s = suite_create("pushdown");
	TCase *tc = tcase_create("merge");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_same_as_engine, 0, MIRROR_AGG_MAX);
	tcase_add_loop_test(tc, test_raw_way, 0, (int)(sizeof declines / sizeof declines[0]));
	suite_add_tcase(s, tc);
	return s;
}
