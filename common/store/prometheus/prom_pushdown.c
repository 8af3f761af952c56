/*
 * Aggregation pushed down to Prometheus or VictoriaMetrics (store.h,
 * metric_buckets).
 *
 * A range function evaluated at T over sel[R] sees the samples in
 * [T - R, T] (Prometheus 2.x) or (T - R, T] (3.x, "left-open range
 * selectors", and VictoriaMetrics). With T = kB + B - 1 and R = B - 1
 * (2.x) or B (the others), both are the integer milliseconds
 * [kB, (k+1)B): bucket k of MIRROR-API.md decision 1. One query_range with step B then answers one number per
 * bucket instead of every sample. Only buckets wholly inside the query's
 * range are asked for; the two it cuts are left to the mirror (RAW), as
 * are buckets whose value the function would not compute as agg.c does.
 *
 * What each function computes bit for bit like agg.c, proven against
 * Prometheus 2.42 and VictoriaMetrics 1.79 by tests/prometheus and
 * tests/victoria (test_prometheus.py, Pushdown):
 *   min/max_over_time      MIN, MAX: NaN samples are passed over, as
 *                          decision 5 skips them; an infinity comes out
 *                          as itself, which makes the bucket RAW.
 *   count_over_time        EVENT_COUNT(_NO_ZEROS): NaN and infinite
 *                          samples count, so "+ 0 * sum_over_time" turns
 *                          a bucket holding one into NaN, hence RAW.
 *   quantile_over_time     PERCENTILE_*: it interpolates as
 *                          v[lo] * (1 - w) + v[hi] * w, the engine as
 *                          v[lo] + w * (v[hi] - v[lo]); the last bit can
 *                          differ. So the store is asked for the two
 *                          order statistics themselves, at a q whose rank
 *                          q * (n - 1) is exactly an integer (w = 0),
 *                          for the bucket size n most buckets have, and
 *                          the mirror interpolates (mirror_agg_interpolate).
 * Not pushed down: sum_over_time and avg_over_time use Neumaier-
 * compensated sums (sum_over_time of 1e16, 1, -1e16, 1 is 2; the
 * engine's plain sum is 1), so SUM and MEAN differ in the last bits.
 * With nan_interpretation ZERO, NaN samples count as 0 for the engine:
 * every function gets the "+ 0 * sum_over_time" guard.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "agg.h"
#include "clock.h"
#include "json/json_out.h"
#include "prom.h"
#include "store/call.h"
#include "store/store.h"

#define EXPR_MAX ((size_t)16 << 20)

/* How a method is pushed down. */
enum how {
	HOW_NOT,          /* never: the raw way */
	HOW_PLAIN,        /* fn(sel[R]), guarded only under ZERO */
	HOW_GUARDED,      /* fn(sel[R]) + 0 * sum_over_time(sel[R]) */
	HOW_RANKS,        /* two order statistics and the engine's step */
};

static const struct method_row {
	enum how how;
	const char *fn;
} methods[MIRROR_AGG_MAX] = {
	[MIRROR_AGG_MIN_VALUE] = {HOW_PLAIN, "min_over_time"},
	[MIRROR_AGG_MAX_VALUE] = {HOW_PLAIN, "max_over_time"},
	[MIRROR_AGG_EVENT_COUNT] = {HOW_GUARDED, "count_over_time"},
	[MIRROR_AGG_EVENT_COUNT_NO_ZEROS] = {HOW_GUARDED, "count_over_time"},
	[MIRROR_AGG_PERCENTILE_25] = {HOW_RANKS, "quantile_over_time"},
	[MIRROR_AGG_PERCENTILE_50] = {HOW_RANKS, "quantile_over_time"},
	[MIRROR_AGG_PERCENTILE_75] = {HOW_RANKS, "quantile_over_time"},
	[MIRROR_AGG_PERCENTILE_90] = {HOW_RANKS, "quantile_over_time"},
	[MIRROR_AGG_PERCENTILE_95] = {HOW_RANKS, "quantile_over_time"},
	[MIRROR_AGG_PERCENTILE_98] = {HOW_RANKS, "quantile_over_time"},
	[MIRROR_AGG_PERCENTILE_99] = {HOW_RANKS, "quantile_over_time"},
};

/* One pushed-down query being answered. */
struct pd {
	const struct mirror_prom_job *j;
	const char *sel;
	struct mirror_store_buckets *out;
	int64_t size, range;     /* bucket size B and window R, ms */
	size_t kf, kl;           /* first and last bucket asked of the store */
	bool nocache;            /* send nocache=1 */
	unsigned char absent;    /* the state of a bucket missing from answers */
	bool any;                /* some answer held the series */
};

/* --- what the store is --------------------------------------------------- */

/* How each engine's windows are asked for, and what is left raw. */
static const struct engine_row {
	bool pushes;
	int64_t narrower;     /* R = B - narrower: the window is [kB, (k+1)B) */
	bool nocache;         /* nocache=1: the result cache aligns the
			       * evaluation times to the step */
	int64_t settle_ms;    /* buckets ending later than now - settle_ms
			       * stay raw: the newest samples are hidden */
	bool drops_nan;       /* NaN results are left out of answers, so a
			       * missing bucket may hold samples (the guards'
			       * NaN): it is computed raw, not empty */
} engines[MIRROR_PROM_ENGINE_MAX] = {
	[MIRROR_PROM_ENGINE_OTHER] = {false, 0, false, 0, false},
	[MIRROR_PROM_ENGINE_PROMETHEUS_2] = {true, 1, false, 0, false},
	[MIRROR_PROM_ENGINE_PROMETHEUS_3] = {true, 0, false, 0, false},
	/* -search.latencyOffset hides 30 s by default; 5 minutes of margin. */
	[MIRROR_PROM_ENGINE_VICTORIA] = {true, 0, true, 300000, true},
};

/* Build info is a few hundred bytes; more is not Prometheus'. */
#define BUILDINFO_MAX ((size_t)64 << 10)

/* The "data" of a successful whole answer (root to be freed), or NULL. */
static struct json_object *
answer_data(const struct mirror_http_resp *resp, struct json_object **root)
{
	struct json_object *status, *data;

	*root = NULL;
	if (resp->status != 200 || resp->body == NULL)
		return NULL;
	*root = json_tokener_parse(resp->body);
	if (json_object_object_get_ex(*root, "status", &status) &&
	    json_object_is_type(status, json_type_string) &&
	    strcmp(json_object_get_string(status), "success") == 0 &&
	    json_object_object_get_ex(*root, "data", &data))
		return data;
	return NULL;
}

/* Prometheus' own build info names its revision and Go version and no
 * other application (Grafana Mimir adds "application"; Thanos answers
 * other versions); VictoriaMetrics answers an empty object. */
static enum mirror_prom_engine
engine_of(struct json_object *data, bool *empty)
{
	struct json_object *v;
	const char *s;

	*empty = json_object_is_type(data, json_type_object) &&
	    json_object_object_length(data) == 0;
	if (!json_object_is_type(data, json_type_object) ||
	    json_object_object_get_ex(data, "application", NULL) ||
	    !json_object_object_get_ex(data, "revision", NULL) ||
	    !json_object_object_get_ex(data, "goVersion", NULL) ||
	    !json_object_object_get_ex(data, "version", &v) ||
	    !json_object_is_type(v, json_type_string))
		return MIRROR_PROM_ENGINE_OTHER;
	s = json_object_get_string(v);
	if (strncmp(s, "2.", 2) == 0)
		return MIRROR_PROM_ENGINE_PROMETHEUS_2;
	if (strncmp(s, "3.", 2) == 0)
		return MIRROR_PROM_ENGINE_PROMETHEUS_3;
	return MIRROR_PROM_ENGINE_OTHER;
}

/* Asks path?params of the store, whole; MIRROR_OK with its data (root to
 * be freed) or NULL when it is no successful API answer. */
static enum mirror_err
probe(const struct mirror_prom_job *j, const char *path, const char *params,
      struct json_object **root, struct json_object **data)
{
	struct mirror_store_call c = {
		.http = j->http, .base = j->t->url, .auth = &j->t->auth,
		.max_bytes = BUILDINFO_MAX, .gzip = false,
		.timeout_ms = j->t->timeout_ms, .deadline = j->deadline, .err = j->err,
	};
	struct mirror_http_resp resp;
	enum mirror_err e = mirror_store_request(&c, path, params, false, &resp);

	*root = NULL;
	*data = NULL;
	/* A store that cannot be reached fails the same way raw. */
	if (e == MIRROR_ERR_STORE_TIMEOUT || e == MIRROR_ERR_STORE_CONNECT)
		return e;
	mirror_error_clear(j->err);
	if (e == MIRROR_OK)
		*data = answer_data(&resp, root);
	return MIRROR_OK;
}

/* Build info first; an empty one, then whether the store evaluates
 * MetricsQL, which only VictoriaMetrics does (WITH templates). */
static enum mirror_err
engine(const struct mirror_prom_job *j, enum mirror_prom_engine *out)
{
	struct json_object *root, *data;
	bool empty = false;
	enum mirror_err e;

	*out = MIRROR_PROM_ENGINE_OTHER;
	e = probe(j, "/api/v1/status/buildinfo", "", &root, &data);
	if (e == MIRROR_OK && data != NULL)
		*out = engine_of(data, &empty);
	json_object_put(root);
	if (e != MIRROR_OK || !empty)
		return e;
	e = probe(j, "/api/v1/query", "query=WITH%20(x%20%3D%201)%20x&time=0", &root, &data);
	if (e == MIRROR_OK && data != NULL)
		*out = MIRROR_PROM_ENGINE_VICTORIA;
	json_object_put(root);
	return e;
}

static enum mirror_err
flavour(const struct mirror_prom_job *j, struct mirror_prom_flavour *f)
{
	int64_t now = mirror_clock_us() / 1000;
	enum mirror_err e;

	if (strcmp(f->url, j->t->url) == 0 && now < f->until_ms)
		return MIRROR_OK;
	f->engine = MIRROR_PROM_ENGINE_OTHER;
	/* Amazon Managed Prometheus opens only the query API (SigV4). */
	if (!j->t->sigv4) {
		e = engine(j, &f->engine);
		if (e != MIRROR_OK)
			return e;
	}
	snprintf(f->url, sizeof f->url, "%s", j->t->url);
	f->until_ms = now + MIRROR_PROM_FLAVOUR_MS;
	return MIRROR_OK;
}

/* --- asking -------------------------------------------------------------- */

/* Appends sel[R ms]. */
static void
add_window(struct mirror_buf *b, const struct pd *p)
{
	char num[32];

	mirror_buf_adds(b, p->sel);
	snprintf(num, sizeof num, "[%lldms]", (long long)p->range);
	mirror_buf_adds(b, num);
}

/* fn(sel[R]) (q its first argument when q >= 0), with the guards:
 * + 0 * sum_over_time(sel[R]) makes a bucket holding NaN or an infinity
 * NaN; / (count_over_time(sel[R]) == bool n) makes one whose size is not
 * n (samples that arrived between two queries) infinite. */
static void
expr(struct mirror_buf *b, const struct pd *p, const char *fn, double q,
     bool guard, int64_t n)
{
	char num[MIRROR_DOUBLE_TEXT_MAX];

	mirror_buf_adds(b, n > 0 ? "((" : "(");
	mirror_buf_adds(b, fn);
	mirror_buf_addc(b, '(');
	if (q >= 0) {
		mirror_json_double_text(q, num);
		mirror_buf_adds(b, num);
		mirror_buf_addc(b, ',');
	}
	add_window(b, p);
	mirror_buf_addc(b, ')');
	if (guard) {
		mirror_buf_adds(b, " + 0 * sum_over_time(");
		add_window(b, p);
		mirror_buf_addc(b, ')');
	}
	mirror_buf_addc(b, ')');
	if (n > 0) {
		snprintf(num, sizeof num, "%lld", (long long)n);
		mirror_buf_adds(b, " / (count_over_time(");
		add_window(b, p);
		mirror_buf_adds(b, ") == bool ");
		mirror_buf_adds(b, num);
		mirror_buf_adds(b, "))");
	}
}

/* Evaluation time of bucket k: its last millisecond. */
static int64_t
eval_at(const struct pd *p, size_t k)
{
	return p->out->first + (int64_t)k * p->size + p->size - 1;
}

/* query_range of e at every bucket kf..kl, 11,000 steps a request at
 * most (prometheus/prometheus#1968); the values land in s, by time. */
static enum mirror_err
ask(struct pd *p, const char *e, struct mirror_series *s)
{
	struct mirror_prom_seen seen = {NULL, 0, false};
	struct mirror_prom_want want = {
		.shape = MIRROR_PROM_SHAPE_MATRIX, .out = s, .seen = &seen,
	};
	struct mirror_buf form;
	char num[32];
	size_t a, b;
	enum mirror_err err = MIRROR_OK;

	mirror_buf_init(&form, EXPR_MAX);
	for (a = p->kf; a <= p->kl && err == MIRROR_OK && !s->truncated; a = b + 1) {
		b = p->kl - a >= MIRROR_PROM_MAX_STEPS - 1 ? a + MIRROR_PROM_MAX_STEPS - 1 : p->kl;
		mirror_buf_reset(&form);
		mirror_prom_seconds(eval_at(p, b), num, sizeof num);
		mirror_http_form_add(&form, "end", num);
		if (p->nocache)
			mirror_http_form_add(&form, "nocache", "1");
		mirror_http_form_add(&form, "query", e);
		mirror_prom_seconds(eval_at(p, a), num, sizeof num);
		mirror_http_form_add(&form, "start", num);
		mirror_prom_seconds(p->size, num, sizeof num);
		mirror_http_form_add(&form, "step", num);
		if (form.err != MIRROR_OK) {
			err = mirror_error_set(p->j->err, MIRROR_ERR_NOMEM, "out of memory");
			break;
		}
		want.lo = eval_at(p, a);
		want.hi = eval_at(p, b) + 1;
		err = mirror_prom_call(p->j, "/api/v1/query_range", form.data, true,
		    NULL, &want);
		seen.asked |= err == MIRROR_OK;
	}
	p->any |= seen.nseries > 0;
	mirror_prom_seen_free(&seen);
	mirror_buf_free(&form);
	return err;
}

/* The values of one expression at every bucket kf..kl, into s. */
static enum mirror_err
values_of(struct pd *p, const char *fn, double q, bool guard, int64_t n,
	  struct mirror_series *s)
{
	struct mirror_buf e;
	enum mirror_err err;

	mirror_buf_init(&e, EXPR_MAX);
	expr(&e, p, fn, q, guard, n);
	err = e.err != MIRROR_OK ? mirror_error_set(p->j->err, MIRROR_ERR_NOMEM,
	    "out of memory") : ask(p, e.data, s);
	mirror_buf_free(&e);
	return err;
}

/* The bucket a value was evaluated for, or out->n if none. */
static size_t
bucket_of(const struct pd *p, int64_t t)
{
	int64_t d = t - eval_at(p, 0);

	if (d < 0 || d % p->size != 0 || (uint64_t)(d / p->size) >= p->out->n)
		return p->out->n;
	return (size_t)(d / p->size);
}

/* --- the methods --------------------------------------------------------- */

/* Buckets kf..kl: a finite value, else RAW; none at all, p->absent. */
static void
take(struct pd *p, const struct mirror_series *s)
{
	size_t i, k;

	for (k = p->kf; k <= p->kl; k++)
		p->out->state[k] = p->absent;
	for (i = 0; i < s->len; i++) {
		k = bucket_of(p, s->pts[i].t);
		if (k == p->out->n)
			continue;
		p->out->value[k] = s->pts[i].v;
		p->out->state[k] = isfinite(s->pts[i].v) ? MIRROR_BUCKET_VALUE :
		    MIRROR_BUCKET_RAW;
	}
}

static enum mirror_err
one_function(struct pd *p, const struct method_row *m)
{
	struct mirror_series s;
	enum mirror_err e;
	bool guard = m->how == HOW_GUARDED || p->j->q->nan_as_zero;

	mirror_series_init(&s, p->kl - p->kf + 1);
	e = values_of(p, m->fn, -1, guard, 0, &s);
	if (e == MIRROR_OK && p->any)
		take(p, &s);
	mirror_series_free(&s);
	return e;
}

static int
by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The sample count most full buckets have; 0 when none has one. */
static int64_t
usual_count(const struct mirror_series *counts)
{
	double *v = malloc((counts->len ? counts->len : 1) * sizeof *v), best = 0;
	size_t i, n = 0, run = 0, best_run = 0;

	if (v == NULL)
		return 0;
	for (i = 0; i < counts->len; i++)
		if (isfinite(counts->pts[i].v) && counts->pts[i].v >= 1 &&
		    counts->pts[i].v < 1e15)
			v[n++] = counts->pts[i].v;
	qsort(v, n, sizeof *v, by_value);
	for (i = 0; i < n; i++) {
		run = i > 0 && v[i] == v[i - 1] ? run + 1 : 1;
		if (run > best_run) {
			best_run = run;
			best = v[i];
		}
	}
	free(v);
	return (int64_t)best;
}

/* A q with q * (n - 1) == k exactly, as Prometheus computes the rank,
 * so its weight is 0 and its answer v[k] itself; -1 when none is near. */
static double
exact_q(int64_t k, int64_t n)
{
	double m = (double)(n - 1), q;
	int i;

	if (n == 1)
		return 0.0;
	q = (double)k / m;
	for (i = 0; i < 8; i++) {
		if (q * m == (double)k && q >= 0 && q <= 1)
			return q;
		q = q * m < (double)k ? nextafter(q, 2.0) : nextafter(q, -1.0);
	}
	return -1;
}

/* Values of s by bucket: v[k - kf], with has[k - kf]. */
static void
spread(const struct pd *p, const struct mirror_series *s, double *v, bool *has)
{
	size_t i, k;

	for (i = 0; i < s->len; i++) {
		k = bucket_of(p, s->pts[i].t);
		if (k < p->kf || k > p->kl)
			continue;
		v[k - p->kf] = s->pts[i].v;
		has[k - p->kf] = true;
	}
}

/* Per bucket kf..kl: its sample count, and the order statistics at
 * ranks floor r and floor r + 1 where the count is the usual one. */
struct stats {
	double *count, *lo, *hi;
	bool *has_count, *has_lo, *has_hi;
};

static enum mirror_err
order_stat(struct pd *p, double q, int64_t n, double *v, bool *has)
{
	struct mirror_series s;
	enum mirror_err e;

	mirror_series_init(&s, p->kl - p->kf + 1);
	e = values_of(p, "quantile_over_time", q, false, n, &s);
	if (e == MIRROR_OK)
		spread(p, &s, v, has);
	mirror_series_free(&s);
	return e;
}

/* Each bucket from its count and order statistics: the engine's step
 * where the count is n and both are finite, RAW where not, p->absent where
 * the store has no sample. */
static void
combine(struct pd *p, const struct stats *st, int64_t n, double frac)
{
	size_t k, i;

	for (k = p->kf; k <= p->kl; k++) {
		i = k - p->kf;
		p->out->state[k] = MIRROR_BUCKET_RAW;
		if (!st->has_count[i]) {
			p->out->state[k] = p->absent;
			continue;
		}
		if (st->count[i] != (double)n || !st->has_lo[i] || !isfinite(st->lo[i]))
			continue;
		if (frac == 0.0) {
			p->out->value[k] = st->lo[i];
		} else {
			if (!st->has_hi[i] || !isfinite(st->hi[i]))
				continue;
			p->out->value[k] = mirror_agg_interpolate(st->lo[i], st->hi[i], frac);
		}
		p->out->state[k] = MIRROR_BUCKET_VALUE;
	}
}

static enum mirror_err
ranks_from(struct pd *p, struct stats *st, const struct mirror_series *counts)
{
	int64_t n = usual_count(counts), k;
	double r, frac, q_lo, q_hi = -1;
	enum mirror_err e;

	if (n < 1)
		return MIRROR_OK;
	/* The engine's rank (agg.c, percentile), in the same arithmetic. */
	r = mirror_agg_rank(p->j->q->agg) * (double)(n - 1);
	k = (int64_t)r;
	frac = r - (double)k;
	q_lo = exact_q(k, n);
	if (frac != 0.0)
		q_hi = exact_q(k + 1, n);
	if (q_lo < 0 || (frac != 0.0 && q_hi < 0))
		return MIRROR_OK;
	spread(p, counts, st->count, st->has_count);
	e = order_stat(p, q_lo, n, st->lo, st->has_lo);
	if (e == MIRROR_OK && frac != 0.0)
		e = order_stat(p, q_hi, n, st->hi, st->has_hi);
	if (e == MIRROR_OK)
		combine(p, st, n, frac);
	p->out->answered = e == MIRROR_OK;
	return e;
}

static enum mirror_err
ranks(struct pd *p)
{
	size_t w = p->kl - p->kf + 1;
	struct mirror_series counts;
	struct stats st;
	enum mirror_err e;

	st.count = calloc(w, sizeof *st.count);
	st.lo = calloc(w, sizeof *st.lo);
	st.hi = calloc(w, sizeof *st.hi);
	st.has_count = calloc(w, sizeof *st.has_count);
	st.has_lo = calloc(w, sizeof *st.has_lo);
	st.has_hi = calloc(w, sizeof *st.has_hi);
	mirror_series_init(&counts, w);
	if (st.count == NULL || st.lo == NULL || st.hi == NULL ||
	    st.has_count == NULL || st.has_lo == NULL || st.has_hi == NULL)
		e = mirror_error_set(p->j->err, MIRROR_ERR_NOMEM, "out of memory");
	else
		e = values_of(p, "count_over_time", -1, true, 0, &counts);
	if (e == MIRROR_OK && p->any)
		e = ranks_from(p, &st, &counts);
	mirror_series_free(&counts);
	free(st.count);
	free(st.lo);
	free(st.hi);
	free(st.has_count);
	free(st.has_lo);
	free(st.has_hi);
	return e;
}

/* --- the entry point ------------------------------------------------------ */

/* The buckets to ask the store for, kf..kl: those wholly inside [start,
 * end) (the mirror computes the two the range cuts) and, for an engine
 * that hides the newest samples, settled. False when there is none. */
static bool
asked_buckets(struct pd *p, const struct engine_row *eng)
{
	const struct mirror_query *q = p->j->q;
	int64_t lo = p->out->first < q->start_ms ? 1 : 0;
	int64_t hi = (int64_t)p->out->n -
	    (p->out->first + (int64_t)p->out->n * p->size > q->end_ms ? 2 : 1);
	int64_t settled;

	if (eng->settle_ms > 0) {
		settled = mirror_clock_epoch_ms() - eng->settle_ms - p->out->first;
		/* Bucket k ends at first + (k + 1) B. */
		settled = settled < p->size ? -1 : settled / p->size - 1;
		hi = hi < settled ? hi : settled;
	}
	if (hi < lo)
		return false;
	p->kf = (size_t)lo;
	p->kl = (size_t)hi;
	return true;
}

enum mirror_err
mirror_prom_buckets(const struct mirror_prom_job *j, struct mirror_prom_flavour *f,
		    const char *sel, struct mirror_store_buckets *out)
{
	const struct mirror_query *q = j->q;
	struct pd p = {j, sel, out, q->bucket_ms, 0, 0, 0, false,
	    MIRROR_BUCKET_EMPTY, false};
	const struct engine_row *eng;
	const struct method_row *m;
	enum mirror_err e;

	out->answered = false;
	if ((unsigned)q->agg >= MIRROR_AGG_MAX || methods[q->agg].how == HOW_NOT ||
	    out->n == 0)
		return MIRROR_OK;
	m = &methods[q->agg];
	e = flavour(j, f);
	eng = &engines[f->engine];
	/* A window of 0 ms would hold nothing. */
	if (e != MIRROR_OK || !eng->pushes || p.size <= eng->narrower ||
	    !asked_buckets(&p, eng))
		return e;
	p.range = p.size - eng->narrower;
	p.nocache = eng->nocache;
	if (eng->drops_nan)
		p.absent = MIRROR_BUCKET_RAW;
	if (m->how == HOW_RANKS)
		return ranks(&p);
	e = one_function(&p, m);
	out->answered = e == MIRROR_OK && p.any;
	return e;
}
