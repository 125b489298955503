/*
 * jobs.c — the job state machine, enforced in C by triggers on sesami.jobs.
 *
 * One trigger function, sesami.job_state_machine(), is attached four times:
 *
 *   BEFORE INSERT  a new job must say 'pending'; with task_service = 'local'
 *                  it goes straight to 'queued' (no dispatcher needed).
 *   AFTER INSERT   audit row (NULL -> status); for 'pending' an outbox row and
 *                  a commit-time dispatcher wakeup; for 'queued' a NOTIFY on
 *                  channel "sesami_jobs" for local workers (empty payload: one
 *                  per transaction).
 *   BEFORE UPDATE  (WHEN status changes) rejects any move not in the table.
 *   AFTER UPDATE   (WHEN status changes) audit row; a job going back from
 *                  'processing' to 'queued' is announced again (outbox +
 *                  wakeup with task_service = 'sqs', else NOTIFY).
 *
 * With sesami.restoring on (pg_restore of a dump), inserted rows are taken as
 * they are and get none of the above: the dump brings its own audit and
 * outbox rows.
 *
 * The transition table below is the only definition of legal moves; the SQL
 * functions rely on it rather than repeating it.  Audit and outbox rows are
 * written in the caller's transaction, so they commit or roll back with the
 * change they describe.  NOTIFY and the latch wakeup are also delivered only
 * at commit.
 *
 * Those rows are inserted through SPI with statements prepared once per
 * backend.  job_events and outbox carry no foreign key to jobs: the rows are
 * only ever written here, with the id of the row that fired the trigger, a
 * foreign-key check per row cost a planned query each, and statement
 * triggers on jobs delete (and truncate) them with their jobs.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/rel.h"

#include "sesami.h"

typedef enum JobStatus
{
	JOB_PENDING,
	JOB_QUEUED,
	JOB_PROCESSING,
	JOB_COMPLETED,
	JOB_FAILED,
	JOB_CANCELLED,
	JOB_NSTATUS
} JobStatus;

/* Labels of the sesami.job_status enum, in JobStatus order. */
static const char *const job_status_names[JOB_NSTATUS] = {
	"pending", "queued", "processing", "completed", "failed", "cancelled"
};

/*
 * The transition table: transitions[from][to] is true when a job may move
 * from "from" to "to".  completed, failed and cancelled are final.
 */
static const bool transitions[JOB_NSTATUS][JOB_NSTATUS] = {
	[JOB_PENDING] = {[JOB_QUEUED] = true,[JOB_CANCELLED] = true},
	[JOB_QUEUED] = {[JOB_PROCESSING] = true,[JOB_CANCELLED] = true},
	[JOB_PROCESSING] = {[JOB_QUEUED] = true,[JOB_COMPLETED] = true,
	[JOB_FAILED] = true,[JOB_CANCELLED] = true},
};

/* Prepared statements, kept for the life of the backend. */
static SPIPlanPtr audit_plan = NULL;
static SPIPlanPtr outbox_plan = NULL;

PG_FUNCTION_INFO_V1(sesami_job_state_machine);
PG_FUNCTION_INFO_V1(sesami_job_transitions);

/* Map an enum label to JobStatus; unknown labels are a cannot-happen. */
static JobStatus
status_from_label(const char *label)
{
	for (int i = 0; i < JOB_NSTATUS; i++)
		if (strcmp(label, job_status_names[i]) == 0)
			return (JobStatus) i;
	elog(ERROR, "unknown job status \"%s\"", label);
	pg_unreachable();
}

/* A column's attribute number, failing loudly if it is missing. */
#define column(tupdesc, name) sesami_attnum((tupdesc), (name))

/* Read the status column of a job row. */
static JobStatus
row_status(HeapTuple tuple, TupleDesc tupdesc)
{
	bool		isnull;
	Datum		d = heap_getattr(tuple, column(tupdesc, "status"), tupdesc, &isnull);

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("job status must not be null")));
	return status_from_label(DatumGetCString(DirectFunctionCall1(enum_out, d)));
}

/* Read an int4 or int8 column as int64 (0 if null). */
static int64
row_int(HeapTuple tuple, TupleDesc tupdesc, const char *name)
{
	int			attnum = column(tupdesc, name);
	bool		isnull;
	Datum		d = heap_getattr(tuple, attnum, tupdesc, &isnull);

	if (isnull)
		return 0;
	if (TupleDescAttr(tupdesc, attnum - 1)->atttypid == INT8OID)
		return DatumGetInt64(d);
	return DatumGetInt32(d);
}

/* Read a text column as a Datum, or report it null. */
static Datum
row_text(HeapTuple tuple, TupleDesc tupdesc, const char *name, bool *isnull)
{
	return heap_getattr(tuple, column(tupdesc, name), tupdesc, isnull);
}

/* Insert the audit row for a job entering "to" (from may be -1: a new job). */
static void
write_audit(HeapTuple tuple, TupleDesc tupdesc, int from, JobStatus to)
{
	static Oid	argtypes[7] = {INT8OID, TEXTOID, TEXTOID, INT4OID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[7];
	char		nulls[7] = "       ";
	bool		isnull;
	int			rc;

	sesami_keep_plan(&audit_plan,
					 "INSERT INTO sesami.job_events "
					 "(job_id, from_status, to_status, attempt, actor, worker_id, reason) "
					 "VALUES ($1, $2::sesami.job_status, $3::sesami.job_status, $4, $5, $6, $7)",
					 7, argtypes);

	values[0] = Int64GetDatum(row_int(tuple, tupdesc, "id"));
	if (from < 0)
		nulls[1] = 'n';
	else
		values[1] = CStringGetTextDatum(job_status_names[from]);
	values[2] = CStringGetTextDatum(job_status_names[to]);
	values[3] = Int32GetDatum((int32) row_int(tuple, tupdesc, "attempt"));
	/* the role the request runs as (SET ROLE), not a SECURITY DEFINER owner */
	values[4] = CStringGetTextDatum(GetUserNameFromId(GetOuterUserId(), false));
	values[5] = row_text(tuple, tupdesc, "worker_id", &isnull);
	if (isnull)
		nulls[5] = 'n';
	/* the reason: the job's error when it fails or is retried */
	nulls[6] = 'n';
	if (to == JOB_FAILED || (from == JOB_PROCESSING && to == JOB_QUEUED))
	{
		values[6] = row_text(tuple, tupdesc, "error", &isnull);
		if (!isnull)
			nulls[6] = ' ';
	}
	else if (to == JOB_CANCELLED)
	{
		values[6] = CStringGetTextDatum("cancelled");
		nulls[6] = ' ';
	}

	rc = SPI_execute_plan(audit_plan, values, nulls, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "could not write the job's audit row: %s", SPI_result_code_string(rc));
}

/*
 * Announce a job that needs a worker: an outbox row plus a commit-time
 * dispatcher wakeup for SQS, or a NOTIFY for local workers.
 */
static void
announce_job(HeapTuple tuple, TupleDesc tupdesc, bool via_outbox)
{
	int64		job_id = row_int(tuple, tupdesc, "id");

	if (via_outbox)
	{
		static Oid	argtypes[2] = {INT8OID, INT4OID};
		Datum		values[2];
		int			rc;

		sesami_keep_plan(&outbox_plan,
						 "INSERT INTO sesami.outbox (job_id, attempt) VALUES ($1, $2)",
						 2, argtypes);
		values[0] = Int64GetDatum(job_id);
		values[1] = Int32GetDatum((int32) row_int(tuple, tupdesc, "attempt"));
		rc = SPI_execute_plan(outbox_plan, values, NULL, false, 0);
		if (rc != SPI_OK_INSERT)
			elog(ERROR, "could not write the job's outbox row: %s", SPI_result_code_string(rc));
		sesami_wake_dispatcher_at_commit();
	}
	else
	{
		/*
		 * A wakeup, not a message: workers claim with claim_next.  An empty
		 * payload lets PostgreSQL fold a transaction's notifications into
		 * one, however many jobs it queued.
		 */
		Async_Notify("sesami_jobs", NULL);
	}
}

/* BEFORE INSERT: check the initial status and pick pending or queued. */
static HeapTuple
before_insert(TriggerData *trigdata)
{
	HeapTuple	tuple = trigdata->tg_trigtuple;
	TupleDesc	tupdesc = RelationGetDescr(trigdata->tg_relation);
	int			attnums[2];
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (sesami_restoring)
		return tuple;
	if (row_status(tuple, tupdesc) != JOB_PENDING)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("a new job must start in status \"pending\""),
				 errhint("To load jobs from a dump, set sesami.restoring = on for the restore.")));
	if (sesami_task_service == SESAMI_TASK_SQS)
		return tuple;

	/* local: no dispatcher, the job is queued as it is created */
	attnums[0] = column(tupdesc, "status");
	values[0] = DirectFunctionCall2(enum_in,
									CStringGetDatum(job_status_names[JOB_QUEUED]),
									ObjectIdGetDatum(TupleDescAttr(tupdesc, attnums[0] - 1)->atttypid));
	attnums[1] = column(tupdesc, "queued_at");
	values[1] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	return heap_modify_tuple_by_cols(tuple, tupdesc, 2, attnums, values, nulls);
}

/* BEFORE UPDATE: reject a transition that the table does not allow. */
static HeapTuple
before_update(TriggerData *trigdata)
{
	TupleDesc	tupdesc = RelationGetDescr(trigdata->tg_relation);
	JobStatus	from = row_status(trigdata->tg_trigtuple, tupdesc);
	JobStatus	to = row_status(trigdata->tg_newtuple, tupdesc);

	if (from != to && !transitions[from][to])
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("job " INT64_FORMAT " cannot move from \"%s\" to \"%s\"",
						row_int(trigdata->tg_trigtuple, tupdesc, "id"),
						job_status_names[from], job_status_names[to]),
				 (from >= JOB_COMPLETED) ?
				 errdetail("\"%s\" is a final status.", job_status_names[from]) :
				 errdetail("See sesami.job_transitions() for the allowed moves.")));
	return trigdata->tg_newtuple;
}

/* AFTER INSERT or UPDATE: audit row, then announce a job that needs a worker. */
static void
after_row(TriggerData *trigdata, bool is_insert)
{
	TupleDesc	tupdesc = RelationGetDescr(trigdata->tg_relation);
	HeapTuple	tuple = is_insert ? trigdata->tg_trigtuple : trigdata->tg_newtuple;
	int			from = is_insert ? -1 : (int) row_status(trigdata->tg_trigtuple, tupdesc);
	JobStatus	to = row_status(tuple, tupdesc);

	if (from == (int) to || (is_insert && sesami_restoring))
		return;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	write_audit(tuple, tupdesc, from, to);
	/* pending -> queued is the dispatcher's own hand-over: nothing to announce */
	if (to == JOB_PENDING)
		announce_job(tuple, tupdesc, true);
	else if (to == JOB_QUEUED && from == JOB_PROCESSING)
		announce_job(tuple, tupdesc, sesami_task_service == SESAMI_TASK_SQS);
	else if (to == JOB_QUEUED && from < 0)
		announce_job(tuple, tupdesc, false);
	SPI_finish();
}

/*
 * sesami.job_state_machine(): the trigger function for sesami.jobs (see the
 * file header for what it does on each event).
 */
Datum
sesami_job_state_machine(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("sesami.job_state_machine() must be called as a trigger")));
	if (!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		elog(ERROR, "sesami.job_state_machine() must fire for each row");

	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
	{
		if (TRIGGER_FIRED_BEFORE(trigdata->tg_event))
			return PointerGetDatum(before_insert(trigdata));
		after_row(trigdata, true);
		return PointerGetDatum(NULL);
	}
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		if (TRIGGER_FIRED_BEFORE(trigdata->tg_event))
			return PointerGetDatum(before_update(trigdata));
		after_row(trigdata, false);
		return PointerGetDatum(NULL);
	}
	elog(ERROR, "sesami.job_state_machine() must fire on INSERT or UPDATE");
	pg_unreachable();
}

/*
 * sesami.job_transitions(OUT from_status text, OUT to_status text): the
 * transition table, for documentation and monitoring.
 */
Datum
sesami_job_transitions(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	for (int from = 0; from < JOB_NSTATUS; from++)
		for (int to = 0; to < JOB_NSTATUS; to++)
		{
			Datum		values[2];
			bool		nulls[2] = {false, false};

			if (!transitions[from][to])
				continue;
			values[0] = CStringGetTextDatum(job_status_names[from]);
			values[1] = CStringGetTextDatum(job_status_names[to]);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	return (Datum) 0;
}
