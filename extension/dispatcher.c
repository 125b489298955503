/*
 * dispatcher.c — the "sesami dispatcher" background worker.
 *
 * One dispatcher runs per cluster, connected to sesami.database_name.  It
 * sleeps on its latch; a transaction that committed work for it (jobs.c via
 * sesami_wake_dispatcher_at_commit) sets the latch, and a slow fallback poll
 * (sesami.poll_interval) catches everything else.  Each loop it runs the
 * lease reaper, sesami.reap_expired_leases(), and sesami.redispatch_stale_jobs()
 * (long-queued jobs whose SQS message was lost) in its own transaction, and
 * delivers ready outbox rows to Amazon SQS (sqs_dispatch.c), round after
 * round while full batches keep coming.
 *
 * Skeleton after PostgreSQL's worker_spi: core signal handlers, WaitLatch
 * with WL_EXIT_ON_PM_DEATH, one memory context reset every loop, and the
 * StartTransactionCommand/SPI/snapshot sequence.  An error ends the process;
 * the postmaster restarts it after bgw_restart_time.  If the database has
 * no sesami extension (yet), the loop does nothing but wait.
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "sesami.h"

PG_FUNCTION_INFO_V1(sesami_dispatcher_status);

/* Register the dispatcher with the postmaster (from _PG_init). */
void
sesami_register_dispatcher(void)
{
	for (int i = 0; i < sesami_dispatch_workers; i++)
	{
		BackgroundWorker worker;

		memset(&worker, 0, sizeof(worker));
		worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
		worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
		worker.bgw_restart_time = 5;
		snprintf(worker.bgw_library_name, BGW_MAXLEN, "sesami");
		snprintf(worker.bgw_function_name, BGW_MAXLEN, "sesami_dispatcher_main");
		if (i == 0)
			snprintf(worker.bgw_name, BGW_MAXLEN, "sesami dispatcher");
		else
			snprintf(worker.bgw_name, BGW_MAXLEN, "sesami dispatcher %d", i + 1);
		snprintf(worker.bgw_type, BGW_MAXLEN, "sesami dispatcher");
		worker.bgw_main_arg = Int32GetDatum(i);
		RegisterBackgroundWorker(&worker);
	}
}

/* on_shmem_exit callback: stop advertising our latch (arg: our number). */
static void
dispatcher_detach(int code, Datum arg)
{
	int			me = DatumGetInt32(arg);

	SpinLockAcquire(&sesami_shared->mutex);
	if (sesami_shared->dispatcher_latch[me] == MyLatch)
	{
		sesami_shared->dispatcher_latch[me] = NULL;
		sesami_shared->dispatcher_pid[me] = 0;
	}
	SpinLockRelease(&sesami_shared->mutex);
}

/* Run the lease reaper in its own transaction, if sesami is installed here. */
static void
run_reaper(void)
{
	MemoryContext caller = CurrentMemoryContext;
	int64		reaped = 0;
	int64		redispatched = 0;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	if (!OidIsValid(get_extension_oid("sesami", true)))
	{
		CommitTransactionCommand();
		MemoryContextSwitchTo(caller);
		return;
	}
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "SELECT sesami.reap_expired_leases(), sesami.redispatch_stale_jobs()");

	if (SPI_execute("SELECT sesami.reap_expired_leases(), sesami.redispatch_stale_jobs()",
					false, 1) == SPI_OK_SELECT && SPI_processed == 1)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			reaped = DatumGetInt32(d);
		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
		if (!isnull)
			redispatched = DatumGetInt32(d);
	}

	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(caller);
	pgstat_report_stat(true);
	pgstat_report_activity(STATE_IDLE, NULL);

	SpinLockAcquire(&sesami_shared->mutex);
	sesami_shared->reaped += reaped;
	sesami_shared->redispatched += redispatched;
	sesami_shared->last_reap_at = GetCurrentTimestamp();
	SpinLockRelease(&sesami_shared->mutex);
}

/* Entry point of the dispatcher background worker. */
void
sesami_dispatcher_main(Datum main_arg)
{
	int			me = DatumGetInt32(main_arg);
	MemoryContext loop_context;
	bool		more = false;
	TimestampTz last_reap = 0;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	BackgroundWorkerInitializeConnection(sesami_database_name, NULL, 0);
	pgstat_report_appname("sesami dispatcher");

	/*
	 * Every statement here joins a batch of outbox rows (at most
	 * dispatch_batch_size) to their jobs by primary key.  The planner cannot
	 * know how small the batch is (an unnest(), a CTE) and, with a large jobs
	 * table, hashed all of it on every round: most of a round's time.
	 */
	SetConfigOption("enable_hashjoin", "off", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("enable_mergejoin", "off", PGC_SUSET, PGC_S_OVERRIDE);

	SpinLockAcquire(&sesami_shared->mutex);
	sesami_shared->dispatcher_latch[me] = MyLatch;
	sesami_shared->dispatcher_pid[me] = MyProcPid;
	sesami_shared->dispatcher_started_at[me] = GetCurrentTimestamp();
	SpinLockRelease(&sesami_shared->mutex);
	on_shmem_exit(dispatcher_detach, Int32GetDatum(me));

	if (me == 0)
		ereport(LOG,
				(errmsg("sesami dispatcher started in database \"%s\"", sesami_database_name)));
	else
		ereport(LOG,
				(errmsg("sesami dispatcher %d started in database \"%s\"", me + 1, sesami_database_name)));

	loop_context = AllocSetContextCreate(TopMemoryContext, "sesami dispatcher loop",
										 ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		int			rc;

		/* after a full batch, look again at once; otherwise sleep */
		rc = WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					   more ? 0 : sesami_poll_interval, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();

		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		SpinLockAcquire(&sesami_shared->mutex);
		sesami_shared->loops++;
		if (rc & WL_LATCH_SET)
			sesami_shared->wakeups++;
		SpinLockRelease(&sesami_shared->mutex);

		MemoryContextSwitchTo(loop_context);
		/* the first dispatcher reaps, every poll interval (not at every wakeup) */
		if (me == 0 &&
			TimestampDifferenceExceeds(last_reap, GetCurrentTimestamp(), sesami_poll_interval))
		{
			run_reaper();
			last_reap = GetCurrentTimestamp();
		}
		more = sesami_dispatch_round();
		/* a full batch: there may be a backlog, share it */
		if (more)
			sesami_wake_dispatcher(me);
		MemoryContextSwitchTo(TopMemoryContext);
		MemoryContextReset(loop_context);
	}
}

/*
 * sesami.dispatcher_status(): the dispatcher's pid (null if not running),
 * start time, loop and wakeup counters, reaper and SQS delivery figures.
 */
Datum
sesami_dispatcher_status(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	SesamiShared snap;
	Datum		values[17];
	bool		nulls[17];

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	SpinLockAcquire(&sesami_shared->mutex);
	memcpy(&snap, sesami_shared, sizeof(snap));
	SpinLockRelease(&sesami_shared->mutex);

	memset(nulls, 0, sizeof(nulls));
	values[0] = Int32GetDatum(snap.dispatcher_pid[0]);
	nulls[0] = snap.dispatcher_pid[0] == 0;
	values[1] = TimestampTzGetDatum(snap.dispatcher_started_at[0]);
	nulls[1] = snap.dispatcher_pid[0] == 0;
	values[2] = Int64GetDatum((int64) snap.loops);
	values[3] = Int64GetDatum((int64) snap.wakeups);
	values[4] = Int64GetDatum((int64) snap.reaped);
	values[5] = TimestampTzGetDatum(snap.last_reap_at);
	nulls[5] = snap.last_reap_at == 0;
	values[6] = Int64GetDatum((int64) snap.sent);
	values[7] = Int64GetDatum((int64) snap.send_failed);
	values[8] = Int64GetDatum((int64) snap.retried);
	values[9] = Int64GetDatum((int64) snap.parked);
	values[10] = Int64GetDatum((int64) snap.throttled);
	values[11] = TimestampTzGetDatum(snap.last_success_at);
	nulls[11] = snap.last_success_at == 0;
	values[12] = CStringGetTextDatum(snap.last_error);
	nulls[12] = snap.last_error[0] == '\0';
	values[13] = TimestampTzGetDatum(snap.last_error_at);
	nulls[13] = snap.last_error_at == 0;
	values[14] = BoolGetDatum(sesami_sqs_queue_url && *sesami_sqs_queue_url &&
							  sesami_aws_region && *sesami_aws_region);
	values[15] = Int64GetDatum((int64) snap.redispatched);
	values[16] = Int32GetDatum(0);
	for (int i = 0; i < SESAMI_MAX_DISPATCHERS; i++)
		if (snap.dispatcher_pid[i] != 0)
			values[16] = Int32GetDatum(DatumGetInt32(values[16]) + 1);

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
