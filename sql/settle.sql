-- The dispatcher's last step of a round, sesami.outbox_settle(): it records
-- outcomes only on outbox rows that still carry the lease token of the round,
-- so a dispatcher whose lease ran out cannot clear, delete or park rows
-- another dispatcher has leased since.  And sesami.requeue_parked().
-- (The regression cluster has no queue configured: its dispatcher sends nothing.)
SET sesami.task_service = 'sqs';
INSERT INTO sesami.accounts (github_id, login) VALUES (8888, 'fence');
INSERT INTO sesami.jobs (account_id, repo_url, repo_host, repo_owner, repo_name, max_attempts)
SELECT a.id, 'https://github.com/fence/' || n, 'github.com', 'fence', n, 3
FROM sesami.accounts a, unnest(ARRAY['sent', 'failed', 'parked', 'gone']) AS n
WHERE a.login = 'fence';
CREATE TEMP VIEW fence AS
	SELECT j.repo_name, j.status, j.sqs_message_id, o.lease_token, o.lease_until IS NOT NULL AS leased,
		   o.last_error, o.available_at > now() AS backoff, o.parked_at IS NOT NULL AS parked
	FROM sesami.jobs j LEFT JOIN sesami.outbox o ON o.job_id = j.id
	WHERE j.repo_owner = 'fence' ORDER BY j.id;
CREATE TEMP VIEW ids AS
	SELECT max(o.id) FILTER (WHERE j.repo_name = 'sent') AS sent,
		   max(o.id) FILTER (WHERE j.repo_name = 'failed') AS failed,
		   max(o.id) FILTER (WHERE j.repo_name = 'parked') AS parked,
		   max(o.id) FILTER (WHERE j.repo_name = 'gone') AS gone
	FROM sesami.outbox o JOIN sesami.jobs j ON j.id = o.job_id WHERE j.repo_owner = 'fence';
SELECT * FROM ids \gset
-- dispatcher A leased the rows (token 100); its lease ran out and
-- dispatcher B leased them again (token 200)
UPDATE sesami.outbox SET lease_token = 200, lease_until = now() + interval '1 minute', send_attempts = 2
WHERE id IN (:sent, :failed, :parked, :gone);
-- A, late, records its outcome: nothing changes
SELECT sesami.outbox_settle(100, ARRAY[:sent]::bigint[], ARRAY['msg-a'], ARRAY[:gone]::bigint[],
	ARRAY[:failed, :parked]::bigint[], ARRAY['timeout', 'refused'], ARRAY[5000, 5000], ARRAY[false, true]);
SELECT * FROM fence;
-- B records its outcome
SELECT sesami.outbox_settle(200, ARRAY[:sent]::bigint[], ARRAY['msg-b'], ARRAY[:gone]::bigint[],
	ARRAY[:failed, :parked]::bigint[], ARRAY['timeout', 'refused'], ARRAY[5000, 5000], ARRAY[false, true]);
SELECT * FROM fence;
SELECT outbox_parked >= 1 AS parked_counted FROM sesami.stats;

-- the operator requeues parked rows: only superusers (the outbox's owner)
SET ROLE sesami_user;
SELECT sesami.requeue_parked();
RESET ROLE;
SELECT sesami.requeue_parked(ARRAY[0]::bigint[]) AS requeued_none;
SELECT sesami.requeue_parked(ARRAY[(SELECT id FROM sesami.jobs WHERE repo_owner = 'fence' AND repo_name = 'parked')]) AS requeued;
SELECT o.send_attempts, o.parked_at IS NULL AS ready, o.available_at <= now() AS due, o.last_error
FROM sesami.outbox o WHERE o.id = :parked;

DELETE FROM sesami.jobs WHERE repo_owner = 'fence';
DELETE FROM sesami.accounts WHERE login = 'fence';
