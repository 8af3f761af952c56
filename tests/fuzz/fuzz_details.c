/*
 * Fuzz harness for a Prometheus store's connectionDetails
 * (common/store/prometheus/prom_details.c): credentials, timeouts, the CA
 * file, tuning keys and the URL.
 *
 * Input: the connectionDetails object as JSON text. It goes through the
 * request path's own strict check and json-c, as a request's would.
 *
 * Properties of details that are accepted: the URL is admitted by the
 * allowlist and reads back unchanged when checked again; the timeout is
 * within [1, MIRROR_STORE_TIMEOUT_MAX_MS]; chunk, step and grouping are in
 * their documented ranges; values that travel in HTTP headers (bearer
 * token, session token) hold no line break; the SigV4 region and service
 * hold no ':' or line break; SigV4 has both halves of its key; a CA file
 * is an absolute path of a regular file. Nothing is contacted.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json.h>

#include "conf.h"
#include "fuzz.h"
#include "json/json_check.h"
#include "query.h"
#include "store/prometheus/prom.h"

static const struct mirror_conf *
conf(void)
{
	static char *allow[] = {"http://127.0.0.1:9090", "https://prom.example/base"};
	static struct mirror_conf c;
	static bool made;
	struct mirror_error err;

	if (!made) {
		if (mirror_conf_load(&c, fuzz_no_env, &err) != MIRROR_OK)
			abort();
		c.store_allow = allow;
		c.nstore_allow = 2;
		made = true;
	}
	return &c;
}

static bool
has_any(const char *s, const char *set)
{
	return s != NULL && strpbrk(s, set) != NULL;
}

static void
check(const struct mirror_conf *c, const struct mirror_prom_target *t)
{
	const struct mirror_http_auth *a = &t->auth;
	char again[MIRROR_STORE_URL_MAX];
	struct mirror_error err;
	struct stat st;

	if (mirror_store_allow(c->store_allow, c->nstore_allow, t->url, again,
	    sizeof again, &err) != MIRROR_OK || strcmp(again, t->url) != 0)
		fuzz_fail("url \"%s\" does not pass the allowlist again", t->url);
	if (t->timeout_ms < 1 || t->timeout_ms > c->store_timeout_max_ms)
		fuzz_fail("timeout %lld ms", (long long)t->timeout_ms);
	if (t->chunk_ms < 60000 || t->chunk_ms > 366LL * 86400000 ||
	    t->step_ms < 1000 || t->step_ms > 86400000 || t->group_min > 1000000)
		fuzz_fail("tuning out of range");
	if ((unsigned)t->counter >= MIRROR_PROM_COUNTER_MAX)
		fuzz_fail("counter mode %d", (int)t->counter);
	if (t->max_bytes != c->store_max_bytes)
		fuzz_fail("the answer ceiling changed");
	if (has_any(a->bearer, "\r\n") || has_any(a->aws_token, "\r\n"))
		fuzz_fail("a header value holds a line break");
	if (t->sigv4 && (a->aws_key_id == NULL || a->aws_secret == NULL ||
	    a->aws_region == NULL || has_any(a->aws_region, ":\r\n") ||
	    has_any(a->aws_service, ":\r\n")))
		fuzz_fail("SigV4 without a usable key, region or service");
	if (a->ca_file != NULL && (a->ca_file[0] != '/' || stat(a->ca_file, &st) != 0 ||
	    !S_ISREG(st.st_mode)))
		fuzz_fail("ca_file \"%s\" is not a regular file", a->ca_file);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct mirror_conf *c = conf();
	struct mirror_prom_target t;
	struct mirror_error err;
	struct mirror_query q;
	struct json_tokener *tok;

	/* What the request parser hands on: an object that passed the check. */
	if (size == 0 || data[0] != '{' || mirror_json_check((const char *)data,
	    size, c->json_depth, &err) != MIRROR_OK)
		return 0;
	mirror_query_init(&q);
	tok = json_tokener_new_ex(c->json_depth + 1);
	if (tok == NULL)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	q.details = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	if (q.details == NULL)
		fuzz_fail("json-c refuses what the strict check accepted");
	if (json_object_is_type(q.details, json_type_object) &&
	    mirror_prom_target_read(c, &q, &t, &err) == MIRROR_OK)
		check(c, &t);
	mirror_query_free(&q);
	return 0;
}
