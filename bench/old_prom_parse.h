/* The json-c parse of a Prometheus matrix before the streaming reader. */
#ifndef MIRROR_BENCH_OLD_PROM_PARSE_H
#define MIRROR_BENCH_OLD_PROM_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "series.h"

/* Appends the samples of the one series of a matrix answer to out. */
bool old_prom_matrix(const char *body, size_t len, struct mirror_series *out);

#endif
