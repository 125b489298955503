/*
 * sesami.c — load-time setup of the sesami extension.
 *
 * sesami must be in shared_preload_libraries: it reserves shared memory, and
 * registers the dispatcher background worker.  _PG_init refuses to load any
 * other way, with a hint that says how to fix it.  Under pg_upgrade's binary
 * upgrade mode it does nothing at all.
 *
 * The commit-time wakeup: the job triggers (jobs.c) call
 * sesami_wake_dispatcher_at_commit() when a row needs the dispatcher.  That
 * only sets a backend-local flag; the transaction callback registered here
 * sets the dispatcher's latch when, and only when, the transaction commits.
 * One wakeup per transaction, however many rows it inserted; none on abort.
 *
 * Locking: SesamiShared.mutex (a spinlock) guards the shared struct; it is
 * held only to copy a few fields, never across a call that can fail.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/varlena.h"

#include "sesami.h"
#include "auth.h"			/* sign-in GUCs (issue 5) */

PG_MODULE_MAGIC;

/* GUC variables */
int			sesami_task_service = SESAMI_TASK_LOCAL;
char	   *sesami_database_name = NULL;
int			sesami_max_attempts = 3;
int			sesami_lease_timeout = 300;
char	   *sesami_allowed_repo_hosts = NULL;
int			sesami_poll_interval = 5000;
bool		sesami_restoring = false;
int			sesami_redispatch_after = 6 * 3600;
char	   *sesami_sqs_queue_url = NULL;
char	   *sesami_aws_region = NULL;
char	   *sesami_aws_endpoint_url = NULL;
int			sesami_dispatch_batch_size = 500;
int			sesami_dispatch_in_flight = 16;
int			sesami_dispatch_max_attempts = 20;
int			sesami_dispatch_workers = 2;

SesamiShared *sesami_shared = NULL;

static const struct config_enum_entry task_service_options[] = {
	{"local", SESAMI_TASK_LOCAL, false},
	{"sqs", SESAMI_TASK_SQS, false},
	{NULL, 0, false}
};

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* Set when this transaction must wake the dispatcher if it commits. */
static bool wakeup_pending = false;

void		_PG_init(void);

/* Reserve shared memory for SesamiShared. */
static void
sesami_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(SesamiShared)));
}

/* Create or attach to SesamiShared. */
static void
sesami_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	sesami_shared = ShmemInitStruct("sesami", sizeof(SesamiShared), &found);
	if (!found)
	{
		memset(sesami_shared, 0, sizeof(SesamiShared));
		SpinLockInit(&sesami_shared->mutex);
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Ask for the dispatcher to be woken when the current transaction commits. */
void
sesami_wake_dispatcher_at_commit(void)
{
	wakeup_pending = true;
}

/*
 * Wake one running dispatcher other than number "except" (-1: any), in turn.
 * Waking them all would have the others run an empty claim for every commit;
 * a dispatcher that leases a full batch wakes the next one, so a backlog
 * still spreads over all of them.
 */
void
sesami_wake_dispatcher(int except)
{
	int			n = Min(sesami_dispatch_workers, SESAMI_MAX_DISPATCHERS);
	Latch	   *latch = NULL;

	if (sesami_shared == NULL)
		return;
	SpinLockAcquire(&sesami_shared->mutex);
	for (int k = 0; k < n && latch == NULL; k++)
	{
		int			i = sesami_shared->next_wakeup++ % n;

		if (i != except)
			latch = sesami_shared->dispatcher_latch[i];
	}
	SpinLockRelease(&sesami_shared->mutex);
	if (latch != NULL)
		SetLatch(latch);
}

/* Transaction callback: deliver or drop the pending wakeup. */
static void
sesami_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			if (!wakeup_pending)
				return;
			wakeup_pending = false;
			sesami_wake_dispatcher(-1);
			break;

		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			/* a prepared transaction is picked up by the fallback poll */
			wakeup_pending = false;
			break;

		default:
			break;
	}
}

/* Check hook for sesami.allowed_repo_hosts: a comma-separated host list. */
static bool
check_allowed_repo_hosts(char **newval, void **extra, GucSource source)
{
	char	   *raw;
	List	   *hosts;
	ListCell   *lc;

	raw = pstrdup(*newval);
	if (!SplitGUCList(raw, ',', &hosts))
	{
		GUC_check_errdetail("List syntax is invalid.");
		pfree(raw);
		return false;
	}
	foreach(lc, hosts)
	{
		const char *host = lfirst(lc);
		const char *reason = NULL;

		if (!sesami_hostname_is_valid(host, &reason))
		{
			GUC_check_errdetail("\"%s\" cannot be used. %s", host, reason);
			list_free(hosts);
			pfree(raw);
			return false;
		}
	}
	list_free(hosts);
	pfree(raw);
	return true;
}

/* Define the GUCs. */
static void
sesami_define_gucs(void)
{
	DefineCustomEnumVariable("sesami.task_service",
							 "Selects where new analysis jobs are sent.",
							 "With \"local\", a new job is queued in PostgreSQL for sesami-worker local. "
							 "With \"sqs\", the dispatcher background worker sends it to Amazon SQS.",
							 &sesami_task_service,
							 SESAMI_TASK_LOCAL,
							 task_service_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomStringVariable("sesami.database_name",
							   "Names the database the dispatcher background worker connects to.",
							   "Install the sesami extension in this database.",
							   &sesami_database_name,
							   "postgres",
							   PGC_POSTMASTER,
							   0,
							   NULL, NULL, NULL);

	DefineCustomIntVariable("sesami.max_attempts",
							"Sets how many times a job may be claimed before it fails for good.",
							"A job that exhausts its attempts through retryable failures or expired "
							"leases moves to \"failed\". The value is copied into each new job.",
							&sesami_max_attempts,
							3, 1, 100,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("sesami.lease_timeout",
							"Sets how long a worker holds a claimed job without a heartbeat.",
							"When the lease expires, the reaper queues the job again (or fails it once "
							"its attempts are exhausted).",
							&sesami_lease_timeout,
							300, 1, 86400,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomStringVariable("sesami.allowed_repo_hosts",
							   "Lists the hosts whose repositories may be analysed.",
							   "A comma-separated list of host names. Repository URLs must use https "
							   "and one of these hosts; IP addresses are never accepted.",
							   &sesami_allowed_repo_hosts,
							   "github.com",
							   PGC_SUSET,
							   GUC_LIST_INPUT,
							   check_allowed_repo_hosts, NULL, NULL);

	DefineCustomIntVariable("sesami.poll_interval",
							"Sets how often the dispatcher wakes up without being signalled.",
							"Committed jobs wake the dispatcher at once; this fallback poll catches "
							"everything else and runs the lease reaper.",
							&sesami_poll_interval,
							5000, 10, 3600 * 1000,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("sesami.restoring",
							 "Lets a restore load job rows exactly as they were dumped.",
							 "While on, inserted jobs keep their status and get no audit row, outbox "
							 "row or notification (the dump carries those). Set it only for pg_restore "
							 "or psql loading a dump.",
							 &sesami_restoring,
							 false,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("sesami.redispatch_after",
							"Sets how long a job may stay queued after its SQS message before it is sent again.",
							"Covers messages lost after delivery (a purged queue, an expired message, a "
							"dead-letter queue). A duplicate is harmless: claims are fenced. 0 turns it off.",
							&sesami_redispatch_after,
							6 * 3600, 0, 30 * 86400,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomStringVariable("sesami.sqs_queue_url",
							   "Sets the URL of the Amazon SQS queue the dispatcher sends jobs to.",
							   "Use the queue URL exactly as SQS returns it; a URL ending in \".fifo\" "
							   "is a FIFO queue.",
							   &sesami_sqs_queue_url,
							   "",
							   PGC_SIGHUP,
							   0,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("sesami.aws_region",
							   "Sets the AWS region of the SQS queue.",
							   "The region is part of every request signature.",
							   &sesami_aws_region,
							   "",
							   PGC_SIGHUP,
							   0,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("sesami.aws_endpoint_url",
							   "Overrides the SQS endpoint, for an emulator or a VPC endpoint.",
							   "Empty means https://sqs.REGION.amazonaws.com/.",
							   &sesami_aws_endpoint_url,
							   "",
							   PGC_SIGHUP,
							   0,
							   NULL, NULL, NULL);

	DefineCustomIntVariable("sesami.dispatch_batch_size",
							"Sets how many outbox rows the dispatcher leases per round.",
							"The rows go out as SendMessageBatch requests of up to 10 messages.",
							&sesami_dispatch_batch_size,
							500, 1, 10000,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("sesami.dispatch_in_flight",
							"Sets how many SQS requests the dispatcher keeps in flight at once.",
							NULL,
							&sesami_dispatch_in_flight,
							16, 1, 64,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("sesami.dispatch_workers",
							"Sets how many dispatcher processes deliver outbox rows to SQS.",
							"They claim disjoint rows (FOR UPDATE SKIP LOCKED); the first also runs the lease reaper.",
							&sesami_dispatch_workers,
							2, 1, SESAMI_MAX_DISPATCHERS,
							PGC_POSTMASTER,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("sesami.dispatch_max_attempts",
							"Sets after how many failed sends the dispatcher logs a job it cannot send.",
							"The job is still retried, with backoff, for as long as it takes: only an error "
							"that is the message's own fault parks its outbox row.",
							&sesami_dispatch_max_attempts,
							20, 1, 1000,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	MarkGUCPrefixReserved("sesami");
}

/* Module load: GUCs, shared memory, dispatcher, transaction callback. */
void
_PG_init(void)
{
	if (IsBinaryUpgrade)
		return;

	if (!process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("sesami must be loaded via \"shared_preload_libraries\""),
				 errhint("Add sesami to \"shared_preload_libraries\" in postgresql.conf and restart the server.")));

	sesami_define_auth_gucs();	/* sign-in (issue 5); before the prefix is reserved */
	sesami_define_gucs();

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = sesami_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = sesami_shmem_startup;

	sesami_register_dispatcher();
	RegisterXactCallback(sesami_xact_callback, NULL);
}

/* The OID of table "name" in schema sesami, or an error if there is none. */
Oid
sesami_relid(const char *name)
{
	Oid			relid = get_relname_relid(name, get_namespace_oid("sesami", false));

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"sesami.%s\" does not exist", name),
				 errhint("Is the sesami extension installed in this database?")));
	return relid;
}

/* A column's attribute number, or an error naming the missing column. */
int
sesami_attnum(TupleDesc tupdesc, const char *name)
{
	int			attnum = SPI_fnumber(tupdesc, name);

	if (attnum <= 0)
		elog(ERROR, "sesami table has no column \"%s\"", name);
	return attnum;
}

/*
 * Prepare a statement the first time it is needed and keep it for the life
 * of the backend (the plan cache re-plans it after DDL on what it reads).
 * The caller is connected to SPI.
 */
SPIPlanPtr
sesami_keep_plan(SPIPlanPtr *slot, const char *sql, int nargs, Oid *argtypes)
{
	if (*slot == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(sql, nargs, argtypes);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql,
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		*slot = plan;
	}
	return *slot;
}
