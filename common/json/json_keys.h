/*
 * Duplicate object keys, for json_check.c. RFC 8259 §4 leaves names that
 * repeat to the implementation, and json-c keeps the last value silently:
 * a request whose "backend" or "url" appears twice would mean one thing to
 * a proxy or log reader and another to the mirror. The check compares
 * keys as json-c will store them (escapes decoded, unpaired surrogates as
 * U+FFFD), so two spellings of one key are caught too.
 */
#ifndef MIRROR_JSON_KEYS_H
#define MIRROR_JSON_KEYS_H

#include <stdbool.h>
#include <stddef.h>

struct mirror_json_key {
	size_t off;        /* decoded bytes in the arena */
	size_t len;
	size_t at;         /* byte offset of the key in the document */
};

/* The keys of the objects open at this point, innermost last. */
struct mirror_json_keys {
	char *arena;       /* owned */
	size_t alen, acap;
	struct mirror_json_key *v;  /* owned */
	size_t n, cap;
};

/* Where one object's keys start (taken when the object opens). */
struct mirror_json_mark {
	size_t n, alen;
};

void mirror_json_keys_init(struct mirror_json_keys *k);
void mirror_json_keys_free(struct mirror_json_keys *k);
struct mirror_json_mark mirror_json_keys_mark(const struct mirror_json_keys *k);

/* Outcomes of adding a key. */
enum mirror_json_key_add {
	MIRROR_JSON_KEY_OK,
	MIRROR_JSON_KEY_NUL,     /* it holds \u0000: json-c would cut it there */
	MIRROR_JSON_KEY_NOMEM
};

/*
 * Adds the key whose escaped text (between the quotes, already checked by
 * json_check.c) is s[0..n), found at byte at of the document.
 */
enum mirror_json_key_add mirror_json_keys_add(struct mirror_json_keys *k,
					      const unsigned char *s, size_t n,
					      size_t at);

/*
 * Closes the object opened at mark: true when two of its keys are equal,
 * with the later one in *dup (its decoded bytes stay valid until the next
 * call). The object's keys are dropped either way.
 */
bool mirror_json_keys_close(struct mirror_json_keys *k, struct mirror_json_mark mark,
			    struct mirror_json_key *dup);

/* The decoded bytes of a key returned by mirror_json_keys_close. */
const char *mirror_json_keys_text(const struct mirror_json_keys *k,
				  const struct mirror_json_key *key);

#endif
