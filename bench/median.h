/* The median the benchmarks report. */
#ifndef MIRROR_BENCH_MEDIAN_H
#define MIRROR_BENCH_MEDIAN_H

#include <stddef.h>

/* Sorts v[0..n) in place and returns its middle element (upper of two); n > 0. */
double bench_median(double *v, size_t n);

#endif
