/*
 * FieldValuePattern grouping, shared by the stores whose field values
 * come as one flat list (Prometheus label values, InfluxDB measurements).
 */
#ifndef MIRROR_STORE_GROUP_H
#define MIRROR_STORE_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "lists.h"

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
