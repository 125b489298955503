-- api.submit_analysis (extension/submit.c) writes its job with a prepared
-- INSERT, and the job's triggers (extension/jobs.c) its audit and outbox rows.
-- These checks pin down: the row it returns is the api.jobs row, constraints
-- and triggers added to the tables apply, a column added with a default gets
-- it, and deleting or truncating jobs takes their history and outbox rows
-- along (they have no foreign key).  Concurrent submits: specs/submit_race.spec
-- and specs/submit_isolation.spec.

INSERT INTO sesami.accounts (github_id, login) VALUES (7301, 'carol'), (7302, 'dave');
SELECT json_build_object('sub', id::text, 'role', 'sesami_user')::text AS carol
FROM sesami.accounts WHERE login = 'carol' \gset
SELECT json_build_object('sub', id::text, 'role', 'sesami_user')::text AS dave
FROM sesami.accounts WHERE login = 'dave' \gset

-- Submit as a user, PostgREST-style, and return the api.jobs row as json.
CREATE FUNCTION pg_temp.submit(claims text, url text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	r jsonb;
BEGIN
	PERFORM set_config('request.jwt.claims', claims, true);
	SET LOCAL ROLE sesami_user;
	SELECT to_jsonb(s) INTO r FROM api.submit_analysis(url) s;
	RESET ROLE;
	RETURN r;
END
$$;

-- The same, but an error comes back as "ERROR <sqlstate>: <message>".
CREATE FUNCTION pg_temp.try_submit(claims text, url text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	RETURN pg_temp.submit(claims, url) ->> 'repository';
EXCEPTION WHEN OTHERS THEN
	RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END
$$;

-- the returned row is exactly the api.jobs row of the new job, in both modes
SET sesami.task_service = 'sqs';
SELECT pg_temp.submit(:'carol', 'https://github.com/carol/one') AS one \gset
SELECT :'one'::jsonb = (SELECT to_jsonb(j) FROM api.jobs j WHERE id = (:'one'::jsonb ->> 'id')::bigint)
	AS same_as_view,
	:'one'::jsonb - 'id' - 'created_at' - 'updated_at' AS row;
SELECT e.from_status, e.to_status, e.attempt, e.actor, e.worker_id, e.reason, e.at >= j.created_at AS at_after_created
FROM sesami.job_events e JOIN sesami.jobs j ON j.id = e.job_id
WHERE j.repo_owner = 'carol' AND j.repo_name = 'one';
SELECT o.attempt, o.send_attempts, o.created_at = j.created_at AS created_with_job,
	o.available_at = j.created_at AS available_at_once, o.lease_until, o.parked_at
FROM sesami.outbox o JOIN sesami.jobs j ON j.id = o.job_id WHERE j.repo_owner = 'carol' AND j.repo_name = 'one';
RESET sesami.task_service;
SELECT pg_temp.submit(:'carol', 'https://github.com/carol/two') AS two \gset
SELECT :'two'::jsonb = (SELECT to_jsonb(j) FROM api.jobs j WHERE id = (:'two'::jsonb ->> 'id')::bigint)
	AS same_as_view,
	:'two'::jsonb ->> 'status' AS status, (:'two'::jsonb ->> 'queued_at') IS NOT NULL AS queued_at_set;
-- the active job again: the same row, nothing new written
SELECT pg_temp.submit(:'carol', 'https://github.com/Carol/Two.git') = :'two'::jsonb AS same_row;
SELECT count(*) AS carol_events FROM sesami.job_events e JOIN sesami.jobs j ON j.id = e.job_id
WHERE j.account_id = (:'carol'::jsonb ->> 'sub')::bigint;

-- constraints and triggers a DBA adds to the audit and outbox tables apply
CREATE TABLE public.seen (tbl text, job_id bigint);
CREATE FUNCTION public.note_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.seen VALUES (TG_TABLE_NAME, NEW.job_id);
	RETURN NEW;
END
$$;
CREATE TRIGGER note_before BEFORE INSERT ON sesami.job_events FOR EACH ROW EXECUTE FUNCTION public.note_row();
CREATE TRIGGER note_after AFTER INSERT ON sesami.outbox FOR EACH ROW EXECUTE FUNCTION public.note_row();
SET sesami.task_service = 'sqs';
SELECT pg_temp.submit(:'carol', 'https://github.com/carol/three') ->> 'status' AS status;
SELECT s.tbl, j.repo_owner, j.repo_name FROM public.seen s JOIN sesami.jobs j ON j.id = s.job_id ORDER BY 1;
ALTER TABLE sesami.outbox ADD CONSTRAINT no_new_rows CHECK (send_attempts < 0) NOT VALID;
SELECT pg_temp.try_submit(:'carol', 'https://github.com/carol/four');
SELECT count(*) AS four_written FROM sesami.jobs WHERE repo_owner = 'carol' AND repo_name = 'four';
ALTER TABLE sesami.outbox DROP CONSTRAINT no_new_rows;
DROP TRIGGER note_before ON sesami.job_events;
DROP TRIGGER note_after ON sesami.outbox;
DROP TABLE public.seen;
DROP FUNCTION public.note_row();
RESET sesami.task_service;

-- a column added to the audit table with a default gets its default
ALTER TABLE sesami.job_events ADD COLUMN note text DEFAULT 'x';
SELECT pg_temp.try_submit(:'dave', 'https://github.com/dave/one');
SELECT e.to_status, e.note FROM sesami.job_events e JOIN sesami.jobs j ON j.id = e.job_id
WHERE j.account_id = (:'dave'::jsonb ->> 'sub')::bigint;
ALTER TABLE sesami.job_events DROP COLUMN note;
-- and once it is dropped again, submits go on (the prepared INSERT is re-planned)
SELECT pg_temp.submit(:'dave', 'https://github.com/dave/uno') ->> 'repository' AS repository;
SELECT count(*) AS dave_jobs FROM sesami.jobs WHERE account_id = (:'dave'::jsonb ->> 'sub')::bigint;

-- a trigger that skips the insert is an error, not an endless retry
CREATE FUNCTION public.skip_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER skip_before BEFORE INSERT ON sesami.jobs FOR EACH ROW EXECUTE FUNCTION public.skip_row();
SELECT pg_temp.try_submit(:'dave', 'https://github.com/dave/skipped');
DROP TRIGGER skip_before ON sesami.jobs;
DROP FUNCTION public.skip_row();

-- deleting jobs, directly or with their account, deletes their audit and outbox rows
SET sesami.task_service = 'sqs';
SELECT pg_temp.submit(:'dave', 'https://github.com/dave/two') ->> 'status' AS status;
RESET sesami.task_service;
SELECT count(*) AS dave_events, (SELECT count(*) FROM sesami.outbox o JOIN sesami.jobs j ON j.id = o.job_id
	WHERE j.account_id = (:'dave'::jsonb ->> 'sub')::bigint) AS dave_outbox
FROM sesami.job_events e JOIN sesami.jobs j ON j.id = e.job_id
WHERE j.account_id = (:'dave'::jsonb ->> 'sub')::bigint;
CREATE TEMP TABLE dave_jobs AS
	SELECT id FROM sesami.jobs WHERE account_id = (:'dave'::jsonb ->> 'sub')::bigint;
DELETE FROM sesami.jobs WHERE repo_name = 'one' AND account_id = (:'dave'::jsonb ->> 'sub')::bigint;
SELECT count(*) AS events_left FROM sesami.job_events WHERE job_id IN (SELECT id FROM dave_jobs);
DELETE FROM sesami.accounts WHERE login = 'dave';
SELECT (SELECT count(*) FROM sesami.job_events WHERE job_id IN (SELECT id FROM dave_jobs)) AS events_left,
	(SELECT count(*) FROM sesami.outbox WHERE job_id IN (SELECT id FROM dave_jobs)) AS outbox_left;
SELECT count(*) > 0 AS carol_history_kept FROM sesami.job_events e JOIN sesami.jobs j ON j.id = e.job_id;

-- TRUNCATE jobs (CASCADE: results refer to it) empties the audit and outbox tables too
SET sesami.task_service = 'sqs';
SELECT pg_temp.submit(:'carol', 'https://github.com/carol/five') ->> 'status' AS status;
RESET sesami.task_service;
TRUNCATE sesami.jobs CASCADE;
SELECT (SELECT count(*) FROM sesami.job_events) AS events, (SELECT count(*) FROM sesami.outbox) AS outbox;
