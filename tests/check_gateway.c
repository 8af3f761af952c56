/*
 * The shared CGI/FastCGI conventions (gateway.c), the API key (auth.c)
 * and the access log (log.c).
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "auth.h"
#include "buf.h"
#include "conf.h"
#include "gateway.h"
#include "log.h"
#include "mirror.h"
#include "suites.h"

#define NROWS(a) ((int)(sizeof (a) / sizeof (a)[0]))

/* --- mirror_gateway_request ------------------------------------------ */

#define META_MAX 6

struct meta {
	const char *name;
	const char *value;
};

struct meta_ctx {
	const struct meta *meta;
	int calls;
};

/* The adapter's look-up, over a row's meta-variables. */
static const char *
param(const char *name, void *ctx)
{
	struct meta_ctx *c = ctx;
	size_t i;

	c->calls++;
	for (i = 0; i < META_MAX && c->meta[i].name != NULL; i++)
		if (strcmp(c->meta[i].name, name) == 0)
			return c->meta[i].value;
	return NULL;
}

struct req_row {
	struct meta meta[META_MAX];
	const char *method;
	const char *path;
	const char *key;            /* NULL: no key */
	long long length;
	enum mirror_err code;       /* on error only code and details are checked */
};

#define OK MIRROR_OK
#define POST {"REQUEST_METHOD", "POST"}
#define CL(v) {"CONTENT_LENGTH", v}
#define URI(v) {"REQUEST_URI", v}
/* A malformed CONTENT_LENGTH (RFC 3875 4.1.2: "" | 1*digit). */
#define BAD_CL(v) {{POST, URI("/api/metric"), CL(v)}, NULL, NULL, NULL, -1, \
	MIRROR_ERR_BAD_REQUEST}

static const struct req_row req_good[] = {
	/* DOCUMENT_URI wins over everything else (nginx sends it). */
	{{POST, {"DOCUMENT_URI", "/api/metric"}, {"SCRIPT_NAME", "/cgi-bin/m.cgi"},
	    {"PATH_INFO", "/x"}, URI("/y?z=1")}, "POST", "/api/metric", NULL, -1, OK},
	/* Empty is absent: then SCRIPT_NAME + PATH_INFO. */
	{{POST, {"DOCUMENT_URI", ""}, {"SCRIPT_NAME", "/cgi-bin/m.cgi"},
	    {"PATH_INFO", "/api/field/name"}, URI("/other")}, "POST",
	    "/cgi-bin/m.cgi/api/field/name", NULL, -1, OK},
	{{POST, {"PATH_INFO", "/api/connection"}}, "POST", "/api/connection", NULL, -1, OK},
	{{POST, {"SCRIPT_NAME", ""}, {"PATH_INFO", "/api/connection"}}, "POST",
	    "/api/connection", NULL, -1, OK},
	/* No PATH_INFO: REQUEST_URI without its query string. */
	{{POST, {"SCRIPT_NAME", "/m.cgi"}, URI("/m.cgi?x=1")}, "POST", "/m.cgi",
	    NULL, -1, OK},
	{{POST, {"PATH_INFO", ""}, URI("/stackstate/api/metric?from=1&to=2")}, "POST",
	    "/stackstate/api/metric", NULL, -1, OK},
	{{POST, URI("/api/metric")}, "POST", "/api/metric", NULL, -1, OK},
	{{POST, URI("/api/metric?")}, "POST", "/api/metric", NULL, -1, OK},
	{{POST, URI("?a=1")}, "POST", "", NULL, -1, OK},
	/* Nothing at all: the root, which routes nowhere. */
	{{POST}, "POST", "/", NULL, -1, OK},
	/* RFC 3875 requires REQUEST_METHOD; without it nothing is a POST. */
	{{URI("/api/metric")}, "GET", "/api/metric", NULL, -1, OK},
	{{{"REQUEST_METHOD", ""}, URI("/api/metric")}, "GET", "/api/metric", NULL, -1, OK},
	{{{"REQUEST_METHOD", "DELETE"}, URI("/api/metric")}, "DELETE", "/api/metric",
	    NULL, -1, OK},
	{{POST, URI("/api/metric"), {"HTTP_X_MIRROR_API_KEY", "k1"}}, "POST",
	    "/api/metric", "k1", -1, OK},
	/* An empty header is still a (wrong) key, not an absent one. */
	{{POST, URI("/api/metric"), {"HTTP_X_MIRROR_API_KEY", ""}}, "POST",
	    "/api/metric", "", -1, OK},
	{{POST, URI("/api/metric"), CL("")}, "POST", "/api/metric", NULL, -1, OK},
	{{POST, URI("/api/metric"), CL("0")}, "POST", "/api/metric", NULL, 0, OK},
	{{POST, URI("/api/metric"), CL("123")}, "POST", "/api/metric", NULL, 123, OK},
	{{POST, URI("/api/metric"), CL("9223372036854775807")}, "POST",
	    "/api/metric", NULL, INT64_MAX, OK},
};

static const struct req_row req_bad[] = {
	BAD_CL("12x"),
	BAD_CL("-1"),
	BAD_CL("-0"),
	BAD_CL("+5"),
	BAD_CL(" 5"),
	BAD_CL("5 "),
	BAD_CL("1.5"),
	BAD_CL("0x10"),
	BAD_CL("1e3"),
	BAD_CL("abc"),
	BAD_CL("99999999999999999999"),
	BAD_CL("9223372036854775808"),
	BAD_CL("-9223372036854775808"),
	BAD_CL("\t12"),
	BAD_CL("12\n"),
	BAD_CL("1 2"),
	BAD_CL("-"),
	BAD_CL("+"),
	BAD_CL("0,5"),
};

static void
run_req(const struct req_row *r)
{
	struct meta_ctx ctx = {r->meta, 0};
	struct mirror_request req;
	struct mirror_error err;
	char path[1024];
	enum mirror_err e;

	e = mirror_gateway_request(param, &ctx, &req, path, sizeof path, &err);
	ck_assert_int_gt(ctx.calls, 0);
	ck_assert_msg(e == r->code, "CONTENT_LENGTH \"%s\": code %d, want %d",
	    param("CONTENT_LENGTH", &ctx) != NULL ? param("CONTENT_LENGTH", &ctx) :
	    "(unset)", e, r->code);
	ck_assert_int_eq(err.code, r->code);
	if (e != MIRROR_OK) {
		ck_assert_str_eq(err.details, "CONTENT_LENGTH is not a length");
		return;
	}
	ck_assert_str_eq(err.details, "");
	ck_assert_str_eq(req.method, r->method);
	ck_assert_str_eq(req.path, r->path);
	if (r->key == NULL)
		ck_assert_ptr_null(req.api_key);
	else
		ck_assert_str_eq(req.api_key, r->key);
	ck_assert_int_eq(req.content_length, r->length);
	/* The body is the adapter's business. */
	ck_assert_ptr_null(req.body);
	ck_assert_uint_eq(req.body_len, 0);
}

START_TEST(test_gateway_request_good)
{
	run_req(&req_good[_i]);
}
END_TEST

START_TEST(test_gateway_request_bad)
{
	run_req(&req_bad[_i]);
}
END_TEST

/* CONTENT_TYPE as sent (RFC 3875 §4.1.3); nginx sends "" for none, which
 * is none. The media type itself is media.c's to judge. */
static const struct ctype_row {
	const char *sent;          /* NULL: unset */
	const char *read;          /* NULL: none */
} ctype_rows[] = {
	{"application/json", "application/json"},
	{"text/plain; x=1", "text/plain; x=1"},
	{" application/json", " application/json"},
	{"", NULL},
	{NULL, NULL},
};

START_TEST(test_gateway_content_type)
{
	const struct ctype_row *r = &ctype_rows[_i];
	struct meta meta[META_MAX] = {POST, URI("/api/metric"), {"CONTENT_TYPE", r->sent}};
	struct meta_ctx ctx = {meta, 0};
	struct mirror_request req;
	struct mirror_error err;
	char path[64];

	if (r->sent == NULL)
		meta[2].name = NULL;
	ck_assert_int_eq(mirror_gateway_request(param, &ctx, &req, path, sizeof path,
	    &err), MIRROR_OK);
	if (r->read == NULL)
		ck_assert_ptr_null(req.content_type);
	else
		ck_assert_str_eq(req.content_type, r->read);
}
END_TEST

/* A path longer than the buffer is cut inside it, never past it. */
START_TEST(test_gateway_long_path)
{
	static const struct meta long_uri[META_MAX] = {
		POST, URI("/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa?q")};
	static const struct meta long_info[META_MAX] = {
		POST, {"SCRIPT_NAME", "/cgi-bin/mirror.cgi"},
		{"PATH_INFO", "/stackstate/api/metric"}};
	const struct meta *sets[] = {long_uri, long_info};
	struct mirror_request req;
	struct mirror_error err;
	char buf[24];
	size_t i;

	for (i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		struct meta_ctx ctx = {sets[i], 0};

		memset(buf, 'Z', sizeof buf);
		ck_assert_int_eq(mirror_gateway_request(param, &ctx, &req, buf, 16,
		    &err), MIRROR_OK);
		/* Too long to hold: answered as unknown, never cut into a
		 * path that might end in a route's tail. */
		ck_assert_str_eq(req.path, "/");
		/* Bytes past the size given are untouched. */
		ck_assert_int_eq(buf[16], 'Z');
		ck_assert_int_eq(buf[sizeof buf - 1], 'Z');
	}
}
END_TEST

/* --- mirror_gateway_head ---------------------------------------------- */

struct head_row {
	int status;
	size_t nheaders;
	struct mirror_header headers[3];
	size_t body_len;
	const char *out;
};

#define CT {"Content-Type", "application/json"}
#define KEY {"X-MIRROR-API-KEY", "k1"}

static const struct head_row head_rows[] = {
	{200, 2, {CT, KEY}, 42, "Status: 200 OK\r\nContent-Type: application/json\r\n"
	    "X-MIRROR-API-KEY: k1\r\nContent-Length: 42\r\n\r\n"},
	{200, 1, {CT}, 0, "Status: 200 OK\r\nContent-Type: application/json\r\n"
	    "Content-Length: 0\r\n\r\n"},
	{200, 0, {{NULL, NULL}}, 7, "Status: 200 OK\r\nContent-Length: 7\r\n\r\n"},
	{400, 2, {CT, KEY}, 120, "Status: 400 Bad Request\r\nContent-Type: "
	    "application/json\r\nX-MIRROR-API-KEY: k1\r\nContent-Length: 120\r\n\r\n"},
	{401, 1, {CT}, 1, "Status: 401 Unauthorized\r\nContent-Type: "
	    "application/json\r\nContent-Length: 1\r\n\r\n"},
	{404, 1, {CT}, 1, "Status: 404 Not Found\r\nContent-Type: "
	    "application/json\r\nContent-Length: 1\r\n\r\n"},
	{405, 3, {CT, KEY, {"Allow", "POST"}}, 81, "Status: 405 Method Not Allowed\r\n"
	    "Content-Type: application/json\r\nX-MIRROR-API-KEY: k1\r\nAllow: POST\r\n"
	    "Content-Length: 81\r\n\r\n"},
	{413, 1, {CT}, 1, "Status: 413 Payload Too Large\r\nContent-Type: "
	    "application/json\r\nContent-Length: 1\r\n\r\n"},
	{500, 1, {CT}, 1, "Status: 500 Internal Server Error\r\nContent-Type: "
	    "application/json\r\nContent-Length: 1\r\n\r\n"},
	{502, 1, {CT}, 1, "Status: 502 Bad Gateway\r\nContent-Type: "
	    "application/json\r\nContent-Length: 1\r\n\r\n"},
	{503, 1, {CT}, 1, "Status: 503 Service Unavailable\r\nContent-Type: "
	    "application/json\r\nContent-Length: 1\r\n\r\n"},
	{504, 1, {CT}, 1, "Status: 504 Gateway Timeout\r\nContent-Type: "
	    "application/json\r\nContent-Length: 1\r\n\r\n"},
	{599, 0, {{NULL, NULL}}, 3, "Status: 599 Unknown\r\nContent-Length: 3\r\n\r\n"},
	{200, 1, {{"Content-Type", "text/plain; version=0.0.4"}}, 1048576,
	    "Status: 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
	    "Content-Length: 1048576\r\n\r\n"},
};

START_TEST(test_gateway_head)
{
	const struct head_row *r = &head_rows[_i];
	struct mirror_response resp;
	struct mirror_buf b;
	size_t i;

	memset(&resp, 0, sizeof resp);
	resp.status = r->status;
	resp.nheaders = r->nheaders;
	for (i = 0; i < r->nheaders; i++)
		resp.headers[i] = r->headers[i];
	resp.body_len = r->body_len;
	mirror_buf_init(&b, 4096);
	mirror_gateway_head(&resp, &b);
	ck_assert_int_eq(b.err, MIRROR_OK);
	ck_assert_str_eq(b.data, r->out);
	mirror_buf_free(&b);
}
END_TEST

/* --- auth ------------------------------------------------------------- */

struct auth_row {
	const char *keys;       /* MIRROR_API_KEY */
	bool key_check;
	const char *presented;
	int match;
	bool allows;
	const char *echo;       /* NULL: no header */
};

static const struct auth_row auth_rows[] = {
	{"k1,k2", true, "k1", 0, true, "k1"},
	{"k1,k2", true, "k2", 1, true, "k2"},
	{"a,a", true, "a", 0, true, "a"},
	{"long-key-0123456789,short", true, "short", 1, true, "short"},
	{"long-key-0123456789,short", true, "long-key-0123456789", 0, true,
	    "long-key-0123456789"},
	{"k1,k2", false, "k2", 1, true, "k2"},
	{"k1,k2", false, "bad", -1, true, "k1"},
	{"k1,k2", false, NULL, -1, true, "k1"},
	{"", false, "x", -1, true, NULL},
	{"", false, NULL, -1, true, NULL},

	/* Refused: no key is echoed, or the 401 would hand it out. */
	{"k1,k2", true, NULL, -1, false, NULL},
	{"k1,k2", true, "", -1, false, NULL},
	/* A prefix of a key, or a key with more after it, is another key. */
	{"k1,k2", true, "k", -1, false, NULL},
	{"k1,k2", true, "k1x", -1, false, NULL},
	{"k1,k2", true, "k1k1", -1, false, NULL},
	{"k1,k2", true, "k2k2k2", -1, false, NULL},
	{"k1,k2", true, "K1", -1, false, NULL},
	{"k1,k2", true, "k1\n", -1, false, NULL},
	{"k1,k2", true, " k1", -1, false, NULL},
	{"k1,k2", true, "k1,k2", -1, false, NULL},
	{"abc", true, "ab", -1, false, NULL},
	{"abc", true, "abd", -1, false, NULL},
	{"abc", true, "xbc", -1, false, NULL},
	{"abc", true, "abcabc", -1, false, NULL},
	{"abc", true, "abca", -1, false, NULL},
	{"abc", true, "a", -1, false, NULL},
};

START_TEST(test_auth)
{
	const struct auth_row *r = &auth_rows[_i];
	struct mirror_conf c;
	const char *echo;
	int match;

	memset(&c, 0, sizeof c);
	ck_assert_int_eq(mirror_conf_split(r->keys, &c.keys, &c.nkeys), MIRROR_OK);
	c.key_check = r->key_check;
	match = mirror_auth_match(&c, r->presented);
	ck_assert_int_eq(match, r->match);
	ck_assert_int_eq(mirror_auth_allows(&c, match), r->allows);
	echo = mirror_auth_echo(&c, match);
	if (r->echo == NULL)
		ck_assert_ptr_null(echo);
	else
		ck_assert_str_eq(echo, r->echo);
	mirror_conf_free(&c);
}
END_TEST

/* --- the access log --------------------------------------------------- */

struct log_row {
	const char *method;
	const char *path;
	int status;
	size_t body_len;
	int64_t us;
	const char *backend;
	enum mirror_err err;
	const char *out;        /* the line after its timestamp and a space */
};

#define P255 \
	"/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

static const struct log_row log_rows[] = {
	{"POST", "/api/metric", 200, 42, 1234, "sample", MIRROR_OK,
	    "POST /api/metric 200 42 1234us backend=sample\n"},
	{"POST", "/stackstate/api/field/name", 200, 0, 0, "prometheus", MIRROR_OK,
	    "POST /stackstate/api/field/name 200 0 0us backend=prometheus\n"},
	{"POST", "/api/metric", 400, 97, 15, "sample", MIRROR_ERR_BAD_REQUEST,
	    "POST /api/metric 400 97 15us backend=sample error=RemoteMirrorError\n"},
	{"GET", "/nope", 404, 10, 3, NULL, MIRROR_ERR_NOT_FOUND,
	    "GET /nope 404 10 3us backend=- error=RemoteMirrorError\n"},
	{"POST", "/api/metric", 502, 80, 5000000, "prometheus",
	    MIRROR_ERR_STORE_CONNECT, "POST /api/metric 502 80 5000000us "
	    "backend=prometheus error=MetricStoreConnectionError\n"},
	{"POST", "/api/metric", 500, 80, 1, "sample", MIRROR_ERR_METRIC_NOT_FOUND,
	    "POST /api/metric 500 80 1us backend=sample error=MetricNotFoundError\n"},
	{"POST", "/api/metric", 400, 80, 1, "sample", MIRROR_ERR_UNSUPPORTED_TYPE,
	    "POST /api/metric 400 80 1us backend=sample "
	    "error=UnsupportedFieldTypeError\n"},
	/* Control characters, spaces and DEL in the path cannot forge a line. */
	{"POST", "/a b\x01\n\x7f/c", 404, 1, 1, NULL, MIRROR_ERR_NOT_FOUND,
	    /* (split so "??/" is not read as a trigraph) */
	    "POST /a?b??" "?/c 404 1 1us backend=- error=RemoteMirrorError\n"},
	{"PO ST\r\n", "/\t", 405, 1, 1, NULL, MIRROR_ERR_METHOD,
	    "PO?ST?? /? 405 1 1us backend=- error=RemoteMirrorError\n"},
	/* UTF-8 passes through. */
	{"POST", "/caf\xc3\xa9", 404, 1, 1, NULL, MIRROR_ERR_NOT_FOUND,
	    "POST /caf\xc3\xa9 404 1 1us backend=- error=RemoteMirrorError\n"},
	{NULL, NULL, 404, 1, 1, NULL, MIRROR_ERR_NOT_FOUND,
	    "- - 404 1 1us backend=- error=RemoteMirrorError\n"},
	/* Long fields are cut, not allowed to grow the line without bound. */
	{"POSTPOSTPOSTPOSTPOST", P255 "tail", 404, 1, 1, NULL, MIRROR_ERR_NOT_FOUND,
	    "POSTPOSTPOSTPOS " P255 " 404 1 1us backend=- error=RemoteMirrorError\n"},
};

static bool
is_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* "2026-11-23T20:24:01Z": the shape, not the value (the clock moves). */
static bool
is_stamp(const char *s)
{
	return strlen(s) >= 20 && is_digits(s, 4) && s[4] == '-' &&
	    is_digits(s + 5, 2) && s[7] == '-' && is_digits(s + 8, 2) &&
	    s[10] == 'T' && is_digits(s + 11, 2) && s[13] == ':' &&
	    is_digits(s + 14, 2) && s[16] == ':' && is_digits(s + 17, 2) &&
	    s[19] == 'Z';
}

START_TEST(test_log_access)
{
	const struct log_row *r = &log_rows[_i];
	struct mirror_request req = {0};
	struct mirror_response resp = {0};
	char *line = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&line, &size);

	ck_assert_ptr_nonnull(f);
	req.method = r->method;
	req.path = r->path;
	/* The key must never reach the log. */
	req.api_key = "secret-key-123";
	req.body = "{\"secret\":\"body\"}";
	req.body_len = strlen(req.body);
	resp.status = r->status;
	resp.body_len = r->body_len;
	resp.store = r->backend;
	resp.err = r->err;
	mirror_log_access(f, &req, &resp, r->us);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_ptr_nonnull(line);
	ck_assert_msg(is_stamp(line), "no timestamp in \"%s\"", line);
	ck_assert_int_eq(line[20], ' ');
	ck_assert_str_eq(line + 21, r->out);
	ck_assert_ptr_null(strstr(line, "secret"));
	/* One line: its only newline ends it. */
	ck_assert_ptr_eq(strchr(line, '\n'), line + size - 1);
	free(line);
}
END_TEST

Suite *
gateway_suite(void)
{
	Suite *s = suite_create("gateway");
	TCase *tc = tcase_create("rows");

	tcase_add_loop_test(tc, test_gateway_request_good, 0, NROWS(req_good));
	tcase_add_loop_test(tc, test_gateway_request_bad, 0, NROWS(req_bad));
	tcase_add_test(tc, test_gateway_long_path);
	tcase_add_loop_test(tc, test_gateway_content_type, 0, NROWS(ctype_rows));
	tcase_add_loop_test(tc, test_gateway_head, 0, NROWS(head_rows));
	tcase_add_loop_test(tc, test_auth, 0, NROWS(auth_rows));
	tcase_add_loop_test(tc, test_log_access, 0, NROWS(log_rows));
	suite_add_tcase(s, tc);
	return s;
}
