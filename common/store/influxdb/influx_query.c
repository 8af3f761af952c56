/*
 * Asking InfluxDB's /query, and what a metric query needs first: the
 * field keys of its measurement and the one field it reads.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "influx.h"

/* Queries up to this size go as GET, which InfluxDB 1.x runs read-only
 * (it refuses writing statements unless POSTed); longer ones (a long
 * InSetValue) as a POST form, within Go's 1 MiB header limit either way. */
#define GET_MAX ((size_t)256 << 10)

void
mirror_influx_job_start(struct mirror_influx_job *j, struct mirror_http *http,
			const struct mirror_influx_target *t,
			const struct mirror_conf *conf, const struct mirror_query *q,
			struct mirror_error *err)
{
	memset(j, 0, sizeof *j);
	j->st.http = http;
	j->st.base = t->url;
	j->st.auth = &t->auth;
	j->st.timeout_ms = t->timeout_ms;
	j->st.max_bytes = t->max_bytes;
	j->st.gzip = t->gzip;
	j->st.err = err;
	j->t = t;
	j->conf = conf;
	j->q = q;
	j->err = err;
	mirror_store_call_start(&j->st);
}

enum mirror_err
mirror_influx_query(const struct mirror_influx_job *j, const char *ql, bool chunked,
		    const struct mirror_influx_sink *sink, bool *infinite)
{
	struct mirror_http_resp resp;
	struct mirror_buf form;
	char num[32];
	enum mirror_err e;

	mirror_buf_init(&form, MIRROR_INFLUX_QL_MAX * 3 + 4096);
	mirror_http_form_add(&form, "db", j->t->database);
	mirror_http_form_add(&form, "epoch", "ms");
	if (chunked) {
		mirror_http_form_add(&form, "chunked", "true");
		snprintf(num, sizeof num, "%lld", (long long)j->t->chunk_points);
		mirror_http_form_add(&form, "chunk_size", num);
	}
	mirror_http_form_add(&form, "q", ql);
	if (form.err != MIRROR_OK) {
		mirror_buf_free(&form);
		return mirror_error_set(j->err, MIRROR_ERR_NOMEM, "out of memory");
	}
	e = mirror_store_request(&j->st, "/query", form.data, form.len > GET_MAX,
	    &resp);
	mirror_buf_free(&form);
	return e != MIRROR_OK ? e : mirror_influx_parse(&resp, sink, infinite, j->err);
}

void
mirror_influx_fields_free(struct mirror_influx_fields *f)
{
	size_t i;

	for (i = 0; i < f->len; i++)
		free(f->items[i].name);
	free(f->items);
	memset(f, 0, sizeof *f);
}

enum mirror_field_type
mirror_influx_field_type(const char *influx, bool *integer)
{
	*integer = strcmp(influx, "integer") == 0 || strcmp(influx, "unsigned") == 0;
	if (*integer || strcmp(influx, "float") == 0)
		return MIRROR_FIELD_NUMBER;
	if (strcmp(influx, "boolean") == 0)
		return MIRROR_FIELD_BOOLEAN;
	if (strcmp(influx, "string") == 0)
		return MIRROR_FIELD_STRING;
	return MIRROR_FIELD_MAX;
}

static enum mirror_err
keys_series(void *ctx, size_t stmt, const char *name, struct json_object *tags)
{
	(void)ctx;
	(void)stmt;
	(void)name;
	(void)tags;
	return MIRROR_OK;
}

enum mirror_err
mirror_influx_fields_row(struct mirror_influx_fields *f,
			 const struct mirror_influx_value *c, size_t n)
{
	struct mirror_influx_field *p;
	enum mirror_field_type type;
	bool integer;
	size_t i;

	if (n < 2 || c[0].type != MIRROR_INFLUX_STRING || c[1].type != MIRROR_INFLUX_STRING)
		return MIRROR_ERR_STORE;
	type = mirror_influx_field_type(c[1].s, &integer);
	for (i = 0; i < f->len; i++)
		if (strcmp(f->items[i].name, c[0].s) == 0)
			return MIRROR_OK;
	if (type == MIRROR_FIELD_MAX)
		return MIRROR_OK;  /* a type newer than this code: not offered */
	if (f->len == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 16;
		p = realloc(f->items, f->cap * sizeof *p);
		if (p == NULL)
			return MIRROR_ERR_NOMEM;
		f->items = p;
	}
	p = &f->items[f->len];
	p->type = type;
	p->integer = integer;
	if ((p->name = strdup(c[0].s)) == NULL)
		return MIRROR_ERR_NOMEM;
	f->len++;
	return MIRROR_OK;
}

static enum mirror_err
keys_row(void *ctx, const struct mirror_influx_value *c, size_t n)
{
	return mirror_influx_fields_row(ctx, c, n);
}

enum mirror_err
mirror_influx_field_keys(const struct mirror_influx_job *j, const char *from,
			 struct mirror_influx_fields *out)
{
	struct mirror_influx_sink sink = {out, keys_series, keys_row};
	struct mirror_buf ql;
	enum mirror_err e;

	mirror_buf_init(&ql, MIRROR_INFLUX_QL_MAX);
	mirror_buf_adds(&ql, "SHOW FIELD KEYS");
	if (*from != '\0') {
		mirror_buf_adds(&ql, " FROM ");
		mirror_buf_adds(&ql, from);
	}
	e = ql.err != MIRROR_OK ? MIRROR_ERR_NOMEM :
	    mirror_influx_query(j, ql.data, false, &sink, NULL);
	mirror_buf_free(&ql);
	if (e == MIRROR_ERR_NOMEM)
		return mirror_error_set(j->err, e, "out of memory");
	if (e == MIRROR_ERR_STORE && j->err->code != e)
		return mirror_error_set(j->err, e, "the store's field keys are "
		    "malformed");
	return e;
}

static const struct mirror_influx_field *
find(const struct mirror_influx_fields *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->len; i++)
		if (strcmp(f->items[i].name, name) == 0)
			return &f->items[i];
	return NULL;
}

/* "a (NUMBER), b (STRING)" into out. */
static void
list_keys(const struct mirror_influx_fields *f, char *out, size_t size)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < f->len && used + 8 < size; i++) {
		int w = snprintf(out + used, size - used, "%s%s (%s)", i > 0 ? ", " : "",
		    f->items[i].name, mirror_field_type_name(f->items[i].type));

		used += w > 0 ? (size_t)w : 0;
	}
}

/* The only NUMBER field, or NULL. */
static const struct mirror_influx_field *
only_number(const struct mirror_influx_fields *f)
{
	const struct mirror_influx_field *one = NULL;
	size_t i;

	for (i = 0; i < f->len; i++) {
		if (f->items[i].type != MIRROR_FIELD_NUMBER)
			continue;
		if (one != NULL)
			return NULL;
		one = &f->items[i];
	}
	return one;
}

/* Conditions select series, which InfluxDB tells apart by tags; a
 * condition on a field would filter points instead. */
static enum mirror_err
check_keys(const struct mirror_query *q, const struct mirror_influx_fields *f,
	   struct mirror_error *err)
{
	size_t i;

	for (i = 0; i < q->nconds; i++)
		if (find(f, q->conds[i].key) != NULL)
			return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
			    "condition key \"%.64s\" is a field of the measurement, "
			    "not a tag: conditions select series by their tags; "
			    "name the field in metricField", q->conds[i].key);
	return MIRROR_OK;
}

/* The field a query without metricField reads. */
static const struct mirror_influx_field *
default_field(const struct mirror_influx_fields *f)
{
	const struct mirror_influx_field *k = only_number(f);

	return k != NULL ? k : find(f, "value");
}

enum mirror_err
mirror_influx_metric_field(const struct mirror_query *q,
			   const struct mirror_influx_fields *f,
			   struct mirror_influx_metric *m, struct mirror_error *err)
{
	const struct mirror_influx_field *k;
	char keys[MIRROR_DETAILS_MAX - 128];
	enum mirror_err e = check_keys(q, f, err);

	if (e != MIRROR_OK)
		return e;
	k = q->metric_field != NULL ? find(f, q->metric_field) : default_field(f);
	if (k == NULL) {
		list_keys(f, keys, sizeof keys);
		if (q->metric_field != NULL)
			return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST, "the "
			    "measurement has no field \"%.64s\"; its field keys: %s",
			    q->metric_field, keys);
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST, "name the field "
		    "in metricField; the measurement's field keys: %s", keys);
	}
	if (k->type == MIRROR_FIELD_STRING)
		return mirror_error_set(err, MIRROR_ERR_UNSUPPORTED_TYPE, "%s",
		    mirror_field_type_name(k->type));
	m->field = k->name;
	m->type = k->type;
	m->integer = k->integer;
	return MIRROR_OK;
}
