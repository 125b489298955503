/*
 * history.h — per-author commit statistics over the history of one commit.
 *
 * history_scan() walks every commit reachable from a start commit and, for
 * each non-merge commit, diffs it against its parent (the empty tree for a
 * root commit; a shallow clone's boundary commits too) with renames paired
 * (like `git log --numstat` with git's default diff.renames; inexact
 * pairing only up to 100 x 100 added x deleted files per commit), and adds
 * to the commit author's totals
 * (after .mailmap): commits, first and last author time, added and deleted
 * lines (binary files count no lines) and the set of paths touched.  Merge
 * commits are counted in the repository total only.
 *
 * It shares nothing with blame.c, so the analysis runs it in its own thread
 * with its own git_repository while the blame runs.  It can also be split
 * into shards: shard k of n diffs only the k-th of every n commits in walk
 * order (every shard still counts all commits and merges), and the caller
 * adds the shards' per-author totals up.
 */
#ifndef SESAMI_HISTORY_H
#define SESAMI_HISTORY_H

#include <stdint.h>

#include <git2.h>

#include "blame.h"
#include "strmap.h"

/* Totals for one author e-mail. */
typedef struct history_author
{
	char	   *name;			/* name on the author's latest commit */
	int64_t		name_time;
	uint32_t	commits;		/* non-merge commits */
	int64_t		first;			/* earliest author time (Unix seconds) */
	int64_t		last;			/* latest author time */
	uint64_t	additions;
	uint64_t	deletions;
	uint32_t   *paths;			/* distinct path ids touched (sorted at the end) */
	uint32_t	npaths;
	uint32_t	cap;
} history_author;

/* The result of history_scan(). */
typedef struct history_output
{
	strmap		emails;			/* author index -> mailmapped e-mail */
	history_author *authors;
	size_t		authors_cap;
	strmap		paths;			/* every path touched (by this shard) */
	uint64_t	commits;		/* all commits reachable, merges included */
	uint64_t	merges;
} history_output;

/*
 * Scan the history of start.  Returns 0, 1 if hooks->cancel asked to stop,
 * or -1 with a message in err.  Free out with history_output_free().
 */
int			history_scan(git_repository *repo, git_mailmap *mailmap, const git_oid *start,
						 unsigned shard, unsigned nshards, const blame_hooks *hooks,
						 history_output *out, char *err, size_t errlen);

/* Free everything history_scan() put into out. */
void		history_output_free(history_output *out);

/* Count the commits reachable from start (merges included); -1 on error. */
int64_t		history_count_commits(git_repository *repo, const git_oid *start, const strmap *shallow);

/*
 * Read a shallow clone's boundary (the "shallow" file in the git directory)
 * into set as raw 20-byte ids; an absent file leaves set empty.  0 or -1.
 */
int			history_read_shallow(git_repository *repo, strmap *set);

#endif
