/*
 * submit.c — api.submit_analysis(repo_url), the call every user makes.
 *
 * In order:
 *
 *   1. the caller's account: the "sub" claim PostgREST passes (42501 without);
 *   2. repo_url present (22023), the account exists (42501);
 *   3. the URL checked and normalised (repo_url.c, 22023);
 *   4. INSERT ... ON CONFLICT DO NOTHING RETURNING * on the unique index
 *      jobs_active_repo; the insert fires jobs.c's triggers, which pick the
 *      status and write the audit and outbox rows.  When it conflicts, the
 *      account's active job for the repository is read with a SELECT and
 *      returned instead.
 *
 * Both statements are planned once per backend (sesami_keep_plan) and run
 * through SPI, so they have PostgreSQL's own semantics: under REPEATABLE
 * READ or SERIALIZABLE a conflicting job that the caller's snapshot cannot
 * see is a serialization failure (40001, the client retries), never a job
 * the caller's transaction cannot read; under READ COMMITTED the SELECT takes
 * a new snapshot and finds the job the INSERT waited for.  If that job
 * finished between the two statements, the INSERT is tried again.
 *
 * The SQL function is SECURITY DEFINER (the caller holds no privilege on
 * sesami.jobs) with search_path fixed to pg_catalog, pg_temp, which also
 * governs the statements prepared here.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"

#include "sesami.h"

PG_FUNCTION_INFO_V1(sesami_submit_analysis);

/*
 * Does the account exist?  A look-up in sesami.accounts' primary key, without
 * planning a query.  The foreign key on jobs.account_id still guards against
 * an account deleted concurrently.
 */
static bool
account_exists(int64 id)
{
	Relation	rel = table_open(sesami_relid("accounts"), AccessShareLock);
	Relation	index = index_open(RelationGetPrimaryKeyIndex(rel), AccessShareLock);
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	IndexScanDesc scan;
	ScanKeyData key;
	bool		found;

	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(id));
	scan = index_beginscan(rel, index, GetActiveSnapshot(), 1, 0);
	index_rescan(scan, &key, 1, NULL, 0);
	found = index_getnext_slot(scan, ForwardScanDirection, slot);
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, NoLock);
	table_close(rel, NoLock);
	return found;
}

/*
 * The api.jobs row of a sesami.jobs row: its columns by name, and
 * "repository" as owner/name (keep in step with the view).
 */
static Datum
api_job(HeapTuple job, TupleDesc jobdesc, TupleDesc apidesc)
{
	Datum	   *values = palloc(apidesc->natts * sizeof(Datum));
	bool	   *nulls = palloc(apidesc->natts * sizeof(bool));

	for (int i = 0; i < apidesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(apidesc, i);
		const char *name = NameStr(att->attname);
		int			attnum;

		if (strcmp(name, "repository") == 0)
		{
			text	   *owner = DatumGetTextPP(heap_getattr(job, sesami_attnum(jobdesc, "repo_owner"),
															  jobdesc, &nulls[i]));
			text	   *repo = DatumGetTextPP(heap_getattr(job, sesami_attnum(jobdesc, "repo_name"),
															 jobdesc, &nulls[i]));
			StringInfoData buf;

			initStringInfo(&buf);
			appendBinaryStringInfo(&buf, VARDATA_ANY(owner), VARSIZE_ANY_EXHDR(owner));
			appendStringInfoChar(&buf, '/');
			appendBinaryStringInfo(&buf, VARDATA_ANY(repo), VARSIZE_ANY_EXHDR(repo));
			values[i] = PointerGetDatum(cstring_to_text_with_len(buf.data, buf.len));
			nulls[i] = false;
			continue;
		}
		attnum = sesami_attnum(jobdesc, name);
		if (TupleDescAttr(jobdesc, attnum - 1)->atttypid != att->atttypid)
			elog(ERROR, "column \"%s\" of api.jobs does not match sesami.jobs", name);
		values[i] = heap_getattr(job, attnum, jobdesc, &nulls[i]);
	}
	return HeapTupleGetDatum(heap_form_tuple(apidesc, values, nulls));
}

/* The statements, prepared once per backend. */
static SPIPlanPtr insert_plan = NULL;
static SPIPlanPtr select_plan = NULL;

/* What the active-job index says "active" is (keep in step with it). */
#define ACTIVE_STATUS "status IN ('pending', 'queued', 'processing')"

/*
 * Run one of the two statements for (account, URL parts); its row, or NULL
 * when it returned none.  The row lives in SPI's memory.
 */
static HeapTuple
run_job_statement(SPIPlanPtr plan, int64 acct, SesamiRepoUrl *u)
{
	Datum		values[6];
	int			rc;

	values[0] = Int64GetDatum(acct);
	values[1] = PointerGetDatum(u->host);
	values[2] = PointerGetDatum(u->owner);
	values[3] = PointerGetDatum(u->name);
	values[4] = PointerGetDatum(u->url);
	values[5] = Int32GetDatum(sesami_max_attempts);
	rc = SPI_execute_plan(plan, values, NULL, false, 0);
	if (rc != SPI_OK_INSERT_RETURNING && rc != SPI_OK_SELECT)
		elog(ERROR, "could not store the job: %s", SPI_result_code_string(rc));
	if (SPI_processed > 1)
		elog(ERROR, "more than one active job for one repository");
	return SPI_processed == 1 ? SPI_tuptable->vals[0] : NULL;
}

/*
 * api.submit_analysis(repo_url text) RETURNS api.jobs: the new job, or the
 * caller's still-active job for the same repository.
 */
Datum
sesami_submit_analysis(PG_FUNCTION_ARGS)
{
	static Oid	argtypes[6] = {INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT4OID};
	int64		acct = sesami_require_account_id();
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext spi;
	SesamiRepoUrl u;
	TupleDesc	apidesc;
	HeapTuple	job;
	Datum		result;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid repository URL"),
				 errdetail("repo_url is required.")));
	if (!account_exists(acct))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("authentication required"),
				 errdetail("The token names an account that does not exist.")));
	sesami_repo_url_parse(PG_GETARG_TEXT_PP(0), &u);
	if (get_call_result_type(fcinfo, NULL, &apidesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	sesami_keep_plan(&insert_plan,
					 "INSERT INTO sesami.jobs "
					 "(account_id, repo_host, repo_owner, repo_name, repo_url, max_attempts) "
					 "VALUES ($1, $2, $3, $4, $5, $6) "
					 "ON CONFLICT (account_id, repo_host, lower(repo_owner), lower(repo_name)) "
					 "WHERE " ACTIVE_STATUS " DO NOTHING "
					 "RETURNING *",
					 6, argtypes);
	sesami_keep_plan(&select_plan,
					 "SELECT * FROM sesami.jobs "
					 "WHERE account_id = $1 AND repo_host = $2 "
					 "AND lower(repo_owner) = lower($3) AND lower(repo_name) = lower($4) "
					 "AND " ACTIVE_STATUS,
					 6, argtypes);
	for (int tries = 1;; tries++)
	{
		CHECK_FOR_INTERRUPTS();
		job = run_job_statement(insert_plan, acct, &u);
		if (job == NULL)
			job = run_job_statement(select_plan, acct, &u);
		if (job != NULL)
			break;

		/*
		 * The active job finished between the two statements: insert again.
		 * Again and again only if a trigger skips the insert.
		 */
		if (tries == 10)
			ereport(ERROR,
					(errcode(ERRCODE_TRIGGERED_ACTION_EXCEPTION),
					 errmsg("could not store the job"),
					 errdetail("The job was neither inserted nor found as an active job."),
					 errhint("Check for a trigger on sesami.jobs that skips inserts.")));
	}

	/* the result outlives SPI: build it in the caller's memory */
	spi = MemoryContextSwitchTo(caller);
	result = api_job(job, SPI_tuptable->tupdesc, apidesc);
	MemoryContextSwitchTo(spi);
	SPI_finish();
	PG_RETURN_DATUM(result);
}
