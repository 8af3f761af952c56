#include "config.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtoa.h"
#include "json_out.h"
#include "utf8.h"

static const char hex[] = "0123456789abcdef";

/* Escape for byte c, or NULL when it stands as itself (RFC 8259 §7). */
static const char *
short_escape(unsigned char c)
{
	switch (c) {
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return "\\t";
	case '\b': return "\\b";
	case '\f': return "\\f";
	default: return NULL;
	}
}

static void
escape_byte(struct mirror_buf *b, unsigned char c)
{
	const char *e = short_escape(c);
	char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

	if (e != NULL)
		mirror_buf_adds(b, e);
	else
		mirror_buf_add(b, u, sizeof u);
}

/*
 * Store data is not trusted to be UTF-8: a byte that does not start a
 * well-formed sequence becomes U+FFFD, so the answer is always valid JSON.
 */
void
mirror_json_str(struct mirror_buf *b, const char *s)
{
	const char *run = s;
	size_t len;

	mirror_buf_addc(b, '"');
	while (*s != '\0') {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x80 && (len = mirror_utf8_len((const unsigned char *)s,
		    strnlen(s, 4))) > 0) {
			s += len;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x7f) {
			s++;
			continue;
		}
		mirror_buf_add(b, run, (size_t)(s - run));
		if (c >= 0x80)
			mirror_buf_adds(b, "\\ufffd");
		else
			escape_byte(b, c);
		run = ++s;
	}
	mirror_buf_add(b, run, (size_t)(s - run));
	mirror_buf_addc(b, '"');
}

static const double powers_of_ten[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* "00" to "99": two digits per division. */
static const char digit_pairs[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

static const uint64_t powers_of_ten_u64[20] = {
	1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u,
	100000000u, 1000000000u, 10000000000u, 100000000000u,
	1000000000000u, 10000000000000u, 100000000000000u,
	1000000000000000u, 10000000000000000u, 100000000000000000u,
	1000000000000000000u, 10000000000000000000u,
};

/* Decimal digits of u (1 for 0): a guess from the bit length, log10 2 ~
 * 1233 / 4096, corrected by one comparison. */
static int
digit_count(uint64_t u)
{
	int bits = 0, t;

	if (u < 10)
		return 1;
#if defined(__GNUC__)
	bits = 64 - __builtin_clzll(u);
#else
	for (t = 0; t < 64; t++)
		if (u >> t != 0)
			bits = t + 1;
#endif
	t = bits * 1233 >> 12;
	return t + (u >= powers_of_ten_u64[t]);
}

/* Writes w < 10^8 as exactly eight digits: halves of four, then pairs,
 * so no division waits for more than one other. */
static void
put_eight(char *out, uint32_t w)
{
	uint32_t hi = w / 10000, lo = w % 10000;

	memcpy(out, digit_pairs + hi / 100 * 2, 2);
	memcpy(out + 2, digit_pairs + hi % 100 * 2, 2);
	memcpy(out + 4, digit_pairs + lo / 100 * 2, 2);
	memcpy(out + 6, digit_pairs + lo % 100 * 2, 2);
}

/* Writes the n digits of u (n = digit_count(u)) to out[0..n), eight at a
 * time from the end in 32 bits, the cheaper division, then two at a time. */
static void
put_digits(char *out, uint64_t u, int n)
{
	char *end = out + n;
	uint32_t w;

	while (u >= 100000000) {
		end -= 8;
		put_eight(end, (uint32_t)(u % 100000000));
		u /= 100000000;
	}
	for (w = (uint32_t)u; w >= 100; w /= 100) {
		end -= 2;
		memcpy(end, digit_pairs + w % 100 * 2, 2);
	}
	if (w >= 10)
		memcpy(end - 2, digit_pairs + w * 2, 2);
	else
		end[-1] = (char)('0' + w);
}

/* Writes a sign when negative, then u; returns the length. */
static size_t
put_signed(char *out, bool negative, uint64_t u)
{
	size_t k = negative ? 1 : 0;
	int n = digit_count(u);

	out[0] = '-';
	put_digits(out + k, u, n);
	return k + (size_t)n;
}

size_t
mirror_json_int_put(char out[MIRROR_INT_TEXT_MAX], int64_t v)
{
	return put_signed(out, v < 0, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
}

void
mirror_json_int(struct mirror_buf *b, int64_t v)
{
	char tmp[MIRROR_INT_TEXT_MAX];

	mirror_buf_add(b, tmp, mirror_json_int_put(tmp, v));
}

/* The exponent of %g: e, a sign, at least two digits. */
static int
write_exponent(char *out, int x)
{
	int k = 0;

	out[k++] = 'e';
	out[k++] = x < 0 ? '-' : '+';
	if (x < 0)
		x = -x;
	if (x >= 100)
		out[k++] = (char)('0' + x / 100);
	memcpy(out + k, digit_pairs + x % 100 * 2, 2);
	return k + 2;
}

/* Writes the n digits of u with a point after the first `lead` (n >
 * lead >= 1, so at most 16 digits follow it). They move in one fixed
 * 16-byte block, which compilers inline, where a loop became a memmove
 * call: out needs lead + 17 bytes of room. */
static void
put_pointed(char *out, uint64_t u, int n, int lead)
{
	char tail[16];

	put_digits(out, u, n);
	memcpy(tail, out + lead, sizeof tail);
	out[lead] = '.';
	memcpy(out + lead + 1, tail, sizeof tail);
}

/*
 * Writes digits * 10^e as printf's %.Ng does with N the number of digits
 * (C11 7.21.6.1): an exponent when the decimal exponent x of the first
 * digit is below -4 or at least N, fixed notation otherwise. *plain is
 * set when the text has neither point nor exponent. Returns the length.
 */
static size_t
write_general(char *out, bool negative, uint64_t digits, int e, bool *plain)
{
	int n = digit_count(digits), x = e + n - 1, k = negative ? 1 : 0;

	out[0] = '-';
	*plain = false;
	if (x < -4 || x >= n) {
		if (n > 1)
			put_pointed(out + k, digits, n, 1);
		else
			put_digits(out + k, digits, n);
		k += n + (n > 1);
		k += write_exponent(out + k, x);
	} else if (x >= 0 && n > x + 1) {
		put_pointed(out + k, digits, n, x + 1);
		k += n + 1;
	} else if (x >= 0) {
		put_digits(out + k, digits, n);
		k += n;
		*plain = true;
	} else {
		memcpy(out + k, "0.0000", 6);	/* "0." and -x - 1 zeros */
		k += 1 - x;
		put_digits(out + k, digits, n);
		k += n;
	}
	out[k] = '\0';
	return (size_t)k;
}

/*
 * The fast path for the usual telemetry value, a few decimals: the
 * fewest decimals d <= FIXED_DECIMALS with round(v * 10^d) / 10^d == v.
 * Both operands of that division are exact doubles and IEEE division
 * rounds correctly, so the equality means the decimal r * 10^-d reads
 * back as v. Keeping v * 10^d below 2^50 makes it the shortest and the
 * nearest such decimal too: the rounding interval is then under 1/4 wide
 * in units of 10^-d, so it holds one integer at most, and the product's
 * rounding error (2^-4 at most) cannot move nearbyint() off it. Returns
 * false when no d works; mirror_dtoa_shortest() then gives the same
 * answer, slower.
 */
#define FIXED_DECIMALS 3
#define FIXED_LIMIT 1125899906842624.0	/* 2^50 */

static bool
fixed_shortest(double v, uint64_t *digits, int *e)
{
	double a = fabs(v), scaled, r;
	int d;

	if (a < 1e-4)
		return false;	/* %g would use an exponent */
	for (d = 1; d <= FIXED_DECIMALS; d++) {
		scaled = a * powers_of_ten[d];
		if (scaled >= FIXED_LIMIT)
			return false;
		r = nearbyint(scaled);
		if (r / powers_of_ten[d] == a) {
			*digits = (uint64_t)r;
			*e = -d;
			return true;
		}
	}
	return false;
}

/* mirror_json_double_text(); *plain as for write_general(). */
static size_t
double_text(double v, char out[MIRROR_DOUBLE_TEXT_MAX], bool *plain)
{
	uint64_t digits;
	int e;

	*plain = false;
	if (!isfinite(v)) {
		memcpy(out, "null", 5);
		return 4;
	}
	/* Integral values below 2^53 are exact as integers. */
	if (fabs(v) < 9007199254740992.0 && v == (double)(int64_t)v) {
		size_t n = put_signed(out, v < 0, (uint64_t)fabs(v));

		out[n] = '\0';
		*plain = true;
		return n;
	}
	if (!fixed_shortest(v, &digits, &e))
		mirror_dtoa_shortest(v, &digits, &e);
	return write_general(out, signbit(v), digits, e, plain);
}

size_t
mirror_json_double_text(double v, char out[MIRROR_DOUBLE_TEXT_MAX])
{
	bool plain;

	return double_text(v, out, &plain);
}

size_t
mirror_json_double_put(char out[MIRROR_DOUBLE_JSON_MAX], double v)
{
	bool plain;
	size_t n = double_text(v, out, &plain);

	/* JSON readers take "2" for an integer: integral values keep ".0". */
	if (plain) {
		memcpy(out + n, ".0", 3);
		n += 2;
	}
	return n;
}

void
mirror_json_double(struct mirror_buf *b, double v)
{
	char tmp[MIRROR_DOUBLE_JSON_MAX];

	mirror_buf_add(b, tmp, mirror_json_double_put(tmp, v));
}

void
mirror_json_bool(struct mirror_buf *b, bool v)
{
	mirror_buf_adds(b, v ? "true" : "false");
}
