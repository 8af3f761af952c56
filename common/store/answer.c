/* Strict parsing of store answers (answer.h). */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include <json.h>

#include "store/answer.h"

struct json_object *
mirror_store_json(const char *body, size_t len, int depth)
{
	struct json_tokener *tok;
	struct json_object *root;
	size_t end;
	bool ok;

	if (len > (size_t)INT_MAX)
		return NULL;
	tok = json_tokener_new_ex(depth);
	if (tok == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, body, (int)len);
	ok = root != NULL && json_tokener_get_error(tok) == json_tokener_success;
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (ok && end < len && body[end] != '\0' && strchr(" \t\r\n", body[end]))
		end++;
	if (!ok || end != len) {
		json_object_put(root);
		return NULL;
	}
	return root;
}
