/*
 * blame.h — sesami's own whole-repository blame over libgit2.
 *
 * blame_files() attributes every line of a set of files at one commit (the
 * "targets", normally every text file at HEAD) to the commit that introduced
 * it, with the rules of `git blame` under default options, and returns the
 * surviving-line count per (target file, author).  Authors are the commit
 * authors after .mailmap, keyed by e-mail exactly as `git blame
 * --line-porcelain` prints them in author-mail.
 *
 * Unlike git_blame_file() (one history walk per file) this walks history
 * once for all targets: a date-ordered commit queue, per-commit "origins"
 * (commit, path) holding the line ranges still looking for an owner,
 * path-limited tree lookups against each parent, and libgit2's xdiff (with
 * the indent heuristic, zero context) to pass unchanged lines on.  See
 * blame.c for the exact rules.
 *
 * Thread use: one call per git_repository; calls on different repository
 * handles may run in parallel threads.
 */
#ifndef SESAMI_BLAME_H
#define SESAMI_BLAME_H

#include <stddef.h>
#include <stdint.h>

#include <git2.h>

#include "strmap.h"

/* One file to blame: its path and blob at the starting commit. */
typedef struct blame_target
{
	const char *path;
	git_oid		blob;
	uint32_t	lines;			/* line count of the blob (set by the caller) */
	uint32_t	id;				/* caller's number for this file, echoed in counts */
} blame_target;

/* Surviving lines of one target file written by one author. */
typedef struct blame_count
{
	uint32_t	file;			/* blame_target.id */
	uint32_t	author;			/* index into blame_output.emails */
	uint32_t	lines;
} blame_count;

/* The result of blame_files(). */
typedef struct blame_output
{
	strmap		emails;			/* author index -> mailmapped e-mail */
	char	  **names;			/* author index -> mailmapped name */
	blame_count *counts;		/* one row per (file, author) with lines > 0 */
	size_t		ncounts;
	uint64_t	commits_visited;	/* commits whose origins were processed */
	uint64_t	diffs;			/* blob pairs diffed */
	uint64_t	rename_searches;	/* parent trees searched for a rename source */
	uint64_t	renames;		/* renames followed */
} blame_output;

/* Progress and cancellation hooks, and the shallow boundary; every member may be NULL/0. */
typedef struct blame_hooks
{
	int			(*cancel) (void *arg);	/* non-zero: stop as soon as possible */
	void		(*progress) (double fraction, void *arg);
	void	   *arg;
	size_t		total_commits;	/* estimate used to scale progress */
	const strmap *shallow;		/* raw ids of a shallow clone's boundary commits
								 * (their parents are absent), or NULL */
} blame_hooks;

/*
 * Blame ntargets files at commit `start`.  Returns 0 on success, 1 if the
 * cancel hook asked to stop, -1 on error with a message in err.  On success
 * the caller frees out with blame_output_free().
 */
int			blame_files(git_repository *repo, git_mailmap *mailmap, const git_oid *start,
						const blame_target *targets, size_t ntargets,
						const blame_hooks *hooks, blame_output *out,
						char *err, size_t errlen);

/* Free everything blame_files() put into out. */
void		blame_output_free(blame_output *out);

/* Number of lines in a buffer the way git counts them (a last line without a newline counts). */
uint32_t	blame_count_lines(const char *buf, size_t len);

/* git's rename threshold (50 %) on the 0..60000 similarity scale. */
#define BLAME_SCORE_RENAME 30000

/*
 * git's rename similarity of src to dst on a 0..60000 scale, or 0 when the
 * sizes alone rule out min_score; -1 if out of memory.
 */
int			blame_similarity(const char *src, size_t slen, const char *dst, size_t dlen, int min_score);

/* True if the buffer looks binary to git: a NUL byte in its first 8000 bytes. */
int			blame_is_binary(const char *buf, size_t len);

#endif
