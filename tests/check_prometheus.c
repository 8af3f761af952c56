/*
 * The pure parts of the Prometheus backend: allowlist matching, selector
 * building and escaping, parsing canned Prometheus answers, value
 * grouping. Nothing here talks to a store (tests/prometheus/ does).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <json.h>

#include "json/json_out.h"
#include "store/group.h"
#include "store/prometheus/prom.h"
#include "check_query.h"
#include "suites.h"

/* --- allowlist ---------------------------------------------------------- */

static char *const allow[] = {
	"http://127.0.0.1:9090",
	"https://prom.example.com/prometheus/",
	"http://[::1]:9091",
	"http://victoria:8428/select/0/prometheus",
	"not a url",
};

static const struct allow_row {
	const char *url;
	const char *norm;   /* NULL: refused */
} allow_rows[] = {
	{"http://127.0.0.1:9090", "http://127.0.0.1:9090"},
	{"http://127.0.0.1:9090/", "http://127.0.0.1:9090"},
	{"http://127.0.0.1:9090/sub/path/", "http://127.0.0.1:9090/sub/path"},
	{"HTTP://127.0.0.1:9090", "http://127.0.0.1:9090"},
	{"https://prom.example.com/prometheus", "https://prom.example.com/prometheus"},
	{"https://PROM.example.com:443/prometheus/x",
	 "https://PROM.example.com:443/prometheus/x"},
	{"http://[::1]:9091/", "http://[::1]:9091"},
	{"http://victoria:8428/select/0/prometheus",
	 "http://victoria:8428/select/0/prometheus"},
	/* Port boundaries. */
	{"http://127.0.0.1:90901", NULL},
	{"http://127.0.0.1:909", NULL},
	{"http://127.0.0.1:9090.evil", NULL},
	{"http://127.0.0.1:9090.evil.com/", NULL},
	{"http://127.0.0.1", NULL},
	/* Host boundaries and userinfo tricks. */
	{"http://127.0.0.1:9090@evil.com/", NULL},
	{"http://allowed@127.0.0.1:9090/", NULL},
	{"http://u:p@127.0.0.1:9090/", NULL},
	{"http://127.0.0.10:9090", NULL},
	{"http://127.0.0.1.evil:9090", NULL},
	{"https://prom.example.com.evil/prometheus", NULL},
	{"http://prom.example.com/prometheus", NULL},     /* scheme */
	{"https://prom.example.com:8443/prometheus", NULL},/* port */
	/* Path boundaries and tricks. */
	{"https://prom.example.com/prometheus2", NULL},
	{"https://prom.example.com/prometheusx/api", NULL},
	{"https://prom.example.com/", NULL},
	{"https://prom.example.com/prometheus/../admin", NULL},
	{"https://prom.example.com/prometheus/%2e%2e/admin", NULL},
	{"https://prom.example.com/prometheus\\..\\admin", NULL},
	{"http://victoria:8428/select/1/prometheus", NULL},
	/* Other schemes, queries, fragments, junk. */
	{"file:///etc/passwd", NULL},
	{"gopher://127.0.0.1:9090/", NULL},
	{"ftp://127.0.0.1:9090/", NULL},
	{"http://127.0.0.1:9090/?x=1", NULL},
	{"http://127.0.0.1:9090/#frag", NULL},
	{"127.0.0.1:9090", NULL},
	{"", NULL},
	{"http://", NULL},
	{"http://127.0.0.1:9090/a b", NULL},
	{"http://[::1%25lo]:9091/", NULL},
};

START_TEST(test_allow)
{
	const struct allow_row *r = &allow_rows[_i];
	struct mirror_error err;
	char norm[MIRROR_STORE_URL_MAX];
	enum mirror_err e;

	mirror_error_clear(&err);
	e = mirror_store_allow(allow, sizeof allow / sizeof allow[0], r->url, norm,
	    sizeof norm, &err);
	if (r->norm == NULL) {
		ck_assert_msg(e == MIRROR_ERR_BAD_REQUEST, "%s allowed", r->url);
		ck_assert(err.details[0] != '\0');
	} else {
		ck_assert_msg(e == MIRROR_OK, "%s: %s", r->url, err.details);
		ck_assert_str_eq(norm, r->norm);
	}
}
END_TEST

START_TEST(test_allow_empty)
{
	struct mirror_error err;
	char norm[64];

	mirror_error_clear(&err);
	ck_assert_int_eq(mirror_store_allow(NULL, 0, "http://127.0.0.1:9090", norm,
	    sizeof norm, &err), MIRROR_ERR_BAD_REQUEST);
	ck_assert_ptr_nonnull(strstr(err.details, "MIRROR_STORE_ALLOW is empty"));
}
END_TEST

/* --- selectors ----------------------------------------------------------- */

static const struct sel_row {
	const char *conds[5];
	const char *skip;
	enum mirror_err e;
	enum mirror_prom_kind kind;
	const char *sel;
} sel_rows[] = {
	{{"__gauge__=up", NULL}, NULL, MIRROR_OK, MIRROR_PROM_KIND_GAUGE, "up"},
	{{"__name__=node:cpu:rate5m", NULL}, NULL, MIRROR_OK,
	 MIRROR_PROM_KIND_GAUGE, "node:cpu:rate5m"},
	{{"__gauge__=up", "job=node", "instance=a:9100", NULL}, NULL, MIRROR_OK,
	 MIRROR_PROM_KIND_GAUGE, "up{job=\"node\",instance=\"a:9100\"}"},
	{{"__counter__=http_requests_total", "code:d=200", NULL}, NULL,
	 MIRROR_OK, MIRROR_PROM_KIND_COUNTER, "http_requests_total{code=\"200\"}"},
	{{"job=node", NULL}, NULL, MIRROR_OK, MIRROR_PROM_KIND_GAUGE,
	 "{job=\"node\"}"},
	{{"__gauge__=up", "ratio:d=1.5", "ok:b=true", "neg:d=-0.25", NULL}, NULL,
	 MIRROR_OK, MIRROR_PROM_KIND_GAUGE,
	 "up{ratio=\"1.5\",ok=\"true\",neg=\"-0.25\"}"},
	{{"__gauge__=up", "p=a\"b\\c\nd", NULL}, NULL, MIRROR_OK,
	 MIRROR_PROM_KIND_GAUGE, "up{p=\"a\\\"b\\\\c\\nd\"}"},
	{{"__gauge__=up", "p=tab\there", NULL}, NULL, MIRROR_OK,
	 MIRROR_PROM_KIND_GAUGE, "up{p=\"tab\\x09here\"}"},
	{{"__gauge__=up", "p=héllo", NULL}, NULL, MIRROR_OK,
	 MIRROR_PROM_KIND_GAUGE, "up{p=\"héllo\"}"},
	/* InSetValue: regex-escaped alternation (anchored by Prometheus). */
	{{"__gauge__=up", "instance:set=a|b", NULL}, NULL, MIRROR_OK,
	 MIRROR_PROM_KIND_GAUGE, "up{instance=~\"a|b\"}"},
	{{"__gauge__=up", "v:set=x.y|a+b|(c)|[d]|e*|f?|g^$|h{2}|i\\j|k\"l", NULL},
	 NULL, MIRROR_OK, MIRROR_PROM_KIND_GAUGE,
	 "up{v=~\"x\\\\.y|a\\\\+b|\\\\(c\\\\)|\\\\[d\\\\]|e\\\\*|f\\\\?|g\\\\^\\\\$|"
	 "h\\\\{2\\\\}|i\\\\\\\\j|k\\\"l\"}"},
	{{"__gauge__:set=up|down", "job=x", NULL}, NULL, MIRROR_OK,
	 MIRROR_PROM_KIND_GAUGE, "{__name__=~\"up|down\",job=\"x\"}"},
	{{"__gauge__=not-a-name", NULL}, NULL, MIRROR_OK, MIRROR_PROM_KIND_GAUGE,
	 "{__name__=\"not-a-name\"}"},
	/* "~" is passed through as written. */
	{{"~=sum(rate(x{a=\"b\"}[5m])) by (le)", NULL}, NULL, MIRROR_OK,
	 MIRROR_PROM_KIND_EXPR, "sum(rate(x{a=\"b\"}[5m])) by (le)"},
	/* Skipping the field whose values are listed. */
	{{"__gauge__=up", "job=node", NULL}, "job", MIRROR_OK,
	 MIRROR_PROM_KIND_GAUGE, "up"},
	{{"__gauge__=up", "job=node", NULL}, "__counter__", MIRROR_OK,
	 MIRROR_PROM_KIND_GAUGE, "{job=\"node\"}"},
	{{"job=node", NULL}, "job", MIRROR_OK, MIRROR_PROM_KIND_NONE, ""},
	{{NULL}, NULL, MIRROR_OK, MIRROR_PROM_KIND_NONE, ""},
	/* Refused. */
	{{"__gauge__=up", "__counter__=up", NULL}, NULL, MIRROR_ERR_BAD_REQUEST,
	 MIRROR_PROM_KIND_NONE, NULL},
	{{"__gauge__=up", "__name__=up", NULL}, NULL, MIRROR_ERR_BAD_REQUEST,
	 MIRROR_PROM_KIND_NONE, NULL},
	{{"~=up", "job=x", NULL}, NULL, MIRROR_ERR_BAD_REQUEST,
	 MIRROR_PROM_KIND_NONE, NULL},
	{{"~:d=1", NULL}, NULL, MIRROR_ERR_BAD_REQUEST, MIRROR_PROM_KIND_NONE, NULL},
	{{"__gauge__=up", "bad-key=x", NULL}, NULL, MIRROR_ERR_BAD_REQUEST,
	 MIRROR_PROM_KIND_NONE, NULL},
	{{"__gauge__=up", "1abc=x", NULL}, NULL, MIRROR_ERR_BAD_REQUEST,
	 MIRROR_PROM_KIND_NONE, NULL},
	{{"__gauge__=up", "a}=x", NULL}, NULL, MIRROR_ERR_BAD_REQUEST,
	 MIRROR_PROM_KIND_NONE, NULL},
	{{"__gauge__=up", "v:set=", NULL}, NULL, MIRROR_ERR_BAD_REQUEST,
	 MIRROR_PROM_KIND_NONE, NULL},
};

START_TEST(test_selector)
{
	const struct sel_row *r = &sel_rows[_i];
	struct mirror_query q;
	struct mirror_error err;
	struct mirror_buf b;
	enum mirror_prom_kind kind;
	enum mirror_err e;

	check_query_make(&q, r->conds);
	mirror_error_clear(&err);
	mirror_buf_init(&b, 1 << 20);
	e = mirror_prom_selector(&q, r->skip, &kind, &b, &err);
	ck_assert_msg(e == r->e, "row %d: %d (%s)", _i, e, err.details);
	if (r->sel != NULL) {
		ck_assert_int_eq(kind, r->kind);
		ck_assert_str_eq(b.data != NULL ? b.data : "", r->sel);
	} else {
		ck_assert(err.details[0] != '\0');
	}
	mirror_buf_free(&b);
	mirror_query_free(&q);
}
END_TEST

static const struct double_row {
	double v;
	const char *text;
} double_rows[] = {
	{8080, "8080"}, {1.5, "1.5"}, {-0.25, "-0.25"}, {0.1, "0.1"},
	{1e20, "1e+20"}, {1.0 / 3, "0.3333333333333333"}, {0, "0"},
	{123456789012345.0, "123456789012345"},
};

START_TEST(test_format_double)
{
	char out[MIRROR_DOUBLE_TEXT_MAX];

	ck_assert_uint_le(mirror_json_double_text(double_rows[_i].v, out), sizeof out);
	ck_assert_str_eq(out, double_rows[_i].text);
}
END_TEST

static const struct label_row {
	const char *s;
	bool ok;
} label_rows[] = {
	{"job", true}, {"_x", true}, {"__name__", true}, {"a1_B2", true},
	{"", false}, {"1a", false}, {"a-b", false}, {"a.b", false},
	{"a:b", false}, {"a b", false}, {"é", false}, {"a/b", false},
};

START_TEST(test_label_name)
{
	ck_assert_int_eq(mirror_prom_label_name(label_rows[_i].s), label_rows[_i].ok);
}
END_TEST

/* --- answers --------------------------------------------------------------- */

static struct mirror_http_resp
resp(long status, const char *body)
{
	struct mirror_http_resp r = {status, body, strlen(body), "application/json"};

	return r;
}

static const struct answer_row {
	long status;
	const char *body;
	enum mirror_err e;
	const char *details;   /* a substring of err.details, or NULL */
} answer_rows[] = {
	{200, "{\"status\":\"success\",\"data\":[\"a\",\"b\"]}", MIRROR_OK, NULL},
	{200, " {\"status\":\"success\",\"data\":{}}\n", MIRROR_OK, NULL},
	{400, "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":"
	 "\"1:5: parse error: unexpected end of input\"}", MIRROR_ERR_STORE,
	 "bad_data): 1:5: parse error"},
	{422, "{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"x\"}",
	 MIRROR_ERR_STORE, "HTTP 422"},
	{503, "{\"status\":\"error\",\"errorType\":\"unavailable\",\"error\":"
	 "\"too many queries\"}", MIRROR_ERR_STORE, "too many queries"},
	{200, "<html>hello</html>", MIRROR_ERR_STORE_CONNECT, "not Prometheus API JSON"},
	{404, "404 page not found", MIRROR_ERR_STORE_CONNECT, "HTTP 404"},
	{200, "", MIRROR_ERR_STORE_CONNECT, "empty body"},
	{200, "{\"hello\":1}", MIRROR_ERR_STORE_CONNECT, NULL},
	{200, "[1,2]", MIRROR_ERR_STORE_CONNECT, NULL},
	{200, "{\"status\":\"success\"}", MIRROR_ERR_STORE, NULL},
	{200, "{\"status\":\"success\",\"data\":1} x", MIRROR_ERR_STORE_CONNECT, NULL},
	{200, "{\"status\":\"success\",\"data\":[tru]}", MIRROR_ERR_STORE_CONNECT, NULL},
	{200, "{\"status\":\"succ", MIRROR_ERR_STORE_CONNECT, NULL},
};

START_TEST(test_answer)
{
	const struct answer_row *r = &answer_rows[_i];
	struct mirror_http_resp hr = resp(r->status, r->body);
	struct json_object *root, *data;
	struct mirror_error err;
	enum mirror_err e;

	mirror_error_clear(&err);
	e = mirror_prom_answer(&hr, &root, &data, &err);
	ck_assert_msg(e == r->e, "row %d: %d %s", _i, e, err.details);
	if (e == MIRROR_OK)
		ck_assert_ptr_nonnull(data);
	else
		ck_assert_ptr_null(root);
	if (r->details != NULL)
		ck_assert_msg(strstr(err.details, r->details) != NULL, "%s",
		    err.details);
	json_object_put(root);
}
END_TEST

static enum mirror_err
collect(const char *s, void *ctx)
{
	struct mirror_buf *b = ctx;

	mirror_buf_adds(b, s);
	mirror_buf_addc(b, ';');
	return MIRROR_OK;
}

START_TEST(test_strings)
{
	struct json_object *ok = json_tokener_parse("[\"__name__\",\"job\"]");
	struct json_object *bad = json_tokener_parse("[\"a\",1]");
	struct json_object *obj = json_object_new_object();
	struct mirror_error err;
	struct mirror_buf b;

	mirror_buf_init(&b, 1024);
	ck_assert_int_eq(mirror_prom_strings(ok, collect, &b, &err), MIRROR_OK);
	ck_assert_str_eq(b.data, "__name__;job;");
	ck_assert_int_eq(mirror_prom_strings(bad, collect, &b, &err), MIRROR_ERR_STORE);
	ck_assert_int_eq(mirror_prom_strings(obj, collect, &b, &err), MIRROR_ERR_STORE);
	json_object_put(obj);
	json_object_put(ok);
	json_object_put(bad);
	mirror_buf_free(&b);
}
END_TEST

static const struct value_row {
	const char *s;
	bool ok;
	double v;   /* NAN: expect NaN */
} value_rows[] = {
	{"1.5", true, 1.5}, {"-2", true, -2}, {"1e3", true, 1000},
	{"NaN", true, NAN}, {"+Inf", true, INFINITY}, {"-Inf", true, -INFINITY},
	{"0.1", true, 0.1}, {"", false, 0}, {" 1", false, 0}, {"1 ", false, 0},
	{"1.5x", false, 0}, {"abc", false, 0},
};

START_TEST(test_value)
{
	const struct value_row *r = &value_rows[_i];
	double v = 0;

	ck_assert_int_eq(mirror_prom_value(r->s, &v), r->ok);
	if (r->ok && isnan(r->v))
		ck_assert(isnan(v));
	else if (r->ok)
		ck_assert(v == r->v);
}
END_TEST

static const struct time_row {
	const char *json;
	bool ok;
	int64_t ms;
} time_rows[] = {
	{"1704067200", true, 1704067200000LL},
	{"1704067200.5", true, 1704067200500LL},
	{"1704067200.123", true, 1704067200123LL},
	{"1704067200.001", true, 1704067200001LL},
	{"1704067200.999", true, 1704067200999LL},
	{"0.001", true, 1}, {"-1.5", true, -1500},
	{"\"1704067200\"", false, 0}, {"1e300", false, 0}, {"null", false, 0},
};

START_TEST(test_time)
{
	const struct time_row *r = &time_rows[_i];
	struct json_object *j = json_tokener_parse(r->json);
	int64_t ms = 0;

	ck_assert_int_eq(mirror_prom_time(j, &ms), r->ok);
	if (r->ok)
		ck_assert_int_eq(ms, r->ms);
	json_object_put(j);
}
END_TEST

static const struct seconds_row {
	int64_t ms;
	const char *s;
} seconds_rows[] = {
	{1704067200000LL, "1704067200.000"}, {1704067200999LL, "1704067200.999"},
	{5, "0.005"}, {0, "0.000"}, {-1500, "-1.500"}, {-1, "-0.001"},
};

START_TEST(test_seconds)
{
	char out[32];

	mirror_prom_seconds(seconds_rows[_i].ms, out, sizeof out);
	ck_assert_str_eq(out, seconds_rows[_i].s);
}
END_TEST

/* --- matrices --------------------------------------------------------------- */

#define SERIES(labels, values) \
	"{\"metric\":{" labels "},\"values\":[" values "]}"
#define MATRIX(...) \
	"{\"resultType\":\"matrix\",\"result\":[" __VA_ARGS__ "]}"

static const struct matrix_row {
	const char *data;
	int64_t lo, hi;
	enum mirror_err e;
	size_t npoints;
	const char *details;
} matrix_rows[] = {
	{MATRIX(SERIES("\"__name__\":\"up\",\"job\":\"a\"",
	    "[1704067200,\"1\"],[1704067215.5,\"NaN\"],[1704067230,\"+Inf\"]")),
	 0, INT64_MAX, MIRROR_OK, 3, NULL},
	/* The window [lo, hi) is applied. */
	{MATRIX(SERIES("\"job\":\"a\"", "[10,\"1\"],[20,\"2\"],[30,\"3\"]")),
	 20000, 30000, MIRROR_OK, 1, NULL},
	{MATRIX(), 0, INT64_MAX, MIRROR_OK, 0, NULL},
	{MATRIX(SERIES("\"job\":\"a\",\"instance\":\"x\"", "[1,\"1\"]") ","
	    SERIES("\"job\":\"a\",\"instance\":\"y\"", "[1,\"1\"]")),
	 0, INT64_MAX, MIRROR_ERR_BAD_REQUEST, 0, "differ in: instance."},
	{MATRIX(SERIES("\"job\":\"a\",\"instance\":\"x\"", "[1,\"1\"]") ","
	    SERIES("\"job\":\"b\"", "[1,\"1\"]") ","
	    SERIES("\"job\":\"b\",\"zone\":\"z\"", "[1,\"1\"]")),
	 0, INT64_MAX, MIRROR_ERR_BAD_REQUEST, 0, "differ in: instance, job, zone."},
	{"{\"resultType\":\"vector\",\"result\":[]}", 0, INT64_MAX,
	 MIRROR_ERR_STORE, 0, "resultType vector"},
	{MATRIX(SERIES("\"job\":\"a\"", "[1,1]")), 0, INT64_MAX, MIRROR_ERR_STORE,
	 0, "malformed sample"},
	{MATRIX(SERIES("\"job\":\"a\"", "[1,\"x\"]")), 0, INT64_MAX,
	 MIRROR_ERR_STORE, 0, "malformed sample"},
	{MATRIX(SERIES("\"job\":\"a\"", "[\"1\",\"1\"]")), 0, INT64_MAX,
	 MIRROR_ERR_STORE, 0, "malformed sample"},
	{MATRIX(SERIES("\"job\":\"a\"", "[2,\"1\"],[1,\"1\"]")), 0, INT64_MAX,
	 MIRROR_ERR_STORE, 0, "time order"},
	{MATRIX("{\"values\":[]}"), 0, INT64_MAX, MIRROR_ERR_STORE, 0, "without labels"},
	{"[]", 0, INT64_MAX, MIRROR_ERR_STORE, 0, NULL},
};

START_TEST(test_matrix)
{
	const struct matrix_row *r = &matrix_rows[_i];
	struct json_object *data = json_tokener_parse(r->data);
	struct mirror_prom_seen seen = {NULL, 0, false};
	struct mirror_series s;
	struct mirror_error err;
	enum mirror_err e;

	ck_assert_ptr_nonnull(data);
	mirror_series_init(&s, 100);
	mirror_error_clear(&err);
	e = mirror_prom_matrix(data, r->lo, r->hi, &seen, &s, &err);
	ck_assert_msg(e == r->e, "row %d: %d %s", _i, e, err.details);
	if (e == MIRROR_OK)
		ck_assert_uint_eq(s.len, r->npoints);
	if (r->details != NULL)
		ck_assert_msg(strstr(err.details, r->details) != NULL, "%s", err.details);
	mirror_prom_seen_free(&seen);
	mirror_series_free(&s);
	json_object_put(data);
}
END_TEST

START_TEST(test_matrix_values)
{
	struct json_object *data = json_tokener_parse(MATRIX(SERIES("\"a\":\"b\"",
	    "[1704067200.25,\"1.5\"],[1704067215,\"NaN\"],[1704067230,\"-Inf\"]")));
	struct mirror_prom_seen seen = {NULL, 0, false};
	struct mirror_series s;
	struct mirror_error err;

	mirror_series_init(&s, 100);
	ck_assert_int_eq(mirror_prom_matrix(data, 0, INT64_MAX, &seen, &s, &err),
	    MIRROR_OK);
	ck_assert_uint_eq(s.len, 3);
	ck_assert_int_eq(s.pts[0].t, 1704067200250LL);
	ck_assert(s.pts[0].v == 1.5);
	ck_assert(isnan(s.pts[1].v));
	ck_assert(isinf(s.pts[2].v) && s.pts[2].v < 0);
	mirror_prom_seen_free(&seen);
	mirror_series_free(&s);
	json_object_put(data);
}
END_TEST

/* A later chunk with another series is the same error as one chunk with two. */
START_TEST(test_matrix_chunks)
{
	struct json_object *a = json_tokener_parse(MATRIX(SERIES(
	    "\"job\":\"a\",\"i\":\"1\"", "[1,\"1\"]")));
	struct json_object *a2 = json_tokener_parse(MATRIX(SERIES(
	    "\"i\":\"1\",\"job\":\"a\"", "[2,\"2\"]")));
	struct json_object *b = json_tokener_parse(MATRIX(SERIES(
	    "\"job\":\"a\",\"i\":\"2\"", "[3,\"1\"]")));
	struct mirror_prom_seen seen = {NULL, 0, false};
	struct mirror_series s;
	struct mirror_error err;

	mirror_series_init(&s, 100);
	ck_assert_int_eq(mirror_prom_matrix(a, 0, INT64_MAX, &seen, &s, &err), MIRROR_OK);
	ck_assert_int_eq(mirror_prom_matrix(a2, 0, INT64_MAX, &seen, &s, &err), MIRROR_OK);
	ck_assert_uint_eq(s.len, 2);
	ck_assert_int_eq(mirror_prom_matrix(b, 0, INT64_MAX, &seen, &s, &err),
	    MIRROR_ERR_BAD_REQUEST);
	ck_assert_ptr_nonnull(strstr(err.details, "differ in: i."));
	mirror_prom_seen_free(&seen);
	mirror_series_free(&s);
	json_object_put(a);
	json_object_put(a2);
	json_object_put(b);
}
END_TEST

START_TEST(test_matrix_ceiling)
{
	struct json_object *d = json_tokener_parse(MATRIX(SERIES("\"a\":\"b\"",
	    "[1,\"1\"],[2,\"2\"],[3,\"3\"]")));
	struct mirror_prom_seen seen = {NULL, 0, false};
	struct mirror_series s;
	struct mirror_error err;

	mirror_series_init(&s, 2);
	ck_assert_int_eq(mirror_prom_matrix(d, 0, INT64_MAX, &seen, &s, &err), MIRROR_OK);
	ck_assert_uint_eq(s.len, 2);
	ck_assert(s.truncated);
	mirror_prom_seen_free(&seen);
	mirror_series_free(&s);
	json_object_put(d);
}
END_TEST

/* --- grouping ----------------------------------------------------------------- */

static const struct group_row {
	const char *values;     /* ' ' separated */
	const char *prefix;
	size_t group_min;
	int64_t offset, limit;
	const char *want;       /* ' ' separated; patterns end in '*' */
	bool partial;
} group_rows[] = {
	{"b a c", "", 50, 0, 100, "a b c", false},
	{"b a c", "", 50, 1, 1, "b", true},
	{"b a c", "", 50, 2, 5, "c", false},
	{"b a c", "", 50, 3, 5, "", false},
	{"b a c", "", 50, 9, 5, "", false},
	{"app.web.1 app.web.2 app.db.1 solo batch_1 batch_2 app", "", 3, 0, 100,
	 "app app.* batch_* solo", false},
	{"app.web.1 app.web.2 app.db.1 solo batch_1 batch_2 app", "", 0, 0, 100,
	 "app app.db.1 app.web.1 app.web.2 batch_1 batch_2 solo", false},
	{"app.web.1 app.web.2 app.db.1 app.db.2", "app.", 3, 0, 100,
	 "app.db.* app.web.*", false},
	{"app.web.1 app.web.2 app.db.1 app.db.2", "app.", 3, 1, 1,
	 "app.web.*", false},
	{"app.web.1 app.web.2 app.db.1 app.db.2", "app.", 3, 0, 1,
	 "app.db.*", true},
	/* A group of one is just its value. */
	{"x.1 y.1 y.2 z", "", 2, 0, 100, "x.1 y.* z", false},
	/* A separator right after the prefix does not make an empty group. */
	{"a..b a..c a.d", "a.", 2, 0, 100, "a..b a..c a.d", false},
	{"node_cpu_a node_cpu_b node_mem_a", "node_", 2, 0, 100,
	 "node_cpu_* node_mem_a", false},
};

static char **
split(const char *s, size_t *n)
{
	char **out = calloc(64, sizeof *out);
	const char *p = s;

	*n = 0;
	while (*p != '\0') {
		size_t len = strcspn(p, " ");

		out[(*n)++] = strndup(p, len);
		p += len + (p[len] == ' ');
	}
	return out;
}

START_TEST(test_group)
{
	const struct group_row *r = &group_rows[_i];
	struct mirror_value_list l;
	struct mirror_buf got;
	size_t n, i;
	char **v = split(r->values, &n);

	mirror_value_list_init(&l);
	ck_assert_int_eq(mirror_store_group(v, n, strlen(r->prefix), r->group_min,
	    r->offset, r->limit, &l), MIRROR_OK);
	mirror_buf_init(&got, 4096);
	mirror_buf_adds(&got, "");
	for (i = 0; i < l.len; i++) {
		if (i > 0)
			mirror_buf_addc(&got, ' ');
		mirror_buf_adds(&got, l.items[i].value);
		ck_assert_int_eq(l.items[i].pattern,
		    l.items[i].value[strlen(l.items[i].value) - 1] == '*');
	}
	ck_assert_str_eq(got.data != NULL ? got.data : "", r->want);
	ck_assert_int_eq(l.partial, r->partial);
	mirror_buf_free(&got);
	mirror_value_list_free(&l);
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
END_TEST

/* --- form encoding -------------------------------------------------------------- */

START_TEST(test_form)
{
	struct mirror_buf b;

	mirror_buf_init(&b, 4096);
	mirror_http_form_add(&b, "match[]", "up{job=\"a b\"}");
	mirror_http_form_add(&b, "time", "1.5");
	mirror_http_form_add(&b, "q", "a+b&c=d/é~_.-");
	ck_assert_str_eq(b.data, "match%5B%5D=up%7Bjob%3D%22a%20b%22%7D&time=1.5"
	    "&q=a%2Bb%26c%3Dd%2F%C3%A9~_.-");
	mirror_buf_free(&b);
}
END_TEST

/* --- connectionDetails ------------------------------------------------------------ */

static const struct details_row {
	const char *json;
	enum mirror_err e;
	int64_t timeout_ms;
} details_rows[] = {
	{"{\"url\":\"http://127.0.0.1:9090\"}", MIRROR_OK, 10000},
	{"{\"url\":\"http://127.0.0.1:9090\",\"request_timeout_seconds\":2}", MIRROR_OK, 2000},
	{"{\"url\":\"http://127.0.0.1:9090\",\"request_timeout_seconds\":0.25}", MIRROR_OK, 250},
	{"{\"url\":\"http://127.0.0.1:9090\",\"requestTimeout\":1500}", MIRROR_OK, 1500},
	{"{\"url\":\"http://127.0.0.1:9090\",\"requestTimeout\":999999}", MIRROR_OK, 50000},
	{"{\"url\":\"http://127.0.0.1:9090\",\"request_timeout_seconds\":1e9}", MIRROR_OK, 50000},
	{"{\"url\":\"http://127.0.0.1:9090\",\"request_timeout_seconds\":-1}",
	 MIRROR_ERR_BAD_REQUEST, 0},
	{"{\"url\":\"http://127.0.0.1:9090\",\"request_timeout_seconds\":\"5\"}",
	 MIRROR_ERR_BAD_REQUEST, 0},
	{"{\"url\":\"http://127.0.0.1:9090\",\"requestTimeout\":0}", MIRROR_ERR_BAD_REQUEST, 0},
	{"{}", MIRROR_ERR_BAD_REQUEST, 0},
	{"{\"url\":5}", MIRROR_ERR_BAD_REQUEST, 0},
	{"{\"url\":\"http://10.0.0.1:9090\"}", MIRROR_ERR_BAD_REQUEST, 0},
	{"{\"url\":\"http://127.0.0.1:9090\",\"aws\":{\"region_name\":\"us-east-1\"}}",
	 MIRROR_ERR_BAD_REQUEST, 0},
	{"{\"url\":\"http://127.0.0.1:9090\",\"aws\":{\"region_name\":\"us-east-1\","
	 "\"aws_access_key_id\":\"K\",\"aws_secret_access_key\":\"S\"}}", MIRROR_OK, 10000},
	{"{\"url\":\"http://127.0.0.1:9090\",\"bearer_token\":\"a\\r\\nX: y\"}",
	 MIRROR_ERR_BAD_REQUEST, 0},
	{"{\"url\":\"http://127.0.0.1:9090\",\"counter\":\"rate\"}", MIRROR_OK, 10000},
	{"{\"url\":\"http://127.0.0.1:9090\",\"counter\":\"delta\"}",
	 MIRROR_ERR_BAD_REQUEST, 0},
	{"{\"url\":\"http://127.0.0.1:9090\",\"chunk_seconds\":1}",
	 MIRROR_ERR_BAD_REQUEST, 0},
	{"{\"url\":\"http://127.0.0.1:9090\",\"gzip\":true}", MIRROR_OK, 10000},
	{"{\"url\":\"http://127.0.0.1:9090\",\"gzip\":\"yes\"}",
	 MIRROR_ERR_BAD_REQUEST, 0},
	{"{\"url\":\"http://127.0.0.1:9090\",\"aws\":\"x\"}",
	 MIRROR_ERR_BAD_REQUEST, 0},
	{"{\"url\":\"http://127.0.0.1:9090\",\"username\":[]}",
	 MIRROR_ERR_BAD_REQUEST, 0},
};

START_TEST(test_details)
{
	const struct details_row *r = &details_rows[_i];
	char *allow1[] = {"http://127.0.0.1:9090"};
	struct mirror_conf conf;
	struct mirror_query q;
	struct mirror_prom_target t;
	struct mirror_error err;
	enum mirror_err e;

	ck_assert_int_eq(mirror_conf_defaults(&conf), MIRROR_OK);
	conf.store_allow = allow1;
	conf.nstore_allow = 1;
	mirror_query_init(&q);
	q.details = json_tokener_parse(r->json);
	mirror_error_clear(&err);
	e = mirror_prom_target_read(&conf, &q, &t, &err);
	ck_assert_msg(e == r->e, "row %d: %d %s", _i, e, err.details);
	if (e == MIRROR_OK)
		ck_assert_int_eq(t.timeout_ms, r->timeout_ms);
	conf.store_allow = NULL;
	conf.nstore_allow = 0;
	mirror_conf_free(&conf);
	mirror_query_free(&q);
}
END_TEST

#define LOOP(tc, fn, rows) \
	tcase_add_loop_test(tc, fn, 0, (int)(sizeof rows / sizeof rows[0]))

Suite *
prometheus_suite(void)
{
	Suite *s = suite_create("prometheus");
	TCase *tc = tcase_create("pure");

	LOOP(tc, test_allow, allow_rows);
	tcase_add_test(tc, test_allow_empty);
	LOOP(tc, test_selector, sel_rows);
	LOOP(tc, test_format_double, double_rows);
	LOOP(tc, test_label_name, label_rows);
	LOOP(tc, test_answer, answer_rows);
	tcase_add_test(tc, test_strings);
	LOOP(tc, test_value, value_rows);
	LOOP(tc, test_time, time_rows);
	LOOP(tc, test_seconds, seconds_rows);
	LOOP(tc, test_matrix, matrix_rows);
	tcase_add_test(tc, test_matrix_values);
	tcase_add_test(tc, test_matrix_chunks);
	tcase_add_test(tc, test_matrix_ceiling);
	LOOP(tc, test_group, group_rows);
	tcase_add_test(tc, test_form);
	LOOP(tc, test_details, details_rows);
	suite_add_tcase(s, tc);
	return s;
}
