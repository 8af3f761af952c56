/* connectionDetails keys shared by the URL stores (details.h). */
#include "config.h"

#include <json.h>

#include "json/json_in.h"
#include "store/allow.h"
#include "store/details.h"

enum mirror_err
mirror_store_url(const struct mirror_conf *conf, struct json_object *details,
		 char *norm, size_t norm_size, struct mirror_error *err)
{
	const char *url = NULL;
	enum mirror_err e;

	e = mirror_jin_string(details, "connectionDetails.url",
	    MIRROR_STORE_URL_MAX - 1, true, &url, NULL, err);
	if (e != MIRROR_OK)
		return e;
	return mirror_store_allow(conf->store_allow, conf->nstore_allow, url, norm,
	    norm_size, err);
}

enum mirror_err
mirror_store_timeout(const struct mirror_conf *conf, struct json_object *details,
		     int64_t *out, struct mirror_error *err)
{
	bool has_ms, has_s;
	double s = 0;
	int64_t ms = 0;
	enum mirror_err e;

	e = mirror_jin_int(details, "connectionDetails.requestTimeout", 1, INT64_MAX,
	    false, &ms, &has_ms, err);
	if (e == MIRROR_OK)
		e = mirror_jin_double(details, "connectionDetails.request_timeout_seconds",
		    false, &s, &has_s, err);
	if (e != MIRROR_OK)
		return e;
	if (has_s && !(s > 0))
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "connectionDetails.request_timeout_seconds must be positive");
	*out = conf->store_timeout_ms;
	/* A larger request is clamped to the configured ceiling, not refused. */
	if (has_ms)
		*out = ms;
	else if (has_s)
		*out = s * 1000.0 >= (double)conf->store_timeout_max_ms ?
		    conf->store_timeout_max_ms : (int64_t)(s * 1000.0 + 0.5);
	if (*out > conf->store_timeout_max_ms)
		*out = conf->store_timeout_max_ms;
	if (*out < 1)
		*out = 1;
	return MIRROR_OK;
}

enum mirror_err
mirror_store_basic_auth(struct json_object *details, struct mirror_http_auth *auth,
			struct mirror_error *err)
{
	enum mirror_err e;

	e = mirror_jin_string(details, "connectionDetails.username",
	    MIRROR_STORE_SECRET_MAX, false, &auth->username, NULL, err);
	if (e == MIRROR_OK)
		e = mirror_jin_string(details, "connectionDetails.password",
		    MIRROR_STORE_SECRET_MAX, false, &auth->password, NULL, err);
	return e;
}
