/*
 * The Graphite store: graphite-web 1.1 (carbon + whisper behind it), and
 * what speaks its HTTP API. The tree of dotted names is browsed level by
 * level as FieldValuePatterns, tags come from its tag database, and raw
 * points from /render; the core windows and aggregates them like any
 * other store's (handle.c). Mapping and connectionDetails:
 * docs/GRAPHITE.md.
 */
#include "config.h"

#include <string.h>

#include "store/store.h"
#include "graphite.h"

static enum mirror_err
graphite_state_new(const struct mirror_conf *conf, void **state)
{
	struct mirror_http *h;
	enum mirror_err e = mirror_http_new(&h);

	(void)conf;
	*state = h;
	return e;
}

static void
graphite_state_free(void *state)
{
	mirror_http_free(state);
}

/* What every method does first: read connectionDetails (allowlist
 * included) before anything is sent anywhere, and start the clock. */
static enum mirror_err
begin(const struct mirror_call *call, struct mirror_graphite_target *t,
      struct mirror_graphite_job *j)
{
	enum mirror_err e;

	memset(j, 0, sizeof *j);
	j->t = t;
	j->conf = call->conf;
	j->q = call->q;
	j->err = call->err;
	if (call->state == NULL)
		return mirror_error_set(call->err, MIRROR_ERR_INTERNAL,
		    "the Graphite store has no HTTP client");
	e = mirror_graphite_target_read(call->conf, call->q, t, call->err);
	j->call.http = call->state;
	j->call.base = t->url;
	j->call.auth = &t->auth;
	j->call.max_bytes = t->max_bytes;
	j->call.timeout_ms = t->timeout_ms;
	j->call.err = call->err;
	mirror_store_call_start(&j->call);
	return e;
}

enum mirror_err
mirror_graphite_ask(const struct mirror_graphite_job *j, const char *path,
		    const char *params, bool post, long *status,
		    struct mirror_http_resp *resp)
{
	enum mirror_err e = mirror_store_request(&j->call, path, params, post, resp);

	if (status != NULL)
		*status = e == MIRROR_OK ? resp->status : 0;
	if (e != MIRROR_OK || resp->status == 200)
		return e;
	/* graphite-web's own refusals and failures (a target it cannot
	 * parse, an exception) come as 400 and 500 with a text message. */
	if (resp->status == 400 || resp->status == 500)
		return mirror_error_set(j->err, MIRROR_ERR_STORE, "graphite-web "
		    "answered HTTP %ld to %s: %.300s", resp->status, path,
		    resp->len > 0 ? resp->body : "no message");
	return mirror_error_set(j->err, MIRROR_ERR_STORE_CONNECT, "%.200s answered "
	    "HTTP %ld to %s: no working graphite-web at this URL (%.80s)", j->t->url,
	    resp->status, path, resp->len > 0 ? resp->body : "an empty body");
}

static enum mirror_err
any_node(const char *id, bool leaf, void *ctx)
{
	(void)id;
	(void)leaf;
	(void)ctx;
	return MIRROR_OK;
}

/* The root of the tree, read as graphite-web writes it, proves the URL
 * leads to a graphite-web, not merely to a web server. */
static enum mirror_err
graphite_test_connection(const struct mirror_call *call)
{
	struct mirror_graphite_target t;
	struct mirror_graphite_job j;
	struct mirror_http_resp resp;
	enum mirror_err e = begin(call, &t, &j);

	if (e == MIRROR_OK)
		e = mirror_graphite_ask(&j, "/metrics/find", "format=treejson&query=%2A",
		    false, NULL, &resp);
	if (e == MIRROR_OK)
		e = mirror_graphite_read_nodes(&resp, any_node, NULL, call->err);
	return e;
}

static enum mirror_err
graphite_field_names(const struct mirror_call *call, struct mirror_field_list *out)
{
	struct mirror_graphite_target t;
	struct mirror_graphite_job j;
	enum mirror_err e = begin(call, &t, &j);

	return e != MIRROR_OK ? e : mirror_graphite_tag_names(&j, out);
}

/* True when a condition other than one on the field itself narrows the
 * listing: then the values come from the tag database. */
static bool
narrowed(const struct mirror_query *q)
{
	size_t i;

	for (i = 0; i < q->nconds; i++)
		if (strcmp(q->conds[i].key, q->field.name) != 0)
			return true;
	return false;
}

static enum mirror_err
graphite_field_values(const struct mirror_call *call, struct mirror_value_list *out)
{
	struct mirror_graphite_target t;
	struct mirror_graphite_job j;
	const char *field = call->q->field.name;
	enum mirror_err e = begin(call, &t, &j);

	if (e != MIRROR_OK)
		return e;
	if (strcmp(field, MIRROR_GRAPHITE_NAME) == 0 && !narrowed(call->q))
		return mirror_graphite_tree(&j, out);
	return mirror_graphite_tag_values(&j, field, out);
}

static enum mirror_err
graphite_metric_points(const struct mirror_call *call, struct mirror_series *out)
{
	const char *mf = call->q->metric_field;
	struct mirror_graphite_target t;
	struct mirror_graphite_job j;
	enum mirror_err e = begin(call, &t, &j);

	if (e != MIRROR_OK)
		return e;
	/* A series holds one value; every field is a STRING (name, tags),
	 * which has no values over time. The core writes details as the
	 * error's mirrorType. */
	if (mf != NULL && *mf != '\0' && strcmp(mf, "value") != 0)
		return mirror_error_set(call->err, MIRROR_ERR_UNSUPPORTED_TYPE,
		    "STRING");
	return mirror_graphite_fetch(&j, out);
}

const struct mirror_store mirror_store_graphite = {
	.name = "graphite",
	.global_init = mirror_http_global_init,
	.global_cleanup = mirror_http_global_cleanup,
	.state_new = graphite_state_new,
	.state_free = graphite_state_free,
	.test_connection = graphite_test_connection,
	.field_names = graphite_field_names,
	.field_values = graphite_field_values,
	.metric_points = graphite_metric_points,
};
