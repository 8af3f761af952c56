/*
 * Field names and values from InfluxDB's schema statements: the
 * measurement (_measurement), the tag keys (STRING fields) and the field
 * keys (typed per SHOW FIELD KEYS); values of _measurement from SHOW
 * MEASUREMENTS, of a tag from SHOW TAG VALUES. Narrowed by the other
 * conditions where InfluxQL takes a WHERE (SHOW FIELD KEYS takes none)
 * and by the time range where it accepts one (InfluxDB 1.6 applies it to
 * tag keys and values by shard only; SHOW MEASUREMENTS refuses it).
 * docs/INFLUXDB.md shows the statements.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/group.h"
#include "influx.h"

static const char *
text(const struct mirror_buf *b)
{
	return b->data != NULL ? b->data : "";
}

/* A growing list of owned strings, with a ceiling. */
struct strings {
	char **items;
	size_t len, cap, max;
	bool cut;             /* an item was refused at the ceiling */
};

static void
strings_free(struct strings *s)
{
	size_t i;

	for (i = 0; i < s->len; i++)
		free(s->items[i]);
	free(s->items);
	s->items = NULL;
	s->len = s->cap = 0;
	s->cut = false;
}

static enum mirror_err
strings_add(struct strings *s, const char *v)
{
	char **p;

	if (s->len == s->max) {
		s->cut = true;
		return MIRROR_OK;
	}
	if (s->len == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		p = realloc(s->items, s->cap * sizeof *p);
		if (p == NULL)
			return MIRROR_ERR_NOMEM;
		s->items = p;
	}
	if ((s->items[s->len] = strdup(v)) == NULL)
		return MIRROR_ERR_NOMEM;
	s->len++;
	return MIRROR_OK;
}

/* " WHERE <tags> [AND <extra>] [AND <time range>]", or nothing. */
static void
add_where(struct mirror_buf *b, const struct mirror_influx_sel *sel,
	  const char *extra, const struct mirror_query *q, bool time)
{
	bool any = sel->ntags > 0;

	if (any) {
		mirror_buf_adds(b, " WHERE ");
		mirror_buf_adds(b, text(&sel->where));
	}
	if (*extra != '\0') {
		mirror_buf_adds(b, any ? " AND " : " WHERE ");
		mirror_buf_adds(b, extra);
		any = true;
	}
	if (time && q->has_range) {
		mirror_buf_adds(b, any ? " AND " : " WHERE ");
		mirror_influx_time(b, q->start_ms, q->end_ms);
	}
}

static enum mirror_err
run(const struct mirror_influx_job *j, const struct mirror_buf *ql,
    const struct mirror_influx_sink *sink)
{
	enum mirror_err e;

	if (ql->err != MIRROR_OK)
		return mirror_error_set(j->err, MIRROR_ERR_NOMEM, "out of memory");
	e = mirror_influx_query(j, ql->data, false, sink, NULL);
	if (e == MIRROR_ERR_NOMEM && j->err->code != e)
		mirror_error_set(j->err, e, "out of memory");
	else if (e == MIRROR_ERR_STORE && j->err->code != e)
		mirror_error_set(j->err, e, "the store's answer is malformed");
	return e;
}

/* --- field names ---------------------------------------------------------- */

/* A field key as SHOW FIELD KEYS lists it, once per measurement; which
 * answer row it came from, so the first type listed wins. */
struct key {
	char *name;           /* owned */
	enum mirror_field_type type;
	size_t row;
};

struct names {
	size_t stmt;          /* of the series being read */
	struct strings tags;
	struct key *keys;     /* owned */
	size_t nkeys, cap, max;
	bool cut;
};

static void
names_free(struct names *n)
{
	size_t i;

	strings_free(&n->tags);
	for (i = 0; i < n->nkeys; i++)
		free(n->keys[i].name);
	free(n->keys);
}

static enum mirror_err
names_series(void *ctx, size_t stmt, const char *name, struct json_object *tags)
{
	struct names *n = ctx;

	(void)name;
	(void)tags;
	n->stmt = stmt;
	return MIRROR_OK;
}

/* One [fieldKey, fieldType] row; a type newer than this code is left out. */
static enum mirror_err
add_key(struct names *n, const struct mirror_influx_value *c, size_t k)
{
	enum mirror_field_type type;
	struct key *p;
	bool integer;

	if (k < 2 || c[0].type != MIRROR_INFLUX_STRING || c[1].type != MIRROR_INFLUX_STRING)
		return MIRROR_ERR_STORE;
	type = mirror_influx_field_type(c[1].s, &integer);
	if (type == MIRROR_FIELD_MAX)
		return MIRROR_OK;
	if (n->nkeys == n->max) {
		n->cut = true;
		return MIRROR_OK;
	}
	if (n->nkeys == n->cap) {
		n->cap = n->cap ? n->cap * 2 : 64;
		p = realloc(n->keys, n->cap * sizeof *p);
		if (p == NULL)
			return MIRROR_ERR_NOMEM;
		n->keys = p;
	}
	p = &n->keys[n->nkeys];
	p->type = type;
	p->row = n->nkeys;
	if ((p->name = strdup(c[0].s)) == NULL)
		return MIRROR_ERR_NOMEM;
	n->nkeys++;
	return MIRROR_OK;
}

static enum mirror_err
names_row(void *ctx, const struct mirror_influx_value *c, size_t k)
{
	struct names *n = ctx;

	if (n->stmt == 1)
		return add_key(n, c, k);
	if (k < 1 || c[0].type != MIRROR_INFLUX_STRING)
		return MIRROR_ERR_STORE;
	return strings_add(&n->tags, c[0].s);
}

static int
by_name_row(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : (x->row > y->row) - (x->row < y->row);
}

/* True when name is a tag key (tags sorted). */
static bool
is_tag(const struct names *n, const char *name)
{
	return n->tags.len > 0 && bsearch(&name, n->tags.items, n->tags.len,
	    sizeof *n->tags.items, mirror_strcmp_ptr) != NULL;
}

/* Appends a field; false once the limit is reached. */
static bool
offer(struct mirror_field_list *out, int64_t limit, const char *name,
      enum mirror_field_type type, enum mirror_err *e)
{
	if ((int64_t)out->len >= limit) {
		out->partial = true;
		return false;
	}
	*e = mirror_field_list_push(out, name, type, false);
	return *e == MIRROR_OK;
}

/* _measurement, then the tag keys, then the field keys, each sorted and
 * each name once (sorting, not searching: a database may list a field
 * key in thousands of measurements). */
static enum mirror_err
names_answer(struct names *n, int64_t limit, struct mirror_field_list *out)
{
	const char *m = MIRROR_INFLUX_MEASUREMENT, *name;
	enum mirror_err e = MIRROR_OK;
	size_t i;

	if (n->tags.len > 1)
		qsort(n->tags.items, n->tags.len, sizeof *n->tags.items, mirror_strcmp_ptr);
	if (n->nkeys > 1)
		qsort(n->keys, n->nkeys, sizeof *n->keys, by_name_row);
	if (!offer(out, limit, m, MIRROR_FIELD_STRING, &e))
		return e;
	for (i = 0; i < n->tags.len; i++) {
		name = n->tags.items[i];
		if (strcmp(name, m) == 0 || (i > 0 && strcmp(name, n->tags.items[i - 1]) == 0))
			continue;
		if (!offer(out, limit, name, MIRROR_FIELD_STRING, &e))
			return e;
	}
	for (i = 0; i < n->nkeys; i++) {
		name = n->keys[i].name;
		if (strcmp(name, m) == 0 || (i > 0 && strcmp(name, n->keys[i - 1].name) == 0) ||
		    is_tag(n, name))
			continue;
		if (!offer(out, limit, name, n->keys[i].type, &e))
			return e;
	}
	out->partial |= n->tags.cut || n->cut;
	return e;
}

/* SHOW TAG KEYS [FROM ..] [WHERE ..]; SHOW FIELD KEYS [FROM ..] */
static void
names_ql(const struct mirror_influx_job *j, const struct mirror_influx_sel *sel,
	 struct mirror_buf *ql)
{
	mirror_buf_adds(ql, "SHOW TAG KEYS");
	if (sel->nnames > 0) {
		mirror_buf_adds(ql, " FROM ");
		mirror_buf_adds(ql, text(&sel->from));
	}
	add_where(ql, sel, "", j->q, true);
	mirror_buf_adds(ql, "; SHOW FIELD KEYS");
	if (sel->nnames > 0) {
		mirror_buf_adds(ql, " FROM ");
		mirror_buf_adds(ql, text(&sel->from));
	}
}

enum mirror_err
mirror_influx_field_names(const struct mirror_influx_job *j,
			  struct mirror_field_list *out)
{
	size_t max = j->conf->max_store_points;
	struct names n = {0, {NULL, 0, 0, max, false}, NULL, 0, 0, max, false};
	struct mirror_influx_sink sink = {&n, names_series, names_row};
	struct mirror_influx_sel sel;
	struct mirror_buf ql;
	enum mirror_err e = mirror_influx_select(j->q, NULL, j->t->rp, &sel, j->err);

	mirror_buf_init(&ql, MIRROR_INFLUX_QL_MAX);
	if (e == MIRROR_OK && !sel.nothing) {
		names_ql(j, &sel, &ql);
		e = run(j, &ql, &sink);
		if (e == MIRROR_OK)
			e = names_answer(&n, j->q->limit, out);
	}
	if (e == MIRROR_ERR_NOMEM && j->err->code != e)
		mirror_error_set(j->err, e, "out of memory");
	names_free(&n);
	mirror_buf_free(&ql);
	mirror_influx_sel_free(&sel);
	return e;
}

/* --- field values --------------------------------------------------------- */

struct values {
	struct strings v;
	const char *prefix;
	size_t plen;
	char *stem;           /* the prefix's first plen bytes; owned */
	bool measurements;    /* SHOW MEASUREMENTS rows: [name] */
	uint64_t cap;         /* the LIMIT asked for */
	uint64_t rows;        /* rows of the series being read */
	bool hit;             /* a series reached the LIMIT: more may exist */
};

static enum mirror_err
values_series(void *ctx, size_t stmt, const char *name, struct json_object *tags)
{
	struct values *v = ctx;

	(void)stmt;
	(void)name;
	(void)tags;
	v->rows = 0;
	return MIRROR_OK;
}

static enum mirror_err
values_row(void *ctx, const struct mirror_influx_value *c, size_t n)
{
	struct values *v = ctx;
	size_t col = v->measurements ? 0 : 1;

	if (n <= col || c[col].type != MIRROR_INFLUX_STRING)
		return MIRROR_ERR_STORE;
	v->rows++;
	if (v->rows >= v->cap)
		v->hit = true;
	/* The store filtered by the prefix already; this only guards. */
	if (strncmp(c[col].s, v->prefix, v->plen) != 0)
		return MIRROR_OK;
	return strings_add(&v->v, c[col].s);
}

/* SHOW MEASUREMENTS [WITH MEASUREMENT =~ /^p/] [WHERE ..] LIMIT n, or
 * SHOW TAG VALUES [FROM ..] WITH KEY = "k" [WHERE .. AND "k" =~ /^p/] LIMIT n */
static void
values_ql(const struct mirror_influx_job *j, const struct mirror_influx_sel *sel,
	  const struct values *v, struct mirror_buf *ql)
{
	struct mirror_buf re;
	char num[48];

	mirror_buf_init(&re, MIRROR_INFLUX_QL_MAX);
	if (v->plen > 0 && !v->measurements) {
		mirror_influx_ident(&re, j->q->field.name);
		mirror_buf_adds(&re, " =~ ");
	}
	if (v->plen > 0)
		mirror_influx_regex_prefix(&re, v->stem);
	if (v->measurements) {
		mirror_buf_adds(ql, "SHOW MEASUREMENTS");
		if (v->plen > 0) {
			mirror_buf_adds(ql, " WITH MEASUREMENT =~ ");
			mirror_buf_adds(ql, text(&re));
		}
		add_where(ql, sel, "", j->q, false);
	} else {
		mirror_buf_adds(ql, "SHOW TAG VALUES");
		if (sel->nnames > 0) {
			mirror_buf_adds(ql, " FROM ");
			mirror_buf_adds(ql, text(&sel->from));
		}
		mirror_buf_adds(ql, " WITH KEY = ");
		mirror_influx_ident(ql, j->q->field.name);
		add_where(ql, sel, text(&re), j->q, true);
	}
	snprintf(num, sizeof num, " LIMIT %llu", (unsigned long long)v->cap);
	mirror_buf_adds(ql, num);
	if (re.err != MIRROR_OK && ql->err == MIRROR_OK)
		ql->err = re.err;
	mirror_buf_free(&re);
}

static enum mirror_err
ask_values(const struct mirror_influx_job *j, const struct mirror_influx_sel *sel,
	   struct values *v)
{
	struct mirror_influx_sink sink = {v, values_series, values_row};
	struct mirror_buf ql;
	enum mirror_err e;

	strings_free(&v->v);
	v->hit = false;
	mirror_buf_init(&ql, MIRROR_INFLUX_QL_MAX);
	values_ql(j, sel, v, &ql);
	e = run(j, &ql, &sink);
	mirror_buf_free(&ql);
	return e;
}

/* Values to ask for first: the page (offset + limit) or, when grouping
 * may apply, enough to know whether it does; plus one to see more. */
static uint64_t
first_cap(const struct mirror_influx_job *j)
{
	uint64_t want = (uint64_t)j->q->offset, max = j->conf->max_store_points;

	want = (uint64_t)j->q->limit > UINT64_MAX / 2 - want ? UINT64_MAX / 2 :
	    want + (uint64_t)j->q->limit;
	if (j->t->group_min > 0 && want < j->t->group_min)
		want = j->t->group_min;
	return (want < max ? want : max) + 1;
}

enum mirror_err
mirror_influx_field_values(const struct mirror_influx_job *j,
			   struct mirror_value_list *out)
{
	const struct mirror_query *q = j->q;
	struct values v = {{NULL, 0, 0, j->conf->max_store_points, false},
	    q->prefix != NULL ? q->prefix : "", 0, NULL, false, 0, 0, false};
	uint64_t all = (uint64_t)j->conf->max_store_points + 1;
	struct mirror_influx_sel sel;
	enum mirror_err e;

	v.plen = mirror_store_prefix_len(v.prefix);
	memset(&sel, 0, sizeof sel);
	v.stem = strndup(v.prefix, v.plen);
	v.measurements = strcmp(q->field.name, MIRROR_INFLUX_MEASUREMENT) == 0;
	v.cap = first_cap(j);
	e = v.stem == NULL ? MIRROR_ERR_NOMEM :
	    mirror_influx_select(q, q->field.name, j->t->rp, &sel, j->err);
	if (e == MIRROR_OK && !sel.nothing)
		e = ask_values(j, &sel, &v);
	/* More values than asked for, and grouping needs them all. */
	if (e == MIRROR_OK && !sel.nothing && v.hit && j->t->group_min > 0 &&
	    v.cap < all) {
		v.cap = all;
		e = ask_values(j, &sel, &v);
	}
	if (e == MIRROR_OK)
		e = mirror_store_group(v.v.items, v.v.len, v.plen, j->t->group_min,
		    q->offset, q->limit, out);
	if (e == MIRROR_OK)
		out->partial |= v.v.cut || (v.hit && v.cap == all);
	if (e == MIRROR_ERR_NOMEM && j->err->code != e)
		mirror_error_set(j->err, e, "out of memory");
	strings_free(&v.v);
	free(v.stem);
	mirror_influx_sel_free(&sel);
	return e;
}
