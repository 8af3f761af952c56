/*
 * Internals of the Graphite store (backend_graphite.c), one concern per
 * file so each can be tested without a store:
 *   graphite_details.c  connectionDetails of a graphite-web
 *   graphite_escape.c   literal names -> find patterns, render targets,
 *                       tag expressions (what Graphite can address)
 *   graphite_select.c   conditions -> render targets (one series)
 *   graphite_parse.c    graphite-web's JSON answers (the only json-c here)
 *   graphite_tree.c     field values of "name": the tree, level by level
 *   graphite_tags.c     field names and values from the tag database
 *   graphite_fetch.c    raw points of one series from /render
 * docs/GRAPHITE.md gives the mapping as users see it.
 */
#ifndef MIRROR_GRAPHITE_H
#define MIRROR_GRAPHITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "conf.h"
#include "error.h"
#include "lists.h"
#include "query.h"
#include "series.h"
#include "store/allow.h"
#include "store/call.h"
#include "store/http.h"

/* The field (and condition key) holding the metric path; in graphite-web's
 * tag database every tagged series also has the tag "name". */
#define MIRROR_GRAPHITE_NAME "name"

/* Carbon stores tagged series under this root of the tree (graphite-web
 * graphite/tags/utils.py, TaggedSeries.encode); they are reached by their
 * tags, not by browsing. */
#define MIRROR_GRAPHITE_TAGGED_ROOT "_tagged"

/* Series named in the error for conditions that select several. */
#define MIRROR_GRAPHITE_NAMED_MAX 8

/* --- graphite_details.c ------------------------------------------------ */

/* A graphite-web as connectionDetails describe it; strings borrowed from
 * q->details. */
struct mirror_graphite_target {
	char url[MIRROR_STORE_URL_MAX];  /* allowlisted base URL, no trailing '/' */
	int64_t timeout_ms;              /* the whole store call */
	struct mirror_http_auth auth;    /* username/password or none */
	size_t max_bytes;                /* ceiling on one answer */
	size_t group_min;                /* tag values above this are grouped */
};

/* Reads q->details into t, checking the URL against the allowlist last.
 * MIRROR_ERR_BAD_REQUEST (nothing contacted) when a key is malformed. */
enum mirror_err mirror_graphite_target_read(const struct mirror_conf *conf,
					    const struct mirror_query *q,
					    struct mirror_graphite_target *t,
					    struct mirror_error *err);

/* --- graphite_escape.c ------------------------------------------------- */

/*
 * Checks that name is a path Graphite can address literally: no '{', '}'
 * or '\' (graphite-web expands braces and drops backslashes before it
 * matches, graphite/finders/standard.py), no white space or control
 * characters (the target grammar ends a path there). MIRROR_ERR_BAD_REQUEST
 * naming what (e.g. "fieldValuePrefix") otherwise.
 */
enum mirror_err mirror_graphite_check_path(const char *name, const char *what,
					   struct mirror_error *err);

/* Appends the literal path name as a /metrics/find pattern matching only
 * itself: '*', '?' and '[' become one-character classes ("[*]"), which
 * fnmatch reads literally. name must pass mirror_graphite_check_path. */
void mirror_graphite_glob(struct mirror_buf *b, const char *name);

/* Appends the literal path name as a render target: glob characters as in
 * mirror_graphite_glob, and the target grammar's symbols ( ) , ' " | =
 * escaped with '\' (graphite/render/grammar_unsafe.py, escapedChar). */
void mirror_graphite_target_path(struct mirror_buf *b, const char *name);

/* Appends s with every ASCII punctuation character '\'-escaped: a Python
 * regular expression (re) matching s literally. */
void mirror_graphite_regex_escape(struct mirror_buf *b, const char *s);

/*
 * Appends the tag expression "key=value" of one condition; an InSetValue,
 * or a value Graphite would misread (one with a quote, a backslash, or a
 * leading '~'), becomes the anchored regular expression
 * "key=~^(?:v1|v2)$". MIRROR_ERR_BAD_REQUEST for what no tag expression
 * can say: a key with ; ! ^ = ~ ' " \ or a control character, a value with
 * ';' or a control character, an empty InSetValue.
 */
enum mirror_err mirror_graphite_tag_expr(struct mirror_buf *b,
					 const struct mirror_condition *c,
					 struct mirror_error *err);

/* --- graphite_select.c ------------------------------------------------- */

enum mirror_graphite_kind {
	MIRROR_GRAPHITE_KIND_NONE,   /* no condition names a series */
	MIRROR_GRAPHITE_KIND_PATHS,  /* name only: one target per path */
	MIRROR_GRAPHITE_KIND_TAGS,   /* tag conditions: seriesByTag(...) */
	MIRROR_GRAPHITE_KIND_MAX
};

/*
 * Appends the render targets of q's conditions to form (as target=...
 * parameters) and a readable form of the selection to what (for errors).
 * Conditions on name alone are paths; any other key makes the whole set
 * tag expressions. MIRROR_ERR_BAD_REQUEST for conditions that name no
 * series, two name conditions without tags, or what the escaping refuses.
 */
enum mirror_err mirror_graphite_targets(const struct mirror_query *q,
					enum mirror_graphite_kind *kind,
					struct mirror_buf *form, struct mirror_buf *what,
					struct mirror_error *err);

/*
 * Appends one expr=... parameter per condition of q, except those on the
 * field skip (NULL: none), for graphite-web's /tags/autoComplete calls.
 * *n receives how many were added.
 */
enum mirror_err mirror_graphite_exprs(const struct mirror_query *q, const char *skip,
				      struct mirror_buf *params, size_t *n,
				      struct mirror_error *err);

/* --- graphite_parse.c -------------------------------------------------- */

/* Calls each(id, leaf, ctx) for the nodes of a /metrics/find answer
 * (treejson). Garbage is MIRROR_ERR_STORE_CONNECT: the URL does not lead
 * to a graphite-web. */
enum mirror_err mirror_graphite_read_nodes(const struct mirror_http_resp *r,
					   enum mirror_err (*each)(const char *id, bool leaf,
								   void *ctx),
					   void *ctx, struct mirror_error *err);

/* Calls each(s, ctx) for the strings of a JSON array of strings (the
 * /tags/autoComplete answers); JSON null reads as an empty array. */
enum mirror_err mirror_graphite_read_strings(const struct mirror_http_resp *r,
					     enum mirror_err (*each)(const char *s,
								     void *ctx),
					     void *ctx, struct mirror_error *err);

/* What a /render answer held. */
struct mirror_graphite_render {
	size_t nseries;                             /* series in the answer */
	char *names[MIRROR_GRAPHITE_NAMED_MAX];     /* owned: the first targets */
};

void mirror_graphite_render_free(struct mirror_graphite_render *r);

/*
 * Reads a /render?format=json answer. The points of its first series with
 * lo <= t < hi (epoch ms) go to out, nulls left out (a missing point);
 * every series is counted and the first few named in rd. A point that is
 * not [number|null, integer seconds], or out of time order, is
 * MIRROR_ERR_STORE; garbage is MIRROR_ERR_STORE_CONNECT.
 */
enum mirror_err mirror_graphite_read_render(const struct mirror_http_resp *r,
					    int64_t lo, int64_t hi,
					    struct mirror_graphite_render *rd,
					    struct mirror_series *out,
					    struct mirror_error *err);

/* --- graphite_tree.c, graphite_tags.c, graphite_fetch.c ------------------ */

/* What one store call needs. */
struct mirror_graphite_job {
	struct mirror_store_call call;
	const struct mirror_graphite_target *t;
	const struct mirror_conf *conf;
	const struct mirror_query *q;
	struct mirror_error *err;
};

/*
 * Sends one request (GET, or POST with params as a form) and turns an HTTP
 * error into the mirror's: 400 and 500 (graphite-web refused or failed on
 * the request) are MIRROR_ERR_STORE with its message; any other status but
 * 200 means no working graphite-web at the URL (MIRROR_ERR_STORE_CONNECT).
 * *status (may be NULL) receives the HTTP status, 0 without an answer.
 */
enum mirror_err mirror_graphite_ask(const struct mirror_graphite_job *j, const char *path,
				    const char *params, bool post, long *status,
				    struct mirror_http_resp *resp);

/*
 * The children of the prefix's node: a branch is a FieldValuePattern
 * "<path>.*", a leaf a CompleteValue "<path>"; branches first, each part
 * in byte order, then q->offset skipped and q->limit kept.
 */
enum mirror_err mirror_graphite_tree(const struct mirror_graphite_job *j,
				     struct mirror_value_list *out);

/* "name", then the tags of the series the conditions select (all tags
 * without conditions); only "name" when graphite-web has no tag support. */
enum mirror_err mirror_graphite_tag_names(const struct mirror_graphite_job *j,
					  struct mirror_field_list *out);

/* The values of tag field (with the prefix) among the series the other
 * conditions select, grouped above the target's group_min. */
enum mirror_err mirror_graphite_tag_values(const struct mirror_graphite_job *j,
					   const char *field,
					   struct mirror_value_list *out);

/* Graphite's from/until (epoch seconds) for the points of [start_ms, end_ms):
 * whisper answers the steps after from up to until's step (whisper.py,
 * __archive_fetch), so from is one second before the first second in
 * range and until one before the first second after it. */
void mirror_graphite_window(int64_t start_ms, int64_t end_ms, int64_t *from,
			    int64_t *until);

/*
 * The points of the one series q's conditions select, over
 * [q->start_ms, q->end_ms): none is MIRROR_ERR_METRIC_NOT_FOUND, several
 * MIRROR_ERR_BAD_REQUEST naming them.
 */
enum mirror_err mirror_graphite_fetch(const struct mirror_graphite_job *j,
				      struct mirror_series *out);

#endif
