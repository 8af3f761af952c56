/*
 * JSON writing primitives on a mirror_buf. Responses are written by hand
 * rather than built as json-c trees: point arrays can be large, and this
 * keeps the output byte-exact and NaN-free (MIRROR-API.md decision 5).
 */
#ifndef MIRROR_JSON_OUT_H
#define MIRROR_JSON_OUT_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

/* Writes s as a JSON string: quoted, with ", \ and control characters escaped. */
void mirror_json_str(struct mirror_buf *b, const char *s);

/* Writes an integer. */
void mirror_json_int(struct mirror_buf *b, int64_t v);

/*
 * Writes a finite double in its shortest form that reads back exactly;
 * integral values keep a ".0" ("2.0"). NaN and infinities, which JSON
 * cannot carry, are written as null: callers filter them first.
 */
void mirror_json_double(struct mirror_buf *b, double v);

void mirror_json_bool(struct mirror_buf *b, bool v);

#endif
