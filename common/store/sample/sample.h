/*
 * Insides of the sample store (backend_sample.c): a fixed catalogue of
 * hosts and metrics, its fields, and a generator that computes any point
 * from (series, timestamp) alone, so nothing is ever stored and every
 * worker thread can read it at once. README.md, "The sample store",
 * describes the data for users.
 */
#ifndef MIRROR_SAMPLE_H
#define MIRROR_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "lists.h"
#include "query.h"
#include "series.h"

/* Points are 10 s apart, at timestamps that are multiples of this. */
#define MIRROR_SAMPLE_STEP_MS 10000

/* Bits of struct mirror_sample_host.service, for mirror_sample_metric.on. */
#define MIRROR_SAMPLE_WEB 0x1u
#define MIRROR_SAMPLE_POSTGRES 0x2u
#define MIRROR_SAMPLE_REDIS 0x4u
#define MIRROR_SAMPLE_ALL 0x7u

struct mirror_sample_host {
	const char *name;
	const char *service;
	unsigned service_bit;         /* MIRROR_SAMPLE_WEB, ... */
	const char *region;
	const char *owner;            /* classified */
	const char *version;          /* NULL: the field is absent */
	int cpu_cores;
	int max_connections;          /* 0: the field is absent */
	bool canary;
	double load;                  /* scales gauges and counter rates */
	double mem_bytes;             /* scales MIRROR_SAMPLE_MEM metrics */
	int64_t peak_ms;              /* busiest time of day, ms after 00:00 UTC */
	int64_t restart_every_ms;     /* counters reset at each restart */
	int64_t restart_at_ms;        /* restarts at t == restart_at (mod every) */
};

enum mirror_sample_kind {
	MIRROR_SAMPLE_GAUGE,
	MIRROR_SAMPLE_COUNTER,
	MIRROR_SAMPLE_REST,           /* hi minus the gauges named in parts[] */
	MIRROR_SAMPLE_KIND_MAX
};

struct mirror_sample_metric {
	const char *name;             /* dotted */
	const char *unit;
	enum mirror_sample_kind kind;
	unsigned on;                  /* services that report it */
	/*
	 * Gauges: base + amp * daily cycle (both times host load), plus
	 * smooth noise and jitter, clamped to [lo, hi], times mem_bytes when
	 * mem, rounded to 1/round. Counters: rate per second (times load)
	 * varying by +-amp (a fraction) over the day.
	 */
	double base, amp, smooth, jitter, lo, hi;
	double rate;
	double round;
	bool mem;
	bool spikes;                  /* rare 3-5x outliers (latency tails) */
	bool nan;                     /* NaN stretches (value unknown) */
	const char *parts[2];         /* MIRROR_SAMPLE_REST: subtracted gauges */
};

struct mirror_sample_series {
	const struct mirror_sample_host *host;
	const struct mirror_sample_metric *metric;
};

/* Upper bound on the number of series, for callers' arrays. */
#define MIRROR_SAMPLE_SERIES_MAX 128

/* Fields every series may carry, in declaration order. */
enum mirror_sample_col {
	MIRROR_SAMPLE_COL_METRIC,
	MIRROR_SAMPLE_COL_HOST,
	MIRROR_SAMPLE_COL_SERVICE,
	MIRROR_SAMPLE_COL_REGION,
	MIRROR_SAMPLE_COL_KIND,
	MIRROR_SAMPLE_COL_UNIT,
	MIRROR_SAMPLE_COL_CPU_CORES,
	MIRROR_SAMPLE_COL_CANARY,
	MIRROR_SAMPLE_COL_VERSION,
	MIRROR_SAMPLE_COL_MAX_CONNECTIONS,
	MIRROR_SAMPLE_COL_OWNER,
	MIRROR_SAMPLE_COL_VALUE,      /* the measurement: not a label */
	MIRROR_SAMPLE_COL_MAX
};

struct mirror_sample_field {
	const char *name;
	enum mirror_field_type type;
	bool classified;
	bool dotted;                  /* hierarchical: values group at dots */
};

/* Room for any field's text form (the longest is a metric name). */
#define MIRROR_SAMPLE_TEXT_MAX 64

/* Fills out (MIRROR_SAMPLE_SERIES_MAX entries) with every series; returns the count. */
size_t mirror_sample_series_all(struct mirror_sample_series *out);

/* The field of column col (col < MIRROR_SAMPLE_COL_MAX). */
const struct mirror_sample_field *mirror_sample_field(enum mirror_sample_col col);

/* Column of the field called name, or MIRROR_SAMPLE_COL_MAX. */
enum mirror_sample_col mirror_sample_field_find(const char *name);

/*
 * Text form of a label of s ("web-1", "4", "true") in buf, or NULL when
 * the series lacks it; always NULL for MIRROR_SAMPLE_COL_VALUE.
 */
const char *mirror_sample_field_text(const struct mirror_sample_series *s,
				     enum mirror_sample_col col, char *buf,
				     size_t size);

/* True when s carries the field (the value field always). */
bool mirror_sample_field_present(const struct mirror_sample_series *s,
				 enum mirror_sample_col col);

/*
 * True when s satisfies the first n conditions (all ANDed), ignoring
 * those on skip_key (NULL: none). A key that is not a label matches nothing.
 */
bool mirror_sample_series_matches(const struct mirror_sample_series *s,
				  const struct mirror_condition *conds, size_t n,
				  const char *skip_key);

/* The metric called name, or NULL. */
const struct mirror_sample_metric *mirror_sample_metric_find(const char *name);

/* What mirror_sample_generate should produce. */
struct mirror_sample_gen {
	int64_t start_ms, end_ms;     /* points with start <= t < end */
	uint64_t cap;                 /* stop after this many counted points */
	bool backward;                /* count from the end (latestFirst) */
	bool nan_counts;              /* NaN points count towards cap */
	bool constant;                /* every point is value, not the metric */
	double value;
};

/*
 * Appends the points of s in the range to out, ascending, skipping the
 * series' gaps; stops at r->cap counted points (the latest ones when
 * backward) or when out refuses a point (out->truncated). Returns
 * MIRROR_ERR_NOMEM or MIRROR_OK.
 */
enum mirror_err mirror_sample_generate(const struct mirror_sample_series *s,
				       const struct mirror_sample_gen *r,
				       struct mirror_series *out);

/*
 * Distinct values of field col (sorted, strcmp order) among the series
 * that satisfy the first n conditions, ignoring those on skip_key; joined
 * with ", " into buf (cut short with "..." when it does not fit).
 * Returns the number of distinct values.
 */
size_t mirror_sample_values_join(enum mirror_sample_col col,
				 const struct mirror_condition *conds, size_t n,
				 const char *skip_key, char *buf, size_t size);

/* The field_values method of the sample backend (see backend.h). */
enum mirror_err mirror_sample_field_values(const struct mirror_query *q,
					   struct mirror_value_list *out);

/*
 * True when the condition accepts the text value s: StringValue equal,
 * InSetValue containing it; DoubleValue and BooleanValue compare against
 * the text form the sample store uses ("1.5", "true"). sample_match.c.
 */
bool mirror_sample_condition_matches(const struct mirror_condition *c, const char *s);

/* The sample store's row in the registry (backend_sample.c). */
struct mirror_store;
extern const struct mirror_store mirror_store_sample;

#endif
