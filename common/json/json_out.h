/*
 * JSON writing primitives on a mirror_buf. Responses are written by hand
 * rather than built as json-c trees: point arrays can be large, and this
 * keeps the output byte-exact and NaN-free (MIRROR-API.md decision 5).
 */
#ifndef MIRROR_JSON_OUT_H
#define MIRROR_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Writes s as a JSON string: quoted, with ", \ and control characters escaped. */
void mirror_json_str(struct mirror_buf *b, const char *s);

/* Writes an integer. */
void mirror_json_int(struct mirror_buf *b, int64_t v);

/* Room mirror_json_int_put() needs: "-9223372036854775808". */
#define MIRROR_INT_TEXT_MAX 20

/* Writes v's digits to out (not NUL-terminated); returns their count. */
size_t mirror_json_int_put(char out[MIRROR_INT_TEXT_MAX], int64_t v);

/*
 * Writes a finite double in its shortest form that reads back exactly;
 * integral values keep a ".0" ("2.0"). NaN and infinities, which JSON
 * cannot carry, are written as null: callers filter them first.
 */
void mirror_json_double(struct mirror_buf *b, double v);

/* Room for any double's text, NUL included (24 would do; the writer
 * moves digits in fixed 16-byte blocks, see json_out.c). */
#define MIRROR_DOUBLE_TEXT_MAX 40

/* Room mirror_json_double_put() needs: the text, ".0" and a NUL. */
#define MIRROR_DOUBLE_JSON_MAX (MIRROR_DOUBLE_TEXT_MAX + 2)

/* What mirror_json_double() appends, written to out; returns its length. */
size_t mirror_json_double_put(char out[MIRROR_DOUBLE_JSON_MAX], double v);

/*
 * The shortest text that reads back as v (strtod), integral values
 * without a fraction ("8080", "1.5", "1e+20"); "null" for NaN and
 * infinities. Returns its length; out is NUL-terminated. Shared by the
 * JSON writer and the stores that put numbers into query languages.
 */
size_t mirror_json_double_text(double v, char out[MIRROR_DOUBLE_TEXT_MAX]);

void mirror_json_bool(struct mirror_buf *b, bool v);

#endif
