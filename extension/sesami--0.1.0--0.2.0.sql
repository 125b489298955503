-- sesami 0.1.0 -> 0.2.0.  Every schema change since 0.1.0, in the order a
-- fresh install (extension/sesami.sql) has it: test/upgrade.test.sh checks that
-- CREATE EXTENSION sesami VERSION '0.1.0' + ALTER EXTENSION sesami UPDATE gives
-- the same catalog as CREATE EXTENSION sesami, with the data kept.
\echo Use "ALTER EXTENSION sesami UPDATE TO '0.2.0'" to load this file. \quit

-- The worker's functions leave api, the schema PostgREST serves, for their own
-- schema "worker": no HTTP request can reach them, and PostgREST's login role
-- no longer needs sesami_worker.  Their bodies name their parameters by the
-- new function names, so they are created anew rather than moved.
DROP FUNCTION api.worker_claim_job(bigint, integer, text);
DROP FUNCTION api.worker_claim_next(text);
DROP FUNCTION api.worker_heartbeat(bigint, integer, real, text);
DROP FUNCTION api.worker_complete(bigint, integer, jsonb);
DROP FUNCTION api.worker_fail(bigint, integer, text, boolean);
REVOKE USAGE ON SCHEMA api FROM sesami_worker;

CREATE SCHEMA worker;
COMMENT ON SCHEMA worker IS 'sesami-worker''s functions (claim, heartbeat, complete, fail); not for PostgREST';
GRANT USAGE ON SCHEMA worker TO sesami_worker;

-- Claim a specific job named by a queue message carrying (job_id, attempt).
-- Returns no row when the message is stale or a duplicate: the job is no
-- longer queued, or its attempt has moved on.  PT404 for an unknown job.
CREATE FUNCTION worker.claim_job(job_id bigint, attempt integer, worker_id text)
	RETURNS SETOF sesami.claimed_job
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
	j record;
BEGIN
	PERFORM sesami.check_worker_id(claim_job.worker_id);
	SELECT status, attempt INTO j FROM sesami.jobs WHERE id = claim_job.job_id FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'job % not found', claim_job.job_id USING ERRCODE = 'PT404';
	END IF;
	IF j.status <> 'queued' OR j.attempt <> claim_job.attempt THEN
		RETURN;
	END IF;
	RETURN NEXT sesami.start_attempt(claim_job.job_id, claim_job.worker_id);
END
$$;

-- Claim the oldest queued job (task_service = 'local'); no row if none.
CREATE FUNCTION worker.claim_next(worker_id text) RETURNS SETOF sesami.claimed_job
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	next_id bigint;
BEGIN
	PERFORM sesami.check_worker_id(claim_next.worker_id);
	SELECT id INTO next_id FROM sesami.jobs
	WHERE status = 'queued'
	ORDER BY id
	LIMIT 1
	FOR UPDATE SKIP LOCKED;
	IF next_id IS NULL THEN
		RETURN;
	END IF;
	RETURN NEXT sesami.start_attempt(next_id, claim_next.worker_id);
END
$$;

-- Report progress (0..1) and extend the lease.  Returns the job's status:
-- 'processing', or 'cancelled' when the worker should stop.
CREATE FUNCTION worker.heartbeat(job_id bigint, attempt integer, progress real, stage text)
	RETURNS sesami.job_status
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
	j sesami.jobs;
BEGIN
	IF progress IS NULL OR progress < 0 OR progress > 1 OR progress <> progress THEN
		RAISE EXCEPTION 'invalid progress %', progress
			USING ERRCODE = '22023', DETAIL = 'Progress is a number from 0 to 1.';
	END IF;
	IF length(stage) > 64 THEN
		RAISE EXCEPTION 'invalid stage' USING ERRCODE = '22023', DETAIL = 'A stage name is at most 64 characters.';
	END IF;
	j := sesami.fence(job_id, attempt, true);
	IF j.status = 'cancelled' THEN
		RETURN j.status;
	END IF;
	UPDATE sesami.jobs
	SET progress = heartbeat.progress, stage = coalesce(heartbeat.stage, stage),
		lease_expires_at = now() + current_setting('sesami.lease_timeout')::interval,
		updated_at = now()
	WHERE id = heartbeat.job_id;
	RETURN 'processing';
END
$$;

-- Store the result of an attempt and complete the job.
CREATE FUNCTION worker.complete(job_id bigint, attempt integer, result jsonb)
	RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
	j sesami.jobs;
BEGIN
	IF result IS NULL OR jsonb_typeof(result) <> 'object' THEN
		RAISE EXCEPTION 'invalid result' USING ERRCODE = '22023', DETAIL = 'A result is a JSON object.';
	END IF;
	j := sesami.fence(job_id, attempt, false);
	INSERT INTO sesami.results (job_id, account_id, attempt, result)
	VALUES (j.id, j.account_id, j.attempt, complete.result);
	UPDATE sesami.jobs
	SET status = 'completed', progress = 1, stage = 'done', error = NULL,
		lease_expires_at = NULL, finished_at = now(), updated_at = now()
	WHERE id = j.id;
END
$$;

-- Record a failed attempt.  A retryable failure with attempts left queues
-- the job again; otherwise it fails for good.  Returns the new status.
CREATE FUNCTION worker.fail(job_id bigint, attempt integer, error text, retryable boolean)
	RETURNS sesami.job_status
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
	j sesami.jobs;
	next_status sesami.job_status;
BEGIN
	IF error IS NULL OR error = '' THEN
		RAISE EXCEPTION 'invalid error' USING ERRCODE = '22023', DETAIL = 'A failure needs an error message.';
	END IF;
	j := sesami.fence(job_id, attempt, false);
	next_status := CASE WHEN coalesce(retryable, false) AND j.attempt < j.max_attempts
						THEN 'queued' ELSE 'failed' END;
	UPDATE sesami.jobs
	SET status = next_status, error = left(fail.error, 2000),
		lease_expires_at = NULL, worker_id = NULL, updated_at = now(),
		queued_at = CASE WHEN next_status = 'queued' THEN now() ELSE queued_at END,
		finished_at = CASE WHEN next_status = 'failed' THEN now() END
	WHERE id = j.id;
	RETURN next_status;
END
$$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA worker FROM PUBLIC;
GRANT EXECUTE ON FUNCTION worker.claim_job(bigint, integer, text), worker.claim_next(text),
	worker.heartbeat(bigint, integer, real, text), worker.complete(bigint, integer, jsonb),
	worker.fail(bigint, integer, text, boolean) TO sesami_worker;
