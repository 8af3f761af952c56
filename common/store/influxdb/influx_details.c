/*
 * connectionDetails of an InfluxDB 1.x store; docs/INFLUXDB.md lists
 * them. The URL, timeout and credential keys mean what they mean for
 * Prometheus (docs/PROMETHEUS.md), read by the same code (store/details.c).
 */
#include "config.h"

#include <string.h>

#include <json.h>

#include "json/json_in.h"
#include "store/details.h"
#include "influx.h"

/* Database and retention policy names: InfluxDB has no stated limit;
 * StackState's are short. */
#define NAME_MAX_BYTES 1024

static enum mirror_err
read_names(struct json_object *d, struct mirror_influx_target *t,
	   struct mirror_error *err)
{
	enum mirror_err e;

	e = mirror_jin_string(d, "connectionDetails.database", NAME_MAX_BYTES,
	    true, &t->database, NULL, err);
	if (e == MIRROR_OK && *t->database == '\0')
		e = mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "connectionDetails.database is empty");
	if (e == MIRROR_OK)
		e = mirror_jin_string(d, "connectionDetails.retention_policy",
		    NAME_MAX_BYTES, false, &t->rp, NULL, err);
	if (e == MIRROR_OK && t->rp != NULL && *t->rp == '\0')
		t->rp = NULL;
	return e;
}

static enum mirror_err
read_auth(struct json_object *d, struct mirror_influx_target *t,
	  struct mirror_error *err)
{
	static const char *const paths[] = {
		"connectionDetails.token", "connectionDetails.ca_file",
		"connectionDetails.ca_pem",
	};
	struct mirror_http_auth *a = &t->auth;
	const char **const outs[] = {&a->token, &a->ca_file, &a->ca_pem};
	enum mirror_err e = mirror_store_basic_auth(d, a, err);
	size_t i;

	for (i = 0; i < 3 && e == MIRROR_OK; i++)
		e = mirror_jin_string(d, paths[i], MIRROR_STORE_SECRET_MAX, false,
		    outs[i], NULL, err);
	/* The token travels as a header value: it must not start another. */
	if (e == MIRROR_OK && a->token != NULL && strpbrk(a->token, "\r\n"))
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "connectionDetails.token holds a line break");
	if (e == MIRROR_OK && a->token != NULL && a->username != NULL)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "give connectionDetails.token or username/password, not both");
	return e;
}

/* Tuning keys: grouping, chunk size, compression (the core reads
 * "pushdown", parse.c). */
static enum mirror_err
read_tuning(struct json_object *d, struct mirror_influx_target *t,
	    struct mirror_error *err)
{
	int64_t group = 50, chunk = 10000;
	enum mirror_err e;

	e = mirror_jin_int(d, "connectionDetails.value_group_threshold", 0,
	    1000000, false, &group, NULL, err);
	if (e == MIRROR_OK)
		e = mirror_jin_int(d, "connectionDetails.chunk_size", 1, 1000000,
		    false, &chunk, NULL, err);
	if (e == MIRROR_OK)
		e = mirror_jin_bool(d, "connectionDetails.gzip", false, &t->gzip,
		    NULL, err);
	t->group_min = (size_t)group;
	t->chunk_points = chunk;
	return e;
}

enum mirror_err
mirror_influx_target_read(const struct mirror_conf *conf, const struct mirror_query *q,
			  struct mirror_influx_target *t, struct mirror_error *err)
{
	struct json_object *d = q->details;
	const char *url;
	enum mirror_err e;

	memset(t, 0, sizeof *t);
	t->max_bytes = conf->store_max_bytes;
	/* The url first: its absence is the first thing to tell. */
	e = mirror_jin_string(d, "connectionDetails.url", MIRROR_STORE_URL_MAX - 1,
	    true, &url, NULL, err);
	if (e == MIRROR_OK)
		e = read_names(d, t, err);
	if (e == MIRROR_OK)
		e = mirror_store_timeout(conf, d, &t->timeout_ms, err);
	if (e == MIRROR_OK)
		e = read_auth(d, t, err);
	if (e == MIRROR_OK)
		e = read_tuning(d, t, err);
	/* Last, so a malformed request is refused before any look at URLs. */
	if (e == MIRROR_OK)
		e = mirror_store_url(conf, d, t->url, sizeof t->url, err);
	(void)url;
	return e;
}
