/*
 * analysis.h — the database-free analysis of one local repository: the C API
 * the worker's modes call (`sesami-worker analyze` on the command line, and
 * the batch/poll/local modes after they cloned a repository).
 *
 * sesami_analyze() opens the repository (bare or not), reads HEAD, lists the
 * files at HEAD (binary files, symlinks and submodules are skipped and
 * listed), then in parallel runs
 *   - blame (blame.c): surviving lines per author and file, as `git blame`
 *     with default options and .mailmap would count them, and
 *   - history (history.c): per-author non-merge commits, first/last commit,
 *     added/deleted lines and files touched,
 * and merges both into an analysis_result keyed by mailmapped e-mail.
 * analysis_result_to_json() renders the versioned "sesami.analysis/1"
 * document with json-c; analysis_result_print_table() a git-fame-like table.
 *
 * Threads: with threads >= 2 the files are split over max(1, threads / 3)
 * blame walks and the history (commit statistics) over the other threads,
 * in shards of the commit list; each thread has its own git_repository.
 * The progress hook is only ever called from the thread that called
 * sesami_analyze(); the cancel hook too.
 */
#ifndef SESAMI_ANALYSIS_H
#define SESAMI_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#define ANALYSIS_SCHEMA "sesami.analysis/1"

/* Called with a stage name ("open", "scan", "blame", "history", "done") and 0..1. */
typedef void (*analysis_progress_fn) (const char *stage, double fraction, void *arg);

/* Return non-zero to stop the analysis at the next check (sesami_analyze returns 1). */
typedef int (*analysis_cancel_fn) (void *arg);

/* What to analyse and how; start from analysis_options_init(). */
typedef struct analysis_options
{
	const char *const *authors;	/* the user's e-mails (and GitHub noreply forms) */
	size_t		nauthors;
	int			threads;		/* 0: number of CPUs, at most 8 */
	uint64_t	max_file_bytes;	/* skip larger files ("too large"); 0: no limit */
	analysis_progress_fn progress;
	analysis_cancel_fn cancel;
	void	   *cb_arg;
} analysis_options;

/* One author (mailmapped e-mail) with blame and commit totals. */
typedef struct analysis_author
{
	char	   *name;
	char	   *email;
	uint64_t	lines;			/* surviving lines at HEAD */
	double		share;			/* lines / total lines */
	uint32_t	commits;		/* non-merge commits */
	uint64_t	additions;
	uint64_t	deletions;
	uint32_t	files;			/* distinct paths touched */
	int64_t		first_commit;	/* author time, Unix seconds; 0 if no commit */
	int64_t		last_commit;
	bool		is_user;		/* matched by analysis_options.authors */
} analysis_author;

/* Lines of one file written by one author. */
typedef struct analysis_file_author
{
	uint32_t	author;			/* index into analysis_result.authors */
	uint32_t	lines;
} analysis_file_author;

/* One text file at HEAD. */
typedef struct analysis_file
{
	char	   *path;
	uint32_t	lines;
	analysis_file_author *by_author;	/* most lines first */
	uint32_t	nby_author;
	int64_t		top_author;		/* index into authors, -1 for an empty file */
	uint32_t	top_lines;
	uint32_t	user_lines;		/* lines of the matched user */
} analysis_file;

/* A file at HEAD that is not counted, and why. */
typedef struct analysis_skip
{
	char	   *path;
	const char *reason;			/* "binary", "symlink", "submodule", "too large" */
} analysis_skip;

/* Totals for the authors matched by analysis_options.authors. */
typedef struct analysis_user
{
	char	  **emails;			/* as given */
	size_t		nemails;
	uint64_t	lines;
	double		share;
	uint32_t	commits;
	uint64_t	additions;
	uint64_t	deletions;
	uint32_t	files;			/* distinct paths touched under any matched address */
	int64_t		first_commit;
	int64_t		last_commit;
} analysis_user;

/* Everything sesami_analyze() found. */
typedef struct analysis_result
{
	char	   *repo_path;
	char		head[41];
	char	   *branch;			/* NULL if HEAD is detached */
	uint64_t	commits;		/* reachable from HEAD, merges included */
	uint64_t	merges;
	uint64_t	total_lines;
	analysis_author *authors;	/* sorted: lines, then commits, descending */
	size_t		nauthors;
	analysis_file *files;		/* sorted by path */
	size_t		nfiles;
	analysis_skip *skipped;
	size_t		nskipped;
	bool		has_user;
	analysis_user user;
	int			threads;
	double		scan_ms;
	double		blame_ms;		/* wall time of the blame threads */
	double		history_ms;
	double		total_ms;
	uint64_t	commits_visited;	/* blame walk (summed over threads) */
	uint64_t	diffs;
	uint64_t	renames;
} analysis_result;

/* Fill opt with defaults: no user, automatic threads, no hooks. */
void		analysis_options_init(analysis_options *opt);

/*
 * Analyse the repository at repo_path.  Returns 0 and *out on success, 1 if
 * the cancel hook stopped it, -1 with a message in err on failure.
 */
int			sesami_analyze(const char *repo_path, const analysis_options *opt,
						   analysis_result **out, char *err, size_t errlen);

/* The "sesami.analysis/1" JSON document for a result (caller puts it). */
json_object *analysis_result_to_json(const analysis_result *r);

/* Print a git-fame-like table of the result. */
void		analysis_result_print_table(const analysis_result *r, FILE *f);

/* Free a result. */
void		analysis_result_free(analysis_result *r);

/* True if e-mail matches one of the given user e-mails (case, GitHub noreply forms). */
bool		analysis_email_matches(const char *email, const char *const *given, size_t ngiven);

#endif
