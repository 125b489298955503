/*
 * child.c — run a sesami-worker helper process under limits (see child.h).
 *
 * Parent side (child_run): posix_spawn of /proc/self/exe with pipes on stdin
 * and stdout (both O_CLOEXEC, so concurrent jobs' children never inherit each
 * other's pipes), the input written then closed, stdout read with poll() and
 * split into lines; SIGKILL at the deadline or when a hook says stop; then
 * waitpid.  Child side (child_guard): PR_SET_PDEATHSIG, then getppid() is
 * compared with the pid the parent passed (the parent may have died before
 * prctl ran), and alarm() ends the child at its own wall-time limit.
 */
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Seconds since an arbitrary point (monotonic). */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run a child to its end; see child.h. */
child_end
child_run(const child_spec *spec, int *wstatus, char *err, size_t errlen)
{
	int			in_pipe[2],
				out_pipe[2];
	posix_spawn_file_actions_t fa;
	pid_t		pid;
	int			rc;
	char		buf[4096];
	size_t		used = 0;
	bool		timed_out = false,
				stopped = false;
	double		deadline = spec->timeout_s > 0 ? now_s() + spec->timeout_s : 0;

	*wstatus = 0;
	if (pipe2(in_pipe, O_CLOEXEC) != 0)
	{
		snprintf(err, errlen, "could not create pipes: %s", strerror(errno));
		return CHILD_NOT_STARTED;
	}
	if (pipe2(out_pipe, O_CLOEXEC) != 0)
	{
		snprintf(err, errlen, "could not create pipes: %s", strerror(errno));
		close(in_pipe[0]);
		close(in_pipe[1]);
		return CHILD_NOT_STARTED;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
	rc = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, spec->argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in_pipe[0]);
	close(out_pipe[1]);
	if (rc != 0)
	{
		close(in_pipe[1]);
		close(out_pipe[0]);
		snprintf(err, errlen, "could not start the %s process: %s", spec->argv[1], strerror(rc));
		return CHILD_NOT_STARTED;
	}

	/* a short write means the child is gone; its exit status says why */
	if (spec->input && spec->input_len > 0)
	{
		sigset_t	pipe_set,
					old;

		sigemptyset(&pipe_set);
		sigaddset(&pipe_set, SIGPIPE);
		pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
		if (write(in_pipe[1], spec->input, spec->input_len) < 0 && errno == EPIPE)
		{
			struct timespec zero = {0, 0};

			sigtimedwait(&pipe_set, NULL, &zero);
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	close(in_pipe[1]);

	for (;;)
	{
		struct pollfd pfd = {.fd = out_pipe[0],.events = POLLIN};
		double		left = deadline > 0 ? deadline - now_s() : 1.0;
		ssize_t		n;
		char	   *nl;

		if (left <= 0)
		{
			timed_out = true;
			break;
		}
		/* wake at least once a second: a silent child still lets hooks run */
		rc = poll(&pfd, 1, left < 1.0 ? (int) (left * 1000) + 1 : 1000);
		if (rc <= 0)
		{
			if (rc < 0 && errno != EINTR)
				continue;
			if (spec->on_idle && spec->on_idle(spec->arg) != 0)
			{
				stopped = true;
				break;
			}
			continue;
		}
		n = read(out_pipe[0], buf + used, sizeof(buf) - 1 - used);
		if (n <= 0)
			break;
		used += n;
		buf[used] = '\0';
		while ((nl = strchr(buf, '\n')) != NULL)
		{
			*nl = '\0';
			if (spec->on_line && spec->on_line(buf, spec->arg) != 0)
				stopped = true;
			memmove(buf, nl + 1, used - (nl + 1 - buf) + 1);
			used -= nl + 1 - buf;
		}
		if (used == sizeof(buf) - 1)
			used = 0;			/* an overlong line: drop it */
		if (stopped)
			break;
	}
	close(out_pipe[0]);

	if (timed_out || stopped)
		kill(pid, SIGKILL);
	while (waitpid(pid, wstatus, 0) < 0 && errno == EINTR)
		;
	if (stopped)
		return CHILD_STOPPED;
	if (timed_out)
		return CHILD_TIMED_OUT;
	return CHILD_EXITED;
}

/*
 * In a child: die with the parent whose pid is parent_pid, and end at
 * timeout_s seconds of wall time (SIGALRM; "0" for none).  Returns 0, or -1
 * when the parent is already gone (the caller exits).
 */
int
child_guard(const char *parent_pid, const char *timeout_s)
{
	long		parent = strtol(parent_pid, NULL, 10);
	long		timeout = strtol(timeout_s, NULL, 10);

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		return -1;
	/* the parent may have died before prctl: then nobody would kill us */
	if (parent <= 0 || getppid() != (pid_t) parent)
		return -1;
	if (timeout > 0)
	{
		signal(SIGALRM, SIG_DFL);
		alarm((unsigned int) timeout);
	}
	return 0;
}

/*
 * In a child: cap the address space (RLIMIT_AS) at bytes, a decimal string
 * ("0": no cap).  Under AddressSanitizer (make SANITIZE=1) there is no cap:
 * its shadow memory reserves terabytes of address space.  0, or -1.
 */
int
child_limit_memory(const char *bytes)
{
	struct rlimit rl;

	rl.rlim_cur = rl.rlim_max = strtoull(bytes, NULL, 10);
#ifdef __SANITIZE_ADDRESS__
	rl.rlim_cur = rl.rlim_max = 0;
#endif
	if (rl.rlim_cur == 0)
		return 0;
	return setrlimit(RLIMIT_AS, &rl);
}
