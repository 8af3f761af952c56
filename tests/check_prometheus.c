/*
 * The pure parts of the Prometheus backend: allowlist matching, selector
 * building and escaping, parsing canned Prometheus answers, value
 * grouping. Nothing here talks to a store (tests/prometheus/ does).
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <json.h>

#include "json/json_out.h"
#include "store/group.h"
#include "store/store.h"
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

/* Entries refused at start (mirror_store_allow_check), and usable ones. */
static const struct allow_check_row {
	const char *entry;
	const char *why;     /* NULL: usable */
} allow_check_rows[] = {
	{"http://127.0.0.1:9090", NULL},
	{"https://prom.example.com/prometheus/", NULL},
	{"http://[::1]:9091", NULL},
	{"HTTP://victoria:8428/select/0/prometheus", NULL},
	{"prometheus:9090", "it has no scheme"},
	{"127.0.0.1:9090", "it has no scheme"},
	{"prometheus.internal", "it has no scheme"},
	{"not a url", "it has no scheme"},
	{"ftp://127.0.0.1:9090", "only http and https URLs are allowed"},
	{"http://u:p@127.0.0.1:9090", "user info in the URL is not allowed (use "
	 "username/password)"},
	{"http://127.0.0.1:9090/?a=1", "the URL must not have a query or fragment"},
	{"http://127.0.0.1:9090/a%2fb", "the URL path must not contain '%' or '\\'"},
	{"http://", "it is not a valid absolute URL"},
	{"http://127.0.0.1:99999", "it is not a valid absolute URL"},
};

START_TEST(test_allow_check)
{
	const struct allow_check_row *r = &allow_check_rows[_i];
	char *const list[] = {"http://ok:1", (char *)(uintptr_t)r->entry};
	struct mirror_error err;
	char want[512];
	enum mirror_err e;

	mirror_error_clear(&err);
	e = mirror_store_allow_check(list, 2, &err);
	if (r->why == NULL) {
		ck_assert_msg(e == MIRROR_OK, "%s: %s", r->entry, err.details);
		return;
	}
	snprintf(want, sizeof want, "MIRROR_STORE_ALLOW entry \"%s\" cannot be used: "
	    "%s; write each entry as a URL with its scheme, host and port, e.g. "
	    "http://prometheus.internal:9090", r->entry, r->why);
	ck_assert_int_eq(e, MIRROR_ERR_BAD_REQUEST);
	ck_assert_str_eq(err.details, want);
}
END_TEST

START_TEST(test_store_check)
{
	struct mirror_conf conf;
	struct mirror_error err;
	char *list[5];

	memcpy(list, allow, sizeof list);
	ck_assert_int_eq(mirror_conf_defaults(&conf), MIRROR_OK);
	ck_assert_int_eq(mirror_store_check(&conf, &err), MIRROR_OK);
	free(conf.default_backend);
	conf.default_backend = strdup("influx");
	ck_assert_int_eq(mirror_store_check(&conf, &err), MIRROR_ERR_BAD_REQUEST);
	ck_assert_str_eq(err.details, "MIRROR_BACKEND \"influx\" is not a store of "
	    "this mirror; set it to one of: sample, influxdb, prometheus, graphite");
	free(conf.default_backend);
	conf.default_backend = strdup("prometheus");
	conf.store_allow = list;
	conf.nstore_allow = 4;
	ck_assert_int_eq(mirror_store_check(&conf, &err), MIRROR_OK);
	conf.nstore_allow = 5;   /* "not a url" */
	ck_assert_int_eq(mirror_store_check(&conf, &err), MIRROR_ERR_BAD_REQUEST);
	ck_assert_ptr_nonnull(strstr(err.details, "\"not a url\" cannot be used"));
	conf.store_allow = NULL;
	conf.nstore_allow = 0;
	mirror_conf_free(&conf);
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
	/* PromQL keywords (any case) cannot stand as metric names. */
	{{"__gauge__=sum", NULL}, NULL, MIRROR_OK, MIRROR_PROM_KIND_GAUGE,
	 "{__name__=\"sum\"}"},
	{{"__counter__=Offset", "job=x", NULL}, NULL, MIRROR_OK,
	 MIRROR_PROM_KIND_COUNTER, "{__name__=\"Offset\",job=\"x\"}"},
	{{"__name__=NaN", NULL}, NULL, MIRROR_OK, MIRROR_PROM_KIND_GAUGE,
	 "{__name__=\"NaN\"}"},
	{{"__gauge__=summary", NULL}, NULL, MIRROR_OK, MIRROR_PROM_KIND_GAUGE,
	 "summary"},
	/* Raw U+FFFD and invalid bytes make PromQL's lexer stop ("invalid
	 * UTF-8 rune"): escaped, they read back as they were. */
	{{"__gauge__=up", "p=a\xef\xbf\xbd" "b", NULL}, NULL, MIRROR_OK,
	 MIRROR_PROM_KIND_GAUGE, "up{p=\"a\\ufffdb\"}"},
	{{"__gauge__=up", "p=\xff\xc3", NULL}, NULL, MIRROR_OK,
	 MIRROR_PROM_KIND_GAUGE, "up{p=\"\\xff\\xc3\"}"},
	{{"__gauge__=up", "p=\xf0\x9f\x98\x80\x7f", NULL}, NULL, MIRROR_OK,
	 MIRROR_PROM_KIND_GAUGE, "up{p=\"\xf0\x9f\x98\x80\\x7f\"}"},
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

/* Reads body whole as an answer of the given shape. */
static enum mirror_err
read_whole(long status, const char *body, struct mirror_prom_want *w,
	   struct mirror_error *err)
{
	struct mirror_http_resp hr = resp(status, body);

	mirror_error_clear(err);
	return mirror_prom_read(w, &hr, err);
}

/* The same, fed in pieces of `step` bytes: the outcome must not change. */
static enum mirror_err
read_pieces(long status, const char *body, size_t step,
	    struct mirror_prom_want *w, struct mirror_error *err)
{
	struct mirror_prom_reader *r;
	size_t len = strlen(body), i, n;
	bool enough = false;
	enum mirror_err e;

	mirror_error_clear(err);
	ck_assert_int_eq(mirror_prom_reader_new(w, &r), MIRROR_OK);
	for (i = 0; i < len && !enough; i += n) {
		n = len - i < step ? len - i : step;
		ck_assert_int_eq(mirror_prom_reader_feed(r, body + i, n, &enough),
		    MIRROR_OK);
	}
	e = mirror_prom_reader_end(r, status, "application/json", err);
	mirror_prom_reader_free(r);
	return e;
}

START_TEST(test_answer)
{
	const struct answer_row *r = &answer_rows[_i];
	struct mirror_prom_want w = {.shape = MIRROR_PROM_SHAPE_ANY};
	struct mirror_error err, err1;
	enum mirror_err e;

	e = read_whole(r->status, r->body, &w, &err);
	ck_assert_msg(e == r->e, "row %d: %d %s", _i, e, err.details);
	if (r->details != NULL)
		ck_assert_msg(strstr(err.details, r->details) != NULL, "%s",
		    err.details);
	/* Byte by byte: the same outcome, the same words. */
	ck_assert_int_eq(read_pieces(r->status, r->body, 1, &w, &err1), e);
	ck_assert_str_eq(err1.details, err.details);
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

#define SUCCESS(data) "{\"status\":\"success\",\"data\":" data "}"

START_TEST(test_strings)
{
	struct mirror_error err;
	struct mirror_buf b;
	struct mirror_prom_want w = {
		.shape = MIRROR_PROM_SHAPE_STRINGS, .each = collect, .ctx = &b,
	};

	mirror_buf_init(&b, 1024);
	ck_assert_int_eq(read_whole(200, SUCCESS("[\"__name__\",\"job\"]"), &w, &err),
	    MIRROR_OK);
	ck_assert_str_eq(b.data, "__name__;job;");
	ck_assert_int_eq(read_whole(200, SUCCESS("[\"a\",1]"), &w, &err), MIRROR_ERR_STORE);
	ck_assert_int_eq(read_whole(200, SUCCESS("{}"), &w, &err), MIRROR_ERR_STORE);
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

	ck_assert_int_eq(mirror_prom_value(r->s, strlen(r->s), &v), r->ok);
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

#define SERIES(labels, values) \
	"{\"metric\":{" labels "},\"values\":[" values "]}"
#define MATRIX(...) \
	"{\"resultType\":\"matrix\",\"result\":[" __VA_ARGS__ "]}"

/* A timestamp as the first member of a sample of a one-series matrix. */
START_TEST(test_time)
{
	const struct time_row *r = &time_rows[_i];
	struct mirror_series s;
	struct mirror_error err;
	struct mirror_prom_want w = {
		.shape = MIRROR_PROM_SHAPE_MATRIX, .lo = INT64_MIN, .hi = INT64_MAX,
		.out = &s,
	};
	char body[256];
	enum mirror_err e;

	snprintf(body, sizeof body, SUCCESS(MATRIX(SERIES("\"a\":\"b\"", "[%s,\"1\"]"))),
	    r->json);
	mirror_series_init(&s, 100);
	e = read_whole(200, body, &w, &err);
	ck_assert_int_eq(e == MIRROR_OK, r->ok);
	if (r->ok) {
		ck_assert_uint_eq(s.len, 1);
		ck_assert_int_eq(s.pts[0].t, r->ms);
	} else {
		ck_assert_ptr_nonnull(strstr(err.details, "malformed sample"));
	}
	mirror_series_free(&s);
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

/* A matrix row read whole, then in pieces of 1, 2, 3, 5 and 7 bytes. */
static void
check_matrix(const struct matrix_row *r, int row, size_t step)
{
	struct mirror_prom_seen seen = {NULL, 0, false};
	struct mirror_series s;
	struct mirror_error err;
	struct mirror_prom_want w = {
		.shape = MIRROR_PROM_SHAPE_MATRIX, .lo = r->lo, .hi = r->hi,
		.out = &s, .seen = &seen,
	};
	char body[1024];
	enum mirror_err e;

	snprintf(body, sizeof body, SUCCESS("%s"), r->data);
	mirror_series_init(&s, 100);
	e = step == 0 ? read_whole(200, body, &w, &err) :
	    read_pieces(200, body, step, &w, &err);
	ck_assert_msg(e == r->e, "row %d step %zu: %d %s", row, step, e, err.details);
	if (e == MIRROR_OK)
		ck_assert_uint_eq(s.len, r->npoints);
	if (r->details != NULL)
		ck_assert_msg(strstr(err.details, r->details) != NULL, "%s", err.details);
	mirror_prom_seen_free(&seen);
	mirror_series_free(&s);
}

START_TEST(test_matrix)
{
	static const size_t steps[] = {0, 1, 2, 3, 5, 7};
	size_t k;

	for (k = 0; k < sizeof steps / sizeof steps[0]; k++)
		check_matrix(&matrix_rows[_i], _i, steps[k]);
}
END_TEST

/* One matrix answer into s, with seen carried across calls. */
static enum mirror_err
read_matrix(const char *data, struct mirror_prom_seen *seen, struct mirror_series *s,
	    struct mirror_error *err)
{
	struct mirror_prom_want w = {
		.shape = MIRROR_PROM_SHAPE_MATRIX, .lo = 0, .hi = INT64_MAX,
		.out = s, .seen = seen,
	};
	char body[1024];

	snprintf(body, sizeof body, SUCCESS("%s"), data);
	return read_whole(200, body, &w, err);
}

START_TEST(test_matrix_values)
{
	struct mirror_prom_seen seen = {NULL, 0, false};
	struct mirror_series s;
	struct mirror_error err;

	mirror_series_init(&s, 100);
	ck_assert_int_eq(read_matrix(MATRIX(SERIES("\"a\":\"b\"",
	    "[1704067200.25,\"1.5\"],[1704067215,\"NaN\"],[1704067230,\"-Inf\"]")),
	    &seen, &s, &err), MIRROR_OK);
	ck_assert_uint_eq(s.len, 3);
	ck_assert_int_eq(s.pts[0].t, 1704067200250LL);
	ck_assert(s.pts[0].v == 1.5);
	ck_assert(isnan(s.pts[1].v));
	ck_assert(isinf(s.pts[2].v) && s.pts[2].v < 0);
	mirror_prom_seen_free(&seen);
	mirror_series_free(&s);
}
END_TEST

/* A later chunk with another series is the same error as one chunk with two. */
START_TEST(test_matrix_chunks)
{
	struct mirror_prom_seen seen = {NULL, 0, false};
	struct mirror_series s;
	struct mirror_error err;

	mirror_series_init(&s, 100);
	ck_assert_int_eq(read_matrix(MATRIX(SERIES("\"job\":\"a\",\"i\":\"1\"",
	    "[1,\"1\"]")), &seen, &s, &err), MIRROR_OK);
	ck_assert_int_eq(read_matrix(MATRIX(SERIES("\"i\":\"1\",\"job\":\"a\"",
	    "[2,\"2\"]")), &seen, &s, &err), MIRROR_OK);
	ck_assert_uint_eq(s.len, 2);
	ck_assert_int_eq(read_matrix(MATRIX(SERIES("\"job\":\"a\",\"i\":\"2\"",
	    "[3,\"1\"]")), &seen, &s, &err), MIRROR_ERR_BAD_REQUEST);
	ck_assert_ptr_nonnull(strstr(err.details, "differ in: i."));
	mirror_prom_seen_free(&seen);
	mirror_series_free(&s);
}
END_TEST

START_TEST(test_matrix_ceiling)
{
	struct mirror_prom_seen seen = {NULL, 0, false};
	struct mirror_series s;
	struct mirror_error err;

	mirror_series_init(&s, 2);
	ck_assert_int_eq(read_matrix(MATRIX(SERIES("\"a\":\"b\"",
	    "[1,\"1\"],[2,\"2\"],[3,\"3\"]")), &seen, &s, &err), MIRROR_OK);
	ck_assert_uint_eq(s.len, 2);
	ck_assert(s.truncated);
	mirror_prom_seen_free(&seen);
	mirror_series_free(&s);
}
END_TEST

/* --- the streaming reader: orders, shapes, ranks ------------------------------ */

#define SHAPE(x) MIRROR_PROM_SHAPE_##x
#define ONE(values) MATRIX(SERIES("\"a\":\"b\"", values))

static const struct stream_row {
	enum mirror_prom_shape shape;
	const char *body;
	enum mirror_err e;
	size_t npoints;
	const char *details;   /* a substring of err.details, or NULL */
} stream_rows[] = {
	/* Members in any order, with the members the reader skips. */
	{SHAPE(MATRIX), "{\"data\":" ONE("[1,\"1\"],[2,\"2\"]") ",\"status\":\"success\"}",
	 MIRROR_OK, 2, NULL},
	{SHAPE(MATRIX), SUCCESS("{\"result\":[" SERIES("\"a\":\"b\"", "[1,\"1\"]")
	    "],\"resultType\":\"matrix\"}"), MIRROR_OK, 1, NULL},
	{SHAPE(MATRIX), "{\"status\":\"success\",\"warnings\":[\"w\",{\"x\":[1]}],\"data\":"
	 ONE("[1,\"1\"]") ",\"infos\":[]}", MIRROR_OK, 1, NULL},
	{SHAPE(MATRIX), SUCCESS(MATRIX("{\"values\":[[1,\"1\"]],\"metric\":{\"a\":\"b\"}}")),
	 MIRROR_OK, 1, NULL},
	{SHAPE(MATRIX), SUCCESS("{\"resultType\":\"matrix\",\"stats\":{\"a\":[[[]]]},"
	    "\"result\":[]}"), MIRROR_OK, 0, NULL},
	/* Histogram-only series, and values that are not a list: no samples. */
	{SHAPE(MATRIX), SUCCESS(MATRIX("{\"metric\":{\"a\":\"b\"},\"histograms\":"
	    "[[1,{\"count\":\"1\",\"buckets\":[[0,\"1\",\"2\",\"3\"]]}]]}")), MIRROR_OK, 0, NULL},
	{SHAPE(MATRIX), SUCCESS(MATRIX("{\"metric\":{\"a\":\"b\"},\"values\":null}")),
	 MIRROR_OK, 0, NULL},
	{SHAPE(MATRIX), SUCCESS(MATRIX("{\"metric\":{},\"values\":[[1,\"1\"]]}")),
	 MIRROR_OK, 1, NULL},
	/* Vectors. */
	{SHAPE(VECTOR), SUCCESS("{\"resultType\":\"vector\",\"result\":[{\"metric\":"
	    "{\"a\":\"b\"},\"value\":[1704067200.5,\"2\"]}]}"), MIRROR_OK, 1, NULL},
	{SHAPE(VECTOR), SUCCESS("{\"resultType\":\"vector\",\"result\":[{\"metric\":"
	    "{\"a\":\"b\"},\"value\":[1,\"2\",3]}]}"), MIRROR_ERR_STORE, 0,
	 "the store's vector holds a malformed sample"},
	{SHAPE(VECTOR), SUCCESS(ONE("[1,\"1\"]")), MIRROR_ERR_STORE, 0,
	 "did not answer with a vector (resultType matrix)"},
	{SHAPE(MATRIX), SUCCESS("{\"resultType\":5,\"result\":[]}"), MIRROR_ERR_STORE, 0,
	 "(resultType missing)"},
	{SHAPE(MATRIX), SUCCESS("{\"resultType\":\"matrix\",\"result\":{}}"),
	 MIRROR_ERR_STORE, 0, "did not answer with a matrix (resultType matrix)"},
	{SHAPE(MATRIX), SUCCESS("{\"resultType\":\"matrix\"}"), MIRROR_ERR_STORE, 0,
	 "(resultType matrix)"},
	/* The store's errors, warnings or not, status first or last. */
	{SHAPE(MATRIX), "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"x\","
	 "\"warnings\":[\"w\"]}", MIRROR_ERR_STORE, 0, "HTTP 200 (bad_data): x"},
	{SHAPE(MATRIX), "{\"error\":\"late\",\"errorType\":\"timeout\",\"status\":\"error\"}",
	 MIRROR_ERR_STORE, 0, "(timeout): late"},
	{SHAPE(MATRIX), "{\"status\":\"error\",\"errorType\":7,\"error\":[]}",
	 MIRROR_ERR_STORE, 0, "(error): no error message"},
	{SHAPE(MATRIX), "{\"status\":\"fail\",\"data\":" ONE("[1,\"1\"]") "}",
	 MIRROR_ERR_STORE, 0, "(fail): no error message"},
	{SHAPE(MATRIX), "{\"status\":\"success\",\"data\":null}", MIRROR_ERR_STORE, 0,
	 "(success): no error message"},
	/* Not the API's JSON. */
	{SHAPE(MATRIX), "{\"status\":1,\"data\":[]}", MIRROR_ERR_STORE_CONNECT, 0,
	 "not Prometheus API JSON: {\"status\":1"},
	{SHAPE(MATRIX), "\"success\"", MIRROR_ERR_STORE_CONNECT, 0, NULL},
	{SHAPE(MATRIX), "{\"status\":\"success\",\"status\":\"success\",\"data\":[]}",
	 MIRROR_ERR_STORE_CONNECT, 0, "not Prometheus API JSON"},
	{SHAPE(MATRIX), SUCCESS("{\"resultType\":\"matrix\",\"resultType\":\"matrix\","
	    "\"result\":[]}"), MIRROR_ERR_STORE_CONNECT, 0, NULL},
	{SHAPE(MATRIX), SUCCESS(MATRIX("{\"metric\":{},\"metric\":{},\"values\":[]}")),
	 MIRROR_ERR_STORE_CONNECT, 0, NULL},
	{SHAPE(MATRIX), SUCCESS(MATRIX("{\"metric\":{},\"values\":[],\"values\":[]}")),
	 MIRROR_ERR_STORE_CONNECT, 0, NULL},
	{SHAPE(MATRIX), SUCCESS(ONE("[1,\"1\"]")) " {}", MIRROR_ERR_STORE_CONNECT, 0, NULL},
	{SHAPE(MATRIX), SUCCESS(ONE("[1,\"1\"],[1e400,\"1\"]")) "\x01",
	 MIRROR_ERR_STORE_CONNECT, 0, NULL},
	{SHAPE(MATRIX), "{\"status\":\"success\",\"data\":" ONE("[1,\"1\"]"),
	 MIRROR_ERR_STORE_CONNECT, 0, NULL},
	/* Labels that are not a label set. */
	{SHAPE(MATRIX), SUCCESS(MATRIX("{\"metric\":{\"a\":1},\"values\":[]}")),
	 MIRROR_ERR_STORE, 0, "the store's matrix has a series without labels"},
	{SHAPE(MATRIX), SUCCESS(MATRIX("{\"metric\":{\"a\":\"1\",\"a\":\"2\"},\"values\":[]}")),
	 MIRROR_ERR_STORE, 0, "without labels"},
	{SHAPE(MATRIX), SUCCESS(MATRIX("{\"metric\":[],\"values\":[]}")), MIRROR_ERR_STORE,
	 0, "without labels"},
	{SHAPE(MATRIX), SUCCESS(MATRIX("5")), MIRROR_ERR_STORE, 0, "without labels"},
	/* Samples. */
	{SHAPE(MATRIX), SUCCESS(ONE("[1,\"1\",3]")), MIRROR_ERR_STORE, 0, "malformed sample"},
	{SHAPE(MATRIX), SUCCESS(ONE("[1]")), MIRROR_ERR_STORE, 0, "malformed sample"},
	{SHAPE(MATRIX), SUCCESS(ONE("[[1],\"1\"]")), MIRROR_ERR_STORE, 0, "malformed sample"},
	{SHAPE(MATRIX), SUCCESS(ONE("[1,{\"v\":\"1\"}]")), MIRROR_ERR_STORE, 0,
	 "malformed sample"},
	{SHAPE(MATRIX), SUCCESS(ONE("\"x\"")), MIRROR_ERR_STORE, 0, "malformed sample"},
	{SHAPE(MATRIX), SUCCESS(ONE("[true,\"1\"]")), MIRROR_ERR_STORE, 0, "malformed sample"},
	{SHAPE(MATRIX), SUCCESS(ONE("[1,\"1\"],[1,\"2\"]")), MIRROR_ERR_STORE, 0, "time order"},
	/* The first fault in the series wins; ranks decide across kinds. */
	{SHAPE(MATRIX), SUCCESS(ONE("[2,\"1\"],[1,\"1\"],[3,\"x\"]")), MIRROR_ERR_STORE, 0,
	 "time order"},
	{SHAPE(MATRIX), SUCCESS(ONE("[1,\"x\"],[2,\"1\"],[1,\"1\"]")), MIRROR_ERR_STORE, 0,
	 "malformed sample"},
	{SHAPE(MATRIX), SUCCESS(MATRIX(SERIES("\"i\":\"1\"", "[1,\"x\"]") ","
	    SERIES("\"i\":\"2\"", "[1,\"1\"]"))), MIRROR_ERR_BAD_REQUEST, 0, "differ in: i."},
	{SHAPE(MATRIX), SUCCESS(MATRIX(SERIES("\"i\":\"1\"", "") ",{\"values\":[]}")),
	 MIRROR_ERR_STORE, 0, "without labels"},
	{SHAPE(MATRIX), "{\"status\":\"error\",\"data\":" MATRIX(SERIES("\"i\":\"1\"", "")
	 ",{\"values\":[]}") "}", MIRROR_ERR_STORE, 0, "(error)"},
	/* Lists. */
	{SHAPE(STRINGS), SUCCESS("[]"), MIRROR_OK, 0, NULL},
	{SHAPE(STRINGS), SUCCESS("\"a\""), MIRROR_ERR_STORE, 0, "no list where one was expected"},
	{SHAPE(STRINGS), SUCCESS("[\"a\",[\"b\"]]"), MIRROR_ERR_STORE, 0,
	 "holds something other than strings"},
	/* Probes. */
	{SHAPE(OBJECT), SUCCESS("{\"version\":\"2.42.0\",\"x\":[1]}"), MIRROR_OK, 0, NULL},
	{SHAPE(OBJECT), SUCCESS("[]"), MIRROR_ERR_STORE_CONNECT, 0,
	 "/p of the store is not a Prometheus API answer"},
	{SHAPE(ARRAY), SUCCESS("[\"a\"]"), MIRROR_OK, 0, NULL},
	{SHAPE(ARRAY), SUCCESS("{}"), MIRROR_ERR_STORE_CONNECT, 0, "not a Prometheus API answer"},
	{SHAPE(ARRAY), "{\"status\":\"error\",\"data\":{}}", MIRROR_ERR_STORE, 0, NULL},
	/* Garbage is quoted, its first 80 bytes. */
	{SHAPE(ANY), "<html><head><title>Sign in</title></head><body>Please sign in to "
	 "continue to the store, then try again</body></html>", MIRROR_ERR_STORE_CONNECT, 0,
	 "JSON: <html><head><title>Sign in</title></head><body>Please sign in to "
	 "continue to"},
};

START_TEST(test_stream)
{
	static const size_t steps[] = {0, 1, 3, 7};
	const struct stream_row *r = &stream_rows[_i];
	char first[MIRROR_DETAILS_MAX] = "";
	size_t k;

	for (k = 0; k < sizeof steps / sizeof steps[0]; k++) {
		struct mirror_series s;
		struct mirror_prom_seen seen = {NULL, 0, false};
		struct mirror_prom_want w = {
			.shape = r->shape, .what = "/p", .lo = INT64_MIN, .hi = INT64_MAX,
			.out = &s, .seen = &seen,
		};
		struct mirror_error err;
		enum mirror_err e;

		mirror_series_init(&s, 100);
		e = steps[k] == 0 ? read_whole(200, r->body, &w, &err) :
		    read_pieces(200, r->body, steps[k], &w, &err);
		ck_assert_msg(e == r->e, "row %d step %zu: %d %s", _i, steps[k], e,
		    err.details);
		if (e == MIRROR_OK)
			ck_assert_uint_eq(s.len, r->npoints);
		if (r->details != NULL)
			ck_assert_msg(strstr(err.details, r->details) != NULL, "row %d: %s",
			    _i, err.details);
		if (k == 0)
			snprintf(first, sizeof first, "%s", err.details);
		ck_assert_str_eq(err.details, first);
		mirror_prom_seen_free(&seen);
		mirror_series_free(&s);
	}
}
END_TEST

/* Feeds body in 8-byte pieces until the reader has enough; returns how
 * many bytes it took. */
static size_t
feed_until_enough(struct mirror_prom_reader *r, const char *body, size_t len)
{
	size_t i;
	bool enough = false;

	for (i = 0; i < len && !enough; i += 8)
		mirror_prom_reader_feed(r, body + i, len - i < 8 ? len - i : 8, &enough);
	return i < len ? i : len;
}

/* A matrix body of n samples of one series (or n series of one sample). */
static char *
big_matrix(size_t n, bool series, bool status_last)
{
	struct mirror_buf b;
	size_t i;
	char item[96];

	mirror_buf_init(&b, 1 << 24);
	mirror_buf_adds(&b, status_last ? "{\"data\":" : "{\"status\":\"success\",\"data\":");
	mirror_buf_adds(&b, "{\"resultType\":\"matrix\",\"result\":[");
	if (!series)
		mirror_buf_adds(&b, "{\"metric\":{\"a\":\"b\"},\"values\":[");
	for (i = 0; i < n; i++) {
		if (series)
			snprintf(item, sizeof item, "%s{\"metric\":{\"a\":\"b\",\"i\":\"%zu\"},"
			    "\"values\":[[1,\"1\"]]}", i ? "," : "", i);
		else
			snprintf(item, sizeof item, "%s[%zu.5,\"%zu\"]", i ? "," : "", i, i);
		mirror_buf_adds(&b, item);
	}
	mirror_buf_adds(&b, series ? "]}" : "]}]}");
	mirror_buf_adds(&b, status_last ? ",\"status\":\"success\"}" : "}");
	return mirror_buf_steal(&b, NULL);
}

START_TEST(test_stops_at_ceiling)
{
	char *body = big_matrix(1000, false, false);
	size_t len = strlen(body), used;
	struct mirror_series s;
	struct mirror_prom_want w = {
		.shape = MIRROR_PROM_SHAPE_MATRIX, .lo = 0, .hi = INT64_MAX, .out = &s,
	};
	struct mirror_prom_reader *r;
	struct mirror_error err;

	mirror_series_init(&s, 10);
	ck_assert_int_eq(mirror_prom_reader_new(&w, &r), MIRROR_OK);
	used = feed_until_enough(r, body, len);
	/* The 11th sample, at about 1/100 of the answer, was the last read. */
	ck_assert_uint_lt(used, len / 50);
	ck_assert_int_eq(mirror_prom_reader_end(r, 200, NULL, &err), MIRROR_OK);
	ck_assert_uint_eq(s.len, 10);
	ck_assert(s.truncated);
	ck_assert_int_eq(s.pts[9].t, 9500);
	mirror_prom_reader_free(r);
	mirror_series_free(&s);
	free(body);
}
END_TEST

/* With the status still unknown, the ceiling does not stop the reading:
 * an error could follow. */
START_TEST(test_reads_on_without_status)
{
	char *body = big_matrix(1000, false, true);
	size_t len = strlen(body);
	struct mirror_series s;
	struct mirror_prom_want w = {
		.shape = MIRROR_PROM_SHAPE_MATRIX, .lo = 0, .hi = INT64_MAX, .out = &s,
	};
	struct mirror_prom_reader *r;
	struct mirror_error err;

	mirror_series_init(&s, 10);
	ck_assert_int_eq(mirror_prom_reader_new(&w, &r), MIRROR_OK);
	ck_assert_uint_eq(feed_until_enough(r, body, len), len);
	ck_assert_int_eq(mirror_prom_reader_end(r, 200, NULL, &err), MIRROR_OK);
	ck_assert_uint_eq(s.len, 10);
	ck_assert(s.truncated);
	mirror_prom_reader_free(r);
	mirror_series_free(&s);
	free(body);
}
END_TEST

START_TEST(test_stops_past_kept_series)
{
	char *body = big_matrix(1000, true, false);
	size_t len = strlen(body);
	struct mirror_series s;
	struct mirror_prom_want w = {
		.shape = MIRROR_PROM_SHAPE_MATRIX, .lo = 0, .hi = INT64_MAX, .out = &s,
	};
	struct mirror_prom_reader *r;
	struct mirror_error err;

	mirror_series_init(&s, 100);
	ck_assert_int_eq(mirror_prom_reader_new(&w, &r), MIRROR_OK);
	ck_assert_uint_lt(feed_until_enough(r, body, len), len / 20);
	ck_assert_int_eq(mirror_prom_reader_end(r, 200, NULL, &err), MIRROR_ERR_BAD_REQUEST);
	ck_assert_ptr_nonnull(strstr(err.details, "they differ in: i. Add"));
	mirror_prom_reader_free(r);
	mirror_series_free(&s);
	free(body);
}
END_TEST

static enum mirror_err
take_two(const char *s, void *ctx)
{
	int *n = ctx;

	(void)s;
	return ++*n > 2 ? MIRROR_ERR_NOMEM : MIRROR_OK;
}

START_TEST(test_stops_when_list_full)
{
	const char *body = SUCCESS("[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\","
	    "\"i\",\"j\",\"k\",\"l\"]");
	int n = 0;
	struct mirror_prom_want w = {
		.shape = MIRROR_PROM_SHAPE_STRINGS, .each = take_two, .ctx = &n,
	};
	struct mirror_prom_reader *r;
	struct mirror_error err;

	ck_assert_int_eq(mirror_prom_reader_new(&w, &r), MIRROR_OK);
	ck_assert_uint_lt(feed_until_enough(r, body, strlen(body)), strlen(body));
	ck_assert_int_eq(mirror_prom_reader_end(r, 200, NULL, &err), MIRROR_ERR_NOMEM);
	ck_assert_str_eq(err.details, "out of memory");
	ck_assert_int_eq(n, 3);
	mirror_prom_reader_free(r);
}
END_TEST

/* A label value longer than the reader's token bound is the store's
 * fault, not garbage. */
START_TEST(test_too_long)
{
	struct mirror_buf b;
	struct mirror_prom_want w = {.shape = MIRROR_PROM_SHAPE_ANY};
	struct mirror_error err;
	size_t i;

	mirror_buf_init(&b, 1 << 22);
	mirror_buf_adds(&b, "{\"status\":\"success\",\"data\":[\"");
	for (i = 0; i < (1 << 20) + 1; i++)
		mirror_buf_addc(&b, 'x');
	mirror_buf_adds(&b, "\"]}");
	ck_assert_int_eq(read_whole(200, b.data, &w, &err), MIRROR_ERR_STORE);
	ck_assert_str_eq(err.details, "the store's answer holds a string longer than "
	    "1048576 bytes");
	mirror_buf_free(&b);
}
END_TEST

/* Timestamps exact to the millisecond, values exact to the bit. */
static const struct number_row {
	const char *t, *v;
	int64_t ms;
	double value;
} number_rows[] = {
	{"1704153599.999", "12.5", 1704153599999LL, 12.5},
	{"1704153599.99", "-3", 1704153599990LL, -3},
	{"1704153599.9", "1e3", 1704153599900LL, 1000},
	{"1704153599", "0.1", 1704153599000LL, 0.1},
	{"1704153599.001", "5.8652496337890625", 1704153599001LL, 5.8652496337890625},
	{"17041535990", "1e+06", 17041535990000LL, 1e6},
	{"-0.999", "-0", -999, -0.0},
	{"1.5e3", "2.5e-05", 1500000, 2.5e-05},
	{"1704153599.9995", "1.7976931348623157e308", 1704153600000LL, 1.7976931348623157e308},
	{"9223372036854775", "4.9e-324", 9223372036854775000LL, 4.9e-324},
};

START_TEST(test_numbers)
{
	const struct number_row *r = &number_rows[_i];
	int64_t ms;
	double v;

	ck_assert(mirror_prom_time(r->t, strlen(r->t), &ms));
	ck_assert_int_eq(ms, r->ms);
	ck_assert(mirror_prom_value(r->v, strlen(r->v), &v));
	ck_assert(memcmp(&v, &r->value, sizeof v) == 0);
}
END_TEST

START_TEST(test_time_refused)
{
	static const char *const bad[] = {
		"9223372036854776", "-9223372036854776", "1e300", "-1e300", "92233720368547758",
		/* Digits past int64 (found by fuzz_prom_answer under UBSan). */
		"17040672000000000000000", "-17040672000000000000000.5",
	};
	size_t i;
	int64_t ms;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!mirror_prom_time(bad[i], strlen(bad[i]), &ms), "%s", bad[i]);
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
	LOOP(tc, test_allow_check, allow_check_rows);
	tcase_add_test(tc, test_store_check);
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
	LOOP(tc, test_stream, stream_rows);
	tcase_add_test(tc, test_stops_at_ceiling);
	tcase_add_test(tc, test_reads_on_without_status);
	tcase_add_test(tc, test_stops_past_kept_series);
	tcase_add_test(tc, test_stops_when_list_full);
	tcase_add_test(tc, test_too_long);
	LOOP(tc, test_numbers, number_rows);
	tcase_add_test(tc, test_time_refused);
	LOOP(tc, test_group, group_rows);
	tcase_add_test(tc, test_form);
	LOOP(tc, test_details, details_rows);
	suite_add_tcase(s, tc);
	return s;
}
