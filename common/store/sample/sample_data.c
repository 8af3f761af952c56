/*
 * The sample store's catalogue: hosts, metrics, and the fields (labels)
 * each series carries. Everything here is const, so worker threads share
 * it freely. Change a row and the generated numbers change with it; the
 * tests in tests/check_sample.c pin a few of them on purpose.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sample.h"

#define HOUR_MS ((int64_t)3600000)
#define DAY_MS (24 * HOUR_MS)
#define GiB (1024.0 * 1024.0 * 1024.0)

/*
 * Peaks follow local afternoons (14:00 UTC in Europe, 19:00 UTC on the US
 * east coast). Restarts are staggered like a rolling deploy; the canary
 * is redeployed most often.
 */
static const struct mirror_sample_host hosts[] = {
	{"web-1", "web", MIRROR_SAMPLE_WEB, "eu-west-1", "team-storefront",
	 "2.14.1", 4, 0, false, 1.0, 8 * GiB, 14 * HOUR_MS,
	 3 * DAY_MS, 3 * HOUR_MS + 20 * 60000},
	{"web-2", "web", MIRROR_SAMPLE_WEB, "eu-west-1", "team-storefront",
	 "2.14.1", 4, 0, false, 0.85, 8 * GiB, 14 * HOUR_MS,
	 3 * DAY_MS, DAY_MS + 3 * HOUR_MS + 20 * 60000},
	{"web-3", "web", MIRROR_SAMPLE_WEB, "us-east-1", "team-storefront",
	 "2.15.0-rc1", 8, 0, true, 1.2, 16 * GiB, 19 * HOUR_MS,
	 2 * DAY_MS, 2 * HOUR_MS},
	{"db-1", "postgres", MIRROR_SAMPLE_POSTGRES, "eu-west-1", "team-data",
	 NULL, 16, 200, false, 0.6, 64 * GiB, 14 * HOUR_MS,
	 7 * DAY_MS, 4 * DAY_MS + 5 * HOUR_MS},
	{"cache-1", "redis", MIRROR_SAMPLE_REDIS, "us-east-1", "team-data",
	 NULL, 2, 0, false, 0.4, 16 * GiB, 19 * HOUR_MS,
	 5 * DAY_MS, 12 * HOUR_MS + 30 * 60000},
};

#define G MIRROR_SAMPLE_GAUGE
#define C MIRROR_SAMPLE_COUNTER
#define R MIRROR_SAMPLE_REST
#define ALL MIRROR_SAMPLE_ALL
#define WEB MIRROR_SAMPLE_WEB
#define PG MIRROR_SAMPLE_POSTGRES
#define REDIS MIRROR_SAMPLE_REDIS

static const struct mirror_sample_metric metrics[] = {
	{.name = "cpu.user", .unit = "percent", .kind = G, .on = ALL,
	 .base = 22, .amp = 14, .smooth = 5, .jitter = 1.5, .lo = 0, .hi = 95,
	 .round = 100},
	{.name = "cpu.system", .unit = "percent", .kind = G, .on = ALL,
	 .base = 7, .amp = 3, .smooth = 1.5, .jitter = 0.5, .lo = 0, .hi = 40,
	 .round = 100},
	{.name = "cpu.idle", .unit = "percent", .kind = R, .on = ALL,
	 .lo = 0, .hi = 100, .round = 100, .parts = {"cpu.user", "cpu.system"}},
	{.name = "mem.used", .unit = "bytes", .kind = G, .on = ALL, .mem = true,
	 .base = 0.5, .amp = 0.08, .smooth = 0.03, .jitter = 0.002, .lo = 0.05,
	 .hi = 0.97, .round = 1},
	{.name = "mem.free", .unit = "bytes", .kind = R, .on = ALL, .mem = true,
	 .lo = 0, .hi = 1, .round = 1, .parts = {"mem.used"}},
	{.name = "net.rx_bytes", .unit = "bytes", .kind = C, .on = ALL,
	 .rate = 2.5e6, .amp = 0.6},
	{.name = "net.tx_bytes", .unit = "bytes", .kind = C, .on = ALL,
	 .rate = 4e6, .amp = 0.6},
	{.name = "disk.read_ops", .unit = "operations", .kind = C, .on = ALL,
	 .rate = 150, .amp = 0.3},
	{.name = "disk.write_ops", .unit = "operations", .kind = C, .on = ALL,
	 .rate = 90, .amp = 0.3},
	{.name = "http.requests", .unit = "requests", .kind = C, .on = WEB,
	 .rate = 180, .amp = 0.7},
	{.name = "http.errors", .unit = "requests", .kind = C, .on = WEB,
	 .rate = 0.9, .amp = 0.7},
	{.name = "http.latency_ms", .unit = "milliseconds", .kind = G, .on = WEB,
	 .base = 38, .amp = 12, .smooth = 6, .jitter = 2.5, .lo = 3, .hi = 5000,
	 .round = 100, .spikes = true},
	{.name = "db.connections", .unit = "connections", .kind = G, .on = PG,
	 .base = 70, .amp = 50, .smooth = 8, .jitter = 2, .lo = 1, .hi = 200,
	 .round = 1},
	{.name = "db.queries", .unit = "queries", .kind = C, .on = PG,
	 .rate = 1400, .amp = 0.6},
	{.name = "db.replication_lag_s", .unit = "seconds", .kind = G, .on = PG,
	 .base = 0.4, .amp = 0.3, .smooth = 0.25, .jitter = 0.05, .lo = 0,
	 .hi = 600, .round = 1000, .nan = true},
	{.name = "cache.hits", .unit = "operations", .kind = C, .on = REDIS,
	 .rate = 5200, .amp = 0.6},
	{.name = "cache.misses", .unit = "operations", .kind = C, .on = REDIS,
	 .rate = 310, .amp = 0.5},
	{.name = "cache.keys", .unit = "keys", .kind = G, .on = REDIS,
	 .base = 1.9e6, .amp = 2e5, .smooth = 4e4, .jitter = 500, .lo = 0,
	 .hi = 1e8, .round = 1},
};

#define NHOSTS (sizeof hosts / sizeof hosts[0])
#define NMETRICS (sizeof metrics / sizeof metrics[0])

_Static_assert(NHOSTS * NMETRICS <= MIRROR_SAMPLE_SERIES_MAX,
	       "MIRROR_SAMPLE_SERIES_MAX is too small for the catalogue");

/*
 * Declaration order is the order of FieldNamesResponse: most useful first.
 * Only metric names are a hierarchy; a version such as "2.14.1" is not
 * folded into "2.*".
 */
#define F(col, name, type, classified, dotted) \
	[MIRROR_SAMPLE_COL_##col] = {name, MIRROR_FIELD_##type, classified, dotted}

static const struct mirror_sample_field fields[MIRROR_SAMPLE_COL_MAX] = {
	F(METRIC, "metric", STRING, false, true),
	F(HOST, "host", STRING, false, false),
	F(SERVICE, "service", STRING, false, false),
	F(REGION, "region", STRING, false, false),
	F(KIND, "kind", STRING, false, false),
	F(UNIT, "unit", STRING, false, false),
	F(CPU_CORES, "cpu_cores", NUMBER, false, false),
	F(CANARY, "canary", BOOLEAN, false, false),
	F(VERSION, "version", STRING, false, false),
	F(MAX_CONNECTIONS, "max_connections", NUMBER, false, false),
	F(OWNER, "owner", STRING, true, false),
	F(VALUE, "value", NUMBER, false, false),
};

size_t
mirror_sample_series_all(struct mirror_sample_series *out)
{
	size_t h, m, n = 0;

	for (h = 0; h < NHOSTS; h++)
		for (m = 0; m < NMETRICS; m++) {
			if ((metrics[m].on & hosts[h].service_bit) == 0)
				continue;
			out[n].host = &hosts[h];
			out[n].metric = &metrics[m];
			n++;
		}
	return n;
}

const struct mirror_sample_metric *
mirror_sample_metric_find(const char *name)
{
	size_t m;

	for (m = 0; m < NMETRICS; m++)
		if (strcmp(metrics[m].name, name) == 0)
			return &metrics[m];
	return NULL;
}

const struct mirror_sample_field *
mirror_sample_field(enum mirror_sample_col col)
{
	return &fields[(unsigned)col < MIRROR_SAMPLE_COL_MAX ? col : 0];
}

enum mirror_sample_col
mirror_sample_field_find(const char *name)
{
	int col;

	for (col = 0; col < MIRROR_SAMPLE_COL_MAX; col++)
		if (strcmp(fields[col].name, name) == 0)
			return (enum mirror_sample_col)col;
	return MIRROR_SAMPLE_COL_MAX;
}

/* NUMBER labels are whole numbers: "%d" is their canonical text. */
static const char *
number_text(int v, char *buf, size_t size)
{
	snprintf(buf, size, "%d", v);
	return buf;
}

const char *
mirror_sample_field_text(const struct mirror_sample_series *s,
			 enum mirror_sample_col col, char *buf, size_t size)
{
	const struct mirror_sample_host *h = s->host;

	switch (col) {
	case MIRROR_SAMPLE_COL_METRIC: return s->metric->name;
	case MIRROR_SAMPLE_COL_HOST: return h->name;
	case MIRROR_SAMPLE_COL_SERVICE: return h->service;
	case MIRROR_SAMPLE_COL_REGION: return h->region;
	case MIRROR_SAMPLE_COL_KIND:
		return s->metric->kind == MIRROR_SAMPLE_COUNTER ? "counter" : "gauge";
	case MIRROR_SAMPLE_COL_UNIT: return s->metric->unit;
	case MIRROR_SAMPLE_COL_CPU_CORES: return number_text(h->cpu_cores, buf, size);
	case MIRROR_SAMPLE_COL_CANARY: return h->canary ? "true" : "false";
	case MIRROR_SAMPLE_COL_VERSION: return h->version;
	case MIRROR_SAMPLE_COL_MAX_CONNECTIONS:
		if (h->max_connections == 0)
			return NULL;
		return number_text(h->max_connections, buf, size);
	case MIRROR_SAMPLE_COL_OWNER: return h->owner;
	default: return NULL;
	}
}

bool
mirror_sample_field_present(const struct mirror_sample_series *s,
			    enum mirror_sample_col col)
{
	char buf[MIRROR_SAMPLE_TEXT_MAX];

	if (col == MIRROR_SAMPLE_COL_VALUE)
		return true;
	return mirror_sample_field_text(s, col, buf, sizeof buf) != NULL;
}

/*
 * DoubleValue and BooleanValue conditions compare with the text forms
 * above; mirror_sample_condition_matches (sample_match.c) knows that convention.
 */
bool
mirror_sample_series_matches(const struct mirror_sample_series *s,
			     const struct mirror_condition *conds, size_t n,
			     const char *skip_key)
{
	char buf[MIRROR_SAMPLE_TEXT_MAX];
	const char *text;
	size_t i;

	for (i = 0; i < n; i++) {
		if (skip_key != NULL && strcmp(conds[i].key, skip_key) == 0)
			continue;
		text = mirror_sample_field_text(s,
		    mirror_sample_field_find(conds[i].key), buf, sizeof buf);
		if (text == NULL || !mirror_sample_condition_matches(&conds[i], text))
			return false;
	}
	return true;
}
