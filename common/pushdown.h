/*
 * Aggregation pushed down to the store (store.h, metric_buckets): the
 * store's own bucket values, the buckets it leaves to the mirror computed
 * by the engine (agg.c) from raw points over just their span, and the
 * answer put together in bucket order.
 */
#ifndef MIRROR_PUSHDOWN_H
#define MIRROR_PUSHDOWN_H

#include <stdbool.h>
#include <stddef.h>

#include "agg.h"
#include "error.h"
#include "store/store.h"

/*
 * Answers call->q (aggregated) through store->metric_buckets into out
 * (room for cap buckets), as mirror_agg_run() would over all the store's
 * points: *nout buckets, *partial when the store cut raw points short.
 * *used is false when nothing was pushed down (no metric_buckets, the
 * query's "pushdown": false, more buckets than cap, or the store
 * declined); then the caller takes the raw path and nothing was changed.
 */
enum mirror_err mirror_pushdown_run(const struct mirror_store *store,
				    const struct mirror_call *call,
				    struct mirror_bucket *out, size_t cap,
				    size_t *nout, bool *partial, bool *used);

#endif
