/*
 * The aggregation engine: MIRROR-API.md decisions 1 (epoch-aligned
 * buckets), 2 (empty buckets) and 3 (percentiles), in one linear pass that
 * walks points and buckets together.
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "num.h"
#include "series.h"

/* The points of one bucket, as a method's reduce function sees them. */
struct slice {
	const struct mirror_point *p;
	size_t n;       /* 0 only for zero-fill methods (decision 2) */
	double rank;    /* percentile p in [0, 1] */
	double *tmp;    /* room for n values, for methods that need it */
};

/* One method: its API name and how a bucket's points become one value. */
struct method {
	const char *name;
	double (*reduce)(const struct slice *);
	double rank;      /* PERCENTILE rows: p of decision 3 */
	bool zero_fill;   /* decision 2: an empty bucket in range reports 0 */
	bool scratch;     /* reduce rearranges a copy of the values */
};

/* The walk over one call's buckets. */
struct walk {
	const struct method *m;
	const struct mirror_point *p;    /* next point not yet in a bucket */
	const struct mirror_point *end;  /* one past the last point in range */
	int64_t bs;        /* start of the current bucket, epoch ms */
	int64_t last;      /* start of the last bucket in range */
	int64_t size;      /* bucket size, ms */
	double *tmp;       /* percentile scratch, grown on demand */
	size_t tmp_cap;
	struct mirror_bucket *out;
	size_t max, n;
	bool partial;
};

/*
 * A sum of finite values that left double range: report the nearest
 * finite value, since JSON cannot carry infinities (decision 5).
 */
static double
clamp(double v)
{
	if (v > DBL_MAX)
		return DBL_MAX;
	if (v < -DBL_MAX)
		return -DBL_MAX;
	return v;
}

static double
sum_of(const struct mirror_point *p, size_t n)
{
	double s = 0.0;
	size_t i;

	for (i = 0; i < n; i++)
		s += p[i].v;
	return s;
}

static double
sum(const struct slice *s)
{
	return clamp(sum_of(s->p, s->n));
}

static double
count(const struct slice *s)
{
	return (double)s->n;
}

static double
mean(const struct slice *s)
{
	double total = sum_of(s->p, s->n), n = (double)s->n;
	size_t i;

	if (isfinite(total))
		return total / n;
	/* The sum overflowed though the mean cannot: add scaled terms. */
	total = 0.0;
	for (i = 0; i < s->n; i++)
		total += s->p[i].v / n;
	return clamp(total);
}

static double
max(const struct slice *s)
{
	double m = s->p[0].v;
	size_t i;

	for (i = 1; i < s->n; i++)
		m = s->p[i].v > m ? s->p[i].v : m;
	return m;
}

static double
min(const struct slice *s)
{
	double m = s->p[0].v;
	size_t i;

	for (i = 1; i < s->n; i++)
		m = s->p[i].v < m ? s->p[i].v : m;
	return m;
}

static void
swap(double *a, double *b)
{
	double t = *a;

	*a = *b;
	*b = t;
}

static void
insertion_sort(double *a, size_t n)
{
	size_t i, j;
	double v;

	for (i = 1; i < n; i++) {
		v = a[i];
		for (j = i; j > 0 && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

static void
sift_down(double *a, size_t root, size_t n)
{
	size_t c;

	for (c = 2 * root + 1; c < n; c = 2 * root + 1) {
		if (c + 1 < n && a[c] < a[c + 1])
			c++;
		if (!(a[root] < a[c]))
			return;
		swap(&a[root], &a[c]);
		root = c;
	}
}

/* Guaranteed n log n: introselect's way out of a quadratic pivot run. */
static void
heap_sort(double *a, size_t n)
{
	size_t i;

	for (i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (i = n; i-- > 1;) {
		swap(&a[0], &a[i]);
		sift_down(a, 0, i);
	}
}

/* Median of three values: a pivot that occurs in the range, so scans stop. */
static double
median3(double a, double b, double c)
{
	if (a < b)
		return b < c ? b : (a < c ? c : a);
	return a < c ? a : (b < c ? c : b);
}

/*
 * Hoare partition of a[*lo..*hi] around x, a value in that range (Wirth's
 * FIND). After it a[old lo..*hi] <= x <= a[*lo..old hi], and everything
 * strictly between the two equals x. Indices are signed: *hi may reach
 * old lo - 1.
 */
static void
partition(double *a, ptrdiff_t *lo, ptrdiff_t *hi, double x)
{
	ptrdiff_t i = *lo, j = *hi;

	do {
		while (a[i] < x)
			i++;
		while (x < a[j])
			j--;
		if (i <= j)
			swap(&a[i++], &a[j--]);
	} while (i <= j);
	*lo = i;
	*hi = j;
}

/*
 * Introselect (nth_element): rearranges a[0..n) so a[k] holds the value a
 * full sort would put there, nothing before it is greater and nothing
 * after it smaller. Values in a bucket come from the store, so a hostile
 * order must not make it quadratic: past 2 log2 n rounds it heap-sorts.
 */
static void
select_kth(double *a, size_t n, size_t k)
{
	ptrdiff_t l = 0, m = (ptrdiff_t)n - 1, i, j, kk = (ptrdiff_t)k;
	int budget = 2;

	while (n >>= 1)
		budget += 2;
	while (m - l >= 16) {
		if (budget == 0) {
			heap_sort(a + l, (size_t)(m - l + 1));
			return;
		}
		budget--;
		i = l;
		j = m;
		partition(a, &i, &j, median3(a[l], a[l + (m - l) / 2], a[m]));
		if (j < kk)
			l = i;
		if (kk < i)
			m = j;
		if (j < kk && kk < i)
			return;
	}
	if (m > l)
		insertion_sort(a + l, (size_t)(m - l + 1));
}

static double
min_of(const double *a, size_t n)
{
	double m = a[0];
	size_t i;

	for (i = 1; i < n; i++)
		m = a[i] < m ? a[i] : m;
	return m;
}

/*
 * Decision 3: linear interpolation between closest ranks. v[ceil r] is
 * the smallest value above position floor r once selection has run.
 */
static double
percentile(const struct slice *s)
{
	double r = s->rank * (double)(s->n - 1), frac, lo, hi;
	size_t k = (size_t)r, i;

	if (s->n == 1)
		return s->p[0].v;
	for (i = 0; i < s->n; i++)
		s->tmp[i] = s->p[i].v;
	select_kth(s->tmp, s->n, k);
	lo = s->tmp[k];
	frac = r - (double)k;
	if (frac == 0.0 || k + 1 >= s->n)
		return lo;
	hi = min_of(s->tmp + k + 1, s->n - k - 1);
	return mirror_agg_interpolate(lo, hi, frac);
}

double
mirror_agg_interpolate(double lo, double hi, double frac)
{
	double d = hi - lo;

	/* Values of opposite sign near DBL_MAX: the difference overflows. */
	if (!isfinite(d))
		return lo * (1.0 - frac) + hi * frac;
	return lo + frac * d;
}

#define PCT(n, p) { .name = "PERCENTILE_" #n, .reduce = percentile, \
	.rank = p, .scratch = true }

static const struct method methods[MIRROR_AGG_MAX] = {
	[MIRROR_AGG_MEAN] = { .name = "MEAN", .reduce = mean },
	[MIRROR_AGG_PERCENTILE_25] = PCT(25, 0.25),
	[MIRROR_AGG_PERCENTILE_50] = PCT(50, 0.50),
	[MIRROR_AGG_PERCENTILE_75] = PCT(75, 0.75),
	[MIRROR_AGG_PERCENTILE_90] = PCT(90, 0.90),
	[MIRROR_AGG_PERCENTILE_95] = PCT(95, 0.95),
	[MIRROR_AGG_PERCENTILE_98] = PCT(98, 0.98),
	[MIRROR_AGG_PERCENTILE_99] = PCT(99, 0.99),
	[MIRROR_AGG_MAX_VALUE] = { .name = "MAX", .reduce = max },
	[MIRROR_AGG_MIN_VALUE] = { .name = "MIN", .reduce = min },
	[MIRROR_AGG_SUM] = { .name = "SUM", .reduce = sum, .zero_fill = true },
	[MIRROR_AGG_EVENT_COUNT] = { .name = "EVENT_COUNT", .reduce = count,
	    .zero_fill = true },
	[MIRROR_AGG_SUM_NO_ZEROS] = { .name = "SUM_NO_ZEROS", .reduce = sum },
	[MIRROR_AGG_EVENT_COUNT_NO_ZEROS] = { .name = "EVENT_COUNT_NO_ZEROS",
	    .reduce = count },
};

enum mirror_agg
mirror_agg_parse(const char *name)
{
	size_t i;

	if (name == NULL)
		return MIRROR_AGG_MAX;
	for (i = 0; i < MIRROR_AGG_MAX; i++)
		if (strcmp(name, methods[i].name) == 0)
			return (enum mirror_agg)i;
	return MIRROR_AGG_MAX;
}

const char *
mirror_agg_name(enum mirror_agg m)
{
	if ((unsigned)m >= MIRROR_AGG_MAX)
		return NULL;
	return methods[m].name;
}

bool
mirror_agg_zero_fill(enum mirror_agg m)
{
	return (unsigned)m < MIRROR_AGG_MAX && methods[m].zero_fill;
}

double
mirror_agg_rank(enum mirror_agg m)
{
	if ((unsigned)m >= MIRROR_AGG_MAX || methods[m].reduce != percentile)
		return -1.0;
	return methods[m].rank;
}

uint64_t
mirror_agg_bucket_count(int64_t start_ms, int64_t end_ms, int64_t bucket_ms)
{
	if (bucket_ms <= 0 || end_ms <= start_ms)
		return 0;
	/* Both quotients fit; their difference fits in 64 unsigned bits. */
	return (uint64_t)mirror_floor_div(end_ms - 1, bucket_ms) -
	    (uint64_t)mirror_floor_div(start_ms, bucket_ms) + 1;
}

/* Start of the bucket holding t; false when it lies below INT64_MIN. */
static bool
bucket_start(int64_t t, int64_t size, int64_t *out)
{
	int64_t r = t % size;

	if (r < 0)
		r += size;
	if (t < INT64_MIN + r)
		return false;
	*out = t - r;
	return true;
}

/*
 * Fixes the first and last bucket of [start, end), end > start. Every
 * boundary the walk computes lies between them, so checking that both
 * are representable makes the rest overflow-free.
 */
static enum mirror_err
walk_init(struct walk *w, const struct mirror_point *pts, size_t n,
	  int64_t start, int64_t end, int64_t size)
{
	if (!bucket_start(start, size, &w->bs) ||
	    !bucket_start(end - 1, size, &w->last) ||
	    w->last > INT64_MAX - size)
		return MIRROR_ERR_BAD_REQUEST;
	w->p = pts + mirror_series_lower_bound(pts, n, start);
	w->end = pts + mirror_series_lower_bound(pts, n, end);
	w->size = size;
	return MIRROR_OK;
}

/* Number of points from w->p on that fall before the current bucket's end. */
static size_t
span(const struct walk *w)
{
	const struct mirror_point *q = w->p;
	int64_t be = w->bs + w->size;

	while (q < w->end && q->t < be)
		q++;
	return (size_t)(q - w->p);
}

/* Room for k values; doubles so a call reallocates O(log n) times. */
static enum mirror_err
reserve(struct walk *w, size_t k)
{
	size_t cap = w->tmp_cap * 2, left = (size_t)(w->end - w->p);

	if (k <= w->tmp_cap)
		return MIRROR_OK;
	if (cap < 64)
		cap = 64;
	if (cap < k)
		cap = k;
	if (cap > left)
		cap = left;
	free(w->tmp);
	w->tmp_cap = 0;
	w->tmp = cap <= SIZE_MAX / sizeof *w->tmp ?
	    malloc(cap * sizeof *w->tmp) : NULL;
	if (w->tmp == NULL)
		return MIRROR_ERR_NOMEM;
	w->tmp_cap = cap;
	return MIRROR_OK;
}

/* Reports the current bucket from its next k points and consumes them. */
static enum mirror_err
emit(struct walk *w, size_t k)
{
	struct slice s = { w->p, k, w->m->rank, NULL };
	struct mirror_bucket *b = &w->out[w->n];
	enum mirror_err e;

	if (k > 0 && w->m->scratch) {
		e = reserve(w, k);
		if (e != MIRROR_OK)
			return e;
		s.tmp = w->tmp;
	}
	b->value = w->m->reduce(&s);
	b->start = w->bs;
	b->end = w->bs + w->size;
	w->n++;
	w->p += k;
	return MIRROR_OK;
}

/* SUM and EVENT_COUNT: every bucket in range is reported (decision 2). */
static enum mirror_err
walk_dense(struct walk *w)
{
	enum mirror_err e;

	for (;;) {
		if (w->n == w->max) {
			w->partial = true;
			return MIRROR_OK;
		}
		e = emit(w, span(w));
		if (e != MIRROR_OK || w->bs == w->last)
			return e;
		w->bs += w->size;
	}
}

/*
 * Moves the current bucket forward to the one holding the next point.
 * Consecutive buckets cost a comparison; only a gap costs a division.
 * False if that bucket lies past the range, which only points out of
 * order can cause.
 */
static bool
seek(struct walk *w)
{
	uint64_t gap;

	if (w->p->t < w->bs)
		return true;
	/* Unsigned: the distance may exceed INT64_MAX. */
	gap = (uint64_t)w->p->t - (uint64_t)w->bs;
	if (gap < (uint64_t)w->size)
		return true;
	gap -= gap % (uint64_t)w->size;
	if (gap > (uint64_t)w->last - (uint64_t)w->bs)
		return false;
	w->bs = (int64_t)((uint64_t)w->bs + gap);
	return true;
}

/* Every other method: only buckets with points are reported (decision 2). */
static enum mirror_err
walk_sparse(struct walk *w)
{
	enum mirror_err e;

	while (w->p < w->end && seek(w)) {
		if (w->n == w->max) {
			w->partial = true;
			return MIRROR_OK;
		}
		e = emit(w, span(w));
		if (e != MIRROR_OK || w->bs == w->last)
			return e;
		w->bs += w->size;
	}
	return MIRROR_OK;
}

/*
 * Besides what agg.h promises, returns MIRROR_ERR_BAD_REQUEST for input
 * the parser already refuses (unknown method, bucket_ms <= 0) and for a
 * range whose first or last bucket boundary does not fit in int64.
 */
enum mirror_err
mirror_agg_run(enum mirror_agg method, const struct mirror_point *pts,
	       size_t n, int64_t start_ms, int64_t end_ms, int64_t bucket_ms,
	       struct mirror_bucket *out, size_t max_out, size_t *nout,
	       bool *partial)
{
	static const struct mirror_point none[1];
	struct walk w;
	enum mirror_err e;

	*nout = 0;
	*partial = false;
	if ((unsigned)method >= MIRROR_AGG_MAX || bucket_ms <= 0)
		return MIRROR_ERR_BAD_REQUEST;
	if (end_ms <= start_ms)
		return MIRROR_OK;
	/* pts may be NULL when n is 0; pointer arithmetic on NULL is undefined. */
	if (n == 0)
		pts = none;
	memset(&w, 0, sizeof w);
	w.m = &methods[method];
	w.out = out;
	w.max = max_out;
	e = walk_init(&w, pts, n, start_ms, end_ms, bucket_ms);
	if (e == MIRROR_OK)
		e = w.m->zero_fill ? walk_dense(&w) : walk_sparse(&w);
	free(w.tmp);
	if (e != MIRROR_OK)
		return e;
	*nout = w.n;
	*partial = w.partial;
	return MIRROR_OK;
}
