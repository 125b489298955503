/*
 * clone.h — safe repository clones for sesami-worker.
 *
 * A clone runs in a separate process: the worker re-executes itself as
 * `sesami-worker _clone`, with an address-space limit, and the parent kills it
 * when the wall-time limit passes (the child also ends itself then, and dies
 * with its parent).  A hostile or huge repository can then fail
 * its job, never the worker.  The clone is bare, with no checkout, no tags, no
 * submodules, no redirects; libgit2 runs no hooks or filters.  A token (for
 * private repositories) travels to the child on a pipe, never in argv or the
 * environment, and only as an in-memory credential offered to the host the
 * token was issued for (SESAMI_GITHUB_HOST, default github.com).
 */
#ifndef SESAMI_WORKER_CLONE_H
#define SESAMI_WORKER_CLONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct clone_limits
{
	uint64_t	max_bytes;		/* bytes received */
	uint64_t	max_objects;	/* objects in the pack */
	int			timeout_s;		/* wall time for the whole clone */
	uint64_t	max_memory;		/* address space of the clone process */
} clone_limits;

/* Clone outcomes. */
typedef enum clone_status
{
	CLONE_OK = 0,
	CLONE_PERMANENT = 1,		/* not found, denied, bad repository: do not retry */
	CLONE_RETRYABLE = 2,		/* network trouble: retry later */
	CLONE_TOO_LARGE = 3,		/* a limit was hit: do not retry */
	CLONE_STOPPED = 4,			/* the progress callback asked to stop */
} clone_status;

/*
 * Progress of a clone: fraction 0..1 of objects received.  Called for every
 * progress report and at least once a second while the clone is silent (a
 * stalled server), so the caller can keep its lease alive.  A nonzero return
 * stops the clone: the child is killed and clone_repository returns
 * CLONE_STOPPED.
 */
typedef int (*clone_progress_fn) (double fraction, void *arg);

void		clone_limits_default(clone_limits *limits);
const char *clone_source(const char *url, const char *mirror_dir, char *buf, size_t buflen);
clone_status clone_repository(const char *source, const char *dest, const char *token,
							  const clone_limits *limits, clone_progress_fn progress,
							  void *arg, char *err, size_t errlen);
int			clone_child_main(int argc, char **argv);
bool		url_host_is(const char *url, const char *host);
const char *github_host(void);

/* Run directories: private temp dirs, removed after use and after crashes. */
int			rundir_create(const char *base, char *out, size_t outlen, char *err, size_t errlen);
void		rundir_remove(const char *path);
int			rundir_clean_stale(const char *base);

#endif
