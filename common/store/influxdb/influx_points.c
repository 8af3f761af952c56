/*
 * The points of one series, and its buckets where InfluxDB computes them
 * exactly as the mirror's engine does (docs/INFLUXDB.md, "Aggregation").
 *
 * Raw points: SELECT "f" FROM .. WHERE .. AND time >= S AND time < E
 * GROUP BY * ORDER BY time [DESC] LIMIT n+1, chunked. GROUP BY * shows
 * every series the conditions match, so several are told apart by tags.
 *
 * Buckets: InfluxQL's GROUP BY time(Bms) windows are epoch-aligned and
 * half-open, reported at their start even when the range cuts them, with
 * only the points inside the range (decision 1); fill(none) leaves empty
 * windows out, fill(0) reports 0 (decision 2). MIN, MAX and COUNT do not
 * depend on the order of points. A plain MEAN or SUM adds the points of
 * each shard apart and then the shards' sums, which is not the engine's
 * sum in time order; over a subquery InfluxDB adds the points as one
 * time-ordered stream, which is. Integers are cast to float first, as the
 * engine reads them (InfluxDB's own integer sum wraps around at 2^63).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "store/differ.h"
#include "influx.h"

/* InfluxDB's timestamps are int64 nanoseconds: the range it can hold. */
#define TIME_MIN_MS (-9223372036854LL)
#define TIME_MAX_MS 9223372036854LL

static const char *
text(const struct mirror_buf *b)
{
	return b->data != NULL ? b->data : "";
}

/* --- the series a metric query reads ------------------------------------ */

struct metric {
	struct mirror_influx_sel sel;
	struct mirror_influx_fields fields;
	struct mirror_influx_metric m;
	int64_t lo, hi;   /* the range, inside InfluxDB's */
};

static void
metric_free(struct metric *mt)
{
	mirror_influx_sel_free(&mt->sel);
	mirror_influx_fields_free(&mt->fields);
}

/* `"m" WHERE "k" = 'v'`, for MetricNotFoundError. */
static void
describe(const struct metric *mt, char *out, size_t size)
{
	snprintf(out, size, "%s%s%s", text(&mt->sel.from), mt->sel.ntags ?
	    " WHERE " : "", text(&mt->sel.where));
}

static enum mirror_err
not_found(const struct mirror_influx_job *j, const struct metric *mt,
	  const char *why)
{
	describe(mt, j->err->metric, sizeof j->err->metric);
	return mirror_error_set(j->err, MIRROR_ERR_METRIC_NOT_FOUND, "%s in database "
	    "%.64s: %.300s", why, j->t->database, j->err->metric);
}

/* Conditions, measurement, field keys and the field to read. */
static enum mirror_err
resolve(const struct mirror_influx_job *j, struct metric *mt)
{
	const struct mirror_query *q = j->q;
	enum mirror_err e;

	memset(mt, 0, sizeof *mt);
	mt->lo = q->start_ms < TIME_MIN_MS ? TIME_MIN_MS : q->start_ms;
	mt->hi = q->end_ms > TIME_MAX_MS ? TIME_MAX_MS : q->end_ms;
	e = mirror_influx_select(q, NULL, j->t->rp, &mt->sel, j->err);
	if (e != MIRROR_OK)
		return e;
	if (mt->sel.nothing)
		return not_found(j, mt, "no measurement satisfies every "
		    "_measurement condition");
	if (mt->sel.nnames == 0)
		return mirror_error_set(j->err, MIRROR_ERR_BAD_REQUEST, "the "
		    "conditions name no measurement: add a condition on "
		    MIRROR_INFLUX_MEASUREMENT);
	e = mirror_influx_field_keys(j, text(&mt->sel.from), &mt->fields);
	if (e == MIRROR_OK && mt->fields.len == 0)
		return not_found(j, mt, "no such measurement");
	return e != MIRROR_OK ? e :
	    mirror_influx_metric_field(q, &mt->fields, &mt->m, j->err);
}

/* FROM .. WHERE .. AND time >= S AND time < E */
static void
from_where(struct mirror_buf *b, const struct metric *mt)
{
	mirror_buf_adds(b, " FROM ");
	mirror_buf_adds(b, text(&mt->sel.from));
	mirror_buf_adds(b, " WHERE ");
	if (mt->sel.ntags > 0) {
		mirror_buf_adds(b, text(&mt->sel.where));
		mirror_buf_adds(b, " AND ");
	}
	mirror_influx_time(b, mt->lo, mt->hi);
}

/* --- telling series apart ------------------------------------------------ */

/* The series an answer showed: the first, and up to the differ limit of
 * others (as {"_measurement": name, tag: value, ...}). */
struct seen {
	struct json_object *ids[MIRROR_STORE_DIFFER_MAX];
	size_t n;
	bool current_first;   /* the rows coming belong to ids[0] */
};

static void
seen_free(struct seen *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		json_object_put(s->ids[i]);
	s->n = 0;
}

static struct json_object *
identity(const char *name, struct json_object *tags)
{
	struct json_object *id = json_object_new_object(), *v;

	if (id == NULL)
		return NULL;
	v = json_object_new_string(name);
	if (v == NULL || json_object_object_add(id, MIRROR_INFLUX_MEASUREMENT, v) != 0) {
		json_object_put(v);
		json_object_put(id);
		return NULL;
	}
	if (tags == NULL)
		return id;
	json_object_object_foreach(tags, key, val) {
		if (strcmp(key, MIRROR_INFLUX_MEASUREMENT) == 0)
			continue;
		json_object_object_add(id, key, json_object_get(val));
	}
	return id;
}

/* Notes a series (or another chunk of one) beginning. */
static enum mirror_err
seen_series(struct seen *s, const char *name, struct json_object *tags)
{
	struct json_object *id = identity(name, tags);
	size_t i;

	if (id == NULL)
		return MIRROR_ERR_NOMEM;
	for (i = 0; i < s->n && !json_object_equal(s->ids[i], id); i++)
		;
	s->current_first = i == 0;
	if (i < s->n || s->n == MIRROR_STORE_DIFFER_MAX) {
		json_object_put(id);
		return MIRROR_OK;
	}
	s->ids[s->n++] = id;
	return MIRROR_OK;
}

static enum mirror_err
seen_check(const struct seen *s, struct mirror_error *err)
{
	if (s->n > 1)
		return mirror_store_several(s->ids, s->n, "tags", err);
	return MIRROR_OK;
}

/* --- reading a value ---------------------------------------------------- */

/* A point's value: numbers as doubles, booleans as 1 and 0. */
static enum mirror_err
value_of(const struct mirror_influx_value *c, const struct mirror_influx_metric *m,
	 double *v, struct mirror_error *err)
{
	switch (c->type) {
	case MIRROR_INFLUX_NUMBER:
		if (c->beyond && !(m->integer && c->is_int))
			return mirror_error_set(err, MIRROR_ERR_STORE, "field \"%.64s\" "
			    "holds a value beyond what the mirror reads exactly "
			    "(|v| >= 2^63 written as an integer)", m->field);
		*v = c->is_int ? (double)c->i : c->num;
		return MIRROR_OK;
	case MIRROR_INFLUX_BOOL:
		*v = c->b ? 1.0 : 0.0;
		return MIRROR_OK;
	default:
		return mirror_error_set(err, MIRROR_ERR_STORE, "field \"%.64s\" holds "
		    "a value that is not a number", m->field);
	}
}

static bool
time_of(const struct mirror_influx_value *c, int64_t *t)
{
	if (c->type != MIRROR_INFLUX_NUMBER || !c->is_int)
		return false;
	*t = c->i;
	return true;
}

/* --- raw points ---------------------------------------------------------- */

struct points {
	const struct mirror_influx_job *j;
	const struct metric *mt;
	struct mirror_series *out;
	struct seen seen;
	bool desc;
};

static enum mirror_err
points_series(void *ctx, size_t stmt, const char *name, struct json_object *tags)
{
	struct points *p = ctx;

	(void)stmt;
	return seen_series(&p->seen, name, tags);
}

static enum mirror_err
points_row(void *ctx, const struct mirror_influx_value *c, size_t n)
{
	struct points *p = ctx;
	struct mirror_series *out = p->out;
	int64_t t;
	double v = 0;
	enum mirror_err e;

	if (!p->seen.current_first || out->truncated || n < 2 ||
	    c[1].type == MIRROR_INFLUX_NULL)
		return MIRROR_OK;
	if (!time_of(&c[0], &t))
		return mirror_error_set(p->j->err, MIRROR_ERR_STORE, "the store's "
		    "answer has a row without an integer time");
	e = value_of(&c[1], &p->mt->m, &v, p->j->err);
	if (e != MIRROR_OK || t < p->mt->lo || t >= p->mt->hi)
		return e;
	/* Equal times happen: nanosecond points that share a millisecond. */
	if (out->len > 0 && (p->desc ? t > out->pts[out->len - 1].t :
	    t < out->pts[out->len - 1].t))
		return mirror_error_set(p->j->err, MIRROR_ERR_STORE,
		    "the store's points are not in time order");
	if (mirror_series_push(out, t, v) != MIRROR_OK)
		return mirror_error_set(p->j->err, MIRROR_ERR_NOMEM, "out of memory");
	return MIRROR_OK;
}

static void
reverse(struct mirror_series *s)
{
	size_t i, k;
	struct mirror_point t;

	for (i = 0, k = s->len; i + 1 < k; i++, k--) {
		t = s->pts[i];
		s->pts[i] = s->pts[k - 1];
		s->pts[k - 1] = t;
	}
}

/* How many points to ask for: the raw answer's limit and the series'
 * ceiling, plus one to know whether more exist (isPartial). */
static uint64_t
points_limit(const struct mirror_influx_job *j, const struct mirror_series *out)
{
	uint64_t n = out->max;

	if (!j->q->aggregated) {
		if ((uint64_t)j->q->limit < n)
			n = (uint64_t)j->q->limit;
		if (j->conf->max_points < n)
			n = j->conf->max_points;
	}
	return n + 1;
}

static void
points_ql(const struct mirror_influx_job *j, const struct metric *mt,
	  const struct mirror_series *out, bool desc, struct mirror_buf *b)
{
	char num[64];

	mirror_buf_adds(b, "SELECT ");
	mirror_influx_ident(b, mt->m.field);
	from_where(b, mt);
	snprintf(num, sizeof num, " GROUP BY * ORDER BY time %s LIMIT %llu",
	    desc ? "DESC" : "ASC", (unsigned long long)points_limit(j, out));
	mirror_buf_adds(b, num);
}

static enum mirror_err
no_row(void *ctx, const struct mirror_influx_value *c, size_t n)
{
	(void)ctx;
	(void)c;
	(void)n;
	return MIRROR_OK;
}

/* Whether a series matches at all: an empty answer is "no points in the
 * range" for a series that exists, MetricNotFoundError otherwise. */
static enum mirror_err
exists(const struct mirror_influx_job *j, const struct metric *mt)
{
	struct points p = {j, mt, NULL, {{NULL}, 0, false}, false};
	struct mirror_influx_sink sink = {&p, points_series, no_row};
	struct mirror_buf b;
	enum mirror_err e;

	mirror_buf_init(&b, MIRROR_INFLUX_QL_MAX);
	mirror_buf_adds(&b, "SHOW SERIES FROM ");
	mirror_buf_adds(&b, text(&mt->sel.from));
	if (mt->sel.ntags > 0) {
		mirror_buf_adds(&b, " WHERE ");
		mirror_buf_adds(&b, text(&mt->sel.where));
	}
	mirror_buf_adds(&b, " LIMIT 1");
	e = b.err != MIRROR_OK ? mirror_error_set(j->err, MIRROR_ERR_NOMEM,
	    "out of memory") : mirror_influx_query(j, b.data, false, &sink, NULL);
	mirror_buf_free(&b);
	if (e == MIRROR_OK && p.seen.n == 0)
		e = not_found(j, mt, "no series matches");
	seen_free(&p.seen);
	return e;
}

enum mirror_err
mirror_influx_points(const struct mirror_influx_job *j, struct mirror_series *out)
{
	bool desc = !j->q->aggregated && j->q->latest_first;
	struct points p = {j, NULL, out, {{NULL}, 0, false}, desc};
	struct mirror_influx_sink sink = {&p, points_series, points_row};
	struct metric mt;
	struct mirror_buf b;
	enum mirror_err e = resolve(j, &mt);

	p.mt = &mt;
	mirror_buf_init(&b, MIRROR_INFLUX_QL_MAX);
	if (e == MIRROR_OK) {
		points_ql(j, &mt, out, desc, &b);
		e = b.err != MIRROR_OK ? mirror_error_set(j->err, MIRROR_ERR_NOMEM,
		    "out of memory") : mirror_influx_query(j, b.data, true, &sink, NULL);
	}
	if (e == MIRROR_OK)
		e = seen_check(&p.seen, j->err);
	if (e == MIRROR_OK && p.seen.n == 0 && mt.lo < mt.hi)
		e = exists(j, &mt);
	if (e == MIRROR_OK && desc)
		reverse(out);
	seen_free(&p.seen);
	mirror_buf_free(&b);
	metric_free(&mt);
	return e;
}

/* --- buckets computed by InfluxDB ------------------------------------- */

/* How InfluxQL computes a method, when it equals the engine. */
struct pushed {
	const char *fn;       /* InfluxQL function */
	bool fill0;           /* fill(0): decision 2's zero buckets */
	bool in_order;        /* over a subquery: one time-ordered sum */
};

static bool
pushable(enum mirror_agg a, struct pushed *p)
{
	static const struct {
		enum mirror_agg agg;
		struct pushed how;
	} rows[] = {
		{MIRROR_AGG_MEAN, {"mean", false, true}},
		{MIRROR_AGG_SUM, {"sum", true, true}},
		{MIRROR_AGG_SUM_NO_ZEROS, {"sum", false, true}},
		{MIRROR_AGG_MIN_VALUE, {"min", false, false}},
		{MIRROR_AGG_MAX_VALUE, {"max", false, false}},
		{MIRROR_AGG_EVENT_COUNT, {"count", true, false}},
		{MIRROR_AGG_EVENT_COUNT_NO_ZEROS, {"count", false, false}},
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		if (rows[i].agg == a) {
			*p = rows[i].how;
			return true;
		}
	return false;
}

/* SELECT fn("f") FROM .. GROUP BY time(Bms), * fill(..) LIMIT max+1, the
 * in-order methods over SELECT "f"::float AS "f" FROM .. GROUP BY *. */
static void
buckets_ql(const struct mirror_influx_job *j, const struct metric *mt,
	   const struct pushed *p, size_t max, struct mirror_buf *b)
{
	char num[128];

	mirror_buf_adds(b, "SELECT ");
	mirror_buf_adds(b, p->fn);
	mirror_buf_addc(b, '(');
	mirror_influx_ident(b, mt->m.field);
	mirror_buf_addc(b, ')');
	if (p->in_order) {
		mirror_buf_adds(b, " FROM (SELECT ");
		mirror_influx_ident(b, mt->m.field);
		mirror_buf_adds(b, "::float AS ");
		mirror_influx_ident(b, mt->m.field);
		from_where(b, mt);
		mirror_buf_adds(b, " GROUP BY *) WHERE ");
		mirror_influx_time(b, mt->lo, mt->hi);
	} else {
		from_where(b, mt);
	}
	snprintf(num, sizeof num, " GROUP BY time(%lldms), * fill(%s) LIMIT %llu",
	    (long long)j->q->bucket_ms, p->fill0 ? "0" : "none",
	    (unsigned long long)max + 1);
	mirror_buf_adds(b, num);
}

struct buckets {
	const struct mirror_influx_job *j;
	const struct metric *mt;
	struct mirror_bucket *out;
	size_t max, n;
	bool partial, odd;    /* odd: a row the engine would not have given */
	struct seen seen;
};

static enum mirror_err
buckets_series(void *ctx, size_t stmt, const char *name, struct json_object *tags)
{
	struct buckets *k = ctx;

	(void)stmt;
	return seen_series(&k->seen, name, tags);
}

/* A window's start must be aligned, inside the range's windows, after
 * the previous one. */
static bool
window_ok(const struct buckets *k, int64_t t)
{
	int64_t size = k->j->q->bucket_ms;
	int64_t first = k->mt->lo - ((k->mt->lo % size) + size) % size;

	return (t - first) % size == 0 && t >= first && t < k->mt->hi &&
	    (k->n == 0 || t > k->out[k->n - 1].start);
}

static enum mirror_err
buckets_row(void *ctx, const struct mirror_influx_value *c, size_t n)
{
	struct buckets *k = ctx;
	int64_t t;

	if (!k->seen.current_first || k->odd || n < 2 || c[1].type == MIRROR_INFLUX_NULL)
		return MIRROR_OK;
	if (k->n == k->max) {
		k->partial = true;
		return MIRROR_OK;
	}
	if (!time_of(&c[0], &t) || !window_ok(k, t) || c[1].type != MIRROR_INFLUX_NUMBER ||
	    (c[1].beyond && !(k->mt->m.integer && c[1].is_int))) {
		k->odd = true;
		return MIRROR_OK;
	}
	k->out[k->n].value = c[1].is_int ? (double)c[1].i : c[1].num;
	k->out[k->n].start = t;
	k->out[k->n].end = t + k->j->q->bucket_ms;
	k->n++;
	return MIRROR_OK;
}

static enum mirror_err
ask_buckets(const struct mirror_influx_job *j, struct buckets *k,
	    const struct pushed *p)
{
	struct mirror_influx_sink sink = {k, buckets_series, buckets_row};
	struct mirror_buf b;
	bool infinite = false;
	enum mirror_err e;

	mirror_buf_init(&b, MIRROR_INFLUX_QL_MAX);
	buckets_ql(j, k->mt, p, k->max, &b);
	e = b.err != MIRROR_OK ? mirror_error_set(j->err, MIRROR_ERR_NOMEM,
	    "out of memory") : mirror_influx_query(j, b.data, false, &sink, &infinite);
	mirror_buf_free(&b);
	if (e == MIRROR_OK)
		e = seen_check(&k->seen, j->err);
	/* A sum beyond double range, a row out of place, or no series (which
	 * may be "not found", or SUM's zero buckets): the engine answers. */
	if ((e != MIRROR_OK && infinite) ||
	    (e == MIRROR_OK && (k->odd || k->seen.n == 0)))
		return MIRROR_ERR_NOT_PUSHED;
	return e;
}

enum mirror_err
mirror_influx_buckets(const struct mirror_influx_job *j, struct mirror_bucket *out,
		      size_t max, size_t *n, bool *partial)
{
	struct buckets k = {j, NULL, out, max, 0, false, false, {{NULL}, 0, false}};
	struct pushed p;
	struct metric mt;
	enum mirror_err e;

	*n = 0;
	*partial = false;
	if (!j->t->pushdown || !pushable(j->q->agg, &p) ||
	    j->q->start_ms < TIME_MIN_MS || j->q->end_ms > TIME_MAX_MS)
		return MIRROR_ERR_NOT_PUSHED;
	e = resolve(j, &mt);
	k.mt = &mt;
	if (e == MIRROR_OK && mt.m.type != MIRROR_FIELD_NUMBER)
		e = MIRROR_ERR_NOT_PUSHED;
	if (e == MIRROR_OK)
		e = ask_buckets(j, &k, &p);
	if (e == MIRROR_OK) {
		*n = k.n;
		*partial = k.partial;
	}
	if (e == MIRROR_ERR_NOT_PUSHED)
		mirror_error_clear(j->err);
	seen_free(&k.seen);
	metric_free(&mt);
	return e;
}
