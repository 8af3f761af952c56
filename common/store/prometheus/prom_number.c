/*
 * The numbers of a Prometheus answer: sample values, strings as Go's
 * strconv.FormatFloat writes them ("12.5", "1e+06", "NaN", "+Inf"), and
 * timestamps, JSON numbers of float seconds with at most millisecond
 * digits ("1704153599.999"). Both are read exactly without strtod in the
 * common shapes: there are millions per answer.
 */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json/decimal.h"
#include "prom.h"

/* Whole seconds that still fit in epoch ms with room to spare. */
#define FAST_SECOND_DIGITS 15

bool
mirror_prom_value(const char *s, size_t len, double *out)
{
	if (len == 3 && memcmp(s, "NaN", 3) == 0) {
		*out = NAN;
		return true;
	}
	if (len == 4 && (s[0] == '+' || s[0] == '-') && memcmp(s + 1, "Inf", 3) == 0) {
		*out = s[0] == '+' ? INFINITY : -INFINITY;
		return true;
	}
	return mirror_decimal_double(s, len, out);
}

/* What json-c made of such numbers: an int64 of seconds, or a double
 * scaled and rounded. Kept for the shapes the fast path leaves out. */
static bool
slow_time(const char *s, size_t len, int64_t *ms)
{
	char *end;
	double d;
	long long n;

	if (memchr(s, '.', len) == NULL && memchr(s, 'e', len) == NULL &&
	    memchr(s, 'E', len) == NULL) {
		n = strtoll(s, &end, 10);
		if (end != s + len || n > INT64_MAX / 1000 || n < INT64_MIN / 1000)
			return false;
		*ms = (int64_t)n * 1000;
		return true;
	}
	d = strtod(s, &end) * 1000.0;
	if (end != s + len || !(d > -9.0e18 && d < 9.0e18))
		return false;
	*ms = llround(d);
	return true;
}

bool
mirror_prom_time(const char *s, size_t len, int64_t *ms)
{
	static const int64_t scale[] = {1000, 100, 10, 1};
	const char *p = s, *end = s + len;
	int64_t sec = 0, frac = 0, eight;
	bool neg = p < end && *p == '-';
	int n = 0;

	p += neg;
	/* Epoch seconds have 10 digits: 8 of them in one go. */
	if (end - p >= 8 && (eight = mirror_decimal_eight(p)) >= 0) {
		sec = eight;
		p += 8;
		n = 8;
	}
	/* Stop one digit past the fast path's reach, before sec can overflow:
	 * longer numbers are the slow path's. */
	for (; p < end && *p >= '0' && *p <= '9' && n <= FAST_SECOND_DIGITS; p++, n++)
		sec = sec * 10 + (*p - '0');
	if (n == 0 || n > FAST_SECOND_DIGITS)
		return slow_time(s, len, ms);
	n = 0;
	if (p < end && *p == '.')
		for (p++; p < end && *p >= '0' && *p <= '9' && n < 3; p++, n++)
			frac = frac * 10 + (*p - '0');
	if (p != end)
		return slow_time(s, len, ms);
	*ms = sec * 1000 + frac * scale[n];
	if (neg)
		*ms = -*ms;
	return true;
}
