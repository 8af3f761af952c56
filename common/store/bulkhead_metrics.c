/*
 * /metrics per store origin, from the bulkhead's table (bulkhead.c), in
 * the style of metrics.c: one HELP/TYPE block per family, then a line per
 * origin. The origin label is bounded twice: only allowlisted URLs reach
 * the table, and it tracks at most MIRROR_BULKHEAD_ORIGINS of them.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "bulkhead.h"

/* Appends s as a label value: backslash, quote and newline escaped
 * (Prometheus text exposition format 0.0.4). */
static void
add_label(struct mirror_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			mirror_buf_addc(b, '\\');
		if (*s == '\n')
			mirror_buf_adds(b, "\\n");
		else
			mirror_buf_addc(b, *s);
	}
}

/* name{origin="..."[,extra]} value */
static void
add_line(struct mirror_buf *b, const char *name, const char *origin,
	 const char *extra, unsigned long long v)
{
	char num[32];

	mirror_buf_adds(b, name);
	mirror_buf_adds(b, "{origin=\"");
	add_label(b, origin);
	mirror_buf_addc(b, '"');
	if (extra != NULL) {
		mirror_buf_addc(b, ',');
		mirror_buf_adds(b, extra);
	}
	snprintf(num, sizeof num, "} %llu\n", v);
	mirror_buf_adds(b, num);
}

static void
add_head(struct mirror_buf *b, const char *name, const char *type,
	 const char *help)
{
	mirror_buf_adds(b, "# HELP ");
	mirror_buf_adds(b, name);
	mirror_buf_addc(b, ' ');
	mirror_buf_adds(b, help);
	mirror_buf_adds(b, "\n# TYPE ");
	mirror_buf_adds(b, name);
	mirror_buf_addc(b, ' ');
	mirror_buf_adds(b, type);
	mirror_buf_addc(b, '\n');
}

/* One family with one plain value per origin. */
struct simple {
	const char *name, *type, *help;
	size_t off;   /* of the uint64_t in struct mirror_bulkhead_stats */
};

#define FIELD(f) offsetof(struct mirror_bulkhead_stats, f)

static const struct simple simples[] = {
	{"mirror_store_in_flight", "gauge", "Mirror requests using the store "
	    "origin now (at most MIRROR_STORE_MAX_INFLIGHT).", FIELD(in_flight)},
	{"mirror_store_refused_total", "counter", "Requests answered 503 at "
	    "once because the store origin was at its cap.", FIELD(refused)},
	{"mirror_store_requests_total", "counter", "HTTP requests sent to the "
	    "store origin.", FIELD(requests)},
	{"mirror_store_response_bytes_total", "counter", "Answer bytes "
	    "received from the store origin.", FIELD(bytes)},
};

static uint64_t
field(const struct mirror_bulkhead_stats *s, size_t off)
{
	return *(const uint64_t *)(const void *)((const char *)s + off);
}

static void
write_fails(struct mirror_buf *b, const struct mirror_bulkhead_stats *s, size_t n)
{
	char extra[64];
	size_t i;
	int f;

	add_head(b, "mirror_store_errors_total", "counter", "Failed store HTTP "
	    "requests by error: timeout, connect_timeout, connect, too_large, "
	    "http_4xx, http_5xx, other.");
	for (i = 0; i < n; i++)
		for (f = 0; f < MIRROR_STORE_FAIL_NONE; f++) {
			if (s[i].fails[f] == 0)
				continue;
			snprintf(extra, sizeof extra, "error=\"%s\"",
			    mirror_store_fail_label((enum mirror_store_fail)f));
			add_line(b, "mirror_store_errors_total", s[i].origin, extra,
			    s[i].fails[f]);
		}
}

static void
write_histogram(struct mirror_buf *b, const struct mirror_bulkhead_stats *s)
{
	unsigned long long cum = 0;
	char extra[48], line[64];
	size_t i;

	for (i = 0; i < MIRROR_METRICS_BOUNDS; i++) {
		cum += s->le[i];
		snprintf(extra, sizeof extra, "le=\"%g\"", mirror_metrics_bound(i));
		add_line(b, "mirror_store_request_duration_seconds_bucket", s->origin,
		    extra, cum);
	}
	add_line(b, "mirror_store_request_duration_seconds_bucket", s->origin,
	    "le=\"+Inf\"", s->requests);
	mirror_buf_adds(b, "mirror_store_request_duration_seconds_sum{origin=\"");
	add_label(b, s->origin);
	snprintf(line, sizeof line, "\"} %.6f\n", (double)s->sum_us / 1e6);
	mirror_buf_adds(b, line);
	add_line(b, "mirror_store_request_duration_seconds_count", s->origin, NULL,
	    s->requests);
}

void
mirror_bulkhead_metrics_write(struct mirror_buf *b)
{
	struct mirror_bulkhead_stats *s = malloc(MIRROR_BULKHEAD_ORIGINS * sizeof *s);
	uint64_t evicted = 0;
	char line[80];
	size_t n, i, k;

	if (s == NULL)
		return;
	n = mirror_bulkhead_snapshot(s, MIRROR_BULKHEAD_ORIGINS, &evicted);
	for (k = 0; k < sizeof simples / sizeof simples[0]; k++) {
		add_head(b, simples[k].name, simples[k].type, simples[k].help);
		for (i = 0; i < n; i++)
			add_line(b, simples[k].name, s[i].origin, NULL,
			    field(&s[i], simples[k].off));
	}
	write_fails(b, s, n);
	add_head(b, "mirror_store_request_duration_seconds", "histogram",
	    "Time of one store HTTP request.");
	for (i = 0; i < n; i++)
		write_histogram(b, &s[i]);
	free(s);
	add_head(b, "mirror_store_origins_evicted_total", "counter", "Idle store "
	    "origins forgotten to make room for another (MIRROR_BULKHEAD_ORIGINS "
	    "are tracked).");
	snprintf(line, sizeof line, "mirror_store_origins_evicted_total %llu\n",
	    (unsigned long long)evicted);
	mirror_buf_adds(b, line);
}
