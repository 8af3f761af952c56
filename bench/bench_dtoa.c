/*
 * The shortest-double writer (mirror_json_double_text(): the fixed
 * fast path, then Schubfach in common/json/dtoa.c) against what it
 * replaced, the shortest %.Ng found by snprintf and checked by strtod,
 * on the value shapes the mirror writes.
 *
 *   make bench && ./bench/bench_dtoa [values]   (from the top directory)
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "json/json_out.h"
#include "median.h"
#include "num.h"

#define REPEATS 7

/* The old writer: shortest %.Ng from 15 (1 for subnormals) up that reads back. */
static size_t
printf_text(double v, char out[MIRROR_DOUBLE_TEXT_MAX])
{
	int prec = fabs(v) < 2.2250738585072014e-308 ? 1 : 15, n;

	for (; prec < 17; prec++) {
		n = snprintf(out, MIRROR_DOUBLE_TEXT_MAX, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return (size_t)n;
	}
	return (size_t)snprintf(out, MIRROR_DOUBLE_TEXT_MAX, "%.17g", v);
}

typedef size_t (*writer_fn)(double, char[MIRROR_DOUBLE_TEXT_MAX]);

static uint64_t
next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The shapes: random finite bits, MEAN-like ratios (16-17 digits),
 * two-decimal readings, and counts. */
static double
shape(int which, uint64_t r)
{
	double v;

	switch (which) {
	case 0:
		r = (r & ~(UINT64_C(0x7ff) << 52)) | (r % 2047) << 52;
		memcpy(&v, &r, sizeof v);
		return v;
	case 1:
		return (double)(r % 1000000) / (double)(r % 9 + 3);
	case 2:
		return (double)(r % 100000) / 100.0;
	default:
		return (double)(r % 1000000);
	}
}

static const char *const shape_names[] = {
	"random bits", "means (ratios)", "2 decimals", "integers",
};

static double
measure(writer_fn fn, const double *v, size_t n, size_t *bytes)
{
	char out[MIRROR_DOUBLE_TEXT_MAX];
	double runs[REPEATS], t;
	size_t i, total = 0;
	int r;

	for (r = 0; r < REPEATS; r++) {
		t = (double)mirror_clock_us();
		for (i = 0; i < n; i++)
			total += fn(v[i], out);
		runs[r] = ((double)mirror_clock_us() - t) * 1000.0 / (double)n;
	}
	*bytes = total / REPEATS;
	return bench_median(runs, REPEATS);
}

int
main(int argc, char **argv)
{
	int64_t n = 200000;
	uint64_t state = 0x9e3779b97f4a7c15u;
	size_t i, bytes_old, bytes_new;
	double *v, t_old, t_new;
	int s;

	if (argc > 1 && !mirror_num_parse(argv[1], 1, 100000000, &n)) {
		fprintf(stderr, "usage: bench_dtoa [values]\n");
		return 2;
	}
	if ((v = malloc((size_t)n * sizeof *v)) == NULL)
		return 1;
	printf("| values | snprintf+strtod ns | mirror ns | speed-up | bytes (old / new) |\n"
	    "|---|---:|---:|---:|---:|\n");
	for (s = 0; s < 4; s++) {
		for (i = 0; i < (size_t)n; i++)
			v[i] = shape(s, next_random(&state));
		t_old = measure(printf_text, v, (size_t)n, &bytes_old);
		t_new = measure(mirror_json_double_text, v, (size_t)n, &bytes_new);
		printf("| %s | %.1f | %.1f | %.1f× | %zu / %zu |\n", shape_names[s],
		    t_old, t_new, t_old / t_new, bytes_old, bytes_new);
	}
	free(v);
	return 0;
}
