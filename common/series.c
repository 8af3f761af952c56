/* Point arrays: growth with a ceiling, NaN rules, raw windowing. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "series.h"

void
mirror_series_init(struct mirror_series *s, size_t max)
{
	s->pts = NULL;
	s->len = 0;
	s->cap = 0;
	s->max = max;
	s->truncated = false;
}

void
mirror_series_free(struct mirror_series *s)
{
	free(s->pts);
	mirror_series_init(s, s->max);
}

static enum mirror_err
grow(struct mirror_series *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024;
	struct mirror_point *p;

	if (cap > s->max)
		cap = s->max;
	p = realloc(s->pts, cap * sizeof *p);
	if (p == NULL)
		return MIRROR_ERR_NOMEM;
	s->pts = p;
	s->cap = cap;
	return MIRROR_OK;
}

enum mirror_err
mirror_series_reserve(struct mirror_series *s, size_t n)
{
	size_t cap = n < s->max - s->len ? s->len + n : s->max;
	struct mirror_point *p;

	if (cap <= s->cap)
		return MIRROR_OK;
	p = realloc(s->pts, cap * sizeof *p);
	if (p == NULL)
		return MIRROR_ERR_NOMEM;
	s->pts = p;
	s->cap = cap;
	return MIRROR_OK;
}

enum mirror_err
mirror_series_push_slow(struct mirror_series *s, int64_t t, double v)
{
	enum mirror_err e;

	if (s->len >= s->max) {
		s->truncated = true;
		return MIRROR_OK;
	}
	if (s->len == s->cap && (e = grow(s)) != MIRROR_OK)
		return e;
	s->pts[s->len].t = t;
	s->pts[s->len].v = v;
	s->len++;
	return MIRROR_OK;
}

size_t
mirror_series_clean(struct mirror_series *s, bool nan_as_zero)
{
	size_t i, kept = 0;

	for (i = 0; i < s->len; i++) {
		struct mirror_point p = s->pts[i];

		if (isnan(p.v)) {
			if (!nan_as_zero)
				continue;
			p.v = 0.0;
		} else if (isinf(p.v)) {
			continue;
		}
		s->pts[kept++] = p;
	}
	s->len = kept;
	return kept;
}

size_t
mirror_series_lower_bound(const struct mirror_point *pts, size_t n, int64_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pts[mid].t < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
mirror_series_window(const struct mirror_series *s, int64_t start, int64_t end,
		     int64_t limit, bool latest_first, size_t *first,
		     size_t *count, bool *partial)
{
	size_t lo = mirror_series_lower_bound(s->pts, s->len, start);
	size_t hi = mirror_series_lower_bound(s->pts, s->len, end);
	size_t n = hi > lo ? hi - lo : 0;
	size_t keep = n;

	if (limit >= 0 && (uint64_t)limit < n)
		keep = (size_t)limit;
	*first = latest_first ? hi - keep : lo;
	*count = keep;
	*partial = keep < n;
}
