/* Configuration from MIRROR_* environment variables, table-driven. */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "num.h"

#define MiB ((int64_t)1 << 20)
#define DAY_MS ((int64_t)86400000)

enum kind { K_SIZE, K_INT, K_I64, K_U64 };

/* A numeric setting: its variable, where it lives, its bounds. */
struct num_row {
	const char *env;
	enum kind kind;
	size_t off;
	int64_t min, max;
};

#define ROW(env, kind, field, min, max) \
	{ env, kind, offsetof(struct mirror_conf, field), min, max }

static const struct num_row num_rows[] = {
	ROW("MIRROR_MAX_BODY_BYTES", K_SIZE, max_body, 64, 64 * MiB),
	/* An ordinary query with an InSetValue nests 6 containers deep. */
	ROW("MIRROR_MAX_JSON_DEPTH", K_INT, json_depth, 8, 64),
	ROW("MIRROR_MAX_STRING_BYTES", K_SIZE, max_string, 16, MiB),
	ROW("MIRROR_MAX_CONDITIONS", K_SIZE, max_conditions, 1, 10000),
	ROW("MIRROR_MAX_SET_VALUES", K_SIZE, max_set_values, 1, 100000),
	ROW("MIRROR_MAX_RANGE_MS", K_I64, max_range_ms, 1000, 100 * 366 * DAY_MS),
	ROW("MIRROR_MAX_SPAN_BUCKETS", K_U64, max_span_buckets, 1, 100000000),
	ROW("MIRROR_MAX_BUCKETS", K_SIZE, max_buckets, 1, 10000000),
	ROW("MIRROR_MAX_POINTS", K_SIZE, max_points, 1, 10000000),
	ROW("MIRROR_MAX_STORE_POINTS", K_SIZE, max_store_points, 1, 100000000),
	ROW("MIRROR_MAX_FIELDS", K_SIZE, max_fields, 1, 10000000),
	ROW("MIRROR_MAX_RESPONSE_BYTES", K_SIZE, max_response, 4096, 1024 * MiB),
	ROW("MIRROR_STORE_TIMEOUT_MS", K_I64, store_timeout_ms, 100, 3600000),
	ROW("MIRROR_STORE_TIMEOUT_MAX_MS", K_I64, store_timeout_max_ms, 100, 3600000),
	ROW("MIRROR_STORE_MAX_BYTES", K_SIZE, store_max_bytes, 4096, 4096 * MiB),
	ROW("MIRROR_STORE_CONNECT_TIMEOUT_MS", K_I64, store_connect_timeout_ms, 100,
	    3600000),
	ROW("MIRROR_STORE_TEST_TIMEOUT_MS", K_I64, store_test_timeout_ms, 100, 3600000),
	ROW("MIRROR_STORE_MAX_INFLIGHT", K_SIZE, store_max_inflight, 1, 1024),
	ROW("MIRROR_THREADS", K_INT, threads, 1, 1024),
};

enum mirror_err
mirror_conf_defaults(struct mirror_conf *c)
{
	memset(c, 0, sizeof *c);
	c->key_check = false;
	c->max_body = MiB;
	c->json_depth = 16;
	c->max_string = 4096;
	c->max_conditions = 64;
	c->max_set_values = 1000;
	c->max_range_ms = 400 * DAY_MS;
	c->max_span_buckets = 1000000;
	c->max_buckets = 11000;
	c->max_points = 100000;
	c->max_store_points = 5000000;
	c->max_fields = 10000;
	c->max_response = 64 * MiB;
	/* Below nginx's 60 s fastcgi_read_timeout, so the mirror answers first. */
	c->store_timeout_ms = 10000;
	c->store_timeout_max_ms = 50000;
	c->store_max_bytes = 256 * MiB;
	/* A lost SYN is sent again after 1 s (RFC 6298's initial RTO), so 3 s
	 * survives one loss; a store that drops packets fails in 3 s, not
	 * after the whole store timeout (docs/PROMETHEUS.md, "Slow and sick
	 * stores"). */
	c->store_connect_timeout_ms = 3000;
	/* A connection test asks one small question; any live store answers
	 * it in milliseconds. */
	c->store_test_timeout_ms = 5000;
	/* Threads mostly wait on stores, so more than cores is right. With a
	 * store 1 ms away, 16 calls in flight keep the two cores busy where 8
	 * left a quarter of the rate on the table (bench/threads.sh); the
	 * bulkhead gives one store half the threads, so 32. An idle thread
	 * costs virtual memory only (docs/PERFORMANCE.md, "Threads for a
	 * store 1 ms away"). */
	c->threads = 32;
	c->default_backend = strdup("sample");
	return c->default_backend ? MIRROR_OK : MIRROR_ERR_NOMEM;
}

static void
store_num(struct mirror_conf *c, const struct num_row *r, int64_t v)
{
	char *p = (char *)c + r->off;

	switch (r->kind) {
	case K_SIZE: *(size_t *)(void *)p = (size_t)v; break;
	case K_INT: *(int *)(void *)p = (int)v; break;
	case K_I64: *(int64_t *)(void *)p = v; break;
	case K_U64: *(uint64_t *)(void *)p = (uint64_t)v; break;
	}
}

static enum mirror_err
load_numbers(struct mirror_conf *c, const char *(*lookup)(const char *),
	     struct mirror_error *err)
{
	size_t i;
	int64_t v;

	for (i = 0; i < sizeof num_rows / sizeof num_rows[0]; i++) {
		const struct num_row *r = &num_rows[i];
		const char *s = lookup(r->env);

		if (s == NULL || *s == '\0')
			continue;
		if (!mirror_num_parse(s, r->min, r->max, &v))
			return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
			    "%s must be an integer from %lld to %lld", r->env,
			    (long long)r->min, (long long)r->max);
		store_num(c, r, v);
	}
	return MIRROR_OK;
}

static enum mirror_err
parse_switch(const char *name, const char *s, bool *out, struct mirror_error *err)
{
	if (strcmp(s, "on") == 0 || strcmp(s, "1") == 0 || strcmp(s, "yes") == 0)
		*out = true;
	else if (strcmp(s, "off") == 0 || strcmp(s, "0") == 0 || strcmp(s, "no") == 0)
		*out = false;
	else
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "%s must be on or off", name);
	return MIRROR_OK;
}

static enum mirror_err
replace_string(char **dst, const char *s)
{
	char *copy = strdup(s);

	if (copy == NULL)
		return MIRROR_ERR_NOMEM;
	free(*dst);
	*dst = copy;
	return MIRROR_OK;
}

/* Keys travel in a response header: no control characters, ever. */
static bool
printable(char **items, size_t n)
{
	size_t i;
	const char *p;

	for (i = 0; i < n; i++)
		for (p = items[i]; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return false;
	return true;
}

static enum mirror_err
load_strings(struct mirror_conf *c, const char *(*lookup)(const char *),
	     struct mirror_error *err)
{
	enum mirror_err e = MIRROR_OK;
	const char *s;

	if ((s = lookup("MIRROR_API_KEY")) != NULL && *s != '\0')
		e = mirror_conf_split(s, &c->keys, &c->nkeys);
	if (e == MIRROR_OK && (s = lookup("MIRROR_STORE_ALLOW")) != NULL && *s != '\0')
		e = mirror_conf_split(s, &c->store_allow, &c->nstore_allow);
	if (e == MIRROR_OK && (s = lookup("MIRROR_BACKEND")) != NULL && *s != '\0')
		e = replace_string(&c->default_backend, s);
	if (e == MIRROR_OK && (s = lookup("MIRROR_LISTEN")) != NULL && *s != '\0')
		e = replace_string(&c->listen, s);
	if (e == MIRROR_OK && (s = lookup("MIRROR_METRICS_LISTEN")) != NULL && *s != '\0')
		e = replace_string(&c->metrics_listen, s);
	if (e != MIRROR_OK)
		return mirror_error_set(err, e, "out of memory reading configuration");
	if (!printable(c->keys, c->nkeys))
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "MIRROR_API_KEY contains control characters");
	c->key_check = c->nkeys > 0;
	if ((s = lookup("MIRROR_KEY_CHECK")) != NULL && *s != '\0')
		e = parse_switch("MIRROR_KEY_CHECK", s, &c->key_check, err);
	if (e == MIRROR_OK && c->key_check && c->nkeys == 0)
		e = mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "MIRROR_KEY_CHECK is on but MIRROR_API_KEY is empty");
	return e;
}

enum mirror_err
mirror_conf_load(struct mirror_conf *c, const char *(*lookup)(const char *),
		 struct mirror_error *err)
{
	enum mirror_err e;

	mirror_error_clear(err);
	e = mirror_conf_defaults(c);
	if (e == MIRROR_OK)
		e = load_numbers(c, lookup, err);
	if (e == MIRROR_OK)
		e = load_strings(c, lookup, err);
	if (e == MIRROR_OK && c->store_timeout_ms > c->store_timeout_max_ms)
		e = mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "MIRROR_STORE_TIMEOUT_MS exceeds MIRROR_STORE_TIMEOUT_MAX_MS");
	if (e != MIRROR_OK)
		mirror_conf_free(c);
	return e;
}

static void
free_list(char **items, size_t n)
{
	size_t i;

	if (items == NULL)
		return;
	for (i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

void
mirror_conf_free(struct mirror_conf *c)
{
	free_list(c->keys, c->nkeys);
	free_list(c->store_allow, c->nstore_allow);
	free(c->default_backend);
	free(c->listen);
	free(c->metrics_listen);
	c->keys = c->store_allow = NULL;
	c->nkeys = c->nstore_allow = 0;
	c->default_backend = c->listen = c->metrics_listen = NULL;
}

/* Blanks around list items, CR included: env files saved on Windows. */
static bool
is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

enum mirror_err
mirror_conf_split(const char *list, char ***items, size_t *n)
{
	size_t count = 1, k = 0;
	const char *p, *start, *end;
	char **out;

	for (p = list; *p != '\0'; p++)
		count += *p == ',';
	out = calloc(count + 1, sizeof *out);
	if (out == NULL)
		return MIRROR_ERR_NOMEM;
	for (start = list; ; start = end + 1) {
		end = strchr(start, ',');
		if (end == NULL)
			end = start + strlen(start);
		p = start;
		while (p < end && is_space(*p))
			p++;
		while (end > p && is_space(end[-1]))
			end--;
		if (end > p && (out[k++] = strndup(p, (size_t)(end - p))) == NULL) {
			free_list(out, k);
			return MIRROR_ERR_NOMEM;
		}
		end = strchr(start, ',');
		if (end == NULL)
			break;
	}
	*items = out;
	*n = k;
	return MIRROR_OK;
}
