/*
 * Conditions -> PromQL (MIRROR-API.md decision 7, with the conventions of
 * stackstate-lab/aws-prometheus-mirror): __gauge__, __counter__ and
 * __name__ name the metric, "~" carries a whole expression, every other
 * key is a label matcher. InSetValue becomes label=~"v1|v2" with each value
 * regex-escaped; Prometheus anchors label regexes at both ends, so the
 * alternation matches whole values only.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json/json_out.h"
#include "json/utf8.h"
#include "prom.h"

static bool
name_char(char c, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || (colon && c == ':');
}

/* [a-zA-Z_][a-zA-Z0-9_]*, plus ':' in metric names (recording rules). */
static bool
valid_name(const char *s, bool colon)
{
	const char *p;

	if (*s == '\0' || (*s >= '0' && *s <= '9'))
		return false;
	for (p = s; *p != '\0'; p++)
		if (!name_char(*p, colon))
			return false;
	return true;
}

bool
mirror_prom_label_name(const char *s)
{
	return valid_name(s, false);
}

static bool
name_key(const char *key)
{
	return strcmp(key, MIRROR_PROM_GAUGE) == 0 ||
	    strcmp(key, MIRROR_PROM_COUNTER) == 0 || strcmp(key, MIRROR_PROM_NAME) == 0;
}

bool
mirror_prom_reserved(const char *key)
{
	return name_key(key) || strcmp(key, MIRROR_PROM_EXPR) == 0;
}

static void
hex_escape(struct mirror_buf *b, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	mirror_buf_adds(b, "\\x");
	mirror_buf_addc(b, hex[c >> 4]);
	mirror_buf_addc(b, hex[c & 15]);
}

/*
 * Go string escapes, which PromQL's lexer reads (promql/parser/lex.go,
 * lexString and lexEscape) and strconv.Unquote decodes. The lexer refuses
 * a raw rune that decodes as utf8.RuneError, which is both an invalid
 * byte and a well-formed U+FFFD: those are escaped (\xHH gives back the
 * byte, \ufffd the character), so every value reads back as it was.
 */
void
mirror_prom_quote(struct mirror_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	mirror_buf_addc(b, '"');
	while (*p != '\0') {
		n = *p < 0x80 ? 1 : mirror_utf8_len(p, strnlen((const char *)p, 4));
		if (*p == '"' || *p == '\\') {
			mirror_buf_addc(b, '\\');
			mirror_buf_addc(b, (char)*p);
		} else if (*p == '\n') {
			mirror_buf_adds(b, "\\n");
		} else if (n == 0 || *p < 0x20 || *p == 0x7f) {
			hex_escape(b, *p);
			n = 1;
		} else if (n == 3 && memcmp(p, "\xef\xbf\xbd", 3) == 0) {
			mirror_buf_adds(b, "\\ufffd");
		} else {
			mirror_buf_add(b, p, n);
		}
		p += n;
	}
	mirror_buf_addc(b, '"');
}

/* The set Go's regexp.QuoteMeta escapes. */
void
mirror_prom_regex_escape(struct mirror_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (strchr("\\.+*?()|[]{}^$", *s) != NULL)
			mirror_buf_addc(b, '\\');
		mirror_buf_addc(b, *s);
	}
}

/* The condition's value as the text a label would hold. */
static const char *
value_text(const struct mirror_condition *c, char tmp[MIRROR_DOUBLE_TEXT_MAX])
{
	switch (c->type) {
	case MIRROR_VALUE_DOUBLE:
		mirror_json_double_text(c->num, tmp);
		return tmp;
	case MIRROR_VALUE_BOOLEAN:
		return c->boolean ? "true" : "false";
	default:
		return c->str;
	}
}

/* label="v" or label=~"v1|v2" */
static void
add_matcher(struct mirror_buf *b, const char *label, const struct mirror_condition *c)
{
	struct mirror_buf re;
	char tmp[MIRROR_DOUBLE_TEXT_MAX];
	size_t i;

	mirror_buf_adds(b, label);
	if (c->type != MIRROR_VALUE_IN_SET) {
		mirror_buf_addc(b, '=');
		mirror_prom_quote(b, value_text(c, tmp));
		return;
	}
	mirror_buf_init(&re, b->max);
	for (i = 0; i < c->set_len; i++) {
		if (i > 0)
			mirror_buf_addc(&re, '|');
		mirror_prom_regex_escape(&re, c->set[i]);
	}
	mirror_buf_adds(b, "=~");
	mirror_prom_quote(b, re.data != NULL ? re.data : "");
	if (re.err != MIRROR_OK && b->err == MIRROR_OK)
		b->err = re.err;
	mirror_buf_free(&re);
}

static bool
skipped(const struct mirror_condition *c, const char *skip)
{
	return skip != NULL && (strcmp(c->key, skip) == 0 ||
	    (name_key(skip) && name_key(c->key)));
}

/* Finds the name and expression conditions; checks every other key. */
static enum mirror_err
classify(const struct mirror_query *q, const char *skip,
	 const struct mirror_condition **name, const struct mirror_condition **expr,
	 size_t *nlabels, struct mirror_error *err)
{
	size_t i;

	*name = *expr = NULL;
	*nlabels = 0;
	for (i = 0; i < q->nconds; i++) {
		const struct mirror_condition *c = &q->conds[i];

		if (skipped(c, skip))
			continue;
		if (c->type == MIRROR_VALUE_IN_SET && c->set_len == 0)
			return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
			    "the InSetValue of condition \"%.64s\" is empty", c->key);
		if (strcmp(c->key, MIRROR_PROM_EXPR) == 0) {
			if (*expr != NULL || c->type != MIRROR_VALUE_STRING)
				return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
				    "\"~\" takes one PromQL expression as a StringValue");
			*expr = c;
		} else if (name_key(c->key)) {
			if (*name != NULL)
				return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
				    "use only one of __gauge__, __counter__ and __name__");
			*name = c;
		} else if (!mirror_prom_label_name(c->key)) {
			return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
			    "condition key \"%.64s\" is not a Prometheus label name",
			    c->key);
		} else {
			(*nlabels)++;
		}
	}
	if (*expr != NULL && (*name != NULL || *nlabels > 0))
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST, "a \"~\" "
		    "expression cannot be combined with other conditions; put "
		    "the label matchers inside the expression");
	return MIRROR_OK;
}

/* Words PromQL's lexer reads as keywords in any case (lex.go, "key"), in
 * Prometheus 2 and 3: such a metric name must go in a __name__ matcher. */
static bool
keyword(const char *s)
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
		if (strcasecmp(words[i], s) == 0)
			return true;
	return false;
}

/* name{a="x",b=~"y|z"}, or {__name__=~"...",a="x"} when the name is not
 * a plain metric name. */
static void
build(const struct mirror_query *q, const char *skip,
      const struct mirror_condition *name, struct mirror_buf *out)
{
	bool plain = name != NULL && name->type == MIRROR_VALUE_STRING &&
	    valid_name(name->str, true) && !keyword(name->str);
	bool first = true;
	size_t i;

	if (plain)
		mirror_buf_adds(out, name->str);
	mirror_buf_addc(out, '{');
	if (name != NULL && !plain) {
		add_matcher(out, MIRROR_PROM_NAME, name);
		first = false;
	}
	for (i = 0; i < q->nconds; i++) {
		const struct mirror_condition *c = &q->conds[i];

		if (skipped(c, skip) || mirror_prom_reserved(c->key))
			continue;
		if (!first)
			mirror_buf_addc(out, ',');
		add_matcher(out, c->key, c);
		first = false;
	}
	/* A bare metric name reads better without "{}" (when the '{' made it
	 * into the buffer: a failed one is already refused). */
	if (plain && first && out->err == MIRROR_OK)
		out->len--;
	else
		mirror_buf_addc(out, '}');
	if (out->data != NULL)
		out->data[out->len] = '\0';
}

enum mirror_err
mirror_prom_selector(const struct mirror_query *q, const char *skip,
		     enum mirror_prom_kind *kind, struct mirror_buf *out,
		     struct mirror_error *err)
{
	const struct mirror_condition *name, *expr;
	size_t nlabels;
	enum mirror_err e;

	mirror_buf_reset(out);
	*kind = MIRROR_PROM_KIND_NONE;
	e = classify(q, skip, &name, &expr, &nlabels, err);
	if (e != MIRROR_OK)
		return e;
	if (expr != NULL) {
		mirror_buf_adds(out, expr->str);
		*kind = MIRROR_PROM_KIND_EXPR;
	} else if (name != NULL || nlabels > 0) {
		build(q, skip, name, out);
		*kind = name != NULL && strcmp(name->key, MIRROR_PROM_COUNTER) == 0 ?
		    MIRROR_PROM_KIND_COUNTER : MIRROR_PROM_KIND_GAUGE;
	}
	if (out->err != MIRROR_OK)
		return mirror_error_set(err, out->err == MIRROR_ERR_NOMEM ?
		    MIRROR_ERR_NOMEM : MIRROR_ERR_BAD_REQUEST,
		    "the conditions make too long a selector");
	return MIRROR_OK;
}
