/* The registry of compiled-in backends. */
#include "config.h"

#include <string.h>

#include "backend.h"

static const struct mirror_backend *const backends[] = {
	&mirror_backend_sample,
	&mirror_backend_prometheus,
};

const struct mirror_backend *
mirror_backend_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof backends / sizeof backends[0]; i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

const struct mirror_backend *const *
mirror_backend_all(size_t *n)
{
	*n = sizeof backends / sizeof backends[0];
	return backends;
}
