-- The worker API: claiming, heartbeats, completion and failure, each fenced
-- by (job_id, attempt); lease expiry and the reaper; cancellation.

CREATE FUNCTION pg_temp.call(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	r text;
BEGIN
	EXECUTE q INTO r;
	RETURN r;
EXCEPTION WHEN OTHERS THEN
	RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.call(text) TO PUBLIC;

-- Submit a job for account "login" as PostgREST would, returning its id.
CREATE FUNCTION pg_temp.submit(login text, url text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	jid bigint;
BEGIN
	PERFORM set_config('request.jwt.claims',
					   json_build_object('sub', a.id::text)::text, true)
	FROM sesami.accounts a WHERE a.login = submit.login;
	SET LOCAL ROLE sesami_user;
	SELECT id INTO jid FROM api.submit_analysis(url);
	RESET ROLE;
	RETURN jid;
END
$$;

-- earlier tests left active jobs behind: retire them so claim order is ours
UPDATE sesami.jobs SET status = 'cancelled' WHERE status IN ('pending', 'queued', 'processing');

INSERT INTO sesami.accounts (github_id, login, emails)
VALUES (201, 'wendy', '{wendy@example.com,123+wendy@users.noreply.github.com}');
SELECT pg_temp.submit('wendy', 'https://github.com/w/one') AS j1 \gset
SELECT pg_temp.submit('wendy', 'https://github.com/w/two') AS j2 \gset
SELECT pg_temp.submit('wendy', 'https://github.com/w/three') AS j3 \gset

SET ROLE sesami_worker;
-- the worker reads nothing directly; it gets what it needs from a claim
SELECT pg_temp.call('SELECT count(*) FROM sesami.accounts');
SELECT pg_temp.call('SELECT count(*) FROM sesami.jobs');

-- claim_next hands out the oldest queued job with what the worker needs
SELECT job_id = :j1 AS is_j1, attempt, repo_url, repo_owner, repo_name, github_login, emails,
	   lease_expires_at > now() AS leased
FROM worker.claim_next('worker-a');
SELECT job_id = :j2 AS is_j2, attempt FROM worker.claim_next('worker-b');

-- claim by message: a stale or duplicate message claims nothing
SELECT count(*) AS claimed FROM worker.claim_job(:j1, 0, 'worker-dup');
SELECT count(*) AS claimed FROM worker.claim_job(:j3, 5, 'worker-stale');
SELECT pg_temp.call('SELECT job_id FROM worker.claim_job(999999, 0, ''w'')');
SELECT pg_temp.call(format('SELECT job_id FROM worker.claim_job(%s, 0, %L)', :j3, 'has space'));
SELECT pg_temp.call(format('SELECT job_id FROM worker.claim_job(%s, 0, %L)', :j3, ''));

-- heartbeats: progress 0..1, lease extended; bad progress refused
SELECT worker.heartbeat(:j1, 1, 0.25, 'clone');
SELECT pg_temp.call(format('SELECT worker.heartbeat(%s, 1, 1.5, %L)', :j1, 'blame'));
SELECT pg_temp.call(format('SELECT worker.heartbeat(%s, 1, %L, %L)', :j1, 'NaN', 'blame'));
SELECT pg_temp.call(format('SELECT worker.heartbeat(%s, 2, 0.5, %L)', :j1, 'blame'));
RESET ROLE;
SELECT status, progress, stage, worker_id FROM sesami.jobs WHERE id = :j1;

-- worker-a goes silent: its lease expires and the reaper queues the job again
UPDATE sesami.jobs SET lease_expires_at = now() - interval '1 second' WHERE id = :j1;
SET ROLE sesami_worker;
SELECT sesami.reap_expired_leases() AS reaped;
RESET ROLE;
SELECT status, attempt, worker_id, error FROM sesami.jobs WHERE id = :j1;
SET ROLE sesami_worker;
-- worker-c takes it over as attempt 2
SELECT attempt FROM worker.claim_job(:j1, 1, 'worker-c');
-- worker-a comes back: every write-back of attempt 1 is refused
SELECT pg_temp.call(format('SELECT worker.heartbeat(%s, 1, 0.9, %L)', :j1, 'blame'));
SELECT pg_temp.call(format('SELECT worker.complete(%s, 1, %L)', :j1, '{"stale": true}'));
SELECT pg_temp.call(format('SELECT worker.fail(%s, 1, %L, false)', :j1, 'stale failure'));
-- attempt 2 completes; a duplicate completion is refused; one result only
SELECT worker.complete(:j1, 2, '{"fresh": true}');
SELECT pg_temp.call(format('SELECT worker.complete(%s, 2, %L)', :j1, '{"again": true}'));
SELECT pg_temp.call(format('SELECT worker.complete(%s, 2, %L)', :j2, '[1, 2]'));
RESET ROLE;
SELECT job_id = :j1 AS is_j1, attempt, result FROM sesami.results;

-- failures: retryable with attempts left -> queued; otherwise failed
SET ROLE sesami_worker;
SELECT worker.fail(:j2, 1, 'could not resolve host', true);
SELECT attempt FROM worker.claim_job(:j2, 1, 'worker-b');
SELECT worker.fail(:j2, 2, 'could not resolve host', true);
SELECT attempt FROM worker.claim_job(:j2, 2, 'worker-b');
SELECT worker.fail(:j2, 3, 'could not resolve host', true);
SELECT pg_temp.call(format('SELECT worker.fail(%s, 3, NULL, true)', :j3));
RESET ROLE;
SELECT status, attempt, max_attempts, error, finished_at IS NOT NULL AS finished
FROM sesami.jobs WHERE id = :j2;

-- a lease that expires on the last attempt fails the job
SET sesami.max_attempts = 1;
SELECT pg_temp.submit('wendy', 'https://github.com/w/four') AS j4 \gset
RESET sesami.max_attempts;
SET ROLE sesami_worker;
SELECT attempt FROM worker.claim_job(:j4, 0, 'worker-d');
RESET ROLE;
UPDATE sesami.jobs SET lease_expires_at = now() - interval '1 second' WHERE id = :j4;
SELECT sesami.reap_expired_leases() AS reaped;
SELECT status, error FROM sesami.jobs WHERE id = :j4;

-- cancellation reaches the worker at its next heartbeat; it cannot complete
SET ROLE sesami_worker;
SELECT attempt FROM worker.claim_job(:j3, 0, 'worker-e');
RESET ROLE;
BEGIN;
SELECT set_config('request.jwt.claims', json_build_object('sub', id::text)::text, true) IS NOT NULL AS set
FROM sesami.accounts WHERE login = 'wendy';
SET LOCAL ROLE sesami_user;
SELECT status FROM api.cancel_job(:j3);
COMMIT;
SET ROLE sesami_worker;
SELECT worker.heartbeat(:j3, 1, 0.5, 'blame');
SELECT pg_temp.call(format('SELECT worker.complete(%s, 1, %L)', :j3, '{}'));
RESET ROLE;

-- the whole history of j1, as audited
SELECT from_status, to_status, attempt, actor, worker_id, reason
FROM sesami.job_events WHERE job_id = :j1 ORDER BY id;

-- a user cannot call worker functions
BEGIN;
SET LOCAL ROLE sesami_user;
SELECT pg_temp.call($$SELECT job_id FROM worker.claim_next('me')$$);
SELECT pg_temp.call('SELECT sesami.reap_expired_leases()');
ROLLBACK;
