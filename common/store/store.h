/*
 * The store interface: how the mirror asks a telemetry store for data.
 *
 * Each store lives in its own folder under common/store/ and fills one
 * const struct mirror_store; registry.c lists them, one row each, and is
 * the only code that knows which stores exist. Stores see only the
 * validated query model, never the client's JSON or HTTP. Adding a store
 * is one folder and one row: docs/ARCHITECTURE.md, "How to add a store".
 */
#ifndef MIRROR_STORE_H
#define MIRROR_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "error.h"
#include "lists.h"
#include "query.h"
#include "agg.h"
#include "series.h"

struct json_object;

/* Everything one store call needs; all borrowed for the call's duration. */
struct mirror_call {
	void *state;                   /* the store's per-worker state, or NULL */
	const struct mirror_conf *conf;
	const struct mirror_query *q;
	struct mirror_error *err;      /* filled on failure */
};

/*
 * Room for the answer of metric_buckets(), owned by the core: b has room
 * for max buckets, max being the buckets [q->start_ms, q->end_ms) spans,
 * capped by MIRROR_MAX_BUCKETS; at least 1 (an empty range is never
 * pushed down).
 */
struct mirror_buckets {
	struct mirror_bucket *b;
	size_t max;
	size_t len;                    /* filled by the store */
	bool partial;                  /* filled by the store */
};

struct mirror_store {
	const char *name;              /* connectionDetails.backend */

	/* Optional: once per process, before any worker thread starts
	 * (e.g. curl_global_init), and its undoing after the last stops. */
	enum mirror_err (*global_init)(void);
	void (*global_cleanup)(void);

	/* Optional: true when connectionDetails that name no backend
	 * describe this store (e.g. a url and a database). Rows are asked in
	 * registry order, so a more specific claim comes before a broader. */
	bool (*claims)(struct json_object *details);

	/* Optional: per-worker state (e.g. a kept-alive HTTP handle), made
	 * on a worker's first call and never shared between threads. */
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

	/*
	 * Optional: an aggregated query (q->aggregated) answered by the store
	 * itself ("pushed down"). Either it gives exactly what the core's
	 * engine (agg.c) would give from the points metric_points returns,
	 * after decision 5 for q->nan_as_zero, or it declines:
	 *  - bucket k covers [k*B, (k+1)*B) ms, B = q->bucket_ms, aligned to
	 *    the epoch (decision 1); out->b[i].start and .end are those
	 *    unclipped bounds, even for the first and last bucket, which the
	 *    range cuts: their value uses only the points inside both the
	 *    bucket and [q->start_ms, q->end_ms);
	 *  - every bucket that intersects the range is reported, earliest
	 *    first, except empty ones: SUM and EVENT_COUNT report 0 for them,
	 *    every other method leaves them out (decision 2);
	 *  - values are finite and equal to the engine's up to the rounding of
	 *    a different summation order (1e-12 relative; tests/influxdb/
	 *    proves it for its store);
	 *  - at most out->max buckets: when reported buckets were left out
	 *    beyond them, out->partial is true (the core's MIRROR_MAX_BUCKETS
	 *    cut); a pushed-down answer reads no points, so MIRROR_MAX_STORE_
	 *    POINTS does not cut it.
	 * Returns MIRROR_ERR_NOT_PUSHED, with out->len 0 and call->err left
	 * clear, when the store cannot promise that answer (the method, the
	 * field's type, a store that cannot represent a sum, a series that
	 * might not exist, ...): the core then asks metric_points and
	 * aggregates itself. Any other error is the answer.
	 */
	enum mirror_err (*metric_buckets)(const struct mirror_call *call,
					  struct mirror_buckets *out);
};

/* --- registry.c -------------------------------------------------------- */

/* The store registered under name, or NULL. */
const struct mirror_store *mirror_store_find(const char *name);

/* The stores compiled in, in registration order; *n receives the count. */
const struct mirror_store *const *mirror_store_all(size_t *n);

/*
 * The store a query is for: connectionDetails.backend when given, else
 * the first store that claims the details, else conf's default. An
 * unknown name is MIRROR_ERR_BAD_REQUEST naming the known stores.
 */
enum mirror_err mirror_store_pick(const struct mirror_conf *conf,
				  const struct mirror_query *q,
				  const struct mirror_store **out,
				  struct mirror_error *err);

/* Writes the names of the stores, comma-separated, into out. */
void mirror_store_names(char *out, size_t size);

/*
 * The operator's store settings, checked once at start by the doors (the
 * library never exits): MIRROR_BACKEND must name a registered store and
 * every MIRROR_STORE_ALLOW entry must be usable (mirror_store_allow_check).
 * Returns MIRROR_ERR_BAD_REQUEST with the variable and the fix in err.
 */
enum mirror_err mirror_store_check(const struct mirror_conf *conf,
				   struct mirror_error *err);

/* Each worker's states of the stores, made on first use. */
struct mirror_store_states;

struct mirror_store_states *mirror_store_states_new(void);
void mirror_store_states_free(struct mirror_store_states *s);

/* The worker's state for store (made now if it is its first call; NULL
 * for a store without state). */
enum mirror_err mirror_store_state(struct mirror_store_states *s,
				   const struct mirror_store *store,
				   const struct mirror_conf *conf, void **state,
				   struct mirror_error *err);

#endif
