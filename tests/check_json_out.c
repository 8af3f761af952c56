/*
 * JSON writing (json_out.c): exact bytes for strings, integers and
 * doubles; doubles read back exactly and are never NaN or Infinity
 * (MIRROR-API.md decision 5).
 */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <json.h>

#include "buf.h"
#include "dtoa_ref.h"
#include "json/json_out.h"
#include "suites.h"

#define NROWS(a) ((int)(sizeof (a) / sizeof (a)[0]))

/* --- strings -------------------------------------------------------- */

struct str_row {
	const char *in;
	const char *out;
};

static const struct str_row str_rows[] = {
	{"", "\"\""},
	{"web-1", "\"web-1\""},
	{"a\"b", "\"a\\\"b\""},
	{"a\\b", "\"a\\\\b\""},
	{"\"\\\"", "\"\\\"\\\\\\\"\""},
	{"\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\""},
	{"\x01", "\"\\u0001\""},
	{"a\x1f" "b", "\"a\\u001fb\""},
	{"\x0b\x0e", "\"\\u000b\\u000e\""},
	/* DEL is legal JSON but escaped: it is a control character in logs. */
	{"\x7f", "\"\\u007f\""},
	/* Space and '/' stand as themselves. */
	{" /</script>", "\" /</script>\""},
	/* UTF-8 passes through byte for byte: 2, 3 and 4-byte sequences. */
	{"caf\xc3\xa9", "\"caf\xc3\xa9\""},
	{"\xe2\x82\xac" "5", "\"\xe2\x82\xac" "5\""},
	{"\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""},
	{"\xc2\x80", "\"\xc2\x80\""},
	{"x\ny\"z\\", "\"x\\ny\\\"z\\\\\""},
	/* Malformed UTF-8 from a store becomes U+FFFD, one per bad byte:
	 * stray continuation, truncated, overlong, surrogate, too big, 0xff. */
	{"a\x80" "b", "\"a\\ufffdb\""},
	{"\xc3", "\"\\ufffd\""},
	{"\xc0\xaf", "\"\\ufffd\\ufffd\""},
	{"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""},
	{"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},
	{"\xff\xc3\xa9", "\"\\ufffd\xc3\xa9\""},
};

START_TEST(test_json_str)
{
	const struct str_row *r = &str_rows[_i];
	struct mirror_buf b;

	mirror_buf_init(&b, 1024);
	mirror_json_str(&b, r->in);
	ck_assert_int_eq(b.err, MIRROR_OK);
	ck_assert_str_eq(b.data, r->out);
	mirror_buf_free(&b);
}
END_TEST

/* Every byte value: the output parses back to the input with json-c. */
START_TEST(test_json_str_all_bytes)
{
	struct mirror_buf b;
	struct json_object *o;
	char in[256];
	int i;

	for (i = 1; i < 128; i++)
		in[i - 1] = (char)i;
	in[127] = '\0';
	mirror_buf_init(&b, 4096);
	mirror_json_str(&b, in);
	o = json_tokener_parse(b.data);
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_is_type(o, json_type_string));
	ck_assert_str_eq(json_object_get_string(o), in);
	/* No raw control character is left in the output. */
	for (i = 0; (size_t)i < b.len; i++)
		ck_assert_uint_ge((unsigned char)b.data[i], 0x20);
	json_object_put(o);
	mirror_buf_free(&b);
}
END_TEST

/* --- integers and booleans ------------------------------------------ */

struct int_row {
	int64_t in;
	const char *out;
};

static const struct int_row int_rows[] = {
	{0, "0"},
	{1, "1"},
	{-1, "-1"},
	{42, "42"},
	{1555408501000, "1555408501000"},
	{-1555408501000, "-1555408501000"},
	{INT64_MAX, "9223372036854775807"},
	{INT64_MIN, "-9223372036854775808"},
	{INT64_MIN + 1, "-9223372036854775807"},
	{1000000000000000000, "1000000000000000000"},
};

START_TEST(test_json_int)
{
	struct mirror_buf b;

	mirror_buf_init(&b, 64);
	mirror_json_int(&b, int_rows[_i].in);
	ck_assert_str_eq(b.data, int_rows[_i].out);
	mirror_buf_free(&b);
}
END_TEST

START_TEST(test_json_bool)
{
	struct mirror_buf b;

	mirror_buf_init(&b, 64);
	mirror_json_bool(&b, true);
	mirror_buf_addc(&b, ',');
	mirror_json_bool(&b, false);
	ck_assert_str_eq(b.data, "true,false");
	mirror_buf_free(&b);
}
END_TEST

/* --- doubles -------------------------------------------------------- */

struct dbl_row {
	double in;
	const char *out;
};

static const struct dbl_row dbl_rows[] = {
	{0.0, "0.0"},
	/* JSON has -0, but StackState gains nothing from it. */
	{-0.0, "0.0"},
	{1.0, "1.0"},
	{-2.0, "-2.0"},
	{1.5, "1.5"},
	{-1.5, "-1.5"},
	{0.5, "0.5"},
	{0.1, "0.1"},
	{0.1 + 0.2, "0.30000000000000004"},
	{1.0 / 3.0, "0.3333333333333333"},
	{2.0 / 3.0, "0.6666666666666666"},
	{123456789.125, "123456789.125"},
	{1555408501000.0, "1555408501000.0"},
	/* The fast path ends below 2^53; the general one keeps the ".0". */
	{9007199254740991.0, "9007199254740991.0"},
	{9007199254740992.0, "9007199254740992.0"},
	{-9007199254740992.0, "-9007199254740992.0"},
	{1e16, "1e+16"},
	{1e21, "1e+21"},
	{1e-7, "1e-07"},
	{1e-5, "1e-05"},
	{1.7976931348623157e308, "1.7976931348623157e+308"},
	{2.2250738585072014e-308, "2.2250738585072014e-308"},
	/* The smallest subnormal: one significant bit, so one digit will do. */
	{5e-324, "5e-324"},
	/* Below a power of two the spacing halves: 16 digits above 2^89 read
	 * back, where %.16g's nearest decimal falls below, outside. */
	{0x1p89, "6.189700196426902e+26"},
	{-1e300, "-1e+300"},
	{3.14159, "3.14159"},
	{100.25, "100.25"},
};

/* Not JSON numbers: always null, whatever the sign. */
static const double nonfinite[] = {NAN, -NAN, INFINITY, -INFINITY};

START_TEST(test_json_double)
{
	const struct dbl_row *r = &dbl_rows[_i];
	struct mirror_buf b;

	mirror_buf_init(&b, 64);
	mirror_json_double(&b, r->in);
	ck_assert_str_eq(b.data, r->out);
	/* What is written reads back as the same double. */
	ck_assert(strtod(b.data, NULL) == r->in);
	mirror_buf_free(&b);
}
END_TEST

START_TEST(test_json_double_nonfinite)
{
	struct mirror_buf b;

	mirror_buf_init(&b, 64);
	mirror_json_double(&b, nonfinite[_i]);
	ck_assert_str_eq(b.data, "null");
	mirror_buf_free(&b);
}
END_TEST

static struct dtoa_ref_stats stats = {.every = 1};

static void
check_round_trip(double v)
{
	char why[160], text[MIRROR_DOUBLE_TEXT_MAX];
	struct mirror_buf b;
	size_t n = mirror_json_double_text(v, text);

	ck_assert_uint_eq(n, strlen(text));
	ck_assert_msg(dtoa_ref_check(v, text, &stats, why, sizeof why), "%s", why);
	/* The JSON writer adds ".0" to integers, nothing else. */
	mirror_buf_init(&b, 64);
	mirror_json_double(&b, v);
	ck_assert_int_eq(b.err, MIRROR_OK);
	ck_assert_int_eq(strncmp(b.data, text, n), 0);
	ck_assert_str_eq(b.data + n, strpbrk(text, ".e") == NULL ? ".0" : "");
	mirror_buf_free(&b);
}

/* Powers of two and ten with their neighbours, subnormals, 2^53, limits. */
START_TEST(test_json_double_edges)
{
	static double edges[40000];
	size_t n = dtoa_ref_edges(edges, 40000, 1024), i;

	ck_assert_uint_le(n, 40000);
	stats.every = 1;
	for (i = 0; i < n; i++)
		check_round_trip(edges[i]);
}
END_TEST

/* Random bit patterns cover every exponent, subnormals included; the
 * 10^8-value run is tests/dtoa_full.c (make dtoa-full). */
START_TEST(test_json_double_round_trip_bits)
{
	uint64_t state = 0x9e3779b97f4a7c15u, bits;
	double v;
	int i;

	/* Every value reads back; the slow shortness reference on every 4th. */
	stats.every = 4;
	for (i = 0; i < 100000; i++) {
		bits = dtoa_ref_random(&state);
		memcpy(&v, &bits, sizeof v);
		if (isfinite(v))
			check_round_trip(v);
	}
}
END_TEST

/* Values like a store's: decimals with few digits, integers, ratios. */
START_TEST(test_json_double_round_trip_decimal)
{
	uint64_t state = 0x2545f4914f6cdd1du;
	int i;

	stats.every = 4;
	for (i = 0; i < 50000; i++) {
		uint64_t r = dtoa_ref_random(&state);
		double scale = pow(10.0, (double)(int)(r % 40) - 20.0);

		check_round_trip((double)(int64_t)(r >> 24) * scale);
		check_round_trip((double)(int64_t)(r >> 11) / 1000.0);
		check_round_trip(-(double)(r % 100000) / 7.0);
	}
}
END_TEST

/* Writes append: a point array is written piece by piece. */
START_TEST(test_json_compose)
{
	struct mirror_buf b;

	mirror_buf_init(&b, 128);
	mirror_buf_addc(&b, '[');
	mirror_json_double(&b, 2.0);
	mirror_buf_addc(&b, ',');
	mirror_json_int(&b, 1555408601000);
	mirror_buf_addc(&b, ',');
	mirror_json_str(&b, "a\"");
	mirror_buf_addc(&b, ',');
	mirror_json_double(&b, NAN);
	mirror_buf_addc(&b, ']');
	ck_assert_str_eq(b.data, "[2.0,1555408601000,\"a\\\"\",null]");
	mirror_buf_free(&b);
}
END_TEST

Suite *
json_out_suite(void)
{
	Suite *s = suite_create("json_out");
	TCase *tc = tcase_create("rows");

	/* The reference of the double checks is printf, slow under valgrind. */
	tcase_set_timeout(tc, 60);

	tcase_add_loop_test(tc, test_json_str, 0, NROWS(str_rows));
	tcase_add_test(tc, test_json_str_all_bytes);
	tcase_add_loop_test(tc, test_json_int, 0, NROWS(int_rows));
	tcase_add_test(tc, test_json_bool);
	tcase_add_loop_test(tc, test_json_double, 0, NROWS(dbl_rows));
	tcase_add_loop_test(tc, test_json_double_nonfinite, 0, NROWS(nonfinite));
	tcase_add_test(tc, test_json_double_edges);
	tcase_add_test(tc, test_json_double_round_trip_bits);
	tcase_add_test(tc, test_json_double_round_trip_decimal);
	tcase_add_test(tc, test_json_compose);
	suite_add_tcase(s, tc);
	return s;
}
