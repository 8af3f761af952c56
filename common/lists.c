/* Growable lists of field descriptors and field values. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lists.h"

/* Makes room for one more element of size elem in *items. */
static enum mirror_err
reserve(void **items, size_t *cap, size_t len, size_t elem)
{
	size_t ncap;
	void *p;

	if (len < *cap)
		return MIRROR_OK;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > SIZE_MAX / elem)
		return MIRROR_ERR_NOMEM;
	p = realloc(*items, ncap * elem);
	if (p == NULL)
		return MIRROR_ERR_NOMEM;
	*items = p;
	*cap = ncap;
	return MIRROR_OK;
}

void
mirror_field_list_init(struct mirror_field_list *l)
{
	memset(l, 0, sizeof *l);
}

void
mirror_field_list_free(struct mirror_field_list *l)
{
	size_t i;

	for (i = 0; i < l->len; i++)
		free(l->items[i].name);
	free(l->items);
	mirror_field_list_init(l);
}

enum mirror_err
mirror_field_list_push(struct mirror_field_list *l, const char *name,
		       enum mirror_field_type type, bool classified)
{
	void *items = l->items;
	char *copy;

	if (reserve(&items, &l->cap, l->len, sizeof *l->items) != MIRROR_OK)
		return MIRROR_ERR_NOMEM;
	l->items = items;
	if ((copy = strdup(name)) == NULL)
		return MIRROR_ERR_NOMEM;
	l->items[l->len].name = copy;
	l->items[l->len].type = type;
	l->items[l->len].classified = classified;
	l->len++;
	return MIRROR_OK;
}

void
mirror_value_list_init(struct mirror_value_list *l)
{
	memset(l, 0, sizeof *l);
}

void
mirror_value_list_free(struct mirror_value_list *l)
{
	size_t i;

	for (i = 0; i < l->len; i++)
		free(l->items[i].value);
	free(l->items);
	mirror_value_list_init(l);
}

enum mirror_err
mirror_value_list_push(struct mirror_value_list *l, const char *value, bool pattern)
{
	void *items = l->items;
	char *copy;

	if (reserve(&items, &l->cap, l->len, sizeof *l->items) != MIRROR_OK)
		return MIRROR_ERR_NOMEM;
	l->items = items;
	if ((copy = strdup(value)) == NULL)
		return MIRROR_ERR_NOMEM;
	l->items[l->len].value = copy;
	l->items[l->len].pattern = pattern;
	l->len++;
	return MIRROR_OK;
}

int
mirror_strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}
