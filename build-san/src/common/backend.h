/*
 * The backend interface: how the mirror asks a telemetry store for data.
 * Each store fills one const struct mirror_backend; backend.c lists them.
 * Backends see only the validated query model, never JSON or HTTP.
 */
#ifndef MIRROR_BACKEND_H
#define MIRROR_BACKEND_H

#include "conf.h"
#include "error.h"
#include "lists.h"
#include "query.h"
#include "series.h"

/* Everything one backend call needs; all borrowed for the call's duration. */
struct mirror_call {
	void *state;                   /* the backend's per-worker state, or NULL */
	const struct mirror_conf *conf;
	const struct mirror_query *q;
	struct mirror_error *err;      /* filled on failure */
};

struct mirror_backend {
	const char *name;              /* connectionDetails.backend */

	/* Optional: per-worker state (e.g. a kept-alive HTTP handle), made
	 * once per worker thread and never shared between threads. */
	enum mirror_err (*state_new)(const struct mirror_conf *conf, void **state);
	void (*state_free)(void *state);

	/* MIRROR_OK when the store is reachable; otherwise the reason in
	 * call->err (answered as TestConnectionResponse FAILURE). */
	enum mirror_err (*test_connection)(const struct mirror_call *call);

	/* Field names matching q->conds; out->partial when cut. */
	enum mirror_err (*field_names)(const struct mirror_call *call,
				       struct mirror_field_list *out);

	/* Values of q->field starting with q->prefix, after q->offset. */
	enum mirror_err (*field_values)(const struct mirror_call *call,
					struct mirror_value_list *out);

	/* The points of the one series q->conds select, ascending, covering
	 * at least [q->start_ms, q->end_ms). NaN may be returned (the core
	 * applies decision 5). out->max bounds what may be stored. */
	enum mirror_err (*metric_points)(const struct mirror_call *call,
					 struct mirror_series *out);
};

/* The backend registered under name, or NULL. */
const struct mirror_backend *mirror_backend_find(const char *name);

/* The backends compiled in, in registration order; *n receives the count. */
const struct mirror_backend *const *mirror_backend_all(size_t *n);

extern const struct mirror_backend mirror_backend_sample;
extern const struct mirror_backend mirror_backend_prometheus;

#endif
