/*
 * strmap.h — a small string → index map used by the analysis code.
 *
 * Design: open addressing with linear probing over a power-of-two table of
 * slots; each key is copied once into the map (the map owns it) and mapped to
 * a dense index 0..n-1 in insertion order, so callers keep their per-key data
 * in plain arrays indexed by that number.  No deletion: the analysis interns
 * paths and e-mail addresses for the length of one run and frees the map at
 * the end.  Keys are byte strings of explicit length (paths need not be UTF-8).
 */
#ifndef SESAMI_STRMAP_H
#define SESAMI_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct strmap
{
	uint32_t   *slots;			/* index + 1, 0 = empty */
	size_t		nslots;			/* power of two */
	char	  **keys;			/* keys[i] = NUL-terminated copy */
	size_t	   *lens;			/* lens[i] = length of keys[i] */
	uint32_t   *hashes;			/* hashes[i] = hash of keys[i] */
	size_t		n;				/* number of keys */
	size_t		cap;			/* capacity of keys/lens/hashes */
} strmap;

/* Initialise an empty map. */
void		strmap_init(strmap *m);

/* Free every key and the map's arrays. */
void		strmap_free(strmap *m);

/* Return the index of key, inserting it if absent; -1 on out of memory. */
int64_t		strmap_intern(strmap *m, const char *key, size_t len);

/* Return the index of key, or -1 if it is not in the map. */
int64_t		strmap_find(const strmap *m, const char *key, size_t len);

/* Return the key stored at index i. */
static inline const char *
strmap_key(const strmap *m, uint32_t i)
{
	return m->keys[i];
}

#endif
