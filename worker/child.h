/*
 * child.h — helper processes of sesami-worker, run under limits.
 *
 * Work that a hostile repository can blow up (the clone, the analysis) runs in
 * a child: the worker re-executes itself (/proc/self/exe) with a hidden
 * sub-command (`_clone`, `_analyze`).  The parent writes the child's input to
 * its stdin, reads its stdout line by line, calls a hook every second of
 * silence, and kills the child (SIGKILL) when its wall-time limit passes or a
 * hook asks to stop.  The child guards itself too (child_guard): it dies with
 * its parent (PR_SET_PDEATHSIG) and ends itself at its own wall-time limit,
 * so it never outlives a killed worker or a parent that stopped watching, and
 * caps its own address space (child_limit_memory).
 */
#ifndef SESAMI_WORKER_CHILD_H
#define SESAMI_WORKER_CHILD_H

#include <stddef.h>
#include <sys/types.h>

/* A child to run: argv (argv[0] is its name), stdin, limits and hooks. */
typedef struct child_spec
{
	char	  **argv;
	const char *input;			/* written to stdin, then closed; may be NULL */
	size_t		input_len;
	int			timeout_s;		/* wall time; <= 0: none */
	/* each line of stdout (without its newline); nonzero stops the child */
	int			(*on_line) (char *line, void *arg);
	/* every second without output; nonzero stops the child */
	int			(*on_idle) (void *arg);
	void	   *arg;
} child_spec;

/* How a child ended. */
typedef enum child_end
{
	CHILD_EXITED,				/* exited or was killed on its own: see wstatus */
	CHILD_TIMED_OUT,			/* the parent killed it at timeout_s */
	CHILD_STOPPED,				/* a hook asked to stop: the parent killed it */
	CHILD_NOT_STARTED			/* pipes or spawn failed: err says why */
} child_end;

child_end	child_run(const child_spec *spec, int *wstatus, char *err, size_t errlen);
int			child_guard(const char *parent_pid, const char *timeout_s);
int			child_limit_memory(const char *bytes);

#endif
