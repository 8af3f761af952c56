/*
 * connectionDetails of a Prometheus store. The keys of the existing
 * Python mirror (url, request_timeout_seconds, nan_interpretation, aws)
 * keep their meaning so its users can switch without editing streams;
 * docs/PROMETHEUS.md lists them all.
 */
#include "config.h"

#include <string.h>

#include <json.h>

#include "json/json_in.h"
#include "store/details.h"
#include "prom.h"

#define SECRET_MAX MIRROR_STORE_SECRET_MAX
#define DAY_S 86400

/* Optional strings; each stays NULL when absent. */
static enum mirror_err
read_strings(struct json_object *obj, const char *const *paths,
	     const char **const *outs, size_t n, struct mirror_error *err)
{
	enum mirror_err e = MIRROR_OK;
	size_t i;

	for (i = 0; i < n && e == MIRROR_OK; i++)
		e = mirror_jin_string(obj, paths[i], SECRET_MAX, false, outs[i],
		    NULL, err);
	return e;
}

static enum mirror_err
read_aws(struct json_object *d, struct mirror_prom_target *t,
	 struct mirror_error *err)
{
	static const char *const paths[] = {
		"connectionDetails.aws.region_name",
		"connectionDetails.aws.aws_access_key_id",
		"connectionDetails.aws.aws_secret_access_key",
		"connectionDetails.aws.aws_session_token",
		"connectionDetails.aws.service",
	};
	struct mirror_http_auth *a = &t->auth;
	const char **const outs[] = {&a->aws_region, &a->aws_key_id,
	    &a->aws_secret, &a->aws_token, &a->aws_service};
	struct json_object *aws;
	enum mirror_err e;

	e = mirror_jin_object(d, "connectionDetails.aws", false, &aws, err);
	if (e != MIRROR_OK || aws == NULL)
		return e;
	e = read_strings(aws, paths, outs, 5, err);
	if (e != MIRROR_OK)
		return e;
	if (a->aws_key_id == NULL || a->aws_secret == NULL)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "connectionDetails.aws needs aws_access_key_id and "
		    "aws_secret_access_key (role assumption is not supported)");
	if (a->aws_region == NULL)
		a->aws_region = "eu-west-1";  /* the Python mirror's default */
	if (strpbrk(a->aws_region, ":\r\n") != NULL ||
	    (a->aws_service != NULL && strpbrk(a->aws_service, ":\r\n") != NULL))
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "connectionDetails.aws.region_name is malformed");
	t->sigv4 = true;
	return MIRROR_OK;
}

static enum mirror_err
read_auth(struct json_object *d, struct mirror_prom_target *t,
	  struct mirror_error *err)
{
	static const char *const paths[] = {
		"connectionDetails.username", "connectionDetails.password",
		"connectionDetails.bearer_token", "connectionDetails.ca_file",
		"connectionDetails.ca_pem",
	};
	struct mirror_http_auth *a = &t->auth;
	const char **const outs[] = {&a->username, &a->password, &a->bearer,
	    &a->ca_file, &a->ca_pem};
	enum mirror_err e = read_strings(d, paths, outs, 5, err);

	if (e != MIRROR_OK)
		return e;
	e = read_aws(d, t, err);
	/* These travel as header values: they must not start another header. */
	if (e == MIRROR_OK && ((a->bearer != NULL && strpbrk(a->bearer, "\r\n")) ||
	    (a->aws_token != NULL && strpbrk(a->aws_token, "\r\n"))))
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "connectionDetails.bearer_token or aws_session_token holds "
		    "a line break");
	return e;
}

static enum mirror_err
read_counter(struct json_object *d, struct mirror_prom_target *t,
	     struct mirror_error *err)
{
	const char *s = NULL;
	enum mirror_err e;

	e = mirror_jin_string(d, "connectionDetails.counter", 16, false, &s,
	    NULL, err);
	if (e != MIRROR_OK || s == NULL)
		return e;
	if (strcmp(s, "increase") == 0)
		t->counter = MIRROR_PROM_COUNTER_INCREASE;
	else if (strcmp(s, "rate") == 0)
		t->counter = MIRROR_PROM_COUNTER_RATE;
	else
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "connectionDetails.counter must be \"increase\" or \"rate\"");
	return MIRROR_OK;
}

/* Tuning keys: chunk and step lengths, value grouping, compression. */
static enum mirror_err
read_tuning(struct json_object *d, struct mirror_prom_target *t,
	    struct mirror_error *err)
{
	int64_t chunk = DAY_S, step = 60, group = 50;
	enum mirror_err e;

	e = mirror_jin_int(d, "connectionDetails.chunk_seconds", 60, 366 * DAY_S,
	    false, &chunk, NULL, err);
	if (e == MIRROR_OK)
		e = mirror_jin_int(d, "connectionDetails.step_seconds", 1, DAY_S,
		    false, &step, NULL, err);
	if (e == MIRROR_OK)
		e = mirror_jin_int(d, "connectionDetails.value_group_threshold", 0,
		    1000000, false, &group, NULL, err);
	if (e == MIRROR_OK)
		e = mirror_jin_bool(d, "connectionDetails.gzip", false, &t->gzip,
		    NULL, err);
	t->chunk_ms = chunk * 1000;
	t->step_ms = step * 1000;
	t->group_min = (size_t)group;
	return e != MIRROR_OK ? e : read_counter(d, t, err);
}

enum mirror_err
mirror_prom_target_read(const struct mirror_conf *conf, const struct mirror_query *q,
			struct mirror_prom_target *t, struct mirror_error *err)
{
	struct json_object *d = q->details;
	enum mirror_err e;

	memset(t, 0, sizeof *t);
	t->max_bytes = conf->store_max_bytes;
	e = mirror_store_timeout(conf, d, &t->timeout_ms, err);
	if (e == MIRROR_OK)
		e = read_auth(d, t, err);
	if (e == MIRROR_OK)
		e = read_tuning(d, t, err);
	/* Last, so a malformed request is refused before any look at URLs. */
	if (e == MIRROR_OK)
		e = mirror_store_url(conf, d, t->url, sizeof t->url, err);
	return e;
}
