/*
 * mirror_handle(): route, authorise, parse, ask the backend, answer.
 * The one place that knows the order of those steps.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "auth.h"
#include "buf.h"
#include "clock.h"
#include "media.h"
#include "methods.h"
#include "metrics.h"
#include "mirror.h"
#include "parse.h"
#include "pushdown.h"
#include "respond.h"
#include "store/bulkhead.h"
#include "store/store.h"

struct mirror_worker {
	const struct mirror_conf *conf;
	struct mirror_store_states *stores;   /* owned */
};

/* One request in flight: what every step reads and writes. */
struct job {
	struct mirror_worker *w;
	const struct mirror_conf *conf;
	struct mirror_query q;
	struct mirror_error err;
	struct mirror_buf body;
	const struct mirror_store *store;
	void *state;
};

struct mirror_worker *
mirror_worker_new(const struct mirror_conf *conf)
{
	struct mirror_worker *w = calloc(1, sizeof *w);

	if (w == NULL)
		return NULL;
	w->conf = conf;
	w->stores = mirror_store_states_new();
	if (w->stores == NULL) {
		mirror_worker_free(w);
		return NULL;
	}
	return w;
}

void
mirror_worker_free(struct mirror_worker *w)
{
	if (w == NULL)
		return;
	mirror_store_states_free(w->stores);
	free(w);
}

void
mirror_response_free(struct mirror_response *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
}

static enum mirror_err
route(const char *path, enum mirror_method *m, struct mirror_error *err)
{
	*m = mirror_method_route(path);
	if (*m != MIRROR_METHOD_MAX)
		return MIRROR_OK;
	return mirror_error_set(err, MIRROR_ERR_NOT_FOUND, "the mirror answers "
	    "POST /api/connection, /api/field/name, /api/field/value and /api/metric");
}

/* The store the query is for, with this worker's state for it. */
static enum mirror_err
pick_store(struct job *j)
{
	enum mirror_err e = mirror_store_pick(j->conf, &j->q, &j->store, &j->err);

	return e != MIRROR_OK ? e : mirror_store_state(j->w->stores, j->store,
	    j->conf, &j->state, &j->err);
}

/*
 * A connection test is bounded by MIRROR_STORE_TEST_TIMEOUT_MS whatever
 * the details ask for: it asks one small question, and a user waits for
 * its answer. The store sees the bound as its timeout ceiling, so every
 * store that honours conf's ceilings (decision 6) gets it for free. Like
 * any store call it is bulkheaded; a busy origin is a FAILURE answer.
 */
static enum mirror_err
answer_connection(struct job *j, const struct mirror_call *call)
{
	struct mirror_conf conf = *j->conf;
	struct mirror_call test = *call;
	enum mirror_err e;

	if (conf.store_timeout_max_ms > conf.store_test_timeout_ms)
		conf.store_timeout_max_ms = conf.store_test_timeout_ms;
	if (conf.store_timeout_ms > conf.store_timeout_max_ms)
		conf.store_timeout_ms = conf.store_timeout_max_ms;
	test.conf = &conf;
	e = j->store->test_connection(&test);

	/* A store that cannot be reached is an answer, not an error; an
	 * invalid request (e.g. a URL outside the allowlist) stays a 400. */
	if (e == MIRROR_ERR_BAD_REQUEST || e == MIRROR_ERR_NOMEM)
		return e;
	if (e != MIRROR_OK)
		mirror_respond_connection_failure(&j->body, &j->err);
	else
		mirror_respond_connection_ok(&j->body);
	return MIRROR_OK;
}

static enum mirror_err
answer_names(struct job *j, const struct mirror_call *call)
{
	struct mirror_field_list l;
	enum mirror_err e;
	size_t n;

	mirror_field_list_init(&l);
	e = j->store->field_names(call, &l);
	if (e == MIRROR_OK) {
		n = l.len < j->conf->max_fields ? l.len : j->conf->max_fields;
		mirror_respond_field_names(&j->body, &l, n, l.partial || n < l.len);
	}
	mirror_field_list_free(&l);
	return e;
}

static enum mirror_err
answer_values(struct job *j, const struct mirror_call *call)
{
	struct mirror_value_list l;
	enum mirror_err e;
	size_t n;

	mirror_value_list_init(&l);
	e = j->store->field_values(call, &l);
	if (e == MIRROR_OK) {
		n = l.len < j->conf->max_fields ? l.len : j->conf->max_fields;
		mirror_respond_field_values(&j->body, &l, n, l.partial || n < l.len);
	}
	mirror_value_list_free(&l);
	return e;
}

/* Decision 4: the raw window, cut by limit and by the mirror's own cap. */
static void
answer_raw(struct job *j, const struct mirror_series *s)
{
	int64_t limit = j->q.limit;
	size_t first, count;
	bool partial;

	if ((uint64_t)limit > j->conf->max_points)
		limit = (int64_t)j->conf->max_points;
	mirror_series_window(s, j->q.start_ms, j->q.end_ms, limit,
	    j->q.latest_first, &first, &count, &partial);
	/* No points: no pointer arithmetic on a NULL array (C11 6.5.6). */
	mirror_respond_raw(&j->body, count > 0 ? s->pts + first : NULL, count,
	    partial || s->truncated);
}

/* The engine over all the store's points of the range. */
static enum mirror_err
raw_buckets(struct job *j, const struct mirror_call *call, struct mirror_bucket *out,
	    size_t cap, size_t *n, bool *partial)
{
	struct mirror_series s;
	enum mirror_err e;

	mirror_series_init(&s, j->conf->max_store_points);
	e = j->store->metric_points(call, &s);
	if (e == MIRROR_OK) {
		mirror_series_clean(&s, j->q.nan_as_zero);
		e = mirror_agg_run(j->q.agg, s.pts, s.len, j->q.start_ms, j->q.end_ms,
		    j->q.bucket_ms, out, cap, n, partial);
		*partial = *partial || s.truncated;
		if (e == MIRROR_OK)
			mirror_metrics_buckets(0, *n);
		else if (e == MIRROR_ERR_NOMEM)
			mirror_error_set(&j->err, e, "out of memory aggregating");
		else
			mirror_error_set(&j->err, e, "the buckets of this range do "
			    "not fit in epoch milliseconds");
	}
	mirror_series_free(&s);
	return e;
}

/* Pushed down to the store where it can (pushdown.c), else the engine's. */
static enum mirror_err
answer_buckets(struct job *j, const struct mirror_call *call)
{
	uint64_t span = mirror_agg_bucket_count(j->q.start_ms, j->q.end_ms,
	    j->q.bucket_ms);
	size_t cap = span < j->conf->max_buckets ? (size_t)span : j->conf->max_buckets;
	struct mirror_bucket *out = malloc((cap ? cap : 1) * sizeof *out);
	size_t n = 0;
	bool partial = false, used = false;
	enum mirror_err e;

	if (out == NULL)
		return mirror_error_set(&j->err, MIRROR_ERR_NOMEM, "out of memory");
	e = mirror_pushdown_run(j->store, call, out, cap, &n, &partial, &used);
	if (e == MIRROR_OK && !used)
		e = raw_buckets(j, call, out, cap, &n, &partial);
	if (e == MIRROR_OK)
		mirror_respond_aggregated(&j->body, out, n, partial);
	free(out);
	return e;
}

static enum mirror_err
answer_metric(struct job *j, const struct mirror_call *call)
{
	struct mirror_series s;
	enum mirror_err e;

	if (j->q.aggregated)
		return answer_buckets(j, call);
	mirror_series_init(&s, j->conf->max_store_points);
	e = j->store->metric_points(call, &s);
	if (e == MIRROR_OK) {
		mirror_series_clean(&s, j->q.nan_as_zero);
		answer_raw(j, &s);
	}
	mirror_series_free(&s);
	return e;
}

static enum mirror_err
call_store(struct job *j)
{
	struct mirror_call call = {j->state, j->conf, &j->q, &j->err};

	switch (j->q.method) {
	case MIRROR_METHOD_CONNECTION: return answer_connection(j, &call);
	case MIRROR_METHOD_FIELD_NAMES: return answer_names(j, &call);
	case MIRROR_METHOD_FIELD_VALUES: return answer_values(j, &call);
	case MIRROR_METHOD_METRIC: return answer_metric(j, &call);
	default: return mirror_error_set(&j->err, MIRROR_ERR_INTERNAL, "no method");
	}
}

/* The store call inside the bulkhead's bracket: the slot a URL store
 * takes on its origin is held until the answer is built, then given
 * back (store/bulkhead.h). */
static enum mirror_err
dispatch(struct job *j)
{
	enum mirror_err e;

	mirror_bulkhead_begin(j->conf);
	e = call_store(j);
	mirror_bulkhead_end();
	return e;
}

/* Everything between a routed request and a filled body. */
static enum mirror_err
run(struct job *j, const struct mirror_request *req, enum mirror_method m,
    int match)
{
	size_t max = j->conf->max_body;
	enum mirror_err e;

	if (strcmp(req->method, "POST") != 0)
		return mirror_error_set(&j->err, MIRROR_ERR_METHOD, "use POST");
	if (!mirror_auth_allows(j->conf, match))
		return mirror_error_set(&j->err, MIRROR_ERR_UNAUTHORIZED,
		    "X-MIRROR-API-KEY is missing or wrong");
	if (req->content_length > (long long)max || req->body_len > max)
		return mirror_error_set(&j->err, MIRROR_ERR_TOO_LARGE,
		    "the body exceeds %zu bytes", max);
	e = mirror_media_check(req->content_type, &j->err);
	if (e == MIRROR_OK)
		e = mirror_parse_request(j->conf, m, req->body, req->body_len, &j->q, &j->err);
	if (e == MIRROR_OK)
		e = pick_store(j);
	return e != MIRROR_OK ? e : dispatch(j);
}

static void
add_header(struct mirror_response *resp, const char *name, const char *value)
{
	if (resp->nheaders < MIRROR_RESPONSE_HEADERS_MAX && value != NULL) {
		resp->headers[resp->nheaders].name = name;
		resp->headers[resp->nheaders].value = value;
		resp->nheaders++;
	}
}

/* Turns the job's outcome into resp: its body, or an error body. */
static void
finish(struct job *j, enum mirror_err e, struct mirror_response *resp)
{
	if (e == MIRROR_OK && j->body.err != MIRROR_OK)
		e = mirror_error_set(&j->err, j->body.err == MIRROR_ERR_TOO_LARGE ?
		    MIRROR_ERR_INTERNAL : j->body.err,
		    "the answer exceeds the mirror's %zu-byte limit", j->body.max);
	if (e != MIRROR_OK) {
		if (j->err.code != e)
			mirror_error_set(&j->err, e, "%s", mirror_err_summary(e));
		/* Error bodies are small; a fresh buffer always has room. */
		mirror_buf_free(&j->body);
		mirror_buf_init(&j->body, 2 * MIRROR_DETAILS_MAX + 1024);
		mirror_respond_error(&j->body, &j->err);
	}
	resp->err = e;
	resp->status = mirror_err_status(e);
	resp->body = mirror_buf_steal(&j->body, &resp->body_len);
	if (e == MIRROR_ERR_METHOD)
		add_header(resp, "Allow", "POST");
	if (e == MIRROR_ERR_STORE_BUSY)
		add_header(resp, "Retry-After", MIRROR_BULKHEAD_RETRY_AFTER);
}

/*
 * The operator's paths: GET /healthz for load balancers and GET /metrics
 * for Prometheus. Neither needs the key nor says anything sensitive; the
 * shipped nginx config limits who reaches /metrics.
 */
static bool
answer_service(struct job *j, const struct mirror_request *req,
	       struct mirror_response *resp)
{
	bool health = mirror_path_ends_with(req->path, "/healthz");

	if (!health && !mirror_path_ends_with(req->path, "/metrics"))
		return false;
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
		return false;
	if (health) {
		mirror_buf_adds(&j->body, "{\"status\":\"OK\"}");
	} else {
		resp->headers[0].value = "text/plain; version=0.0.4";
		mirror_metrics_write(&j->body);
	}
	resp->status = 200;
	resp->body = mirror_buf_steal(&j->body, &resp->body_len);
	return true;
}

/* What every answer starts with: the JSON type and the key header. */
static void
begin(struct job *j, const struct mirror_request *req, int match,
      struct mirror_response *resp)
{
	memset(resp, 0, sizeof *resp);
	add_header(resp, "Content-Type", "application/json");
	add_header(resp, "X-MIRROR-API-KEY", mirror_auth_echo(j->conf, match));
	mirror_query_init(&j->q);
	mirror_error_clear(&j->err);
	mirror_buf_init(&j->body, j->conf->max_response);
}

static void
end(struct job *j, enum mirror_method m, int64_t start,
    struct mirror_response *resp)
{
	mirror_metrics_record(m, resp->err, mirror_clock_us() - start);
	mirror_query_free(&j->q);
	mirror_buf_free(&j->body);
}

void
mirror_handle(struct mirror_worker *w, const struct mirror_request *req,
	      struct mirror_response *resp)
{
	struct job j = {.w = w, .conf = w->conf};
	enum mirror_method m = MIRROR_METHOD_MAX;
	int match = mirror_auth_match(w->conf, req->api_key);
	int64_t start = mirror_clock_us();
	enum mirror_err e;

	begin(&j, req, match, resp);
	if (req->path == NULL || !answer_service(&j, req, resp)) {
		e = route(req->path, &m, &j.err);
		if (e == MIRROR_OK)
			e = run(&j, req, m, match);
		finish(&j, e, resp);
		resp->store = j.store != NULL ? j.store->name : NULL;
	}
	end(&j, m, start, resp);
}

void
mirror_handle_refused(struct mirror_worker *w, const struct mirror_request *req,
		      const struct mirror_error *err, struct mirror_response *resp)
{
	struct job j = {.w = w, .conf = w->conf};
	int match = mirror_auth_match(w->conf, req->api_key);
	int64_t start = mirror_clock_us();

	begin(&j, req, match, resp);
	/* A stranger learns no more from a malformed request than from any. */
	if (!mirror_auth_allows(w->conf, match))
		mirror_error_set(&j.err, MIRROR_ERR_UNAUTHORIZED,
		    "X-MIRROR-API-KEY is missing or wrong");
	else
		j.err = *err;
	finish(&j, j.err.code, resp);
	end(&j, MIRROR_METHOD_MAX, start, resp);
}
