/*
 * util.h — small helpers several worker files need (inline: no object to link).
 */
#ifndef SESAMI_WORKER_UTIL_H
#define SESAMI_WORKER_UTIL_H

#include <stdint.h>
#include <string.h>

/* The base name of a path ("a/b/c.txt" -> "c.txt"). */
static inline const char *
path_base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* qsort comparator for uint32_t. */
static inline int
u32_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *) a,
				y = *(const uint32_t *) b;

	return x < y ? -1 : x > y;
}

#endif							/* SESAMI_WORKER_UTIL_H */
