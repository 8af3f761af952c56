/*
 * The responder's own plain-HTTP listener for GET /metrics and GET
 * /healthz (MIRROR_METRICS_LISTEN). Through nginx, /metrics reaches
 * whichever responder of the upstream pool nginx picks, so a scrape
 * shows a different process's counters each time; on this listener
 * Prometheus scrapes each responder on its own (docs/MONITORING.md).
 */
#ifndef MIRROR_FCGI_METRICS_LISTEN_H
#define MIRROR_FCGI_METRICS_LISTEN_H

#include "conf.h"
#include "error.h"

struct metrics_listener;

/*
 * Binds addr ("HOST:PORT" with a numeric host, "[::1]:9464" for IPv6)
 * and starts one thread answering there. conf is borrowed and must
 * outlive the listener. Returns MIRROR_OK and *out, or
 * MIRROR_ERR_BAD_REQUEST (a malformed address) / MIRROR_ERR_INTERNAL
 * (cannot bind, no thread) with the reason in err. Free with
 * metrics_listener_free.
 */
enum mirror_err metrics_listener_new(const char *addr,
				     const struct mirror_conf *conf,
				     struct metrics_listener **out,
				     struct mirror_error *err);

/* Stops the thread (within about 0.2 s, or the connection in progress,
 * at most 2 s) and closes the socket; accepts NULL. */
void metrics_listener_free(struct metrics_listener *l);

#endif
