/*
 * The mirror's own counters, exposed in Prometheus text format (issue 4,
 * "Logs"): requests by method and status, and a latency histogram.
 * Process-wide and lock-free: worker threads only add to atomics.
 */
#ifndef MIRROR_METRICS_H
#define MIRROR_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "query.h"

/* Counts one answered request with its outcome (MIRROR_OK for answers);
 * method is MIRROR_METHOD_MAX for other paths. */
void mirror_metrics_record(enum mirror_method method, enum mirror_err e,
			   int64_t duration_us);

/* The upper bounds of every latency histogram, in seconds: Prometheus'
 * default buckets from 1 ms. */
#define MIRROR_METRICS_BOUNDS 13
double mirror_metrics_bound(size_t i);

/* The bucket of a duration: the index of the first bound at or above it,
 * MIRROR_METRICS_BOUNDS when it is above them all. */
size_t mirror_metrics_bucket(int64_t duration_us);

/* Counts aggregated buckets: answered by the store itself (pushed down,
 * store.h) and computed by the mirror from raw points. */
void mirror_metrics_buckets(uint64_t by_store, uint64_t by_mirror);

/* Writes every counter in Prometheus text exposition format 0.0.4. */
void mirror_metrics_write(struct mirror_buf *b);

#endif
