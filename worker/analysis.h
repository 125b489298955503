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
 * and merges both into an analysis_result with one author per person
 * (mailmapped e-mails equal but for case, and GitHub noreply forms of one
 * login, are one author).  Every blamed file gets a Linguist class (code,
 * documentation, vendored, generated, binary); an author's headline "lines"
 * count only code, "blame_lines" everything `git blame` would count.
 * analysis_result_to_json() renders the versioned "sesami.analysis/2"
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

#define ANALYSIS_SCHEMA "sesami.analysis/2"

/*
 * What a blamed (git text) file is, by Linguist's rules (languages.c, with the
 * repository's .gitattributes): only ANALYSIS_CODE lines make an author's
 * "lines"; documentation is shown apart; the rest only in "blame_lines".
 */
typedef enum analysis_class
{
	ANALYSIS_CODE,				/* any text file Linguist does not exclude */
	ANALYSIS_DOCUMENTATION,
	ANALYSIS_VENDORED,
	ANALYSIS_GENERATED,
	ANALYSIS_BINARY,			/* text to git, binary to Linguist (PDF, .ai ...) */
	ANALYSIS_NCLASSES
} analysis_class;

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

/*
 * One person: the mailmapped e-mails that differ only in case, and the GitHub
 * noreply forms of one login, merged; name and e-mail of the latest commit.
 */
typedef struct analysis_author
{
	char	   *name;
	char	   *email;
	char	  **emails;			/* every mailmapped e-mail merged here */
	size_t		nemails;
	uint64_t	lines;			/* surviving lines at HEAD in code files */
	double		share;			/* lines / code lines */
	uint64_t	doc_lines;		/* surviving lines in documentation files */
	uint64_t	blame_lines;	/* surviving lines in every blamed file */
	double		blame_share;	/* blame_lines / all blamed lines */
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
	analysis_class cls;
	const char *rule;			/* static text: the Linguist rule behind cls */
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
	uint64_t	lines;			/* code lines */
	double		share;
	uint64_t	doc_lines;
	uint64_t	blame_lines;
	double		blame_share;
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
	uint64_t	total_lines;	/* every blamed line */
	uint64_t	class_lines[ANALYSIS_NCLASSES];	/* blamed lines per file class */
	uint64_t	class_files[ANALYSIS_NCLASSES];
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

/* The "sesami.analysis/2" JSON document for a result (caller puts it). */
json_object *analysis_result_to_json(const analysis_result *r);

/* Print a git-fame-like table of the result. */
void		analysis_result_print_table(const analysis_result *r, FILE *f);

/* Free a result. */
void		analysis_result_free(analysis_result *r);

/* Name of a file class ("code", "documentation", ...). */
const char *analysis_class_name(analysis_class cls);

/* True if e-mail matches one of the given user e-mails (case, GitHub noreply forms). */
bool		analysis_email_matches(const char *email, const char *const *given, size_t ngiven);

#endif
