/*
 * Decimal text to double, exactly and fast: what store readers need for
 * the millions of numbers of a store's answer ("12.5", "-3", "1e3").
 */
#ifndef MIRROR_DECIMAL_H
#define MIRROR_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Reads all of s[0..len) as strtod(3) in the C locale reads it (so also
 * "+5", ".5", "5.", "1e+06", "inf", "nan", hex floats), except that
 * leading white space is refused; s[len] must be '\0'. Returns false,
 * leaving *out alone, unless the whole text is one number. The result
 * is strtod's: correctly rounded.
 *
 * Fast paths, no strtod, for [+-]digits[.digits][(e|E)[+-]digits] with
 * at most 19 significant digits m and a decimal exponent k:
 *  - m <= 2^53 and |k| <= 22: m and 10^|k| are exact doubles, and one
 *    IEEE multiplication or division rounds m x 10^k correctly (Clinger,
 *    "How to Read Floating Point Numbers Accurately", PLDI 1990);
 *  - otherwise the Eisel-Lemire conversion (Lemire, "Number Parsing at a
 *    Gigabyte per Second", 2021), which gives up in the rare cases it
 *    cannot round for sure.
 * Everything else falls back to strtod.
 */
bool mirror_decimal_double(const char *s, size_t len, double *out);

/* True when the 8 bytes at p are all ASCII digits (little-endian
 * machines; elsewhere always false, and callers go byte by byte). */
static inline bool
mirror_decimal_all8(const char *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t x;

	memcpy(&x, p, sizeof x);
	/* Each byte 0x30..0x39: high nibble 3, and still 3 after adding 6. */
	return ((x & 0xf0f0f0f0f0f0f0f0ULL) |
	    (((x + 0x0606060606060606ULL) & 0xf0f0f0f0f0f0f0f0ULL) >> 4)) ==
	    0x3333333333333333ULL;
#else
	(void)p;
	return false;
#endif
}

/*
 * The value of the 8 ASCII digits at p (8 bytes readable), or -1 when
 * they are not all digits: 8 at once in one 64-bit word (the SWAR method
 * of Lemire's "Number Parsing at a Gigabyte per Second", section 6).
 * Little-endian machines only; elsewhere the caller's loop does it.
 */
static inline int64_t
mirror_decimal_eight(const char *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t x;

	if (!mirror_decimal_all8(p))
		return -1;
	memcpy(&x, p, sizeof x);
	x -= 0x3030303030303030ULL;
	x = x * 10 + (x >> 8);          /* pairs of digits in even bytes */
	x = ((x & 0x000000ff000000ffULL) * (100 + (1000000ULL << 32)) +
	    ((x >> 16) & 0x000000ff000000ffULL) * (1 + (10000ULL << 32))) >> 32;
	return (int64_t)x;
#else
	(void)p;
	return -1;
#endif
}

#endif
