/*
 * glob.h — a small case-insensitive shell-glob matcher for path rules.
 *
 * The language and tech-stack rule tables only need '*' (any run of
 * characters) and '?' (one character); everything else, '[' included, is
 * literal.  ASCII case folding, no locale, no allocation, and an explicit
 * text length so path segments can be matched in place without copying.
 */
#ifndef SESAMI_GLOB_H
#define SESAMI_GLOB_H

#include <stddef.h>

/* With this flag '*' and '?' never match '/'. */
#define GLOB_PATHNAME 1

/* Does text (len bytes) match pattern, ignoring ASCII case? */
extern int	glob_match_n(const char *pattern, const char *text, size_t len, int flags);

/* Does the NUL-terminated text match pattern, ignoring ASCII case? */
extern int	glob_match(const char *pattern, const char *text, int flags);

/* Is the pattern free of wildcards (so a plain comparison will do)? */
extern int	glob_is_literal(const char *pattern);

#endif							/* SESAMI_GLOB_H */
