#include "config.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtoa_ref.h"

/* A JSON number per RFC 8259 section 6: -?int(.digits)?([eE][+-]?digits)? */
static bool
is_json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return false;
	if (*s == '.') {
		if (*++s < '0' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (*s < '0' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/* Significant digits of a number's mantissa (leading and trailing zeros aside). */
static int
significant_digits(const char *s)
{
	int n = 0, zeros = 0;
	bool started = false;

	for (; *s != '\0' && *s != 'e' && *s != 'E'; s++) {
		if (*s < '0' || *s > '9')
			continue;
		if (*s == '0' && !started)
			continue;
		started = true;
		if (*s == '0') {
			zeros++;
		} else {
			n += zeros + 1;
			zeros = 0;
		}
	}
	return n;
}

static bool
reads_back(double v, int prec, char *tmp, size_t size)
{
	snprintf(tmp, size, "%.*g", prec, v);
	return strtod(tmp, NULL) == v;
}

static bool
fail(char *why, size_t size, const char *what, const char *text, double v)
{
	snprintf(why, size, "%s: \"%s\" for %a (%.17g)", what, text, v, v);
	return false;
}

bool
dtoa_ref_check(double v, const char *text, struct dtoa_ref_stats *st,
	char *why, size_t why_size)
{
	char tmp[40];
	int n = significant_digits(text), p;
	bool integer = fabs(v) < 9007199254740992.0 && v == floor(v);

	st->checked++;
	if (!is_json_number(text))
		return fail(why, why_size, "not a JSON number", text, v);
	if (strtod(text, NULL) != v)
		return fail(why, why_size, "does not read back", text, v);
	if (n > 17 || (v != 0 && n < 1))
		return fail(why, why_size, "digit count", text, v);
	if (st->every > 1 && st->checked % st->every != 0)
		return true;
	/* Every shorter %g must fail to read back. */
	for (p = 1; p < n; p++)
		if (reads_back(v, p, tmp, sizeof tmp))
			return fail(why, why_size, "not the shortest", text, v);
	if (integer)
		return true;
	if (!reads_back(v, n, tmp, sizeof tmp)) {
		st->shorter++;  /* an asymmetric interval: %.Ng's digits miss it */
		return true;
	}
	if (strcmp(tmp, text) != 0)
		return fail(why, why_size, "differs from %.Ng", text, v);
	return true;
}

static size_t
put(double *out, size_t n, size_t max, double v)
{
	if (n < max)
		out[n] = v;
	if (n + 1 < max)
		out[n + 1] = -v;
	return n + 2;
}

static size_t
with_neighbours(double *out, size_t n, size_t max, double v)
{
	n = put(out, n, max, v);
	n = put(out, n, max, nextafter(v, 0));
	if (v < DBL_MAX)
		n = put(out, n, max, nextafter(v, INFINITY));
	return n;
}

/* The double nearest 10^e, as strtod reads it. */
static double
power_of_ten(int e)
{
	char tmp[16];

	snprintf(tmp, sizeof tmp, "1e%d", e);
	return strtod(tmp, NULL);
}

size_t
dtoa_ref_edges(double *out, size_t max, uint64_t subnormals)
{
	static const double named[] = {
		0.0, DBL_MAX, DBL_MIN, DBL_TRUE_MIN, 9007199254740991.0,
		9007199254740992.0, 9007199254740994.0, 4503599627370496.5,
		0.1, 0.2, 0.3, 1.0 / 3.0, 2.0 / 3.0,
	};
	size_t n = 0, i;
	uint64_t bits;
	double v;
	int e;

	for (i = 0; i < sizeof named / sizeof named[0]; i++)
		n = with_neighbours(out, n, max, named[i]);
	for (e = -1074; e <= 1023; e++)
		n = with_neighbours(out, n, max, ldexp(1.0, e));
	for (e = -323; e <= 308; e++)
		n = with_neighbours(out, n, max, power_of_ten(e));
	for (bits = 1; bits <= subnormals; bits++) {
		memcpy(&v, &bits, sizeof v);
		n = put(out, n, max, v);
	}
	for (bits = (UINT64_C(1) << 52) - subnormals; bits < UINT64_C(1) << 52;
	    bits++) {
		memcpy(&v, &bits, sizeof v);
		n = put(out, n, max, v);
	}
	return n;
}

uint64_t
dtoa_ref_random(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}
