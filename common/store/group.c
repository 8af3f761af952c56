/*
 * FieldValuePattern grouping (MIRROR-API.md §3): a field with thousands
 * of values (dotted or underscored metric names) is offered as prefix
 * groups the user drills into by sending one back as fieldValuePrefix.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "group.h"

/*
 * Length of v's group: the prefix plus at least one character and the
 * next '.' or '_'; 0 when v has no separator after the prefix.
 */
static size_t
group_len(const char *v, size_t plen)
{
	const char *rest = v + plen;
	size_t i;

	if (rest[0] == '\0')
		return 0;
	i = 1 + strcspn(rest + 1, "._");
	return rest[i] == '\0' ? 0 : plen + i + 1;
}

/* Walks the entries, keeping those in [offset, offset + limit). */
struct pager {
	int64_t offset, limit, index;
	struct mirror_value_list *out;
};

/* Offers one entry; false once the page is full (more entries follow). */
static bool
offer(struct pager *pg, const char *value, size_t len, bool pattern,
      enum mirror_err *e)
{
	char *copy;

	if (pg->index >= pg->offset && pg->index - pg->offset >= pg->limit) {
		pg->out->partial = true;
		return false;
	}
	if (pg->index++ < pg->offset)
		return true;
	copy = malloc(len + 2);
	if (copy == NULL) {
		*e = MIRROR_ERR_NOMEM;
		return false;
	}
	memcpy(copy, value, len);
	memcpy(copy + len, pattern ? "*" : "", pattern ? 2 : 1);
	*e = mirror_value_list_push(pg->out, copy, pattern);
	free(copy);
	return *e == MIRROR_OK;
}

/* Moves the sorted values' duplicates behind the distinct ones (the
 * caller still owns and frees all of them); returns how many are distinct. */
static size_t
distinct(char **values, size_t n)
{
	size_t i, u = 1;
	char *t;

	for (i = 1; i < n; i++) {
		if (strcmp(values[i], values[u - 1]) == 0)
			continue;
		t = values[u];
		values[u++] = values[i];
		values[i] = t;
	}
	return n > 0 ? u : 0;
}

enum mirror_err
mirror_store_group(char **values, size_t n, size_t plen, size_t group_min,
		  int64_t offset, int64_t limit, struct mirror_value_list *out)
{
	struct pager pg = {offset, limit, 0, out};
	bool group;
	size_t i = 0, j, len;
	enum mirror_err e = MIRROR_OK;

	if (n > 1)
		qsort(values, n, sizeof *values, mirror_strcmp_ptr);
	n = distinct(values, n);
	group = group_min > 0 && n > group_min;
	while (i < n) {
		len = group ? group_len(values[i], plen) : 0;
		/* Sorted order keeps every value that starts with a group's
		 * text together. */
		for (j = i + 1; len > 0 && j < n &&
		    strncmp(values[j], values[i], len) == 0; j++)
			;
		if (len == 0 || j == i + 1) {
			j = i + 1;
			len = strlen(values[i]);
		}
		if (!offer(&pg, values[i], len, j > i + 1, &e))
			break;
		i = j;
	}
	return e;
}

size_t
mirror_store_prefix_len(const char *prefix)
{
	size_t n = strlen(prefix);

	return n > 0 && prefix[n - 1] == '*' ? n - 1 : n;
}

void
mirror_store_values_init(struct mirror_store_values *v, const char *prefix, size_t max)
{
	memset(v, 0, sizeof *v);
	v->prefix = prefix != NULL ? prefix : "";
	v->plen = mirror_store_prefix_len(v->prefix);
	v->max = max;
}

enum mirror_err
mirror_store_values_add(const char *s, void *values)
{
	struct mirror_store_values *v = values;
	char **p;

	if (strncmp(s, v->prefix, v->plen) != 0)
		return MIRROR_OK;
	if (v->len == v->max)
		return MIRROR_ERR_NOMEM;
	if (v->len == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 64;
		p = realloc(v->items, v->cap * sizeof *p);
		if (p == NULL)
			return MIRROR_ERR_NOMEM;
		v->items = p;
	}
	if ((v->items[v->len] = strdup(s)) == NULL)
		return MIRROR_ERR_NOMEM;
	v->len++;
	return MIRROR_OK;
}

void
mirror_store_values_free(struct mirror_store_values *v)
{
	size_t i;

	for (i = 0; i < v->len; i++)
		free(v->items[i]);
	free(v->items);
}
