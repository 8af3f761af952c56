/*
 * What tells responders apart in /metrics: the build (version, stores
 * compiled in) and when the process started. A restart resets every
 * counter; process_start_time_seconds shows when it happened.
 */
#ifndef MIRROR_METRICS_INFO_H
#define MIRROR_METRICS_INFO_H

#include "buf.h"

/* Records now as the process's start; call once, before worker threads
 * start (mirror-fcgi does). Until then no start time is written. */
void mirror_metrics_mark_start(void);

/* Writes mirror_build_info and process_start_time_seconds in Prometheus
 * text exposition format 0.0.4. */
void mirror_metrics_write_info(struct mirror_buf *b);

#endif
