/*
 * The pure parts of the InfluxDB store: InfluxQL quoting and escaping,
 * conditions -> FROM/WHERE, parsing canned /query answers (chunked ones,
 * errors, numbers json-c cannot hold), choosing the metric field, and
 * connectionDetails. Nothing here talks to a store (tests/influxdb/ does).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <json.h>

#include "check_query.h"
#include "store/group.h"
#include "store/influxdb/influx.h"
#include "suites.h"

/* --- quoting ------------------------------------------------------------- */

static const struct quote_row {
	const char *in, *ident, *string;
} quote_rows[] = {
	{"cpu", "\"cpu\"", "'cpu'"},
	{"", "\"\"", "''"},
	{"a\"b", "\"a\\\"b\"", "'a\"b'"},
	{"a'b", "\"a'b\"", "'a\\'b'"},
	{"a\\b", "\"a\\\\b\"", "'a\\\\b'"},
	{"end\\", "\"end\\\\\"", "'end\\\\'"},
	{"a\nb", "\"a\\nb\"", "'a\\nb'"},
	{"tab\there\r", "\"tab\there\r\"", "'tab\there\r'"},
	{"x' OR 1=1 --", "\"x' OR 1=1 --\"", "'x\\' OR 1=1 --'"},
	{"\"; DROP DATABASE mt", "\"\\\"; DROP DATABASE mt\"", "'\"; DROP DATABASE mt'"},
	{"héllo/wörld", "\"héllo/wörld\"", "'héllo/wörld'"},
	{"\\'", "\"\\\\'\"", "'\\\\\\''"},
};

START_TEST(test_quote)
{
	const struct quote_row *r = &quote_rows[_i];
	struct mirror_buf a, b;

	mirror_buf_init(&a, 4096);
	mirror_buf_init(&b, 4096);
	mirror_influx_ident(&a, r->in);
	mirror_influx_string(&b, r->in);
	ck_assert_str_eq(a.data, r->ident);
	ck_assert_str_eq(b.data, r->string);
	mirror_buf_free(&a);
	mirror_buf_free(&b);
}
END_TEST

static const struct regex_row {
	const char *prefix, *regex;
} regex_rows[] = {
	{"", "/^/"},
	{"AZaz09", "/^AZaz09/"},
	{"app.web.", "/^app\\x2eweb\\x2e/"},
	{"a/b\\", "/^a\\x2fb\\x5c/"},
	{"x y*", "/^x\\x20y\\x2a/"},
	{"(a|b)[c]$^+?{}", "/^\\x28a\\x7cb\\x29\\x5bc\\x5d\\x24\\x5e\\x2b\\x3f\\x7b\\x7d/"},
	{"é-_", "/^é\\x2d\\x5f/"},
	{"q'\"\n", "/^q\\x27\\x22\\x0a/"},
};

START_TEST(test_regex_prefix)
{
	const struct regex_row *r = &regex_rows[_i];
	struct mirror_buf b;

	mirror_buf_init(&b, 4096);
	mirror_influx_regex_prefix(&b, r->prefix);
	ck_assert_str_eq(b.data, r->regex);
	mirror_buf_free(&b);
}
END_TEST

START_TEST(test_time)
{
	struct mirror_buf b;

	mirror_buf_init(&b, 4096);
	mirror_influx_time(&b, -1500, 1704067200000);
	ck_assert_str_eq(b.data, "time >= -1500ms AND time < 1704067200000ms");
	mirror_buf_free(&b);
}
END_TEST

/* --- conditions -> FROM, WHERE ---------------------------------------------- */

static const struct sel_row {
	const char *conds[5];
	const char *skip, *rp;
	enum mirror_err e;
	const char *from, *where;
	bool nothing;
} sel_rows[] = {
	{{"_measurement=cpu", "host=web-1", NULL}, NULL, NULL, MIRROR_OK,
	 "\"cpu\"", "\"host\" = 'web-1'", false},
	{{"_measurement=cpu", "host=web-1", "region=eu", NULL}, NULL, "h1", MIRROR_OK,
	 "\"h1\".\"cpu\"", "\"host\" = 'web-1' AND \"region\" = 'eu'", false},
	{{"host=web-1", NULL}, NULL, NULL, MIRROR_OK, "", "\"host\" = 'web-1'", false},
	{{NULL}, NULL, NULL, MIRROR_OK, "", "", false},
	{{"_measurement:set=a|b|a", NULL}, NULL, "r p", MIRROR_OK,
	 "\"r p\".\"a\",\"r p\".\"b\"", "", false},
	{{"_measurement:set=a|b|c", "_measurement:set=c|b", NULL}, NULL, NULL,
	 MIRROR_OK, "\"b\",\"c\"", "", false},
	{{"_measurement=a", "_measurement=b", NULL}, NULL, NULL, MIRROR_OK, "", "", true},
	{{"_measurement:d=42", NULL}, NULL, NULL, MIRROR_OK, "\"42\"", "", false},
	{{"_measurement=o\"dd m", NULL}, NULL, NULL, MIRROR_OK, "\"o\\\"dd m\"", "", false},
	{{"_measurement=cpu", "host:set=a|b'c", NULL}, NULL, NULL, MIRROR_OK,
	 "\"cpu\"", "(\"host\" = 'a' OR \"host\" = 'b\\'c')", false},
	{{"port:d=8080", "ok:b=false", "ratio:d=-0.25", NULL}, NULL, NULL, MIRROR_OK, "",
	 "\"port\" = '8080' AND \"ok\" = 'false' AND \"ratio\" = '-0.25'", false},
	{{"k\"ey=x' OR 1=1", NULL}, NULL, NULL, MIRROR_OK, "",
	 "\"k\\\"ey\" = 'x\\' OR 1=1'", false},
	{{"p=a\\b/c\nd", NULL}, NULL, NULL, MIRROR_OK, "", "\"p\" = 'a\\\\b/c\\nd'", false},
	{{"p=", NULL}, NULL, NULL, MIRROR_OK, "", "\"p\" = ''", false},
	/* The listed field's own conditions are left out. */
	{{"_measurement=cpu", "host=a", "host:set=b|c", "dc=x", NULL}, "host", NULL,
	 MIRROR_OK, "\"cpu\"", "\"dc\" = 'x'", false},
	{{"_measurement=cpu", "_measurement=mem", "host=a", NULL}, "_measurement", NULL,
	 MIRROR_OK, "", "\"host\" = 'a'", false},
	/* Refused. */
	{{"_measurement=cpu", "host:set=", NULL}, NULL, NULL, MIRROR_ERR_BAD_REQUEST,
	 NULL, NULL, false},
	{{"_measurement:set=", NULL}, NULL, NULL, MIRROR_ERR_BAD_REQUEST, NULL, NULL, false},
	{{"_measurement=cpu", "time=1", NULL}, NULL, NULL, MIRROR_ERR_BAD_REQUEST,
	 NULL, NULL, false},
};

START_TEST(test_select)
{
	const struct sel_row *r = &sel_rows[_i];
	struct mirror_influx_sel sel;
	struct mirror_query q;
	struct mirror_error err;
	enum mirror_err e;

	check_query_make(&q, r->conds);
	mirror_error_clear(&err);
	e = mirror_influx_select(&q, r->skip, r->rp, &sel, &err);
	ck_assert_msg(e == r->e, "row %d: %d %s", _i, e, err.details);
	if (e == MIRROR_OK) {
		ck_assert_str_eq(sel.from.data != NULL ? sel.from.data : "", r->from);
		ck_assert_str_eq(sel.where.data != NULL ? sel.where.data : "", r->where);
		ck_assert_int_eq(sel.nothing, r->nothing);
	} else {
		ck_assert(err.details[0] != '\0');
	}
	mirror_influx_sel_free(&sel);
	mirror_query_free(&q);
}
END_TEST

/* --- answers --------------------------------------------------------------- */

/* A sink writing what it is told as text: "S<stmt>:<name>:<tags>;" per
 * series, "R<cells>;" per row, cells I<int>, N<double>, B<0|1>, T<text>,
 * 0 (null), '!' after a number the parser could not hold. */
static enum mirror_err
rec_series(void *ctx, size_t stmt, const char *name, struct json_object *tags)
{
	struct mirror_buf *b = ctx;
	char num[32];

	snprintf(num, sizeof num, "S%zu:", stmt);
	mirror_buf_adds(b, num);
	mirror_buf_adds(b, name);
	mirror_buf_addc(b, ':');
	mirror_buf_adds(b, tags != NULL ? json_object_to_json_string_ext(tags,
	    JSON_C_TO_STRING_PLAIN) : "-");
	mirror_buf_addc(b, ';');
	return MIRROR_OK;
}

static enum mirror_err
rec_row(void *ctx, const struct mirror_influx_value *c, size_t n)
{
	struct mirror_buf *b = ctx;
	char num[64];
	size_t i;

	mirror_buf_addc(b, 'R');
	for (i = 0; i < n; i++) {
		if (i > 0)
			mirror_buf_addc(b, ',');
		switch (c[i].type) {
		case MIRROR_INFLUX_NUMBER:
			if (c[i].is_int)
				snprintf(num, sizeof num, "I%lld", (long long)c[i].i);
			else
				snprintf(num, sizeof num, "N%.17g", c[i].num);
			mirror_buf_adds(b, num);
			if (c[i].beyond)
				mirror_buf_addc(b, '!');
			break;
		case MIRROR_INFLUX_BOOL:
			mirror_buf_adds(b, c[i].b ? "B1" : "B0");
			break;
		case MIRROR_INFLUX_STRING:
			mirror_buf_addc(b, 'T');
			mirror_buf_adds(b, c[i].s);
			break;
		default:
			mirror_buf_addc(b, '0');
		}
	}
	mirror_buf_addc(b, ';');
	return MIRROR_OK;
}

#define SERIES(name, rows) "{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"" \
	name "\",\"columns\":[\"time\",\"v\"],\"values\":" rows "}]}]}\n"

static const struct answer_row {
	long status;
	const char *body;
	enum mirror_err e;
	const char *want;     /* the recording, or a part of err.details */
	bool infinite;
} answer_rows[] = {
	{200, SERIES("cpu", "[[1000,1.5],[2000,null],[3000,7]]"), MIRROR_OK,
	 "S0:cpu:-;RI1000,N1.5;RI2000,0;RI3000,I7;", false},
	{200, "{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"g\",\"tags\":"
	 "{\"h\":\"a\"},\"columns\":[\"time\",\"v\"],\"values\":[[0,true],[1,\"s\"]],"
	 "\"partial\":true}],\"partial\":true}]}\n{\"results\":[{\"statement_id\":0,"
	 "\"series\":[{\"name\":\"g\",\"tags\":{\"h\":\"a\"},\"columns\":[\"time\",\"v\"],"
	 "\"values\":[[2,false]]}]}]}\n", MIRROR_OK,
	 "S0:g:{\"h\":\"a\"};RI0,B1;RI1,Ts;S0:g:{\"h\":\"a\"};RI2,B0;", false},
	/* Two statements, a result without series, SHOW SERIES without name. */
	{200, "{\"results\":[{\"statement_id\":0},{\"statement_id\":1,\"series\":"
	 "[{\"columns\":[\"key\"],\"values\":[[\"cpu,host=a\"]]}]}]}", MIRROR_OK,
	 "S1::-;RTcpu,host=a;", false},
	{200, "  \n", MIRROR_ERR_STORE_CONNECT, "not InfluxDB /query JSON", false},
	/* Numbers: int64's ends, uint64 range, beyond both, doubles beyond. */
	{200, SERIES("n", "[[1,9223372036854775807],[2,-9223372036854775808],"
	 "[3,13835058055282164000],[4,100000000000000000000],[5,-1e400],[6,2.5e-3]]"),
	 MIRROR_OK, "S0:n:-;RI1,I9223372036854775807;RI2,I-9223372036854775808!;"
	 "RI3,N1.3835058055282164e+19;RI4,N1.8446744073709552e+19!;RI5,N-inf!;"
	 "RI6,N0.0025000000000000001;", false},
	/* Errors. */
	{200, "{\"results\":[{\"statement_id\":0,\"error\":\"database not found: x\"}]}",
	 MIRROR_ERR_STORE, "InfluxDB answered HTTP 200: database not found: x", false},
	{400, "{\"error\":\"error parsing query: found EOF\"}", MIRROR_ERR_STORE,
	 "InfluxDB answered HTTP 400: error parsing query: found EOF", false},
	{401, "{\"error\":\"authorization failed\"}", MIRROR_ERR_STORE_CONNECT,
	 "InfluxDB refused the credentials (HTTP 401): authorization failed", false},
	{403, "<html>no</html>", MIRROR_ERR_STORE_CONNECT,
	 "InfluxDB refused the credentials (HTTP 403): no reason given", false},
	{200, "<html>hi</html>", MIRROR_ERR_STORE_CONNECT,
	 "is not InfluxDB /query JSON: <html>hi</html>", false},
	{200, "", MIRROR_ERR_STORE_CONNECT, "an empty body", false},
	{200, "[1]", MIRROR_ERR_STORE_CONNECT, "not InfluxDB /query JSON", false},
	{200, "{\"status\":\"success\",\"data\":[]}", MIRROR_ERR_STORE_CONNECT,
	 "not InfluxDB /query JSON", false},
	{502, "{\"results\":[]}", MIRROR_ERR_STORE_CONNECT, "HTTP 502", false},
	{200, "json: error calling MarshalJSON for type httpd.Response: json: "
	 "unsupported value: +Inf", MIRROR_ERR_STORE, "an infinite sum", true},
	{200, SERIES("cpu", "[[1,2]]") "json: error calling MarshalJSON for type "
	 "*query.Result: json: unsupported value: -Inf\n", MIRROR_ERR_STORE,
	 "an infinite sum", true},
	{200, SERIES("cpu", "[[1,2]]") "junk", MIRROR_ERR_STORE,
	 "malformed: text after its last document", false},
	{200, "{\"results\":[{\"series\":{}}]}", MIRROR_ERR_STORE, "series is not a list", false},
	{200, "{\"results\":[{\"series\":[{\"values\":[1]}]}]}", MIRROR_ERR_STORE,
	 "a row is not a list", false},
	{200, "{\"results\":[{\"series\":[{\"values\":[[{}]]}]}]}", MIRROR_ERR_STORE,
	 "a cell is a list or an object", false},
	{200, "{\"results\":[{\"series\":[{\"tags\":[]}]}]}", MIRROR_ERR_STORE,
	 "tags are not an object", false},
	{200, "{\"results\":[5]}", MIRROR_ERR_STORE, "a result is not an object", false},
	{200, "{\"results\":[{\"series\":[{\"values\":[[1,2]]}]}],}", MIRROR_ERR_STORE_CONNECT,
	 "not InfluxDB /query JSON", false},
};

START_TEST(test_answer)
{
	const struct answer_row *r = &answer_rows[_i];
	struct mirror_http_resp resp = {r->status, r->body, strlen(r->body),
	    "application/json"};
	struct mirror_buf b;
	struct mirror_influx_sink sink = {&b, rec_series, rec_row};
	struct mirror_error err;
	bool infinite = !r->infinite;
	enum mirror_err e;

	mirror_buf_init(&b, 1 << 16);
	mirror_error_clear(&err);
	e = mirror_influx_parse(&resp, &sink, &infinite, &err);
	ck_assert_msg(e == r->e, "row %d: %d %s", _i, e, err.details);
	ck_assert_int_eq(infinite, r->infinite);
	if (e == MIRROR_OK)
		ck_assert_str_eq(b.data != NULL ? b.data : "", r->want);
	else
		ck_assert_msg(strstr(err.details, r->want) != NULL, "row %d: %s", _i,
		    err.details);
	mirror_buf_free(&b);
}
END_TEST

/* A sink's error stops the parse and is the answer. */
static enum mirror_err
refuse_row(void *ctx, const struct mirror_influx_value *c, size_t n)
{
	(void)c;
	(void)n;
	++*(int *)ctx;
	return MIRROR_ERR_NOMEM;
}

static enum mirror_err
any_series(void *ctx, size_t stmt, const char *name, struct json_object *tags)
{
	(void)ctx;
	(void)stmt;
	(void)name;
	(void)tags;
	return MIRROR_OK;
}

START_TEST(test_answer_sink_stops)
{
	const char *body = SERIES("cpu", "[[1,1],[2,2]]") SERIES("cpu", "[[3,3]]");
	struct mirror_http_resp resp = {200, body, strlen(body), NULL};
	int rows = 0;
	struct mirror_influx_sink sink = {&rows, any_series, refuse_row};
	struct mirror_error err;

	mirror_error_clear(&err);
	ck_assert_int_eq(mirror_influx_parse(&resp, &sink, NULL, &err), MIRROR_ERR_NOMEM);
	ck_assert_int_eq(rows, 1);
}
END_TEST

/* --- the metric field ---------------------------------------------------------- */

static const struct field_row {
	const char *keys;      /* name:type,... as SHOW FIELD KEYS gives them */
	const char *metric_field;
	const char *cond;      /* a condition key, or NULL */
	enum mirror_err e;
	const char *want;      /* field, or a part of err.details */
	enum mirror_field_type type;
	bool integer;
} field_rows[] = {
	{"used:integer,status:string", NULL, NULL, MIRROR_OK, "used", MIRROR_FIELD_NUMBER, true},
	{"a:float,value:float,s:string", NULL, NULL, MIRROR_OK, "value",
	 MIRROR_FIELD_NUMBER, false},
	{"a:float,b:unsigned", "b", NULL, MIRROR_OK, "b", MIRROR_FIELD_NUMBER, true},
	{"up:boolean", "up", NULL, MIRROR_OK, "up", MIRROR_FIELD_BOOLEAN, false},
	{"up:boolean,x:float", NULL, NULL, MIRROR_OK, "x", MIRROR_FIELD_NUMBER, false},
	{"x:float,x:integer", NULL, NULL, MIRROR_OK, "x", MIRROR_FIELD_NUMBER, false},
	{"note:string,value:string", NULL, NULL, MIRROR_ERR_UNSUPPORTED_TYPE, "STRING",
	 MIRROR_FIELD_MAX, false},
	{"a:float,s:string", "s", NULL, MIRROR_ERR_UNSUPPORTED_TYPE, "STRING",
	 MIRROR_FIELD_MAX, false},
	{"free:float,total:float", NULL, NULL, MIRROR_ERR_BAD_REQUEST,
	 "name the field in metricField; the measurement's field keys: free (NUMBER), "
	 "total (NUMBER)", MIRROR_FIELD_MAX, false},
	{"a:float,s:string,b:boolean", "z", NULL, MIRROR_ERR_BAD_REQUEST,
	 "the measurement has no field \"z\"; its field keys: a (NUMBER), s (STRING), "
	 "b (BOOLEAN)", MIRROR_FIELD_MAX, false},
	{"value:float", NULL, "value", MIRROR_ERR_BAD_REQUEST,
	 "condition key \"value\" is a field", MIRROR_FIELD_MAX, false},
	{"value:float,odd:newtype", "odd", NULL, MIRROR_ERR_BAD_REQUEST,
	 "its field keys: value (NUMBER)", MIRROR_FIELD_MAX, false},
};

/* Adds the "name:type,..." rows of keys to f as SHOW FIELD KEYS would. */
static void
add_keys(struct mirror_influx_fields *f, const char *keys)
{
	char *copy = strdup(keys), *item = copy, *next;
	struct mirror_influx_value c[2];

	memset(c, 0, sizeof c);
	c[0].type = c[1].type = MIRROR_INFLUX_STRING;
	for (; item != NULL; item = next) {
		char *colon = strchr(item, ':');

		next = strchr(item, ',');
		if (next != NULL)
			*next++ = '\0';
		*colon = '\0';
		c[0].s = item;
		c[1].s = colon + 1;
		ck_assert_int_eq(mirror_influx_fields_row(f, c, 2), MIRROR_OK);
	}
	free(copy);
}

START_TEST(test_metric_field)
{
	const struct field_row *r = &field_rows[_i];
	const char *conds[3] = {"_measurement=m", NULL, NULL};
	char cond[64];
	struct mirror_influx_fields f = {NULL, 0, 0};
	struct mirror_influx_metric m;
	struct mirror_query q;
	struct mirror_error err;
	enum mirror_err e;

	if (r->cond != NULL) {
		snprintf(cond, sizeof cond, "%s=1", r->cond);
		conds[1] = cond;
	}
	check_query_make(&q, conds);
	q.metric_field = r->metric_field != NULL ? strdup(r->metric_field) : NULL;
	add_keys(&f, r->keys);
	mirror_error_clear(&err);
	e = mirror_influx_metric_field(&q, &f, &m, &err);
	ck_assert_msg(e == r->e, "row %d: %d %s", _i, e, err.details);
	if (e == MIRROR_OK) {
		ck_assert_str_eq(m.field, r->want);
		ck_assert_int_eq(m.type, r->type);
		ck_assert_int_eq(m.integer, r->integer);
	} else {
		ck_assert_msg(strstr(err.details, r->want) != NULL, "row %d: %s", _i,
		    err.details);
	}
	mirror_influx_fields_free(&f);
	mirror_query_free(&q);
}
END_TEST

START_TEST(test_field_row_malformed)
{
	struct mirror_influx_fields f = {NULL, 0, 0};
	struct mirror_influx_value c[2];

	memset(c, 0, sizeof c);
	c[0].type = MIRROR_INFLUX_STRING;
	c[0].s = "x";
	c[1].type = MIRROR_INFLUX_NUMBER;
	ck_assert_int_eq(mirror_influx_fields_row(&f, c, 2), MIRROR_ERR_STORE);
	ck_assert_int_eq(mirror_influx_fields_row(&f, c, 1), MIRROR_ERR_STORE);
	ck_assert_uint_eq(f.len, 0);
	mirror_influx_fields_free(&f);
}
END_TEST

/* --- connectionDetails ---------------------------------------------------------- */

static const struct details_row {
	const char *json;
	enum mirror_err e;
	int64_t timeout_ms;
	const char *rp;
} details_rows[] = {
	{"{\"url\":\"http://127.0.0.1:8086\",\"database\":\"mt\"}", MIRROR_OK, 10000,
	 NULL},
	{"{\"url\":\"http://127.0.0.1:8086/\",\"database\":\"mt\",\"retention_policy\":"
	 "\"h1\",\"requestTimeout\":1500,\"pushdown\":false}", MIRROR_OK, 1500, "h1"},
	{"{\"url\":\"http://127.0.0.1:8086\",\"database\":\"mt\",\"retention_policy\":\"\"}",
	 MIRROR_OK, 10000, NULL},
	{"{\"url\":\"http://127.0.0.1:8086\",\"database\":\"mt\","
	 "\"request_timeout_seconds\":1e9}", MIRROR_OK, 50000, NULL},
	{"{\"url\":\"http://127.0.0.1:8086\",\"database\":\"mt\",\"token\":\"u:p\"}",
	 MIRROR_OK, 10000, NULL},
	{"{\"url\":\"http://127.0.0.1:8086\",\"database\":\"mt\",\"username\":\"u\","
	 "\"password\":\"p\",\"chunk_size\":5,\"value_group_threshold\":0,\"gzip\":true}",
	 MIRROR_OK, 10000, NULL},
	{"{\"url\":\"http://127.0.0.1:8086\"}", MIRROR_ERR_BAD_REQUEST, 0, NULL},
	{"{\"url\":\"http://127.0.0.1:8086\",\"database\":\"\"}", MIRROR_ERR_BAD_REQUEST,
	 0, NULL},
	{"{\"url\":\"http://127.0.0.1:8086\",\"database\":5}", MIRROR_ERR_BAD_REQUEST,
	 0, NULL},
	{"{\"database\":\"mt\"}", MIRROR_ERR_BAD_REQUEST, 0, NULL},
	{"{\"url\":\"http://10.0.0.1:8086\",\"database\":\"mt\"}", MIRROR_ERR_BAD_REQUEST,
	 0, NULL},
	{"{\"url\":\"http://127.0.0.1:8086\",\"database\":\"mt\",\"token\":\"a\\nb\"}",
	 MIRROR_ERR_BAD_REQUEST, 0, NULL},
	{"{\"url\":\"http://127.0.0.1:8086\",\"database\":\"mt\",\"token\":\"t\","
	 "\"username\":\"u\"}", MIRROR_ERR_BAD_REQUEST, 0, NULL},
	{"{\"url\":\"http://127.0.0.1:8086\",\"database\":\"mt\",\"chunk_size\":0}",
	 MIRROR_ERR_BAD_REQUEST, 0, NULL},
	{"{\"url\":\"http://127.0.0.1:8086\",\"database\":\"mt\",\"requestTimeout\":0}",
	 MIRROR_ERR_BAD_REQUEST, 0, NULL},
};

START_TEST(test_details)
{
	const struct details_row *r = &details_rows[_i];
	char *allow1[] = {"http://127.0.0.1:8086"};
	struct mirror_conf conf;
	struct mirror_query q;
	struct mirror_influx_target t;
	struct mirror_error err;
	enum mirror_err e;

	ck_assert_int_eq(mirror_conf_defaults(&conf), MIRROR_OK);
	conf.store_allow = allow1;
	conf.nstore_allow = 1;
	mirror_query_init(&q);
	q.details = json_tokener_parse(r->json);
	mirror_error_clear(&err);
	e = mirror_influx_target_read(&conf, &q, &t, &err);
	ck_assert_msg(e == r->e, "row %d: %d %s", _i, e, err.details);
	if (e == MIRROR_OK) {
		ck_assert_int_eq(t.timeout_ms, r->timeout_ms);
		ck_assert_str_eq(t.url, "http://127.0.0.1:8086");
		ck_assert_str_eq(t.database, "mt");
		if (r->rp == NULL)
			ck_assert_ptr_null(t.rp);
		else
			ck_assert_str_eq(t.rp, r->rp);
	} else {
		ck_assert(err.details[0] != '\0');
	}
	conf.store_allow = NULL;
	conf.nstore_allow = 0;
	mirror_conf_free(&conf);
	mirror_query_free(&q);
}
END_TEST

/* Grouping counts a value found twice (a tag in two measurements) once. */
START_TEST(test_group_duplicates)
{
	const char *in[] = {"web.2", "web.1", "db.1", "web.1", "web.2", "web.1"};
	char *values[6];
	struct mirror_value_list out;
	size_t i;

	for (i = 0; i < 6; i++)
		values[i] = strdup(in[i]);
	mirror_value_list_init(&out);
	ck_assert_int_eq(mirror_store_group(values, 6, 0, 2, 0, 10, &out), MIRROR_OK);
	ck_assert_uint_eq(out.len, 2);
	ck_assert_str_eq(out.items[0].value, "db.1");
	ck_assert_str_eq(out.items[1].value, "web.*");
	ck_assert(out.items[1].pattern);
	mirror_value_list_free(&out);
	mirror_value_list_init(&out);
	ck_assert_int_eq(mirror_store_group(values, 6, 0, 0, 1, 1, &out), MIRROR_OK);
	ck_assert_uint_eq(out.len, 1);
	ck_assert_str_eq(out.items[0].value, "web.1");
	ck_assert(out.partial);
	mirror_value_list_free(&out);
	for (i = 0; i < 6; i++)
		free(values[i]);
}
END_TEST

#define LOOP(tc, fn, rows) \
	tcase_add_loop_test(tc, fn, 0, (int)(sizeof rows / sizeof rows[0]))

Suite *
influxdb_suite(void)
{
	Suite *s = suite_create("influxdb");
	TCase *tc = tcase_create("pure");

	LOOP(tc, test_quote, quote_rows);
	LOOP(tc, test_regex_prefix, regex_rows);
	tcase_add_test(tc, test_time);
	LOOP(tc, test_select, sel_rows);
	LOOP(tc, test_answer, answer_rows);
	tcase_add_test(tc, test_answer_sink_stops);
	LOOP(tc, test_metric_field, field_rows);
	tcase_add_test(tc, test_field_row_malformed);
	LOOP(tc, test_details, details_rows);
	tcase_add_test(tc, test_group_duplicates);
	suite_add_tcase(s, tc);
	return s;
}
