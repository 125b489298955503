-- sesami 0.1.0 -> 0.2.0.  Every schema change since 0.1.0, in the order a
-- fresh install (extension/sesami.sql) has it: test/upgrade.test.sh checks that
-- CREATE EXTENSION sesami VERSION '0.1.0' + ALTER EXTENSION sesami UPDATE gives
-- the same catalog as CREATE EXTENSION sesami, with the data kept.
\echo Use "ALTER EXTENSION sesami UPDATE TO '0.2.0'" to load this file. \quit

-- Profiles and the README card: the public flag, the login index, and each
-- result's summary.
ALTER TABLE sesami.accounts ADD COLUMN profile_public boolean NOT NULL DEFAULT false;
CREATE INDEX accounts_login ON sesami.accounts (lower(login), updated_at DESC);

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

ALTER TABLE sesami.results
	ADD COLUMN summary jsonb NOT NULL GENERATED ALWAYS AS (sesami.result_summary(result)) STORED;

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
