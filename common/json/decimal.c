#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "decimal.h"

/* 10^0 .. 10^22: every one an exact double (5^22 < 2^53). */
static const double exact_pow10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

#define MAX_EXACT_POW 22
#define MAX_DIGITS 19              /* fit in uint64 */
#define MAX_EXACT_INT ((uint64_t)1 << 53)
#define EXP_CAP 100000             /* far beyond any double; no overflow */

struct decimal {
	uint64_t m;        /* significant digits */
	int digits;        /* how many, leading zeros not counted */
	long k;            /* value = m x 10^k */
	bool neg, any;     /* any: a digit was seen */
};

/* Digits from p; those after the point lower the exponent. Returns
 * where they end, or NULL when there are too many to be exact. */
static const char *
digits(const char *p, const char *end, bool fraction, struct decimal *d)
{
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		d->any = true;
		if (d->m != 0 || *p != '0') {
			if (d->digits == MAX_DIGITS)
				return NULL;
			d->m = d->m * 10 + (uint64_t)(*p - '0');
			d->digits++;
		}
		d->k -= fraction;
	}
	return p;
}

static const char *
exponent(const char *p, const char *end, struct decimal *d)
{
	bool neg = false;
	long e = 0;
	const char *start;

	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	for (start = p; p < end && *p >= '0' && *p <= '9'; p++)
		if (e < EXP_CAP)
			e = e * 10 + (*p - '0');
	if (p == start)
		return NULL;
	d->k += neg ? -e : e;
	return p;
}

static bool
fast(const char *s, size_t len, double *out)
{
	const char *p = s, *end = s + len;
	struct decimal d = {0, 0, 0, false, false};
	double v;

	if (p < end && (*p == '+' || *p == '-'))
		d.neg = *p++ == '-';
	p = digits(p, end, false, &d);
	if (p != NULL && p < end && *p == '.')
		p = digits(p + 1, end, true, &d);
	if (p != NULL && p < end && (*p == 'e' || *p == 'E'))
		p = exponent(p + 1, end, &d);
	if (p != end || !d.any || d.m > MAX_EXACT_INT)
		return false;
	if (d.m == 0)
		v = 0.0;
	else if (d.k >= 0 && d.k <= MAX_EXACT_POW)
		v = (double)d.m * exact_pow10[d.k];
	else if (d.k < 0 && d.k >= -MAX_EXACT_POW)
		v = (double)d.m / exact_pow10[-d.k];
	else
		return false;
	*out = d.neg ? -v : v;
	return true;
}

bool
mirror_decimal_double(const char *s, size_t len, double *out)
{
	char *end;
	double v;

	if (len == 0 || *s == ' ' || (*s >= '\t' && *s <= '\r'))
		return false;
	if (fast(s, len, out))
		return true;
	v = strtod(s, &end);
	if (end != s + len)
		return false;
	*out = v;
	return true;
}
