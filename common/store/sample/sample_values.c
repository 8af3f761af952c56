/*
 * Field values of the sample store: the distinct labels of the matching
 * series, with dotted metric names grouped into FieldValuePatterns so a
 * user can drill into them ("cpu.*", then "cpu.user").
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"
#include "store/group.h"

/* One value before sorting; a pattern already carries its ".*". */
struct item {
	char text[MIRROR_SAMPLE_TEXT_MAX];
	bool pattern;
	double num;                   /* NUMBER fields sort by this */
};

/* Which values to collect, and how to present them. */
struct pick {
	enum mirror_sample_col col;
	const struct mirror_condition *conds;
	size_t nconds;
	const char *skip_key;         /* conditions on this key are ignored */
	const char *prefix;           /* only values starting with it */
	size_t plen;
	bool group;                   /* fold at the first dot past the prefix */
};

/*
 * The item a value shows as: whole, or up to the first dot after the
 * prefix plus "*" (so "" and "cpu" give "cpu.*", "cpu." gives "cpu.user").
 * False when it does not start with the prefix.
 */
static bool
present_as(const struct pick *p, const char *value, struct item *it)
{
	const char *dot = NULL;
	int n;

	if (strncmp(value, p->prefix, p->plen) != 0)
		return false;
	if (p->group)
		dot = strchr(value + p->plen, '.');
	it->pattern = dot != NULL;
	if (dot != NULL)
		n = snprintf(it->text, sizeof it->text, "%.*s*",
		    (int)(dot - value + 1), value);
	else
		n = snprintf(it->text, sizeof it->text, "%s", value);
	/* The catalogue's values are short; never show a cut one. */
	return n >= 0 && (size_t)n < sizeof it->text;
}

static int
item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = strcmp(x->text, y->text);

	return c != 0 ? c : (int)x->pattern - (int)y->pattern;
}

/* NUMBER values read best in numeric order: 2, 4, 8, 16. */
static int
num_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->num != y->num)
		return x->num < y->num ? -1 : 1;
	return item_cmp(a, b);
}

/* Sorted, distinct items of the series p selects; returns how many. */
static size_t
collect(const struct pick *p, struct item *items)
{
	struct mirror_sample_series all[MIRROR_SAMPLE_SERIES_MAX];
	size_t i, n = 0, kept = 0, total = mirror_sample_series_all(all);
	bool numeric = mirror_sample_field(p->col)->type == MIRROR_FIELD_NUMBER;
	char buf[MIRROR_SAMPLE_TEXT_MAX];
	const char *text;

	for (i = 0; i < total; i++) {
		if (!mirror_sample_series_matches(&all[i], p->conds, p->nconds,
		    p->skip_key))
			continue;
		text = mirror_sample_field_text(&all[i], p->col, buf, sizeof buf);
		if (text == NULL || !present_as(p, text, &items[n]))
			continue;
		items[n++].num = numeric ? strtod(text, NULL) : 0;
	}
	qsort(items, n, sizeof *items, numeric ? num_cmp : item_cmp);
	for (i = 0; i < n; i++)
		if (kept == 0 || item_cmp(&items[kept - 1], &items[i]) != 0)
			items[kept++] = items[i];
	return kept;
}

size_t
mirror_sample_values_join(enum mirror_sample_col col,
			  const struct mirror_condition *conds, size_t n,
			  const char *skip_key, char *buf, size_t size)
{
	struct item items[MIRROR_SAMPLE_SERIES_MAX];
	struct pick p = {col, conds, n, skip_key, "", 0, false};
	size_t i, count = collect(&p, items), len = 0;
	int w;

	if (size == 0)
		return count;
	buf[0] = '\0';
	for (i = 0; i < count; i++) {
		w = snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
		    items[i].text);
		if (w < 0 || (size_t)w >= size - len) {
			/* Cut at the last whole value, and say so. */
			if (len + 6 <= size)
				snprintf(buf + len, size - len, ", ...");
			break;
		}
		len += (size_t)w;
	}
	return count;
}

/*
 * Conditions on the listed field itself are ignored, so the list offers
 * the alternatives to the value already chosen (a stream filtered on
 * host=web-1 can still be switched to web-2). A trailing '*' on the
 * prefix is StackState echoing a FieldValuePattern back: it means "any".
 * Order is strcmp order, numeric for NUMBER fields; offset and limit
 * apply after sorting. NUMBER and BOOLEAN fields list their text forms
 * ("4", "true"); the value field and unknown fields list nothing. The
 * time range is ignored: every series exists at all times.
 */
enum mirror_err
mirror_sample_field_values(const struct mirror_query *q,
			   struct mirror_value_list *out)
{
	struct item items[MIRROR_SAMPLE_SERIES_MAX];
	struct pick p = {MIRROR_SAMPLE_COL_MAX, q->conds, q->nconds,
	    q->field.name, q->prefix ? q->prefix : "", 0, false};
	size_t i, n;
	int64_t kept = 0;

	if (q->field.name != NULL)
		p.col = mirror_sample_field_find(q->field.name);
	if (p.col == MIRROR_SAMPLE_COL_MAX || p.col == MIRROR_SAMPLE_COL_VALUE)
		return MIRROR_OK;
	p.group = mirror_sample_field(p.col)->dotted;
	p.plen = mirror_store_prefix_len(p.prefix);
	n = collect(&p, items);
	for (i = 0; i < n; i++) {
		if ((uint64_t)i < (uint64_t)q->offset)
			continue;
		if (kept == q->limit) {
			out->partial = true;
			break;
		}
		if (mirror_value_list_push(out, items[i].text, items[i].pattern)
		    != MIRROR_OK)
			return MIRROR_ERR_NOMEM;
		kept++;
	}
	return MIRROR_OK;
}
