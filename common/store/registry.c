/*
 * The registry: the one list of the stores compiled in, and what follows
 * from it (choosing a store for a request, process-wide set-up, and each
 * worker's per-store state).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "mirror.h"
#include "store.h"

extern const struct mirror_store mirror_store_sample;
extern const struct mirror_store mirror_store_prometheus;
extern const struct mirror_store mirror_store_graphite;

/* One row per store. Order matters only for claims(): specific first. */
static const struct mirror_store *const stores[] = {
	&mirror_store_sample,
	&mirror_store_prometheus,
	&mirror_store_graphite,
};

#define NSTORES (sizeof stores / sizeof stores[0])

const struct mirror_store *const *
mirror_store_all(size_t *n)
{
	*n = NSTORES;
	return stores;
}

static size_t
index_of(const struct mirror_store *store)
{
	size_t i;

	for (i = 0; i < NSTORES && stores[i] != store; i++)
		;
	return i;
}

const struct mirror_store *
mirror_store_find(const char *name)
{
	size_t i;

	for (i = 0; i < NSTORES; i++)
		if (strcmp(stores[i]->name, name) == 0)
			return stores[i];
	return NULL;
}

void
mirror_store_names(char *out, size_t size)
{
	size_t i, used = 0;

	if (size > 0)
		out[0] = '\0';
	for (i = 0; i < NSTORES && used < size; i++) {
		int w = snprintf(out + used, size - used, "%s%s", i > 0 ? ", " : "",
		    stores[i]->name);

		used += w > 0 ? (size_t)w : 0;
	}
}

static const struct mirror_store *
claimant(struct json_object *details)
{
	size_t i;

	for (i = 0; details != NULL && i < NSTORES; i++)
		if (stores[i]->claims != NULL && stores[i]->claims(details))
			return stores[i];
	return NULL;
}

enum mirror_err
mirror_store_pick(const struct mirror_conf *conf, const struct mirror_query *q,
		  const struct mirror_store **out, struct mirror_error *err)
{
	const char *name = q->backend;
	char known[256];

	*out = NULL;
	if (name == NULL && (*out = claimant(q->details)) != NULL)
		return MIRROR_OK;
	if (name == NULL)
		name = conf->default_backend;
	*out = mirror_store_find(name);
	if (*out != NULL)
		return MIRROR_OK;
	mirror_store_names(known, sizeof known);
	return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
	    "connectionDetails.backend \"%.64s\" is not known; this mirror has: %s",
	    name, known);
}

enum mirror_err
mirror_global_init(void)
{
	size_t i;
	enum mirror_err e;

	mirror_alloc_tune();
	for (i = 0; i < NSTORES; i++) {
		if (stores[i]->global_init == NULL)
			continue;
		e = stores[i]->global_init();
		if (e != MIRROR_OK) {
			while (i-- > 0)
				if (stores[i]->global_cleanup != NULL)
					stores[i]->global_cleanup();
			return e;
		}
	}
	return MIRROR_OK;
}

void
mirror_global_cleanup(void)
{
	size_t i = NSTORES;

	while (i-- > 0)
		if (stores[i]->global_cleanup != NULL)
			stores[i]->global_cleanup();
}

struct mirror_store_states {
	void *state[NSTORES];
	bool made[NSTORES];
};

struct mirror_store_states *
mirror_store_states_new(void)
{
	return calloc(1, sizeof(struct mirror_store_states));
}

void
mirror_store_states_free(struct mirror_store_states *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < NSTORES; i++)
		if (s->made[i] && stores[i]->state_free != NULL)
			stores[i]->state_free(s->state[i]);
	free(s);
}

enum mirror_err
mirror_store_state(struct mirror_store_states *s, const struct mirror_store *store,
		   const struct mirror_conf *conf, void **state,
		   struct mirror_error *err)
{
	size_t i = index_of(store);
	enum mirror_err e;

	*state = NULL;
	if (i == NSTORES)
		return mirror_error_set(err, MIRROR_ERR_INTERNAL,
		    "store %s is not registered", store->name);
	if (!s->made[i] && store->state_new != NULL) {
		e = store->state_new(conf, &s->state[i]);
		if (e != MIRROR_OK)
			return mirror_error_set(err, e, "cannot prepare the %s store",
			    store->name);
	}
	s->made[i] = true;
	*state = s->state[i];
	return MIRROR_OK;
}
