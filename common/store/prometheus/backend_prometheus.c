/*
 * The Prometheus backend: Prometheus, and anything that speaks its HTTP
 * query API (VictoriaMetrics, Thanos, Amazon Managed Prometheus). It
 * returns the store's own samples; the core cleans, windows and
 * aggregates them like any other backend's (handle.c). Conventions and
 * connectionDetails: docs/PROMETHEUS.md.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "store/store.h"
#include "store/group.h"
#include "prom.h"

/* Ceiling on a selector built from conditions. */
#define SELECTOR_MAX ((size_t)16 << 20)

/* Per worker: the kept-alive HTTP client and what the store is. */
struct prom_state {
	struct mirror_http *http;
	struct mirror_prom_flavour flavour;
};

static enum mirror_err
prom_state_new(const struct mirror_conf *conf, void **state)
{
	struct prom_state *s = calloc(1, sizeof *s);
	enum mirror_err e;

	(void)conf;
	*state = NULL;
	if (s == NULL)
		return MIRROR_ERR_NOMEM;
	e = mirror_http_new(&s->http);
	if (e != MIRROR_OK) {
		free(s);
		return e;
	}
	*state = s;
	return MIRROR_OK;
}

static void
prom_state_free(void *state)
{
	struct prom_state *s = state;

	if (s == NULL)
		return;
	mirror_http_free(s->http);
	free(s);
}

/* What every method does first: read connectionDetails (allowlist
 * included) before anything is sent anywhere. */
static enum mirror_err
begin(const struct mirror_call *call, struct mirror_prom_target *t,
      struct mirror_prom_job *j)
{
	enum mirror_err e;

	j->http = call->state != NULL ? ((struct prom_state *)call->state)->http : NULL;
	j->t = t;
	j->conf = call->conf;
	j->q = call->q;
	j->err = call->err;
	if (j->http == NULL)
		return mirror_error_set(call->err, MIRROR_ERR_INTERNAL,
		    "the Prometheus backend has no HTTP client");
	e = mirror_prom_target_read(call->conf, call->q, t, call->err);
	mirror_prom_job_start(j);
	return e;
}

/* Asks path; the answer's data must be of the shape (object or array). */
static enum mirror_err
probe(const struct mirror_prom_job *j, const char *path, bool post,
      enum mirror_prom_shape shape, long *status)
{
	struct mirror_prom_want want = {.shape = shape, .what = path};

	return mirror_prom_call(j, path, "", post, status, &want);
}

/*
 * Build info proves the URL leads to the Prometheus API, not merely to a
 * web server. Stores without it (404) and Amazon Managed Prometheus,
 * whose SigV4 gate only opens the query API, are asked for label names,
 * as the Python mirror (stackstate-lab/aws-prometheus-mirror) did.
 */
static enum mirror_err
prom_test_connection(const struct mirror_call *call)
{
	struct mirror_prom_target t;
	struct mirror_prom_job j;
	long status = 0;
	enum mirror_err e = begin(call, &t, &j);

	if (e != MIRROR_OK)
		return e;
	if (!t.sigv4) {
		e = probe(&j, "/api/v1/status/buildinfo", false,
		    MIRROR_PROM_SHAPE_OBJECT, &status);
		if (e == MIRROR_OK || status != 404)
			return e;
	}
	return probe(&j, "/api/v1/labels", true, MIRROR_PROM_SHAPE_ARRAY, NULL);
}

/* match[], start and end of the label calls, sorted by name (SigV4). */
static void
label_params(const struct mirror_query *q, const char *sel, struct mirror_buf *b)
{
	char num[32];

	if (q->has_range) {
		mirror_prom_seconds(q->end_ms, num, sizeof num);
		mirror_http_form_add(b, "end", num);
	}
	if (*sel != '\0')
		mirror_http_form_add(b, "match[]", sel);
	if (q->has_range) {
		mirror_prom_seconds(q->start_ms, num, sizeof num);
		mirror_http_form_add(b, "start", num);
	}
}

/* Builds the selector and the parameters narrowing a label call.
 * *expr is set when a "~" condition rules narrowing out. */
static enum mirror_err
narrow(const struct mirror_prom_job *j, const char *skip, struct mirror_buf *params,
       bool *expr)
{
	struct mirror_buf sel;
	enum mirror_prom_kind kind;
	enum mirror_err e;

	mirror_buf_init(&sel, SELECTOR_MAX);
	e = mirror_prom_selector(j->q, skip, &kind, &sel, j->err);
	*expr = kind == MIRROR_PROM_KIND_EXPR;
	if (e == MIRROR_OK && !*expr)
		label_params(j->q, sel.data != NULL ? sel.data : "", params);
	if (e == MIRROR_OK && params->err != MIRROR_OK)
		e = mirror_error_set(j->err, MIRROR_ERR_NOMEM, "out of memory");
	mirror_buf_free(&sel);
	return e;
}

/* Collects names up to the query's limit. */
struct names {
	struct mirror_field_list *out;
	int64_t limit;
};

static enum mirror_err
add_name(const char *s, void *ctx)
{
	struct names *n = ctx;

	if ((int64_t)n->out->len >= n->limit) {
		n->out->partial = true;
		return MIRROR_OK;
	}
	return mirror_field_list_push(n->out, s, MIRROR_FIELD_STRING, false);
}

/* The reserved keys come first, unless a condition already uses one
 * (a series has one name or one expression). */
static enum mirror_err
add_reserved(const struct mirror_query *q, struct names *n)
{
	static const char *const keys[] = {
		MIRROR_PROM_GAUGE, MIRROR_PROM_COUNTER, MIRROR_PROM_EXPR,
	};
	enum mirror_err e = MIRROR_OK;
	size_t i;

	for (i = 0; i < q->nconds; i++)
		if (mirror_prom_reserved(q->conds[i].key))
			return MIRROR_OK;
	for (i = 0; i < 3 && e == MIRROR_OK; i++)
		e = add_name(keys[i], n);
	return e;
}

static enum mirror_err
prom_field_names(const struct mirror_call *call, struct mirror_field_list *out)
{
	struct mirror_prom_target t;
	struct mirror_prom_job j;
	struct names n = {out, call->q->limit};
	struct mirror_prom_want want = {
		.shape = MIRROR_PROM_SHAPE_STRINGS, .each = add_name, .ctx = &n,
	};
	struct mirror_buf params;
	bool expr = false;
	enum mirror_err e = begin(call, &t, &j);

	mirror_buf_init(&params, SELECTOR_MAX);
	if (e == MIRROR_OK)
		e = narrow(&j, NULL, &params, &expr);
	/* A "~" expression stands alone: no other field can be added. */
	if (e == MIRROR_OK && !expr)
		e = add_reserved(call->q, &n);
	if (e == MIRROR_OK && !expr)
		e = mirror_prom_call(&j, "/api/v1/labels", params.data ?
		    params.data : "", true, NULL, &want);
	mirror_buf_free(&params);
	return e;
}

/* The label whose values a field lists; NULL for "~" (it has none). */
static const char *
field_label(const char *field)
{
	if (strcmp(field, MIRROR_PROM_EXPR) == 0)
		return NULL;
	if (strcmp(field, MIRROR_PROM_GAUGE) == 0 ||
	    strcmp(field, MIRROR_PROM_COUNTER) == 0)
		return MIRROR_PROM_NAME;
	return field;
}

/* GET /api/v1/label/<label>/values?<params> (the API has no POST here). */
static enum mirror_err
ask_values(const struct mirror_prom_job *j, const char *label,
	   const char *params, struct mirror_store_values *v)
{
	struct mirror_prom_want want = {
		.shape = MIRROR_PROM_SHAPE_STRINGS, .each = mirror_store_values_add,
		.ctx = v,
	};
	struct mirror_buf path;
	enum mirror_err e;

	mirror_buf_init(&path, 1024);
	mirror_buf_adds(&path, "/api/v1/label/");
	mirror_buf_adds(&path, label);
	mirror_buf_adds(&path, "/values");
	if (path.err != MIRROR_OK)
		e = mirror_error_set(j->err, MIRROR_ERR_BAD_REQUEST,
		    "the field name is too long");
	else
		e = mirror_prom_call(j, path.data, params, false, NULL, &want);
	mirror_buf_free(&path);
	return e;
}

static enum mirror_err
prom_field_values(const struct mirror_call *call, struct mirror_value_list *out)
{
	const struct mirror_query *q = call->q;
	const char *label = field_label(q->field.name);
	struct mirror_store_values v;
	struct mirror_prom_target t;
	struct mirror_prom_job j;
	struct mirror_buf params;
	bool expr = false;
	enum mirror_err e = begin(call, &t, &j);

	mirror_store_values_init(&v, q->prefix, call->conf->max_store_points);
	if (e != MIRROR_OK || label == NULL)
		return e;
	if (!mirror_prom_label_name(label))
		return mirror_error_set(call->err, MIRROR_ERR_BAD_REQUEST,
		    "field \"%.64s\" is not a Prometheus label name", label);
	mirror_buf_init(&params, SELECTOR_MAX);
	e = narrow(&j, q->field.name, &params, &expr);
	if (e == MIRROR_OK && !expr)
		e = ask_values(&j, label, params.data ? params.data : "", &v);
	if (e == MIRROR_OK && !expr)
		e = mirror_store_group(v.items, v.len, v.plen, t.group_min,
		    q->offset, q->limit, out);
	if (e == MIRROR_ERR_NOMEM)
		mirror_error_set(call->err, e, "too many values, or out of memory");
	mirror_store_values_free(&v);
	mirror_buf_free(&params);
	return e;
}

/* What a metric call asks of the store once it has its selector. */
typedef enum mirror_err (*metric_ask)(const struct mirror_call *call,
				      const struct mirror_prom_job *j,
				      enum mirror_prom_kind kind, const char *sel,
				      void *out);

/* The job and the selector of call->q's conditions, then ask. */
static enum mirror_err
with_selector(const struct mirror_call *call, metric_ask ask, void *out)
{
	struct mirror_prom_target t;
	struct mirror_prom_job j;
	enum mirror_prom_kind kind;
	struct mirror_buf sel;
	enum mirror_err e = begin(call, &t, &j);

	if (e != MIRROR_OK)
		return e;
	mirror_buf_init(&sel, SELECTOR_MAX);
	e = mirror_prom_selector(call->q, NULL, &kind, &sel, call->err);
	if (e == MIRROR_OK)
		e = ask(call, &j, kind, sel.data != NULL ? sel.data : "", out);
	mirror_buf_free(&sel);
	return e;
}

static enum mirror_err
ask_points(const struct mirror_call *call, const struct mirror_prom_job *j,
	   enum mirror_prom_kind kind, const char *sel, void *out)
{
	(void)call;
	return mirror_prom_fetch(j, kind, sel, out);
}

/* Aggregation by the store itself, where its flavour is exact: only a
 * gauge's stored samples are what agg.c would read. */
static enum mirror_err
ask_buckets(const struct mirror_call *call, const struct mirror_prom_job *j,
	    enum mirror_prom_kind kind, const char *sel, void *out)
{
	struct prom_state *state = call->state;

	if (kind != MIRROR_PROM_KIND_GAUGE)
		return MIRROR_OK;
	return mirror_prom_buckets(j, &state->flavour, sel, out);
}

static enum mirror_err
prom_metric_points(const struct mirror_call *call, struct mirror_series *out)
{
	return with_selector(call, ask_points, out);
}

static enum mirror_err
prom_metric_buckets(const struct mirror_call *call, struct mirror_store_buckets *out)
{
	return with_selector(call, ask_buckets, out);
}

/* Any connectionDetails with a url and no backend: what every user of the
 * Python Prometheus mirror sends (docs/PROMETHEUS.md). */
static bool
prom_claims(struct json_object *details)
{
	return json_object_object_get_ex(details, "url", NULL);
}

const struct mirror_store mirror_store_prometheus = {
	.name = "prometheus",
	.global_init = mirror_http_global_init,
	.global_cleanup = mirror_http_global_cleanup,
	.claims = prom_claims,
	.state_new = prom_state_new,
	.state_free = prom_state_free,
	.test_connection = prom_test_connection,
	.field_names = prom_field_names,
	.field_values = prom_field_values,
	.metric_points = prom_metric_points,
	.metric_buckets = prom_metric_buckets,
};
