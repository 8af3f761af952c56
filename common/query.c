/* The query model: lifetime and small look-ups. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "query.h"

static const char *const field_type_names[MIRROR_FIELD_MAX] = {
	[MIRROR_FIELD_STRING] = "STRING",
	[MIRROR_FIELD_NUMBER] = "NUMBER",
	[MIRROR_FIELD_BOOLEAN] = "BOOLEAN",
};

const char *
mirror_field_type_name(enum mirror_field_type t)
{
	return (unsigned)t < MIRROR_FIELD_MAX ? field_type_names[t] : "STRING";
}

enum mirror_field_type
mirror_field_type_parse(const char *name)
{
	int t;

	for (t = 0; t < MIRROR_FIELD_MAX; t++)
		if (strcmp(field_type_names[t], name) == 0)
			return (enum mirror_field_type)t;
	return MIRROR_FIELD_MAX;
}

const struct mirror_condition *
mirror_query_condition(const struct mirror_query *q, const char *key)
{
	size_t i;

	for (i = 0; i < q->nconds; i++)
		if (strcmp(q->conds[i].key, key) == 0)
			return &q->conds[i];
	return NULL;
}

void
mirror_query_init(struct mirror_query *q)
{
	memset(q, 0, sizeof *q);
	q->limit = INT64_MAX;
	q->field.type = MIRROR_FIELD_STRING;
	q->agg = MIRROR_AGG_MAX;
	q->pushdown = true;
}

static void
condition_free(struct mirror_condition *c)
{
	size_t i;

	free(c->key);
	free(c->str);
	for (i = 0; i < c->set_len; i++)
		free(c->set[i]);
	free(c->set);
}

void
mirror_query_free(struct mirror_query *q)
{
	size_t i;

	for (i = 0; i < q->nconds; i++)
		condition_free(&q->conds[i]);
	free(q->conds);
	free(q->field.name);
	free(q->prefix);
	free(q->metric_field);
	if (q->details != NULL)
		json_object_put(q->details);
	mirror_query_init(q);
}
