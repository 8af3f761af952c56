#include "config.h"

#include <math.h>
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

/* Shortest %.Ng (15 <= N <= 17) that reads back as v. */
static int
shortest(char *out, size_t size, double v)
{
	int prec, n = 0;

	for (prec = 15; prec <= 17; prec++) {
		n = snprintf(out, size, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			break;
	}
	return n;
}

void
mirror_json_double(struct mirror_buf *b, double v)
{
	char tmp[32];
	int n;

	if (!isfinite(v)) {
		mirror_buf_adds(b, "null");
		return;
	}
	/* Integral values below 2^53 are exact as integers: the fast path. */
	if (fabs(v) < 9007199254740992.0 && v == (double)(int64_t)v) {
		if (v == 0 && signbit(v))
			v = 0;
		mirror_json_int(b, (int64_t)v);
		mirror_buf_add(b, ".0", 2);
		return;
	}
	n = shortest(tmp, sizeof tmp, v);
	mirror_buf_add(b, tmp, (size_t)n);
	if (strpbrk(tmp, ".en") == NULL)
		mirror_buf_add(b, ".0", 2);
}

void
mirror_json_bool(struct mirror_buf *b, bool v)
{
	mirror_buf_adds(b, v ? "true" : "false");
}
