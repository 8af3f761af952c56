#include "config.h"

#include <stdatomic.h>
#include <stdio.h>

#include "json_out.h"
#include "metrics.h"

/* Status classes kept apart: the ones an operator alerts on. */
enum status_slot { S_200, S_400, S_401, S_404, S_405, S_413, S_500, S_502, S_504,
		   S_OTHER, S_MAX };

static const int slot_status[S_MAX] = {200, 400, 401, 404, 405, 413, 500, 502,
				       504, 0};

/* Histogram bounds in seconds, Prometheus' default buckets from 1 ms. */
static const double bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
				0.25, 0.5, 1, 2.5, 5, 10};
#define NBOUNDS (sizeof bounds / sizeof bounds[0])

static const char *const method_label[MIRROR_METHOD_MAX + 1] = {
	[MIRROR_METHOD_CONNECTION] = "connection",
	[MIRROR_METHOD_FIELD_NAMES] = "field_name",
	[MIRROR_METHOD_FIELD_VALUES] = "field_value",
	[MIRROR_METHOD_METRIC] = "metric",
	[MIRROR_METHOD_MAX] = "other",
};

static atomic_ullong requests[MIRROR_METHOD_MAX + 1][S_MAX];
static atomic_ullong le[MIRROR_METHOD_MAX + 1][NBOUNDS];
static atomic_ullong sum_us[MIRROR_METHOD_MAX + 1];

static enum status_slot
slot(int status)
{
	int i;

	for (i = 0; i < S_OTHER; i++)
		if (slot_status[i] == status)
			return (enum status_slot)i;
	return S_OTHER;
}

void
mirror_metrics_record(enum mirror_method method, int status, int64_t duration_us)
{
	double s = (double)duration_us / 1e6;
	size_t i;

	if ((unsigned)method > MIRROR_METHOD_MAX)
		method = MIRROR_METHOD_MAX;
	atomic_fetch_add_explicit(&requests[method][slot(status)], 1,
	    memory_order_relaxed);
	atomic_fetch_add_explicit(&sum_us[method],
	    duration_us > 0 ? (unsigned long long)duration_us : 0,
	    memory_order_relaxed);
	/* Stored per bucket, not cumulative: one add per request. */
	for (i = 0; i < NBOUNDS && s > bounds[i]; i++)
		;
	if (i < NBOUNDS)
		atomic_fetch_add_explicit(&le[method][i], 1, memory_order_relaxed);
}

static unsigned long long
load(atomic_ullong *a)
{
	return atomic_load_explicit(a, memory_order_relaxed);
}

static void
write_requests(struct mirror_buf *b)
{
	char line[160], status[8];
	int m, s;

	mirror_buf_adds(b, "# HELP mirror_requests_total Requests answered, by method and HTTP status.\n"
	    "# TYPE mirror_requests_total counter\n");
	for (m = 0; m <= MIRROR_METHOD_MAX; m++) {
		for (s = 0; s < S_MAX; s++) {
			unsigned long long n = load(&requests[m][s]);

			if (n == 0)
				continue;
			if (s == S_OTHER)
				snprintf(status, sizeof status, "other");
			else
				snprintf(status, sizeof status, "%d", slot_status[s]);
			snprintf(line, sizeof line, "mirror_requests_total{method=\"%s\","
			    "status=\"%s\"} %llu\n", method_label[m], status, n);
			mirror_buf_adds(b, line);
		}
	}
}

static unsigned long long
total(int m)
{
	unsigned long long n = 0;
	int s;

	for (s = 0; s < S_MAX; s++)
		n += load(&requests[m][s]);
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
		    "{method=\"%s\",le=\"%g\"} %llu\n", method_label[m], bounds[i], cum);
		mirror_buf_adds(b, line);
	}
	snprintf(line, sizeof line, "mirror_request_duration_seconds_bucket"
	    "{method=\"%s\",le=\"+Inf\"} %llu\n"
	    "mirror_request_duration_seconds_sum{method=\"%s\"} %.6f\n"
	    "mirror_request_duration_seconds_count{method=\"%s\"} %llu\n",
	    method_label[m], count, method_label[m],
	    (double)load(&sum_us[m]) / 1e6, method_label[m], count);
	mirror_buf_adds(b, line);
}

void
mirror_metrics_write(struct mirror_buf *b)
{
	int m;

	write_requests(b);
	mirror_buf_adds(b, "# HELP mirror_request_duration_seconds Time to answer a request.\n"
	    "# TYPE mirror_request_duration_seconds histogram\n");
	for (m = 0; m <= MIRROR_METHOD_MAX; m++)
		write_histogram(b, m);
}
