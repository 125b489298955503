-- task_service = 'sqs': a new job is 'pending' with an outbox row written in
-- the same transaction, and the dispatcher is woken only if it commits.
INSERT INTO sesami.accounts (github_id, login) VALUES (777, 'olivia')
RETURNING json_build_object('sub', id::text)::text AS claims \gset
SET sesami.task_service = 'sqs';

-- Wait (up to 10 s) until the dispatcher has counted more than n wakeups.
CREATE FUNCTION pg_temp.wakeups_exceed(n bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	FOR i IN 1..200 LOOP
		IF (SELECT wakeups FROM sesami.dispatcher_status()) > n THEN
			RETURN true;
		END IF;
		PERFORM pg_sleep(0.05);
	END LOOP;
	RETURN false;
END
$$;

-- a rolled-back submit leaves nothing behind and wakes nobody
SELECT wakeups AS w0 FROM sesami.dispatcher_status() \gset
BEGIN;
SET LOCAL ROLE sesami_user;
SELECT set_config('request.jwt.claims', :'claims', true) IS NOT NULL AS ok;
SELECT status FROM api.submit_analysis('https://github.com/olivia/rolled-back');
ROLLBACK;
SELECT pg_sleep(0.3);
SELECT wakeups = :w0 AS no_wakeup_after_rollback FROM sesami.dispatcher_status();
SELECT count(*) AS jobs, (SELECT count(*) FROM sesami.outbox) AS outbox
FROM sesami.jobs WHERE repo_name = 'rolled-back';

-- a committed submit: pending, one outbox row, one wakeup at commit
BEGIN;
SET LOCAL ROLE sesami_user;
SELECT set_config('request.jwt.claims', :'claims', true) IS NOT NULL AS ok;
SELECT repository, status FROM api.submit_analysis('https://github.com/olivia/one');
SELECT repository, status FROM api.submit_analysis('https://github.com/olivia/two');
-- before commit the dispatcher has not been woken
SELECT pg_sleep(0.2);
RESET ROLE;
SELECT wakeups = :w0 AS no_wakeup_before_commit FROM sesami.dispatcher_status();
COMMIT;
SELECT pg_temp.wakeups_exceed(:w0) AS woken_after_commit;

SELECT j.repo_name, j.status, o.attempt, o.send_attempts, o.parked_at IS NULL AS ready
FROM sesami.outbox o JOIN sesami.jobs j ON j.id = o.job_id ORDER BY j.id;
SELECT pending, outbox_backlog, oldest_pending_age IS NOT NULL AS has_age FROM sesami.stats;

-- cancelling a pending job removes its outbox row
BEGIN;
SET LOCAL ROLE sesami_user;
SELECT set_config('request.jwt.claims', :'claims', true) IS NOT NULL AS ok;
SELECT status FROM api.cancel_job((SELECT id FROM api.jobs WHERE repository = 'olivia/two'));
COMMIT;
SELECT j.repo_name FROM sesami.outbox o JOIN sesami.jobs j ON j.id = o.job_id;

-- the dispatcher hands a job over: pending -> queued
UPDATE sesami.jobs SET status = 'queued', queued_at = now(), sqs_message_id = 'm-1'
WHERE repo_owner = 'olivia' AND repo_name = 'one';
DELETE FROM sesami.outbox WHERE job_id = (SELECT id FROM sesami.jobs WHERE repo_owner = 'olivia' AND repo_name = 'one');

-- a retryable failure in sqs mode queues the job again through the outbox
SELECT id AS one_id FROM sesami.jobs WHERE repo_owner = 'olivia' AND repo_name = 'one' \gset
SET ROLE sesami_worker;
SELECT job_id = :one_id AS claimed, attempt FROM worker.claim_job(:one_id, 0, 'sqs-worker-1');
SELECT worker.fail(:one_id, 1, 'clone timed out', true);
RESET ROLE;
SELECT j.repo_name, j.status, o.attempt FROM sesami.outbox o JOIN sesami.jobs j ON j.id = o.job_id;

RESET sesami.task_service;
