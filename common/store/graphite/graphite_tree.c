/*
 * Field values of "name": Graphite's tree, one level at a time, with
 * /metrics/find?query=<prefix>* (graphite-web's metrics API). A branch is
 * offered as the FieldValuePattern "<path>.*" that StackState sends back
 * as fieldValuePrefix to go one level down; a leaf is a CompleteValue.
 * The prefix names a node, literally: its glob characters are escaped,
 * and only the one trailing '*' of a pattern sent back is dropped.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "graphite.h"
#include "store/group.h"

/* Ceiling on a pattern or query we build (prefixes are bounded by
 * MIRROR_MAX_STRING_BYTES long before this). */
#define PARAMS_MAX ((size_t)16 << 20)

/* The children found, before sorting and paging. */
struct level {
	const char *prefix;    /* literal, without the trailing '*' */
	size_t plen;
	size_t base;           /* length of prefix up to its last '.' */
	struct mirror_value_item *items;
	size_t len, cap, max;
};

static enum mirror_err
keep(struct level *lv, const char *name, size_t nlen, bool branch)
{
	struct mirror_value_item *p;
	char *v;

	if (lv->len == lv->max)
		return MIRROR_ERR_NOMEM;
	if (lv->len == lv->cap) {
		lv->cap = lv->cap ? lv->cap * 2 : 64;
		p = realloc(lv->items, lv->cap * sizeof *p);
		if (p == NULL)
			return MIRROR_ERR_NOMEM;
		lv->items = p;
	}
	v = malloc(lv->base + nlen + 3);
	if (v == NULL)
		return MIRROR_ERR_NOMEM;
	memcpy(v, lv->prefix, lv->base);
	memcpy(v + lv->base, name, nlen);
	memcpy(v + lv->base + nlen, branch ? ".*" : "", branch ? 3 : 1);
	lv->items[lv->len].value = v;
	lv->items[lv->len].pattern = branch;
	lv->len++;
	return MIRROR_OK;
}

/* One node of the answer. Its id ends with its name (treejson builds it
 * from the query's base path, which is escaped, so the name is taken and
 * put after the literal base). */
static enum mirror_err
on_node(const char *id, bool leaf, void *ctx)
{
	struct level *lv = ctx;
	const char *dot = strrchr(id, '.');
	const char *name = dot != NULL ? dot + 1 : id;
	size_t nlen = strlen(name);

	/* graphite-web's optional wildcard node, and carbon's store of
	 * tagged series at the root, are not children to list. */
	if (nlen == 0 || strcmp(name, "*") == 0 ||
	    (lv->base == 0 && strcmp(name, MIRROR_GRAPHITE_TAGGED_ROOT) == 0))
		return MIRROR_OK;
	if (lv->base + nlen < lv->plen ||
	    memcmp(lv->prefix + lv->base, name, lv->plen - lv->base) != 0)
		return MIRROR_OK;
	return keep(lv, name, nlen, !leaf);
}

/* Branches first, then leaves, each in byte order. */
static int
by_kind_and_value(const void *a, const void *b)
{
	const struct mirror_value_item *x = a, *y = b;

	if (x->pattern != y->pattern)
		return x->pattern ? -1 : 1;
	return strcmp(x->value, y->value);
}

static enum mirror_err
page(struct level *lv, int64_t offset, int64_t limit, struct mirror_value_list *out)
{
	size_t i;
	int64_t index = 0;
	enum mirror_err e = MIRROR_OK;

	if (lv->len > 1)
		qsort(lv->items, lv->len, sizeof *lv->items, by_kind_and_value);
	for (i = 0; i < lv->len && e == MIRROR_OK; i++) {
		if (i > 0 && by_kind_and_value(&lv->items[i - 1], &lv->items[i]) == 0)
			continue;
		if (index++ < offset)
			continue;
		if ((int64_t)out->len >= limit) {
			out->partial = true;
			break;
		}
		e = mirror_value_list_push(out, lv->items[i].value, lv->items[i].pattern);
	}
	return e;
}

static void
level_free(struct level *lv)
{
	size_t i;

	for (i = 0; i < lv->len; i++)
		free(lv->items[i].value);
	free(lv->items);
}

/* Asks for the children and collects them into lv. */
static enum mirror_err
ask_level(const struct mirror_graphite_job *j, struct level *lv)
{
	struct mirror_http_resp resp;
	struct mirror_buf pat, params;
	enum mirror_err e;

	mirror_buf_init(&pat, PARAMS_MAX);
	mirror_buf_init(&params, PARAMS_MAX);
	mirror_graphite_glob(&pat, lv->prefix);
	mirror_buf_addc(&pat, '*');
	mirror_http_form_add(&params, "format", "treejson");
	if (pat.err == MIRROR_OK)
		mirror_http_form_add(&params, "query", pat.data);
	if (pat.err != MIRROR_OK || params.err != MIRROR_OK)
		e = mirror_error_set(j->err, MIRROR_ERR_NOMEM, "out of memory");
	else
		e = mirror_graphite_ask(j, "/metrics/find", params.data, false, NULL,
		    &resp);
	if (e == MIRROR_OK)
		e = mirror_graphite_read_nodes(&resp, on_node, lv, j->err);
	if (e == MIRROR_ERR_NOMEM)
		mirror_error_set(j->err, e, "too many nodes (MIRROR_MAX_STORE_POINTS), "
		    "or out of memory");
	mirror_buf_free(&pat);
	mirror_buf_free(&params);
	return e;
}

enum mirror_err
mirror_graphite_tree(const struct mirror_graphite_job *j, struct mirror_value_list *out)
{
	const char *given = j->q->prefix != NULL ? j->q->prefix : "";
	struct level lv = {NULL, mirror_store_prefix_len(given), 0, NULL, 0, 0,
	    j->conf->max_store_points};
	char *prefix = strndup(given, lv.plen);
	const char *dot;
	enum mirror_err e;

	if (prefix == NULL)
		return mirror_error_set(j->err, MIRROR_ERR_NOMEM, "out of memory");
	lv.prefix = prefix;
	dot = strrchr(prefix, '.');
	lv.base = dot != NULL ? (size_t)(dot - prefix) + 1 : 0;
	e = mirror_graphite_check_path(prefix, "fieldValuePrefix", j->err);
	if (e == MIRROR_OK)
		e = ask_level(j, &lv);
	if (e == MIRROR_OK)
		e = page(&lv, j->q->offset, j->q->limit, out);
	if (e == MIRROR_ERR_NOMEM && j->err->code != e)
		mirror_error_set(j->err, e, "out of memory");
	level_free(&lv);
	free(prefix);
	return e;
}
