-- sesami 0.1.0 -> 0.2.0.  Every schema change since 0.1.0, in the order a
-- fresh install (extension/sesami.sql) has it: test/upgrade.test.sh checks that
-- CREATE EXTENSION sesami VERSION '0.1.0' + ALTER EXTENSION sesami UPDATE gives
-- the same catalog as CREATE EXTENSION sesami, with the data kept.
\echo Use "ALTER EXTENSION sesami UPDATE TO '0.2.0'" to load this file. \quit

-- The dispatcher fences the outcome of a round on the lease it took.
ALTER TABLE sesami.outbox ADD COLUMN lease_token bigint;

-- The dispatcher's last step of a round (extension/sqs_dispatch.c): record
-- what became of the outbox rows it leased with lease_token.  Sent rows are
-- deleted and their jobs move pending -> queued; rows of finished jobs are
-- deleted; failed rows get their error and next send time, or are parked.
-- A row another dispatcher has leased since (this lease ran out) is left
-- alone.  Locks are taken jobs first, then outbox rows, as api.cancel_job
-- takes them, so the two cannot deadlock.
CREATE FUNCTION sesami.outbox_settle(lease_token bigint,
	sent_ids bigint[], sent_message_ids text[], drop_ids bigint[],
	fail_ids bigint[], fail_errors text[], fail_delays_ms integer[], fail_parks boolean[])
	RETURNS void
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
BEGIN
	IF cardinality(sent_ids) > 0 THEN
		PERFORM FROM sesami.jobs j
		WHERE j.id IN (SELECT o.job_id FROM sesami.outbox o
					   WHERE o.id = ANY (sent_ids) AND o.lease_token = lease_token)
		ORDER BY j.id
		FOR UPDATE;
		WITH d AS (
			DELETE FROM sesami.outbox o
			USING unnest(sent_ids, sent_message_ids) AS s(id, msg)
			WHERE o.id = s.id AND o.lease_token = lease_token
			RETURNING o.job_id, s.msg)
		UPDATE sesami.jobs j
		SET status = 'queued', sqs_message_id = d.msg, updated_at = now(), dispatched_at = now(),
			queued_at = CASE WHEN j.status = 'pending' THEN now() ELSE j.queued_at END
		FROM d WHERE j.id = d.job_id AND j.status IN ('pending', 'queued');
	END IF;
	IF cardinality(drop_ids) > 0 THEN
		DELETE FROM sesami.outbox o
		WHERE o.id = ANY (drop_ids) AND o.lease_token = lease_token;
	END IF;
	IF cardinality(fail_ids) > 0 THEN
		UPDATE sesami.outbox o
		SET lease_until = NULL, last_error = f.err,
			available_at = now() + f.delay * interval '1 millisecond',
			parked_at = CASE WHEN f.park THEN now() END
		FROM unnest(fail_ids, fail_errors, fail_delays_ms, fail_parks) AS f(id, err, delay, park)
		WHERE o.id = f.id AND o.lease_token = lease_token;
	END IF;
END
$$;

-- Send parked outbox rows again, once what made SQS refuse them is fixed:
-- every parked row, or those of the given jobs.  Their send count starts
-- over; the dispatcher picks them up within sesami.poll_interval.  Returns
-- how many rows it requeued.  Superuser (outbox owner) only.
CREATE FUNCTION sesami.requeue_parked(job_ids bigint[] DEFAULT NULL) RETURNS integer
	LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	WITH r AS (
		UPDATE sesami.outbox o
		SET parked_at = NULL, available_at = now(), send_attempts = 0, lease_until = NULL
		WHERE o.parked_at IS NOT NULL AND (job_ids IS NULL OR o.job_id = ANY (job_ids))
		RETURNING 1)
	SELECT count(*)::integer FROM r
$$;
COMMENT ON FUNCTION sesami.requeue_parked(bigint[]) IS 'Sends parked outbox rows again (all, or those of the given jobs); returns how many';

REVOKE ALL ON FUNCTION sesami.outbox_settle(bigint, bigint[], text[], bigint[], bigint[], text[],
	integer[], boolean[]), sesami.requeue_parked(bigint[]) FROM PUBLIC;
