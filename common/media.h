/*
 * The request's Content-Type (RFC 9110 §8.3): the four methods take JSON.
 */
#ifndef MIRROR_MEDIA_H
#define MIRROR_MEDIA_H

#include "error.h"

/*
 * MIRROR_OK when content_type names JSON: application/json, in any case,
 * with any parameters, but a charset parameter must be UTF-8 (RFC 8259
 * §8.1). NULL (no Content-Type) is accepted too: StackState's public
 * documentation does not say what its client sends, and refusing it would
 * lock StackState out (docs/RELIABILITY.md). Anything else is
 * MIRROR_ERR_MEDIA_TYPE (415) with the reason in err.
 */
enum mirror_err mirror_media_check(const char *content_type, struct mirror_error *err);

#endif
