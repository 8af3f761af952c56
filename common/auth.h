/* The API key: checked on requests, echoed on responses (MIRROR-API.md, Transport). */
#ifndef MIRROR_AUTH_H
#define MIRROR_AUTH_H

#include <stdbool.h>

#include "conf.h"

/*
 * Which configured key the request presented: its index in conf->keys,
 * or -1 when presented is NULL or matches none. Compares in time that
 * does not depend on where a key differs.
 */
int mirror_auth_match(const struct mirror_conf *conf, const char *presented);

/*
 * True when the request may proceed: key checking is off, or the
 * presented key matched (match >= 0).
 */
bool mirror_auth_allows(const struct mirror_conf *conf, int match);

/*
 * The key to send back in X-MIRROR-API-KEY: the one the request matched;
 * else, when key checking is off, the first configured key. NULL when no
 * key is configured or the request is refused: echoing the key on a 401
 * would hand it to anyone who asks. Borrowed from conf.
 */
const char *mirror_auth_echo(const struct mirror_conf *conf, int match);

#endif
