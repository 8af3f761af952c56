/*
 * The sample backend: the embedded default store. It reaches no external
 * system; its telemetry is synthesised on demand (sample_gen.c) from a
 * fixed catalogue (sample_data.c), so the same request always gets the
 * same answer, at any time range. No state: state_new/state_free are NULL.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "sample.h"

/* A bounded text being appended to; silently cut at its size. */
struct text {
	char *buf;
	size_t size, len;
};

static void add(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->len + 1 >= t->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	t->len += (size_t)n < t->size - t->len ? (size_t)n : t->size - t->len - 1;
}

static bool
classified(const char *key)
{
	enum mirror_sample_col col = mirror_sample_field_find(key);

	return col != MIRROR_SAMPLE_COL_MAX && mirror_sample_field(col)->classified;
}

/* "host=web-1", "host in (web-1,web-2)"; classified values never shown. */
static void
add_condition(struct text *t, const struct mirror_condition *c)
{
	size_t i;

	if (classified(c->key)) {
		add(t, "%s=<classified>", c->key);
		return;
	}
	switch (c->type) {
	case MIRROR_VALUE_STRING: add(t, "%s=%s", c->key, c->str); break;
	case MIRROR_VALUE_DOUBLE: add(t, "%s=%g", c->key, c->num); break;
	case MIRROR_VALUE_BOOLEAN:
		add(t, "%s=%s", c->key, c->boolean ? "true" : "false");
		break;
	case MIRROR_VALUE_IN_SET:
		add(t, "%s in (", c->key);
		for (i = 0; i < c->set_len; i++)
			add(t, "%s%s", i ? "," : "", c->set[i]);
		add(t, ")");
		break;
	default: add(t, "%s=?", c->key); break;
	}
}

/* The selection as MetricNotFoundError.metric: "metric=cpu.user,host=web-9". */
static void
selection(const struct mirror_query *q, char *buf, size_t size)
{
	struct text t = {buf, size, 0};
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < q->nconds; i++) {
		add(&t, "%s", i ? "," : "");
		add_condition(&t, &q->conds[i]);
	}
	if (q->nconds == 0)
		add(&t, "(no conditions)");
	mirror_text_scrub(buf);
}

/* Number of series that satisfy the first n conditions of q. */
static size_t
count_matches(const struct mirror_query *q, size_t n)
{
	struct mirror_sample_series all[MIRROR_SAMPLE_SERIES_MAX];
	size_t i, total = mirror_sample_series_all(all), count = 0;

	for (i = 0; i < total; i++)
		if (mirror_sample_series_matches(&all[i], q->conds, n, NULL))
			count++;
	return count;
}

/* Why condition i leaves nothing, given the ones before it. */
static void
explain_empty(const struct mirror_query *q, size_t i, struct text *t)
{
	const struct mirror_condition *c = &q->conds[i];
	enum mirror_sample_col col = mirror_sample_field_find(c->key);
	char values[MIRROR_DETAILS_MAX / 2];

	if (col == MIRROR_SAMPLE_COL_MAX) {
		add(t, "the sample store has no field '%s'", c->key);
		return;
	}
	if (col == MIRROR_SAMPLE_COL_VALUE) {
		add(t, "'value' is the measurement and cannot select series");
		return;
	}
	add(t, "no series has ");
	add_condition(t, c);
	add(t, "%s", i ? " together with the conditions before it" : "");
	if (mirror_sample_values_join(col, q->conds, i, NULL, values,
	    sizeof values) == 0)
		add(t, "; those series have no field %s", c->key);
	else if (mirror_sample_field(col)->classified)
		add(t, "; %s is classified, its values are not shown", c->key);
	else
		add(t, "; %s there: %s", c->key, values);
}

/* MetricNotFoundError naming the selection and the condition that emptied it. */
static enum mirror_err
not_found(const struct mirror_query *q, struct mirror_error *err)
{
	char details[MIRROR_DETAILS_MAX];
	struct text t = {details, sizeof details, 0};
	size_t i;

	details[0] = '\0';
	for (i = 0; i < q->nconds; i++)
		if (count_matches(q, i + 1) == 0) {
			explain_empty(q, i, &t);
			break;
		}
	mirror_error_set(err, MIRROR_ERR_METRIC_NOT_FOUND, "%s", details);
	selection(q, err->metric, sizeof err->metric);
	return err->code;
}

/* Label columns whose values differ among the series q selects, in order. */
static size_t
differing(const struct mirror_query *q, enum mirror_sample_col *cols)
{
	char scratch[8];
	size_t n = 0;
	int col;

	for (col = 0; col < MIRROR_SAMPLE_COL_VALUE; col++)
		if (mirror_sample_values_join(col, q->conds, q->nconds, NULL,
		    scratch, sizeof scratch) > 1)
			cols[n++] = col;
	return n;
}

/*
 * Several series match: the request is ambiguous, not the store broken,
 * so 400, and like the Prometheus backend (MIRROR-API.md decision 7) the
 * details name the labels that differ. The first unclassified one is
 * offered with its values: "3 series match; add a condition on host
 * (web-1, web-2, web-3); they also differ in region, cpu_cores, ...".
 */
static enum mirror_err
ambiguous(const struct mirror_query *q, size_t matched, struct mirror_error *err)
{
	char details[MIRROR_DETAILS_MAX], values[MIRROR_DETAILS_MAX / 2];
	struct text t = {details, sizeof details, 0};
	enum mirror_sample_col cols[MIRROR_SAMPLE_COL_MAX];
	size_t i, n = differing(q, cols), best = n;
	const char *sep = "; they also differ in ";

	for (i = 0; i < n && best == n; i++)
		if (!mirror_sample_field(cols[i])->classified)
			best = i;
	add(&t, "%zu series match", matched);
	if (best < n) {
		mirror_sample_values_join(cols[best], q->conds, q->nconds, NULL,
		    values, sizeof values);
		add(&t, "; add a condition on %s (%s)",
		    mirror_sample_field(cols[best])->name, values);
	}
	for (i = 0; i < n; i++) {
		if (i == best)
			continue;
		add(&t, "%s%s", sep, mirror_sample_field(cols[i])->name);
		sep = ", ";
	}
	return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST, "%s", details);
}

/*
 * Which column metricField reads: absent, empty or "value" the
 * measurement; a NUMBER label its constant value over time. A STRING or
 * BOOLEAN field is UnsupportedFieldTypeError with the type's name as
 * details (the core writes it as mirrorType); an unknown one is
 * MetricNotFoundError.
 */
static enum mirror_err
value_column(const struct mirror_query *q, struct mirror_error *err,
	     enum mirror_sample_col *col)
{
	const char *name = q->metric_field;
	enum mirror_field_type type;

	*col = MIRROR_SAMPLE_COL_VALUE;
	if (name == NULL || *name == '\0')
		return MIRROR_OK;
	*col = mirror_sample_field_find(name);
	if (*col == MIRROR_SAMPLE_COL_MAX) {
		mirror_error_set(err, MIRROR_ERR_METRIC_NOT_FOUND,
		    "no field '%s' to read values from; NUMBER fields are "
		    "value, cpu_cores and max_connections", name);
		snprintf(err->metric, sizeof err->metric, "%s", name);
		mirror_text_scrub(err->metric);
		return err->code;
	}
	type = mirror_sample_field(*col)->type;
	if (type != MIRROR_FIELD_NUMBER)
		return mirror_error_set(err, MIRROR_ERR_UNSUPPORTED_TYPE, "%s",
		    mirror_field_type_name(type));
	return MIRROR_OK;
}

/* The one series q selects, or the error saying why there is not one. */
static enum mirror_err
select_one(const struct mirror_query *q, struct mirror_sample_series *one,
	   struct mirror_error *err)
{
	struct mirror_sample_series all[MIRROR_SAMPLE_SERIES_MAX];
	size_t i, total = mirror_sample_series_all(all), matched = 0;

	for (i = 0; i < total; i++) {
		if (!mirror_sample_series_matches(&all[i], q->conds, q->nconds, NULL))
			continue;
		if (matched++ == 0)
			*one = all[i];
	}
	if (matched == 0)
		return not_found(q, err);
	if (matched > 1)
		return ambiguous(q, matched, err);
	return MIRROR_OK;
}

/*
 * A raw answer keeps at most min(limit, MIRROR_MAX_POINTS) points
 * (decision 4): generating one more than that lets mirror_series_window
 * see that something was left out, and spares the rest of the range.
 * NaN points count only when the core will keep them (as 0).
 */
static void
plan(const struct mirror_call *call, struct mirror_sample_gen *r)
{
	const struct mirror_query *q = call->q;
	uint64_t keep = (uint64_t)q->limit;

	memset(r, 0, sizeof *r);
	r->start_ms = q->start_ms;
	r->end_ms = q->end_ms;
	r->cap = UINT64_MAX;
	r->nan_counts = q->nan_as_zero;
	if (q->aggregated)
		return;
	if (call->conf != NULL && keep > call->conf->max_points)
		keep = call->conf->max_points;
	r->cap = keep + 1;
	r->backward = q->latest_first;
}

static enum mirror_err
sample_metric_points(const struct mirror_call *call, struct mirror_series *out)
{
	const struct mirror_query *q = call->q;
	struct mirror_sample_series one;
	struct mirror_sample_gen r;
	enum mirror_sample_col col;
	char buf[MIRROR_SAMPLE_TEXT_MAX];
	const char *text = NULL;
	enum mirror_err e;

	e = value_column(q, call->err, &col);
	if (e == MIRROR_OK)
		e = select_one(q, &one, call->err);
	if (e != MIRROR_OK)
		return e;
	plan(call, &r);
	if (col != MIRROR_SAMPLE_COL_VALUE) {
		text = mirror_sample_field_text(&one, col, buf, sizeof buf);
		if (text == NULL) {
			selection(q, call->err->metric, sizeof call->err->metric);
			return mirror_error_set(call->err, MIRROR_ERR_METRIC_NOT_FOUND,
			    "series %s on %s has no field %s", one.metric->name,
			    one.host->name, q->metric_field);
		}
		r.constant = true;
		r.nan_counts = true;
		r.value = strtod(text, NULL);
	}
	e = mirror_sample_generate(&one, &r, out);
	if (e != MIRROR_OK)
		return mirror_error_set(call->err, e,
		    "out of memory generating points");
	return MIRROR_OK;
}

/* Fields carried by any matching series, in declaration order (sample_data.c). */
static enum mirror_err
sample_field_names(const struct mirror_call *call, struct mirror_field_list *out)
{
	const struct mirror_query *q = call->q;
	struct mirror_sample_series all[MIRROR_SAMPLE_SERIES_MAX];
	size_t i, total = mirror_sample_series_all(all);
	bool have[MIRROR_SAMPLE_COL_MAX] = {false};
	int64_t kept = 0;
	int col;

	for (i = 0; i < total; i++) {
		if (!mirror_sample_series_matches(&all[i], q->conds, q->nconds, NULL))
			continue;
		for (col = 0; col < MIRROR_SAMPLE_COL_MAX; col++)
			if (mirror_sample_field_present(&all[i], col))
				have[col] = true;
	}
	for (col = 0; col < MIRROR_SAMPLE_COL_MAX; col++) {
		const struct mirror_sample_field *f = mirror_sample_field(col);

		if (!have[col])
			continue;
		if (kept == q->limit) {
			out->partial = true;
			break;
		}
		if (mirror_field_list_push(out, f->name, f->type, f->classified)
		    != MIRROR_OK)
			return mirror_error_set(call->err, MIRROR_ERR_NOMEM,
			    "out of memory listing fields");
		kept++;
	}
	return MIRROR_OK;
}

static enum mirror_err
sample_field_values(const struct mirror_call *call, struct mirror_value_list *out)
{
	enum mirror_err e = mirror_sample_field_values(call->q, out);

	if (e != MIRROR_OK)
		return mirror_error_set(call->err, e, "out of memory listing values");
	return MIRROR_OK;
}

/* Embedded: there is nothing to reach, so the connection is always fine. */
static enum mirror_err
sample_test_connection(const struct mirror_call *call)
{
	(void)call;
	return MIRROR_OK;
}

const struct mirror_store mirror_store_sample = {
	.name = "sample",
	.test_connection = sample_test_connection,
	.field_names = sample_field_names,
	.field_values = sample_field_values,
	.metric_points = sample_metric_points,
};
