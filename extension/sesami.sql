-- sesami install script.  Objects live in schema "sesami" (created by
-- CREATE EXTENSION from sesami.control) and the PostgREST-facing schema "api".
\echo Use "CREATE EXTENSION sesami" to load this file. \quit

------------------------------------------------------------------------------
-- Roles.  Cluster-wide, so created only if missing and left in place by
-- DROP EXTENSION.  PostgREST logs in as a deployer-chosen login role (for
-- example "authenticator") that is granted sesami_anon and sesami_user;
-- sesami-worker logs in as its own login role granted sesami_worker.
------------------------------------------------------------------------------
DO $roles$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sesami_anon') THEN
		CREATE ROLE sesami_anon NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sesami_user') THEN
		CREATE ROLE sesami_user NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sesami_worker') THEN
		CREATE ROLE sesami_worker NOLOGIN;
	END IF;
END
$roles$;

CREATE SCHEMA api;
COMMENT ON SCHEMA api IS 'sesami''s PostgREST API: POST /rpc/<function>, GET /jobs';
-- The worker's functions live apart from api, in a schema PostgREST does not
-- serve: no HTTP request can reach them, whatever role its token names.
CREATE SCHEMA worker;
COMMENT ON SCHEMA worker IS 'sesami-worker''s functions (claim, heartbeat, complete, fail); not for PostgREST';

GRANT USAGE ON SCHEMA api TO sesami_anon, sesami_user;
GRANT USAGE ON SCHEMA worker TO sesami_worker;
GRANT USAGE ON SCHEMA sesami TO sesami_user, sesami_worker;

------------------------------------------------------------------------------
-- Tables
------------------------------------------------------------------------------
CREATE TYPE sesami.job_status AS ENUM
	('pending', 'queued', 'processing', 'completed', 'failed', 'cancelled');

-- A GitHub identity.  id is sesami's own key (the JWT "sub").
CREATE TABLE sesami.accounts (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	github_id bigint NOT NULL UNIQUE CHECK (github_id > 0),
	login text NOT NULL CHECK (login ~ '^[A-Za-z0-9][A-Za-z0-9-]{0,38}$'),
	display_name text CHECK (length(display_name) <= 255),
	emails text[] NOT NULL DEFAULT '{}' CHECK (cardinality(emails) <= 100),
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	profile_public boolean NOT NULL DEFAULT false	-- the README card is served to anyone
);
-- the README card finds an account by login (GitHub logins ignore case)
CREATE INDEX accounts_login ON sesami.accounts (lower(login), updated_at DESC);

-- Sign-in (issue 5): an account's GitHub token, sealed to the worker's
-- X25519 public key (format in common/seal.h).  The database holds no key
-- that opens it.  RLS on, no policy, no grant: only the owner's SECURITY
-- DEFINER functions (login, claim, re-seal) touch it.
CREATE TABLE sesami.github_tokens (
	account_id bigint PRIMARY KEY REFERENCES sesami.accounts (id) ON DELETE CASCADE,
	key_id text NOT NULL CHECK (key_id ~ '^[A-Za-z0-9._:-]{1,64}$'),
	sealed bytea NOT NULL CHECK (length(sealed) <= 8192),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX github_tokens_key ON sesami.github_tokens (key_id);

-- An analysis job.  status moves only as sesami.job_transitions() allows
-- (enforced in C); attempt counts claims and fences every worker write-back.
CREATE TABLE sesami.jobs (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	account_id bigint NOT NULL REFERENCES sesami.accounts (id) ON DELETE CASCADE,
	repo_url text NOT NULL,
	repo_host text NOT NULL,
	repo_owner text NOT NULL,
	repo_name text NOT NULL,
	status sesami.job_status NOT NULL DEFAULT 'pending',
	attempt integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
	max_attempts integer NOT NULL CHECK (max_attempts BETWEEN 1 AND 100),
	lease_expires_at timestamptz,
	worker_id text CHECK (length(worker_id) <= 200),
	progress real NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
	stage text CHECK (length(stage) <= 64),
	error text CHECK (length(error) <= 2000),
	sqs_message_id text,
	dispatched_at timestamptz,	-- last delivery of a message for this job to SQS
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	queued_at timestamptz,
	started_at timestamptz,
	finished_at timestamptz,
	CHECK (attempt <= max_attempts)
);
-- one active job per account and repository (duplicate submits return it)
CREATE UNIQUE INDEX jobs_active_repo ON sesami.jobs
	(account_id, repo_host, lower(repo_owner), lower(repo_name))
	WHERE status IN ('pending', 'queued', 'processing');
CREATE INDEX jobs_account ON sesami.jobs (account_id, id DESC);
CREATE INDEX jobs_queued ON sesami.jobs (id) WHERE status = 'queued';
CREATE INDEX jobs_leases ON sesami.jobs (lease_expires_at) WHERE status = 'processing';
CREATE INDEX jobs_dispatched ON sesami.jobs (dispatched_at) WHERE status = 'queued';

-- A count read from a result document: a non-negative JSON number, else 0.
CREATE FUNCTION sesami.jsonb_count(v jsonb) RETURNS bigint
	LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN jsonb_typeof(v) = 'number' AND v::numeric >= 0 AND v::numeric < 1e15
				THEN trunc(v::numeric)::bigint ELSE 0 END
$$;

-- What the profile and the card read from a result document (the user's
-- surviving lines, share, commits and lines per language; the repository's
-- technologies), kept small in the results row so that a profile over
-- hundreds of results never opens the documents themselves.  Any shape of
-- document gives a summary (missing or odd parts count as nothing).
CREATE FUNCTION sesami.result_summary(result jsonb) RETURNS jsonb
	LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT jsonb_build_object(
		'lines', sesami.jsonb_count(result #> '{user,lines}'),
		'commits', sesami.jsonb_count(result #> '{user,commits}'),
		'share', CASE WHEN jsonb_typeof(result #> '{user,share}') = 'number'
					   AND (result #> '{user,share}')::numeric BETWEEN 0 AND 1
					  THEN (result #> '{user,share}')::numeric ELSE 0 END,
		'languages', coalesce((
			SELECT jsonb_agg(jsonb_build_object('language', language, 'lines', lines)
							 ORDER BY lines DESC, language)
			FROM (SELECT l ->> 'language' AS language, sum(sesami.jsonb_count(l -> 'lines')) AS lines
				  FROM jsonb_path_query(result, '$.user.by_language[*] ? (@.language.type() == "string")',
										'{}', true) l
				  GROUP BY 1) per_language
			WHERE lines > 0), '[]'),
		'technologies', coalesce((
			SELECT jsonb_agg(DISTINCT t)
			FROM jsonb_path_query(result, '$.stack.technologies[*].name ? (@.type() == "string")',
								  '{}', true) t), '[]'))
$$;

-- The result of a completed job, written once by the attempt that completed it.
CREATE TABLE sesami.results (
	job_id bigint PRIMARY KEY REFERENCES sesami.jobs (id) ON DELETE CASCADE,
	account_id bigint NOT NULL REFERENCES sesami.accounts (id) ON DELETE CASCADE,
	attempt integer NOT NULL,
	result jsonb NOT NULL CHECK (jsonb_typeof(result) = 'object'),
	created_at timestamptz NOT NULL DEFAULT now(),
	summary jsonb NOT NULL GENERATED ALWAYS AS (sesami.result_summary(result)) STORED
);
CREATE INDEX results_account ON sesami.results (account_id);

-- Every status change, written by the C trigger in the same transaction.
-- Like the outbox below, it has no foreign key to jobs: only that trigger
-- writes it, with the id of the row that fired it, and the statement trigger
-- jobs_delete_dependents removes the rows of deleted jobs.  (Dropping the two
-- foreign keys, each checked by a planned query per row, raised submit
-- throughput by about a quarter; see jobs.c.)
CREATE TABLE sesami.job_events (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	job_id bigint NOT NULL,
	from_status sesami.job_status,
	to_status sesami.job_status NOT NULL,
	attempt integer NOT NULL,
	actor text NOT NULL,
	worker_id text,
	reason text,
	at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX job_events_job ON sesami.job_events (job_id, id);
CREATE INDEX job_events_recent ON sesami.job_events (at, to_status);

-- Jobs waiting for the SQS dispatcher.  A logged table written in the
-- submitting transaction: a committed job is never lost.  The dispatcher
-- claims rows by setting lease_until and lease_token, sends them, then
-- deletes them; only the holder of the current lease_token may record the
-- outcome.  A parked row (parked_at set) waits for sesami.requeue_parked().
CREATE TABLE sesami.outbox (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	job_id bigint NOT NULL,
	attempt integer NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	available_at timestamptz NOT NULL DEFAULT now(),
	lease_until timestamptz,
	send_attempts integer NOT NULL DEFAULT 0,
	last_error text,
	parked_at timestamptz,
	lease_token bigint			-- the claiming transaction's id: fences the outcome
) WITH (fillfactor = 50);	-- room on each page for the lease update to stay HOT
CREATE INDEX outbox_ready ON sesami.outbox (available_at, id) WHERE parked_at IS NULL;
CREATE INDEX outbox_job ON sesami.outbox (job_id);

------------------------------------------------------------------------------
-- C functions
------------------------------------------------------------------------------
CREATE FUNCTION sesami.job_state_machine() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'sesami_job_state_machine';

CREATE FUNCTION sesami.job_transitions(OUT from_status text, OUT to_status text)
	RETURNS SETOF record
	LANGUAGE c STRICT IMMUTABLE AS 'MODULE_PATHNAME', 'sesami_job_transitions';
COMMENT ON FUNCTION sesami.job_transitions() IS 'The job state machine''s allowed moves (enforced by a C trigger)';

CREATE FUNCTION sesami.parse_repo_url(url text,
	OUT url text, OUT host text, OUT owner text, OUT name text)
	RETURNS record
	LANGUAGE c STRICT STABLE AS 'MODULE_PATHNAME', 'sesami_parse_repo_url';
COMMENT ON FUNCTION sesami.parse_repo_url(text) IS 'Validates a repository URL (https, allowed host, OWNER/REPO) and returns its normalised parts';

CREATE FUNCTION sesami.dispatcher_status(OUT pid integer, OUT started_at timestamptz,
	OUT loops bigint, OUT wakeups bigint, OUT reaped bigint, OUT last_reap_at timestamptz,
	OUT sent bigint, OUT send_failed bigint, OUT retried bigint, OUT parked bigint,
	OUT throttled bigint, OUT last_success_at timestamptz, OUT last_error text,
	OUT last_error_at timestamptz, OUT sqs_configured boolean, OUT redispatched bigint,
	OUT workers integer)
	RETURNS record
	LANGUAGE c STRICT VOLATILE AS 'MODULE_PATHNAME', 'sesami_dispatcher_status';
COMMENT ON FUNCTION sesami.dispatcher_status() IS 'The dispatcher background workers: the first one''s pid, loops, commit wakeups, reaper and SQS delivery counters (since server start), and how many run';

-- Wait until every dispatcher (sesami.dispatch_workers) runs (for tests and
-- start-up scripts); false on timeout.
CREATE FUNCTION sesami.wait_until_running(timeout interval DEFAULT '10 seconds') RETURNS boolean
	LANGUAGE plpgsql AS $$
DECLARE
	deadline timestamptz := clock_timestamp() + timeout;
BEGIN
	LOOP
		IF (SELECT workers FROM sesami.dispatcher_status())
		   >= current_setting('sesami.dispatch_workers')::integer THEN
			RETURN true;
		END IF;
		IF clock_timestamp() > deadline THEN
			RETURN false;
		END IF;
		PERFORM pg_sleep(0.05);
	END LOOP;
END
$$;

CREATE TRIGGER jobs_state_insert_before BEFORE INSERT ON sesami.jobs
	FOR EACH ROW EXECUTE FUNCTION sesami.job_state_machine();
CREATE TRIGGER jobs_state_insert_after AFTER INSERT ON sesami.jobs
	FOR EACH ROW EXECUTE FUNCTION sesami.job_state_machine();
CREATE TRIGGER jobs_state_update_before BEFORE UPDATE ON sesami.jobs
	FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
	EXECUTE FUNCTION sesami.job_state_machine();
CREATE TRIGGER jobs_state_update_after AFTER UPDATE ON sesami.jobs
	FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
	EXECUTE FUNCTION sesami.job_state_machine();

-- What ON DELETE CASCADE did for job_events and outbox (they have no foreign
-- key; see job_events): deleting jobs, directly or with their account,
-- deletes their history and undelivered messages.
CREATE FUNCTION sesami.jobs_delete_dependents() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	DELETE FROM sesami.job_events e USING deleted_jobs d WHERE e.job_id = d.id;
	DELETE FROM sesami.outbox o USING deleted_jobs d WHERE o.job_id = d.id;
	RETURN NULL;
END
$$;
CREATE TRIGGER jobs_delete_dependents AFTER DELETE ON sesami.jobs
	REFERENCING OLD TABLE AS deleted_jobs
	FOR EACH STATEMENT EXECUTE FUNCTION sesami.jobs_delete_dependents();
CREATE FUNCTION sesami.jobs_truncate_dependents() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	TRUNCATE sesami.job_events, sesami.outbox;
	RETURN NULL;
END
$$;
CREATE TRIGGER jobs_truncate_dependents AFTER TRUNCATE ON sesami.jobs
	FOR EACH STATEMENT EXECUTE FUNCTION sesami.jobs_truncate_dependents();

------------------------------------------------------------------------------
-- Identity: the caller is the JWT's "sub", exactly as PostgREST passes it.
------------------------------------------------------------------------------
CREATE FUNCTION sesami.current_account_id() RETURNS bigint
	LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'sesami_current_account_id';
COMMENT ON FUNCTION sesami.current_account_id() IS 'The calling account: the "sub" claim of request.jwt.claims, or null';

-- The calling account, or 42501 (PostgREST: 401/403) for an anonymous call.
CREATE FUNCTION sesami.require_account() RETURNS bigint
	LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'sesami_require_account';

------------------------------------------------------------------------------
-- Row-level security: a user sees only their own rows.  Writes go through
-- the api functions below; no user role holds INSERT/UPDATE/DELETE.
------------------------------------------------------------------------------
ALTER TABLE sesami.accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE sesami.jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE sesami.results ENABLE ROW LEVEL SECURITY;
ALTER TABLE sesami.job_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE sesami.outbox ENABLE ROW LEVEL SECURITY;

CREATE POLICY accounts_self ON sesami.accounts FOR SELECT TO sesami_user
	USING (id = sesami.current_account_id());
CREATE POLICY jobs_owner ON sesami.jobs FOR SELECT TO sesami_user
	USING (account_id = sesami.current_account_id());
CREATE POLICY results_owner ON sesami.results FOR SELECT TO sesami_user
	USING (account_id = sesami.current_account_id());
CREATE POLICY job_events_owner ON sesami.job_events FOR SELECT TO sesami_user
	USING (EXISTS (SELECT FROM sesami.jobs j
				   WHERE j.id = job_id AND j.account_id = sesami.current_account_id()));
-- sesami.outbox has no policy: only its owner (the dispatcher) reads it.

GRANT SELECT ON sesami.accounts, sesami.jobs, sesami.results, sesami.job_events TO sesami_user;

------------------------------------------------------------------------------
-- User API (PostgREST: GET /jobs, POST /rpc/submit_analysis, ...)
------------------------------------------------------------------------------
CREATE VIEW api.jobs WITH (security_invoker = true) AS
	SELECT j.id, j.repo_url, j.repo_owner || '/' || j.repo_name AS repository,
		   j.status, j.progress, j.stage, j.attempt, j.max_attempts, j.error,
		   j.created_at, j.updated_at, j.queued_at, j.started_at, j.finished_at
	FROM sesami.jobs j
	ORDER BY j.id DESC;
COMMENT ON VIEW api.jobs IS 'The caller''s analysis jobs, newest first';
GRANT SELECT ON api.jobs TO sesami_user;

-- Submit a repository for analysis; returns the new job, or the caller's
-- still-active job for the same repository.  In C (extension/submit.c): it is
-- the call every user makes.  SECURITY DEFINER because users hold no
-- privilege on sesami.jobs; the fixed search_path is the usual guard.
CREATE FUNCTION api.submit_analysis(repo_url text) RETURNS api.jobs
	LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
	AS 'MODULE_PATHNAME', 'sesami_submit_analysis';

-- One of the caller's jobs; PT404 (HTTP 404) if missing or not theirs.
CREATE FUNCTION api.job(id bigint) RETURNS api.jobs
	LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
	result api.jobs;
BEGIN
	PERFORM sesami.require_account();
	SELECT * INTO result FROM api.jobs WHERE id = job.id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'job % not found', job.id USING ERRCODE = 'PT404';
	END IF;
	RETURN result;
END
$$;

-- Cancel one of the caller's active jobs.  Cancelling a cancelled job is a
-- no-op; a completed or failed job gives PT409.
CREATE FUNCTION api.cancel_job(id bigint) RETURNS api.jobs
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
	acct bigint := sesami.require_account();
	current_status sesami.job_status;
	result api.jobs;
BEGIN
	SELECT status INTO current_status FROM sesami.jobs
	WHERE id = cancel_job.id AND account_id = acct
	FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'job % not found', cancel_job.id USING ERRCODE = 'PT404';
	END IF;
	IF current_status IN ('completed', 'failed') THEN
		RAISE EXCEPTION 'job % cannot be cancelled', cancel_job.id
			USING ERRCODE = 'PT409', DETAIL = format('The job has already %s.', current_status);
	END IF;
	IF current_status <> 'cancelled' THEN
		UPDATE sesami.jobs
		SET status = 'cancelled', finished_at = now(), updated_at = now(), lease_expires_at = NULL
		WHERE id = cancel_job.id;
		DELETE FROM sesami.outbox WHERE job_id = cancel_job.id;
	END IF;
	SELECT * INTO result FROM api.jobs WHERE id = cancel_job.id;
	RETURN result;
END
$$;

-- The result document of one of the caller's completed jobs.
CREATE FUNCTION api.job_result(id bigint) RETURNS jsonb
	LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
	job_status sesami.job_status;
	doc jsonb;
BEGIN
	PERFORM sesami.require_account();
	SELECT status INTO job_status FROM api.jobs WHERE id = job_result.id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'job % not found', job_result.id USING ERRCODE = 'PT404';
	END IF;
	SELECT result INTO doc FROM sesami.results WHERE job_id = job_result.id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'job % has no result', job_result.id
			USING ERRCODE = 'PT409', DETAIL = format('The job is %s.', job_status);
	END IF;
	RETURN doc;
END
$$;

------------------------------------------------------------------------------
-- Worker API (schema worker, sesami_worker only).  Every write-back names the
-- job and the attempt it holds; a stale attempt gets SQLSTATE 55000 and
-- changes nothing.
------------------------------------------------------------------------------
CREATE TYPE sesami.claimed_job AS (
	job_id bigint,
	attempt integer,
	repo_url text,
	repo_owner text,
	repo_name text,
	account_id bigint,
	github_id bigint,
	github_login text,
	emails text[],
	lease_expires_at timestamptz,
	token_key_id text,			-- sign-in: key id of the sealed token (null: none)
	sealed_token bytea			-- sign-in: the GitHub token sealed to the worker
);

-- Check a worker id: non-empty, printable, at most 200 bytes.
CREATE FUNCTION sesami.check_worker_id(worker_id text) RETURNS text
	LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF worker_id IS NULL OR worker_id !~ '^[[:graph:]]{1,200}$' THEN
		RAISE EXCEPTION 'invalid worker id'
			USING ERRCODE = '22023', DETAIL = 'A worker id is 1 to 200 printable characters without spaces.';
	END IF;
	RETURN worker_id;
END
$$;

-- Move a job to processing for a new attempt and return what the worker needs.
CREATE FUNCTION sesami.start_attempt(job_id bigint, worker_id text) RETURNS sesami.claimed_job
	LANGUAGE sql AS $$
	WITH j AS (
		UPDATE sesami.jobs
		SET status = 'processing', attempt = attempt + 1, worker_id = start_attempt.worker_id,
			lease_expires_at = now() + current_setting('sesami.lease_timeout')::interval,
			started_at = now(), updated_at = now(), progress = 0, stage = 'claimed', error = NULL
		WHERE id = start_attempt.job_id
		RETURNING *
	)
	SELECT j.id, j.attempt, j.repo_url, j.repo_owner, j.repo_name,
		   a.id, a.github_id, a.login, a.emails, j.lease_expires_at,
		   t.key_id, t.sealed
	FROM j JOIN sesami.accounts a ON a.id = j.account_id
	LEFT JOIN sesami.github_tokens t ON t.account_id = a.id
$$;

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

-- Lock a job for a write-back by (job_id, attempt); 55000 if the attempt is
-- not the job's current processing attempt.  Cancelled jobs pass only when
-- allow_cancelled (the heartbeat reports the cancellation).
CREATE FUNCTION sesami.fence(job_id bigint, attempt integer, allow_cancelled boolean)
	RETURNS sesami.jobs
	LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
	j sesami.jobs;
BEGIN
	SELECT * INTO j FROM sesami.jobs WHERE id = fence.job_id FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'job % not found', fence.job_id USING ERRCODE = 'PT404';
	END IF;
	IF j.attempt <> fence.attempt
	   OR NOT (j.status = 'processing' OR (allow_cancelled AND j.status = 'cancelled')) THEN
		RAISE EXCEPTION 'job % attempt % is no longer current', fence.job_id, fence.attempt
			USING ERRCODE = '55000',
				  DETAIL = format('The job is %s at attempt %s.', j.status, j.attempt),
				  HINT = 'Stop working on this job; another attempt owns it or it has finished.';
	END IF;
	RETURN j;
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

-- Move jobs whose lease expired back to queued (attempts left) or to failed.
-- Called by the dispatcher every poll interval; returns how many it moved.
CREATE FUNCTION sesami.reap_expired_leases() RETURNS integer
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	moved integer;
BEGIN
	WITH expired AS (
		SELECT id FROM sesami.jobs
		WHERE status = 'processing' AND lease_expires_at < now()
		FOR UPDATE SKIP LOCKED
	)
	UPDATE sesami.jobs j
	SET status = CASE WHEN j.attempt < j.max_attempts THEN 'queued' ELSE 'failed' END::sesami.job_status,
		error = format('lease of attempt %s expired (worker %s stopped sending heartbeats)',
					   j.attempt, coalesce(j.worker_id, 'unknown')),
		lease_expires_at = NULL, worker_id = NULL, updated_at = now(),
		queued_at = CASE WHEN j.attempt < j.max_attempts THEN now() ELSE j.queued_at END,
		finished_at = CASE WHEN j.attempt < j.max_attempts THEN NULL ELSE now() END
	FROM expired
	WHERE j.id = expired.id;
	GET DIAGNOSTICS moved = ROW_COUNT;
	RETURN moved;
END
$$;

-- Send again the jobs that have waited in 'queued' for sesami.redispatch_after
-- since their last SQS message (a purged queue, an expired message, a
-- message a dead-letter queue took): one more outbox row each.  A duplicate is
-- harmless, the worker's claim is fenced on (job_id, attempt).  Called by the
-- dispatcher after the reaper; returns how many it queued for sending.
CREATE FUNCTION sesami.redispatch_stale_jobs() RETURNS integer
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	after interval := current_setting('sesami.redispatch_after')::interval;
	n integer;
BEGIN
	IF after <= interval '0' THEN
		RETURN 0;
	END IF;
	WITH stale AS (
		SELECT j.id, j.attempt FROM sesami.jobs j
		WHERE j.status = 'queued' AND j.dispatched_at < now() - after
		  AND NOT EXISTS (SELECT FROM sesami.outbox o WHERE o.job_id = j.id)
		FOR UPDATE SKIP LOCKED
	)
	INSERT INTO sesami.outbox (job_id, attempt)
	SELECT id, attempt FROM stale;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;

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

------------------------------------------------------------------------------
-- Privileges: nothing in api is callable unless granted here.
------------------------------------------------------------------------------
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA api, worker FROM PUBLIC;
REVOKE ALL ON FUNCTION sesami.reap_expired_leases(), sesami.redispatch_stale_jobs(),
	sesami.start_attempt(bigint, text), sesami.fence(bigint, integer, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION sesami.outbox_settle(bigint, bigint[], text[], bigint[], bigint[], text[],
	integer[], boolean[]), sesami.requeue_parked(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.submit_analysis(text), api.job(bigint), api.cancel_job(bigint),
	api.job_result(bigint) TO sesami_user;
GRANT EXECUTE ON FUNCTION worker.claim_job(bigint, integer, text), worker.claim_next(text),
	worker.heartbeat(bigint, integer, real, text), worker.complete(bigint, integer, jsonb),
	worker.fail(bigint, integer, text, boolean), sesami.reap_expired_leases() TO sesami_worker;

------------------------------------------------------------------------------
-- Monitoring
------------------------------------------------------------------------------
CREATE VIEW sesami.stats AS
	SELECT
		count(*) FILTER (WHERE status = 'pending') AS pending,
		count(*) FILTER (WHERE status = 'queued') AS queued,
		count(*) FILTER (WHERE status = 'processing') AS processing,
		count(*) FILTER (WHERE status = 'completed') AS completed,
		count(*) FILTER (WHERE status = 'failed') AS failed,
		count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
		(SELECT count(*) FROM sesami.outbox WHERE parked_at IS NULL) AS outbox_backlog,
		(SELECT count(*) FROM sesami.outbox WHERE parked_at IS NOT NULL) AS outbox_parked,
		(SELECT now() - min(created_at) FROM sesami.jobs WHERE status = 'pending') AS oldest_pending_age,
		(SELECT now() - min(created_at) FROM sesami.outbox WHERE parked_at IS NULL) AS oldest_unsent_age,
		(SELECT count(*) FROM sesami.job_events
		 WHERE to_status = 'failed' AND at > now() - interval '1 hour') AS failed_last_hour,
		(SELECT count(*) FROM sesami.job_events
		 WHERE from_status = 'processing' AND to_status = 'queued'
		   AND at > now() - interval '1 hour') AS retried_last_hour
	FROM sesami.jobs;
COMMENT ON VIEW sesami.stats IS 'Jobs per status, outbox backlog, oldest pending job, failures in the last hour';

------------------------------------------------------------------------------
-- Sign-in (issue 5): GitHub OAuth, PostgREST session tokens, and GitHub
-- tokens sealed to the worker.  C code: extension/github.c, jwt.c, auth.c,
-- common/seal.c.  See docs/security.md.
------------------------------------------------------------------------------
ALTER TABLE sesami.github_tokens ENABLE ROW LEVEL SECURITY;
-- no policy and no grant: user and worker roles cannot read it at all

-- Backups: tables created by an extension are left out of pg_dump unless
-- marked.  Accounts and their sealed tokens are user data: dump them (the
-- tokens stay sealed; the dump holds no key that opens them).
SELECT pg_catalog.pg_extension_config_dump('sesami.accounts', '');
SELECT pg_catalog.pg_extension_config_dump('sesami.accounts_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('sesami.github_tokens', '');
-- Jobs, results, their history and the undelivered outbox are user data too.
-- A restore must load them with sesami.restoring = on (see docs/deploy.md),
-- or the job state machine would treat them as new submissions.
SELECT pg_catalog.pg_extension_config_dump('sesami.jobs', '');
SELECT pg_catalog.pg_extension_config_dump('sesami.jobs_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('sesami.results', '');
SELECT pg_catalog.pg_extension_config_dump('sesami.job_events', '');
SELECT pg_catalog.pg_extension_config_dump('sesami.job_events_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('sesami.outbox', '');
SELECT pg_catalog.pg_extension_config_dump('sesami.outbox_id_seq', '');

-- What a sign-in or a refresh returns (PostgREST: a JSON object).
CREATE TYPE api.session AS (
	token text,					-- HS256 JWT for PostgREST: role sesami_user, sub = account_id
	expires_at timestamptz,		-- the token's "exp"
	account_id bigint,
	github_id bigint,
	login text,
	display_name text,
	emails text[]				-- verified addresses, primary first
);

-- The key id inside a sealed token (22023 if it is not one).
CREATE FUNCTION sesami.sealed_key_id(sealed bytea) RETURNS text
	LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'sesami_sealed_key_id';
COMMENT ON FUNCTION sesami.sealed_key_id(bytea) IS 'The worker key id a sealed GitHub token names (format: common/seal.h)';

ALTER TABLE sesami.github_tokens ADD CONSTRAINT github_tokens_sealed_key
	CHECK (sesami.sealed_key_id(sealed) = key_id);

-- A fresh session token for an account (42501 if it does not exist).
-- Internal: api.login_github and api.refresh_token call it.
CREATE FUNCTION sesami.issue_session(account_id bigint) RETURNS api.session
	LANGUAGE c STRICT VOLATILE AS 'MODULE_PATHNAME', 'sesami_issue_session';

-- Sign in with the code GitHub passed to the redirect URI: exchange it,
-- read the user and their verified e-mails, upsert the account, seal the
-- token, return a session.  HTTP first, then the writes.
CREATE FUNCTION api.login_github(code text, redirect_uri text DEFAULT NULL) RETURNS api.session
	LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
	AS 'MODULE_PATHNAME', 'sesami_login_github';
COMMENT ON FUNCTION api.login_github(text, text) IS 'Sign in with a GitHub OAuth code; returns a PostgREST JWT and the account';

-- A fresh token for the caller's still-valid token (same sub).
CREATE FUNCTION api.refresh_token() RETURNS api.session
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	acct bigint := sesami.require_account();
	claims jsonb := nullif(current_setting('request.jwt.claims', true), '')::jsonb;
BEGIN
	IF jsonb_typeof(claims -> 'exp') IS DISTINCT FROM 'number'
	   OR (claims ->> 'exp')::numeric <= extract(epoch FROM clock_timestamp()) THEN
		RAISE EXCEPTION 'token has expired'
			USING ERRCODE = 'PT401',
				  DETAIL = 'Only a token with an "exp" claim in the future can be refreshed.',
				  HINT = 'Sign in again.';
	END IF;
	RETURN sesami.issue_session(acct);
END
$$;
COMMENT ON FUNCTION api.refresh_token() IS 'A new session token for the caller''s still-valid token';

-- Key rotation, worker side: the tokens still sealed to old_key_id.
CREATE FUNCTION sesami.tokens_to_reseal(old_key_id text, max_rows integer DEFAULT 100)
	RETURNS TABLE (account_id bigint, key_id text, sealed bytea)
	LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	SELECT t.account_id, t.key_id, t.sealed FROM sesami.github_tokens t
	WHERE t.key_id = old_key_id
	ORDER BY t.account_id
	LIMIT max_rows
$$;

-- Key rotation: replace one sealed token, only if it is still the one the
-- caller unsealed (a sign-in in between wins).  Returns whether it did.
CREATE FUNCTION sesami.reseal_token(account_id bigint, old_sealed bytea, new_sealed bytea)
	RETURNS boolean
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
	UPDATE sesami.github_tokens
	SET key_id = sesami.sealed_key_id(new_sealed), sealed = new_sealed, updated_at = now()
	WHERE account_id = reseal_token.account_id AND sealed = old_sealed;
	RETURN FOUND;
END
$$;

REVOKE ALL ON FUNCTION api.login_github(text, text), api.refresh_token(),
	sesami.issue_session(bigint), sesami.tokens_to_reseal(text, integer),
	sesami.reseal_token(bigint, bytea, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.login_github(text, text) TO sesami_anon;
GRANT EXECUTE ON FUNCTION api.refresh_token() TO sesami_user;

------------------------------------------------------------------------------
-- Profiles: the developer across every analysed repository (api.profile),
-- and the README card (api.card) for profiles made public.
------------------------------------------------------------------------------

-- The latest completed result of each of an account's repositories (a
-- repository is its host and its owner and name in any case).  Runs with the
-- caller's rights: under RLS a user gets only their own results.
CREATE FUNCTION sesami.latest_results(account_id bigint)
	RETURNS TABLE (job_id bigint, repository text, repo_url text, summary jsonb,
				   analysed_at timestamptz)
	LANGUAGE sql STABLE AS $$
	SELECT DISTINCT ON (j.repo_host COLLATE "C", lower(j.repo_owner COLLATE "C"), lower(j.repo_name COLLATE "C"))
		   r.job_id, j.repo_owner || '/' || j.repo_name, j.repo_url, r.summary, r.created_at
	FROM sesami.results r
	JOIN sesami.jobs j ON j.id = r.job_id
	WHERE r.account_id = latest_results.account_id AND j.account_id = latest_results.account_id
	  AND j.status = 'completed'
	ORDER BY j.repo_host COLLATE "C", lower(j.repo_owner COLLATE "C"), lower(j.repo_name COLLATE "C"),
			 r.created_at DESC, r.job_id DESC
$$;

-- An account's profile document (the shape api.profile returns), or null
-- when the caller cannot see the account.  Without detail, technologies and
-- repos are null (the card needs neither).  Caller's rights, as above.
CREATE FUNCTION sesami.profile_document(account_id bigint, detail boolean) RETURNS jsonb
	LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (
		WITH latest AS MATERIALIZED (
			SELECT * FROM sesami.latest_results(profile_document.account_id)
		), languages AS (
			SELECT l ->> 'language' AS language, sum((l ->> 'lines')::bigint) AS lines
			FROM latest, jsonb_array_elements(latest.summary -> 'languages') l
			GROUP BY 1
		), technologies AS (
			-- array_agg: a jsonb_agg here costs four times as much
			SELECT t COLLATE "C" AS name,
				   array_agg(latest.repository ORDER BY latest.repository COLLATE "C") AS repositories,
				   count(*) AS n
			FROM latest, jsonb_array_elements_text(latest.summary -> 'technologies') t
			GROUP BY 1
		)
		SELECT jsonb_build_object(
			'login', a.login,
			'display_name', a.display_name,
			'public', a.profile_public,
			'repositories', (SELECT count(*) FROM latest),
			'lines', (SELECT coalesce(sum((summary ->> 'lines')::bigint), 0) FROM latest),
			'commits', (SELECT coalesce(sum((summary ->> 'commits')::bigint), 0) FROM latest),
			'languages', coalesce((SELECT jsonb_agg(jsonb_build_object('language', language, 'lines', lines)
													ORDER BY lines DESC, language)
								   FROM languages), '[]'),
			'technologies', CASE WHEN detail THEN coalesce((
								SELECT jsonb_agg(jsonb_build_object('name', name, 'repositories', repositories)
												 ORDER BY n DESC, name)
								FROM technologies), '[]') END,
			'repos', CASE WHEN detail THEN coalesce((
						 SELECT jsonb_agg(jsonb_build_object(
											'repository', repository, 'repo_url', repo_url, 'job_id', job_id,
											'lines', summary -> 'lines', 'share', summary -> 'share',
											'commits', summary -> 'commits', 'analysed_at', analysed_at)
										  ORDER BY (summary ->> 'lines')::bigint DESC, lower(repository COLLATE "C"))
						 FROM latest), '[]') END)
		FROM sesami.accounts a
		WHERE a.id = profile_document.account_id
	);
END
$$;

-- GET /rpc/profile: the caller's profile from the latest completed result of
-- each repository they analysed.  Caller's rights: RLS decides what it reads.
CREATE FUNCTION api.profile() RETURNS jsonb
	LANGUAGE plpgsql STABLE AS $$
DECLARE
	doc jsonb := sesami.profile_document(sesami.require_account(), true);
BEGIN
	IF doc IS NULL THEN
		RAISE EXCEPTION 'authentication required'
			USING ERRCODE = '42501', DETAIL = 'The token names an account that does not exist.';
	END IF;
	RETURN doc;
END
$$;
COMMENT ON FUNCTION api.profile() IS 'The caller''s profile: repositories, lines, commits, languages, technologies, per repository share';

-- POST /rpc/set_profile_public {"public": true}: show the caller's card to
-- anyone (true) or to no one (false, the default).  Returns the new value.
CREATE FUNCTION api.set_profile_public(public boolean) RETURNS boolean
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	acct bigint := sesami.require_account();
	now_public boolean;
BEGIN
	IF set_profile_public.public IS NULL THEN
		RAISE EXCEPTION 'invalid profile visibility'
			USING ERRCODE = '22023', DETAIL = '"public" is true or false.';
	END IF;
	UPDATE sesami.accounts SET profile_public = set_profile_public.public
	WHERE id = acct
	RETURNING profile_public INTO now_public;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'authentication required'
			USING ERRCODE = '42501', DETAIL = 'The token names an account that does not exist.';
	END IF;
	RETURN now_public;
END
$$;
COMMENT ON FUNCTION api.set_profile_public(boolean) IS 'Makes the caller''s README card public (true) or private (false)';

-- What the card shows of a public profile: login, display name, repositories,
-- lines and the top languages; null for an unknown login or a private
-- profile alike.  Reads every account: only api.card (SECURITY DEFINER)
-- calls it, and nothing else may.
CREATE FUNCTION sesami.public_card(login text, top integer) RETURNS jsonb
	LANGUAGE plpgsql STABLE AS $$
DECLARE
	acct record;
	p jsonb;
BEGIN
	-- the newest account of that login (an old account may hold a login its
	-- GitHub user gave up); a private one ends here, as an unknown login does
	SELECT a.id, a.profile_public INTO acct
	FROM sesami.accounts a
	WHERE lower(a.login) = lower(public_card.login)
	ORDER BY a.updated_at DESC, a.id DESC
	LIMIT 1;
	IF NOT FOUND OR NOT acct.profile_public THEN
		RETURN NULL;
	END IF;
	p := sesami.profile_document(acct.id, false);
	RETURN jsonb_build_object(
		'login', p -> 'login', 'display_name', p -> 'display_name',
		'repositories', p -> 'repositories', 'lines', p -> 'lines',
		'language_lines', (SELECT coalesce(sum((l ->> 'lines')::bigint), 0)
						   FROM jsonb_array_elements(p -> 'languages') l),
		'languages', coalesce((SELECT jsonb_agg(l ORDER BY n)
							   FROM jsonb_array_elements(p -> 'languages') WITH ORDINALITY AS e(l, n)
							   WHERE n <= top), '[]'));
END
$$;

-- Text for an SVG text node or attribute: characters XML 1.0 forbids and
-- bidirectional overrides (which could turn the rest of the card around)
-- removed, cut to max_chars (with an ellipsis), & < > " ' escaped.
CREATE FUNCTION sesami.svg_text(s text, max_chars integer DEFAULT 1000) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT replace(replace(replace(replace(replace(
		   CASE WHEN length(t) > max_chars THEN left(t, max_chars - 1) || chr(8230) ELSE t END,
		   '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;')
	FROM (SELECT regexp_replace(coalesce(s, ''), '[\x01-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\u202A-\u202E\u2066-\u2069]', '', 'g')
		  AS t) cleaned
$$;

-- A number as the card prints it: 1234567 -> 1,234,567.
CREATE FUNCTION sesami.svg_count(n bigint) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT to_char(coalesce(n, 0), 'FM999,999,999,999,999,990')
$$;

-- The card's SVG for what sesami.public_card returned, in a theme.  Only
-- its own shapes and escaped text: no script, no link, no external reference.
CREATE FUNCTION sesami.card_svg(card jsonb, theme text) RETURNS text
	LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
	RETURN (
		WITH colours AS (
			SELECT * FROM (VALUES
				('light', '#ffffff', '#d0d7de', '#1f2328', '#59636e', '#eaeef2'),
				('dark', '#0d1117', '#30363d', '#e6edf3', '#9198a1', '#21262d'))
				AS c(theme, background, border, ink, muted, track)
			WHERE c.theme = card_svg.theme
		), palette AS (
			SELECT ARRAY['#3572a5', '#f1a33c', '#2ea043', '#db61a2', '#8250df', '#d1242f'] AS fill
		), langs AS (
			SELECT n, l ->> 'language' AS language, (l ->> 'lines')::bigint AS lines,
				   (l ->> 'lines')::numeric / greatest((card ->> 'language_lines')::numeric, 1) AS part
			FROM jsonb_array_elements(card -> 'languages') WITH ORDINALITY AS e(l, n)
		), bar AS (
			SELECT n, language, lines, part,
				   coalesce(sum(part) OVER (ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
			FROM langs
		), sized AS (
			SELECT 100 + greatest(count(*), 1) * 22 AS height FROM langs
		)
		SELECT format('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="%1$s" viewBox="0 0 400 %1$s" role="img" aria-labelledby="sesami-card-title">'
					  '<title id="sesami-card-title">%2$s</title>'
					  '<rect x="0.5" y="0.5" width="399" height="%3$s" rx="6" fill="%4$s" stroke="%5$s"/>'
					  '<g font-family="-apple-system,BlinkMacSystemFont,Segoe UI,Helvetica,Arial,sans-serif">'
					  '<text x="20" y="32" font-size="16" font-weight="600" fill="%6$s">%7$s</text>'
					  '<text x="20" y="54" font-size="12" fill="%8$s">%9$s</text>'
					  '<rect x="20" y="66" width="360" height="8" rx="4" fill="%10$s"/>%11$s%12$s</g></svg>',
					  s.height,
					  sesami.svg_text(title.full || ': ' || summary.line, 300),
					  s.height - 1, c.background, c.border, c.ink,
					  sesami.svg_text(title.full, 48), c.muted,
					  sesami.svg_text(summary.line, 100), c.track,
					  coalesce((SELECT string_agg(format('<rect x="%s" y="66" width="%s" height="8" fill="%s"/>',
														 round(20 + 360 * before, 2), round(360 * part, 2),
														 p.fill[(n - 1) % 6 + 1]), '' ORDER BY n)
								FROM bar), ''),
					  coalesce((SELECT string_agg(format('<circle cx="26" cy="%1$s" r="5" fill="%2$s"/>'
														 '<text x="38" y="%3$s" font-size="12" fill="%4$s">%5$s</text>'
														 '<text x="380" y="%3$s" font-size="12" fill="%6$s" text-anchor="end">%7$s%% &#183; %8$s lines</text>',
														 92 + (n - 1) * 22, p.fill[(n - 1) % 6 + 1], 96 + (n - 1) * 22,
														 c.ink, sesami.svg_text(language, 28), c.muted,
														 to_char(round(100 * part, 1), 'FM990.0'), sesami.svg_count(lines)),
												  '' ORDER BY n)
								FROM bar),
							   format('<text x="20" y="96" font-size="12" fill="%s">No analysed repositories yet</text>', c.muted)))
		FROM colours c, palette p, sized s,
			 LATERAL (SELECT CASE WHEN coalesce(card ->> 'display_name', '') = '' THEN '@' || (card ->> 'login')
								  ELSE (card ->> 'display_name') || ' (@' || (card ->> 'login') || ')' END AS full) title,
			 LATERAL (SELECT format('%s %s ' || chr(183) || ' %s surviving lines',
									sesami.svg_count((card ->> 'repositories')::bigint),
									CASE WHEN (card ->> 'repositories')::bigint = 1 THEN 'repository' ELSE 'repositories' END,
									sesami.svg_count((card ->> 'lines')::bigint)) AS line) summary
	);
END
$$;

-- The media type PostgREST serves api.card as (PostgREST 12 media type handlers).
CREATE DOMAIN api."image/svg+xml" AS text;

-- GET /rpc/card?login=NAME&theme=dark: the README card of a public profile.
-- The same 404 for a private profile and an unknown login.  SECURITY
-- DEFINER so that anonymous callers need no access to any table: it reads
-- only what sesami.public_card returns.
CREATE FUNCTION api.card(login text, theme text DEFAULT 'light') RETURNS api."image/svg+xml"
	LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	data jsonb;
BEGIN
	IF theme IS NULL OR theme NOT IN ('light', 'dark') THEN
		RAISE EXCEPTION 'invalid theme "%"', left(coalesce(theme, 'null'), 40)
			USING ERRCODE = '22023', DETAIL = 'A theme is "light" or "dark".';
	END IF;
	IF login ~ '^[A-Za-z0-9][A-Za-z0-9-]{0,38}$' THEN
		data := sesami.public_card(login, 5);
	END IF;
	IF data IS NULL THEN
		RAISE EXCEPTION 'profile not found'
			USING ERRCODE = 'PT404',
				  DETAIL = 'No account with this login has made its profile public.';
	END IF;
	PERFORM set_config('response.headers', '[{"Cache-Control": "max-age=300"}]', true);
	RETURN sesami.card_svg(data, theme);
END
$$;
COMMENT ON FUNCTION api.card(text, text) IS 'The README card (SVG) of a public profile: top languages, repositories, lines';

REVOKE ALL ON FUNCTION api.profile(), api.set_profile_public(boolean), api.card(text, text),
	sesami.latest_results(bigint), sesami.profile_document(bigint, boolean),
	sesami.public_card(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.profile(), api.set_profile_public(boolean),
	sesami.latest_results(bigint), sesami.profile_document(bigint, boolean) TO sesami_user;
GRANT EXECUTE ON FUNCTION api.card(text, text) TO sesami_anon, sesami_user;
