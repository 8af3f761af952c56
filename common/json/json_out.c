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

void
mirror_json_int(struct mirror_buf *b, int64_t v)
{
	char tmp[24], *p = tmp + sizeof tmp;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	mirror_buf_add(b, p, (size_t)(tmp + sizeof tmp - p));
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

/* Writes u < 10^8 to end down, at least `width` digits; returns the start. */
static char *
write_digits32(char *end, uint32_t u, int width)
{
	char *stop = end - width;

	while (u >= 100) {
		end -= 2;
		memcpy(end, digit_pairs + u % 100 * 2, 2);
		u /= 100;
	}
	if (u >= 10) {
		end -= 2;
		memcpy(end, digit_pairs + u * 2, 2);
	} else {
		*--end = (char)('0' + u);
	}
	while (end > stop)
		*--end = '0';
	return end;
}

/* Writes u's decimal digits to end down; returns where they start.
 * Eight digits at a time in 32 bits, the cheaper division. */
static char *
write_digits(char *end, uint64_t u)
{
	while (u >= 100000000) {
		end = write_digits32(end, (uint32_t)(u % 100000000), 8);
		u /= 100000000;
	}
	return write_digits32(end, (uint32_t)u, 1);
}

/* Writes v (integral, |v| < 2^53) as an integer. */
static int
write_integer(char *out, double v)
{
	char tmp[24], *p = write_digits(tmp + sizeof tmp, (uint64_t)fabs(v));
	int k = 0;

	if (v < 0)
		out[k++] = '-';
	memcpy(out + k, p, (size_t)(tmp + sizeof tmp - p));
	k += (int)(tmp + sizeof tmp - p);
	out[k] = '\0';
	return k;
}

/* Writes r / 10^d (d >= 1) in fixed notation, without trailing zeros. */
static int
write_fixed(char *out, bool negative, uint64_t r, int d)
{
	char digits[24];
	int n = 0, len, k = 0, i;

	do {
		digits[n++] = (char)('0' + r % 10);
		r /= 10;
	} while (r != 0);
	if (negative)
		out[k++] = '-';
	for (len = n; len <= d; len++)
		digits[len] = '0';	/* leading zeros of 0.00ddd */
	for (i = len - 1; i >= d; i--)
		out[k++] = digits[i];
	out[k++] = '.';
	for (; i >= 0; i--)
		out[k++] = digits[i];
	while (out[k - 1] == '0' && out[k - 2] != '.')
		k--;
	out[k] = '\0';
	return k;
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
 * 0 when no d works; mirror_dtoa_shortest() then gives the same answer,
 * slower.
 */
#define FIXED_DECIMALS 3
#define FIXED_LIMIT 1125899906842624.0	/* 2^50 */

static int
fixed_shortest(char *out, double v)
{
	double a = fabs(v), scaled, r;
	int d;

	if (a < 1e-4)
		return 0;	/* %g would use an exponent */
	for (d = 1; d <= FIXED_DECIMALS; d++) {
		scaled = a * powers_of_ten[d];
		if (scaled >= FIXED_LIMIT)
			return 0;
		r = nearbyint(scaled);
		if (r / powers_of_ten[d] == a)
			return write_fixed(out, v < 0, (uint64_t)r, d);
	}
	return 0;
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

/*
 * Writes digits * 10^e as printf's %.Ng does with N the number of digits
 * (C11 7.21.6.1): an exponent when the decimal exponent x of the first
 * digit is below -4 or at least N, fixed notation otherwise.
 */
static int
write_general(char *out, bool negative, uint64_t digits, int e)
{
	char tmp[24], *d = write_digits(tmp + sizeof tmp, digits);
	int n = (int)(tmp + sizeof tmp - d), x = e + n - 1, k = 0;

	if (negative)
		out[k++] = '-';
	if (x < -4 || x >= n) {
		out[k++] = d[0];
		if (n > 1) {
			out[k++] = '.';
			memcpy(out + k, d + 1, (size_t)n - 1);
			k += n - 1;
		}
		k += write_exponent(out + k, x);
	} else if (x >= 0) {
		memcpy(out + k, d, (size_t)x + 1);
		k += x + 1;
		if (n > x + 1) {
			out[k++] = '.';
			memcpy(out + k, d + x + 1, (size_t)(n - x - 1));
			k += n - x - 1;
		}
	} else {
		memcpy(out + k, "0.0000", (size_t)(1 - x));
		k += 1 - x;
		memcpy(out + k, d, (size_t)n);
		k += n;
	}
	out[k] = '\0';
	return k;
}

size_t
mirror_json_double_text(double v, char out[MIRROR_DOUBLE_TEXT_MAX])
{
	uint64_t digits;
	int n, e;

	if (!isfinite(v)) {
		memcpy(out, "null", 5);
		return 4;
	}
	/* Integral values below 2^53 are exact as integers. */
	if (fabs(v) < 9007199254740992.0 && v == (double)(int64_t)v)
		return (size_t)write_integer(out, v);
	n = fixed_shortest(out, v);
	if (n != 0)
		return (size_t)n;
	mirror_dtoa_shortest(v, &digits, &e);
	return (size_t)write_general(out, signbit(v), digits, e);
}

void
mirror_json_double(struct mirror_buf *b, double v)
{
	char tmp[MIRROR_DOUBLE_TEXT_MAX];
	size_t n;

	n = mirror_json_double_text(v, tmp);
	mirror_buf_add(b, tmp, n);
	if (isfinite(v) && strpbrk(tmp, ".en") == NULL)
		mirror_buf_add(b, ".0", 2);
}

void
mirror_json_bool(struct mirror_buf *b, bool v)
{
	mirror_buf_adds(b, v ? "true" : "false");
}
