/*
 * connectionDetails of a graphite-web: the keys every URL store reads
 * (store/details.h), plus the grouping threshold of tag values, which has
 * the Prometheus store's name and default (docs/GRAPHITE.md).
 */
#include "config.h"

#include <string.h>

#include <json.h>

#include "json/json_in.h"
#include "store/details.h"
#include "graphite.h"

enum mirror_err
mirror_graphite_target_read(const struct mirror_conf *conf, const struct mirror_query *q,
			    struct mirror_graphite_target *t, struct mirror_error *err)
{
	struct json_object *d = q->details;
	int64_t group = 50;
	enum mirror_err e;

	memset(t, 0, sizeof *t);
	t->max_bytes = conf->store_max_bytes;
	e = mirror_store_timeout(conf, d, &t->timeout_ms, err);
	if (e == MIRROR_OK)
		e = mirror_store_basic_auth(d, &t->auth, err);
	if (e == MIRROR_OK)
		e = mirror_jin_int(d, "connectionDetails.value_group_threshold", 0,
		    1000000, false, &group, NULL, err);
	t->group_min = (size_t)group;
	/* Last, so a malformed request is refused before any look at URLs. */
	if (e == MIRROR_OK)
		e = mirror_store_url(conf, d, t->url, sizeof t->url, err);
	return e;
}
