/*
 * Shortest round-trip digits of a double: Schubfach, after R. Giulietti,
 * "The Schubfach way to render doubles" (2020, revised 2022), written
 * here from the paper's description.
 *
 * A finite double is v = c * 2^q. Every real in its rounding interval
 * R = [c - 1/2, c + 1/2] * 2^q (the lower end c - 1/4 when c is the
 * smallest significand of its binade, where the spacing below halves)
 * reads back as v; the ends are in R exactly when c is even, because
 * strtod rounds ties to even. With k = floor(log10(width of R)), the
 * interval scaled by 10^-k is at least 1 and less than 10 wide, so it
 * holds at most one multiple of 10 (a shorter decimal, taken when it is
 * there) and one of s = floor(v 10^-k) and s + 1 (else the closer of
 * the two is taken). The scaled ends and v are computed, with two
 * fractional bits, from a 126-bit over-approximation g of 10^-k
 * (dtoa_table.h) and one rounding to odd; the paper proves that this
 * keeps every comparison with those integers exact.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dtoa.h"
#include "dtoa_table.h"

#define SIGNIFICAND_BITS 52
#define EXPONENT_MASK 0x7ff
#define C_MIN (UINT64_C(1) << SIGNIFICAND_BITS)
#define Q_MIN (-1074)                  /* exponent of the subnormals */
#define Q_BIAS 1075                    /* q = biased exponent - Q_BIAS */
#define LOW63 ((UINT64_C(1) << 63) - 1)

/* floor(x / 2^DTOA_LOG_SHIFT), without shifting a negative number. */
static int
floor_shift(int64_t x)
{
	if (x >= 0)
		return (int)(x >> DTOA_LOG_SHIFT);
	return (int)-((-x - 1) >> DTOA_LOG_SHIFT) - 1;
}

/* floor(log10 2^q); floor(log10 (3/4) 2^q); floor(log2 10^e). The
 * generator proves them over every exponent used here. */
static int
log10_pow2(int q)
{
	return floor_shift(q * DTOA_LOG10_2);
}

static int
log10_three_quarters_pow2(int q)
{
	return floor_shift(q * DTOA_LOG10_2 + DTOA_LOG10_3Q);
}

static int
log2_pow10(int e)
{
	return floor_shift(e * DTOA_LOG2_10);
}

/* The high and low 64 bits of a * b. */
static void
mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
#ifdef __SIZEOF_INT128__
	unsigned __int128 p = (unsigned __int128)a * b;

	*hi = (uint64_t)(p >> 64);
	*lo = (uint64_t)p;
#else
	uint64_t a0 = a & 0xffffffffu, a1 = a >> 32;
	uint64_t b0 = b & 0xffffffffu, b1 = b >> 32;
	uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);

	*hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
	*lo = (mid << 32) | (p00 & 0xffffffffu);
#endif
}

/*
 * floor(g * cp / 2^127), rounded to odd: the last bit is set when the
 * product's bits 64 to 126 are not all zero. The bits below 64 are left
 * out: they are where g's excess over 10^-k lands (cp < 2^60), so an
 * exact integer stays even, as the paper's rop() has it.
 */
static uint64_t
round_odd(const uint64_t g[2], uint64_t cp)
{
	uint64_t x_hi, x_lo, y_hi, y_lo, mid_lo, mid_hi;

	mul64(g[1], cp, &x_hi, &x_lo);
	mul64(g[0], cp, &y_hi, &y_lo);
	mid_lo = y_lo + x_hi;
	mid_hi = y_hi + (mid_lo < x_hi);
	(void)x_lo;
	return (mid_hi << 1 | mid_lo >> 63) | ((mid_lo & LOW63) != 0);
}

/* The scaled interval of v = c * 2^q, times 4: lower end, v, upper end. */
struct scaled {
	uint64_t lo, v, hi;
	int k;                         /* the decimal exponent of the scale */
};

static void
scale(uint64_t c, int q, struct scaled *sc)
{
	uint64_t cb = c << 2, cbl = cb - 2;
	const uint64_t *g;
	int h;

	sc->k = log10_pow2(q);
	if (c == C_MIN && q > Q_MIN) {
		cbl = cb - 1;
		sc->k = log10_three_quarters_pow2(q);
	}
	/* h puts the product's binary point at bit 127, two fractional bits
	 * of v 10^-k above it; 2 <= h <= 5 (dtoa_table.py proves it) keeps
	 * (cb + 2) << h below 2^60. */
	h = q + log2_pow10(-sc->k) + 2;
	g = dtoa_g[sc->k - DTOA_K_MIN];
	sc->lo = round_odd(g, cbl << h);
	sc->v = round_odd(g, cb << h);
	sc->hi = round_odd(g, (cb + 2) << h);
}

/* Is the scaled decimal d (an integer) inside the interval? */
static bool
inside_lo(const struct scaled *sc, uint64_t d, uint64_t open)
{
	return sc->lo + open <= d << 2;
}

static bool
inside_hi(const struct scaled *sc, uint64_t d, uint64_t open)
{
	return (d << 2) + open <= sc->hi;
}

/* Digits * 10^k: a multiple of 10 when one is in the interval, else the
 * nearer of s and s + 1 that is in it (ties to even). */
static uint64_t
choose(const struct scaled *sc, uint64_t open)
{
	uint64_t s = sc->v >> 2, t = s + 1, s10 = s / 10 * 10, t10 = s10 + 10;
	bool in_s, in_t;

	/* Below 10 a multiple of 10 is not shorter than s. */
	if (s >= 10) {
		in_s = inside_lo(sc, s10, open);
		in_t = inside_hi(sc, t10, open);
		if (in_s != in_t)
			return in_s ? s10 : t10;
	}
	in_s = inside_lo(sc, s, open);
	in_t = inside_hi(sc, t, open);
	if (in_s != in_t)
		return in_s ? s : t;
	/* Both are in: 4v against 4 times their midpoint, 2(s + t). */
	if (sc->v < 2 * (s + t) || (sc->v == 2 * (s + t) && (s & 1) == 0))
		return s;
	return t;
}

/* f without its trailing zeros, counted into *exp. A decimal with few
 * digits arrives with many zeros (12.5 as 12500000000000000 * 10^-15),
 * so they go eight, four, two and one at a time. */
static uint64_t
strip_zeros(uint64_t f, int *exp)
{
	if (f % 10 != 0)
		return f;              /* the usual case, at the price of one test */
	while (f % 100000000 == 0) {
		f /= 100000000;
		*exp += 8;
	}
	if (f % 10000 == 0) {
		f /= 10000;
		*exp += 4;
	}
	if (f % 100 == 0) {
		f /= 100;
		*exp += 2;
	}
	if (f % 10 == 0) {
		f /= 10;
		*exp += 1;
	}
	return f;
}

void
mirror_dtoa_shortest(double v, uint64_t *digits, int *exp)
{
	uint64_t bits, c, f;
	struct scaled sc;
	int biased, q;

	memcpy(&bits, &v, sizeof bits);
	c = bits & (C_MIN - 1);
	biased = (int)(bits >> SIGNIFICAND_BITS) & EXPONENT_MASK;
	*digits = 0;
	*exp = 0;
	if (c == 0 && biased == 0)
		return;                /* zero: callers write it themselves */
	q = Q_MIN;
	if (biased != 0) {
		c |= C_MIN;
		q = biased - Q_BIAS;
	}
	scale(c, q, &sc);
	f = choose(&sc, c & 1);
	*exp = sc.k;
	*digits = strip_zeros(f, exp);
}
