/*
 * Time series points as backends produce them and the aggregation engine
 * consumes them: (timestamp in epoch ms, value), ascending by time.
 */
#ifndef MIRROR_SERIES_H
#define MIRROR_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct mirror_point {
	int64_t t;  /* epoch milliseconds */
	double v;
};

/* A growable array of points with a ceiling on its length. */
struct mirror_series {
	struct mirror_point *pts;  /* owned */
	size_t len;
	size_t cap;
	size_t max;        /* ceiling on len; see mirror_series_push */
	bool truncated;    /* a push was refused because len reached max */
};

/* Initialises an empty series that may hold up to max points. */
void mirror_series_init(struct mirror_series *s, size_t max);

/* Frees the points; the series may be initialised again. */
void mirror_series_free(struct mirror_series *s);

/* mirror_series_push() when there is no room yet: grows, or refuses. */
enum mirror_err mirror_series_push_slow(struct mirror_series *s, int64_t t,
					double v);

/*
 * Appends one point. At the ceiling it sets s->truncated and returns
 * MIRROR_OK without storing (the answer becomes partial, not an error);
 * returns MIRROR_ERR_NOMEM if memory runs out. Inline: stores push every
 * point they read, and the call was a few percent of a one-day answer.
 */
static inline enum mirror_err
mirror_series_push(struct mirror_series *s, int64_t t, double v)
{
	if (s->len >= s->cap || s->len >= s->max)
		return mirror_series_push_slow(s, t, v);
	s->pts[s->len].t = t;
	s->pts[s->len].v = v;
	s->len++;
	return MIRROR_OK;
}

/*
 * Makes room for n more points at once (never past the ceiling), for a
 * store that knows how many it will push: it spares the copies of growing
 * by doubling. Returns MIRROR_ERR_NOMEM if memory runs out.
 */
enum mirror_err mirror_series_reserve(struct mirror_series *s, size_t n);

/*
 * Applies MIRROR-API.md decision 5 in place: NaN values are dropped, or
 * replaced by 0 when nan_as_zero; infinities are always dropped (JSON has
 * no way to say them). Returns the new length.
 */
size_t mirror_series_clean(struct mirror_series *s, bool nan_as_zero);

/* Index of the first of the n ascending points with t >= key. */
size_t mirror_series_lower_bound(const struct mirror_point *pts, size_t n, int64_t key);

/*
 * Decision 4 for raw answers: among the points with start <= t < end,
 * keep `limit` points, the earliest ones (or the latest when latest_first).
 * Sets *first and *count to the slice of s->pts to emit and *partial when
 * points in range were left out. Points must be ascending.
 */
void mirror_series_window(const struct mirror_series *s, int64_t start,
			  int64_t end, int64_t limit, bool latest_first,
			  size_t *first, size_t *count, bool *partial);

#endif
