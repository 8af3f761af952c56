/* UTF-8 validation (RFC 3629), shared by the request check and the JSON writer. */
#ifndef MIRROR_UTF8_H
#define MIRROR_UTF8_H

#include <stddef.h>

/*
 * Length (2 to 4) of the well-formed multi-byte sequence at s, of which
 * avail bytes are readable; 0 when it is not one (stray continuation,
 * truncated, overlong, surrogate, above U+10FFFF). ASCII is not handled.
 */
size_t mirror_utf8_len(const unsigned char *s, size_t avail);

#endif
