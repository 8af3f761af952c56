/*
 * Conditions -> render targets (docs/GRAPHITE.md, "Which series"). The
 * condition "name" alone is a metric path, one render target per path of
 * an InSetValue; any other key is a tag, and then every condition, name
 * included, is one tag expression of seriesByTag(), which ANDs them.
 */
#include "config.h"

#include <string.h>

#include "json/json_out.h"
#include "graphite.h"

/* Ceiling on one target; a request's own limits stay far below it. */
#define TARGET_MAX ((size_t)16 << 20)

static bool
is_name(const struct mirror_condition *c)
{
	return strcmp(c->key, MIRROR_GRAPHITE_NAME) == 0;
}

static enum mirror_err
too_long(struct mirror_buf *b, struct mirror_error *err)
{
	return mirror_error_set(err, b->err == MIRROR_ERR_NOMEM ? MIRROR_ERR_NOMEM :
	    MIRROR_ERR_BAD_REQUEST, "the conditions make too long a Graphite target");
}

/* seriesByTag('e1','e2',...): every expression single-quoted, which
 * mirror_graphite_tag_expr makes safe. */
static enum mirror_err
by_tags(const struct mirror_query *q, struct mirror_buf *form,
	struct mirror_buf *what, struct mirror_error *err)
{
	size_t i;
	enum mirror_err e = MIRROR_OK;

	mirror_buf_adds(what, "seriesByTag(");
	for (i = 0; i < q->nconds && e == MIRROR_OK; i++) {
		if (i > 0)
			mirror_buf_addc(what, ',');
		mirror_buf_addc(what, '\'');
		e = mirror_graphite_tag_expr(what, &q->conds[i], err);
		mirror_buf_addc(what, '\'');
	}
	mirror_buf_addc(what, ')');
	if (e == MIRROR_OK && what->err != MIRROR_OK)
		return too_long(what, err);
	if (e == MIRROR_OK)
		mirror_http_form_add(form, "target", what->data);
	return e;
}

/* One value of the name condition as a target. */
static enum mirror_err
add_path(const char *path, struct mirror_buf *form, struct mirror_buf *what,
	 struct mirror_buf *tmp, struct mirror_error *err)
{
	enum mirror_err e;

	if (*path == '\0')
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "the name condition is empty: give a metric path");
	e = mirror_graphite_check_path(path, "the name condition", err);
	if (e != MIRROR_OK)
		return e;
	mirror_buf_reset(tmp);
	mirror_graphite_target_path(tmp, path);
	if (tmp->err != MIRROR_OK)
		return too_long(tmp, err);
	mirror_http_form_add(form, "target", tmp->data);
	if (what->len > 0)
		mirror_buf_adds(what, ", ");
	mirror_buf_adds(what, path);
	return MIRROR_OK;
}

static enum mirror_err
by_paths(const struct mirror_condition *c, struct mirror_buf *form,
	 struct mirror_buf *what, struct mirror_error *err)
{
	char num[MIRROR_DOUBLE_TEXT_MAX];
	struct mirror_buf tmp;
	size_t i;
	enum mirror_err e = MIRROR_OK;

	mirror_buf_init(&tmp, TARGET_MAX);
	if (c->type == MIRROR_VALUE_IN_SET && c->set_len == 0)
		e = mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "the InSetValue of condition \"name\" is empty");
	for (i = 0; c->type == MIRROR_VALUE_IN_SET && i < c->set_len &&
	    e == MIRROR_OK; i++)
		e = add_path(c->set[i], form, what, &tmp, err);
	if (c->type == MIRROR_VALUE_DOUBLE)
		mirror_json_double_text(c->num, num);
	if (c->type != MIRROR_VALUE_IN_SET)
		e = add_path(c->type == MIRROR_VALUE_STRING ? c->str :
		    c->type == MIRROR_VALUE_DOUBLE ? num :
		    c->boolean ? "true" : "false", form, what, &tmp, err);
	mirror_buf_free(&tmp);
	return e;
}

enum mirror_err
mirror_graphite_targets(const struct mirror_query *q, enum mirror_graphite_kind *kind,
			struct mirror_buf *form, struct mirror_buf *what,
			struct mirror_error *err)
{
	const struct mirror_condition *name = NULL;
	size_t i, nnames = 0;
	enum mirror_err e;

	*kind = MIRROR_GRAPHITE_KIND_NONE;
	for (i = 0; i < q->nconds; i++)
		if (is_name(&q->conds[i])) {
			name = &q->conds[i];
			nnames++;
		}
	if (q->nconds == 0)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST, "the conditions "
		    "name no series: give \"name\" (a metric path) or tag conditions");
	if (nnames < q->nconds) {
		*kind = MIRROR_GRAPHITE_KIND_TAGS;
		e = by_tags(q, form, what, err);
	} else if (nnames > 1) {
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST, "give one "
		    "\"name\" condition (an InSetValue for several paths)");
	} else {
		*kind = MIRROR_GRAPHITE_KIND_PATHS;
		e = by_paths(name, form, what, err);
	}
	if (e == MIRROR_OK && (form->err != MIRROR_OK || what->err != MIRROR_OK))
		return too_long(form->err != MIRROR_OK ? form : what, err);
	return e;
}

enum mirror_err
mirror_graphite_exprs(const struct mirror_query *q, const char *skip,
		      struct mirror_buf *params, size_t *n, struct mirror_error *err)
{
	struct mirror_buf expr;
	size_t i;
	enum mirror_err e = MIRROR_OK;

	*n = 0;
	mirror_buf_init(&expr, TARGET_MAX);
	for (i = 0; i < q->nconds && e == MIRROR_OK; i++) {
		if (skip != NULL && strcmp(q->conds[i].key, skip) == 0)
			continue;
		mirror_buf_reset(&expr);
		e = mirror_graphite_tag_expr(&expr, &q->conds[i], err);
		if (e == MIRROR_OK && expr.err != MIRROR_OK)
			e = too_long(&expr, err);
		if (e == MIRROR_OK) {
			mirror_http_form_add(params, "expr", expr.data);
			(*n)++;
		}
	}
	mirror_buf_free(&expr);
	return e == MIRROR_OK && params->err != MIRROR_OK ? too_long(params, err) : e;
}
