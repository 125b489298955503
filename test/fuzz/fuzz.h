/*
 * fuzz.h — what the libFuzzer targets under test/fuzz/ share: the entry
 * point's prototype, and a bounded NUL-terminated copy of an input (most
 * parsers here take C strings).  See test/fuzz/Makefile for the build and
 * test/fuzz.test.sh / test/fuzz/run-long.sh for the runs.
 */
#ifndef SESAMI_FUZZ_H
#define SESAMI_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* malloc'd copy of data[0..size) with a NUL after it (abort if out of memory). */
static inline char *
fuzz_cstring(const uint8_t *data, size_t size)
{
	char	   *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif							/* SESAMI_FUZZ_H */
