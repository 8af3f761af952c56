/* The access log: one line per request, no secrets (README, "Logs"). */
#ifndef MIRROR_LOG_H
#define MIRROR_LOG_H

#include <stdint.h>
#include <stdio.h>

#include "mirror.h"

/*
 * Writes one line to f with a single stdio call (so lines from threads do
 * not interleave): time, method, path, status, body bytes, duration in
 * microseconds, backend, and the error type for failures. Control
 * characters in the path are replaced. The key and the body never appear.
 */
void mirror_log_access(FILE *f, const struct mirror_request *req,
		       const struct mirror_response *resp, int64_t duration_us);

#endif
