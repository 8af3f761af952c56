/*
 * Answers of the Prometheus HTTP API (prometheus.io/docs/prometheus/
 * latest/querying/api/), read as they stream in: {"status":"success",
 * "data":...,"warnings":[...]} or {"status":"error","errorType":...,
 * "error":...}. The events of common/json/stream.h drive a small state
 * machine that knows the few shapes of "data" (lists of strings, matrix,
 * vector); samples go straight into the points array, and nothing else
 * of the answer is kept but its first bytes (for an error message), its
 * status and error strings, and the labels of the first
 * MIRROR_PROM_SERIES_KEPT series.
 *
 * Faults found on the way are ranked and only the strongest is reported
 * once the answer ends, so an answer gets the error it got when it was
 * parsed whole: not the API's JSON (502), then the store's own error,
 * then a wrong "data" shape, then series without labels, then several
 * series (400), then the first malformed sample. Reading stops early only
 * once nothing later could change the outcome that matters: at a syntax
 * error, at the points ceiling (a partial answer), past the kept series
 * (the 400), or when the caller's list refuses more. An answer that
 * repeats a member this reader uses (two "status", two "data", two
 * "result", ...) is not taken for the API's JSON.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/stream.h"
#include "prom.h"

/* Prometheus answers nest five levels deep; leave room for others. */
#define ANSWER_DEPTH 32
/* Longest string or number of an answer: label values, error messages. */
#define ANSWER_TOKEN ((size_t)1 << 20)
/* Bytes of an answer quoted when it is not the API's JSON. */
#define HEAD_BYTES 80
/* Containers the reader tracks; deeper ones are skipped whole. */
#define TRACK_DEPTH 8
#define ETYPE_BYTES 32
#define MESSAGE_BYTES 400
#define RTYPE_BYTES 32

/* The containers the reader knows. */
enum box {
	B_ROOT, B_DATA, B_LIST, B_RESULT, B_SERIES, B_METRIC, B_VALUES, B_PAIR,
};

/* What the next value is, from its key or its container. */
enum slot {
	S_ROOT, S_SKIP, S_STATUS, S_ETYPE, S_ERROR, S_DATA, S_RTYPE, S_RESULT,
	S_ITEM, S_SERIES, S_METRIC, S_VALUES, S_PAIR, S_LABEL, S_TIME, S_VALUE,
	S_EXTRA,
};

/* Faults by rank, strongest first; the answer gets the first one set. */
enum fault {
	F_NONE,
	F_NOT_API,     /* not the API's JSON: 502 */
	F_TOO_LONG,    /* JSON with a string above ANSWER_TOKEN bytes */
	F_STORE,       /* status is not success, or no data */
	F_SHAPE,       /* data of the wrong shape */
	F_ITEM,        /* a list holds something other than strings */
	F_LABELS,      /* a series without (well-formed) labels */
	F_SEVERAL,     /* more than one series */
	F_SAMPLE,      /* a malformed sample */
	F_ORDER,       /* samples not in time order */
	F_MAX
};

/* Members read once; a second one means the answer is not the API's. */
enum member {
	M_STATUS = 1, M_DATA = 2, M_ETYPE = 4, M_ERROR = 8, M_RTYPE = 16,
	M_RESULT = 32, M_METRIC = 64, M_VALUES = 128,
};

struct frame {
	enum box box;
	unsigned members;     /* enum member bits seen in this object */
	size_t index;         /* elements so far (arrays) */
};

struct mirror_prom_reader {
	struct mirror_prom_want w;
	struct mirror_json_stream *js;
	struct mirror_error err;         /* a failure of the reader itself */
	enum mirror_err fatal;           /* NOMEM, or the caller's list refused */
	bool faults[F_MAX];
	enum fault sample_fault;         /* F_SAMPLE or F_ORDER, the first */
	char head[HEAD_BYTES + 1];
	uint64_t bytes;
	struct frame stack[TRACK_DEPTH];
	int top;                         /* frames in use */
	int skip;                        /* > 0: inside a skipped container */
	enum slot next;                  /* slot of the next value in an object */
	bool have_status, success, data_seen;
	bool keep;                       /* storing(), kept up to date by settle() */
	char etype[ETYPE_BYTES + 1], message[MESSAGE_BYTES + 1];
	bool have_etype, have_message;
	char rtype[RTYPE_BYTES + 1];
	bool have_rtype, rtype_ok, result_ok;
	size_t nseries;                  /* elements of result */
	struct mirror_prom_labels *sets[MIRROR_PROM_SERIES_KEPT];
	bool has_metric;                 /* the current series has labels */
	bool pair_bad;
	int64_t t;
	double v;
};

static const char *const shape_names[] = {
	[MIRROR_PROM_SHAPE_MATRIX] = "matrix",
	[MIRROR_PROM_SHAPE_VECTOR] = "vector",
};

/* --- small helpers ---------------------------------------------------------- */

/* Whether samples are still worth storing: nothing known so far makes
 * the answer an error. Recomputed whenever one of these changes. */
static void
settle(struct mirror_prom_reader *r)
{
	r->keep = r->w.out != NULL && r->nseries <= 1 &&
	    !r->faults[F_SEVERAL] && r->sample_fault == F_NONE &&
	    !(r->have_status && !r->success) && !(r->have_rtype && !r->rtype_ok);
}

static void
fault(struct mirror_prom_reader *r, enum fault f)
{
	r->faults[f] = true;
	if ((f == F_SAMPLE || f == F_ORDER) && r->sample_fault == F_NONE)
		r->sample_fault = f;
	settle(r);
}

static void
copy_prefix(char *dst, size_t max, const char *s, size_t n)
{
	if (n > max)
		n = max;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static bool
is_begin(const struct mirror_json_event *ev)
{
	return ev->type == MIRROR_JSON_OBJECT_BEGIN || ev->type == MIRROR_JSON_ARRAY_BEGIN;
}

/* The value of ev is not wanted: a container's events are skipped whole. */
static enum mirror_err
skip(struct mirror_prom_reader *r, const struct mirror_json_event *ev)
{
	if (is_begin(ev))
		r->skip = 1;
	return MIRROR_OK;
}

/* The known boxes nest at most six deep (root, data, result, series,
 * values, pair), within TRACK_DEPTH. */
static enum mirror_err
enter(struct mirror_prom_reader *r, enum box box)
{
	struct frame *f = &r->stack[r->top++];

	f->box = box;
	f->members = 0;
	f->index = 0;
	return MIRROR_OK;
}

static bool
storing(const struct mirror_prom_reader *r)
{
	return r->keep && !r->w.out->truncated;
}

/* Whether the outcome no longer depends on what follows (but syntax). */
static bool
settled(const struct mirror_prom_reader *r)
{
	return r->have_status && r->success && r->have_rtype && r->rtype_ok;
}

static void
stop(struct mirror_prom_reader *r)
{
	mirror_json_stream_stop(r->js);
}

static enum mirror_err
not_api(struct mirror_prom_reader *r)
{
	fault(r, F_NOT_API);
	stop(r);
	return MIRROR_OK;
}

/* --- samples ----------------------------------------------------------------- */

static enum mirror_err
pair_value(struct mirror_prom_reader *r, enum slot slot,
	   const struct mirror_json_event *ev)
{
	if (slot == S_TIME && ev->type == MIRROR_JSON_NUMBER &&
	    mirror_prom_time(ev->text, ev->len, &r->t))
		return MIRROR_OK;
	if (slot == S_VALUE && ev->type == MIRROR_JSON_STRING &&
	    mirror_prom_value(ev->text, ev->len, &r->v))
		return MIRROR_OK;
	r->pair_bad = true;
	return skip(r, ev);
}

/* A complete [t, "v"]: kept when lo <= t < hi. */
static enum mirror_err
pair_end(struct mirror_prom_reader *r, const struct frame *f)
{
	struct mirror_series *out = r->w.out;

	/* Past the ceiling nothing is checked: the answer is partial. */
	if (out == NULL || out->truncated)
		return MIRROR_OK;
	if (r->pair_bad || f->index != 2) {
		fault(r, F_SAMPLE);
		return MIRROR_OK;
	}
	if (!storing(r) || r->t < r->w.lo || r->t >= r->w.hi)
		return MIRROR_OK;
	if (out->len > 0 && r->t <= out->pts[out->len - 1].t) {
		fault(r, F_ORDER);
		return MIRROR_OK;
	}
	if (out->len < out->cap) {   /* mirror_series_push without the call */
		out->pts[out->len].t = r->t;
		out->pts[out->len++].v = r->v;
	} else if (mirror_series_push(out, r->t, r->v) != MIRROR_OK) {
		return mirror_error_set(&r->err, MIRROR_ERR_NOMEM, "out of memory");
	}
	if (out->truncated && settled(r))
		stop(r);
	return MIRROR_OK;
}

/* --- series and their labels ---------------------------------------------------- */

static enum mirror_err
series_begin(struct mirror_prom_reader *r, const struct mirror_json_event *ev)
{
	size_t i = r->nseries++;

	settle(r);
	if (i >= MIRROR_PROM_SERIES_KEPT) {
		/* The first kept series decide: the 400 (or their own fault). */
		if (settled(r))
			stop(r);
		return skip(r, ev);
	}
	if (i == 1)
		fault(r, F_SEVERAL);
	if (ev->type != MIRROR_JSON_OBJECT_BEGIN) {
		fault(r, F_LABELS);
		return skip(r, ev);
	}
	r->has_metric = false;
	return enter(r, B_SERIES);
}

static enum mirror_err
metric_begin(struct mirror_prom_reader *r, const struct mirror_json_event *ev)
{
	size_t i = r->nseries - 1;
	enum mirror_err e;

	if (ev->type != MIRROR_JSON_OBJECT_BEGIN)
		return skip(r, ev);
	if (r->sets[i] == NULL && (e = mirror_prom_labels_new(&r->sets[i])) != MIRROR_OK)
		return mirror_error_set(&r->err, e, "out of memory");
	mirror_prom_labels_reset(r->sets[i]);
	return enter(r, B_METRIC);
}

static enum mirror_err
metric_end(struct mirror_prom_reader *r)
{
	size_t i = r->nseries - 1;
	struct mirror_prom_labels *l = r->sets[i];
	const struct mirror_prom_seen *seen = r->w.seen;

	if (mirror_prom_labels_finish(l) != MIRROR_OK)
		return mirror_error_set(&r->err, MIRROR_ERR_NOMEM, "out of memory");
	if (mirror_prom_labels_bad(l))
		return MIRROR_OK;
	r->has_metric = true;
	if (i == 0 && seen != NULL && seen->labels != NULL &&
	    !mirror_prom_labels_equal(seen->labels, l))
		fault(r, F_SEVERAL);
	return MIRROR_OK;
}

static enum mirror_err
label_value(struct mirror_prom_reader *r, const struct mirror_json_event *ev)
{
	struct mirror_prom_labels *l = r->sets[r->nseries - 1];

	if (ev->type != MIRROR_JSON_STRING) {
		mirror_prom_labels_spoil(l);
		return skip(r, ev);
	}
	if (mirror_prom_labels_value(l, ev->text, ev->len) != MIRROR_OK)
		return mirror_error_set(&r->err, MIRROR_ERR_NOMEM, "out of memory");
	return MIRROR_OK;
}

/* --- "data" ------------------------------------------------------------------------ */

static enum mirror_err
data_begin(struct mirror_prom_reader *r, const struct mirror_json_event *ev)
{
	enum mirror_prom_shape shape = r->w.shape;

	r->data_seen = ev->type != MIRROR_JSON_NULL;
	if (shape == MIRROR_PROM_SHAPE_STRINGS) {
		if (ev->type == MIRROR_JSON_ARRAY_BEGIN)
			return enter(r, B_LIST);
		fault(r, F_SHAPE);
	} else if (shape == MIRROR_PROM_SHAPE_MATRIX || shape == MIRROR_PROM_SHAPE_VECTOR) {
		if (ev->type == MIRROR_JSON_OBJECT_BEGIN)
			return enter(r, B_DATA);
		fault(r, F_SHAPE);
	} else if (shape == MIRROR_PROM_SHAPE_OBJECT || shape == MIRROR_PROM_SHAPE_ARRAY) {
		if (ev->type != (shape == MIRROR_PROM_SHAPE_OBJECT ?
		    MIRROR_JSON_OBJECT_BEGIN : MIRROR_JSON_ARRAY_BEGIN))
			fault(r, F_SHAPE);
	}
	return skip(r, ev);
}

static enum mirror_err
list_item(struct mirror_prom_reader *r, const struct mirror_json_event *ev)
{
	enum mirror_err e;

	if (ev->type != MIRROR_JSON_STRING) {
		fault(r, F_ITEM);
		return skip(r, ev);
	}
	if (r->faults[F_ITEM] || (r->have_status && !r->success) || r->w.each == NULL)
		return MIRROR_OK;
	e = r->w.each(ev->text, r->w.ctx);
	if (e != MIRROR_OK) {
		mirror_error_set(&r->err, e, "out of memory");
		r->fatal = e;
		stop(r);
	}
	return MIRROR_OK;
}

static enum mirror_err
rtype_value(struct mirror_prom_reader *r, const struct mirror_json_event *ev)
{
	if (ev->type != MIRROR_JSON_STRING)
		return skip(r, ev);
	r->have_rtype = true;
	copy_prefix(r->rtype, RTYPE_BYTES, ev->text, ev->len);
	r->rtype_ok = strcmp(ev->text, shape_names[r->w.shape]) == 0 &&
	    ev->len == strlen(ev->text);
	settle(r);
	return MIRROR_OK;
}

static enum mirror_err
result_begin(struct mirror_prom_reader *r, const struct mirror_json_event *ev)
{
	if (ev->type != MIRROR_JSON_ARRAY_BEGIN)
		return skip(r, ev);
	r->result_ok = true;
	return enter(r, B_RESULT);
}

/* --- the top level ------------------------------------------------------------------ */

static enum mirror_err
status_value(struct mirror_prom_reader *r, const struct mirror_json_event *ev)
{
	if (ev->type != MIRROR_JSON_STRING)
		return not_api(r);
	r->have_status = true;
	r->success = ev->len == 7 && memcmp(ev->text, "success", 7) == 0;
	settle(r);
	/* Without errorType, the message names the status. */
	if (!r->have_etype)
		copy_prefix(r->etype, ETYPE_BYTES, ev->text, ev->len);
	return MIRROR_OK;
}

static enum mirror_err
error_text(struct mirror_prom_reader *r, const struct mirror_json_event *ev,
	   bool type)
{
	if (ev->type != MIRROR_JSON_STRING)
		return skip(r, ev);
	if (type) {
		r->have_etype = true;
		copy_prefix(r->etype, ETYPE_BYTES, ev->text, ev->len);
	} else {
		r->have_message = true;
		copy_prefix(r->message, MESSAGE_BYTES, ev->text, ev->len);
	}
	return MIRROR_OK;
}

/* --- dispatch ------------------------------------------------------------------------ */

static const struct key_row {
	enum box box;
	const char *key;
	enum slot slot;
	unsigned member;
} key_rows[] = {
	{B_ROOT, "status", S_STATUS, M_STATUS},
	{B_ROOT, "data", S_DATA, M_DATA},
	{B_ROOT, "errorType", S_ETYPE, M_ETYPE},
	{B_ROOT, "error", S_ERROR, M_ERROR},
	{B_DATA, "resultType", S_RTYPE, M_RTYPE},
	{B_DATA, "result", S_RESULT, M_RESULT},
	{B_SERIES, "metric", S_METRIC, M_METRIC},
};

/* The slot of a series' samples: "values" of a matrix, "value" of a vector. */
static enum slot
samples_slot(const struct mirror_prom_reader *r, const struct mirror_json_event *ev,
	     struct frame *f)
{
	bool matrix = r->w.shape == MIRROR_PROM_SHAPE_MATRIX;

	if (strcmp(ev->text, matrix ? "values" : "value") != 0)
		return S_SKIP;
	if (f->members & M_VALUES)
		return S_ROOT;   /* a repeated member */
	f->members |= M_VALUES;
	if (r->nseries != 1 || !storing(r))
		return S_SKIP;
	return matrix ? S_VALUES : S_PAIR;
}

static enum mirror_err
on_key(struct mirror_prom_reader *r, const struct mirror_json_event *ev)
{
	struct frame *f = &r->stack[r->top - 1];
	size_t i;

	if (f->box == B_METRIC) {
		r->next = S_LABEL;
		if (mirror_prom_labels_name(r->sets[r->nseries - 1], ev->text,
		    ev->len) != MIRROR_OK)
			return mirror_error_set(&r->err, MIRROR_ERR_NOMEM, "out of memory");
		return MIRROR_OK;
	}
	r->next = S_SKIP;
	if (f->box == B_SERIES && (r->next = samples_slot(r, ev, f)) == S_ROOT)
		return not_api(r);
	for (i = 0; i < sizeof key_rows / sizeof key_rows[0]; i++) {
		const struct key_row *k = &key_rows[i];

		if (k->box != f->box || strcmp(k->key, ev->text) != 0)
			continue;
		if (f->members & k->member)
			return not_api(r);
		f->members |= k->member;
		r->next = k->slot;
	}
	return MIRROR_OK;
}

/* The slot of the next value: from the key in objects, by place in arrays. */
static enum slot
slot_of(struct mirror_prom_reader *r)
{
	struct frame *f;

	if (r->top == 0)
		return S_ROOT;
	f = &r->stack[r->top - 1];
	switch (f->box) {
	case B_LIST: return S_ITEM;
	case B_RESULT: return S_SERIES;
	case B_VALUES: return S_PAIR;
	case B_PAIR: return f->index == 0 ? S_TIME : f->index == 1 ? S_VALUE : S_EXTRA;
	default: return r->next;
	}
}

static enum mirror_err
value(struct mirror_prom_reader *r, enum slot slot, const struct mirror_json_event *ev)
{
	switch (slot) {
	case S_ROOT:
		return ev->type == MIRROR_JSON_OBJECT_BEGIN ? enter(r, B_ROOT) : not_api(r);
	case S_STATUS: return status_value(r, ev);
	case S_ETYPE: return error_text(r, ev, true);
	case S_ERROR: return error_text(r, ev, false);
	case S_DATA: return data_begin(r, ev);
	case S_RTYPE: return rtype_value(r, ev);
	case S_RESULT: return result_begin(r, ev);
	case S_ITEM: return list_item(r, ev);
	case S_SERIES: return series_begin(r, ev);
	case S_METRIC: return metric_begin(r, ev);
	case S_LABEL: return label_value(r, ev);
	case S_VALUES:
		return ev->type == MIRROR_JSON_ARRAY_BEGIN ? enter(r, B_VALUES) : skip(r, ev);
	case S_PAIR:
		if (ev->type != MIRROR_JSON_ARRAY_BEGIN) {
			fault(r, F_SAMPLE);
			return skip(r, ev);
		}
		r->pair_bad = false;
		return enter(r, B_PAIR);
	case S_TIME: case S_VALUE: return pair_value(r, slot, ev);
	case S_EXTRA: r->pair_bad = true; return skip(r, ev);
	default: return skip(r, ev);
	}
}

static enum mirror_err
leave(struct mirror_prom_reader *r)
{
	struct frame *f = &r->stack[--r->top];

	switch (f->box) {
	case B_PAIR: return pair_end(r, f);
	case B_METRIC: return metric_end(r);
	case B_SERIES:
		if (!r->has_metric)
			fault(r, F_LABELS);
		return MIRROR_OK;
	default: return MIRROR_OK;
	}
}

static bool
is_array(enum box b)
{
	return b == B_LIST || b == B_RESULT || b == B_VALUES || b == B_PAIR;
}

/* The events of a matrix's samples, most of any answer: [ t "v" ] of
 * B_VALUES, the same as the general path below, with fewer steps. */
static bool
sample_event(struct mirror_prom_reader *r, const struct mirror_json_event *ev,
	     enum mirror_err *e)
{
	struct frame *f = &r->stack[r->top - 1];

	if (f->box == B_PAIR && f->index < 2 &&
	    (ev->type == MIRROR_JSON_NUMBER || ev->type == MIRROR_JSON_STRING)) {
		*e = pair_value(r, f->index++ == 0 ? S_TIME : S_VALUE, ev);
		return true;
	}
	if (f->box == B_PAIR && ev->type == MIRROR_JSON_ARRAY_END) {
		r->top--;
		*e = pair_end(r, f);
		return true;
	}
	if (f->box == B_VALUES && ev->type == MIRROR_JSON_ARRAY_BEGIN) {
		f->index++;
		r->pair_bad = false;
		*e = enter(r, B_PAIR);
		return true;
	}
	return false;
}

/* Every event but the samples'. Kept out of on_event, which stays small
 * for the millions of those. */
__attribute__((noinline)) static enum mirror_err
any_event(struct mirror_prom_reader *r, const struct mirror_json_event *ev)
{
	enum mirror_err e;
	enum slot slot;

	if (r->skip > 0) {
		if (is_begin(ev))
			r->skip++;
		else if (ev->type == MIRROR_JSON_OBJECT_END || ev->type == MIRROR_JSON_ARRAY_END)
			r->skip--;
		return MIRROR_OK;
	}
	if (ev->type == MIRROR_JSON_KEY) {
		e = on_key(r, ev);
	} else if (ev->type == MIRROR_JSON_OBJECT_END || ev->type == MIRROR_JSON_ARRAY_END) {
		e = leave(r);
	} else {
		slot = slot_of(r);
		if (r->top > 0 && is_array(r->stack[r->top - 1].box))
			r->stack[r->top - 1].index++;
		e = value(r, slot, ev);
	}
	return e;
}

static enum mirror_err
on_event(void *ctx, const struct mirror_json_event *ev, struct mirror_error *err)
{
	struct mirror_prom_reader *r = ctx;
	enum mirror_err e;

	(void)err;
	if (r->skip != 0 || r->top < 2 || !sample_event(r, ev, &e))
		e = any_event(r, ev);
	/* The reader's own failures end the answer; they are reported by
	 * mirror_prom_reader_end, with r->err's details. */
	if (e != MIRROR_OK) {
		r->fatal = e;
		stop(r);
	}
	return MIRROR_OK;
}

/* --- the reader --------------------------------------------------------------------- */

enum mirror_err
mirror_prom_reader_new(const struct mirror_prom_want *w, struct mirror_prom_reader **out)
{
	struct mirror_prom_reader *r = calloc(1, sizeof *r);
	struct mirror_json_stream_conf conf = {
		.max_depth = ANSWER_DEPTH, .max_token = ANSWER_TOKEN,
		.invalid = MIRROR_ERR_STORE_CONNECT, .handler = on_event,
	};
	enum mirror_err e;

	*out = NULL;
	if (r == NULL)
		return MIRROR_ERR_NOMEM;
	if (w->shape >= MIRROR_PROM_SHAPE_MAX) {
		free(r);
		return MIRROR_ERR_INTERNAL;
	}
	r->w = *w;
	settle(r);
	conf.ctx = r;
	e = mirror_json_stream_new(&conf, &r->js);
	if (e != MIRROR_OK) {
		free(r);
		return e;
	}
	*out = r;
	return MIRROR_OK;
}

void
mirror_prom_reader_free(struct mirror_prom_reader *r)
{
	size_t i;

	if (r == NULL)
		return;
	mirror_json_stream_free(r->js);
	for (i = 0; i < MIRROR_PROM_SERIES_KEPT; i++)
		mirror_prom_labels_free(r->sets[i]);
	free(r);
}

/* The tokenizer failed: invalid JSON is a fault, anything else fatal. */
static void
tokenizer_failed(struct mirror_prom_reader *r, enum mirror_err e,
		 const struct mirror_error *jerr)
{
	const char *why = mirror_json_stream_why(r->js);

	if (why != NULL) {
		fault(r, strcmp(why, MIRROR_JSON_TOO_LONG) == 0 ? F_TOO_LONG : F_NOT_API);
	} else if (r->fatal == MIRROR_OK) {
		r->fatal = e;
		r->err = *jerr;
	}
}

enum mirror_err
mirror_prom_reader_feed(void *reader, const char *p, size_t n, bool *enough)
{
	struct mirror_prom_reader *r = reader;
	struct mirror_error jerr;
	enum mirror_err e;

	if (r->bytes < HEAD_BYTES) {
		size_t k = n < HEAD_BYTES - r->bytes ? n : HEAD_BYTES - (size_t)r->bytes;

		memcpy(r->head + r->bytes, p, k);
		r->head[r->bytes + k] = '\0';
	}
	r->bytes += n;
	e = mirror_json_stream_feed(r->js, p, n, &jerr);
	if (e != MIRROR_OK)
		tokenizer_failed(r, e, &jerr);
	/* Past a fault, read on only for the bytes the message quotes. */
	*enough = (e != MIRROR_OK || mirror_json_stream_stopped(r->js)) &&
	    (r->bytes >= HEAD_BYTES || !r->faults[F_NOT_API]);
	return MIRROR_OK;
}

static enum mirror_err
not_prometheus(const struct mirror_prom_reader *r, long status, const char *ctype,
	       struct mirror_error *err)
{
	return mirror_error_set(err, MIRROR_ERR_STORE_CONNECT,
	    "the store's answer (HTTP %ld, %.64s) is not Prometheus API JSON: "
	    "%.80s", status, ctype != NULL ? ctype : "no content type",
	    r->bytes > 0 ? r->head : "an empty body");
}

static enum mirror_err
store_error(const struct mirror_prom_reader *r, long status, struct mirror_error *err)
{
	mirror_error_set(err, MIRROR_ERR_STORE, "Prometheus answered HTTP %ld "
	    "(%.32s): %.400s", status, r->etype,
	    r->have_message ? r->message : "no error message");
	return MIRROR_ERR_STORE;
}

/* A matrix or vector with series: one, the same as earlier chunks had. */
static enum mirror_err
one_series(struct mirror_prom_reader *r, struct mirror_error *err)
{
	const char *name = shape_names[r->w.shape];
	const struct mirror_prom_labels *sets[MIRROR_PROM_SERIES_KEPT + 1];
	struct mirror_prom_seen *seen = r->w.seen;
	size_t k = 0, i, m = r->nseries < MIRROR_PROM_SERIES_KEPT ?
	    r->nseries : MIRROR_PROM_SERIES_KEPT;

	if (r->faults[F_LABELS])
		return mirror_error_set(err, MIRROR_ERR_STORE,
		    "the store's %s has a series without labels", name);
	if (r->faults[F_SEVERAL]) {
		if (seen != NULL && seen->labels != NULL)
			sets[k++] = seen->labels;
		for (i = 0; i < m; i++)
			sets[k++] = r->sets[i];
		return mirror_prom_several(sets, k, err);
	}
	if (r->sample_fault != F_NONE)
		return mirror_error_set(err, MIRROR_ERR_STORE, r->sample_fault == F_ORDER ?
		    "the store's samples are not in time order" :
		    "the store's %s holds a malformed sample", name);
	if (seen == NULL)
		return MIRROR_OK;
	seen->nseries = 1;
	if (seen->labels == NULL &&
	    (mirror_prom_labels_new(&seen->labels) != MIRROR_OK ||
	    mirror_prom_labels_copy(seen->labels, r->sets[0]) != MIRROR_OK))
		return mirror_error_set(err, MIRROR_ERR_NOMEM, "out of memory");
	return MIRROR_OK;
}

/* The answer's data against the shape asked for. */
static enum mirror_err
shape_verdict(struct mirror_prom_reader *r, struct mirror_error *err)
{
	switch (r->w.shape) {
	case MIRROR_PROM_SHAPE_STRINGS:
		if (r->faults[F_SHAPE])
			return mirror_error_set(err, MIRROR_ERR_STORE,
			    "the store's answer has no list where one was expected");
		if (r->faults[F_ITEM])
			return mirror_error_set(err, MIRROR_ERR_STORE,
			    "the store's list holds something other than strings");
		return MIRROR_OK;
	case MIRROR_PROM_SHAPE_OBJECT:
	case MIRROR_PROM_SHAPE_ARRAY:
		return !r->faults[F_SHAPE] ? MIRROR_OK :
		    mirror_error_set(err, MIRROR_ERR_STORE_CONNECT, "%s of the store "
		    "is not a Prometheus API answer", r->w.what != NULL ? r->w.what : "");
	case MIRROR_PROM_SHAPE_MATRIX:
	case MIRROR_PROM_SHAPE_VECTOR:
		if (r->faults[F_SHAPE] || !r->rtype_ok || !r->result_ok)
			return mirror_error_set(err, MIRROR_ERR_STORE, "the store did not "
			    "answer with a %s (resultType %.32s)", shape_names[r->w.shape],
			    r->have_rtype ? r->rtype : "missing");
		return r->nseries == 0 ? MIRROR_OK : one_series(r, err);
	default:
		return MIRROR_OK;
	}
}

enum mirror_err
mirror_prom_reader_end(struct mirror_prom_reader *r, long status, const char *ctype,
		       struct mirror_error *err)
{
	struct mirror_error jerr;
	enum mirror_err e = MIRROR_OK;

	if (r->fatal == MIRROR_OK && !r->faults[F_NOT_API] && !r->faults[F_TOO_LONG])
		e = mirror_json_stream_end(r->js, &jerr);
	if (e != MIRROR_OK)
		tokenizer_failed(r, e, &jerr);
	if (r->fatal != MIRROR_OK) {
		*err = r->err;
		return r->fatal;
	}
	if (r->faults[F_NOT_API])
		return not_prometheus(r, status, ctype, err);
	if (r->faults[F_TOO_LONG])
		return mirror_error_set(err, MIRROR_ERR_STORE, "the store's answer "
		    "holds a string longer than %zu bytes", ANSWER_TOKEN);
	if (!r->have_status)
		return not_prometheus(r, status, ctype, err);
	if (!r->success || !r->data_seen)
		return store_error(r, status, err);
	return shape_verdict(r, err);
}

enum mirror_err
mirror_prom_read(const struct mirror_prom_want *w, const struct mirror_http_resp *resp,
		 struct mirror_error *err)
{
	struct mirror_prom_reader *r;
	bool enough;
	enum mirror_err e = mirror_prom_reader_new(w, &r);

	if (e != MIRROR_OK)
		return mirror_error_set(err, e, "out of memory");
	mirror_prom_reader_feed(r, resp->body, resp->len, &enough);
	e = mirror_prom_reader_end(r, resp->status, resp->content_type, err);
	mirror_prom_reader_free(r);
	return e;
}
