/*
 * Decimal text to double, exactly and fast: what store readers need for
 * the millions of numbers of a store's answer ("12.5", "-3", "1e3").
 */
#ifndef MIRROR_DECIMAL_H
#define MIRROR_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Reads all of s[0..len) as strtod(3) in the C locale reads it (so also
 * "+5", ".5", "5.", "1e+06", "inf", "nan", hex floats), except that
 * leading white space is refused; s[len] must be '\0'. Returns false,
 * leaving *out alone, unless the whole text is one number. The result
 * is strtod's: correctly rounded.
 *
 * Fast path, no strtod: [+-]digits[.digits][(e|E)[+-]digits] with at
 * most 19 significant digits whose integer m <= 2^53 and whose decimal
 * exponent k satisfies |k| <= 22. Then m and 10^|k| are exact doubles,
 * and one IEEE multiplication or division rounds m x 10^k correctly
 * (Clinger, "How to Read Floating Point Numbers Accurately", PLDI 1990).
 * Everything else falls back to strtod.
 */
bool mirror_decimal_double(const char *s, size_t len, double *out);

#endif
