/*
 * clone.c — bare clones in a limited child process, and run directories.
 *
 * Parent side (clone_repository): runs `_clone SOURCE DEST MAX_BYTES
 * MAX_OBJECTS MAX_MEMORY TIMEOUT PARENT_PID` through child_run (child.h),
 * with the token (possibly empty) on its stdin; reads "progress R T" lines and
 * a final "error CLASS MESSAGE" line, and the child is killed if the wall-time
 * limit passes or the progress callback, called for every report and every
 * second of silence, asks to stop.  Exit status 0 is success.  A timeout is
 * retryable (a slow server); a limit is not.
 *
 * Child side (clone_child_main): dies with its parent and at its own
 * wall-time limit (child_guard), caps its address space
 * (child_limit_memory), reads the token, clones with libgit2 (bare, no
 * checkout, no tags, no redirects), enforcing the byte and object limits
 * in the transfer-progress callback and with GIT_OPT_SET_PACK_MAX_OBJECTS,
 * and the byte limit once more on the clone's size on disk (local mirrors
 * are copied without a byte count).  The token is offered only to its own
 * host (SESAMI_GITHUB_HOST, default github.com), and wiped after the clone.
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
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>

#include <git2.h>

#include "child.h"
#include "seal.h"

extern char **environ;

/*
 * True if url's host (scheme://[user@]HOST[:port]/...) is host, compared
 * without case; when host names a port, the port must match too.
 */
bool
url_host_is(const char *url, const char *host)
{
	const char *start = url ? strstr(url, "://") : NULL;
	const char *end,
			   *at;
	size_t		len;

	if (start == NULL || host == NULL || *host == '\0')
		return false;
	start += 3;
	end = start + strcspn(start, "/?#");
	at = memchr(start, '@', (size_t) (end - start));
	if (at)
		start = at + 1;
	len = (size_t) (end - start);
	if (strchr(host, ':') == NULL)
	{
		const char *colon = memchr(start, ':', len);

		if (colon)
			len = (size_t) (colon - start);
	}
	return len == strlen(host) && strncasecmp(start, host, len) == 0;
}

/* The host GitHub tokens are issued for: SESAMI_GITHUB_HOST, or github.com. */
const char *
github_host(void)
{
	const char *h = getenv("SESAMI_GITHUB_HOST");

	return h && *h ? h : "github.com";
}

/* Sensible limits for a GitHub repository analysis. */
void
clone_limits_default(clone_limits *limits)
{
	limits->max_bytes = 2ULL << 30;		/* 2 GiB received */
	limits->max_objects = 10000000;		/* 10 M objects */
	limits->timeout_s = 900;
	limits->max_memory = 4ULL << 30;	/* 4 GiB address space */
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

/* What the parent learns from the clone child's output. */
typedef struct clone_watch
{
	clone_progress_fn progress;
	void	   *arg;
	double		fraction;
	bool		have_error;
	clone_status st;
	char	   *err;
	size_t		errlen;
} clone_watch;

/* A line from the child: "progress R T" or "error CLASS MESSAGE". */
static int
clone_on_line(char *line, void *arg)
{
	clone_watch *w = arg;
	unsigned long long r,
				t;

	if (sscanf(line, "progress %llu %llu", &r, &t) == 2 && t > 0)
	{
		w->fraction = (double) r / t;
		return w->progress ? w->progress(w->fraction, w->arg) : 0;
	}
	if (strncmp(line, "error ", 6) == 0)
	{
		w->st = parse_child_error(line, w->err, w->errlen);
		w->have_error = true;
	}
	return 0;
}

/* A second of silence: report the progress so far (keeps the lease alive). */
static int
clone_on_idle(void *arg)
{
	clone_watch *w = arg;

	return w->progress ? w->progress(w->fraction, w->arg) : 0;
}

/* Clone source into dest (bare) in a child process under limits. */
clone_status
clone_repository(const char *source, const char *dest, const char *token,
				 const clone_limits *limits, clone_progress_fn progress, void *arg,
				 char *err, size_t errlen)
{
	char		bytes[32],
				objects[32],
				memory[32],
				timeout[32],
				parent[32];
	char	   *argv[] = {"sesami-worker", "_clone", (char *) source, (char *) dest,
	bytes, objects, memory, timeout, parent, NULL};
	clone_watch w = {.progress = progress,.arg = arg,.err = err,.errlen = errlen};
	child_spec	spec = {.argv = argv,.input = token,.input_len = token ? strlen(token) : 0,
	.timeout_s = limits->timeout_s,.on_line = clone_on_line,.on_idle = clone_on_idle,.arg = &w};
	int			wstatus;

	snprintf(bytes, sizeof(bytes), "%llu", (unsigned long long) limits->max_bytes);
	snprintf(objects, sizeof(objects), "%llu", (unsigned long long) limits->max_objects);
	snprintf(memory, sizeof(memory), "%llu", (unsigned long long) limits->max_memory);
	snprintf(timeout, sizeof(timeout), "%d", limits->timeout_s);
	snprintf(parent, sizeof(parent), "%ld", (long) getpid());

	switch (child_run(&spec, &wstatus, err, errlen))
	{
		case CHILD_NOT_STARTED:
			return CLONE_RETRYABLE;
		case CHILD_STOPPED:
			snprintf(err, errlen, "the clone was stopped");
			return CLONE_STOPPED;
		case CHILD_TIMED_OUT:
			/* a slow or stalled server: another attempt may do better */
			snprintf(err, errlen, "clone did not finish within %d seconds (SESAMI_CLONE_TIMEOUT)",
					 limits->timeout_s);
			return CLONE_RETRYABLE;
		case CHILD_EXITED:
			break;
	}
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 && !w.have_error)
		return CLONE_OK;
	if (w.have_error)
		return w.st;
	if (WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGALRM)
	{
		snprintf(err, errlen, "clone did not finish within %d seconds (SESAMI_CLONE_TIMEOUT)",
				 limits->timeout_s);
		return CLONE_RETRYABLE;
	}
	if (WIFSIGNALED(wstatus))
		snprintf(err, errlen, "clone process was killed by signal %d (memory limit?)",
				 WTERMSIG(wstatus));
	else
		snprintf(err, errlen, "clone process failed with exit code %d", WEXITSTATUS(wstatus));
	return WIFSIGNALED(wstatus) ? CLONE_TOO_LARGE : CLONE_PERMANENT;
}

/* State shared with the child's libgit2 callbacks. */
typedef struct clone_child
{
	char	   *token;
	const char *token_host;		/* the only host the token is offered to */
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

/*
 * Credentials callback: the token as an in-memory HTTPS password, once, and
 * only to the host it was issued for (any other host asking gets nothing).
 */
static int
child_credentials(git_credential **out, const char *url, const char *username,
				  unsigned int allowed, void *payload)
{
	clone_child *c = payload;

	(void) username;
	if (c->token == NULL || c->tried_credentials || !(allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) ||
		!url_host_is(url, c->token_host))
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

/*
 * Child entry point:
 * `sesami-worker _clone SOURCE DEST MAX_BYTES MAX_OBJECTS MAX_MEMORY TIMEOUT PARENT_PID`.
 */
int
clone_child_main(int argc, char **argv)
{
	clone_child c = {0};
	git_clone_options opts;
	git_repository *repo = NULL;
	char		token[4096];
	size_t		tlen = 0;
	ssize_t		n;
	int			rc;

	if (argc != 9)
	{
		printf("error permanent internal: bad _clone arguments\n");
		return 2;
	}
	if (child_guard(argv[8], argv[7]) != 0)
		return 2;
	c.max_bytes = strtoull(argv[4], NULL, 10);
	c.max_objects = strtoull(argv[5], NULL, 10);
	if (child_limit_memory(argv[6]) != 0)
	{
		printf("error permanent internal: could not set the clone memory limit\n");
		return 2;
	}

	while (tlen < sizeof(token) - 1 && (n = read(0, token + tlen, sizeof(token) - 1 - tlen)) > 0)
		tlen += n;
	token[tlen] = '\0';
	c.token = tlen ? token : NULL;
	c.token_host = github_host();

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
