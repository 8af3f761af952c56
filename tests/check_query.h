/* Queries for the unit suites, built from conditions written as text. */
#ifndef MIRROR_CHECK_QUERY_H
#define MIRROR_CHECK_QUERY_H

#include "query.h"

/*
 * Initialises q with the NULL-terminated conditions, each written
 * "key=value" (StringValue), "key:d=1.5" (DoubleValue), "key:b=true"
 * (BooleanValue) or "key:set=a|b" (InSetValue, '|' separated; "key:set="
 * is the empty set). Free with mirror_query_free.
 */
void check_make_query(struct mirror_query *q, const char *const *conds);

#endif
