/*
 * The InfluxDB 1.x store ("backend":"influxdb"): InfluxDB 1.x, and the
 * 1.x query API of InfluxDB 1.8+ and 2.x (token authentication). A
 * measurement is named by the condition _measurement, tags are STRING
 * fields, field keys are typed fields and metricField chooses the one a
 * metric query reads. Aggregations InfluxDB computes exactly as the
 * mirror's engine does are pushed down (metric_buckets); the rest are
 * computed from raw points. The mapping as users see it: docs/INFLUXDB.md.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json.h>

#include "store/store.h"
#include "influx.h"

static enum mirror_err
influx_state_new(const struct mirror_conf *conf, void **state)
{
	struct mirror_http *h;
	enum mirror_err e = mirror_http_new(&h);

	(void)conf;
	*state = h;
	return e;
}

static void
influx_state_free(void *state)
{
	mirror_http_free(state);
}

/* What every method does first: read connectionDetails (allowlist
 * included) before anything is sent anywhere. */
static enum mirror_err
begin(const struct mirror_call *call, struct mirror_influx_target *t,
      struct mirror_influx_job *j)
{
	enum mirror_err e;

	if (call->state == NULL)
		return mirror_error_set(call->err, MIRROR_ERR_INTERNAL,
		    "the InfluxDB store has no HTTP client");
	e = mirror_influx_target_read(call->conf, call->q, t, call->err);
	mirror_influx_job_start(j, call->state, t, call->conf, call->q, call->err);
	return e;
}

/* --- test connection ---------------------------------------------------- */

struct dbs {
	const char *want;
	bool found;
	char list[256];       /* the databases seen, for the message */
	size_t used;
};

static enum mirror_err
dbs_series(void *ctx, size_t stmt, const char *name, struct json_object *tags)
{
	(void)ctx;
	(void)stmt;
	(void)name;
	(void)tags;
	return MIRROR_OK;
}

static enum mirror_err
dbs_row(void *ctx, const struct mirror_influx_value *c, size_t n)
{
	struct dbs *d = ctx;
	int w;

	if (n < 1 || c[0].type != MIRROR_INFLUX_STRING)
		return MIRROR_ERR_STORE;
	if (strcmp(c[0].s, d->want) == 0)
		d->found = true;
	if (d->used + 4 < sizeof d->list) {
		w = snprintf(d->list + d->used, sizeof d->list - d->used, "%s%s",
		    d->used > 0 ? ", " : "", c[0].s);
		d->used += w > 0 ? (size_t)w : 0;
	}
	return MIRROR_OK;
}

/* /ping answers 204 without credentials on every InfluxDB 1.x; the
 * database check then proves the credentials and the name. */
static enum mirror_err
ping(const struct mirror_influx_job *j)
{
	struct mirror_http_resp r;
	enum mirror_err e = mirror_store_request(&j->st, "/ping", "", false, &r);

	if (e != MIRROR_OK || r.status == 204 || r.status == 200)
		return e;
	return mirror_error_set(j->err, MIRROR_ERR_STORE_CONNECT, "%.200s is not "
	    "InfluxDB: /ping answered HTTP %ld (InfluxDB answers 204)", j->t->url,
	    r.status);
}

static enum mirror_err
influx_test_connection(const struct mirror_call *call)
{
	struct mirror_influx_target t;
	struct mirror_influx_job j;
	struct dbs d = {NULL, false, "", 0};
	struct mirror_influx_sink sink = {&d, dbs_series, dbs_row};
	enum mirror_err e = begin(call, &t, &j);

	if (e == MIRROR_OK)
		e = ping(&j);
	d.want = t.database;
	if (e == MIRROR_OK)
		e = mirror_influx_query(&j, "SHOW DATABASES", false, &sink, NULL);
	if (e == MIRROR_ERR_STORE && call->err->code != e)
		e = mirror_error_set(call->err, e, "the store's list of databases "
		    "is malformed");
	if (e == MIRROR_OK && !d.found)
		e = mirror_error_set(call->err, MIRROR_ERR_STORE_CONNECT, "database "
		    "\"%.64s\" does not exist, or these credentials may not read it "
		    "(databases they may read: %s)", t.database,
		    d.used > 0 ? d.list : "none");
	return e;
}

/* --- the other methods ---------------------------------------------------- */

static enum mirror_err
influx_field_names(const struct mirror_call *call, struct mirror_field_list *out)
{
	struct mirror_influx_target t;
	struct mirror_influx_job j;
	enum mirror_err e = begin(call, &t, &j);

	return e != MIRROR_OK ? e : mirror_influx_field_names(&j, out);
}

static enum mirror_err
influx_field_values(const struct mirror_call *call, struct mirror_value_list *out)
{
	struct mirror_influx_target t;
	struct mirror_influx_job j;
	enum mirror_err e = begin(call, &t, &j);

	return e != MIRROR_OK ? e : mirror_influx_field_values(&j, out);
}

static enum mirror_err
influx_metric_points(const struct mirror_call *call, struct mirror_series *out)
{
	struct mirror_influx_target t;
	struct mirror_influx_job j;
	enum mirror_err e = begin(call, &t, &j);

	return e != MIRROR_OK ? e : mirror_influx_points(&j, out);
}

static enum mirror_err
influx_metric_buckets(const struct mirror_call *call, struct mirror_store_buckets *out)
{
	struct mirror_influx_target t;
	struct mirror_influx_job j;
	enum mirror_err e = begin(call, &t, &j);

	return e != MIRROR_OK ? e : mirror_influx_buckets(&j, out);
}

/* A url with a database and no backend: an InfluxDB 1.x database. Asked
 * before Prometheus, which claims any url. */
static bool
influx_claims(struct json_object *details)
{
	return json_object_object_get_ex(details, "url", NULL) &&
	    json_object_object_get_ex(details, "database", NULL);
}

const struct mirror_store mirror_store_influxdb = {
	.name = "influxdb",
	.global_init = mirror_http_global_init,
	.global_cleanup = mirror_http_global_cleanup,
	.claims = influx_claims,
	.state_new = influx_state_new,
	.state_free = influx_state_free,
	.test_connection = influx_test_connection,
	.field_names = influx_field_names,
	.field_values = influx_field_values,
	.metric_points = influx_metric_points,
	.metric_buckets = influx_metric_buckets,
};
