/*
 * submit.c — api.submit_analysis(repo_url), the call every user makes.
 *
 * It is in C because it is the hot path (issue 3, P1: its throughput against
 * a bare INSERT).  In order:
 *
 *   1. the caller's account: the "sub" claim PostgREST passes (42501 without);
 *   2. repo_url present (22023), the account exists (42501);
 *   3. the URL checked and normalised (repo_url.c, 22023);
 *   4. the job inserted as INSERT ... ON CONFLICT DO NOTHING on the unique
 *      index jobs_active_repo would insert it, without planning a statement
 *      (rows.c).  The insert fires jobs.c's triggers, which pick the status
 *      and write the audit and outbox rows.  When the account already has an
 *      active job for the repository, that job is returned instead.
 *
 * The SQL function is SECURITY DEFINER (the caller holds no privilege on
 * sesami.jobs) with search_path fixed to pg_catalog, pg_temp.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
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

/*
 * api.submit_analysis(repo_url text) RETURNS api.jobs: the new job, or the
 * caller's still-active job for the same repository.
 */
Datum
sesami_submit_analysis(PG_FUNCTION_ARGS)
{
	int64		acct = sesami_require_account_id();
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	SesamiRepoUrl u;
	SesamiNewRow row;
	TupleDesc	apidesc;
	TupleDesc	jobdesc;
	HeapTuple	job;
	HeapTuple	active;
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

	sesami_new_row(&row, "jobs");
	jobdesc = RelationGetDescr(row.rel);
	sesami_set_value(&row, "account_id", Int64GetDatum(acct), false);
	sesami_set_value(&row, "repo_url", PointerGetDatum(u.url), false);
	sesami_set_value(&row, "repo_host", PointerGetDatum(u.host), false);
	sesami_set_value(&row, "repo_owner", PointerGetDatum(u.owner), false);
	sesami_set_value(&row, "repo_name", PointerGetDatum(u.name), false);
	sesami_set_value(&row, "status",
					 DirectFunctionCall2(enum_in, CStringGetDatum("pending"),
										 ObjectIdGetDatum(TupleDescAttr(jobdesc, sesami_attnum(jobdesc, "status") - 1)->atttypid)),
					 false);
	sesami_set_value(&row, "attempt", Int32GetDatum(0), false);
	sesami_set_value(&row, "max_attempts", Int32GetDatum(sesami_max_attempts), false);
	sesami_set_value(&row, "progress", Float4GetDatum(0), false);
	sesami_set_value(&row, "created_at", TimestampTzGetDatum(now), false);
	sesami_set_value(&row, "updated_at", TimestampTzGetDatum(now), false);
	job = sesami_insert_row(&row, sesami_relid("jobs_active_repo"), &active);
	if (job == NULL)
		job = active;
	if (job == NULL)
		elog(ERROR, "a trigger on sesami.jobs skipped the new job");
	result = api_job(job, jobdesc, apidesc);
	sesami_close_row(&row);
	PG_RETURN_DATUM(result);
}
