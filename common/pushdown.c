#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "metrics.h"
#include "num.h"
#include "pushdown.h"
#include "series.h"

/* Raw fetches per request, one per run of RAW buckets; past that, one
 * fetch covers them all (a store with NaN scattered through the range). */
#define MAX_RUNS 8

/* One pushed-down answer being put together. */
struct pd {
	const struct mirror_store *store;
	const struct mirror_call *call;
	struct mirror_store_buckets sb;
	struct mirror_bucket *scratch;   /* the engine's buckets of one span */
	bool partial;
};

/* Buckets a..b (indices) computed by the engine from the store's raw
 * points over their part of the range; those it leaves out are empty. */
static enum mirror_err
fetch_span(struct pd *p, size_t a, size_t b)
{
	const struct mirror_query *q = p->call->q;
	struct mirror_query span = *q;
	struct mirror_call call = *p->call;
	int64_t lo = p->sb.first + (int64_t)a * q->bucket_ms;
	int64_t hi = p->sb.first + (int64_t)(b + 1) * q->bucket_ms;
	struct mirror_series s;
	size_t n = 0, i, k;
	bool cut = false;
	enum mirror_err e;

	span.start_ms = lo > q->start_ms ? lo : q->start_ms;
	span.end_ms = hi < q->end_ms ? hi : q->end_ms;
	call.q = &span;
	mirror_series_init(&s, call.conf->max_store_points);
	e = p->store->metric_points(&call, &s);
	/* The series exists (the store answered buckets): none here is empty. */
	if (e == MIRROR_ERR_METRIC_NOT_FOUND) {
		mirror_error_clear(call.err);
		e = MIRROR_OK;
	}
	if (e == MIRROR_OK) {
		mirror_series_clean(&s, q->nan_as_zero);
		e = mirror_agg_run(q->agg, s.pts, s.len, span.start_ms, span.end_ms,
		    q->bucket_ms, p->scratch, b - a + 1, &n, &cut);
	}
	for (i = 0; e == MIRROR_OK && i < n; i++) {
		k = (size_t)((p->scratch[i].start - p->sb.first) / q->bucket_ms);
		if (k < p->sb.n && p->sb.state[k] == MIRROR_BUCKET_RAW) {
			p->sb.value[k] = p->scratch[i].value;
			p->sb.state[k] = MIRROR_BUCKET_VALUE;
		}
	}
	for (k = a; e == MIRROR_OK && k <= b; k++)
		if (p->sb.state[k] == MIRROR_BUCKET_RAW)
			p->sb.state[k] = MIRROR_BUCKET_EMPTY;
	p->partial |= s.truncated || cut;
	mirror_series_free(&s);
	return e;
}

/* The runs of RAW buckets, each fetched raw; *raw counts their buckets. */
static enum mirror_err
fill_raw(struct pd *p, uint64_t *raw)
{
	size_t i, a, runs = 0, first = p->sb.n, last = 0;
	enum mirror_err e = MIRROR_OK;

	*raw = 0;
	for (i = 0; i < p->sb.n; i++) {
		if (p->sb.state[i] != MIRROR_BUCKET_RAW)
			continue;
		(*raw)++;
		runs += i == 0 || p->sb.state[i - 1] != MIRROR_BUCKET_RAW;
		first = first < i ? first : i;
		last = i;
	}
	if (runs > MAX_RUNS)
		return fetch_span(p, first, last);
	for (i = 0; i < p->sb.n && e == MIRROR_OK; i++) {
		if (p->sb.state[i] != MIRROR_BUCKET_RAW)
			continue;
		for (a = i; i + 1 < p->sb.n && p->sb.state[i + 1] == MIRROR_BUCKET_RAW; i++)
			;
		e = fetch_span(p, a, i);
	}
	return e;
}

/* Buckets in order: values, and the zeros decision 2 gives empty ones. */
static size_t
assemble(const struct pd *p, struct mirror_bucket *out)
{
	int64_t size = p->call->q->bucket_ms;
	bool zero = mirror_agg_zero_fill(p->call->q->agg);
	size_t i, n = 0;

	for (i = 0; i < p->sb.n; i++) {
		if (p->sb.state[i] != MIRROR_BUCKET_VALUE && !zero)
			continue;
		out[n].value = p->sb.state[i] == MIRROR_BUCKET_VALUE ? p->sb.value[i] : 0.0;
		out[n].start = p->sb.first + (int64_t)i * size;
		out[n].end = out[n].start + size;
		n++;
	}
	return n;
}

/* The first bucket's start, when every boundary of the range fits. */
static bool
first_bucket(const struct mirror_query *q, int64_t *first)
{
	if (q->start_ms < INT64_MIN + q->bucket_ms || q->end_ms > INT64_MAX - q->bucket_ms)
		return false;
	*first = mirror_floor_div(q->start_ms, q->bucket_ms) * q->bucket_ms;
	return true;
}

/* Asks the store; its refusals of the query send it the raw way. */
static enum mirror_err
ask(struct pd *p)
{
	enum mirror_err e = p->store->metric_buckets(p->call, &p->sb);
	size_t i;

	if (e == MIRROR_ERR_STORE || e == MIRROR_ERR_BAD_REQUEST) {
		mirror_error_clear(p->call->err);
		p->sb.answered = false;
		return MIRROR_OK;
	}
	/* The engine never answers NaN or infinity: such a value is the
	 * store's to explain, so the engine computes that bucket. */
	for (i = 0; e == MIRROR_OK && i < p->sb.n; i++)
		if (p->sb.state[i] == MIRROR_BUCKET_VALUE && !isfinite(p->sb.value[i]))
			p->sb.state[i] = MIRROR_BUCKET_RAW;
	return e;
}

static enum mirror_err
run(struct pd *p, struct mirror_bucket *out, size_t *nout, bool *used)
{
	uint64_t raw = 0;
	enum mirror_err e = ask(p);

	if (e != MIRROR_OK || !p->sb.answered)
		return e;
	e = fill_raw(p, &raw);
	if (e != MIRROR_OK)
		return e;
	*nout = assemble(p, out);
	*used = true;
	mirror_metrics_buckets(p->sb.n - raw, raw);
	return MIRROR_OK;
}

enum mirror_err
mirror_pushdown_run(const struct mirror_store *store, const struct mirror_call *call,
		    struct mirror_bucket *out, size_t cap, size_t *nout,
		    bool *partial, bool *used)
{
	const struct mirror_query *q = call->q;
	struct pd p = {store, call, {0, 0, NULL, NULL, false}, NULL, false};
	uint64_t span = mirror_agg_bucket_count(q->start_ms, q->end_ms, q->bucket_ms);
	enum mirror_err e;

	*nout = 0;
	*partial = false;
	*used = false;
	/* Past the cap the engine decides which buckets are kept: its way. */
	if (store->metric_buckets == NULL || !q->aggregated || !q->pushdown ||
	    span == 0 || span > cap || !first_bucket(q, &p.sb.first))
		return MIRROR_OK;
	p.sb.n = (size_t)span;
	p.sb.value = calloc(p.sb.n, sizeof *p.sb.value);
	p.sb.state = calloc(p.sb.n, sizeof *p.sb.state);
	p.scratch = malloc(p.sb.n * sizeof *p.scratch);
	e = p.sb.value == NULL || p.sb.state == NULL || p.scratch == NULL ?
	    mirror_error_set(call->err, MIRROR_ERR_NOMEM, "out of memory") :
	    run(&p, out, nout, used);
	*partial = p.partial;
	free(p.sb.value);
	free(p.sb.state);
	free(p.scratch);
	return e;
}
