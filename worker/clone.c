/*
 * clone.c — bare clones in a limited child process, and run directories.
 *
 * Parent side (clone_repository): spawns /proc/self/exe _clone SOURCE DEST
 * MAX_BYTES MAX_OBJECTS MAX_MEMORY, writes the token (possibly empty) to the
 * child's stdin and closes it, then reads "progress R T" lines and a final
 * "error CLASS MESSAGE" line from the child's stdout with poll(), killing the
 * child (SIGKILL) if the wall-time limit passes or the progress callback,
 * called for every report and every second of silence, asks to stop.  Exit
 * status 0 is success.
 *
 * Child side (clone_child_main): sets RLIMIT_AS, reads the token, clones with
 * libgit2 (bare, no checkout, no tags, no redirects), enforcing the byte and
 * object limits in the transfer-progress callback and with
 * GIT_OPT_SET_PACK_MAX_OBJECTS, and the byte limit once more on the clone's
 * size on disk (local mirrors are copied without a byte count).  The token is
 * wiped after the clone.
 *
 * Run directories are "run-<pid>-XXXXXX" under a base directory (mode 0700);
 * rundir_clean_stale removes those whose process is gone, so a crashed
 * worker's clone never lingers.
 */
#define _GNU_SOURCE
#include "clone.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>

#include <git2.h>

#include "seal.h"

extern char **environ;

/* Sensible limits for a GitHub repository analysis. */
void
clone_limits_default(clone_limits *limits)
{
	limits->max_bytes = 2ULL << 30;		/* 2 GiB received */
	limits->max_objects = 10000000;		/* 10 M objects */
	limits->timeout_s = 900;
	limits->max_memory = 4ULL << 30;	/* 4 GiB address space */
#ifdef __SANITIZE_ADDRESS__
	/* make SANITIZE=1: ASan reserves terabytes of address space for shadow */
	limits->max_memory = 0;
#endif
}

/*
 * Where to clone from: a local mirror MIRROR/HOST/OWNER/NAME(.git) when one
 * exists (offline installs, tests, the demo), else the URL itself.
 */
const char *
clone_source(const char *url, const char *mirror_dir, char *buf, size_t buflen)
{
	const char *rest;
	struct stat st;

	if (mirror_dir == NULL || *mirror_dir == '\0' || strncmp(url, "https://", 8) != 0)
		return url;
	rest = url + 8;
	snprintf(buf, buflen, "%s/%s.git", mirror_dir, rest);
	if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
		return buf;
	snprintf(buf, buflen, "%s/%s", mirror_dir, rest);
	if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
		return buf;
	return url;
}

/* Seconds since an arbitrary point (monotonic). */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Parse the child's final "error CLASS MESSAGE" line into status and err. */
static clone_status
parse_child_error(const char *line, char *err, size_t errlen)
{
	const char *msg = strchr(line + 6, ' ');

	snprintf(err, errlen, "%s", msg ? msg + 1 : "clone failed");
	if (strncmp(line + 6, "retryable", 9) == 0)
		return CLONE_RETRYABLE;
	if (strncmp(line + 6, "limit", 5) == 0)
		return CLONE_TOO_LARGE;
	return CLONE_PERMANENT;
}

/* Clone source into dest (bare) in a child process under limits. */
clone_status
clone_repository(const char *source, const char *dest, const char *token,
				 const clone_limits *limits, clone_progress_fn progress, void *arg,
				 char *err, size_t errlen)
{
	int			in_pipe[2],
				out_pipe[2];
	char		bytes[32],
				objects[32],
				memory[32];
	char	   *argv[] = {"sesami-worker", "_clone", (char *) source, (char *) dest,
	bytes, objects, memory, NULL};
	posix_spawn_file_actions_t fa;
	pid_t		pid;
	int			rc,
				wstatus = 0;
	char		buf[4096];
	size_t		used = 0;
	clone_status st = CLONE_OK;
	bool		have_error = false,
				timed_out = false,
				stopped = false;
	double		deadline = now_s() + limits->timeout_s;
	double		fraction = 0.0;

	snprintf(bytes, sizeof(bytes), "%llu", (unsigned long long) limits->max_bytes);
	snprintf(objects, sizeof(objects), "%llu", (unsigned long long) limits->max_objects);
	snprintf(memory, sizeof(memory), "%llu", (unsigned long long) limits->max_memory);

	if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0)
	{
		snprintf(err, errlen, "could not create pipes: %s", strerror(errno));
		return CLONE_RETRYABLE;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
	rc = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in_pipe[0]);
	close(out_pipe[1]);
	if (rc != 0)
	{
		close(in_pipe[1]);
		close(out_pipe[0]);
		snprintf(err, errlen, "could not start the clone process: %s", strerror(rc));
		return CLONE_RETRYABLE;
	}

	/* the token goes over the pipe; an empty write means "no token" */
	if (token && *token)
	{
		size_t		len = strlen(token);

		/* a short write means the child is gone; its exit status says why */
		if (write(in_pipe[1], token, len) != (ssize_t) len)
			len = 0;
	}
	close(in_pipe[1]);

	for (;;)
	{
		struct pollfd pfd = {.fd = out_pipe[0],.events = POLLIN};
		double		left = deadline - now_s();
		ssize_t		n;
		char	   *nl;

		if (left <= 0)
		{
			timed_out = true;
			break;
		}
		/* wake at least once a second: a silent clone still reports */
		rc = poll(&pfd, 1, left < 1.0 ? (int) (left * 1000) + 1 : 1000);
		if (rc <= 0)
		{
			if (rc < 0 && errno != EINTR)
				continue;
			if (progress && progress(fraction, arg) != 0)
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
			unsigned long long r,
						t;

			*nl = '\0';
			if (sscanf(buf, "progress %llu %llu", &r, &t) == 2 && t > 0)
			{
				fraction = (double) r / t;
				if (progress && progress(fraction, arg) != 0)
					stopped = true;
			}
			else if (strncmp(buf, "error ", 6) == 0)
			{
				st = parse_child_error(buf, err, errlen);
				have_error = true;
			}
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
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	if (stopped)
	{
		snprintf(err, errlen, "the clone was stopped");
		return CLONE_STOPPED;
	}
	if (timed_out)
	{
		snprintf(err, errlen, "clone did not finish within %d seconds", limits->timeout_s);
		return CLONE_TOO_LARGE;
	}
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 && !have_error)
		return CLONE_OK;
	if (!have_error)
	{
		if (WIFSIGNALED(wstatus))
			snprintf(err, errlen, "clone process was killed by signal %d (memory limit?)",
					 WTERMSIG(wstatus));
		else
			snprintf(err, errlen, "clone process failed with exit code %d",
					 WEXITSTATUS(wstatus));
		return WIFSIGNALED(wstatus) ? CLONE_TOO_LARGE : CLONE_PERMANENT;
	}
	return st;
}

/* State shared with the child's libgit2 callbacks. */
typedef struct clone_child
{
	char	   *token;
	uint64_t	max_bytes;
	uint64_t	max_objects;
	int			limit_hit;
	int			tried_credentials;
	unsigned int last_reported;
} clone_child;

/* Transfer callback: enforce limits, report progress about every 1 %. */
static int
child_transfer(const git_indexer_progress *stats, void *payload)
{
	clone_child *c = payload;
	unsigned int step;

	if (stats->received_bytes > c->max_bytes ||
		(c->max_objects && stats->total_objects > c->max_objects))
	{
		c->limit_hit = 1;
		return -1;
	}
	step = stats->total_objects ? stats->received_objects * 100u / stats->total_objects : 0;
	if (step != c->last_reported)
	{
		c->last_reported = step;
		printf("progress %u %u\n", stats->received_objects, stats->total_objects);
		fflush(stdout);
	}
	return 0;
}

/* Credentials callback: the token as an in-memory HTTPS password, once. */
static int
child_credentials(git_credential **out, const char *url, const char *username,
				  unsigned int allowed, void *payload)
{
	clone_child *c = payload;

	(void) url;
	(void) username;
	if (c->token == NULL || c->tried_credentials || !(allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT))
		return GIT_PASSTHROUGH;
	c->tried_credentials = 1;
	return git_credential_userpass_plaintext_new(out, "x-access-token", c->token);
}

/* Classify a libgit2 error: retryable network trouble or a permanent failure. */
static const char *
error_class(const git_error *e)
{
	if (e == NULL)
		return "permanent";
	if ((e->klass == GIT_ERROR_NET || e->klass == GIT_ERROR_SSL || e->klass == GIT_ERROR_HTTP) &&
		strstr(e->message, "404") == NULL && strstr(e->message, "401") == NULL &&
		strstr(e->message, "403") == NULL && strstr(e->message, "authentication") == NULL)
		return "retryable";
	return "permanent";
}

static uint64_t dir_total;

/* nftw callback: add up the sizes of regular files. */
static int
add_size(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void) path;
	(void) ftw;
	if (flag == FTW_F)
		dir_total += (uint64_t) sb->st_size;
	return 0;
}

/* Total size of the regular files under path. */
static uint64_t
dir_bytes(const char *path)
{
	dir_total = 0;
	nftw(path, add_size, 16, FTW_PHYS);
	return dir_total;
}

/* Child entry point: `sesami-worker _clone SOURCE DEST MAX_BYTES MAX_OBJECTS MAX_MEMORY`. */
int
clone_child_main(int argc, char **argv)
{
	clone_child c = {0};
	git_clone_options opts;
	git_repository *repo = NULL;
	char		token[4096];
	size_t		tlen = 0;
	ssize_t		n;
	struct rlimit rl;
	int			rc;

	if (argc != 7)
	{
		printf("error permanent internal: bad _clone arguments\n");
		return 2;
	}
	c.max_bytes = strtoull(argv[4], NULL, 10);
	c.max_objects = strtoull(argv[5], NULL, 10);
	rl.rlim_cur = rl.rlim_max = strtoull(argv[6], NULL, 10);
	if (rl.rlim_cur > 0)
		setrlimit(RLIMIT_AS, &rl);

	while (tlen < sizeof(token) - 1 && (n = read(0, token + tlen, sizeof(token) - 1 - tlen)) > 0)
		tlen += n;
	token[tlen] = '\0';
	c.token = tlen ? token : NULL;

	git_libgit2_init();
	if (c.max_objects)
		git_libgit2_opts(GIT_OPT_SET_PACK_MAX_OBJECTS, (size_t) c.max_objects);
	/* a local mirror path may belong to another user; it is operator-provided */
	if (argv[2][0] == '/')
		git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);

	git_clone_options_init(&opts, GIT_CLONE_OPTIONS_VERSION);
	opts.bare = 1;
	opts.checkout_opts.checkout_strategy = GIT_CHECKOUT_NONE;
	opts.fetch_opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	opts.fetch_opts.follow_redirects = GIT_REMOTE_REDIRECT_NONE;
	opts.fetch_opts.callbacks.transfer_progress = child_transfer;
	opts.fetch_opts.callbacks.credentials = child_credentials;
	opts.fetch_opts.callbacks.payload = &c;

	rc = git_clone(&repo, argv[2], argv[3], &opts);
	sesami_seal_wipe(token, sizeof(token));
	if (rc != 0)
	{
		const git_error *e = git_error_last();

		if (c.limit_hit)
			printf("error limit repository exceeds the clone limits (%llu bytes, %llu objects)\n",
				   (unsigned long long) c.max_bytes, (unsigned long long) c.max_objects);
		else
			printf("error %s could not clone the repository: %s\n", error_class(e),
				   e ? e->message : "unknown error");
		fflush(stdout);
		git_libgit2_shutdown();
		return 1;
	}
	git_repository_free(repo);
	git_libgit2_shutdown();

	/* local and mirror clones copy objects without a byte count: check the result */
	if (dir_bytes(argv[3]) > c.max_bytes)
	{
		printf("error limit repository exceeds the clone limits (%llu bytes)\n",
			   (unsigned long long) c.max_bytes);
		fflush(stdout);
		return 1;
	}
	return 0;
}

/* Create base (0700) if needed and a fresh run directory inside it. */
int
rundir_create(const char *base, char *out, size_t outlen, char *err, size_t errlen)
{
	if (mkdir(base, 0700) != 0 && errno != EEXIST)
	{
		snprintf(err, errlen, "could not create work directory \"%s\": %s", base, strerror(errno));
		return -1;
	}
	snprintf(out, outlen, "%s/run-%ld-XXXXXX", base, (long) getpid());
	if (mkdtemp(out) == NULL)
	{
		snprintf(err, errlen, "could not create a run directory in \"%s\": %s", base, strerror(errno));
		return -1;
	}
	return 0;
}

/* nftw callback: remove one entry (depth first, links not followed). */
static int
remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void) sb;
	(void) ftw;
	if (flag == FTW_DP)
		return rmdir(path) == 0 ? 0 : 0;
	unlink(path);
	return 0;
}

/* Remove a run directory and everything in it. */
void
rundir_remove(const char *path)
{
	if (path && *path)
		nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Remove run directories left by processes that no longer exist. */
int
rundir_clean_stale(const char *base)
{
	DIR		   *d = opendir(base);
	struct dirent *e;
	int			removed = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
	{
		long		pid;
		char		path[4096];

		if (sscanf(e->d_name, "run-%ld-", &pid) != 1 || pid <= 0)
			continue;
		if (kill((pid_t) pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", base, e->d_name);
		rundir_remove(path);
		removed++;
	}
	closedir(d);
	return removed;
}
