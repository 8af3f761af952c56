/*
 * Shortest decimal digits of a double (Schubfach: R. Giulietti, "The
 * Schubfach way to render doubles", 2020).
 */
#ifndef MIRROR_DTOA_H
#define MIRROR_DTOA_H

#include <stdint.h>

/*
 * For a finite v > 0: the decimal digits * 10^exp with the fewest
 * significant digits that reads back as v under round-to-nearest-even
 * (strtod), the one closest to v when several as short do (an even last
 * digit on a tie). digits has no trailing zeros and at most 17 digits.
 */
void mirror_dtoa_shortest(double v, uint64_t *digits, int *exp);

#endif
