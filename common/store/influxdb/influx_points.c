/*
 * The raw points of one series: SELECT "f" FROM .. WHERE .. AND
 * time >= S AND time < E GROUP BY * ORDER BY time [DESC] LIMIT n+1,
 * chunked. GROUP BY * shows every series the conditions match, so several
 * are told apart by their tags (influx_series.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "influx.h"

static const char *
text(const struct mirror_buf *b)
{
	return b->data != NULL ? b->data : "";
}

struct points {
	const struct mirror_influx_job *j;
	const struct mirror_influx_series *mt;
	struct mirror_series *out;
	struct mirror_influx_seen seen;
	bool desc;
};

static enum mirror_err
points_series(void *ctx, size_t stmt, const char *name, struct json_object *tags)
{
	struct points *p = ctx;

	(void)stmt;
	return mirror_influx_seen_series(&p->seen, name, tags);
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
	if (!mirror_influx_cell_time(&c[0], &t))
		return mirror_error_set(p->j->err, MIRROR_ERR_STORE, "the store's "
		    "answer has a row without an integer time");
	e = mirror_influx_point_value(&c[1], &p->mt->m, &v, p->j->err);
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
points_ql(const struct mirror_influx_job *j, const struct mirror_influx_series *mt,
	  const struct mirror_series *out, bool desc, struct mirror_buf *b)
{
	char num[64];

	mirror_buf_adds(b, "SELECT ");
	mirror_influx_ident(b, mt->m.field);
	mirror_influx_from_where(b, mt);
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
exists(const struct mirror_influx_job *j, const struct mirror_influx_series *mt)
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
		e = mirror_influx_not_found(j, mt, "no series matches");
	mirror_influx_seen_free(&p.seen);
	return e;
}

enum mirror_err
mirror_influx_points(const struct mirror_influx_job *j, struct mirror_series *out)
{
	bool desc = !j->q->aggregated && j->q->latest_first;
	struct points p = {j, NULL, out, {{NULL}, 0, false}, desc};
	struct mirror_influx_sink sink = {&p, points_series, points_row};
	struct mirror_influx_series mt;
	struct mirror_buf b;
	enum mirror_err e = mirror_influx_series_resolve(j, &mt);

	p.mt = &mt;
	mirror_buf_init(&b, MIRROR_INFLUX_QL_MAX);
	if (e == MIRROR_OK) {
		points_ql(j, &mt, out, desc, &b);
		e = b.err != MIRROR_OK ? mirror_error_set(j->err, MIRROR_ERR_NOMEM,
		    "out of memory") : mirror_influx_query(j, b.data, true, &sink, NULL);
	}
	if (e == MIRROR_OK)
		e = mirror_influx_seen_check(&p.seen, j->err);
	if (e == MIRROR_OK && p.seen.n == 0 && mt.lo < mt.hi)
		e = exists(j, &mt);
	if (e == MIRROR_OK && desc)
		reverse(out);
	mirror_influx_seen_free(&p.seen);
	mirror_buf_free(&b);
	mirror_influx_series_free(&mt);
	return e;
}
