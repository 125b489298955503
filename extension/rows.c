/*
 * rows.c — insert one row into a sesami table without planning a statement.
 *
 * Submitting a job writes three rows (the job, its audit row, its outbox row
 * or NOTIFY).  Through SPI each of them costs a planned INSERT: plan-cache
 * checks, executor start-up and shut-down, and for every CHECK constraint a
 * parse and plan of its expression.  Those costs, not the writing, were most
 * of a submit's time.
 *
 * sesami_insert_row() stores a row the way logical replication applies one
 * (ExecSimpleRelationInsert): BEFORE ROW triggers, constraints, the heap,
 * every index, AFTER ROW triggers (fired before it returns).  As there,
 * statement-level triggers do not fire.  Given an arbiter index it is
 * INSERT ... ON CONFLICT DO NOTHING instead: a speculative insertion, as
 * nodeModifyTable.c does it, which waits for a transaction inserting the same
 * key and then returns the conflicting row instead of failing.
 *
 * What it does not do is evaluate column defaults: the caller names every
 * column it sets, an identity column takes its sequence's next value, any
 * other column is null, and a column with a default left unset is an error
 * (the table grew a column the C code does not know about).  Privileges and
 * row-level security are not checked: callers are the extension's own
 * triggers and SECURITY DEFINER functions, which run as the tables' owner.
 */
#include "postgres.h"

#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/nodeModifyTable.h"
#include "nodes/makefuncs.h"
#include "storage/lmgr.h"
#include "utils/inval.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "sesami.h"

/* A column's attribute number, or an error naming the missing column. */
int
sesami_attnum(TupleDesc tupdesc, const char *name)
{
	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return i + 1;
	}
	elog(ERROR, "sesami table has no column \"%s\"", name);
	pg_unreachable();
}

/* Start a row for table sesami.<relname>, every column null and unset. */
void
sesami_new_row(SesamiNewRow *row, const char *relname)
{
	int			natts;

	row->rel = table_open(sesami_relid(relname), RowExclusiveLock);
	natts = RelationGetDescr(row->rel)->natts;
	row->values = palloc0(natts * sizeof(Datum));
	row->nulls = palloc(natts * sizeof(bool));
	row->set = palloc0(natts * sizeof(bool));
	memset(row->nulls, true, natts * sizeof(bool));
}

void
sesami_set_value(SesamiNewRow *row, const char *name, Datum value, bool isnull)
{
	int			i = sesami_attnum(RelationGetDescr(row->rel), name) - 1;

	row->values[i] = value;
	row->nulls[i] = isnull;
	row->set[i] = true;
}

/*
 * The identity sequences of the columns this file fills.  Found through
 * pg_depend, so remembered for the few (table, column) pairs written here and
 * forgotten when the table's relcache entry is invalidated (ALTER TABLE).
 */
#define IDENTITY_CACHE 4
static struct
{
	Oid			relid;
	AttrNumber	attnum;
	Oid			seqid;
}			identity_cache[IDENTITY_CACHE];
static int	identity_next_slot = 0;

static void
forget_identity(Datum arg, Oid relid)
{
	for (int slot = 0; slot < IDENTITY_CACHE; slot++)
		if (!OidIsValid(relid) || identity_cache[slot].relid == relid)
			identity_cache[slot].relid = InvalidOid;
}

static Oid
identity_sequence(Relation rel, AttrNumber attnum)
{
	static bool registered = false;
	Oid			relid = RelationGetRelid(rel);
	int			slot;

	if (!registered)
	{
		CacheRegisterRelcacheCallback(forget_identity, (Datum) 0);
		registered = true;
	}
	for (slot = 0; slot < IDENTITY_CACHE; slot++)
		if (identity_cache[slot].relid == relid && identity_cache[slot].attnum == attnum)
			return identity_cache[slot].seqid;
	slot = identity_next_slot;
	identity_next_slot = (identity_next_slot + 1) % IDENTITY_CACHE;
	identity_cache[slot].seqid = getIdentitySequence(relid, attnum, false);
	identity_cache[slot].attnum = attnum;
	identity_cache[slot].relid = relid;
	return identity_cache[slot].seqid;
}

/*
 * INSERT ... ON CONFLICT (arbiter) DO NOTHING for one row, following
 * ExecInsert: check the arbiter index, insert speculatively, insert the index
 * entries, and if a concurrent transaction inserted a conflicting row in
 * between, take ours back and check again.  Returns false with *conflict set
 * to the conflicting row, or false with *conflict invalid when a BEFORE
 * trigger skipped the row.
 */
static bool
insert_unless_conflict(ResultRelInfo *rri, EState *estate, TupleTableSlot *slot,
					   Oid arbiter, ItemPointer conflict)
{
	Relation	rel = rri->ri_RelationDesc;
	List	   *arbiters = list_make1_oid(arbiter);

	ItemPointerSetInvalid(conflict);
	if (rri->ri_TrigDesc && rri->ri_TrigDesc->trig_insert_before_row &&
		!ExecBRInsertTriggers(estate, rri, slot))
		return false;
	if (rel->rd_att->constr && rel->rd_att->constr->has_generated_stored)
		ExecComputeStoredGenerated(rri, estate, slot, CMD_INSERT);
	if (rel->rd_att->constr)
		ExecConstraints(rri, slot, estate);

	for (;;)
	{
		uint32		token;
		bool		lost_race = false;
		List	   *recheck;

		if (!ExecCheckIndexConstraints(rri, slot, estate, conflict, arbiters))
			return false;
		token = SpeculativeInsertionLockAcquire(GetCurrentTransactionId());
		table_tuple_insert_speculative(rel, slot, estate->es_output_cid, 0, NULL, token);
		recheck = ExecInsertIndexTuples(rri, slot, estate, false, true, &lost_race, arbiters);
		table_tuple_complete_speculative(rel, slot, token, !lost_race);
		SpeculativeInsertionLockRelease(GetCurrentTransactionId());
		if (!lost_race)
		{
			ExecARInsertTriggers(estate, rri, slot, recheck, NULL);
			list_free(recheck);
			return true;
		}
		list_free(recheck);
	}
}

/* A heap copy of a slot's row in memory context cxt. */
static HeapTuple
copy_row_in(TupleTableSlot *slot, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	HeapTuple	tuple = ExecCopySlotHeapTuple(slot);

	MemoryContextSwitchTo(old);
	return tuple;
}

/*
 * Insert the row (see the file header).  Returns the row as stored (after
 * BEFORE triggers), allocated in the caller's memory context, or NULL when a
 * BEFORE trigger skipped it or, with a valid arbiter index, when it conflicted;
 * then *existing (if not NULL) is the conflicting row.  The table stays open
 * for sesami_close_row().
 */
HeapTuple
sesami_insert_row(SesamiNewRow *row, Oid arbiter, HeapTuple *existing)
{
	Relation	rel = row->rel;
	TupleDesc	tupdesc = RelationGetDescr(rel);
	MemoryContext caller = CurrentMemoryContext;
	EState	   *estate = CreateExecutorState();
	RangeTblEntry *rte = makeNode(RangeTblEntry);
	ResultRelInfo *rri = makeNode(ResultRelInfo);
	TupleTableSlot *slot;
	HeapTuple	stored = NULL;
	ItemPointerData conflict;

	if (existing)
		*existing = NULL;
	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);

		if (row->set[i] || att->attisdropped)
			continue;
		if (att->attidentity)
		{
			row->values[i] = Int64GetDatum(nextval_internal(identity_sequence(rel, i + 1), false));
			row->nulls[i] = false;
		}
		else if (att->atthasdef)
			elog(ERROR, "column \"%s\" of %s has a default that sesami does not fill",
				 NameStr(att->attname), RelationGetRelationName(rel));
	}

	rte->rtekind = RTE_RELATION;
	rte->relid = RelationGetRelid(rel);
	rte->relkind = rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
	ExecInitRangeTable(estate, list_make1(rte));
	InitResultRelInfo(rri, rel, 1, NULL, 0);
	/* where AFTER triggers look for it (else they open the table again) */
	estate->es_opened_result_relations = list_make1(rri);
	estate->es_output_cid = GetCurrentCommandId(true);
	if (ActiveSnapshotSet())
		estate->es_snapshot = GetActiveSnapshot();
	ExecOpenIndices(rri, OidIsValid(arbiter));

	slot = ExecInitExtraTupleSlot(estate, tupdesc, &TTSOpsVirtual);
	ExecClearTuple(slot);
	memcpy(slot->tts_values, row->values, tupdesc->natts * sizeof(Datum));
	memcpy(slot->tts_isnull, row->nulls, tupdesc->natts * sizeof(bool));
	ExecStoreVirtualTuple(slot);

	AfterTriggerBeginQuery();
	if (!OidIsValid(arbiter))
		ExecSimpleRelationInsert(rri, estate, slot);
	else if (!insert_unless_conflict(rri, estate, slot, arbiter, &conflict))
	{
		/* not stored (its TID may be a withdrawn speculative insertion) */
		ExecClearTuple(slot);
		if (ItemPointerIsValid(&conflict) && existing)
		{
			TupleTableSlot *found = table_slot_create(rel, &estate->es_tupleTable);

			if (!table_tuple_fetch_row_version(rel, &conflict, SnapshotAny, found))
				elog(ERROR, "could not fetch the conflicting row of %s",
					 RelationGetRelationName(rel));
			*existing = copy_row_in(found, caller);
		}
	}
	AfterTriggerEndQuery(estate);

	/* a stored row has a TID; a skipped or conflicting one has none */
	if (!TTS_EMPTY(slot) && ItemPointerIsValid(&slot->tts_tid))
		stored = copy_row_in(slot, caller);

	ExecCloseResultRelations(estate);
	ExecCloseRangeTableRelations(estate);
	ExecResetTupleTable(estate->es_tupleTable, false);
	FreeExecutorState(estate);
	return stored;
}

/* Close the row's table, keeping its lock to the end of the transaction. */
void
sesami_close_row(SesamiNewRow *row)
{
	table_close(row->rel, NoLock);
	row->rel = NULL;
}
