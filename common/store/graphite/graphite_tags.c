/*
 * Field names and tag values from graphite-web's tag database (1.1):
 * /tags/autoComplete/tags and /tags/autoComplete/values, narrowed by the
 * query's conditions as tag expressions. A graphite-web without tag
 * support answers 404: then "name" is the only field.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/group.h"
#include "graphite.h"

#define PARAMS_MAX ((size_t)16 << 20)

/* Asks an autoComplete path with params; *none is set (and nothing read)
 * when graphite-web has no tag database (404). */
static enum mirror_err
ask_tags(const struct mirror_graphite_job *j, const char *path, struct mirror_buf *params,
	 enum mirror_err (*each)(const char *s, void *ctx), void *ctx, bool *none)
{
	struct mirror_http_resp resp;
	long status = 0;
	enum mirror_err e;

	*none = false;
	if (params->err != MIRROR_OK)
		return mirror_error_set(j->err, MIRROR_ERR_NOMEM, "out of memory");
	e = mirror_graphite_ask(j, path, params->data != NULL ? params->data : "",
	    false, &status, &resp);
	if (e != MIRROR_OK && status == 404) {
		*none = true;
		mirror_error_clear(j->err);
		return MIRROR_OK;
	}
	return e != MIRROR_OK ? e : mirror_graphite_read_strings(&resp, each, ctx,
	    j->err);
}

static void
add_limit(struct mirror_buf *params, uint64_t limit)
{
	char num[24];

	snprintf(num, sizeof num, "%llu", (unsigned long long)limit);
	mirror_http_form_add(params, "limit", num);
}

/* Collects field names up to the query's limit. */
struct names {
	struct mirror_field_list *out;
	int64_t limit;
};

static enum mirror_err
add_name(const char *s, void *ctx)
{
	struct names *n = ctx;

	/* "name" is the first field already. */
	if (strcmp(s, MIRROR_GRAPHITE_NAME) == 0)
		return MIRROR_OK;
	if ((int64_t)n->out->len >= n->limit) {
		n->out->partial = true;
		return MIRROR_OK;
	}
	return mirror_field_list_push(n->out, s, MIRROR_FIELD_STRING, false);
}

enum mirror_err
mirror_graphite_tag_names(const struct mirror_graphite_job *j,
			  struct mirror_field_list *out)
{
	int64_t limit = j->q->limit;
	struct names n = {out, limit};
	struct mirror_buf params;
	size_t nexpr;
	bool none;
	enum mirror_err e;

	e = mirror_field_list_push(out, MIRROR_GRAPHITE_NAME, MIRROR_FIELD_STRING, false);
	if (e != MIRROR_OK)
		return mirror_error_set(j->err, e, "out of memory");
	mirror_buf_init(&params, PARAMS_MAX);
	e = mirror_graphite_exprs(j->q, NULL, &params, &nexpr, j->err);
	/* One more than fits tells whether the list was cut; one more again
	 * for "name", which the database lists among the tags. */
	if ((uint64_t)limit > j->conf->max_fields)
		limit = (int64_t)j->conf->max_fields;
	add_limit(&params, (uint64_t)limit + 2);
	if (e == MIRROR_OK)
		e = ask_tags(j, "/tags/autoComplete/tags", &params, add_name, &n, &none);
	if (e == MIRROR_ERR_NOMEM && j->err->code != e)
		mirror_error_set(j->err, e, "out of memory");
	mirror_buf_free(&params);
	return e;
}

/* tag, valuePrefix, limit and the other conditions' expressions. */
static enum mirror_err
value_params(const struct mirror_graphite_job *j, const char *field,
	     const struct mirror_store_values *v, struct mirror_buf *params)
{
	size_t nexpr;
	char *prefix = strndup(v->prefix, v->plen);
	enum mirror_err e;

	if (prefix == NULL)
		return mirror_error_set(j->err, MIRROR_ERR_NOMEM, "out of memory");
	e = mirror_graphite_exprs(j->q, field, params, &nexpr, j->err);
	mirror_http_form_add(params, "tag", field);
	if (*prefix != '\0')
		mirror_http_form_add(params, "valuePrefix", prefix);
	add_limit(params, v->max);
	free(prefix);
	return e;
}

enum mirror_err
mirror_graphite_tag_values(const struct mirror_graphite_job *j, const char *field,
			   struct mirror_value_list *out)
{
	struct mirror_store_values v;
	struct mirror_buf params;
	bool none = false;
	enum mirror_err e;

	mirror_store_values_init(&v, j->q->prefix, j->conf->max_store_points);
	mirror_buf_init(&params, PARAMS_MAX);
	e = value_params(j, field, &v, &params);
	if (e == MIRROR_OK)
		e = ask_tags(j, "/tags/autoComplete/values", &params,
		    mirror_store_values_add, &v, &none);
	if (e == MIRROR_OK && !none)
		e = mirror_store_group(v.items, v.len, v.plen, j->t->group_min,
		    j->q->offset, j->q->limit, out);
	/* As many as asked for: the database may have had more. */
	if (e == MIRROR_OK && v.len >= v.max)
		out->partial = true;
	if (e == MIRROR_ERR_NOMEM && j->err->code != e)
		mirror_error_set(j->err, e, "too many values (MIRROR_MAX_STORE_POINTS), "
		    "or out of memory");
	mirror_store_values_free(&v);
	mirror_buf_free(&params);
	return e;
}
