/*
 * The entry point (handle.c): routing, the method, the key, the size cap,
 * parsing, the backend, and the status, headers and body of every answer
 * (MIRROR-API.md decision 6 and "Error bodies"). The default backend is
 * the sample store; its data belong to its own suite, so answers with data
 * are checked for their shape and for decision 1 and 4, not their values.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <json.h>

#include "conf.h"
#include "metrics_info.h"
#include "mirror.h"
#include "store/store.h"
#include "suites.h"

#define NROWS(a) ((int)(sizeof (a) / sizeof (a)[0]))

/* --- configurations, through mirror_conf_load ---------------------- */

enum conf_id {
	C_OPEN,       /* no key configured: no check, no header */
	C_KEYS,       /* MIRROR_API_KEY=k1,k2: checked */
	C_KEYS_OFF,   /* the same keys, MIRROR_KEY_CHECK=off */
	C_SMALL,      /* a 64-byte body cap */
	C_CAPS,       /* one bucket, two points, one field per answer */
	C_TINY_OUT,   /* a 4096-byte response cap */
	C_BACKEND,    /* MIRROR_BACKEND names no backend */
	C_PROM,       /* a store allowed at a closed port: unreachable */
	C_MAX
};

struct env {
	const char *name;
	const char *value;
};

static const struct env confs[C_MAX][4] = {
	[C_OPEN] = {{NULL, NULL}},
	[C_KEYS] = {{"MIRROR_API_KEY", "k1, k2"}},
	[C_KEYS_OFF] = {{"MIRROR_API_KEY", "k1,k2"}, {"MIRROR_KEY_CHECK", "off"}},
	[C_SMALL] = {{"MIRROR_MAX_BODY_BYTES", "64"}},
	[C_CAPS] = {{"MIRROR_MAX_BUCKETS", "1"}, {"MIRROR_MAX_POINTS", "2"},
		    {"MIRROR_MAX_FIELDS", "1"}},
	[C_TINY_OUT] = {{"MIRROR_MAX_RESPONSE_BYTES", "4096"}},
	[C_BACKEND] = {{"MIRROR_BACKEND", "nope"}},
	[C_PROM] = {{"MIRROR_STORE_ALLOW", "http://127.0.0.1:1/"}},
};

static const struct env *cur_env;

static const char *
fake_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < 4 && cur_env[i].name != NULL; i++)
		if (strcmp(cur_env[i].name, name) == 0)
			return cur_env[i].value;
	return NULL;
}

/* --- request bodies (' stands for ") ------------------------------- */

#define REQ_CONN(d) "{'_type':'TestConnectionRequest','connectionDetails':" d "}"
#define CONN REQ_CONN("{}")
#define REQ_NAMES(q) "{'_type':'FieldNamesRequest','connectionDetails':{}," \
	"'query':{'_type':'FieldNamesQuery'" q "}}"
#define REQ_VALUES(q) "{'_type':'FieldValuesRequest','connectionDetails':{}," \
	"'query':{'_type':'FieldValuesQuery','field':{'_type':'FieldDescriptor'," \
	"'fieldName':'host','fieldType':'STRING','classified':false}" q "}}"
#define REQ_METRIC(q) "{'_type':'MetricsRequest','connectionDetails':{}," \
	"'query':{'_type':'MetricsQuery'" q "}}"
#define COND(k, v) "{'key':'" k "','value':{'_type':'StringValue','value':'" v \
	"'},'_type':'EqualityCondition'}"
/* One series of the sample store: points every 10 s. */
#define ONE ",'conditions':[" COND("metric", "cpu.user") "," COND("host", "web-1") "]"
#define RANGE(s, e) ",'startTime':" s ",'endTime':" e
/* Port 1 on the loopback: refused at once, no network needed. */
#define PROM(url) "{'backend':'prometheus','url':'" url "'}"
#define PROM_METRIC "{'_type':'MetricsRequest','connectionDetails':" \
	PROM("http://127.0.0.1:1/") ",'query':{'_type':'MetricsQuery'," \
	"'conditions':[" COND("__name__", "up") "]" RANGE("0", "60000") "}}"
#define AGG(m, b) ",'aggregation':{'method':'" m "','bucketSizeMillis':" b \
	",'_type':'Aggregation'}"

/* --- expected bodies ------------------------------------------------ */

#define RME(summary, details) "{\"_type\":\"RemoteMirrorError\",\"summary\":\"" \
	summary "\",\"details\":\"" details "\"}"
#define E404 RME("unknown path", "the mirror answers POST /api/connection, " \
	"/api/field/name, /api/field/value and /api/metric")
#define E405 RME("method not allowed", "use POST")
#define E401 RME("missing or wrong API key", "X-MIRROR-API-KEY is missing or wrong")
#define E400(details) RME("invalid request", details)
#define CONN_OK "{\"status\":\"OK\",\"_type\":\"TestConnectionResponse\"}"
#define RAW_END "],\"dataFormat\":[\"value\",\"timestamp\"],\"isPartial\":false," \
	"\"_type\":\"RawMetricTelemetry\"},\"_type\":\"MetricsResponse\"}"
#define RAW_END_PARTIAL "],\"dataFormat\":[\"value\",\"timestamp\"]," \
	"\"isPartial\":true,\"_type\":\"RawMetricTelemetry\"},\"_type\":\"MetricsResponse\"}"
#define AGG_END "],\"dataFormat\":[\"value\",\"startTimestamp\",\"endTimestamp\"]," \
	"\"isPartial\":false,\"_type\":\"AggregatedMetricTelemetry\"}," \
	"\"_type\":\"MetricsResponse\"}"
#define AGG_END_PARTIAL "],\"dataFormat\":[\"value\",\"startTimestamp\"," \
	"\"endTimestamp\"],\"isPartial\":true,\"_type\":\"AggregatedMetricTelemetry\"}," \
	"\"_type\":\"MetricsResponse\"}"
#define POINTS "{\"telemetry\":{\"points\":["

/* --- rows ------------------------------------------------------------ */

struct handle_row {
	enum conf_id conf;
	const char *method;
	const char *path;
	const char *key;           /* X-MIRROR-API-KEY sent, or NULL */
	const char *body;          /* ' stands for "; NULL: none */
	int status;
	enum mirror_err err;
	const char *want;          /* the exact body; a prefix if suffix is set */
	const char *suffix;
	const char *echo;          /* X-MIRROR-API-KEY answered, or NULL: none */
	const char *backend;       /* resp.backend, or NULL */
	bool cl_given;             /* send .cl as Content-Length, not the body's */
	long long cl;
	/* Checks the parsed body of an answer with data. */
	void (*check)(struct json_object *root);
};

#define ROW(c, m, p, k, b, st, e, w, ...) {.conf = (c), .method = (m), \
	.path = (p), .key = (k), .body = (b), .status = (st), .err = (e), \
	.want = (w), __VA_ARGS__}
#define CL(n) .cl_given = true, .cl = (n)
#define SAMPLE .backend = "sample"

#define BAD MIRROR_ERR_BAD_REQUEST
#define OK MIRROR_OK

static void check_raw_range(struct json_object *root);
static void check_raw_first2(struct json_object *root);
static void check_raw_last2(struct json_object *root);
static void check_agg_aligned(struct json_object *root);
static void check_agg_unaligned(struct json_object *root);
static void check_agg_one(struct json_object *root);

static const struct handle_row good_rows[] = {
	/* /api/connection: the only answer whose bytes are all fixed. */
	ROW(C_OPEN, "POST", "/api/connection", NULL, CONN, 200, OK, CONN_OK, SAMPLE),
	ROW(C_OPEN, "POST", "/stackstate/api/connection", NULL, CONN, 200, OK,
	    CONN_OK, SAMPLE),
	ROW(C_OPEN, "POST", "/a/b/c/api/connection", NULL, CONN, 200, OK, CONN_OK,
	    SAMPLE),
	ROW(C_OPEN, "POST", "/api/connection", NULL, REQ_CONN("{'backend':'sample'}"),
	    200, OK, CONN_OK, SAMPLE),
	/* The key matched is the key echoed. */
	ROW(C_KEYS, "POST", "/api/connection", "k1", CONN, 200, OK, CONN_OK,
	    .echo = "k1", SAMPLE),
	ROW(C_KEYS, "POST", "/api/connection", "k2", CONN, 200, OK, CONN_OK,
	    .echo = "k2", SAMPLE),
	/* Key check off: any key or none passes, keys[0] is echoed. */
	ROW(C_KEYS_OFF, "POST", "/api/connection", NULL, CONN, 200, OK, CONN_OK,
	    .echo = "k1", SAMPLE),
	ROW(C_KEYS_OFF, "POST", "/api/connection", "wrong", CONN, 200, OK, CONN_OK,
	    .echo = "k1", SAMPLE),
	ROW(C_KEYS_OFF, "POST", "/api/connection", "k2", CONN, 200, OK, CONN_OK,
	    .echo = "k2", SAMPLE),
	/* An unreachable store is an answer, not an error (decision 6). */
	ROW(C_PROM, "POST", "/api/connection", NULL,
	    REQ_CONN(PROM("http://127.0.0.1:1/")), 200, OK,
	    "{\"status\":\"FAILURE\",\"error\":{\"_type\":"
	    "\"MetricStoreConnectionError\",\"details\":\"",
	    .suffix = "\"},\"_type\":\"TestConnectionResponse\"}",
	    .backend = "prometheus"),
	/* A body right at the cap is fine; so is a declared length at it. */
	ROW(C_SMALL, "POST", "/api/connection", NULL, CONN, 200, OK, CONN_OK,
	    SAMPLE, CL(64)),
	/* Absent Content-Length (-1) with a small body. */
	ROW(C_SMALL, "POST", "/api/connection", NULL, CONN, 200, OK, CONN_OK,
	    SAMPLE, CL(-1)),

	/* /api/field/name and /api/field/value: shape only. */
	ROW(C_OPEN, "POST", "/api/field/name", NULL, REQ_NAMES(""), 200, OK,
	    "{\"fields\":[{\"_type\":\"FieldDescriptor\",\"classified\":",
	    .suffix = "}],\"isPartial\":false,\"_type\":\"FieldNamesResponse\"}",
	    SAMPLE),
	ROW(C_OPEN, "POST", "/x/api/field/name", NULL, REQ_NAMES(",'limit':1"), 200,
	    OK, "{\"fields\":[{\"_type\":\"FieldDescriptor\",\"classified\":",
	    .suffix = "}],\"isPartial\":true,\"_type\":\"FieldNamesResponse\"}",
	    SAMPLE),
	/* The mirror's own cap on fields marks the answer partial too. */
	ROW(C_CAPS, "POST", "/api/field/name", NULL, REQ_NAMES(""), 200, OK,
	    "{\"fields\":[{\"_type\":\"FieldDescriptor\",\"classified\":",
	    .suffix = "}],\"isPartial\":true,\"_type\":\"FieldNamesResponse\"}",
	    SAMPLE),
	ROW(C_OPEN, "POST", "/api/field/value", NULL, REQ_VALUES(""), 200, OK,
	    "{\"values\":[{\"value\":\"",
	    .suffix = "],\"isPartial\":false,\"_type\":\"FieldValuesResponse\"}",
	    SAMPLE),
	ROW(C_CAPS, "POST", "/api/field/value", NULL, REQ_VALUES(""), 200, OK,
	    "{\"values\":[{\"value\":\"",
	    .suffix = "],\"isPartial\":true,\"_type\":\"FieldValuesResponse\"}",
	    SAMPLE),

	/* /api/metric, raw: decision 4. */
	ROW(C_OPEN, "POST", "/api/metric", NULL, REQ_METRIC(ONE RANGE("0", "60000")),
	    200, OK, POINTS "[", .suffix = RAW_END, SAMPLE, .check = check_raw_range),
	ROW(C_OPEN, "POST", "/api/metric", NULL,
	    REQ_METRIC(ONE RANGE("0", "60000") ",'limit':2"), 200, OK, POINTS "[",
	    .suffix = RAW_END_PARTIAL, SAMPLE, .check = check_raw_first2),
	ROW(C_OPEN, "POST", "/api/metric", NULL,
	    REQ_METRIC(ONE RANGE("0", "60000") ",'limit':2,'latestFirst':true"), 200,
	    OK, POINTS "[", .suffix = RAW_END_PARTIAL, SAMPLE,
	    .check = check_raw_last2),
	ROW(C_OPEN, "POST", "/api/metric", NULL,
	    REQ_METRIC(ONE RANGE("0", "60000") ",'limit':2,'lastFirst':true"), 200,
	    OK, POINTS "[", .suffix = RAW_END_PARTIAL, SAMPLE,
	    .check = check_raw_last2),
	/* MIRROR_MAX_POINTS cuts like a limit. */
	ROW(C_CAPS, "POST", "/api/metric", NULL, REQ_METRIC(ONE RANGE("0", "60000")),
	    200, OK, POINTS "[", .suffix = RAW_END_PARTIAL, SAMPLE,
	    .check = check_raw_first2),
	/* EqualityCondition's _type is optional, like every _type in a query. */
	ROW(C_OPEN, "POST", "/api/metric", NULL, REQ_METRIC(",'conditions':["
	    "{'key':'metric','value':{'_type':'StringValue','value':'cpu.user'}},"
	    "{'key':'host','value':{'_type':'StringValue','value':'web-1'}}]"
	    RANGE("0", "60000")), 200, OK, POINTS "[", .suffix = RAW_END, SAMPLE,
	    .check = check_raw_range),
	/* An empty range: no points, nothing left out. */
	ROW(C_OPEN, "POST", "/api/metric", NULL, REQ_METRIC(ONE RANGE("5", "5")), 200,
	    OK, POINTS RAW_END, SAMPLE),

	/* /api/metric, aggregated: decision 1, epoch-aligned buckets. */
	ROW(C_OPEN, "POST", "/api/metric", NULL,
	    REQ_METRIC(ONE RANGE("0", "60000") AGG("MEAN", "30000")), 200, OK,
	    POINTS "[", .suffix = AGG_END, SAMPLE, .check = check_agg_aligned),
	ROW(C_OPEN, "POST", "/api/metric", NULL,
	    REQ_METRIC(ONE RANGE("5000", "65000") AGG("SUM", "30000")), 200, OK,
	    POINTS "[", .suffix = AGG_END, SAMPLE, .check = check_agg_unaligned),
	ROW(C_OPEN, "POST", "/api/metric", NULL,
	    REQ_METRIC(ONE RANGE("0", "60000") AGG("PERCENTILE_99", "60000")), 200,
	    OK, POINTS "[", .suffix = AGG_END, SAMPLE, .check = check_agg_one),
	/* MIRROR_MAX_BUCKETS cuts the answer and marks it. */
	ROW(C_CAPS, "POST", "/api/metric", NULL,
	    REQ_METRIC(ONE RANGE("0", "60000") AGG("MAX", "30000")), 200, OK,
	    POINTS "[", .suffix = AGG_END_PARTIAL, SAMPLE, .check = check_agg_one),

	/* The operator's health check needs no key and no POST; with no
	 * key presented, none is echoed. */
	ROW(C_KEYS, "GET", "/healthz", NULL, NULL, 200, OK, "{\"status\":\"OK\"}"),
};

static const struct handle_row bad_rows[] = {
	/* 404: only the four tails route. */
	ROW(C_OPEN, "POST", "/nope", NULL, CONN, 404, MIRROR_ERR_NOT_FOUND, E404),
	ROW(C_OPEN, "POST", "/api/metrics", NULL, CONN, 404, MIRROR_ERR_NOT_FOUND, E404),
	ROW(C_OPEN, "POST", "/api/metric/", NULL, CONN, 404, MIRROR_ERR_NOT_FOUND, E404),
	ROW(C_OPEN, "POST", "/xapi/metric", NULL, CONN, 404, MIRROR_ERR_NOT_FOUND, E404),
	ROW(C_OPEN, "POST", "api/metric", NULL, CONN, 404, MIRROR_ERR_NOT_FOUND, E404),
	ROW(C_OPEN, "POST", "/API/METRIC", NULL, CONN, 404, MIRROR_ERR_NOT_FOUND, E404),
	ROW(C_OPEN, "POST", "/api/field/names", NULL, CONN, 404,
	    MIRROR_ERR_NOT_FOUND, E404),
	ROW(C_OPEN, "POST", "/api/metric?x=1", NULL, CONN, 404,
	    MIRROR_ERR_NOT_FOUND, E404),
	ROW(C_OPEN, "POST", "", NULL, CONN, 404, MIRROR_ERR_NOT_FOUND, E404),
	ROW(C_OPEN, "POST", "/", NULL, CONN, 404, MIRROR_ERR_NOT_FOUND, E404),
	ROW(C_OPEN, "POST", NULL, NULL, CONN, 404, MIRROR_ERR_NOT_FOUND, E404),
	ROW(C_OPEN, "POST", "/healthz", NULL, CONN, 404, MIRROR_ERR_NOT_FOUND, E404),
	/* A wrong path wins over a wrong method or key; no key is echoed
	 * to a request that presented none. */
	ROW(C_KEYS, "GET", "/nope", NULL, NULL, 404, MIRROR_ERR_NOT_FOUND, E404),

	/* 405, with Allow: POST. */
	ROW(C_OPEN, "GET", "/api/metric", NULL, NULL, 405, MIRROR_ERR_METHOD, E405),
	ROW(C_OPEN, "HEAD", "/api/connection", NULL, NULL, 405, MIRROR_ERR_METHOD, E405),
	ROW(C_OPEN, "PUT", "/stackstate/api/metric", NULL, CONN, 405,
	    MIRROR_ERR_METHOD, E405),
	/* Methods are case-sensitive (RFC 9110 9.1). */
	ROW(C_OPEN, "post", "/api/connection", NULL, CONN, 405, MIRROR_ERR_METHOD, E405),
	ROW(C_KEYS, "GET", "/api/field/name", "k2", NULL, 405, MIRROR_ERR_METHOD, E405,
	    .echo = "k2"),
	ROW(C_KEYS, "DELETE", "/api/field/value", NULL, NULL, 405, MIRROR_ERR_METHOD,
	    E405),

	/* 401: missing or wrong key; no key echoed (it would leak). */
	ROW(C_KEYS, "POST", "/api/connection", NULL, CONN, 401,
	    MIRROR_ERR_UNAUTHORIZED, E401),
	ROW(C_KEYS, "POST", "/api/connection", "k3", CONN, 401,
	    MIRROR_ERR_UNAUTHORIZED, E401),
	ROW(C_KEYS, "POST", "/api/connection", "", CONN, 401,
	    MIRROR_ERR_UNAUTHORIZED, E401),
	ROW(C_KEYS, "POST", "/api/connection", "k", CONN, 401,
	    MIRROR_ERR_UNAUTHORIZED, E401),
	ROW(C_KEYS, "POST", "/api/metric", "k1k2", CONN, 401,
	    MIRROR_ERR_UNAUTHORIZED, E401),
	ROW(C_KEYS, "POST", "/api/metric", " k1", CONN, 401,
	    MIRROR_ERR_UNAUTHORIZED, E401),
	/* The key is checked before the size: nothing is read for strangers. */
	ROW(C_KEYS, "POST", "/api/metric", NULL, CONN, 401, MIRROR_ERR_UNAUTHORIZED,
	    E401, CL(100000000)),

	/* 413: declared or actual length over MIRROR_MAX_BODY_BYTES. */
	ROW(C_SMALL, "POST", "/api/connection", NULL, CONN, 413, MIRROR_ERR_TOO_LARGE,
	    RME("request body too large", "the body exceeds 64 bytes"), CL(65)),
	ROW(C_SMALL, "POST", "/api/connection", NULL,
	    REQ_CONN("{'pad':'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'}"), 413,
	    MIRROR_ERR_TOO_LARGE, RME("request body too large",
	    "the body exceeds 64 bytes"), CL(-1)),
	ROW(C_KEYS, "POST", "/api/metric", "k2", CONN, 413, MIRROR_ERR_TOO_LARGE,
	    RME("request body too large", "the body exceeds 1048576 bytes"),
	    .echo = "k2", CL(1048577)),
	ROW(C_OPEN, "POST", "/api/metric", NULL, CONN, 413, MIRROR_ERR_TOO_LARGE,
	    RME("request body too large", "the body exceeds 1048576 bytes"),
	    CL(INT64_MAX)),

	/* 400: bodies that are not a valid request. */
	ROW(C_OPEN, "POST", "/api/connection", NULL, NULL, 400, BAD,
	    E400("the body is not JSON: it is empty")),
	ROW(C_OPEN, "POST", "/api/connection", NULL, "", 400, BAD,
	    E400("the body is not JSON: it is empty")),
	ROW(C_OPEN, "POST", "/api/connection", NULL, "{", 400, BAD,
	    E400("the body is not JSON: it ends too early")),
	ROW(C_OPEN, "POST", "/api/connection", NULL, "[]", 400, BAD,
	    E400("the body must be a JSON object")),
	ROW(C_KEYS, "POST", "/api/connection", "k2", "{}", 400, BAD,
	    E400("_type is required"), .echo = "k2"),
	ROW(C_OPEN, "POST", "/api/metric", NULL, CONN, 400, BAD,
	    E400("_type must be MetricsRequest for this path")),
	ROW(C_OPEN, "POST", "/api/connection", NULL, REQ_CONN("{'backend':'nope'}"),
	    400, BAD, E400("connectionDetails.backend \\\"nope\\\" is not known; "
	    "this mirror has: sample, prometheus, graphite")),
	/* A url and no backend names a Prometheus store, never the sample
	 * store's synthetic data; with nothing allowlisted, it is refused. */
	ROW(C_OPEN, "POST", "/api/connection", NULL,
	    REQ_CONN("{'nan_interpretation':'ZERO','url':'x'}"), 400, BAD,
	    E400("no store URL is allowed: the mirror's MIRROR_STORE_ALLOW is "
	    "empty; its operator must list the store URLs to allow"),
	    .backend = "prometheus"),
	ROW(C_BACKEND, "POST", "/api/connection", NULL, CONN, 400, BAD,
	    E400("connectionDetails.backend \\\"nope\\\" is not known; "
	    "this mirror has: sample, prometheus, graphite")),
	ROW(C_OPEN, "POST", "/api/connection", NULL,
	    REQ_CONN("{'nan_interpretation':'NONE'}"), 400, BAD,
	    E400("connectionDetails.nan_interpretation must be ZERO or SKIP")),
	ROW(C_OPEN, "POST", "/api/metric", NULL,
	    REQ_METRIC(ONE RANGE("2000", "1000")), 400, BAD,
	    E400("query.endTime is before query.startTime")),
	ROW(C_OPEN, "POST", "/api/metric", NULL,
	    REQ_METRIC(ONE RANGE("0", "60000") AGG("MEAN", "0")), 400, BAD,
	    E400("query.aggregation.bucketSizeMillis must be from 1 to "
	    "9007199254740992")),
	ROW(C_OPEN, "POST", "/api/metric", NULL,
	    REQ_METRIC(ONE RANGE("0", "60000") AGG("MEDIAN", "1000")), 400, BAD,
	    E400("unknown aggregation method \\\"MEDIAN\\\"")),
	ROW(C_OPEN, "POST", "/api/metric", NULL,
	    REQ_METRIC(ONE RANGE("0", "86400000") AGG("SUM", "1")), 400, BAD,
	    E400("the query asks for 86400000 buckets; at most 1000000 are allowed")),
	ROW(C_OPEN, "POST", "/api/metric", NULL, REQ_METRIC(ONE), 400, BAD,
	    E400("query.startTime is required")),
	ROW(C_OPEN, "POST", "/api/field/name", NULL, REQ_NAMES(",'limit':0"), 400, BAD,
	    E400("query.limit must be from 1 to 9223372036854775807")),
	ROW(C_OPEN, "POST", "/api/field/value", NULL,
	    "{'_type':'FieldValuesRequest','connectionDetails':{},'query':{}}", 400,
	    BAD, E400("query.field is required")),

	/* Errors from the store, after the backend was chosen. */
	ROW(C_OPEN, "POST", "/api/metric", NULL,
	    REQ_METRIC(",'conditions':[" COND("metric", "nope") "]"
	    RANGE("0", "60000")), 500, MIRROR_ERR_METRIC_NOT_FOUND,
	    "{\"_type\":\"MetricNotFoundError\",\"metric\":\"metric=nope\","
	    "\"details\":\"", .suffix = "\"}", SAMPLE),
	ROW(C_OPEN, "POST", "/api/metric", NULL,
	    REQ_METRIC(ONE RANGE("0", "60000") ",'metricField':'host'"), 400,
	    MIRROR_ERR_UNSUPPORTED_TYPE,
	    "{\"_type\":\"UnsupportedFieldTypeError\",\"mirrorType\":\"STRING\"}",
	    SAMPLE),
	/* Several series match: an ambiguous request, not a broken store. */
	ROW(C_OPEN, "POST", "/api/metric", NULL,
	    REQ_METRIC(",'conditions':[" COND("metric", "cpu.user") "]"
	    RANGE("0", "60000")), 400, BAD,
	    "{\"_type\":\"RemoteMirrorError\",\"summary\":\"invalid request\","
	    "\"details\":\"", .suffix = "\"}", SAMPLE),
	/* A store URL outside MIRROR_STORE_ALLOW stays a 400, even here. */
	ROW(C_PROM, "POST", "/api/connection", NULL,
	    REQ_CONN(PROM("http://10.0.0.1/")), 400, BAD,
	    "{\"_type\":\"RemoteMirrorError\",\"summary\":\"invalid request\","
	    "\"details\":\"connectionDetails.url", .suffix = "\"}",
	    .backend = "prometheus"),
	/* The same unreachable store, asked for data: 502. */
	ROW(C_PROM, "POST", "/api/metric", NULL, PROM_METRIC, 502,
	    MIRROR_ERR_STORE_CONNECT,
	    "{\"_type\":\"MetricStoreConnectionError\",\"details\":\"",
	    .suffix = "\"}", .backend = "prometheus"),
	/* An answer over MIRROR_MAX_RESPONSE_BYTES is the mirror's failure. */
	ROW(C_TINY_OUT, "POST", "/api/metric", NULL,
	    REQ_METRIC(ONE RANGE("0", "3600000")), 500, MIRROR_ERR_INTERNAL,
	    RME("internal error", "the answer exceeds the mirror's 4096-byte limit"),
	    SAMPLE),
};

/* --- checks on answers with data -------------------------------------- */

static struct json_object *
points_of(struct json_object *root)
{
	struct json_object *tel, *pts;

	ck_assert(json_object_object_get_ex(root, "telemetry", &tel));
	ck_assert(json_object_object_get_ex(tel, "points", &pts));
	ck_assert(json_object_is_type(pts, json_type_array));
	return pts;
}

static int64_t
elem_int(struct json_object *point, size_t i)
{
	struct json_object *v = json_object_array_get_idx(point, i);

	ck_assert(json_object_is_type(v, json_type_int));
	return json_object_get_int64(v);
}

/* Raw points: [number, timestamp], ascending, inside [start, end). */
static size_t
check_raw(struct json_object *root, int64_t start, int64_t end,
	  int64_t *first_t, int64_t *last_t)
{
	struct json_object *pts = points_of(root);
	size_t i, n = json_object_array_length(pts);
	int64_t t, prev = INT64_MIN;

	for (i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(pts, i);
		struct json_object *v = json_object_array_get_idx(p, 0);

		ck_assert_uint_eq(json_object_array_length(p), 2);
		ck_assert(json_object_is_type(v, json_type_double) ||
		    json_object_is_type(v, json_type_int));
		t = elem_int(p, 1);
		ck_assert_int_ge(t, start);
		ck_assert_int_lt(t, end);
		ck_assert_int_gt(t, prev);
		prev = t;
		if (i == 0)
			*first_t = t;
		*last_t = t;
	}
	return n;
}

static void
check_raw_range(struct json_object *root)
{
	int64_t first, last;

	ck_assert_uint_ge(check_raw(root, 0, 60000, &first, &last), 1);
}

/* limit 2: the two earliest of the range (points are 10 s apart). */
static void
check_raw_first2(struct json_object *root)
{
	int64_t first, last;

	ck_assert_uint_eq(check_raw(root, 0, 60000, &first, &last), 2);
	ck_assert_int_eq(first, 0);
	ck_assert_int_eq(last, 10000);
}

/* limit 2 with latestFirst: the two latest, still ascending. */
static void
check_raw_last2(struct json_object *root)
{
	int64_t first, last;

	ck_assert_uint_eq(check_raw(root, 0, 60000, &first, &last), 2);
	ck_assert_int_eq(first, 40000);
	ck_assert_int_eq(last, 50000);
}

/* Buckets: [value, start, end] with the starts given, each B wide. */
static void
check_buckets(struct json_object *root, const int64_t *starts, size_t n,
	      int64_t width)
{
	struct json_object *pts = points_of(root);
	size_t i;

	ck_assert_uint_eq(json_object_array_length(pts), n);
	for (i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(pts, i);

		ck_assert_uint_eq(json_object_array_length(p), 3);
		ck_assert_int_eq(elem_int(p, 1), starts[i]);
		ck_assert_int_eq(elem_int(p, 2), starts[i] + width);
	}
}

static void
check_agg_aligned(struct json_object *root)
{
	static const int64_t starts[] = {0, 30000};

	check_buckets(root, starts, 2, 30000);
}

/* [5000, 65000) touches [0,30000), [30000,60000), [60000,90000): unclipped. */
static void
check_agg_unaligned(struct json_object *root)
{
	static const int64_t starts[] = {0, 30000, 60000};

	check_buckets(root, starts, 3, 30000);
}

static void
check_agg_one(struct json_object *root)
{
	struct json_object *pts = points_of(root);

	ck_assert_uint_eq(json_object_array_length(pts), 1);
	ck_assert_int_eq(elem_int(json_object_array_get_idx(pts, 0), 1), 0);
}

/* --- running a row ----------------------------------------------------- */

static const char *
header(const struct mirror_response *resp, const char *name)
{
	size_t i;

	for (i = 0; i < resp->nheaders; i++)
		if (strcmp(resp->headers[i].name, name) == 0)
			return resp->headers[i].value;
	return NULL;
}

static char *
row_body(const char *s, size_t *len)
{
	size_t n = strlen(s), i;
	char *b = malloc(n != 0 ? n : 1);

	ck_assert_ptr_nonnull(b);
	memcpy(b, s, n);
	for (i = 0; i < n; i++)
		if (b[i] == '\'')
			b[i] = '"';
	*len = n;
	return b;
}

static bool
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

/* The _types an error body may have (MIRROR-API.md, "Error bodies"). */
static void
check_error_type(struct json_object *root)
{
	static const char *const types[] = {"RemoteMirrorError",
		"MetricStoreConnectionError", "MetricNotFoundError",
		"UnsupportedFieldTypeError"};
	struct json_object *t;
	size_t i;

	ck_assert(json_object_object_get_ex(root, "_type", &t));
	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(json_object_get_string(t), types[i]) == 0)
			return;
	ck_abort_msg("error _type %s", json_object_get_string(t));
}

static void
run_row(const struct handle_row *r)
{
	struct mirror_conf conf;
	struct mirror_error err;
	struct mirror_worker *w;
	struct mirror_request req;
	struct mirror_response resp;
	struct json_object *root;
	const char *allow, *echo;
	char *body = NULL;
	size_t len = 0;

	cur_env = confs[r->conf];
	ck_assert_msg(mirror_conf_load(&conf, fake_lookup, &err) == MIRROR_OK,
	    "conf: %s", err.details);
	w = mirror_worker_new(&conf);
	ck_assert_ptr_nonnull(w);
	if (r->body != NULL)
		body = row_body(r->body, &len);
	memset(&req, 0, sizeof req);
	req.method = r->method;
	req.path = r->path;
	req.api_key = r->key;
	req.body = body;
	req.body_len = len;
	req.content_length = r->cl_given ? r->cl : r->body != NULL ? (long long)len : -1;
	mirror_handle(w, &req, &resp);

	ck_assert_msg(resp.status == r->status && resp.err == r->err,
	    "%s %s: status %d (err %d), want %d (err %d); body %s", r->method,
	    r->path != NULL ? r->path : "(null)", resp.status, resp.err,
	    r->status, r->err, resp.body);
	ck_assert_ptr_nonnull(resp.body);
	ck_assert_uint_eq(resp.body_len, strlen(resp.body));
	if (r->suffix == NULL) {
		ck_assert_str_eq(resp.body, r->want);
	} else {
		ck_assert_msg(strncmp(resp.body, r->want, strlen(r->want)) == 0,
		    "body %s does not start with %s", resp.body, r->want);
		ck_assert_msg(ends_with(resp.body, r->suffix),
		    "body %s does not end with %s", resp.body, r->suffix);
	}
	/* Every body is JSON; every error body has an error _type. */
	root = json_tokener_parse(resp.body);
	ck_assert_msg(root != NULL, "not JSON: %s", resp.body);
	if (r->status != 200)
		check_error_type(root);
	if (r->check != NULL)
		r->check(root);
	json_object_put(root);

	/* Headers: Content-Type first, the key when configured, Allow on 405. */
	ck_assert_uint_ge(resp.nheaders, 1);
	ck_assert_str_eq(resp.headers[0].name, "Content-Type");
	ck_assert_str_eq(resp.headers[0].value, "application/json");
	echo = header(&resp, "X-MIRROR-API-KEY");
	if (r->echo == NULL)
		ck_assert_ptr_null(echo);
	else
		ck_assert_pstr_eq(echo, r->echo);
	allow = header(&resp, "Allow");
	if (r->status == 405)
		ck_assert_pstr_eq(allow, "POST");
	else
		ck_assert_ptr_null(allow);
	if (r->backend == NULL)
		ck_assert_ptr_null(resp.store);
	else
		ck_assert_pstr_eq(resp.store, r->backend);

	mirror_response_free(&resp);
	ck_assert_ptr_null(resp.body);
	free(body);
	mirror_worker_free(w);
	mirror_conf_free(&conf);
}

START_TEST(test_handle_good)
{
	run_row(&good_rows[_i]);
}
END_TEST

START_TEST(test_handle_bad)
{
	run_row(&bad_rows[_i]);
}
END_TEST

/* One worker answers many requests; its state carries over cleanly. */
START_TEST(test_handle_reuse)
{
	static const char *const paths[] = {"/api/connection", "/nope",
		"/api/connection", "/api/metric"};
	static const int status[] = {200, 404, 200, 400};
	struct mirror_conf conf;
	struct mirror_error err;
	struct mirror_worker *w;
	struct mirror_request req;
	struct mirror_response resp;
	size_t len, i;
	char *body = row_body(CONN, &len);

	cur_env = confs[C_OPEN];
	ck_assert_int_eq(mirror_conf_load(&conf, fake_lookup, &err), MIRROR_OK);
	w = mirror_worker_new(&conf);
	ck_assert_ptr_nonnull(w);
	for (i = 0; i < 4 * sizeof paths / sizeof paths[0]; i++) {
		memset(&req, 0, sizeof req);
		req.method = "POST";
		req.path = paths[i % 4];
		req.body = body;
		req.body_len = len;
		req.content_length = (long long)len;
		mirror_handle(w, &req, &resp);
		ck_assert_int_eq(resp.status, status[i % 4]);
		mirror_response_free(&resp);
	}
	free(body);
	mirror_worker_free(w);
	mirror_conf_free(&conf);
}
END_TEST

/* The release functions take what they document. */
START_TEST(test_handle_free_empty)
{
	struct mirror_response resp;

	memset(&resp, 0, sizeof resp);
	mirror_response_free(&resp);
	mirror_worker_free(NULL);
}
END_TEST

/* What an adapter could not read: its error, or a 401 for a stranger. */
static const struct refused_row {
	enum conf_id conf;
	const char *key;
	int status;
	const char *body;
	const char *echo;
} refused_rows[] = {
	{C_OPEN, NULL, 400, "{\"_type\":\"RemoteMirrorError\",\"summary\":"
	    "\"invalid request\",\"details\":\"CONTENT_LENGTH is not a length\"}", NULL},
	{C_KEYS, "k2", 400, "{\"_type\":\"RemoteMirrorError\",\"summary\":"
	    "\"invalid request\",\"details\":\"CONTENT_LENGTH is not a length\"}", "k2"},
	{C_KEYS, "nope", 401, E401, NULL},
	{C_KEYS_OFF, NULL, 400, "{\"_type\":\"RemoteMirrorError\",\"summary\":"
	    "\"invalid request\",\"details\":\"CONTENT_LENGTH is not a length\"}", "k1"},
};

START_TEST(test_handle_refused)
{
	const struct refused_row *r = &refused_rows[_i];
	struct mirror_request req = {.method = "POST", .path = "/api/metric",
				     .api_key = r->key, .content_length = -1};
	struct mirror_response resp;
	struct mirror_error err, cerr;
	struct mirror_conf conf;
	struct mirror_worker *w;

	cur_env = confs[r->conf];
	ck_assert_int_eq(mirror_conf_load(&conf, fake_lookup, &cerr), MIRROR_OK);
	w = mirror_worker_new(&conf);
	mirror_error_clear(&err);
	mirror_error_set(&err, MIRROR_ERR_BAD_REQUEST, "CONTENT_LENGTH is not a length");
	mirror_handle_refused(w, &req, &err, &resp);
	ck_assert_int_eq(resp.status, r->status);
	ck_assert_str_eq(resp.body, r->body);
	ck_assert_pstr_eq(header(&resp, "X-MIRROR-API-KEY"), r->echo);
	mirror_response_free(&resp);
	mirror_worker_free(w);
	mirror_conf_free(&conf);
}
END_TEST

/* The value of one counter line in GET /metrics, or -1 when absent. */
static long long
metric_value(struct mirror_worker *w, const char *line_prefix)
{
	struct mirror_request req = {.method = "GET", .path = "/metrics",
				     .content_length = -1};
	struct mirror_response resp;
	const char *at;
	long long v = -1;

	mirror_handle(w, &req, &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(header(&resp, "Content-Type"), "text/plain; version=0.0.4");
	at = strstr(resp.body, line_prefix);
	if (at != NULL)
		v = strtoll(at + strlen(line_prefix), NULL, 10);
	mirror_response_free(&resp);
	return v;
}

static void
post_connection(struct mirror_worker *w, const char *path)
{
	static const char body[] =
	    "{\"_type\":\"TestConnectionRequest\",\"connectionDetails\":{}}";
	struct mirror_request req = {.method = "POST", .path = path,
				     .content_length = -1, .body = body,
				     .body_len = sizeof body - 1};
	struct mirror_response resp;

	mirror_handle(w, &req, &resp);
	mirror_response_free(&resp);
}

/* Each answer counts once, under its method and status. */
START_TEST(test_handle_metrics)
{
	static const char ok[] = "mirror_requests_total{method=\"connection\",status=\"200\"} ";
	static const char nf[] = "mirror_requests_total{method=\"other\",status=\"404\"} ";
	static const char hist[] = "mirror_request_duration_seconds_count{method=\"connection\"} ";
	struct mirror_conf conf;
	struct mirror_error err;
	struct mirror_worker *w;
	long long ok0, nf0, hist0;

	cur_env = confs[C_OPEN];
	ck_assert_int_eq(mirror_conf_load(&conf, fake_lookup, &err), MIRROR_OK);
	w = mirror_worker_new(&conf);
	ok0 = metric_value(w, ok);
	nf0 = metric_value(w, nf);
	hist0 = metric_value(w, hist);
	post_connection(w, "/api/connection");
	post_connection(w, "/stackstate/api/connection");
	post_connection(w, "/nowhere");
	ck_assert_int_eq(metric_value(w, ok), (ok0 < 0 ? 0 : ok0) + 2);
	ck_assert_int_eq(metric_value(w, nf), (nf0 < 0 ? 0 : nf0) + 1);
	ck_assert_int_eq(metric_value(w, hist), hist0 + 2);
	mirror_worker_free(w);
	mirror_conf_free(&conf);
}
END_TEST

/* GET /metrics names the build (the registry's stores, in its order)
 * and, once marked, when the process started. */
START_TEST(test_handle_build_info)
{
	struct mirror_conf conf;
	struct mirror_error err;
	struct mirror_worker *w;
	const struct mirror_store *const *all;
	char line[512];
	size_t i, n;
	long long started, now = (long long)time(NULL);

	all = mirror_store_all(&n);
	snprintf(line, sizeof line, "mirror_build_info{version=\"%s\",stores=\"", PACKAGE_VERSION);
	for (i = 0; i < n; i++)
		snprintf(line + strlen(line), sizeof line - strlen(line), "%s%s",
		    i > 0 ? "," : "", all[i]->name);
	snprintf(line + strlen(line), sizeof line - strlen(line), "\"} ");
	cur_env = confs[C_OPEN];
	ck_assert_int_eq(mirror_conf_load(&conf, fake_lookup, &err), MIRROR_OK);
	w = mirror_worker_new(&conf);
	ck_assert_int_eq(metric_value(w, line), 1);
	mirror_metrics_mark_start();
	started = metric_value(w, "\nprocess_start_time_seconds ");
	ck_assert_int_ge(started, now - 5);
	ck_assert_int_le(started, now + 5);
	mirror_worker_free(w);
	mirror_conf_free(&conf);
}
END_TEST

Suite *
handle_suite(void)
{
	Suite *s = suite_create("handle");
	TCase *tc = tcase_create("rows");

	tcase_add_loop_test(tc, test_handle_good, 0, NROWS(good_rows));
	tcase_add_loop_test(tc, test_handle_bad, 0, NROWS(bad_rows));
	tcase_add_loop_test(tc, test_handle_refused, 0, NROWS(refused_rows));
	tcase_add_test(tc, test_handle_reuse);
	tcase_add_test(tc, test_handle_metrics);
	tcase_add_test(tc, test_handle_build_info);
	tcase_add_test(tc, test_handle_free_empty);
	suite_add_tcase(s, tc);
	return s;
}
