/*
 * Configuration (conf.c, num.c): defaults, every numeric variable at and
 * past its bounds, the key list, the key-check switch and the cross-checks.
 * Variables come from a fake lookup over a row's own table, never from
 * the real environment.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "conf.h"
#include "num.h"
#include "suites.h"

#define NROWS(a) ((int)(sizeof (a) / sizeof (a)[0]))

struct env {
	const char *name;
	const char *value;
};

#define ENV_MAX 4

/* The table the fake lookup reads; set by each row before loading. */
static const struct env *cur_env;

static const char *
fake_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < ENV_MAX && cur_env != NULL && cur_env[i].name != NULL; i++)
		if (strcmp(cur_env[i].name, name) == 0)
			return cur_env[i].value;
	return NULL;
}

/* A numeric setting by its variable name, widened to int64_t. */
static int64_t
conf_num(const struct mirror_conf *c, const char *env)
{
	static const char *const names[] = {
		"MIRROR_MAX_BODY_BYTES", "MIRROR_MAX_JSON_DEPTH",
		"MIRROR_MAX_STRING_BYTES", "MIRROR_MAX_CONDITIONS",
		"MIRROR_MAX_SET_VALUES", "MIRROR_MAX_RANGE_MS",
		"MIRROR_MAX_SPAN_BUCKETS", "MIRROR_MAX_BUCKETS", "MIRROR_MAX_POINTS",
		"MIRROR_MAX_STORE_POINTS", "MIRROR_MAX_FIELDS",
		"MIRROR_MAX_RESPONSE_BYTES", "MIRROR_STORE_TIMEOUT_MS",
		"MIRROR_STORE_TIMEOUT_MAX_MS", "MIRROR_STORE_MAX_BYTES",
		"MIRROR_STORE_CONNECT_TIMEOUT_MS", "MIRROR_STORE_TEST_TIMEOUT_MS",
		"MIRROR_STORE_MAX_INFLIGHT", "MIRROR_THREADS",
	};
	const int64_t values[] = {
		(int64_t)c->max_body, c->json_depth, (int64_t)c->max_string,
		(int64_t)c->max_conditions, (int64_t)c->max_set_values,
		c->max_range_ms, (int64_t)c->max_span_buckets,
		(int64_t)c->max_buckets, (int64_t)c->max_points,
		(int64_t)c->max_store_points, (int64_t)c->max_fields,
		(int64_t)c->max_response, c->store_timeout_ms,
		c->store_timeout_max_ms, (int64_t)c->store_max_bytes,
		c->store_connect_timeout_ms, c->store_test_timeout_ms,
		(int64_t)c->store_max_inflight, c->threads,
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i], env) == 0)
			return values[i];
	ck_abort_msg("no setting %s", env);
	return -1;
}

/* --- defaults ----------------------------------------------------- */

struct default_row {
	const char *env;
	int64_t value;
};

/* The documented defaults (man/mirror.conf.5). */
static const struct default_row default_rows[] = {
	{"MIRROR_MAX_BODY_BYTES", 1048576},
	{"MIRROR_MAX_JSON_DEPTH", 16},
	{"MIRROR_MAX_STRING_BYTES", 4096},
	{"MIRROR_MAX_CONDITIONS", 64},
	{"MIRROR_MAX_SET_VALUES", 1000},
	{"MIRROR_MAX_RANGE_MS", 34560000000},
	{"MIRROR_MAX_SPAN_BUCKETS", 1000000},
	{"MIRROR_MAX_BUCKETS", 11000},
	{"MIRROR_MAX_POINTS", 100000},
	{"MIRROR_MAX_STORE_POINTS", 5000000},
	{"MIRROR_MAX_FIELDS", 10000},
	{"MIRROR_MAX_RESPONSE_BYTES", 67108864},
	{"MIRROR_STORE_TIMEOUT_MS", 10000},
	{"MIRROR_STORE_TIMEOUT_MAX_MS", 50000},
	{"MIRROR_STORE_MAX_BYTES", 268435456},
	{"MIRROR_STORE_CONNECT_TIMEOUT_MS", 3000},
	{"MIRROR_STORE_TEST_TIMEOUT_MS", 5000},
	/* Unset: half the threads (check_bulkhead.c). */
	{"MIRROR_STORE_MAX_INFLIGHT", 0},
	{"MIRROR_THREADS", 32},
};

START_TEST(test_conf_default)
{
	const struct default_row *r = &default_rows[_i];
	struct mirror_conf c;

	ck_assert_int_eq(mirror_conf_defaults(&c), MIRROR_OK);
	ck_assert_int_eq(conf_num(&c, r->env), r->value);
	mirror_conf_free(&c);
}
END_TEST

/* Loading an empty environment gives the same numbers. */
START_TEST(test_conf_default_loaded)
{
	const struct default_row *r = &default_rows[_i];
	struct mirror_conf c;
	struct mirror_error err;

	cur_env = NULL;
	ck_assert_int_eq(mirror_conf_load(&c, fake_lookup, &err), MIRROR_OK);
	ck_assert_str_eq(err.details, "");
	ck_assert_int_eq(conf_num(&c, r->env), r->value);
	mirror_conf_free(&c);
}
END_TEST

/*
 * The non-numeric defaults. No key is configured, so the key check must
 * be off: "on when keys are set" (conf.h, man page), and a conf that
 * checks keys with none to match would refuse every request.
 */
START_TEST(test_conf_defaults_strings)
{
	struct mirror_conf c;

	ck_assert_int_eq(mirror_conf_defaults(&c), MIRROR_OK);
	ck_assert_str_eq(c.default_backend, "sample");
	ck_assert_ptr_null(c.keys);
	ck_assert_uint_eq(c.nkeys, 0);
	ck_assert_ptr_null(c.store_allow);
	ck_assert_uint_eq(c.nstore_allow, 0);
	ck_assert_ptr_null(c.listen);
	ck_assert_ptr_null(c.metrics_listen);
	ck_assert(!c.key_check);
	mirror_conf_free(&c);
	/* Freeing twice is harmless: the pointers were cleared. */
	mirror_conf_free(&c);
	ck_assert_ptr_null(c.default_backend);
}
END_TEST

/* --- loading ------------------------------------------------------ */

struct load_row {
	struct env env[ENV_MAX];
	enum mirror_err code;
	const char *details;   /* errors: exact err.details */
	const char *check;     /* success: the variable to read back, or NULL */
	int64_t value;         /* ... and its expected value */
};

#define BAD MIRROR_ERR_BAD_REQUEST
#define E1(n, v) {{n, v}}
#define E2(n1, v1, n2, v2) {{n1, v1}, {n2, v2}}
/* A good value of a numeric variable: read back as v. */
#define GOOD(n, s, v) {E1(n, s), MIRROR_OK, NULL, n, v}
/* A refused value of a numeric variable, with the message naming its range. */
#define RANGE(n, s, lo, hi) \
	{E1(n, s), BAD, n " must be an integer from " lo " to " hi, NULL, 0}

static const struct load_row good_rows[] = {
	/* Each variable at its lowest and highest accepted value. */
	GOOD("MIRROR_MAX_BODY_BYTES", "64", 64),
	GOOD("MIRROR_MAX_BODY_BYTES", "67108864", 67108864),
	GOOD("MIRROR_MAX_JSON_DEPTH", "8", 8),
	GOOD("MIRROR_MAX_JSON_DEPTH", "64", 64),
	GOOD("MIRROR_MAX_STRING_BYTES", "16", 16),
	GOOD("MIRROR_MAX_STRING_BYTES", "1048576", 1048576),
	GOOD("MIRROR_MAX_CONDITIONS", "1", 1),
	GOOD("MIRROR_MAX_CONDITIONS", "10000", 10000),
	GOOD("MIRROR_MAX_SET_VALUES", "1", 1),
	GOOD("MIRROR_MAX_SET_VALUES", "100000", 100000),
	GOOD("MIRROR_MAX_RANGE_MS", "1000", 1000),
	GOOD("MIRROR_MAX_RANGE_MS", "3162240000000", 3162240000000),
	GOOD("MIRROR_MAX_SPAN_BUCKETS", "1", 1),
	GOOD("MIRROR_MAX_SPAN_BUCKETS", "100000000", 100000000),
	GOOD("MIRROR_MAX_BUCKETS", "1", 1),
	GOOD("MIRROR_MAX_BUCKETS", "10000000", 10000000),
	GOOD("MIRROR_MAX_POINTS", "1", 1),
	GOOD("MIRROR_MAX_POINTS", "10000000", 10000000),
	GOOD("MIRROR_MAX_STORE_POINTS", "1", 1),
	GOOD("MIRROR_MAX_STORE_POINTS", "100000000", 100000000),
	GOOD("MIRROR_MAX_FIELDS", "1", 1),
	GOOD("MIRROR_MAX_FIELDS", "10000000", 10000000),
	GOOD("MIRROR_MAX_RESPONSE_BYTES", "4096", 4096),
	GOOD("MIRROR_MAX_RESPONSE_BYTES", "1073741824", 1073741824),
	GOOD("MIRROR_STORE_TIMEOUT_MS", "100", 100),
	/* The timeout may only grow as far as its ceiling allows. */
	{E2("MIRROR_STORE_TIMEOUT_MS", "3600000", "MIRROR_STORE_TIMEOUT_MAX_MS",
	    "3600000"), MIRROR_OK, NULL, "MIRROR_STORE_TIMEOUT_MS", 3600000},
	{E2("MIRROR_STORE_TIMEOUT_MAX_MS", "100", "MIRROR_STORE_TIMEOUT_MS", "100"),
	    MIRROR_OK, NULL, "MIRROR_STORE_TIMEOUT_MAX_MS", 100},
	GOOD("MIRROR_STORE_TIMEOUT_MAX_MS", "3600000", 3600000),
	GOOD("MIRROR_STORE_MAX_BYTES", "4096", 4096),
	GOOD("MIRROR_STORE_MAX_BYTES", "4294967296", 4294967296),
	GOOD("MIRROR_STORE_CONNECT_TIMEOUT_MS", "100", 100),
	GOOD("MIRROR_STORE_CONNECT_TIMEOUT_MS", "3600000", 3600000),
	GOOD("MIRROR_STORE_TEST_TIMEOUT_MS", "100", 100),
	GOOD("MIRROR_STORE_TEST_TIMEOUT_MS", "3600000", 3600000),
	GOOD("MIRROR_STORE_MAX_INFLIGHT", "1", 1),
	GOOD("MIRROR_STORE_MAX_INFLIGHT", "1024", 1024),
	GOOD("MIRROR_THREADS", "1", 1),
	GOOD("MIRROR_THREADS", "1024", 1024),
	/* Timeout equal to its ceiling is fine. */
	{E2("MIRROR_STORE_TIMEOUT_MS", "50000", "MIRROR_STORE_TIMEOUT_MAX_MS",
	    "50000"), MIRROR_OK, NULL, "MIRROR_STORE_TIMEOUT_MS", 50000},
	/* An empty variable is an unset one. */
	GOOD("MIRROR_MAX_BODY_BYTES", "", 1048576),
	GOOD("MIRROR_THREADS", "", 32),
	/* Leading zeros are still decimal (not octal). */
	GOOD("MIRROR_THREADS", "010", 10),
};

static const struct load_row bad_rows[] = {
	/* Each variable just below its lowest and above its highest value. */
	RANGE("MIRROR_MAX_BODY_BYTES", "63", "64", "67108864"),
	RANGE("MIRROR_MAX_BODY_BYTES", "67108865", "64", "67108864"),
	RANGE("MIRROR_MAX_JSON_DEPTH", "7", "8", "64"),
	RANGE("MIRROR_MAX_JSON_DEPTH", "65", "8", "64"),
	RANGE("MIRROR_MAX_STRING_BYTES", "15", "16", "1048576"),
	RANGE("MIRROR_MAX_STRING_BYTES", "1048577", "16", "1048576"),
	RANGE("MIRROR_MAX_CONDITIONS", "0", "1", "10000"),
	RANGE("MIRROR_MAX_CONDITIONS", "10001", "1", "10000"),
	RANGE("MIRROR_MAX_SET_VALUES", "0", "1", "100000"),
	RANGE("MIRROR_MAX_SET_VALUES", "100001", "1", "100000"),
	RANGE("MIRROR_MAX_RANGE_MS", "999", "1000", "3162240000000"),
	RANGE("MIRROR_MAX_RANGE_MS", "3162240000001", "1000", "3162240000000"),
	RANGE("MIRROR_MAX_SPAN_BUCKETS", "0", "1", "100000000"),
	RANGE("MIRROR_MAX_SPAN_BUCKETS", "100000001", "1", "100000000"),
	RANGE("MIRROR_MAX_BUCKETS", "0", "1", "10000000"),
	RANGE("MIRROR_MAX_BUCKETS", "10000001", "1", "10000000"),
	RANGE("MIRROR_MAX_POINTS", "0", "1", "10000000"),
	RANGE("MIRROR_MAX_POINTS", "10000001", "1", "10000000"),
	RANGE("MIRROR_MAX_STORE_POINTS", "0", "1", "100000000"),
	RANGE("MIRROR_MAX_STORE_POINTS", "100000001", "1", "100000000"),
	RANGE("MIRROR_MAX_FIELDS", "0", "1", "10000000"),
	RANGE("MIRROR_MAX_FIELDS", "10000001", "1", "10000000"),
	RANGE("MIRROR_MAX_RESPONSE_BYTES", "4095", "4096", "1073741824"),
	RANGE("MIRROR_MAX_RESPONSE_BYTES", "1073741825", "4096", "1073741824"),
	RANGE("MIRROR_STORE_TIMEOUT_MS", "99", "100", "3600000"),
	RANGE("MIRROR_STORE_TIMEOUT_MS", "3600001", "100", "3600000"),
	RANGE("MIRROR_STORE_TIMEOUT_MAX_MS", "99", "100", "3600000"),
	RANGE("MIRROR_STORE_TIMEOUT_MAX_MS", "3600001", "100", "3600000"),
	RANGE("MIRROR_STORE_MAX_BYTES", "4095", "4096", "4294967296"),
	RANGE("MIRROR_STORE_MAX_BYTES", "4294967297", "4096", "4294967296"),
	RANGE("MIRROR_STORE_CONNECT_TIMEOUT_MS", "99", "100", "3600000"),
	RANGE("MIRROR_STORE_CONNECT_TIMEOUT_MS", "3600001", "100", "3600000"),
	RANGE("MIRROR_STORE_TEST_TIMEOUT_MS", "99", "100", "3600000"),
	RANGE("MIRROR_STORE_TEST_TIMEOUT_MS", "3600001", "100", "3600000"),
	RANGE("MIRROR_STORE_MAX_INFLIGHT", "0", "1", "1024"),
	RANGE("MIRROR_STORE_MAX_INFLIGHT", "1025", "1", "1024"),
	RANGE("MIRROR_STORE_MAX_INFLIGHT", "-1", "1", "1024"),
	RANGE("MIRROR_THREADS", "0", "1", "1024"),
	RANGE("MIRROR_THREADS", "1025", "1", "1024"),
	/* Not numbers at all. */
	RANGE("MIRROR_THREADS", "-1", "1", "1024"),
	RANGE("MIRROR_THREADS", "4x", "1", "1024"),
	RANGE("MIRROR_THREADS", "four", "1", "1024"),
	RANGE("MIRROR_THREADS", "4.0", "1", "1024"),
	RANGE("MIRROR_THREADS", "0x10", "1", "1024"),
	RANGE("MIRROR_THREADS", "1e3", "1", "1024"),
	RANGE("MIRROR_THREADS", "4 ", "1", "1024"),
	RANGE("MIRROR_THREADS", "-", "1", "1024"),
	RANGE("MIRROR_MAX_BODY_BYTES", "99999999999999999999", "64", "67108864"),
	RANGE("MIRROR_MAX_BODY_BYTES", "-99999999999999999999", "64", "67108864"),
	RANGE("MIRROR_MAX_BODY_BYTES", "1M", "64", "67108864"),
	/* The timeout above its ceiling, each set alone. */
	{E1("MIRROR_STORE_TIMEOUT_MS", "50001"), BAD,
	    "MIRROR_STORE_TIMEOUT_MS exceeds MIRROR_STORE_TIMEOUT_MAX_MS", NULL, 0},
	{E1("MIRROR_STORE_TIMEOUT_MAX_MS", "9999"), BAD,
	    "MIRROR_STORE_TIMEOUT_MS exceeds MIRROR_STORE_TIMEOUT_MAX_MS", NULL, 0},
	{E2("MIRROR_STORE_TIMEOUT_MS", "2000", "MIRROR_STORE_TIMEOUT_MAX_MS", "1999"),
	    BAD, "MIRROR_STORE_TIMEOUT_MS exceeds MIRROR_STORE_TIMEOUT_MAX_MS", NULL, 0},
	/* The first bad variable is the one named. */
	{E2("MIRROR_MAX_BODY_BYTES", "1", "MIRROR_THREADS", "0"), BAD,
	    "MIRROR_MAX_BODY_BYTES must be an integer from 64 to 67108864", NULL, 0},
	/* Key checking needs keys, and the switch takes on or off. */
	{E1("MIRROR_KEY_CHECK", "on"), BAD,
	    "MIRROR_KEY_CHECK is on but MIRROR_API_KEY is empty", NULL, 0},
	{E2("MIRROR_KEY_CHECK", "yes", "MIRROR_API_KEY", " , ,"), BAD,
	    "MIRROR_KEY_CHECK is on but MIRROR_API_KEY is empty", NULL, 0},
	{E2("MIRROR_KEY_CHECK", "1", "MIRROR_API_KEY", ""), BAD,
	    "MIRROR_KEY_CHECK is on but MIRROR_API_KEY is empty", NULL, 0},
	{E2("MIRROR_KEY_CHECK", "ON", "MIRROR_API_KEY", "k1"), BAD,
	    "MIRROR_KEY_CHECK must be on or off", NULL, 0},
	{E2("MIRROR_KEY_CHECK", "true", "MIRROR_API_KEY", "k1"), BAD,
	    "MIRROR_KEY_CHECK must be on or off", NULL, 0},
	{E2("MIRROR_KEY_CHECK", "2", "MIRROR_API_KEY", "k1"), BAD,
	    "MIRROR_KEY_CHECK must be on or off", NULL, 0},
	{E2("MIRROR_KEY_CHECK", " off", "MIRROR_API_KEY", "k1"), BAD,
	    "MIRROR_KEY_CHECK must be on or off", NULL, 0},
	{E1("MIRROR_KEY_CHECK", "disabled"), BAD,
	    "MIRROR_KEY_CHECK must be on or off", NULL, 0},
};

static void
run_load(const struct load_row *r)
{
	struct mirror_conf c;
	struct mirror_error err;
	enum mirror_err e;

	cur_env = r->env;
	e = mirror_conf_load(&c, fake_lookup, &err);
	ck_assert_msg(e == r->code, "code %d, want %d (\"%s\")", e, r->code,
	    err.details);
	if (e != MIRROR_OK) {
		ck_assert_int_eq(err.code, r->code);
		ck_assert_str_eq(err.details, r->details);
		/* A failed load leaves nothing allocated. */
		ck_assert_ptr_null(c.keys);
		ck_assert_ptr_null(c.default_backend);
		ck_assert_ptr_null(c.store_allow);
		ck_assert_ptr_null(c.listen);
	} else if (r->check != NULL) {
		ck_assert_int_eq(conf_num(&c, r->check), r->value);
	}
	mirror_conf_free(&c);
}

START_TEST(test_conf_load_good)
{
	run_load(&good_rows[_i]);
}
END_TEST

START_TEST(test_conf_load_bad)
{
	run_load(&bad_rows[_i]);
}
END_TEST

/* --- keys, the switch, the string settings ------------------------ */

struct keys_row {
	struct env env[ENV_MAX];
	const char *keys;      /* the loaded keys joined by '|' */
	bool key_check;
	const char *backend;
	const char *listen;    /* NULL: unset */
	const char *allow;     /* store_allow joined by '|' */
};

static const struct keys_row keys_rows[] = {
	{E1("MIRROR_API_KEY", "k1"), "k1", true, "sample", NULL, ""},
	{E1("MIRROR_API_KEY", "k1,k2"), "k1|k2", true, "sample", NULL, ""},
	{E1("MIRROR_API_KEY", " k1 , ,k2,, "), "k1|k2", true, "sample", NULL, ""},
	{E1("MIRROR_API_KEY", "\tk1\t,k2 "), "k1|k2", true, "sample", NULL, ""},
	/* Inner spaces belong to the key. */
	{E1("MIRROR_API_KEY", "a b,c"), "a b|c", true, "sample", NULL, ""},
	/* Only commas and blanks: no key, so no check by default. */
	{E1("MIRROR_API_KEY", " , ,"), "", false, "sample", NULL, ""},
	{E1("MIRROR_API_KEY", ""), "", false, "sample", NULL, ""},
	{{{NULL, NULL}}, "", false, "sample", NULL, ""},
	{E2("MIRROR_API_KEY", "k1", "MIRROR_KEY_CHECK", "off"), "k1", false,
	    "sample", NULL, ""},
	{E2("MIRROR_API_KEY", "k1", "MIRROR_KEY_CHECK", "0"), "k1", false,
	    "sample", NULL, ""},
	{E2("MIRROR_API_KEY", "k1", "MIRROR_KEY_CHECK", "no"), "k1", false,
	    "sample", NULL, ""},
	{E2("MIRROR_API_KEY", "k1", "MIRROR_KEY_CHECK", "on"), "k1", true,
	    "sample", NULL, ""},
	{E2("MIRROR_API_KEY", "k1", "MIRROR_KEY_CHECK", "1"), "k1", true,
	    "sample", NULL, ""},
	{E2("MIRROR_API_KEY", "k1", "MIRROR_KEY_CHECK", "yes"), "k1", true,
	    "sample", NULL, ""},
	/* An empty switch is an unset one. */
	{E2("MIRROR_API_KEY", "k1", "MIRROR_KEY_CHECK", ""), "k1", true,
	    "sample", NULL, ""},
	{E1("MIRROR_KEY_CHECK", "off"), "", false, "sample", NULL, ""},
	{E2("MIRROR_BACKEND", "prometheus", "MIRROR_LISTEN", "127.0.0.1:9000"), "",
	    false, "prometheus", "127.0.0.1:9000", ""},
	{E2("MIRROR_BACKEND", "", "MIRROR_LISTEN", ""), "", false, "sample", NULL, ""},
	{E1("MIRROR_STORE_ALLOW", "http://a:9090/, https://b/ ,"), "", false,
	    "sample", NULL, "http://a:9090/|https://b/"},
};

static char *
join(char **items, size_t n)
{
	size_t i, len = 1;
	char *s;

	for (i = 0; i < n; i++)
		len += strlen(items[i]) + 1;
	s = calloc(1, len);
	ck_assert_ptr_nonnull(s);
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(s, "|");
		strcat(s, items[i]);
	}
	return s;
}

START_TEST(test_conf_keys)
{
	const struct keys_row *r = &keys_rows[_i];
	struct mirror_conf c;
	struct mirror_error err;
	char *s;

	cur_env = r->env;
	ck_assert_msg(mirror_conf_load(&c, fake_lookup, &err) == MIRROR_OK,
	    "load failed: %s", err.details);
	s = join(c.keys, c.nkeys);
	ck_assert_str_eq(s, r->keys);
	free(s);
	ck_assert_int_eq(c.key_check, r->key_check);
	ck_assert_str_eq(c.default_backend, r->backend);
	if (r->listen == NULL)
		ck_assert_ptr_null(c.listen);
	else
		ck_assert_str_eq(c.listen, r->listen);
	s = join(c.store_allow, c.nstore_allow);
	ck_assert_str_eq(s, r->allow);
	free(s);
	mirror_conf_free(&c);
}
END_TEST

/* --- mirror_conf_split --------------------------------------------- */

struct split_row {
	const char *list;
	size_t n;
	const char *joined;
};

static const struct split_row split_rows[] = {
	{"a", 1, "a"},
	{"a,b", 2, "a|b"},
	{" a , b ", 2, "a|b"},
	{"a,,b", 2, "a|b"},
	{",a,", 1, "a"},
	{"a,b,", 2, "a|b"},
	{"\ta\t", 1, "a"},
	{"a b", 1, "a b"},
	{"", 0, ""},
	{",", 0, ""},
	{" , \t, ", 0, ""},
	{"x,y,z,w", 4, "x|y|z|w"},
};

START_TEST(test_conf_split)
{
	const struct split_row *r = &split_rows[_i];
	char **items = NULL, *s;
	size_t n = 99, i;

	ck_assert_int_eq(mirror_conf_split(r->list, &items, &n), MIRROR_OK);
	ck_assert_uint_eq(n, r->n);
	/* The array is NULL-terminated as documented. */
	ck_assert_ptr_nonnull(items);
	ck_assert_ptr_null(items[n]);
	s = join(items, n);
	ck_assert_str_eq(s, r->joined);
	free(s);
	for (i = 0; i < n; i++)
		free(items[i]);
	free(items);
}
END_TEST

/* --- mirror_num_parse ---------------------------------------------- */

struct num_row {
	const char *s;
	int64_t min, max;
	bool ok;
	int64_t value;
};

static const struct num_row num_rows[] = {
	{"0", 0, 10, true, 0},
	{"10", 0, 10, true, 10},
	{"-5", -10, 10, true, -5},
	{"9223372036854775807", INT64_MIN, INT64_MAX, true, INT64_MAX},
	{"-9223372036854775808", INT64_MIN, INT64_MAX, true, INT64_MIN},
	{"11", 0, 10, false, 0},
	{"-1", 0, 10, false, 0},
	{"", 0, 10, false, 0},
	{"5x", 0, 10, false, 0},
	{"x5", 0, 10, false, 0},
	{"5.0", 0, 10, false, 0},
	{"9223372036854775808", INT64_MIN, INT64_MAX, false, 0},
	{"-9223372036854775809", INT64_MIN, INT64_MAX, false, 0},
	{"5 ", 0, 10, false, 0},
};

START_TEST(test_conf_num)
{
	const struct num_row *r = &num_rows[_i];
	int64_t v = 4242;

	ck_assert_int_eq(mirror_num_parse(r->s, r->min, r->max, &v), r->ok);
	/* On failure *out is left alone. */
	ck_assert_int_eq(v, r->ok ? r->value : 4242);
}
END_TEST

START_TEST(test_conf_num_null)
{
	int64_t v = 7;

	ck_assert(!mirror_num_parse(NULL, 0, 10, &v));
	ck_assert_int_eq(v, 7);
}
END_TEST

/* MIRROR_METRICS_LISTEN is kept as given (fcgi/ checks it when binding);
 * empty means off. */
START_TEST(test_conf_metrics_listen)
{
	static const struct env set[ENV_MAX] = {{"MIRROR_METRICS_LISTEN", "127.0.0.1:9464"}};
	static const struct env empty[ENV_MAX] = {{"MIRROR_METRICS_LISTEN", ""}};
	struct mirror_conf c;
	struct mirror_error err;

	cur_env = set;
	ck_assert_int_eq(mirror_conf_load(&c, fake_lookup, &err), MIRROR_OK);
	ck_assert_str_eq(c.metrics_listen, "127.0.0.1:9464");
	mirror_conf_free(&c);
	ck_assert_ptr_null(c.metrics_listen);
	cur_env = empty;
	ck_assert_int_eq(mirror_conf_load(&c, fake_lookup, &err), MIRROR_OK);
	ck_assert_ptr_null(c.metrics_listen);
	mirror_conf_free(&c);
}
END_TEST

/* --- etc/mirror.env: every commented value is the default ----------- */

/* The installed example shows each setting as "#NAME=default"; an empty
 * default stands for none (no keys, fd 0, off). */
START_TEST(test_conf_example_defaults)
{
	const char *dir = getenv("srcdir");
	char path[4096], line[512], *eq, *nl;
	struct mirror_conf c;
	int64_t v;
	int seen = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/etc/mirror.env", dir != NULL ? dir : ".");
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(mirror_conf_defaults(&c), MIRROR_OK);
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "#MIRROR_", 8) != 0 || (eq = strchr(line, '=')) == NULL)
			continue;
		*eq++ = '\0';
		if ((nl = strchr(eq, '\n')) != NULL)
			*nl = '\0';
		seen++;
		if (strcmp(line + 1, "MIRROR_BACKEND") == 0)
			ck_assert_str_eq(eq, c.default_backend);
		else if (*eq != '\0' && mirror_num_parse(eq, 0, INT64_MAX, &v))
			ck_assert_msg(conf_num(&c, line + 1) == v, "%s: the file says %s",
			    line + 1, eq);
		else
			ck_assert_msg(*eq == '\0', "%s=%s: not a default the test knows", line + 1, eq);
	}
	fclose(f);
	mirror_conf_free(&c);
	ck_assert_int_ge(seen, 21);
}
END_TEST

Suite *
conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("rows");

	tcase_add_loop_test(tc, test_conf_default, 0, NROWS(default_rows));
	tcase_add_loop_test(tc, test_conf_default_loaded, 0, NROWS(default_rows));
	tcase_add_test(tc, test_conf_defaults_strings);
	tcase_add_loop_test(tc, test_conf_load_good, 0, NROWS(good_rows));
	tcase_add_loop_test(tc, test_conf_load_bad, 0, NROWS(bad_rows));
	tcase_add_loop_test(tc, test_conf_keys, 0, NROWS(keys_rows));
	tcase_add_loop_test(tc, test_conf_split, 0, NROWS(split_rows));
	tcase_add_loop_test(tc, test_conf_num, 0, NROWS(num_rows));
	tcase_add_test(tc, test_conf_num_null);
	tcase_add_test(tc, test_conf_metrics_listen);
	tcase_add_test(tc, test_conf_example_defaults);
	suite_add_tcase(s, tc);
	return s;
}
