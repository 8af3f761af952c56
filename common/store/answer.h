/*
 * A store's JSON answer, parsed strictly: until a streaming reader
 * replaces it, the stores that answer JSON build a json-c tree of the
 * whole (bounded) answer with this one function.
 */
#ifndef MIRROR_STORE_ANSWER_H
#define MIRROR_STORE_ANSWER_H

#include <stddef.h>

struct json_object;

/*
 * The one JSON value body[0..len) holds (surrounding white space
 * allowed), nested at most depth deep, strings in valid UTF-8; the caller
 * puts it. NULL when the body is anything else.
 */
struct json_object *mirror_store_json(const char *body, size_t len, int depth);

#endif
