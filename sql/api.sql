-- The user API, called exactly as PostgREST calls it: inside a transaction,
-- SET LOCAL ROLE <role from the JWT> and request.jwt.claims set locally.
-- Two users, alice and bob, must never see or change each other's jobs.

-- Run a statement and return its first column, or "ERROR <sqlstate>: <message>".
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

INSERT INTO sesami.accounts (github_id, login, emails)
VALUES (101, 'alice', '{alice@example.com}'), (102, 'bob', '{bob@example.com}');
SELECT json_build_object('sub', id::text, 'role', 'sesami_user')::text AS alice
FROM sesami.accounts WHERE login = 'alice' \gset
SELECT json_build_object('sub', id::text, 'role', 'sesami_user')::text AS bob
FROM sesami.accounts WHERE login = 'bob' \gset

-- anonymous: no API but sign-in (which comes later)
BEGIN;
SET LOCAL ROLE sesami_anon;
SELECT pg_temp.call($$SELECT id FROM api.submit_analysis('https://github.com/a/b')$$);
SELECT pg_temp.call($$SELECT count(*) FROM api.jobs$$);
SELECT pg_temp.call($$SELECT count(*) FROM sesami.jobs$$);
ROLLBACK;

-- a user role without a usable "sub" claim is anonymous too
BEGIN;
SET LOCAL ROLE sesami_user;
SELECT pg_temp.call($$SELECT id FROM api.submit_analysis('https://github.com/a/b')$$);
SELECT set_config('request.jwt.claims', '{"role":"sesami_user","sub":"not-a-number"}', true) IS NOT NULL AS set;
SELECT pg_temp.call($$SELECT api.job(1)$$);
SELECT set_config('request.jwt.claims', '{"role":"sesami_user","sub":"999999"}', true) IS NOT NULL AS set;
SELECT pg_temp.call($$SELECT id FROM api.submit_analysis('https://github.com/a/b')$$);
ROLLBACK;

-- alice submits; the same repository (any spelling) while active is the same job
BEGIN;
SET LOCAL ROLE sesami_user;
SELECT set_config('request.jwt.claims', :'alice', true) IS NOT NULL AS set;
SELECT id AS a1 FROM api.submit_analysis('https://github.com/expressjs/express') \gset
SELECT id AS a2 FROM api.submit_analysis('https://github.com/jqlang/jq.git') \gset
SELECT id = :a1 AS same_job, repository, status, progress, attempt
FROM api.submit_analysis('https://GITHUB.com/ExpressJS/Express.git/');
SELECT repository, status FROM api.jobs;
COMMIT;

-- bob submits the same repository: his own job
BEGIN;
SET LOCAL ROLE sesami_user;
SELECT set_config('request.jwt.claims', :'bob', true) IS NOT NULL AS set;
SELECT id AS b1 FROM api.submit_analysis('https://github.com/expressjs/express') \gset
SELECT :b1 <> :a1 AS own_job;
-- bob sees only his jobs, in the view and in the tables under it
SELECT repository FROM api.jobs;
SELECT count(*) AS visible_jobs FROM sesami.jobs;
SELECT login FROM sesami.accounts;
-- alice's job does not exist for bob: the same 404 as a job that does not exist
SELECT pg_temp.call(format('SELECT repository FROM api.job(%s)', :a1));
SELECT pg_temp.call('SELECT repository FROM api.job(999999)');
SELECT pg_temp.call(format('SELECT status FROM api.cancel_job(%s)', :a1));
SELECT pg_temp.call(format('SELECT api.job_result(%s)', :a1));
-- and he cannot write the tables directly
SELECT pg_temp.call(format($$UPDATE sesami.jobs SET status = 'cancelled' WHERE id = %s RETURNING id$$, :a1));
SELECT pg_temp.call($$INSERT INTO sesami.jobs (account_id, repo_url, repo_host, repo_owner, repo_name, max_attempts) VALUES (1, 'x', 'x', 'x', 'x', 1) RETURNING id$$);
SELECT pg_temp.call('SELECT count(*) FROM sesami.outbox');
SELECT pg_temp.call(format('SELECT job_id FROM worker.claim_next(%L)', 'bob-as-worker'));
COMMIT;

-- alice's job is untouched by bob's attempts
SELECT status FROM sesami.jobs WHERE id = :a1;

-- alice: reading, a result that is not there yet, cancelling
BEGIN;
SET LOCAL ROLE sesami_user;
SELECT set_config('request.jwt.claims', :'alice', true) IS NOT NULL AS set;
SELECT repository, status FROM api.job(:a1);
SELECT pg_temp.call(format('SELECT api.job_result(%s)', :a1));
SELECT repository, status, finished_at IS NOT NULL AS finished FROM api.cancel_job(:a2);
SELECT repository, status FROM api.cancel_job(:a2);
-- a new submit of a cancelled repository is a new job
SELECT id <> :a2 AS new_job, status FROM api.submit_analysis('https://github.com/jqlang/jq');
COMMIT;

-- a worker completes alice's first job
SET ROLE sesami_worker;
SELECT job_id = :a1 AS claimed_a1 FROM worker.claim_job(:a1, 0, 'worker-1');
SELECT worker.complete(:a1, 1, '{"schema": "sesami.analysis/1", "user": {"lines": 42}}');
RESET ROLE;

BEGIN;
SET LOCAL ROLE sesami_user;
SELECT set_config('request.jwt.claims', :'alice', true) IS NOT NULL AS set;
SELECT api.job_result(:a1);
SELECT status, progress, finished_at IS NOT NULL AS finished FROM api.job(:a1);
SELECT pg_temp.call(format('SELECT status FROM api.cancel_job(%s)', :a1));
-- completed, the repository can be analysed again
SELECT id <> :a1 AS new_job FROM api.submit_analysis('https://github.com/expressjs/express');
SELECT count(*) AS alice_results FROM sesami.results;
COMMIT;

BEGIN;
SET LOCAL ROLE sesami_user;
SELECT set_config('request.jwt.claims', :'bob', true) IS NOT NULL AS set;
SELECT count(*) AS bob_results FROM sesami.results;
SELECT count(*) AS bob_events FROM sesami.job_events;
SELECT pg_temp.call(format('SELECT api.job_result(%s)', :a1));
COMMIT;

-- bad input: a clear error and nothing written
SELECT count(*) AS jobs_before FROM sesami.jobs \gset
BEGIN;
SET LOCAL ROLE sesami_user;
SELECT set_config('request.jwt.claims', :'alice', true) IS NOT NULL AS set;
SELECT pg_temp.call($$SELECT id FROM api.submit_analysis('http://github.com/a/b')$$);
SELECT pg_temp.call($$SELECT id FROM api.submit_analysis('https://169.254.169.254/latest/meta-data')$$);
SELECT pg_temp.call($$SELECT id FROM api.submit_analysis(NULL)$$);
COMMIT;
SELECT count(*) = :jobs_before AS nothing_written FROM sesami.jobs;
