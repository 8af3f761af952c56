/*
 * The mirror's own counters, exposed in Prometheus text format (issue 4,
 * "Logs"): requests by method and status, and a latency histogram.
 * Process-wide and lock-free: worker threads only add to atomics.
 */
#ifndef MIRROR_METRICS_H
#define MIRROR_METRICS_H

#include <stdint.h>

#include "buf.h"
#include "query.h"

/* Counts one answered request; method is MIRROR_METHOD_MAX for other paths. */
void mirror_metrics_record(enum mirror_method method, int status,
			   int64_t duration_us);

/* Writes every counter in Prometheus text exposition format 0.0.4. */
void mirror_metrics_write(struct mirror_buf *b);

#endif
