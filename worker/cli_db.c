/*
 * cli_db.c — command line of the database-backed modes (local, batch, poll)
 * and of the internal clone child (_clone).
 *
 * Configuration comes from the environment (DATABASE_URL, SQS_QUEUE_URL,
 * AWS_REGION, AWS_ENDPOINT_URL, SESAMI_*; see worker_config_init), optionally
 * filled from a Secrets Manager secret first (SESAMI_SECRET_ARN, secrets.c),
 * and can be overridden by flags.  SIGTERM and SIGINT ask the worker to stop: no new job
 * is taken, a running one is released (recorded as a retryable failure).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <git2.h>

#include "cli_db.h"
#include "job.h"
#include "secrets.h"

/* Print the usage text of the database modes. */
static void
modes_usage(FILE *out)
{
	fputs("usage: sesami-worker local [--once] [OPTIONS]   claim queued jobs from PostgreSQL (LISTEN/NOTIFY)\n"
		  "       sesami-worker batch [OPTIONS]            one job from $SQS_MESSAGE_BODY (AWS Batch)\n"
		  "       sesami-worker poll [OPTIONS]             jobs from SQS by long polling\n"
		  "\n"
		  "options:\n"
		  "  --once            local: exit when no job is queued\n"
		  "  --threads N       analysis threads per job (default: one per CPU)\n"
		  "  --concurrency N   poll: jobs at once (default 2, $SESAMI_CONCURRENCY)\n"
		  "  --visibility S    poll: message visibility while working (default 300)\n"
		  "  --workdir DIR     where clones go (default /tmp/sesami-worker, $SESAMI_WORK_DIR)\n"
		  "  --mirror DIR      clone https://HOST/OWNER/REPO from DIR/HOST/OWNER/REPO.git when it\n"
		  "                    exists (offline installs, tests; $SESAMI_MIRROR_DIR)\n"
		  "  --worker-id ID    name in the audit trail (default HOST-PID)\n"
		  "\n"
		  "environment: DATABASE_URL (libpq conninfo), SESAMI_DB_ROLE (default sesami_worker),\n"
		  "  SESAMI_SECRET_ARN (read the other settings from this Secrets Manager secret),\n"
		  "  SQS_QUEUE_URL, AWS_REGION, AWS_ENDPOINT_URL, SESAMI_WORKER_PRIVATE_KEY,\n"
		  "  SESAMI_MAX_CLONE_BYTES (2 GiB), SESAMI_CLONE_TIMEOUT (900 s),\n"
		  "  SESAMI_MAX_FILES (200000 at HEAD), SESAMI_MAX_FILE_BYTES (10 MiB; larger files are skipped)\n"
		  "\n"
		  "exit codes: 0 done (or failed for good, or nothing to do), 2 usage or configuration,\n"
		  "  75 nothing could be recorded (batch: the database was unreachable); retry\n",
		  out);
}

/* Signal handler: ask every loop to stop. */
static void
on_stop(int sig)
{
	(void) sig;
	worker_stop = 1;
}

/* Parse a whole number in [lo, hi]; -1 if it is not one. */
static long
number(const char *s, long lo, long hi)
{
	char	   *end;
	long		n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || *end || s[0] == '\0' || n < lo || n > hi)
		return -1;
	return n;
}

/* `sesami-worker local|batch|poll ...` */
int
cmd_database_mode(int argc, char **argv)
{
	worker_config cfg;
	const char *mode = argv[1];
	struct sigaction sa;
	int			rc;

	{
		char		err[512];
		int			n;

		if (git_libgit2_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		{
			worker_log("could not initialise libgit2 or libcurl");
			return EXIT_RETRY;
		}
		/* SESAMI_SECRET_ARN: configuration from Secrets Manager, before it is read */
		n = load_secret_config(err, sizeof(err));
		if (n < 0)
		{
			worker_log("%s", err);
			return EXIT_RETRY;
		}
		if (n > 0)
			worker_log("read %d setting(s) from Secrets Manager", n);
	}
	worker_config_init(&cfg);
	for (int i = 2; i < argc; i++)
	{
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		long		n;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
		{
			modes_usage(stdout);
			return EXIT_DONE;
		}
		if (strcmp(a, "--once") == 0)
		{
			cfg.once = true;
			continue;
		}
		if (v == NULL)
		{
			fprintf(stderr, "sesami-worker: unknown option or missing value: \"%s\"\n", a);
			modes_usage(stderr);
			return EXIT_USAGE;
		}
		i++;
		if (strcmp(a, "--threads") == 0 && (n = number(v, 1, 64)) > 0)
			cfg.threads = (int) n;
		else if (strcmp(a, "--concurrency") == 0 && (n = number(v, 1, 64)) > 0)
			cfg.concurrency = (int) n;
		else if (strcmp(a, "--visibility") == 0 && (n = number(v, 30, 43200)) > 0)
			cfg.visibility_s = (int) n;
		else if (strcmp(a, "--workdir") == 0)
			cfg.workdir = v;
		else if (strcmp(a, "--mirror") == 0)
			cfg.mirror = v;
		else if (strcmp(a, "--worker-id") == 0 && strlen(v) < sizeof(cfg.worker_id))
			snprintf(cfg.worker_id, sizeof(cfg.worker_id), "%s", v);
		else
		{
			fprintf(stderr, "sesami-worker: invalid option \"%s %s\"\n", a, v);
			modes_usage(stderr);
			return EXIT_USAGE;
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (strcmp(mode, "local") == 0)
		rc = mode_local(&cfg);
	else if (strcmp(mode, "batch") == 0)
		rc = mode_batch(&cfg, getenv("SQS_MESSAGE_BODY"));
	else
		rc = mode_poll(&cfg);

	curl_global_cleanup();
	git_libgit2_shutdown();
	return rc;
}

/* True if argv[1] names a database mode (or the clone child). */
bool
is_database_mode(const char *cmd)
{
	return strcmp(cmd, "local") == 0 || strcmp(cmd, "batch") == 0 || strcmp(cmd, "poll") == 0;
}
