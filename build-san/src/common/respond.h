/*
 * Response bodies of the four methods and of errors, written as compact
 * JSON in the member order of MIRROR-API.md's examples.
 */
#ifndef MIRROR_RESPOND_H
#define MIRROR_RESPOND_H

#include <stdbool.h>
#include <stddef.h>

#include "agg.h"
#include "buf.h"
#include "error.h"
#include "lists.h"
#include "series.h"

/* {"status":"OK","_type":"TestConnectionResponse"} */
void mirror_respond_connection_ok(struct mirror_buf *b);

/* A TestConnectionResponse with status FAILURE and a MetricStoreConnectionError. */
void mirror_respond_connection_failure(struct mirror_buf *b,
				       const struct mirror_error *err);

/* A FieldNamesResponse listing the first n fields of l. */
void mirror_respond_field_names(struct mirror_buf *b,
				const struct mirror_field_list *l, size_t n,
				bool partial);

/* A FieldValuesResponse listing the first n values of l. */
void mirror_respond_field_values(struct mirror_buf *b,
				 const struct mirror_value_list *l, size_t n,
				 bool partial);

/* A MetricsResponse with RawMetricTelemetry: [value, timestamp] pairs. */
void mirror_respond_raw(struct mirror_buf *b, const struct mirror_point *pts,
			size_t n, bool partial);

/* A MetricsResponse with AggregatedMetricTelemetry: [value, start, end]. */
void mirror_respond_aggregated(struct mirror_buf *b,
			       const struct mirror_bucket *buckets, size_t n,
			       bool partial);

/* The error body for err->code (see error.h for the _type of each). */
void mirror_respond_error(struct mirror_buf *b, const struct mirror_error *err);

#endif
