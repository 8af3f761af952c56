/*
 * The series a metric query reads, for raw points (influx_points.c) and
 * pushed-down buckets (influx_buckets.c) alike: its measurement, field and
 * range; telling the series of an answer apart (several are an error
 * naming the tags that differ); reading a point's time and value.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "store/differ.h"
#include "influx.h"

static const char *
text(const struct mirror_buf *b)
{
	return b->data != NULL ? b->data : "";
}

/* --- the series a metric query reads ------------------------------------ */

void
mirror_influx_series_free(struct mirror_influx_series *mt)
{
	mirror_influx_sel_free(&mt->sel);
	mirror_influx_fields_free(&mt->fields);
}

/* `"m" WHERE "k" = 'v'`, for MetricNotFoundError. */
static void
describe(const struct mirror_influx_series *mt, char *out, size_t size)
{
	snprintf(out, size, "%s%s%s", text(&mt->sel.from), mt->sel.ntags ?
	    " WHERE " : "", text(&mt->sel.where));
}

enum mirror_err
mirror_influx_not_found(const struct mirror_influx_job *j,
			const struct mirror_influx_series *mt, const char *why)
{
	describe(mt, j->err->metric, sizeof j->err->metric);
	return mirror_error_set(j->err, MIRROR_ERR_METRIC_NOT_FOUND, "%s in database "
	    "%.64s: %.300s", why, j->t->database, j->err->metric);
}

/* Conditions, measurement, field keys and the field to read. */
enum mirror_err
mirror_influx_series_resolve(const struct mirror_influx_job *j,
			     struct mirror_influx_series *mt)
{
	const struct mirror_query *q = j->q;
	enum mirror_err e;

	memset(mt, 0, sizeof *mt);
	mt->lo = q->start_ms < MIRROR_INFLUX_TIME_MIN_MS ? MIRROR_INFLUX_TIME_MIN_MS :
	    q->start_ms;
	mt->hi = q->end_ms > MIRROR_INFLUX_TIME_MAX_MS ? MIRROR_INFLUX_TIME_MAX_MS :
	    q->end_ms;
	e = mirror_influx_select(q, NULL, j->t->rp, &mt->sel, j->err);
	if (e != MIRROR_OK)
		return e;
	if (mt->sel.nothing)
		return mirror_influx_not_found(j, mt, "no measurement satisfies every "
		    "_measurement condition");
	if (mt->sel.nnames == 0)
		return mirror_error_set(j->err, MIRROR_ERR_BAD_REQUEST, "the "
		    "conditions name no measurement: add a condition on "
		    MIRROR_INFLUX_MEASUREMENT);
	e = mirror_influx_field_keys(j, text(&mt->sel.from), &mt->fields);
	if (e == MIRROR_OK && mt->fields.len == 0)
		return mirror_influx_not_found(j, mt, "no such measurement");
	return e != MIRROR_OK ? e :
	    mirror_influx_metric_field(q, &mt->fields, &mt->m, j->err);
}

/* FROM .. WHERE .. AND time >= S AND time < E */
void
mirror_influx_from_where(struct mirror_buf *b, const struct mirror_influx_series *mt)
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

void
mirror_influx_seen_free(struct mirror_influx_seen *s)
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
enum mirror_err
mirror_influx_seen_series(struct mirror_influx_seen *s, const char *name,
			  struct json_object *tags)
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

enum mirror_err
mirror_influx_seen_check(const struct mirror_influx_seen *s, struct mirror_error *err)
{
	if (s->n > 1)
		return mirror_store_several(s->ids, s->n, "tags", err);
	return MIRROR_OK;
}

/* --- reading a value ---------------------------------------------------- */

enum mirror_err
mirror_influx_point_value(const struct mirror_influx_value *c,
			  const struct mirror_influx_metric *m, double *v,
			  struct mirror_error *err)
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

bool
mirror_influx_cell_time(const struct mirror_influx_value *c, int64_t *t)
{
	if (c->type != MIRROR_INFLUX_NUMBER || !c->is_int)
		return false;
	*t = c->i;
	return true;
}
