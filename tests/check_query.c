/* Queries written as text for the unit suites (check_query.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check_query.h"

/* One condition as text: "key=value" (string), "key:d=1.5" (double),
 * "key:b=true" (boolean), "key:set=a|b" (InSetValue, '|' separated). */
static void
add_cond(struct mirror_query *q, const char *spec)
{
	struct mirror_condition *c = &q->conds[q->nconds++];
	const char *eq = strchr(spec, '=');
	const char *colon = memchr(spec, ':', (size_t)(eq - spec));
	const char *val = eq + 1, *p;
	char *kind;

	memset(c, 0, sizeof *c);
	c->key = strndup(spec, (size_t)((colon ? colon : eq) - spec));
	kind = colon ? strndup(colon + 1, (size_t)(eq - colon - 1)) : strdup("s");
	if (strcmp(kind, "d") == 0) {
		c->type = MIRROR_VALUE_DOUBLE;
		c->num = strtod(val, NULL);
	} else if (strcmp(kind, "b") == 0) {
		c->type = MIRROR_VALUE_BOOLEAN;
		c->boolean = strcmp(val, "true") == 0;
	} else if (strcmp(kind, "set") == 0) {
		c->type = MIRROR_VALUE_IN_SET;
		c->set = calloc(16, sizeof *c->set);
		for (p = val; *val != '\0' && p != NULL; p = strchr(p, '|')) {
			size_t n;

			p += *p == '|';
			n = strcspn(p, "|");
			c->set[c->set_len++] = strndup(p, n);
			if (p[n] == '\0')
				break;
		}
	} else {
		c->type = MIRROR_VALUE_STRING;
		c->str = strdup(val);
	}
	free(kind);
}

void
check_query_make(struct mirror_query *q, const char *const *conds)
{
	size_t n;

	mirror_query_init(q);
	for (n = 0; conds[n] != NULL; n++)
		;
	q->conds = calloc(n + 1, sizeof *q->conds);
	while (*conds != NULL)
		add_cond(q, *conds++);
}
