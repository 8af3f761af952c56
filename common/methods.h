/*
 * The four methods of the mirror API, one row each: the router, the
 * parser, the answer writers and /metrics all read this table
 * (MIRROR-API.md, "The four methods").
 */
#ifndef MIRROR_METHODS_H
#define MIRROR_METHODS_H

#include <stdbool.h>

#include "query.h"

struct mirror_method_row {
	const char *path;           /* path tail; a prefix before it is allowed */
	const char *request_type;   /* envelope "_type" */
	const char *query_type;     /* query "_type", NULL when there is no query */
	const char *response_type;  /* "_type" of the answer */
	const char *label;          /* method="..." in /metrics */
};

/* The row of m; m == MIRROR_METHOD_MAX gives the row of other paths
 * (only its label is set). */
const struct mirror_method_row *mirror_method(enum mirror_method m);

/* The method whose path tail ends path; MIRROR_METHOD_MAX if none. */
enum mirror_method mirror_method_route(const char *path);

/* True when path ends with tail: routing looks only at a path's tail, so
 * the mirror answers under any prefix the web server mounts it at. */
bool mirror_path_ends_with(const char *path, const char *tail);

#endif
