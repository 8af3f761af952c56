/*
 * Decimal text to double (common/json/decimal.c): whatever path a text
 * takes, the result is strtod's to the bit, and only whole numbers pass.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "json/decimal.h"
#include "suites.h"

static bool
same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

/* Fast-path shapes, the limits of the fast path, and fallbacks. */
static const char *const same_rows[] = {
	"0", "-0", "+0", "0.0", "-0.0", "1", "-3", "12.5", "1e3", "1E3", "1e+3",
	"1e-3", "0.1", "0.2", "0.3", "-2.5e-3", "5.", ".5", "+7", "007", "1.000",
	"1704153599.999", "1704067200", "0.3333333333333333", "3.141592653589793",
	"9007199254740992", "9007199254740993", "9007199254740991.5",
	"123456789012345678", "1234567890123456789", "12345678901234567890",
	"1e22", "1e23", "1e-22", "1e-23", "4.9e-324", "2.2250738585072014e-308",
	"1.7976931348623157e308", "1.8e308", "1e-400", "1e400", "0.000001",
	"0.10000000000000001", "5.8652496337890625", "2.5e-05", "1e+06",
	"123.456e-10", "0.0000000000000000000000001", "1000000000000000000000000",
	"inf", "-inf", "Infinity", "nan", "0x1p3", "0x10", "1e999999999999",
	"00000000000000000000000000000000000001.5",
	/* m would wrap: 2^64 + 1, 10^20 + 1, and with a point. */
	"18446744073709551617", "100000000000000000001", "1844674407370955161.7",
	"-18446744073709551617", "0.18446744073709551617", "9007199254740993.0",
};

START_TEST(test_same)
{
	const char *s = same_rows[_i];
	double got = -1, want = strtod(s, NULL);

	ck_assert_msg(mirror_decimal_double(s, strlen(s), &got), "%s refused", s);
	ck_assert_msg(same_bits(got, want) || (isnan(got) && isnan(want)),
	    "%s: %.17g, strtod %.17g", s, got, want);
}
END_TEST

static const char *const refused_rows[] = {
	"", " 1", "\t1", "\n1", "1 ", "1x", "abc", "1e", "1e+", ".", "-", "+",
	"--1", "1..2", "1.2.3", "e5", "0x", "1,5",
};

START_TEST(test_refused)
{
	const char *s = refused_rows[_i];
	double v = 42;

	ck_assert_msg(!mirror_decimal_double(s, strlen(s), &v), "%s accepted", s);
	ck_assert(v == 42);
}
END_TEST

static uint64_t
next(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 0x2545f4914f6cdd1dULL;
}

/* Random texts in the shapes stores write: bit-identical to strtod. */
START_TEST(test_random)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	char s[64];
	int i;

	for (i = 0; i < 300000; i++) {
		uint64_t r = next(&x);
		double got, want, d;

		switch (i % 7) {
		case 0:  /* up to 19 digits, a point somewhere */
			snprintf(s, sizeof s, "%.*f", (int)(r % 10),
			    (double)(next(&x) % 10000000000000ULL) / 1000.0);
			break;
		case 1:  /* a random double in shortest-ish form */
			snprintf(s, sizeof s, "%.*g", 1 + (int)(r % 17),
			    (double)(int64_t)next(&x) / (double)(1 + next(&x) % 100000));
			break;
		case 2:  /* mantissa and exponent */
			snprintf(s, sizeof s, "%llue%d", (unsigned long long)(r % 100000000),
			    (int)(next(&x) % 61) - 30);
			break;
		case 3:  /* a timestamp-like value with decimals */
			snprintf(s, sizeof s, "%llu.%llu", (unsigned long long)(r % 2000000000),
			    (unsigned long long)(next(&x) % 1000000));
			break;
		case 4:  /* any finite double, all 17 digits */
			memcpy(&d, &r, sizeof d);
			if (!isfinite(d))
				d = 1.5;
			snprintf(s, sizeof s, "%.17g", d);
			break;
		case 5:  /* a binary fraction, exact or shortest: a rounding boundary */
			d = (double)(int64_t)(r >> (r % 40)) / (double)((uint64_t)1 << (1 + next(&x) % 40));
			snprintf(s, sizeof s, "%.*g", 1 + (int)(next(&x) % 19), d);
			break;
		default:  /* 19 digits, any exponent */
			snprintf(s, sizeof s, "%llue%d",
			    (unsigned long long)(1000000000000000000ULL + r % 9000000000000000000ULL),
			    (int)(next(&x) % 701) - 350);
			break;
		}
		want = strtod(s, NULL);
		ck_assert_msg(mirror_decimal_double(s, strlen(s), &got), "%s refused", s);
		ck_assert_msg(same_bits(got, want), "%s: %.17g, strtod %.17g", s, got, want);
	}
}
END_TEST

Suite *
decimal_suite(void)
{
	Suite *s = suite_create("decimal");
	TCase *tc = tcase_create("decimal");

	/* Hundreds of thousands of strtod calls: room on a loaded machine. */
	tcase_set_timeout(tc, 60);

	tcase_add_loop_test(tc, test_same, 0, (int)(sizeof same_rows / sizeof same_rows[0]));
	tcase_add_loop_test(tc, test_refused, 0,
	    (int)(sizeof refused_rows / sizeof refused_rows[0]));
	tcase_add_test(tc, test_random);
	suite_add_tcase(s, tc);
	return s;
}
