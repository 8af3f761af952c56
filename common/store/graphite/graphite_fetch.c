/*
 * The raw points of one series, from /render?format=json (graphite-web's
 * render API). Whisper keeps one value per step of an archive, stamped
 * with the step's start, and answers a fetch with the steps after `from`
 * up to the one holding `until` (whisper.py, __archive_fetch); from the
 * archives that cover the range it picks the finest, by the age of
 * `from`. A null is a step without a value. See docs/GRAPHITE.md.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "graphite.h"

#define PARAMS_MAX ((size_t)16 << 20)

/* The smallest integer >= a / b, for b > 0. */
static int64_t
ceil_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && a > 0) ? q + 1 : q;
}

void
mirror_graphite_window(int64_t start_ms, int64_t end_ms, int64_t *from, int64_t *until)
{
	/* Points stand at whole seconds t with start <= 1000 t < end. */
	*from = ceil_div(start_ms, 1000) - 1;
	*until = ceil_div(end_ms, 1000) - 1;
}

static void
add_seconds(struct mirror_buf *b, const char *name, int64_t s)
{
	char num[24];

	snprintf(num, sizeof num, "%lld", (long long)s);
	mirror_http_form_add(b, name, num);
}

/* The error for conditions that select several series. */
static enum mirror_err
several(const struct mirror_graphite_render *rd, struct mirror_error *err)
{
	char list[MIRROR_DETAILS_MAX] = "";
	size_t i, used = 0, n = rd->nseries < MIRROR_GRAPHITE_NAMED_MAX ?
	    rd->nseries : MIRROR_GRAPHITE_NAMED_MAX;

	for (i = 0; i < n && used + 4 < sizeof list; i++) {
		int w = snprintf(list + used, sizeof list - used, "%s%.120s",
		    i > 0 ? ", " : "", rd->names[i]);

		used += w > 0 ? (size_t)w : 0;
	}
	return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST, "the conditions select "
	    "%zu series: %s%s. Add conditions so that one remains", rd->nseries,
	    list, rd->nseries > n ? ", ..." : "");
}

static enum mirror_err
outcome(const struct mirror_graphite_job *j, const struct mirror_graphite_render *rd,
	const char *what)
{
	if (rd->nseries > 1)
		return several(rd, j->err);
	if (rd->nseries == 1)
		return MIRROR_OK;
	snprintf(j->err->metric, sizeof j->err->metric, "%s", what);
	return mirror_error_set(j->err, MIRROR_ERR_METRIC_NOT_FOUND, "no series "
	    "matches %.400s", what);
}

/* POST /render: targets (form) and the window, as graphite-web's render
 * API takes them; POST keeps long target lists out of the URL. */
static enum mirror_err
render(const struct mirror_graphite_job *j, struct mirror_buf *form, const char *what,
       int64_t from, int64_t until, struct mirror_series *out)
{
	struct mirror_graphite_render rd = {0};
	struct mirror_http_resp resp;
	enum mirror_err e;

	mirror_http_form_add(form, "format", "json");
	add_seconds(form, "from", from);
	add_seconds(form, "until", until);
	if (form->err != MIRROR_OK)
		return mirror_error_set(j->err, MIRROR_ERR_NOMEM, "out of memory");
	e = mirror_graphite_ask(j, "/render", form->data, true, NULL, &resp);
	if (e == MIRROR_OK)
		e = mirror_graphite_read_render(&resp, j->q->start_ms, j->q->end_ms,
		    &rd, out, j->err);
	if (e == MIRROR_OK)
		e = outcome(j, &rd, what);
	mirror_graphite_render_free(&rd);
	return e;
}

enum mirror_err
mirror_graphite_fetch(const struct mirror_graphite_job *j, struct mirror_series *out)
{
	enum mirror_graphite_kind kind;
	struct mirror_buf form, what;
	int64_t from, until;
	enum mirror_err e;

	mirror_buf_init(&form, PARAMS_MAX);
	mirror_buf_init(&what, PARAMS_MAX);
	mirror_graphite_window(j->q->start_ms, j->q->end_ms, &from, &until);
	e = mirror_graphite_targets(j->q, &kind, &form, &what, j->err);
	/* A range without a whole second holds no point and proves nothing,
	 * and graphite-web refuses from == until: nothing is asked. */
	if (e == MIRROR_OK && until > from)
		e = render(j, &form, what.data != NULL ? what.data : "", from, until, out);
	mirror_buf_free(&form);
	mirror_buf_free(&what);
	return e;
}
