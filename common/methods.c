/* The table of the four methods (methods.h). */
#include "config.h"

#include <string.h>

#include "methods.h"

static const struct mirror_method_row rows[MIRROR_METHOD_MAX + 1] = {
	[MIRROR_METHOD_CONNECTION] = {"/api/connection", "TestConnectionRequest",
	    NULL, "TestConnectionResponse", "connection"},
	[MIRROR_METHOD_FIELD_NAMES] = {"/api/field/name", "FieldNamesRequest",
	    "FieldNamesQuery", "FieldNamesResponse", "field_name"},
	[MIRROR_METHOD_FIELD_VALUES] = {"/api/field/value", "FieldValuesRequest",
	    "FieldValuesQuery", "FieldValuesResponse", "field_value"},
	[MIRROR_METHOD_METRIC] = {"/api/metric", "MetricsRequest",
	    "MetricsQuery", "MetricsResponse", "metric"},
	[MIRROR_METHOD_MAX] = {NULL, NULL, NULL, NULL, "other"},
};

const struct mirror_method_row *
mirror_method(enum mirror_method m)
{
	return &rows[(unsigned)m < MIRROR_METHOD_MAX ? m : MIRROR_METHOD_MAX];
}

bool
mirror_path_ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

enum mirror_method
mirror_method_route(const char *path)
{
	int m;

	for (m = 0; path != NULL && m < MIRROR_METHOD_MAX; m++)
		if (mirror_path_ends_with(path, rows[m].path))
			return (enum mirror_method)m;
	return MIRROR_METHOD_MAX;
}
