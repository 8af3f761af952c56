/*
 * Conditions against the sample store's text values. The sample store
 * holds every field as text ("1.5", "true"); a DoubleValue matches the
 * text that reads back as the same double.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sample.h"

static bool
double_matches(double want, const char *s)
{
	char *end;
	double v;

	if (*s == '\0')
		return false;
	v = strtod(s, &end);
	return *end == '\0' && v == want;
}

bool
mirror_sample_condition_matches(const struct mirror_condition *c, const char *s)
{
	size_t i;

	switch (c->type) {
	case MIRROR_VALUE_STRING:
		return strcmp(c->str, s) == 0;
	case MIRROR_VALUE_DOUBLE:
		return double_matches(c->num, s);
	case MIRROR_VALUE_BOOLEAN:
		return strcmp(c->boolean ? "true" : "false", s) == 0;
	case MIRROR_VALUE_IN_SET:
		for (i = 0; i < c->set_len; i++)
			if (strcmp(c->set[i], s) == 0)
				return true;
		return false;
	default:
		return false;
	}
}
