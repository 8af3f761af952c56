/*
 * FieldValuePattern grouping, shared by the stores whose field values
 * come as one flat list (Prometheus label values, InfluxDB measurements,
 * Graphite tag values), and the collecting of such a list.
 */
#ifndef MIRROR_STORE_GROUP_H
#define MIRROR_STORE_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "lists.h"

/* The bytes of a fieldValuePrefix that count: a pattern sent back as the
 * prefix may still carry its trailing '*'. */
size_t mirror_store_prefix_len(const char *prefix);

/* The values of a store's answer that start with a prefix, each copied. */
struct mirror_store_values {
	const char *prefix;           /* borrowed */
	size_t plen;                  /* mirror_store_prefix_len(prefix) */
	char **items;
	size_t len, cap, max;         /* max: more is MIRROR_ERR_NOMEM */
};

/* prefix NULL is "". Free with mirror_store_values_free. */
void mirror_store_values_init(struct mirror_store_values *v, const char *prefix,
			      size_t max);

/* Keeps a copy of s when it starts with the prefix (values is a struct
 * mirror_store_values: the shape of the store readers' each() callbacks).
 * MIRROR_ERR_NOMEM past max values or out of memory. */
enum mirror_err mirror_store_values_add(const char *s, void *values);

void mirror_store_values_free(struct mirror_store_values *v);

/*
 * Turns the values (all starting with the same plen-byte prefix; any
 * order; the array is reordered in place) into the answer of a
 * field-values query. A value found several times (a tag's values over
 * several measurements) counts once. When more than group_min distinct
 * values remain (and group_min > 0), values sharing the prefix plus text
 * up to the next '.' or '_' become one FieldValuePattern "<shared>*";
 * then offset entries are skipped and at most limit kept, out->partial
 * telling whether entries were left.
 */
enum mirror_err mirror_store_group(char **values, size_t n, size_t plen,
				   size_t group_min, int64_t offset, int64_t limit,
				   struct mirror_value_list *out);

#endif
