/*
 * The reference the shortest-double writer (common/json/dtoa.c behind
 * mirror_json_double_text()) is held to, shared by the unit suite
 * (check_json_out.c, a sample) and tests/dtoa_full.c (10^8 values).
 */
#ifndef MIRROR_TEST_DTOA_REF_H
#define MIRROR_TEST_DTOA_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Counts what dtoa_ref_check() saw; zero it before a run. */
struct dtoa_ref_stats {
	unsigned every;       /* shortness on every n-th value (0 or 1: all) */
	uint64_t checked;
	uint64_t shorter;     /* fewer digits than any %.Ng that reads back */
};

/*
 * Checks the text written for finite v: a JSON number (RFC 8259 §6)
 * that strtod reads back as v, with no more significant digits than the
 * shortest %.{1..17}g that reads back, and byte for byte what that %.Ng
 * writes when it has as many digits (integers below 2^53 are written as
 * integers). The last two, the slow part, on every st->every-th value.
 * On failure returns false with the reason in why.
 */
bool dtoa_ref_check(double v, const char *text, struct dtoa_ref_stats *st,
	char *why, size_t why_size);

/*
 * The edge cases, both signs: every power of two and of ten with its two
 * neighbours, the subnormals with a significand from 1 to `subnormals`
 * and as many of the largest ones, 2^53 and its neighbours, DBL_MAX,
 * DBL_MIN, zero and negative zero. Fills up to max values; returns how
 * many there are.
 */
size_t dtoa_ref_edges(double *out, size_t max, uint64_t subnormals);

/* xorshift64: the same sequence on every run and platform. */
uint64_t dtoa_ref_random(uint64_t *state);

#endif
