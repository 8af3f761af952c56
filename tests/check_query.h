/* Queries written as text, shared by the store suites. */
#ifndef MIRROR_CHECK_QUERY_H
#define MIRROR_CHECK_QUERY_H

#include "query.h"

/*
 * Initialises q with the NULL-terminated conditions, each as text:
 * "key=value" (string), "key:d=1.5" (double), "key:b=true" (boolean),
 * "key:set=a|b" (InSetValue, '|' separated). Free with mirror_query_free.
 */
void check_query_make(struct mirror_query *q, const char *const *conds);

#endif
