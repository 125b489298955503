/*
 * languages_git.h — Linguist .gitattributes overrides looked up with libgit2.
 *
 * Separate from languages.c so the classifier itself stays a pure function
 * of (path, content, attributes); this is the one place that knows git.
 */
#ifndef SESAMI_LANGUAGES_GIT_H
#define SESAMI_LANGUAGES_GIT_H

#include <git2.h>

#include "languages.h"

/*
 * Fill *out with path's linguist-* attributes as of the given commit (the
 * .gitattributes files committed there, plus the repository's
 * info/attributes; no system or working-tree files, so it works on bare
 * clones).  Returns 0, or a libgit2 error code with *out cleared.
 */
extern int	lang_attrs_from_git(git_repository *repo, const git_oid *commit,
								const char *path, lang_attrs *out);

#endif							/* SESAMI_LANGUAGES_GIT_H */
