/*
 * strmap.c — string → dense index map (see strmap.h for the design).
 */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a over the key's bytes. */
static uint32_t
hash_bytes(const char *s, size_t len)
{
	uint32_t	h = 2166136261u;

	for (size_t i = 0; i < len; i++)
	{
		h ^= (unsigned char) s[i];
		h *= 16777619u;
	}
	return h;
}

/* Initialise an empty map. */
void
strmap_init(strmap *m)
{
	memset(m, 0, sizeof(*m));
}

/* Free every key and the map's arrays. */
void
strmap_free(strmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->lens);
	free(m->hashes);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

/* Rebuild the slot table at twice the size. */
static int
strmap_grow(strmap *m)
{
	size_t		nslots = m->nslots ? m->nslots * 2 : 64;
	uint32_t   *slots = calloc(nslots, sizeof(uint32_t));

	if (!slots)
		return -1;
	for (size_t i = 0; i < m->n; i++)
	{
		size_t		s = m->hashes[i] & (nslots - 1);

		while (slots[s])
			s = (s + 1) & (nslots - 1);
		slots[s] = (uint32_t) i + 1;
	}
	free(m->slots);
	m->slots = slots;
	m->nslots = nslots;
	return 0;
}

/* Return the index of key, or -1 if it is not in the map. */
int64_t
strmap_find(const strmap *m, const char *key, size_t len)
{
	uint32_t	h;
	size_t		s;

	if (!m->nslots)
		return -1;
	h = hash_bytes(key, len);
	for (s = h & (m->nslots - 1); m->slots[s]; s = (s + 1) & (m->nslots - 1))
	{
		uint32_t	i = m->slots[s] - 1;

		if (m->hashes[i] == h && m->lens[i] == len && memcmp(m->keys[i], key, len) == 0)
			return i;
	}
	return -1;
}

/* Return the index of key, inserting it if absent; -1 on out of memory. */
int64_t
strmap_intern(strmap *m, const char *key, size_t len)
{
	int64_t		found = strmap_find(m, key, len);
	uint32_t	h;
	size_t		s;
	char	   *copy;

	if (found >= 0)
		return found;
	if ((m->n + 1) * 2 > m->nslots && strmap_grow(m) != 0)
		return -1;
	if (m->n == m->cap)
	{
		size_t		cap = m->cap ? m->cap * 2 : 64;
		char	  **keys = realloc(m->keys, cap * sizeof(char *));
		size_t	   *lens;
		uint32_t   *hashes;

		if (!keys)
			return -1;
		m->keys = keys;
		lens = realloc(m->lens, cap * sizeof(size_t));
		if (!lens)
			return -1;
		m->lens = lens;
		hashes = realloc(m->hashes, cap * sizeof(uint32_t));
		if (!hashes)
			return -1;
		m->hashes = hashes;
		m->cap = cap;
	}
	copy = malloc(len + 1);
	if (!copy)
		return -1;
	memcpy(copy, key, len);
	copy[len] = '\0';
	h = hash_bytes(key, len);
	m->keys[m->n] = copy;
	m->lens[m->n] = len;
	m->hashes[m->n] = h;
	for (s = h & (m->nslots - 1); m->slots[s]; s = (s + 1) & (m->nslots - 1))
		;
	m->slots[s] = (uint32_t) m->n + 1;
	return (int64_t) m->n++;
}
