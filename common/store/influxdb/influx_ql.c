/*
 * Conditions -> InfluxQL. Everything a client sends reaches InfluxDB
 * inside a quoted identifier, a string literal or a regex literal, each
 * escaped the way influxql's scanner reads it (influxdata/influxql
 * scanner.go: ScanString accepts \\, \', \" and \n; ScanRegex turns only
 * \/ into /), so no value can end its literal early.
 *
 * The measurement is the condition _measurement; every other key is a tag
 * matched with =. InSetValue becomes ("k" = 'a' OR "k" = 'b'): an OR of
 * equalities is exact for any value, where a regex alternation would need
 * RE2 escaping inside a literal whose own escape rule (\/) clashes with
 * a value ending in '\' (tests/influxdb/ tests both kinds of value).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "influx.h"

static void
quoted(struct mirror_buf *b, const char *s, char quote)
{
	mirror_buf_addc(b, quote);
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == quote) {
			mirror_buf_addc(b, '\\');
			mirror_buf_addc(b, *s);
		} else if (*s == '\n') {
			mirror_buf_adds(b, "\\n");
		} else {
			mirror_buf_addc(b, *s);
		}
	}
	mirror_buf_addc(b, quote);
}

void
mirror_influx_ident(struct mirror_buf *b, const char *s)
{
	quoted(b, s, '"');
}

void
mirror_influx_string(struct mirror_buf *b, const char *s)
{
	quoted(b, s, '\'');
}

static bool
plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80;
}

void
mirror_influx_regex_prefix(struct mirror_buf *b, const char *prefix)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;

	mirror_buf_adds(b, "/^");
	for (p = (const unsigned char *)prefix; *p != '\0'; p++) {
		if (plain(*p)) {
			mirror_buf_addc(b, (char)*p);
			continue;
		}
		mirror_buf_adds(b, "\\x");
		mirror_buf_addc(b, hex[*p >> 4]);
		mirror_buf_addc(b, hex[*p & 15]);
	}
	mirror_buf_addc(b, '/');
}

void
mirror_influx_time(struct mirror_buf *b, int64_t start_ms, int64_t end_ms)
{
	char num[96];

	snprintf(num, sizeof num, "time >= %lldms AND time < %lldms",
	    (long long)start_ms, (long long)end_ms);
	mirror_buf_adds(b, num);
}

const char *
mirror_influx_value_text(const struct mirror_condition *c,
			 char tmp[MIRROR_DOUBLE_TEXT_MAX])
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

/* "k" = 'v', or ("k" = 'a' OR "k" = 'b') for a set. */
static void
add_tag(struct mirror_buf *b, const struct mirror_condition *c)
{
	char tmp[MIRROR_DOUBLE_TEXT_MAX];
	size_t i;

	if (c->type != MIRROR_VALUE_IN_SET) {
		mirror_influx_ident(b, c->key);
		mirror_buf_adds(b, " = ");
		mirror_influx_string(b, mirror_influx_value_text(c, tmp));
		return;
	}
	mirror_buf_addc(b, '(');
	for (i = 0; i < c->set_len; i++) {
		if (i > 0)
			mirror_buf_adds(b, " OR ");
		mirror_influx_ident(b, c->key);
		mirror_buf_adds(b, " = ");
		mirror_influx_string(b, c->set[i]);
	}
	mirror_buf_addc(b, ')');
}

/* True when the condition is on name (a set holding it, or equal). */
static bool
names_value(const struct mirror_condition *c, const char *name)
{
	char tmp[MIRROR_DOUBLE_TEXT_MAX];
	size_t i;

	if (c->type != MIRROR_VALUE_IN_SET)
		return strcmp(mirror_influx_value_text(c, tmp), name) == 0;
	for (i = 0; i < c->set_len; i++)
		if (strcmp(c->set[i], name) == 0)
			return true;
	return false;
}

static bool
measurement_key(const struct mirror_condition *c, const char *skip)
{
	return strcmp(c->key, MIRROR_INFLUX_MEASUREMENT) == 0 &&
	    (skip == NULL || strcmp(skip, MIRROR_INFLUX_MEASUREMENT) != 0);
}

/* True when every _measurement condition of q names name. */
static bool
wanted(const struct mirror_query *q, const char *skip, const char *name)
{
	size_t i;

	for (i = 0; i < q->nconds; i++)
		if (measurement_key(&q->conds[i], skip) &&
		    !names_value(&q->conds[i], name))
			return false;
	return true;
}

static enum mirror_err
add_name(struct mirror_influx_sel *sel, const char *name)
{
	char **p;
	size_t i;

	for (i = 0; i < sel->nnames; i++)
		if (strcmp(sel->names[i], name) == 0)
			return MIRROR_OK;
	p = realloc(sel->names, (sel->nnames + 1) * sizeof *p);
	if (p == NULL)
		return MIRROR_ERR_NOMEM;
	sel->names = p;
	if ((p[sel->nnames] = strdup(name)) == NULL)
		return MIRROR_ERR_NOMEM;
	sel->nnames++;
	return MIRROR_OK;
}

/* The measurements the first _measurement condition names that every
 * other one names too. */
static enum mirror_err
collect_names(const struct mirror_query *q, const char *skip,
	      const struct mirror_condition *first, struct mirror_influx_sel *sel)
{
	char tmp[MIRROR_DOUBLE_TEXT_MAX];
	enum mirror_err e = MIRROR_OK;
	size_t i;

	if (first->type != MIRROR_VALUE_IN_SET) {
		const char *v = mirror_influx_value_text(first, tmp);

		return wanted(q, skip, v) ? add_name(sel, v) : MIRROR_OK;
	}
	for (i = 0; i < first->set_len && e == MIRROR_OK; i++)
		if (wanted(q, skip, first->set[i]))
			e = add_name(sel, first->set[i]);
	return e;
}

/* "rp"."m1","rp"."m2" */
static void
build_from(struct mirror_influx_sel *sel, const char *rp)
{
	size_t i;

	for (i = 0; i < sel->nnames; i++) {
		if (i > 0)
			mirror_buf_addc(&sel->from, ',');
		if (rp != NULL) {
			mirror_influx_ident(&sel->from, rp);
			mirror_buf_addc(&sel->from, '.');
		}
		mirror_influx_ident(&sel->from, sel->names[i]);
	}
}

static enum mirror_err
check_condition(const struct mirror_condition *c, struct mirror_error *err)
{
	if (c->type == MIRROR_VALUE_IN_SET && c->set_len == 0)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "the InSetValue of condition \"%.64s\" is empty", c->key);
	if (strcmp(c->key, "time") == 0)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST, "condition key "
		    "\"time\" is InfluxDB's timestamp; the range is startTime and "
		    "endTime");
	return MIRROR_OK;
}

enum mirror_err
mirror_influx_select(const struct mirror_query *q, const char *skip, const char *rp,
		     struct mirror_influx_sel *sel, struct mirror_error *err)
{
	const struct mirror_condition *first = NULL;
	enum mirror_err e = MIRROR_OK;
	size_t i;

	memset(sel, 0, sizeof *sel);
	mirror_buf_init(&sel->from, MIRROR_INFLUX_QL_MAX);
	mirror_buf_init(&sel->where, MIRROR_INFLUX_QL_MAX);
	for (i = 0; i < q->nconds && e == MIRROR_OK; i++) {
		const struct mirror_condition *c = &q->conds[i];

		if (skip != NULL && strcmp(c->key, skip) == 0)
			continue;
		e = check_condition(c, err);
		if (e != MIRROR_OK)
			return e;
		if (measurement_key(c, skip)) {
			first = first != NULL ? first : c;
			continue;
		}
		if (sel->ntags++ > 0)
			mirror_buf_adds(&sel->where, " AND ");
		add_tag(&sel->where, c);
	}
	if (first != NULL)
		e = collect_names(q, skip, first, sel);
	sel->nothing = first != NULL && sel->nnames == 0;
	build_from(sel, rp);
	if (e == MIRROR_OK && (sel->from.err != MIRROR_OK || sel->where.err != MIRROR_OK))
		e = sel->from.err == MIRROR_ERR_NOMEM || sel->where.err == MIRROR_ERR_NOMEM ?
		    MIRROR_ERR_NOMEM : MIRROR_ERR_BAD_REQUEST;
	if (e != MIRROR_OK && err->code != e)
		mirror_error_set(err, e, "the conditions make too long a query, or "
		    "memory ran out");
	return e;
}

void
mirror_influx_sel_free(struct mirror_influx_sel *sel)
{
	size_t i;

	for (i = 0; i < sel->nnames; i++)
		free(sel->names[i]);
	free(sel->names);
	mirror_buf_free(&sel->from);
	mirror_buf_free(&sel->where);
	memset(sel, 0, sizeof *sel);
}
