#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "num.h"
#include "pow10_table.h"

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
	const char *start = p, *first;

	/* Leading zeros are not significant (but after the point they
	 * still scale). */
	if (d->m == 0) {
		while (p < end && *p == '0')
			p++;
		if (fraction)
			d->k -= (long)(p - start);
	}
	for (first = p; p < end && (unsigned)(*p - '0') < 10; p++)
		d->m = d->m * 10 + (uint64_t)(*p - '0');
	d->digits += (int)(p - first);
	if (fraction)
		d->k -= (long)(p - first);
	d->any |= p > start;
	/* Past MAX_DIGITS, m wrapped: not exact, let strtod read it. */
	return d->digits <= MAX_DIGITS ? p : NULL;
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

/* Clinger's fast path: m and 10^|k| exact, one rounding. */
static bool
clinger(const struct decimal *d, double *v)
{
	if (d->m > MAX_EXACT_INT)
		return false;
	if (d->k >= 0 && d->k <= MAX_EXACT_POW)
		*v = (double)d->m * exact_pow10[d->k];
	else if (d->k < 0 && d->k >= -MAX_EXACT_POW)
		*v = (double)d->m / exact_pow10[-d->k];
	else
		return false;
	return true;
}

#ifdef __SIZEOF_INT128__
typedef unsigned __int128 u128;

/*
 * The Eisel-Lemire conversion (D. Lemire, "Number Parsing at a Gigabyte
 * per Second", Software: Practice and Experience 51(8), 2021, section 5):
 * m x 10^k from the 128-bit truncated mantissa of 10^k. The product's
 * top 54 bits decide the double unless they sit so close to a rounding
 * boundary that the truncation could matter; then it gives up (false)
 * and strtod decides. Normal doubles only: subnormal and overflowing
 * results give up too.
 */
static bool
eisel_lemire(uint64_t m, long k, double *v)
{
	u128 x, y;
	uint64_t hi, lo, mant, bits;
	int64_t exp2;
	int clz;

	if (k < POW10_MIN || k > POW10_MAX)
		return false;
	clz = __builtin_clzll(m);
	m <<= clz;
	/* floor(log2(10^k)) + 1, by 217706 / 2^16 ~ log2(10). */
	exp2 = mirror_floor_div(217706 * (int64_t)k, 65536) + 64 + 1023 - clz;
	x = (u128)m * pow10_128[k - POW10_MIN][0];
	hi = (uint64_t)(x >> 64);
	lo = (uint64_t)x;
	/* The low 9 bits all ones: the truncated half of 10^k may carry in. */
	if ((hi & 0x1ff) == 0x1ff && lo + m < m) {
		y = (u128)m * pow10_128[k - POW10_MIN][1];
		x += y >> 64;
		hi = (uint64_t)(x >> 64);
		lo = (uint64_t)x;
		if ((hi & 0x1ff) == 0x1ff && lo + 1 == 0 && (uint64_t)y + m < m)
			return false;
	}
	mant = hi >> ((hi >> 63) + 9);
	exp2 -= 1 ^ (int64_t)(hi >> 63);
	/* Exactly halfway between two doubles: ties-to-even needs the rest. */
	if (lo == 0 && (hi & 0x1ff) == 0 && (mant & 3) == 1)
		return false;
	mant = (mant + (mant & 1)) >> 1;
	if (mant >> 53 != 0) {
		mant >>= 1;
		exp2++;
	}
	if (exp2 < 1 || exp2 > 0x7fe)
		return false;
	bits = (uint64_t)exp2 << 52 | (mant & (((uint64_t)1 << 52) - 1));
	memcpy(v, &bits, sizeof *v);
	return true;
}

/* 5^0 .. 5^27: every one below 2^63. */
#define MAX_POW5 27

static uint64_t
pow5(long q)
{
	uint64_t p = 1;

	while (q-- > 0)
		p *= 5;
	return p;
}

static int
bit_length(u128 x)
{
	uint64_t hi = (uint64_t)(x >> 64);

	if (hi != 0)
		return 128 - __builtin_clzll(hi);
	return x == 0 ? 0 : 64 - __builtin_clzll((uint64_t)x);
}

/* (q + a fraction that is non-zero when sticky) x 2^e2, rounded to
 * nearest, ties to even; the result must be a normal double. */
static double
round_bits(u128 q, bool sticky, int e2)
{
	int shift = bit_length(q) - 53;
	uint64_t kept;
	u128 rest, half;

	if (shift <= 0)
		return ldexp((double)(uint64_t)q, e2);
	kept = (uint64_t)(q >> shift);
	rest = q & (((u128)1 << shift) - 1);
	half = (u128)1 << (shift - 1);
	if (rest > half || (rest == half && (sticky || (kept & 1))))
		kept++;
	return ldexp((double)kept, shift + e2);
}

/*
 * Where Eisel-Lemire cannot decide, the values are often exact: the
 * decimals of a binary fraction ("5.8652496337890625" is 384389/65536)
 * sit right on a rounding boundary. For -27 <= k <= 19 the exact result
 * fits 128-bit integers: m x 10^k directly, or m / 5^-k with 55 and more
 * bits of quotient and the remainder as the sticky bit.
 */
static bool
exact_small(uint64_t m, long k, double *v)
{
	uint64_t d;
	int s;
	u128 n;

	if (k >= 0 && k <= 19) {
		*v = round_bits((u128)m * (uint64_t)exact_pow10[k], false, 0);
		return true;
	}
	if (k >= 0 || k < -MAX_POW5)
		return false;
	d = pow5(-k);
	s = 56 + bit_length(d) - bit_length(m);
	if (s < 0)
		s = 0;
	n = (u128)m << s;
	*v = round_bits(n / d, n % d != 0, (int)k - s);
	return true;
}
#else
static bool
eisel_lemire(uint64_t m, long k, double *v)
{
	(void)m, (void)k, (void)v;
	return false;
}

static bool
exact_small(uint64_t m, long k, double *v)
{
	(void)m, (void)k, (void)v;
	return false;
}
#endif

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
	if (p != end || !d.any)
		return false;
	if (d.m == 0)
		v = 0.0;
	else if (!clinger(&d, &v) && !eisel_lemire(d.m, d.k, &v) &&
	    !exact_small(d.m, d.k, &v))
		return false;
	*out = d.neg ? -v : v;
	return true;
}

/* The commonest shape, [-]digits[.digits] with few digits, in one
 * loop; the rest goes to fast(). */
static bool
plain_decimal(const char *s, size_t len, double *out)
{
	const char *p = s, *end = s + len, *start, *point = NULL;
	uint64_t m = 0;
	long k = 0;
	double v;

	p += *p == '-';
	for (start = p; p < end && (unsigned)(*p - '0') < 10; p++)
		m = m * 10 + (uint64_t)(*p - '0');
	if (p < end && *p == '.') {
		point = p;
		for (p++; p < end && (unsigned)(*p - '0') < 10; p++)
			m = m * 10 + (uint64_t)(*p - '0');
		k = (long)(point + 1 - p);
	}
	/* At most 19 digits fit m (more wrapped it); Clinger wants m <= 2^53;
	 * ".5" and "5." are left to fast(). */
	if (p != end || end - start - (point != NULL) > MAX_DIGITS ||
	    point == start || (point != NULL && point + 1 == end) || end == start ||
	    m > MAX_EXACT_INT || k < -MAX_EXACT_POW)
		return false;
	v = k == 0 ? (double)m : (double)m / exact_pow10[-k];
	*out = *s == '-' ? -v : v;
	return true;
}

bool
mirror_decimal_double(const char *s, size_t len, double *out)
{
	char *end;
	double v;

	if (len == 0 || *s == ' ' || (*s >= '\t' && *s <= '\r'))
		return false;
	if (plain_decimal(s, len, out) || fast(s, len, out))
		return true;
	v = strtod(s, &end);
	if (end != s + len)
		return false;
	*out = v;
	return true;
}
