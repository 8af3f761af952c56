#include "config.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include "json/json_out.h"
#include "methods.h"
#include "metrics.h"
#include "metrics_info.h"
#include "store/bulkhead.h"

static const double bounds[MIRROR_METRICS_BOUNDS] = {0.001, 0.0025, 0.005,
	0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBOUNDS ((size_t)MIRROR_METRICS_BOUNDS)

/* Counted per error code; written per HTTP status (error.c's table). */
static atomic_ullong requests[MIRROR_METHOD_MAX + 1][MIRROR_ERR_MAX];
static atomic_ullong le[MIRROR_METHOD_MAX + 1][NBOUNDS];
static atomic_ullong sum_us[MIRROR_METHOD_MAX + 1];
static atomic_ullong buckets_by_store, buckets_by_mirror;

void
mirror_metrics_buckets(uint64_t by_store, uint64_t by_mirror)
{
	atomic_fetch_add_explicit(&buckets_by_store, by_store, memory_order_relaxed);
	atomic_fetch_add_explicit(&buckets_by_mirror, by_mirror, memory_order_relaxed);
}

double
mirror_metrics_bound(size_t i)
{
	return i < NBOUNDS ? bounds[i] : 0;
}

size_t
mirror_metrics_bucket(int64_t duration_us)
{
	double s = (double)duration_us / 1e6;
	size_t i;

	for (i = 0; i < NBOUNDS && s > bounds[i]; i++)
		;
	return i;
}

void
mirror_metrics_record(enum mirror_method method, enum mirror_err e,
		      int64_t duration_us)
{
	size_t i;

	if ((unsigned)method > MIRROR_METHOD_MAX)
		method = MIRROR_METHOD_MAX;
	if ((unsigned)e >= MIRROR_ERR_MAX)
		e = MIRROR_ERR_INTERNAL;
	atomic_fetch_add_explicit(&requests[method][e], 1,
	    memory_order_relaxed);
	atomic_fetch_add_explicit(&sum_us[method],
	    duration_us > 0 ? (unsigned long long)duration_us : 0,
	    memory_order_relaxed);
	/* Stored per bucket, not cumulative: one add per request. */
	i = mirror_metrics_bucket(duration_us);
	if (i < NBOUNDS)
		atomic_fetch_add_explicit(&le[method][i], 1, memory_order_relaxed);
}

static unsigned long long
load(atomic_ullong *a)
{
	return atomic_load_explicit(a, memory_order_relaxed);
}

/* True when no error code before e answers with e's status: each
 * status is written once, as the sum of its codes. */
static bool
first_of_status(enum mirror_err e)
{
	int k;

	for (k = 0; k < (int)e; k++)
		if (mirror_err_status((enum mirror_err)k) == mirror_err_status(e))
			return false;
	return true;
}

static unsigned long long
count_status(int m, int status)
{
	unsigned long long n = 0;
	int e;

	for (e = 0; e < MIRROR_ERR_MAX; e++)
		if (mirror_err_status((enum mirror_err)e) == status)
			n += load(&requests[m][e]);
	return n;
}

static void
write_requests(struct mirror_buf *b)
{
	char line[160];
	int m, e, status;

	mirror_buf_adds(b, "# HELP mirror_requests_total Requests answered, by method and HTTP status.\n"
	    "# TYPE mirror_requests_total counter\n");
	for (m = 0; m <= MIRROR_METHOD_MAX; m++) {
		for (e = 0; e < MIRROR_ERR_MAX; e++) {
			unsigned long long n;

			if (!first_of_status((enum mirror_err)e))
				continue;
			status = mirror_err_status((enum mirror_err)e);
			n = count_status(m, status);
			if (n == 0)
				continue;
			snprintf(line, sizeof line, "mirror_requests_total{method=\"%s\","
			    "status=\"%d\"} %llu\n", mirror_method(m)->label, status, n);
			mirror_buf_adds(b, line);
		}
	}
}

static unsigned long long
total(int m)
{
	unsigned long long n = 0;
	int e;

	for (e = 0; e < MIRROR_ERR_MAX; e++)
		n += load(&requests[m][e]);
	return n;
}

static void
write_histogram(struct mirror_buf *b, int m)
{
	unsigned long long cum = 0, count = total(m);
	char line[320];
	size_t i;

	for (i = 0; i < NBOUNDS; i++) {
		cum += load(&le[m][i]);
		snprintf(line, sizeof line, "mirror_request_duration_seconds_bucket"
		    "{method=\"%s\",le=\"%g\"} %llu\n", mirror_method(m)->label, bounds[i], cum);
		mirror_buf_adds(b, line);
	}
	snprintf(line, sizeof line, "mirror_request_duration_seconds_bucket"
	    "{method=\"%s\",le=\"+Inf\"} %llu\n"
	    "mirror_request_duration_seconds_sum{method=\"%s\"} %.6f\n"
	    "mirror_request_duration_seconds_count{method=\"%s\"} %llu\n",
	    mirror_method(m)->label, count, mirror_method(m)->label,
	    (double)load(&sum_us[m]) / 1e6, mirror_method(m)->label, count);
	mirror_buf_adds(b, line);
}

static void
write_buckets(struct mirror_buf *b)
{
	char line[200];

	mirror_buf_adds(b, "# HELP mirror_aggregated_buckets_total Buckets of aggregated "
	    "answers, by who computed them: the store (pushed down) or the mirror "
	    "from raw points.\n# TYPE mirror_aggregated_buckets_total counter\n");
	snprintf(line, sizeof line, "mirror_aggregated_buckets_total{by=\"store\"} %llu\n"
	    "mirror_aggregated_buckets_total{by=\"mirror\"} %llu\n",
	    load(&buckets_by_store), load(&buckets_by_mirror));
	mirror_buf_adds(b, line);
}

void
mirror_metrics_write(struct mirror_buf *b)
{
	int m;

	mirror_metrics_write_info(b);
	write_requests(b);
	mirror_buf_adds(b, "# HELP mirror_request_duration_seconds Time to answer a request.\n"
	    "# TYPE mirror_request_duration_seconds histogram\n");
	for (m = 0; m <= MIRROR_METHOD_MAX; m++)
		write_histogram(b, m);
	mirror_bulkhead_metrics_write(b);
	write_buckets(b);
}
