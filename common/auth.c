#include "config.h"

#include <string.h>

#include "auth.h"

/*
 * Constant-time equality: the loop runs over the presented key's full
 * length whatever the configured key holds, so timing reveals neither
 * where the first difference is nor the configured key's content.
 */
static bool
same_key(const char *want, const char *got)
{
	size_t wlen = strlen(want), glen = strlen(got), i;
	unsigned char diff = (unsigned char)(wlen != glen);

	for (i = 0; i < glen; i++)
		diff |= (unsigned char)got[i] ^ (unsigned char)want[i % (wlen ? wlen : 1)];
	return diff == 0 && wlen > 0;
}

int
mirror_auth_match(const struct mirror_conf *conf, const char *presented)
{
	int match = -1;
	size_t i;

	if (presented == NULL)
		return -1;
	/* No early exit: every configured key is compared. */
	for (i = 0; i < conf->nkeys; i++)
		if (same_key(conf->keys[i], presented) && match < 0)
			match = (int)i;
	return match;
}

bool
mirror_auth_allows(const struct mirror_conf *conf, int match)
{
	return !conf->key_check || match >= 0;
}

const char *
mirror_auth_echo(const struct mirror_conf *conf, int match)
{
	if (conf->nkeys == 0 || (match < 0 && conf->key_check))
		return NULL;
	return conf->keys[match >= 0 ? match : 0];
}
