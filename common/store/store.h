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

/* What a store says of one bucket it was asked to aggregate itself. */
enum mirror_bucket_state {
	MIRROR_BUCKET_RAW,     /* not answered: the core computes it from points */
	MIRROR_BUCKET_VALUE,   /* value is the engine's answer for the bucket */
	MIRROR_BUCKET_EMPTY,   /* no point falls in the bucket */
	MIRROR_BUCKET_STATE_MAX
};

/*
 * The buckets of an aggregated query: n consecutive epoch-aligned
 * buckets of q->bucket_ms from `first` on, the ones intersecting
 * [q->start_ms, q->end_ms) (MIRROR-API.md decision 1). The core sizes
 * and owns the arrays, every state MIRROR_BUCKET_RAW on entry.
 */
struct mirror_store_buckets {
	int64_t first;                 /* start of bucket 0, epoch ms */
	size_t n;
	double *value;
	unsigned char *state;          /* enum mirror_bucket_state */
	bool answered;                 /* the store took the query at all */
};

/* Everything one store call needs; all borrowed for the call's duration. */
struct mirror_call {
	void *state;                   /* the store's per-worker state, or NULL */
	const struct mirror_conf *conf;
	const struct mirror_query *q;
	struct mirror_error *err;      /* filled on failure */
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
	 * itself ("pushed down"; common/pushdown.c puts the answer together).
	 * For each bucket of out it may set a VALUE, bit for bit what agg.c
	 * computes, after decision 5 for q->nan_as_zero, from the points
	 * metric_points returns for the part of the bucket inside [q->start_ms,
	 * q->end_ms); or EMPTY, when no such point exists; or leave it RAW for
	 * the core to compute from metric_points over that bucket's span.
	 * Declining the whole query (out->answered false, MIRROR_OK: the
	 * method, the field's type, a series that might not exist, ...) sends
	 * it the raw way; so do MIRROR_ERR_STORE and MIRROR_ERR_BAD_REQUEST,
	 * so that the raw path gives its own answer or error. Any other error
	 * is the answer. Each store's tests prove the equality for what it
	 * pushes down (tests/prometheus, tests/influxdb).
	 */
	enum mirror_err (*metric_buckets)(const struct mirror_call *call,
					  struct mirror_store_buckets *out);
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
