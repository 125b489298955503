/*
 * glob.c — case-insensitive '*' / '?' matching (see glob.h).
 *
 * Iterative matcher with single-star backtracking: on a mismatch it resumes
 * after the most recent '*', consuming one more text character.  That is
 * linear in practice and never recursive, so hostile paths cannot blow the
 * stack.  With GLOB_PATHNAME a '*' cannot swallow a '/', so backtracking
 * stops at one.
 */
#include "glob.h"

#include <ctype.h>
#include <string.h>

/* See glob.h. */
int
glob_match_n(const char *pat, const char *text, size_t len, int flags)
{
	const char *star = NULL;	/* pattern position after the last '*' */
	size_t		t = 0,
				star_t = 0;		/* text position that '*' is matched up to */

	while (t < len)
	{
		if (*pat == '*')
		{
			star = ++pat;
			star_t = t;
			continue;
		}
		if (*pat && (*pat == '?' ? !(flags & GLOB_PATHNAME) || text[t] != '/'
					 : tolower((unsigned char) *pat) == tolower((unsigned char) text[t])))
		{
			pat++;
			t++;
			continue;
		}
		/* mismatch: let the last '*' take one more character */
		if (!star || ((flags & GLOB_PATHNAME) && text[star_t] == '/'))
			return 0;
		pat = star;
		t = ++star_t;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

/* See glob.h. */
int
glob_match(const char *pattern, const char *text, int flags)
{
	return glob_match_n(pattern, text, strlen(text), flags);
}

/* See glob.h. */
int
glob_is_literal(const char *pattern)
{
	return strpbrk(pattern, "*?") == NULL;
}
