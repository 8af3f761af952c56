#include "config.h"

#include <stdint.h>
#include <string.h>

#include "json/json_out.h"
#include "methods.h"
#include "query.h"
#include "respond.h"

void
mirror_respond_connection_ok(struct mirror_buf *b)
{
	mirror_buf_adds(b, "{\"status\":\"OK\",\"_type\":\"");
	mirror_buf_adds(b, mirror_method(MIRROR_METHOD_CONNECTION)->response_type);
	mirror_buf_adds(b, "\"}");
}

void
mirror_respond_connection_failure(struct mirror_buf *b,
				  const struct mirror_error *err)
{
	mirror_buf_adds(b, "{\"status\":\"FAILURE\",\"error\":{\"_type\":"
	    "\"MetricStoreConnectionError\",\"details\":");
	mirror_json_str(b, err->details);
	mirror_buf_adds(b, "},\"_type\":\"");
	mirror_buf_adds(b, mirror_method(MIRROR_METHOD_CONNECTION)->response_type);
	mirror_buf_adds(b, "\"}");
}

/* Closes a list member and the document: ],"isPartial":x,"_type":"T"} */
static void
close_list(struct mirror_buf *b, bool partial, const char *type)
{
	mirror_buf_adds(b, "],\"isPartial\":");
	mirror_json_bool(b, partial);
	mirror_buf_adds(b, ",\"_type\":\"");
	mirror_buf_adds(b, type);
	mirror_buf_adds(b, "\"}");
}

void
mirror_respond_field_names(struct mirror_buf *b, const struct mirror_field_list *l,
			   size_t n, bool partial)
{
	size_t i;

	mirror_buf_adds(b, "{\"fields\":[");
	for (i = 0; i < n && i < l->len; i++) {
		const struct mirror_field *f = &l->items[i];

		if (i > 0)
			mirror_buf_addc(b, ',');
		mirror_buf_adds(b, "{\"_type\":\"FieldDescriptor\",\"classified\":");
		mirror_json_bool(b, f->classified);
		mirror_buf_adds(b, ",\"fieldName\":");
		mirror_json_str(b, f->name);
		mirror_buf_adds(b, ",\"fieldType\":\"");
		mirror_buf_adds(b, mirror_field_type_name(f->type));
		mirror_buf_adds(b, "\"}");
	}
	close_list(b, partial,
	    mirror_method(MIRROR_METHOD_FIELD_NAMES)->response_type);
}

void
mirror_respond_field_values(struct mirror_buf *b, const struct mirror_value_list *l,
			    size_t n, bool partial)
{
	size_t i;

	mirror_buf_adds(b, "{\"values\":[");
	for (i = 0; i < n && i < l->len; i++) {
		if (i > 0)
			mirror_buf_addc(b, ',');
		mirror_buf_adds(b, "{\"value\":");
		mirror_json_str(b, l->items[i].value);
		mirror_buf_adds(b, l->items[i].pattern ?
		    ",\"_type\":\"FieldValuePattern\"}" :
		    ",\"_type\":\"CompleteValue\"}");
	}
	close_list(b, partial,
	    mirror_method(MIRROR_METHOD_FIELD_VALUES)->response_type);
}

/* Closes a telemetry document after its points. */
static void
close_telemetry(struct mirror_buf *b, bool partial, const char *format,
		const char *type)
{
	mirror_buf_adds(b, "],\"dataFormat\":");
	mirror_buf_adds(b, format);
	mirror_buf_adds(b, ",\"isPartial\":");
	mirror_json_bool(b, partial);
	mirror_buf_adds(b, ",\"_type\":\"");
	mirror_buf_adds(b, type);
	mirror_buf_adds(b, "\"},\"_type\":\"");
	mirror_buf_adds(b, mirror_method(MIRROR_METHOD_METRIC)->response_type);
	mirror_buf_adds(b, "\"}");
}

/* The longest row: ",[" value "," start "," end "]". */
#define ROW_MAX (2 + MIRROR_DOUBLE_JSON_MAX + 2 * (1 + MIRROR_INT_TEXT_MAX) + 1)

/* The last timestamp written: a bucket starts where the one before ended. */
struct stamp {
	int64_t t;
	size_t n;          /* 0: none yet */
	char text[MIRROR_INT_TEXT_MAX];
};

/* Writes t at out, which has MIRROR_INT_TEXT_MAX bytes of room. */
static size_t
put_stamp(char *out, int64_t t, struct stamp *last)
{
	if (last->n == 0 || last->t != t) {
		last->t = t;
		last->n = mirror_json_int_put(last->text, t);
	}
	memcpy(out, last->text, sizeof last->text);	/* a fixed size is inlined */
	return last->n;
}

/*
 * Appends one ",[v,t1(,t2)]" row (no comma before the first), composed
 * on the stack: a one-day answer has 1440 of them, and one append each
 * instead of seven halves what writing them costs.
 */
static void
row(struct mirror_buf *b, bool first, double v, int64_t t1, const int64_t *t2,
    struct stamp *last)
{
	char p[ROW_MAX];
	size_t n = 0;

	if (!first)
		p[n++] = ',';
	p[n++] = '[';
	n += mirror_json_double_put(p + n, v);
	p[n++] = ',';
	n += put_stamp(p + n, t1, last);
	if (t2 != NULL) {
		p[n++] = ',';
		n += put_stamp(p + n, *t2, last);
	}
	p[n++] = ']';
	mirror_buf_add(b, p, n);
}

void
mirror_respond_raw(struct mirror_buf *b, const struct mirror_point *pts,
		   size_t n, bool partial)
{
	struct stamp last = {0, 0, {0}};
	size_t i;

	/* Roughly 32 bytes a point: one reservation instead of many. */
	mirror_buf_hint(b, n < SIZE_MAX / 32 ? n * 32 : SIZE_MAX);
	mirror_buf_adds(b, "{\"telemetry\":{\"points\":[");
	for (i = 0; i < n; i++)
		row(b, i == 0, pts[i].v, pts[i].t, NULL, &last);
	close_telemetry(b, partial, "[\"value\",\"timestamp\"]",
	    "RawMetricTelemetry");
}

void
mirror_respond_aggregated(struct mirror_buf *b, const struct mirror_bucket *bk,
			  size_t n, bool partial)
{
	struct stamp last = {0, 0, {0}};
	size_t i;

	mirror_buf_hint(b, n < SIZE_MAX / 48 ? n * 48 : SIZE_MAX);
	mirror_buf_adds(b, "{\"telemetry\":{\"points\":[");
	for (i = 0; i < n; i++)
		row(b, i == 0, bk[i].value, bk[i].start, &bk[i].end, &last);
	close_telemetry(b, partial,
	    "[\"value\",\"startTimestamp\",\"endTimestamp\"]",
	    "AggregatedMetricTelemetry");
}

void
mirror_respond_error(struct mirror_buf *b, const struct mirror_error *err)
{
	const char *type = mirror_err_type(err->code);

	mirror_buf_adds(b, "{\"_type\":");
	mirror_json_str(b, type);
	switch (err->code) {
	case MIRROR_ERR_UNSUPPORTED_TYPE:
		mirror_buf_adds(b, ",\"mirrorType\":");
		mirror_json_str(b, err->details);
		break;
	case MIRROR_ERR_METRIC_NOT_FOUND:
		mirror_buf_adds(b, ",\"metric\":");
		mirror_json_str(b, err->metric);
		mirror_buf_adds(b, ",\"details\":");
		mirror_json_str(b, err->details);
		break;
	case MIRROR_ERR_STORE_CONNECT:
	case MIRROR_ERR_STORE_TIMEOUT:
	case MIRROR_ERR_STORE_CONNECT_TIMEOUT:
		mirror_buf_adds(b, ",\"details\":");
		mirror_json_str(b, err->details);
		break;
	default:
		mirror_buf_adds(b, ",\"summary\":");
		mirror_json_str(b, mirror_err_summary(err->code));
		mirror_buf_adds(b, ",\"details\":");
		mirror_json_str(b, err->details);
	}
	mirror_buf_addc(b, '}');
}
