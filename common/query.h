/*
 * The query model: what a validated request asks for. parse.c builds it
 * from the JSON body; backends and the response writer only ever see this.
 */
#ifndef MIRROR_QUERY_H
#define MIRROR_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agg.h"

struct json_object;

/* The four methods of the API, by path. */
enum mirror_method {
	MIRROR_METHOD_CONNECTION,   /* /api/connection */
	MIRROR_METHOD_FIELD_NAMES,  /* /api/field/name */
	MIRROR_METHOD_FIELD_VALUES, /* /api/field/value */
	MIRROR_METHOD_METRIC,       /* /api/metric */
	MIRROR_METHOD_MAX
};

enum mirror_value_type {
	MIRROR_VALUE_STRING,   /* StringValue */
	MIRROR_VALUE_DOUBLE,   /* DoubleValue */
	MIRROR_VALUE_BOOLEAN,  /* BooleanValue */
	MIRROR_VALUE_IN_SET,   /* InSetValue: key equals any of set[] */
	MIRROR_VALUE_MAX
};

enum mirror_field_type {
	MIRROR_FIELD_STRING,
	MIRROR_FIELD_NUMBER,
	MIRROR_FIELD_BOOLEAN,
	MIRROR_FIELD_MAX
};

/* One EqualityCondition: key == value (or key in set). */
struct mirror_condition {
	char *key;                    /* owned */
	enum mirror_value_type type;
	char *str;                    /* owned; STRING */
	double num;                   /* DOUBLE */
	bool boolean;                 /* BOOLEAN */
	char **set;                   /* owned array of owned strings; IN_SET */
	size_t set_len;
};

/* A FieldDescriptor. */
struct mirror_field {
	char *name;                   /* owned */
	enum mirror_field_type type;
	bool classified;
};

struct mirror_query {
	enum mirror_method method;

	/* connectionDetails as sent (a JSON object; owned reference). */
	struct json_object *details;
	/* connectionDetails.backend, or NULL for the configured default. */
	const char *backend;          /* borrowed from details */
	/* connectionDetails.nan_interpretation == "ZERO" (decision 5). */
	bool nan_as_zero;
	/* connectionDetails.pushdown (default true): a store that can
	 * aggregate exactly may (store.h, metric_buckets). */
	bool pushdown;

	struct mirror_condition *conds;  /* owned array */
	size_t nconds;

	/* Time range [start_ms, end_ms), epoch ms; both 0 if absent (names/values). */
	int64_t start_ms;
	int64_t end_ms;
	bool has_range;

	int64_t limit;                /* >= 1; INT64_MAX if absent */
	bool latest_first;

	/* FieldValuesQuery */
	struct mirror_field field;
	char *prefix;                 /* owned; fieldValuePrefix or NULL */
	int64_t offset;               /* >= 0 */

	/* MetricsQuery */
	char *metric_field;           /* owned; metricField or NULL */
	bool aggregated;
	enum mirror_agg agg;
	int64_t bucket_ms;
};

/* Name of a field type as the API writes it ("STRING", ...). */
const char *mirror_field_type_name(enum mirror_field_type t);

/* Field type by API name; MIRROR_FIELD_MAX if unknown. */
enum mirror_field_type mirror_field_type_parse(const char *name);

/* Finds the condition on key, or NULL. */
const struct mirror_condition *mirror_query_condition(const struct mirror_query *q,
						      const char *key);

/* Initialises an empty query. */
void mirror_query_init(struct mirror_query *q);

/* Frees everything the query owns; the query may be initialised again. */
void mirror_query_free(struct mirror_query *q);

#endif
