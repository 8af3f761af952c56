/*
 * Fuzz harness for conditions -> PromQL selectors (prom_select.c).
 *
 * Input: byte 0 chooses the field left out (none, the metric name, or one
 * condition's key) and the selector's ceiling; then conditions, each
 *     type-byte key 0x1E value 0x00
 * (the type byte is not 0, which ends a condition)
 * with type & 3 = StringValue, DoubleValue (the value is a number's
 * text), BooleanValue (true when the value is non-empty) or InSetValue
 * (values separated by 0x1F).
 *
 * Property: when a selector is built, Prometheus reads back exactly the
 * conditions' values. The harness lexes the selector as PromQL does
 * (promql/parser/lex.go: identifiers, keywords, string literals with Go
 * escapes, an invalid or U+FFFD rune refused) and unquotes the strings
 * as strconv.Unquote does; an InSetValue's regex must be an alternation
 * of literals (regexp.QuoteMeta's escapes) giving back the set.
 */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "fuzz.h"
#include "json/json_out.h"
#include "json/utf8.h"
#include "query.h"
#include "store/prometheus/prom.h"

#define MAX_CONDS 64
#define MAX_SET 256
#define MAX_MATCHERS (MAX_CONDS + 1)

/* --- building the query from the input --------------------------------- */

static char *
dup_span(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static void
make_set(struct mirror_condition *c, const uint8_t *v, size_t n)
{
	size_t i, start = 0;

	c->set = calloc(MAX_SET, sizeof *c->set);
	if (c->set == NULL)
		abort();
	for (i = 0; i <= n && c->set_len < MAX_SET; i++) {
		if (i < n && v[i] != 0x1f)
			continue;
		c->set[c->set_len++] = dup_span(v + start, i - start);
		start = i + 1;
	}
}

/* One condition from "type key 0x1E value"; false to drop it. */
static bool
make_condition(struct mirror_condition *c, const uint8_t *p, size_t n)
{
	const uint8_t *sep = n > 0 ? memchr(p + 1, 0x1e, n - 1) : NULL;
	size_t klen, vlen;
	char *text;

	if (sep == NULL)
		return false;
	klen = (size_t)(sep - p - 1);
	vlen = n - klen - 2;
	memset(c, 0, sizeof *c);
	c->key = dup_span(p + 1, klen);
	c->type = (enum mirror_value_type)(p[0] & 3);
	switch (c->type) {
	case MIRROR_VALUE_DOUBLE:
		text = dup_span(sep + 1, vlen);
		c->num = strtod(text, NULL);
		free(text);
		/* The request parser refuses what JSON cannot carry. */
		if (!isfinite(c->num))
			c->num = 0;
		break;
	case MIRROR_VALUE_BOOLEAN:
		c->boolean = vlen > 0;
		break;
	case MIRROR_VALUE_IN_SET:
		make_set(c, sep + 1, vlen);
		break;
	default:
		c->str = dup_span(sep + 1, vlen);
	}
	return true;
}

static void
make_query(struct mirror_query *q, const uint8_t *data, size_t size)
{
	size_t i = 0, end;

	mirror_query_init(q);
	q->conds = calloc(MAX_CONDS, sizeof *q->conds);
	if (q->conds == NULL)
		abort();
	while (i < size && q->nconds < MAX_CONDS) {
		const uint8_t *z = memchr(data + i, 0, size - i);

		end = z != NULL ? (size_t)(z - data) : size;
		if (make_condition(&q->conds[q->nconds], data + i, end - i))
			q->nconds++;
		i = end + 1;
	}
}

/* --- what the selector must say ----------------------------------------- */

struct matcher {
	char label[4096];
	bool regex;
	char *value;            /* owned, unquoted */
	size_t len;
};

static bool
is_name_key(const char *k)
{
	return strcmp(k, MIRROR_PROM_GAUGE) == 0 || strcmp(k, MIRROR_PROM_COUNTER) == 0 ||
	    strcmp(k, MIRROR_PROM_NAME) == 0;
}

static bool
left_out(const struct mirror_condition *c, const char *skip)
{
	return skip != NULL && (strcmp(c->key, skip) == 0 ||
	    (is_name_key(skip) && is_name_key(c->key)));
}

/* The text a label must hold for condition c (not an InSetValue). */
static const char *
expected_text(const struct mirror_condition *c, char tmp[MIRROR_DOUBLE_TEXT_MAX])
{
	if (c->type == MIRROR_VALUE_DOUBLE) {
		mirror_json_double_text(c->num, tmp);
		return tmp;
	}
	if (c->type == MIRROR_VALUE_BOOLEAN)
		return c->boolean ? "true" : "false";
	return c->str;
}

/* --- PromQL, as promql/parser/lex.go reads it ---------------------------- */

struct lex {
	const unsigned char *s;
	size_t n, i;
};

/* Go's utf8.DecodeRuneInString: an invalid byte is U+FFFD of width 1. */
static unsigned
next_rune(struct lex *l, size_t *width)
{
	const unsigned char *p = l->s + l->i;
	size_t w = *p < 0x80 ? 1 : mirror_utf8_len(p, l->n - l->i);
	unsigned r;

	if (w == 0) {
		*width = 1;
		return 0xfffd;
	}
	*width = w;
	if (w == 1)
		return *p;
	r = *p & (0xff >> (w + 1));
	for (size_t k = 1; k < w; k++)
		r = r << 6 | (p[k] & 0x3f);
	return r;
}

static void
put_rune(struct mirror_buf *b, unsigned r)
{
	char out[4];
	size_t n;

	if (r < 0x80) {
		out[0] = (char)r;
		n = 1;
	} else if (r < 0x800) {
		out[0] = (char)(0xc0 | r >> 6);
		out[1] = (char)(0x80 | (r & 0x3f));
		n = 2;
	} else if (r < 0x10000) {
		out[0] = (char)(0xe0 | r >> 12);
		out[1] = (char)(0x80 | (r >> 6 & 0x3f));
		out[2] = (char)(0x80 | (r & 0x3f));
		n = 3;
	} else {
		out[0] = (char)(0xf0 | r >> 18);
		out[1] = (char)(0x80 | (r >> 12 & 0x3f));
		out[2] = (char)(0x80 | (r >> 6 & 0x3f));
		out[3] = (char)(0x80 | (r & 0x3f));
		n = 4;
	}
	mirror_buf_add(b, out, n);
}

static int
digit_val(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 16;
}

/* An escape after '\' (lexEscape, then strconv.UnquoteChar). */
static const char *
escape(struct lex *l, struct mirror_buf *out)
{
	static const char simple[] = "abfnrtv\\\"";
	static const char value[] = "\a\b\f\n\r\t\v\\\"";
	int n = 0, base = 16;
	unsigned x = 0, max = 0x10ffff;
	const char *p;
	unsigned char c;

	if (l->i >= l->n)
		return "escape sequence not terminated";
	c = l->s[l->i++];
	if ((p = strchr(simple, c)) != NULL && c != '\0') {
		mirror_buf_addc(out, value[p - simple]);
		return NULL;
	}
	if (c >= '0' && c <= '7') {
		n = 3, base = 8, max = 255;
		l->i--;
	} else if (c == 'x') {
		n = 2, max = 255;
	} else if (c == 'u') {
		n = 4;
	} else if (c == 'U') {
		n = 8;
	} else {
		return "unknown escape sequence";
	}
	for (; n > 0; n--) {
		int d = l->i < l->n ? digit_val(l->s[l->i]) : 16;

		if (d >= base)
			return "illegal character in escape sequence";
		x = x * (unsigned)base + (unsigned)d;
		l->i++;
	}
	if (x > max || (x >= 0xd800 && x < 0xe000))
		return "escape sequence is an invalid Unicode code point";
	if (max == 255)
		mirror_buf_addc(out, (char)x);   /* \x and octal are bytes */
	else
		put_rune(out, x);
	return NULL;
}

/* A double-quoted string literal (lexString), unquoted into out. */
static const char *
string_literal(struct lex *l, struct mirror_buf *out)
{
	const char *why;
	size_t w;
	unsigned r;

	if (l->i >= l->n || l->s[l->i] != '"')
		return "a string literal was expected";
	l->i++;
	for (;;) {
		if (l->i >= l->n)
			return "unterminated quoted string";
		r = next_rune(l, &w);
		if (r == 0xfffd)
			return "invalid UTF-8 rune";
		if (r == '\n')
			return "unterminated quoted string";
		if (r == '"') {
			l->i++;
			return NULL;
		}
		if (r == '\\') {
			l->i++;
			if ((why = escape(l, out)) != NULL)
				return why;
			continue;
		}
		mirror_buf_add(out, l->s + l->i, w);
		l->i += w;
	}
}

static bool
alpha(unsigned char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
alnum(unsigned char c)
{
	return alpha(c) || (c >= '0' && c <= '9');
}

/* Words lex.go reads as keywords, not metric names (any case). */
static bool
keyword(const char *w, size_t n)
{
	static const char *const words[] = {
		"and", "or", "unless", "atan2", "sum", "avg", "count", "min", "max",
		"group", "stddev", "stdvar", "topk", "bottomk", "count_values",
		"quantile", "limitk", "limit_ratio", "offset", "smoothed",
		"anchored", "by", "without", "on", "ignoring", "group_left",
		"group_right", "fill", "fill_left", "fill_right", "bool", "start",
		"end", "step", "range", "inf", "nan",
	};
	size_t i;

	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strlen(words[i]) == n && strncasecmp(words[i], w, n) == 0)
			return true;
	return false;
}

struct parsed {
	struct matcher m[MAX_MATCHERS];
	size_t n;
};

static void
parsed_free(struct parsed *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->m[i].value);
	p->n = 0;
}

static const char *
matcher(struct lex *l, struct matcher *m)
{
	struct mirror_buf v;
	size_t start = l->i;
	const char *why;

	if (l->i >= l->n || !alpha(l->s[l->i]))
		return "a label name was expected";
	while (l->i < l->n && alnum(l->s[l->i]))
		l->i++;
	if (l->i - start >= sizeof m->label)
		return "label name too long for the harness";
	memcpy(m->label, l->s + start, l->i - start);
	m->label[l->i - start] = '\0';
	if (l->i >= l->n || l->s[l->i] != '=')
		return "'=' or '=~' was expected";
	l->i++;
	m->regex = l->i < l->n && l->s[l->i] == '~';
	l->i += m->regex;
	mirror_buf_init(&v, (size_t)1 << 26);
	why = string_literal(l, &v);
	m->len = v.len;
	m->value = mirror_buf_steal(&v, NULL);
	if (m->value == NULL)
		m->value = strdup("");
	return why;
}

/* name{m,...} or {m,...} or name; the name becomes a __name__ matcher. */
static const char *
parse_selector(const char *sel, size_t n, struct parsed *p)
{
	struct lex l = {(const unsigned char *)sel, n, 0};
	const char *why;
	bool first = true;

	p->n = 0;
	if (n > 0 && (alpha(l.s[0]) || l.s[0] == ':')) {
		while (l.i < n && (alnum(l.s[l.i]) || l.s[l.i] == ':'))
			l.i++;
		if (keyword(sel, l.i))
			return "the metric name is a PromQL keyword";
		strcpy(p->m[0].label, MIRROR_PROM_NAME);
		p->m[0].regex = false;
		p->m[0].value = dup_span(l.s, l.i);
		p->m[0].len = l.i;
		p->n = 1;
		if (l.i == n)
			return NULL;
	}
	if (l.i >= n || l.s[l.i] != '{')
		return "'{' was expected";
	for (l.i++; l.i < n && l.s[l.i] != '}'; first = false) {
		if (!first && l.s[l.i++] != ',')
			return "',' was expected";
		if (p->n == MAX_MATCHERS)
			return "too many matchers";
		why = matcher(&l, &p->m[p->n]);
		p->n++;
		if (why != NULL)
			return why;
	}
	if (l.i + 1 != n)
		return "the selector does not end at '}'";
	return NULL;
}

/* --- comparing ------------------------------------------------------------ */

static bool
valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, w;

	while (i < n) {
		w = p[i] < 0x80 ? 1 : mirror_utf8_len(p + i, n - i);
		if (w == 0)
			return false;
		i += w;
	}
	return true;
}

/* The regex must be literal alternatives, giving back the set. */
static void
check_regex(const struct matcher *m, const struct mirror_condition *c)
{
	static const char meta[] = "\\.+*?()|[]{}^$";
	size_t i, k = 0;
	struct mirror_buf alt;

	for (i = 0; i < c->set_len; i++)
		if (!valid_utf8(c->set[i]))
			return;  /* RE2 refuses it: the store answers an error */
	mirror_buf_init(&alt, m->len + 1);
	for (i = 0; i <= m->len; i++) {
		unsigned char ch = i < m->len ? (unsigned char)m->value[i] : '|';

		if (ch == '\\' && i + 1 < m->len && strchr(meta, m->value[i + 1]) != NULL) {
			mirror_buf_addc(&alt, m->value[++i]);
			continue;
		}
		if (ch != '|' && strchr(meta, ch) != NULL && ch != '\0')
			fuzz_fail("unescaped '%c' in regex of %s", ch, m->label);
		if (ch != '|') {
			mirror_buf_addc(&alt, (char)ch);
			continue;
		}
		if (k >= c->set_len || alt.len != strlen(c->set[k]) ||
		    memcmp(alt.data != NULL ? alt.data : "", c->set[k], alt.len) != 0)
			fuzz_fail("alternative %zu of %s does not read back", k, m->label);
		k++;
		mirror_buf_reset(&alt);
	}
	if (k != c->set_len)
		fuzz_fail("%s: %zu alternatives for %zu values", m->label, k, c->set_len);
	mirror_buf_free(&alt);
}

static void
check_one(const struct matcher *m, const char *label, const struct mirror_condition *c)
{
	char tmp[MIRROR_DOUBLE_TEXT_MAX];
	const char *want;

	if (strcmp(m->label, label) != 0)
		fuzz_fail("matcher on %s where %s was expected", m->label, label);
	if (m->regex != (c->type == MIRROR_VALUE_IN_SET))
		fuzz_fail("wrong operator for %s", label);
	if (m->regex) {
		check_regex(m, c);
		return;
	}
	want = expected_text(c, tmp);
	if (m->len != strlen(want) || memcmp(m->value, want, m->len) != 0)
		fuzz_fail("%s reads back as another value", label);
}

static void
check(const struct mirror_query *q, const char *skip, const struct mirror_buf *sel)
{
	struct parsed p;
	const char *why;
	size_t i, k = 0;

	why = parse_selector(sel->data, sel->len, &p);
	if (why != NULL)
		fuzz_fail("Prometheus would refuse %.300s: %s", sel->data, why);
	for (i = 0; i < q->nconds; i++)
		if (!left_out(&q->conds[i], skip) && is_name_key(q->conds[i].key))
			check_one(&p.m[k++], MIRROR_PROM_NAME, &q->conds[i]);
	for (i = 0; i < q->nconds; i++) {
		const struct mirror_condition *c = &q->conds[i];

		if (left_out(c, skip) || is_name_key(c->key))
			continue;
		if (k >= p.n)
			fuzz_fail("condition %s is missing from the selector", c->key);
		check_one(&p.m[k++], c->key, c);
	}
	if (k != p.n)
		fuzz_fail("the selector has %zu matchers for %zu conditions", p.n, k);
	parsed_free(&p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mirror_query q;
	struct mirror_error err;
	struct mirror_buf sel;
	enum mirror_prom_kind kind;
	const char *skip = NULL;

	if (size == 0)
		return 0;
	make_query(&q, data + 1, size - 1);
	if ((data[0] & 3) == 1)
		skip = MIRROR_PROM_NAME;
	else if ((data[0] & 3) == 2 && q.nconds > 0)
		skip = q.conds[(data[0] >> 2) % q.nconds].key;
	/* A tight ceiling now and then: the cut-off paths must hold too. */
	mirror_buf_init(&sel, data[0] & 0x80 ? 48 : (size_t)1 << 24);
	if (mirror_prom_selector(&q, skip, &kind, &sel, &err) == MIRROR_OK) {
		if (sel.err != MIRROR_OK)
			fuzz_fail("MIRROR_OK with a failed buffer");
		if (kind == MIRROR_PROM_KIND_EXPR) {
			if (strcmp(sel.data, mirror_query_condition(&q, MIRROR_PROM_EXPR)->str) != 0)
				fuzz_fail("the ~ expression is not sent as given");
		} else if (kind != MIRROR_PROM_KIND_NONE) {
			check(&q, skip, &sel);
		}
	}
	mirror_buf_free(&sel);
	mirror_query_free(&q);
	return 0;
}
