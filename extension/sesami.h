/*
 * sesami.h — declarations shared by the extension's C files.
 *
 * The extension is split by concern: sesami.c (load time: GUCs, shared memory,
 * the commit-time wakeup), jobs.c (the job state machine and its triggers),
 * repo_url.c (repository URL validation) and dispatcher.c (the background
 * worker).  This header holds what more than one of them needs.
 */
#ifndef SESAMI_H
#define SESAMI_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "executor/spi.h"
#include "storage/latch.h"
#include "utils/relcache.h"
#include "storage/spin.h"
#include "utils/timestamp.h"

/* sesami.task_service: where a new job goes. */
typedef enum SesamiTaskService
{
	SESAMI_TASK_LOCAL,			/* straight to 'queued' for sesami-worker local */
	SESAMI_TASK_SQS				/* 'pending' + outbox row for the SQS dispatcher */
} SesamiTaskService;

/* GUC variables (sesami.c). */
extern int	sesami_task_service;
extern char *sesami_database_name;
extern int	sesami_max_attempts;
extern int	sesami_lease_timeout;
extern char *sesami_allowed_repo_hosts;
extern int	sesami_poll_interval;
extern bool sesami_restoring;
extern int	sesami_redispatch_after;
extern char *sesami_sqs_queue_url;
extern char *sesami_aws_region;
extern char *sesami_aws_endpoint_url;
extern int	sesami_dispatch_batch_size;
extern int	sesami_dispatch_in_flight;
extern int	sesami_dispatch_max_attempts;
extern int	sesami_dispatch_workers;
extern int	sesami_http_timeout;

/* sesami.dispatch_workers' upper bound. */
#define SESAMI_MAX_DISPATCHERS 16

/*
 * State in shared memory.  "mutex" protects every field; the counters are
 * written only by the dispatcher and read by sesami.dispatcher_status().
 */
typedef struct SesamiShared
{
	slock_t		mutex;
	/* per dispatcher process, by its number (0 .. dispatch_workers - 1) */
	Latch	   *dispatcher_latch[SESAMI_MAX_DISPATCHERS];	/* NULL: not running */
	int			dispatcher_pid[SESAMI_MAX_DISPATCHERS];
	TimestampTz dispatcher_started_at[SESAMI_MAX_DISPATCHERS];
	uint32		next_wakeup;	/* round robin over the dispatchers */
	uint64		wakeups;		/* loops woken by a committed wakeup */
	uint64		loops;			/* all loops, including poll timeouts */
	uint64		reaped;			/* jobs moved by the lease reaper */
	uint64		redispatched;	/* long-queued jobs given a new message */
	TimestampTz last_reap_at;
	uint64		sent;			/* outbox rows delivered to SQS */
	uint64		send_failed;	/* failed sends (each will be retried or parked) */
	uint64		retried;		/* failed sends scheduled for another try */
	uint64		parked;			/* rows parked after a permanent failure */
	uint64		throttled;		/* sends SQS throttled */
	TimestampTz last_success_at;
	TimestampTz last_error_at;
	char		last_error[256];	/* never holds a secret */
} SesamiShared;

extern SesamiShared *sesami_shared;

/* sesami.c */
extern void sesami_wake_dispatcher_at_commit(void);
extern void sesami_wake_dispatcher(int except);
extern Oid	sesami_relid(const char *name);
extern int	sesami_attnum(TupleDesc tupdesc, const char *name);
extern SPIPlanPtr sesami_keep_plan(SPIPlanPtr *slot, const char *sql, int nargs, Oid *argtypes);

/* repo_url.c: a validated repository URL, normalised, and its parts */
typedef struct SesamiRepoUrl
{
	text	   *url;			/* https://host/owner/name */
	text	   *host;			/* lower case */
	text	   *owner;
	text	   *name;			/* without ".git" */
} SesamiRepoUrl;

extern bool sesami_hostname_is_valid(const char *host, const char **reason);
extern void sesami_repo_url_parse(text *url, SesamiRepoUrl *out);

/* identity.c */
extern bool sesami_claimed_account(int64 *id);
extern int64 sesami_require_account_id(void);

/* sqs_dispatch.c */
extern bool sesami_dispatch_round(void);

/* dispatcher.c */
extern void sesami_register_dispatcher(void);
extern PGDLLEXPORT void sesami_dispatcher_main(Datum main_arg);

#endif							/* SESAMI_H */
