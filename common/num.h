/* The one way numbers from outside are read: bounded and fully checked. */
#ifndef MIRROR_NUM_H
#define MIRROR_NUM_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Parses the whole of s as a decimal integer in [min, max]: digits, with a
 * leading '-' only when min < 0. Returns false (leaving *out alone) for
 * anything else, including blanks, '+', and values out of range.
 */
bool mirror_num_parse(const char *s, int64_t min, int64_t max, int64_t *out);

/* Division and remainder rounding towards minus infinity (b > 0): the
 * epoch-aligned bucket or day that t falls in, for negative t too. */
int64_t mirror_floor_div(int64_t a, int64_t b);
int64_t mirror_floor_mod(int64_t a, int64_t b);

#endif
