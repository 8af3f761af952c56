#include "config.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
 * The fast path for the usual telemetry value: the fewest decimals d with
 * round(v * 10^d) / 10^d == v. Both operands of that division are exact
 * doubles (r < 2^53, 10^d for d <= 22) and IEEE division rounds
 * correctly, so the equality means the decimal r * 10^-d reads back as v
 * under any correctly rounding strtod. Returns 0 when no d works below
 * 2^53, or outside the range where %g would not use an exponent.
 */
/* Where %g writes no exponent for 15 to 17 digits: fixed_shortest's range. */
static bool
fixed_range(double v)
{
	return fabs(v) >= 1e-4 && fabs(v) < 1e15;
}

static int
fixed_shortest(char *out, double v)
{
	double a = fabs(v), scaled, r;
	int d;

	if (!fixed_range(v))
		return 0;
	for (d = 1; d <= 22; d++) {
		scaled = a * powers_of_ten[d];
		if (scaled >= 9007199254740992.0)
			return 0;
		r = nearbyint(scaled);
		if (r / powers_of_ten[d] == a)
			return write_fixed(out, v < 0, (uint64_t)r, d);
	}
	return 0;
}

/*
 * Shortest %.Ng that reads back as v, searching from `from` digits.
 * %.17g always reads back (17 digits tell every double apart), so it
 * needs no check.
 */
static int
shortest(char *out, size_t size, double v, int from)
{
	int prec;

	for (prec = from; prec < 17; prec++) {
		int n = snprintf(out, size, "%.*g", prec, v);

		if (strtod(out, NULL) == v)
			return n;
	}
	return snprintf(out, size, "%.17g", v);
}

/*
 * Where the search starts. A normal double has 53 bits, more than 15
 * decimal digits can tell apart, so when any N <= 15 works %.15g finds
 * it (%g drops the trailing zeros); in fixed_shortest's range that case
 * is already ruled out. Subnormals carry fewer bits: start at 1.
 */
static int
first_precision(double v, bool fixed_tried)
{
	if (fabs(v) < DBL_MIN)
		return 1;
	return fixed_tried ? 16 : 15;
}

size_t
mirror_json_double_text(double v, char out[MIRROR_DOUBLE_TEXT_MAX])
{
	int n;

	if (!isfinite(v))
		return (size_t)snprintf(out, MIRROR_DOUBLE_TEXT_MAX, "null");
	/* Integral values below 2^53 are exact as integers: the fast path. */
	if (fabs(v) < 9007199254740992.0 && v == (double)(int64_t)v)
		return (size_t)snprintf(out, MIRROR_DOUBLE_TEXT_MAX, "%lld",
		    (long long)(int64_t)v);
	n = fixed_shortest(out, v);
	if (n == 0)
		n = shortest(out, MIRROR_DOUBLE_TEXT_MAX, v,
		    first_precision(v, fixed_range(v)));
	return (size_t)n;
}

void
mirror_json_double(struct mirror_buf *b, double v)
{
	char tmp[MIRROR_DOUBLE_TEXT_MAX];
	size_t n;

	if (isfinite(v) && fabs(v) < 9007199254740992.0 && v == (double)(int64_t)v) {
		mirror_json_int(b, (int64_t)v);
		mirror_buf_add(b, ".0", 2);
		return;
	}
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
