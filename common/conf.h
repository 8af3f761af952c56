/*
 * Configuration of the mirror, read once at start-up from environment
 * variables (see README.md, "Configuration"). Read-only afterwards and
 * shared by all worker threads.
 */
#ifndef MIRROR_CONF_H
#define MIRROR_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct mirror_conf {
	/* MIRROR_API_KEY: comma-separated accepted keys; keys[0] is echoed
	 * in X-MIRROR-API-KEY unless the request presented another valid one. */
	char **keys;                  /* owned */
	size_t nkeys;
	/* MIRROR_KEY_CHECK: require a valid key on requests (default on when
	 * keys are configured; off in mirror_conf_defaults). */
	bool key_check;

	char *default_backend;        /* MIRROR_BACKEND, default "sample" */

	size_t max_body;              /* MIRROR_MAX_BODY_BYTES: 413 above */
	int json_depth;               /* MIRROR_MAX_JSON_DEPTH */
	size_t max_string;            /* MIRROR_MAX_STRING_BYTES per JSON string */
	size_t max_conditions;        /* MIRROR_MAX_CONDITIONS */
	size_t max_set_values;        /* MIRROR_MAX_SET_VALUES per InSetValue */
	int64_t max_range_ms;         /* MIRROR_MAX_RANGE_MS: endTime - startTime */
	uint64_t max_span_buckets;    /* MIRROR_MAX_SPAN_BUCKETS: 400 above */
	size_t max_buckets;           /* MIRROR_MAX_BUCKETS per answer: isPartial */
	size_t max_points;            /* MIRROR_MAX_POINTS per raw answer: isPartial */
	size_t max_store_points;      /* MIRROR_MAX_STORE_POINTS read per request */
	size_t max_fields;            /* MIRROR_MAX_FIELDS names/values per answer */
	size_t max_response;          /* MIRROR_MAX_RESPONSE_BYTES */

	/* Stores reached over HTTP (the Prometheus backend). */
	char **store_allow;           /* MIRROR_STORE_ALLOW: URL prefixes; owned */
	size_t nstore_allow;
	int64_t store_timeout_ms;     /* MIRROR_STORE_TIMEOUT_MS: default */
	int64_t store_timeout_max_ms; /* MIRROR_STORE_TIMEOUT_MAX_MS: ceiling */
	size_t store_max_bytes;       /* MIRROR_STORE_MAX_BYTES per store answer */
	int64_t store_connect_timeout_ms; /* MIRROR_STORE_CONNECT_TIMEOUT_MS */
	int64_t store_test_timeout_ms;    /* MIRROR_STORE_TEST_TIMEOUT_MS: connection tests */
	/* MIRROR_STORE_MAX_INFLIGHT: requests using one store origin at once;
	 * 0 (unset): half the threads (store/bulkhead.h). */
	size_t store_max_inflight;

	/* Transport (read by fcgi/, ignored by cgi/). */
	char *listen;                 /* MIRROR_LISTEN: HOST:PORT or socket path */
	int threads;                  /* MIRROR_THREADS */
	/* MIRROR_METRICS_LISTEN: HOST:PORT of the responder's own plain-HTTP
	 * /metrics (fcgi/metrics_listen.h), or NULL for none. */
	char *metrics_listen;
};

/* Fills c with the built-in defaults (no keys, sample backend). */
enum mirror_err mirror_conf_defaults(struct mirror_conf *c);

/*
 * Fills c from the defaults overridden by the MIRROR_* variables that
 * lookup() returns (pass getenv). On a malformed value returns
 * MIRROR_ERR_BAD_REQUEST naming the variable in err, leaving nothing
 * allocated. Release with mirror_conf_free.
 */
enum mirror_err mirror_conf_load(struct mirror_conf *c,
				 const char *(*lookup)(const char *name),
				 struct mirror_error *err);

/* Frees what c owns; accepts a conf that failed to load. */
void mirror_conf_free(struct mirror_conf *c);

/*
 * Splits a comma-separated list into an owned, NULL-terminated array of
 * trimmed non-empty items. Returns MIRROR_ERR_NOMEM or MIRROR_OK.
 */
enum mirror_err mirror_conf_split(const char *list, char ***items, size_t *n);

#endif
