/*
 * The label sets of the series in a store answer, kept without json-c:
 * enough to tell that an answer holds the one series of earlier chunks,
 * and to name the labels that differ when it holds several. Each set is
 * bounded (MIRROR_PROM_LABELS_MAX names, MIRROR_PROM_LABEL_BYTES bytes).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lists.h"
#include "prom.h"

struct mirror_prom_labels {
	char *text;        /* "name\0value\0" per label, in document order */
	size_t len, cap;
	size_t *at;        /* offset of each name in text, document order */
	size_t *sorted;    /* the same offsets, by name */
	size_t n, ncap;
	bool bad;          /* a value not a string, a repeated name, too big */
};

enum mirror_err
mirror_prom_labels_new(struct mirror_prom_labels **out)
{
	*out = calloc(1, sizeof **out);
	return *out != NULL ? MIRROR_OK : MIRROR_ERR_NOMEM;
}

void
mirror_prom_labels_free(struct mirror_prom_labels *l)
{
	if (l == NULL)
		return;
	free(l->text);
	free(l->at);
	free(l->sorted);
	free(l);
}

void
mirror_prom_labels_reset(struct mirror_prom_labels *l)
{
	l->len = l->n = 0;
	l->bad = false;
}

void
mirror_prom_labels_spoil(struct mirror_prom_labels *l)
{
	l->bad = true;
}

bool
mirror_prom_labels_bad(const struct mirror_prom_labels *l)
{
	return l->bad;
}

static enum mirror_err
put(struct mirror_prom_labels *l, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (n >= MIRROR_PROM_LABEL_BYTES - l->len) {
		l->bad = true;
		return MIRROR_OK;
	}
	if (l->len + n + 1 > l->cap) {
		cap = l->cap ? l->cap * 2 : 256;
		while (cap < l->len + n + 1)
			cap *= 2;
		if ((p = realloc(l->text, cap)) == NULL)
			return MIRROR_ERR_NOMEM;
		l->text = p;
		l->cap = cap;
	}
	memcpy(l->text + l->len, s, n);
	l->text[l->len + n] = '\0';
	l->len += n + 1;
	return MIRROR_OK;
}

/* Room for n offsets in at[] and sorted[]. */
static enum mirror_err
reserve(struct mirror_prom_labels *l, size_t n)
{
	size_t cap = l->ncap ? l->ncap : 16;
	size_t *a, *b;

	if (n <= l->ncap)
		return MIRROR_OK;
	while (cap < n)
		cap *= 2;
	if ((a = realloc(l->at, cap * sizeof *a)) == NULL)
		return MIRROR_ERR_NOMEM;
	l->at = a;
	if ((b = realloc(l->sorted, cap * sizeof *b)) == NULL)
		return MIRROR_ERR_NOMEM;
	l->sorted = b;
	l->ncap = cap;
	return MIRROR_OK;
}

enum mirror_err
mirror_prom_labels_name(struct mirror_prom_labels *l, const char *s, size_t n)
{
	size_t at = l->len;
	enum mirror_err e;

	if (l->bad)
		return MIRROR_OK;
	if (l->n == MIRROR_PROM_LABELS_MAX) {
		l->bad = true;
		return MIRROR_OK;
	}
	e = reserve(l, l->n + 1);
	if (e == MIRROR_OK)
		e = put(l, s, n);
	if (e == MIRROR_OK && !l->bad)
		l->at[l->n++] = at;
	return e;
}

enum mirror_err
mirror_prom_labels_value(struct mirror_prom_labels *l, const char *s, size_t n)
{
	return l->bad ? MIRROR_OK : put(l, s, n);
}

/* qsort_r is not C11: the comparator finds the text through a wrapper
 * that holds pointers, sorted once per set. */
struct named {
	const char *name;
	size_t at;
};

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct named *)a)->name, ((const struct named *)b)->name);
}

enum mirror_err
mirror_prom_labels_finish(struct mirror_prom_labels *l)
{
	struct named *tmp;
	size_t i;

	if (l->bad || l->n == 0)
		return MIRROR_OK;
	if ((tmp = malloc(l->n * sizeof *tmp)) == NULL)
		return MIRROR_ERR_NOMEM;
	for (i = 0; i < l->n; i++) {
		tmp[i].name = l->text + l->at[i];
		tmp[i].at = l->at[i];
	}
	qsort(tmp, l->n, sizeof *tmp, by_name);
	for (i = 0; i < l->n; i++) {
		l->sorted[i] = tmp[i].at;
		/* A repeated name: json-c kept the last, we keep neither. */
		if (i > 0 && strcmp(tmp[i - 1].name, tmp[i].name) == 0)
			l->bad = true;
	}
	free(tmp);
	return MIRROR_OK;
}

static const char *
value_at(const struct mirror_prom_labels *l, size_t at)
{
	return l->text + at + strlen(l->text + at) + 1;
}

const char *
mirror_prom_labels_get(const struct mirror_prom_labels *l, const char *name)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->text + l->sorted[mid], name);

		if (c == 0)
			return value_at(l, l->sorted[mid]);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool
mirror_prom_labels_equal(const struct mirror_prom_labels *a,
			 const struct mirror_prom_labels *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++) {
		const char *na = a->text + a->sorted[i], *nb = b->text + b->sorted[i];

		if (strcmp(na, nb) != 0 ||
		    strcmp(value_at(a, a->sorted[i]), value_at(b, b->sorted[i])) != 0)
			return false;
	}
	return true;
}

enum mirror_err
mirror_prom_labels_copy(struct mirror_prom_labels *dst,
			const struct mirror_prom_labels *src)
{
	char *p = NULL;

	if (reserve(dst, src->n) != MIRROR_OK ||
	    (src->len > 0 && (p = malloc(src->len)) == NULL))
		return MIRROR_ERR_NOMEM;
	if (src->len > 0)
		memcpy(p, src->text, src->len);
	free(dst->text);
	dst->text = p;
	dst->len = dst->cap = src->len;
	dst->n = src->n;
	dst->bad = src->bad;
	if (src->n > 0) {
		memcpy(dst->at, src->at, src->n * sizeof *dst->at);
		memcpy(dst->sorted, src->sorted, src->n * sizeof *dst->sorted);
	}
	return MIRROR_OK;
}

/* True when every set has name with the same value. */
static bool
agree(const struct mirror_prom_labels *const *sets, size_t n, const char *name)
{
	const char *first = mirror_prom_labels_get(sets[0], name);
	size_t i;

	for (i = 1; i < n && first != NULL; i++) {
		const char *v = mirror_prom_labels_get(sets[i], name);

		if (v == NULL || strcmp(first, v) != 0)
			return false;
	}
	return first != NULL;
}

/* Adds the names of sets[] that do not all agree to names[] (once), in
 * the order the sets list them, then sorts them. */
static size_t
differing(const struct mirror_prom_labels *const *sets, size_t n,
	  const char **names, size_t max)
{
	size_t i, j, k, count = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < sets[i]->n; j++) {
			const char *name = sets[i]->text + sets[i]->at[j];

			for (k = 0; k < count && strcmp(names[k], name) != 0; k++)
				;
			if (k == count && count < max && !agree(sets, n, name))
				names[count++] = name;
		}
	}
	qsort(names, count, sizeof *names, mirror_strcmp_ptr);
	return count;
}

enum mirror_err
mirror_prom_several(const struct mirror_prom_labels *const *sets, size_t n,
		    struct mirror_error *err)
{
	const char *names[MIRROR_PROM_SERIES_KEPT];
	char list[MIRROR_DETAILS_MAX] = "";
	size_t i, count = differing(sets, n, names, MIRROR_PROM_SERIES_KEPT), used = 0;

	for (i = 0; i < count && used + 4 < sizeof list; i++) {
		int w = snprintf(list + used, sizeof list - used, "%s%s",
		    i > 0 ? ", " : "", names[i]);

		used += w > 0 ? (size_t)w : 0;
	}
	return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST, "the conditions "
	    "select more than one series; they differ in: %s. Add a condition "
	    "on these labels so that one series remains", count > 0 ? list :
	    "(no label)");
}

void
mirror_prom_seen_free(struct mirror_prom_seen *s)
{
	mirror_prom_labels_free(s->labels);
	s->labels = NULL;
	s->nseries = 0;
	s->asked = false;
}
