/*
 * The buckets of one series where InfluxDB computes them exactly as the
 * mirror's engine does (docs/INFLUXDB.md, "Aggregation"; store.h,
 * metric_buckets).
 *
 * InfluxQL's GROUP BY time(Bms) windows are epoch-aligned and
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

#include "influx.h"

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
buckets_ql(const struct mirror_influx_job *j, const struct mirror_influx_series *mt,
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
		mirror_influx_from_where(b, mt);
		mirror_buf_adds(b, " GROUP BY *) WHERE ");
		mirror_influx_time(b, mt->lo, mt->hi);
	} else {
		mirror_influx_from_where(b, mt);
	}
	snprintf(num, sizeof num, " GROUP BY time(%lldms), * fill(%s) LIMIT %llu",
	    (long long)j->q->bucket_ms, p->fill0 ? "0" : "none",
	    (unsigned long long)max + 1);
	mirror_buf_adds(b, num);
}

struct buckets {
	const struct mirror_influx_job *j;
	const struct mirror_influx_series *mt;
	struct mirror_store_buckets *out;
	size_t rows;          /* windows reported so far */
	int64_t last;         /* the previous window's start */
	bool odd;             /* a row the engine would not have given */
	struct mirror_influx_seen seen;
};

static enum mirror_err
buckets_series(void *ctx, size_t stmt, const char *name, struct json_object *tags)
{
	struct buckets *k = ctx;

	(void)stmt;
	return mirror_influx_seen_series(&k->seen, name, tags);
}

/* The bucket a window starting at t is, when it is one of the range's
 * and comes after the previous one. */
static bool
window_index(const struct buckets *k, int64_t t, size_t *i)
{
	int64_t size = k->j->q->bucket_ms, off = t - k->out->first;

	if (off < 0 || off % size != 0 || (uint64_t)(off / size) >= k->out->n ||
	    (k->rows > 0 && t <= k->last))
		return false;
	*i = (size_t)(off / size);
	return true;
}

static enum mirror_err
buckets_row(void *ctx, const struct mirror_influx_value *c, size_t n)
{
	struct buckets *k = ctx;
	int64_t t;
	size_t i;

	if (!k->seen.current_first || k->odd || n < 2 || c[1].type == MIRROR_INFLUX_NULL)
		return MIRROR_OK;
	if (!mirror_influx_cell_time(&c[0], &t) || !window_index(k, t, &i) ||
	    c[1].type != MIRROR_INFLUX_NUMBER ||
	    (c[1].beyond && !(k->mt->m.integer && c[1].is_int))) {
		k->odd = true;
		return MIRROR_OK;
	}
	k->out->value[i] = c[1].is_int ? (double)c[1].i : c[1].num;
	k->out->state[i] = MIRROR_BUCKET_VALUE;
	k->last = t;
	k->rows++;
	return MIRROR_OK;
}

/* Asks InfluxDB; *declined when its answer is not the engine's. */
static enum mirror_err
ask_buckets(const struct mirror_influx_job *j, struct buckets *k,
	    const struct pushed *p, bool *declined)
{
	struct mirror_influx_sink sink = {k, buckets_series, buckets_row};
	struct mirror_buf b;
	bool infinite = false;
	enum mirror_err e;

	mirror_buf_init(&b, MIRROR_INFLUX_QL_MAX);
	buckets_ql(j, k->mt, p, k->out->n, &b);
	e = b.err != MIRROR_OK ? mirror_error_set(j->err, MIRROR_ERR_NOMEM,
	    "out of memory") : mirror_influx_query(j, b.data, false, &sink, &infinite);
	mirror_buf_free(&b);
	if (e == MIRROR_OK)
		e = mirror_influx_seen_check(&k->seen, j->err);
	/* A sum beyond double range, a row out of place, or no series (which
	 * may be "not found", or SUM's zero buckets): the engine answers. */
	*declined = (e != MIRROR_OK && infinite) ||
	    (e == MIRROR_OK && (k->odd || k->seen.n == 0));
	if (*declined) {
		mirror_error_clear(j->err);
		e = MIRROR_OK;
	}
	return e;
}

enum mirror_err
mirror_influx_buckets(const struct mirror_influx_job *j, struct mirror_store_buckets *out)
{
	struct buckets k = {j, NULL, out, 0, 0, false, {{NULL}, 0, false}};
	struct pushed p;
	struct mirror_influx_series mt;
	bool declined = true;
	enum mirror_err e;
	size_t i;

	out->answered = false;
	if (!pushable(j->q->agg, &p) || j->q->start_ms < MIRROR_INFLUX_TIME_MIN_MS ||
	    j->q->end_ms > MIRROR_INFLUX_TIME_MAX_MS)
		return MIRROR_OK;
	e = mirror_influx_series_resolve(j, &mt);
	k.mt = &mt;
	if (e == MIRROR_OK && mt.m.type == MIRROR_FIELD_NUMBER)
		e = ask_buckets(j, &k, &p, &declined);
	/* fill(none) left the empty windows out; fill(0) gave them as 0. */
	for (i = 0; e == MIRROR_OK && !declined && i < out->n; i++)
		if (out->state[i] != MIRROR_BUCKET_VALUE)
			out->state[i] = MIRROR_BUCKET_EMPTY;
	out->answered = e == MIRROR_OK && !declined;
	mirror_influx_seen_free(&k.seen);
	mirror_influx_series_free(&mt);
	return e;
}
