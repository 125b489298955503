/*
 * job.h — running claimed jobs, and the worker's database-backed modes.
 *
 * job_run() takes one claimed job through clone → analysis → write-back with
 * fenced heartbeats; the modes (local: LISTEN/NOTIFY + SKIP LOCKED claims;
 * batch: one job from SQS_MESSAGE_BODY; poll: SQS long polling) decide where
 * claims come from.
 */
#ifndef SESAMI_WORKER_JOB_H
#define SESAMI_WORKER_JOB_H

#include <signal.h>
#include <stdbool.h>

#include "clone.h"
#include "db.h"

/* Exit codes of sesami-worker (AWS Batch's retryStrategy matches on them). */
#define EXIT_DONE 0				/* job done, failed for good, stale, or no work */
#define EXIT_USAGE 2			/* bad command line or configuration */
#define EXIT_RETRY 75			/* EX_TEMPFAIL: nothing recorded; run again */

typedef struct worker_config
{
	const char *conninfo;		/* DATABASE_URL */
	const char *role;			/* SET ROLE after connecting (sesami_worker) */
	char		worker_id[128];
	const char *workdir;		/* run directories go here */
	const char *mirror;			/* optional MIRROR/HOST/OWNER/NAME(.git) */
	clone_limits limits;
	uint64_t	max_analysis_bytes;	/* address space of the analysis process */
	int			writeback_retry_s;	/* retry write-backs this long after a lost connection */
	const char *github_host;	/* the host the users' GitHub tokens are for */
	int			threads;		/* analysis threads, 0 = automatic */
	uint64_t	max_file_bytes; /* larger files are skipped ("too large") */
	uint64_t	max_files;		/* a HEAD with more files fails the job */
	int			poll_interval_ms;	/* local mode fallback poll */
	int			heartbeat_s;	/* at most one heartbeat per this many seconds */
	bool		once;			/* local: exit when the queue is empty */
	int			concurrency;	/* poll: jobs at once */
	int			visibility_s;	/* poll: message visibility while working */
	const char *queue_url;		/* SQS_QUEUE_URL */
	const char *region;			/* AWS_REGION */
	const char *endpoint_url;	/* AWS_ENDPOINT_URL (emulators, VPC endpoints) */
} worker_config;

/* What became of a claimed job. */
typedef enum job_outcome
{
	OUTCOME_DONE,				/* completed */
	OUTCOME_FAILED,				/* failure recorded (retryable or not) */
	OUTCOME_STALE,				/* another attempt owns the job: nothing written */
	OUTCOME_CANCELLED,			/* the user cancelled it */
	OUTCOME_DB_ERROR			/* the database went away: nothing recorded */
} job_outcome;

/* Called at every progress report of a running job (poll mode extends the
 * message's visibility from here); must throttle itself. */
typedef struct job_hooks
{
	void		(*tick) (void *arg);
	void	   *arg;
} job_hooks;

extern volatile sig_atomic_t worker_stop;

void		worker_config_init(worker_config *cfg);
job_outcome job_run(const worker_config *cfg, db_conn *db, const claimed_job *job,
					const job_hooks *hooks);
int			parse_job_message(const char *body, int64_t *job_id, int *attempt);
int			mode_local(const worker_config *cfg);
int			mode_batch(const worker_config *cfg, const char *body);
int			mode_poll(const worker_config *cfg);
void		worker_log(const char *fmt,...) __attribute__((format(printf, 1, 2)));

#endif
