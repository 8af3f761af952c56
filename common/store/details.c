/* connectionDetails keys shared by the URL stores (details.h). */
#include "config.h"

#include <stdbool.h>

#include "json/json_in.h"
#include "store/details.h"

enum mirror_err
mirror_store_timeout(const struct mirror_conf *conf, struct json_object *d,
		     int64_t *timeout_ms, struct mirror_error *err)
{
	bool has_ms, has_s;
	double s = 0;
	int64_t ms = 0, t;
	enum mirror_err e;

	e = mirror_jin_int(d, "connectionDetails.requestTimeout", 1, INT64_MAX,
	    false, &ms, &has_ms, err);
	if (e == MIRROR_OK)
		e = mirror_jin_double(d, "connectionDetails.request_timeout_seconds",
		    false, &s, &has_s, err);
	if (e != MIRROR_OK)
		return e;
	if (has_s && !(s > 0))
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "connectionDetails.request_timeout_seconds must be positive");
	t = conf->store_timeout_ms;
	if (has_ms)
		t = ms;
	else if (has_s)
		t = s * 1000.0 >= (double)conf->store_timeout_max_ms ?
		    conf->store_timeout_max_ms : (int64_t)(s * 1000.0 + 0.5);
	if (t > conf->store_timeout_max_ms)
		t = conf->store_timeout_max_ms;
	*timeout_ms = t < 1 ? 1 : t;
	return MIRROR_OK;
}

enum mirror_err
mirror_store_strings(struct json_object *obj, const char *const *paths,
		     const char **const *outs, size_t n, struct mirror_error *err)
{
	enum mirror_err e = MIRROR_OK;
	size_t i;

	for (i = 0; i < n && e == MIRROR_OK; i++)
		e = mirror_jin_string(obj, paths[i], MIRROR_STORE_SECRET_MAX, false,
		    outs[i], NULL, err);
	return e;
}
