-- The C trigger allows exactly the moves in the transition table, rejects
-- every other with 55000, and audits every change it allows.
\set VERBOSITY default
INSERT INTO sesami.accounts (github_id, login) VALUES (4242, 'tester');

-- Try moving a fresh job from src to dst.  The job is put into src with
-- triggers off (session_replication_role = replica), then moved with them on.
CREATE FUNCTION pg_temp.try_move(src sesami.job_status, dst sesami.job_status)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	jid bigint;
	events_before bigint;
	events_after bigint;
BEGIN
	INSERT INTO sesami.jobs (account_id, repo_url, repo_host, repo_owner, repo_name, max_attempts)
	SELECT id, 'https://github.com/t/x', 'github.com', 't', src || '-' || dst, 3
	FROM sesami.accounts WHERE login = 'tester'
	RETURNING id INTO jid;
	PERFORM set_config('session_replication_role', 'replica', true);
	UPDATE sesami.jobs SET status = src WHERE id = jid;
	PERFORM set_config('session_replication_role', 'origin', true);
	SELECT count(*) INTO events_before FROM sesami.job_events WHERE job_id = jid;
	BEGIN
		UPDATE sesami.jobs SET status = dst WHERE id = jid;
	EXCEPTION WHEN object_not_in_prerequisite_state THEN
		SELECT count(*) INTO events_after FROM sesami.job_events WHERE job_id = jid;
		RETURN CASE WHEN events_after = events_before THEN '-' ELSE 'AUDITED?' END;
	END;
	SELECT count(*) INTO events_after FROM sesami.job_events WHERE job_id = jid;
	IF src = dst THEN
		RETURN CASE WHEN events_after = events_before THEN '=' ELSE 'AUDITED?' END;
	END IF;
	RETURN CASE WHEN events_after = events_before + 1 THEN 'ok' ELSE 'NOT AUDITED' END;
END
$$;

-- rows: from; columns: to.  ok = allowed and audited, - = refused, = = no change
SELECT f AS "from \ to",
	   pg_temp.try_move(f, 'pending') AS pending,
	   pg_temp.try_move(f, 'queued') AS queued,
	   pg_temp.try_move(f, 'processing') AS processing,
	   pg_temp.try_move(f, 'completed') AS completed,
	   pg_temp.try_move(f, 'failed') AS failed,
	   pg_temp.try_move(f, 'cancelled') AS cancelled
FROM unnest(enum_range(NULL::sesami.job_status)) AS f;

-- the error a client sees for an illegal move, and for a move out of a final status
BEGIN;
INSERT INTO sesami.jobs (account_id, repo_url, repo_host, repo_owner, repo_name, max_attempts)
SELECT id, 'https://github.com/t/y', 'github.com', 't', 'y', 3 FROM sesami.accounts WHERE login = 'tester';
UPDATE sesami.jobs SET status = 'completed' WHERE repo_name = 'y';
ROLLBACK;
BEGIN;
INSERT INTO sesami.jobs (account_id, repo_url, repo_host, repo_owner, repo_name, max_attempts)
SELECT id, 'https://github.com/t/z', 'github.com', 't', 'z', 3 FROM sesami.accounts WHERE login = 'tester';
UPDATE sesami.jobs SET status = 'cancelled' WHERE repo_name = 'z';
UPDATE sesami.jobs SET status = 'queued' WHERE repo_name = 'z';
ROLLBACK;

-- a new job must start as pending
INSERT INTO sesami.jobs (account_id, repo_url, repo_host, repo_owner, repo_name, max_attempts, status)
SELECT id, 'https://github.com/t/w', 'github.com', 't', 'w', 3, 'completed' FROM sesami.accounts WHERE login = 'tester';

-- a local-mode job is queued at once; its history is one audit row per move
INSERT INTO sesami.jobs (account_id, repo_url, repo_host, repo_owner, repo_name, max_attempts)
SELECT id, 'https://github.com/t/h', 'github.com', 't', 'h', 3 FROM sesami.accounts WHERE login = 'tester';
UPDATE sesami.jobs SET progress = 0.5 WHERE repo_name = 'h';
UPDATE sesami.jobs SET status = 'processing', attempt = 1, worker_id = 'w-1' WHERE repo_name = 'h';
UPDATE sesami.jobs SET status = 'queued', error = 'network down', worker_id = NULL WHERE repo_name = 'h';
UPDATE sesami.jobs SET status = 'processing', attempt = 2, worker_id = 'w-2' WHERE repo_name = 'h';
UPDATE sesami.jobs SET status = 'failed', error = 'repository too large' WHERE repo_name = 'h';
SELECT e.from_status, e.to_status, e.attempt, e.actor, e.worker_id, e.reason
FROM sesami.job_events e JOIN sesami.jobs j ON j.id = e.job_id
WHERE j.repo_name = 'h' ORDER BY e.id;

-- the trigger cannot be called directly
SELECT sesami.job_state_machine();
