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

/*
 * A reader for one (repository, commit): it notes once which directories of
 * the commit hold a .gitattributes file, and answers "unset" without asking
 * libgit2 for paths no such file (nor info/attributes) can affect.  Use it
 * when classifying a whole tree.  One thread at a time.
 */
typedef struct lang_attr_reader lang_attr_reader;

/* Create a reader; NULL with a libgit2 error set on failure. */
extern lang_attr_reader *lang_attr_reader_new(git_repository *repo, const git_oid *commit);

/* lang_attrs_from_git through the reader (same results, fewer lookups). */
extern int	lang_attr_reader_get(lang_attr_reader *reader, const char *path,
								 lang_attrs *out);

/* Free a reader (NULL is fine). */
extern void lang_attr_reader_free(lang_attr_reader *reader);

#endif							/* SESAMI_LANGUAGES_GIT_H */
