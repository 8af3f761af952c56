/*
 * Point series (series.c): the ceiling that marks truncation, decision 5
 * (NaN skipped or zero, infinities dropped) and decision 4's raw window
 * (start inclusive, end exclusive, limit from either end, isPartial exact).
 */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <check.h>

#include "series.h"
#include "suites.h"

#define NROWS(a) ((int)(sizeof (a) / sizeof (a)[0]))
#define PTS_MAX 8

/* --- push and its ceiling ------------------------------------------- */

struct push_row {
	size_t max;
	size_t pushes;
	size_t len;
	bool truncated;
};

static const struct push_row push_rows[] = {
	{3, 0, 0, false},
	{3, 2, 2, false},
	{3, 3, 3, false},
	{3, 4, 3, true},
	{3, 10, 3, true},
	{0, 1, 0, true},
	{1, 1, 1, false},
	{1, 2, 1, true},
	/* Across the first growth step and a ceiling that is not a power of 2. */
	{1500, 1500, 1500, false},
	{1500, 1501, 1500, true},
	{5000, 3000, 3000, false},
};

START_TEST(test_series_push)
{
	const struct push_row *r = &push_rows[_i];
	struct mirror_series s;
	size_t i;

	mirror_series_init(&s, r->max);
	for (i = 0; i < r->pushes; i++)
		ck_assert_int_eq(mirror_series_push(&s, (int64_t)i * 1000,
		    (double)i / 2), MIRROR_OK);
	ck_assert_uint_eq(s.len, r->len);
	ck_assert_int_eq(s.truncated, r->truncated);
	ck_assert_uint_le(s.len, s.max);
	/* What was kept is the first points, in order and intact. */
	for (i = 0; i < s.len; i++) {
		ck_assert_int_eq(s.pts[i].t, (int64_t)i * 1000);
		ck_assert(s.pts[i].v == (double)i / 2);
	}
	mirror_series_free(&s);
	ck_assert_ptr_null(s.pts);
	ck_assert_uint_eq(s.len, 0);
	ck_assert(!s.truncated);
	ck_assert_uint_eq(s.max, r->max);
}
END_TEST

/* --- clean (decision 5) ---------------------------------------------- */

struct clean_row {
	size_t n;
	double in[PTS_MAX];
	bool nan_as_zero;
	size_t kept;
	int64_t t[PTS_MAX];     /* timestamps kept; the input's are 1..n */
	double v[PTS_MAX];
};

static const struct clean_row clean_rows[] = {
	{0, {0}, false, 0, {0}, {0}},
	{3, {1, 2, 3}, false, 3, {1, 2, 3}, {1, 2, 3}},
	{3, {1, NAN, 3}, false, 2, {1, 3}, {1, 3}},
	{3, {1, NAN, 3}, true, 3, {1, 2, 3}, {1, 0, 3}},
	{3, {NAN, NAN, NAN}, false, 0, {0}, {0}},
	{3, {NAN, NAN, NAN}, true, 3, {1, 2, 3}, {0, 0, 0}},
	/* Infinities go whatever the NaN setting: JSON cannot say them. */
	{4, {INFINITY, 1, -INFINITY, 2}, false, 2, {2, 4}, {1, 2}},
	{4, {INFINITY, 1, -INFINITY, 2}, true, 2, {2, 4}, {1, 2}},
	{5, {-NAN, INFINITY, 0, -0.5, NAN}, true, 4, {1, 3, 4, 5}, {0, 0, -0.5, 0}},
	{5, {-NAN, INFINITY, 0, -0.5, NAN}, false, 2, {3, 4}, {0, -0.5}},
	/* Extremes are finite and stay. */
	{2, {1.7976931348623157e308, 5e-324}, false, 2, {1, 2},
	    {1.7976931348623157e308, 5e-324}},
};

START_TEST(test_series_clean)
{
	const struct clean_row *r = &clean_rows[_i];
	struct mirror_series s;
	size_t i;

	mirror_series_init(&s, 100);
	for (i = 0; i < r->n; i++)
		mirror_series_push(&s, (int64_t)i + 1, r->in[i]);
	ck_assert_uint_eq(mirror_series_clean(&s, r->nan_as_zero), r->kept);
	ck_assert_uint_eq(s.len, r->kept);
	for (i = 0; i < r->kept; i++) {
		ck_assert_int_eq(s.pts[i].t, r->t[i]);
		ck_assert_msg(s.pts[i].v == r->v[i], "point %zu: %g, want %g", i,
		    s.pts[i].v, r->v[i]);
		ck_assert(isfinite(s.pts[i].v));
	}
	mirror_series_free(&s);
}
END_TEST

/* --- window (decision 4) --------------------------------------------- */

struct window_row {
	size_t n;
	int64_t t[PTS_MAX];
	int64_t start, end, limit;
	bool latest_first;
	size_t first, count;   /* first is checked only when count > 0 */
	bool partial;
};

#define T5 5, {10, 20, 30, 40, 50}
#define BIG INT64_MAX

static const struct window_row window_rows[] = {
	/* The range: start inclusive, end exclusive. */
	{T5, 10, 50, BIG, false, 0, 4, false},
	{T5, 10, 51, BIG, false, 0, 5, false},
	{T5, 11, 50, BIG, false, 1, 3, false},
	{T5, 0, 100, BIG, false, 0, 5, false},
	{T5, 20, 21, BIG, false, 1, 1, false},
	{T5, 20, 20, BIG, false, 0, 0, false},
	{T5, 0, 10, BIG, false, 0, 0, false},
	{T5, 51, 100, BIG, false, 0, 0, false},
	{T5, 50, 10, BIG, false, 0, 0, false},
	{0, {0}, 0, 100, BIG, false, 0, 0, false},
	{0, {0}, 0, 100, 1, true, 0, 0, false},
	/* limit keeps the earliest points... */
	{T5, 0, 100, 2, false, 0, 2, true},
	{T5, 15, 100, 2, false, 1, 2, true},
	{T5, 0, 100, 1, false, 0, 1, true},
	/* ... or the latest, still as an ascending slice. */
	{T5, 0, 100, 2, true, 3, 2, true},
	{T5, 0, 45, 2, true, 2, 2, true},
	{T5, 0, 100, 1, true, 4, 1, true},
	{T5, 10, 50, 3, true, 1, 3, true},
	/* isPartial only when something in range was left out. */
	{T5, 0, 100, 5, false, 0, 5, false},
	{T5, 0, 100, 5, true, 0, 5, false},
	{T5, 0, 100, 6, true, 0, 5, false},
	{T5, 20, 40, 2, false, 1, 2, false},
	{T5, 20, 40, 2, true, 1, 2, false},
	{T5, 20, 40, 1, true, 2, 1, true},
	{T5, 60, 70, 1, false, 0, 0, false},
	/* A limit of 0 keeps nothing: partial when there was something. */
	{T5, 0, 100, 0, false, 0, 0, true},
	{T5, 60, 70, 0, false, 0, 0, false},
	/* Equal timestamps are all in or all out together. */
	{5, {10, 20, 20, 20, 30}, 20, 30, BIG, false, 1, 3, false},
	{5, {10, 20, 20, 20, 30}, 20, 21, 2, true, 2, 2, true},
	{5, {10, 20, 20, 20, 30}, 21, 30, BIG, false, 0, 0, false},
	/* Negative times (before 1970) order the same way. */
	{3, {-30, -20, -10}, -25, -10, BIG, false, 1, 1, false},
	{3, {-30, -20, -10}, INT64_MIN, INT64_MAX, BIG, false, 0, 3, false},
};

START_TEST(test_series_window)
{
	const struct window_row *r = &window_rows[_i];
	struct mirror_series s;
	size_t i, first = 99, count = 99;
	bool partial = !r->partial;

	mirror_series_init(&s, 100);
	for (i = 0; i < r->n; i++)
		mirror_series_push(&s, r->t[i], (double)i);
	mirror_series_window(&s, r->start, r->end, r->limit, r->latest_first,
	    &first, &count, &partial);
	ck_assert_uint_eq(count, r->count);
	ck_assert_int_eq(partial, r->partial);
	if (r->count > 0)
		ck_assert_uint_eq(first, r->first);
	/* The slice is inside the series and inside the range. */
	ck_assert_uint_le(first + count, s.len);
	for (i = first; i < first + count; i++) {
		ck_assert_int_ge(s.pts[i].t, r->start);
		ck_assert_int_lt(s.pts[i].t, r->end);
	}
	mirror_series_free(&s);
}
END_TEST

Suite *
series_suite(void)
{
	Suite *s = suite_create("series");
	TCase *tc = tcase_create("rows");

	tcase_add_loop_test(tc, test_series_push, 0, NROWS(push_rows));
	tcase_add_loop_test(tc, test_series_clean, 0, NROWS(clean_rows));
	tcase_add_loop_test(tc, test_series_window, 0, NROWS(window_rows));
	suite_add_tcase(s, tc);
	return s;
}
