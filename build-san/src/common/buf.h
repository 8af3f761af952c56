/*
 * A growable byte buffer with a hard ceiling, for response bodies.
 *
 * Appends never fail loudly: the first failure (out of memory, or the
 * ceiling reached) latches buf->err and later appends are no-ops, so a
 * writer can append a whole document and check once at the end.
 */
#ifndef MIRROR_BUF_H
#define MIRROR_BUF_H

#include <stddef.h>

#include "error.h"

struct mirror_buf {
	char *data;        /* owned; NUL-terminated while err is MIRROR_OK */
	size_t len;
	size_t cap;        /* allocated bytes */
	size_t max;        /* ceiling on len */
	enum mirror_err err;
};

/* Initialises an empty buffer that may grow to max bytes. Allocates nothing. */
void mirror_buf_init(struct mirror_buf *b, size_t max);

/* Frees the storage; the buffer may be initialised again. */
void mirror_buf_free(struct mirror_buf *b);

/* Empties the buffer, keeping its storage and clearing any error. */
void mirror_buf_reset(struct mirror_buf *b);

/* Makes room for n more bytes; returns false (and latches err) if it can't. */
int mirror_buf_reserve(struct mirror_buf *b, size_t n);

/* Like reserve, but only a hint: clamps n to the ceiling and never latches. */
void mirror_buf_hint(struct mirror_buf *b, size_t n);

void mirror_buf_add(struct mirror_buf *b, const void *p, size_t n);
void mirror_buf_adds(struct mirror_buf *b, const char *s);
void mirror_buf_addc(struct mirror_buf *b, char c);

/* Hands the data to the caller (free() it) and leaves the buffer empty. */
char *mirror_buf_steal(struct mirror_buf *b, size_t *len);

#endif
