/*
 * Talking to the store, and the samples of one series fetched in chunks
 * that stay inside the store's limits.
 *
 * A selector's stored samples come from instant queries of a range
 * vector, sel[<R>ms] at time T, which Prometheus answers with the raw
 * samples in [T-R, T] (2.x; (T-R, T] in 3.x) and never with staleness
 * markers, which its engine drops. Expressions (a counter's increase, a
 * "~" query) have no stored samples: they are evaluated with query_range
 * at epoch-aligned steps, at most 11,000 per request (Prometheus refuses
 * more: prometheus/prometheus#1968).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json.h>

#include "clock.h"
#include "store/call.h"
#include "prom.h"

/* Ceiling on a URL or form we build; selectors are bounded by the
 * request's own limits long before this. */
#define PARAMS_MAX ((size_t)16 << 20)

void
mirror_prom_seconds(int64_t ms, char *out, size_t size)
{
	uint64_t a = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;

	snprintf(out, size, "%s%llu.%03llu", ms < 0 ? "-" : "",
	    (unsigned long long)(a / 1000), (unsigned long long)(a % 1000));
}

void
mirror_prom_job_start(struct mirror_prom_job *j)
{
	j->deadline = (mirror_clock_us() / 1000) + j->t->timeout_ms;
}

enum mirror_err
mirror_prom_call(const struct mirror_prom_job *j, const char *path,
		 const char *params, bool post, long *status,
		 struct json_object **root, struct json_object **data)
{
	struct mirror_store_call c = {
		.http = j->http, .base = j->t->url, .auth = &j->t->auth,
		.max_bytes = j->t->max_bytes, .gzip = j->t->gzip,
		.timeout_ms = j->t->timeout_ms, .deadline = j->deadline, .err = j->err,
	};
	struct mirror_http_resp resp;
	enum mirror_err e;

	*root = *data = NULL;
	if (status != NULL)
		*status = 0;
	e = mirror_store_request(&c, path, params, post, &resp);
	if (status != NULL)
		*status = e == MIRROR_OK ? resp.status : 0;
	return e != MIRROR_OK ? e : mirror_prom_answer(&resp, root, data, j->err);
}

/* One request whose answer is a matrix; its samples in [lo, hi) go to out. */
static enum mirror_err
ask_matrix(const struct mirror_prom_job *j, const char *path, struct mirror_buf *form,
	   int64_t lo, int64_t hi, struct mirror_prom_seen *seen,
	   struct mirror_series *out)
{
	struct json_object *root, *data;
	enum mirror_err e;

	if (form->err != MIRROR_OK)
		return mirror_error_set(j->err, MIRROR_ERR_NOMEM, "out of memory");
	e = mirror_prom_call(j, path, form->data, true, NULL, &root, &data);
	seen->asked |= e == MIRROR_OK;
	if (e == MIRROR_OK)
		e = mirror_prom_matrix(data, lo, hi, seen, out, j->err);
	json_object_put(root);
	return e;
}

/* Stored samples in [start, end): one instant query per chunk_ms. */
static enum mirror_err
fetch_raw(const struct mirror_prom_job *j, const char *sel,
	  struct mirror_prom_seen *seen, struct mirror_series *out)
{
	int64_t cs, ce, end = j->q->end_ms;
	struct mirror_buf form, query;
	char num[32];
	enum mirror_err e = MIRROR_OK;

	mirror_buf_init(&form, PARAMS_MAX);
	mirror_buf_init(&query, PARAMS_MAX);
	for (cs = j->q->start_ms; cs < end && e == MIRROR_OK && !out->truncated; cs = ce) {
		ce = end - cs > j->t->chunk_ms ? cs + j->t->chunk_ms : end;
		/* At T = ce - 1 with R = ce - cs, both [T-R, T] and (T-R, T]
		 * hold every sample of [cs, ce). */
		mirror_buf_reset(&query);
		mirror_buf_adds(&query, sel);
		snprintf(num, sizeof num, "[%lldms]", (long long)(ce - cs));
		mirror_buf_adds(&query, num);
		mirror_buf_reset(&form);
		mirror_http_form_add(&form, "query", query.data);
		mirror_prom_seconds(ce - 1, num, sizeof num);
		mirror_http_form_add(&form, "time", num);
		e = ask_matrix(j, "/api/v1/query", &form, cs, ce, seen, out);
	}
	mirror_buf_free(&form);
	mirror_buf_free(&query);
	return e;
}

/* The first multiple of step at or after t. */
static int64_t
align_up(int64_t t, int64_t step)
{
	int64_t r = t % step;

	if (r < 0)
		r += step;
	return r == 0 ? t : t + (step - r);
}

/* Parameters of one query_range, sorted by name, as SigV4's canonical
 * request wants them. */
static void
range_form(struct mirror_buf *form, const char *expr, int64_t first,
	   int64_t last, int64_t step)
{
	char num[32];

	mirror_buf_reset(form);
	mirror_prom_seconds(last, num, sizeof num);
	mirror_http_form_add(form, "end", num);
	mirror_http_form_add(form, "query", expr);
	mirror_prom_seconds(first, num, sizeof num);
	mirror_http_form_add(form, "start", num);
	mirror_prom_seconds(step, num, sizeof num);
	mirror_http_form_add(form, "step", num);
}

/* expr evaluated at every multiple of step in [start, end). */
static enum mirror_err
fetch_steps(const struct mirror_prom_job *j, const char *expr, int64_t step,
	    struct mirror_prom_seen *seen, struct mirror_series *out)
{
	int64_t first = align_up(j->q->start_ms, step), last, end = j->q->end_ms;
	int64_t span = step * (MIRROR_PROM_MAX_STEPS - 1);
	struct mirror_buf form;
	enum mirror_err e = MIRROR_OK;

	mirror_buf_init(&form, PARAMS_MAX);
	for (; first < end && e == MIRROR_OK && !out->truncated; first = last + step) {
		last = end - 1 - first > span ? first + span : end - 1;
		last -= (last - first) % step;
		range_form(&form, expr, first, last, step);
		e = ask_matrix(j, "/api/v1/query_range", &form, first, last + 1,
		    seen, out);
	}
	mirror_buf_free(&form);
	return e;
}

/* increase(sel[60s]) or rate(sel[60s]): the per-minute increase the
 * Python mirror reported, or decision 7's per-second rate. */
static enum mirror_err
counter_expr(const struct mirror_prom_job *j, const char *sel, struct mirror_buf *b)
{
	mirror_buf_adds(b, j->t->counter == MIRROR_PROM_COUNTER_RATE ?
	    "rate(" : "increase(");
	mirror_buf_adds(b, sel);
	mirror_buf_adds(b, "[60s])");
	return b->err == MIRROR_OK ? MIRROR_OK :
	    mirror_error_set(j->err, MIRROR_ERR_NOMEM, "out of memory");
}

static enum mirror_err
fetch_kind(const struct mirror_prom_job *j, enum mirror_prom_kind kind,
	   const char *sel, struct mirror_prom_seen *seen, struct mirror_series *out)
{
	struct mirror_buf expr;
	enum mirror_err e;

	if (kind == MIRROR_PROM_KIND_GAUGE)
		return fetch_raw(j, sel, seen, out);
	if (kind == MIRROR_PROM_KIND_EXPR)
		return fetch_steps(j, sel, j->t->step_ms, seen, out);
	mirror_buf_init(&expr, PARAMS_MAX);
	e = counter_expr(j, sel, &expr);
	if (e == MIRROR_OK)
		e = fetch_steps(j, expr.data, MIRROR_PROM_COUNTER_MS, seen, out);
	mirror_buf_free(&expr);
	return e;
}

enum mirror_err
mirror_prom_fetch(const struct mirror_prom_job *j, enum mirror_prom_kind kind,
		  const char *sel, struct mirror_series *out)
{
	struct mirror_prom_seen seen = {NULL, 0, false};
	enum mirror_err e;

	if (kind == MIRROR_PROM_KIND_NONE)
		return mirror_error_set(j->err, MIRROR_ERR_BAD_REQUEST, "the "
		    "conditions name no series: give __gauge__, __counter__, "
		    "__name__, ~ or a label");
	e = fetch_kind(j, kind, sel, &seen, out);
	/* A range too short to hold a sample or step asks nothing and
	 * proves nothing; an answer without series is "not found". */
	if (e == MIRROR_OK && seen.nseries == 0 && seen.asked) {
		snprintf(j->err->metric, sizeof j->err->metric, "%s", sel);
		e = mirror_error_set(j->err, MIRROR_ERR_METRIC_NOT_FOUND,
		    "no series matches %.400s between %lld and %lld ms", sel,
		    (long long)j->q->start_ms, (long long)j->q->end_ms);
	}
	mirror_prom_seen_free(&seen);
	return e;
}
