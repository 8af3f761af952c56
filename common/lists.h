/* Result lists of the field methods: field names and field values. */
#ifndef MIRROR_LISTS_H
#define MIRROR_LISTS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "query.h"

struct mirror_field_list {
	struct mirror_field *items;   /* owned, each name owned */
	size_t len;
	size_t cap;
	bool partial;                 /* the store or a limit cut the list */
};

/* A CompleteValue, or a FieldValuePattern when pattern is true. */
struct mirror_value_item {
	char *value;                  /* owned */
	bool pattern;
};

struct mirror_value_list {
	struct mirror_value_item *items;  /* owned */
	size_t len;
	size_t cap;
	bool partial;
};

void mirror_field_list_init(struct mirror_field_list *l);
void mirror_field_list_free(struct mirror_field_list *l);
/* Appends a copy of name. */
enum mirror_err mirror_field_list_push(struct mirror_field_list *l, const char *name,
				       enum mirror_field_type type, bool classified);

void mirror_value_list_init(struct mirror_value_list *l);
void mirror_value_list_free(struct mirror_value_list *l);
/* Appends a copy of value. */
enum mirror_err mirror_value_list_push(struct mirror_value_list *l, const char *value,
				       bool pattern);

/* qsort(3) comparator of an array of C strings (char *), by strcmp. */
int mirror_strcmp_ptr(const void *a, const void *b);

#endif
