-- The profile across repositories (api.profile), its public flag
-- (api.set_profile_public) and the README card (api.card), called as
-- PostgREST calls them.  ada and grace each analyse repositories; a profile
-- counts only the latest completed result of each of the caller's
-- repositories; the card shows only public profiles, with every text escaped.

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

-- A job of account acct for url, taken through the API as the user submits
-- it and a worker runs it: completed with doc, or failed when doc is null.
-- Returns the job id.
CREATE FUNCTION pg_temp.analyse(acct bigint, url text, doc jsonb) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	j api.jobs;
	c record;
BEGIN
	PERFORM set_config('request.jwt.claims', json_build_object('sub', acct::text)::text, true);
	j := api.submit_analysis(url);
	SELECT * INTO c FROM worker.claim_job(j.id, j.attempt, 'regress-worker');
	IF doc IS NULL THEN
		PERFORM worker.fail(c.job_id, c.attempt, 'repository is empty', false);
	ELSE
		PERFORM worker.complete(c.job_id, c.attempt, doc);
	END IF;
	RETURN c.job_id;
END
$$;

-- A result document as the worker writes it, reduced to what matters here.
CREATE FUNCTION pg_temp.doc(lines int, share numeric, commits int, langs jsonb, techs text[])
RETURNS jsonb LANGUAGE sql AS $$
	SELECT jsonb_build_object(
		'schema', 'sesami.analysis/1',
		'repo', jsonb_build_object('lines', 1000, 'commits', 50),
		'files', jsonb_build_array(jsonb_build_object('path', 'a.c', 'lines', 1000)),
		'user', jsonb_build_object('lines', lines, 'share', share, 'commits', commits, 'by_language', langs),
		'stack', jsonb_build_object('technologies',
			(SELECT coalesce(jsonb_agg(jsonb_build_object('name', t, 'category', 'library', 'evidence', '[]'::jsonb)), '[]')
			 FROM unnest(techs) t)))
$$;

INSERT INTO sesami.accounts (github_id, login, display_name, emails)
VALUES (88201, 'ada', 'Ada <script>alert("x")</script> & ''Q''', '{ada@example.com}'),
	   (88202, 'grace', NULL, '{grace@example.com}'),
	   (88203, 'hedy', 'Hedy', '{hedy@example.com}');
SELECT id AS ada_id FROM sesami.accounts WHERE login = 'ada' \gset
SELECT id AS grace_id FROM sesami.accounts WHERE login = 'grace' \gset
SELECT json_build_object('sub', :ada_id::text, 'role', 'sesami_user')::text AS ada \gset
SELECT json_build_object('sub', :grace_id::text, 'role', 'sesami_user')::text AS grace \gset
SELECT json_build_object('sub', id::text, 'role', 'sesami_user')::text AS hedy
FROM sesami.accounts WHERE login = 'hedy' \gset

-- ada: one/one analysed twice (only the newer result counts, whatever the
-- case of its URL), one/two once, one/three failed, one/four still queued
SELECT pg_temp.analyse(:ada_id, 'https://github.com/one/one',
	pg_temp.doc(999, 0.9, 99, '[{"language": "Perl", "lines": 999, "share": 1}]', '{Mojolicious}')) AS old_job \gset
SELECT pg_temp.analyse(:ada_id, 'https://github.com/One/One.git',
	pg_temp.doc(300, 0.25, 12, '[{"language": "C", "lines": 200, "share": 0.3},
								 {"language": "<img src=x onerror=alert(1)>", "lines": 60, "share": 0.5},
								 {"language": "Shell", "lines": 40, "share": 0.1}]', '{Docker,CMake}')) AS new_job \gset
SELECT pg_temp.analyse(:ada_id, 'https://github.com/one/two',
	pg_temp.doc(120, 0.6, 30, '[{"language": "Shell", "lines": 100, "share": 0.9},
								{"language": "C", "lines": 20, "share": 0.1}]', '{Docker}')) AS two_job \gset
SELECT pg_temp.analyse(:ada_id, 'https://github.com/one/three', NULL) AS failed_job \gset
SELECT status FROM sesami.jobs WHERE id = :failed_job;
SELECT set_config('request.jwt.claims', :'ada', false) IS NOT NULL AS set;
SELECT status FROM api.submit_analysis('https://github.com/one/four');
RESET request.jwt.claims;
-- grace: her own result for one/one and one of his own
SELECT pg_temp.analyse(:grace_id, 'https://github.com/one/one',
	pg_temp.doc(5000, 0.5, 500, '[{"language": "Go", "lines": 5000, "share": 0.5}]', '{Kubernetes}')) AS grace_job \gset
SELECT pg_temp.analyse(:grace_id, 'https://github.com/grace/solo',
	pg_temp.doc(7, 1, 1, '[{"language": "Go", "lines": 7, "share": 1}]', '{}')) IS NOT NULL AS done;

-- what each result keeps for the profile (the document itself is not read)
SELECT job_id = :old_job AS old, job_id = :new_job AS new, summary
FROM sesami.results WHERE account_id = :ada_id ORDER BY job_id;

-- ada's profile: two repositories, the newer one/one, nothing of grace's
BEGIN;
SET LOCAL ROLE sesami_user;
SELECT set_config('request.jwt.claims', :'ada', true) IS NOT NULL AS set;
SELECT jsonb_pretty(api.profile() - 'repos') AS profile;
SELECT r ->> 'repository' AS repository, r ->> 'repo_url' AS repo_url,
	   (r ->> 'job_id')::bigint = :new_job AS newest_one, (r ->> 'job_id')::bigint = :two_job AS two,
	   r -> 'lines' AS lines, r -> 'share' AS share, r -> 'commits' AS commits,
	   (r ->> 'analysed_at')::timestamptz = (SELECT created_at FROM sesami.results WHERE job_id = (r ->> 'job_id')::bigint) AS analysed_at
FROM jsonb_array_elements(api.profile() -> 'repos') r;
-- the same RLS as everything else: grace's profile does not exist for ada
SELECT sesami.profile_document(:grace_id, true) IS NULL AS graces_profile_hidden;
SELECT count(*) AS visible_results FROM sesami.latest_results(:grace_id);
COMMIT;

-- grace's profile: only hers
BEGIN;
SET LOCAL ROLE sesami_user;
SELECT set_config('request.jwt.claims', :'grace', true) IS NOT NULL AS set;
SELECT p -> 'repositories' AS repositories, p -> 'lines' AS lines, p -> 'commits' AS commits,
	   p -> 'languages' AS languages, p -> 'technologies' AS technologies,
	   (SELECT string_agg(r ->> 'repository', ', ') FROM jsonb_array_elements(p -> 'repos') r) AS repos
FROM api.profile() p;
COMMIT;

-- a user with no result: zeros and empty lists
BEGIN;
SET LOCAL ROLE sesami_user;
SELECT set_config('request.jwt.claims', :'hedy', true) IS NOT NULL AS set;
SELECT api.profile();
COMMIT;

-- no profile without an account
BEGIN;
SET LOCAL ROLE sesami_anon;
SELECT pg_temp.call('SELECT api.profile()');
SELECT pg_temp.call('SELECT api.set_profile_public(true)');
SET LOCAL ROLE sesami_user;
SELECT pg_temp.call('SELECT api.profile()');
SELECT set_config('request.jwt.claims', '{"role":"sesami_user","sub":"999999"}', true) IS NOT NULL AS set;
SELECT pg_temp.call('SELECT api.profile()');
SELECT pg_temp.call('SELECT api.set_profile_public(true)');
ROLLBACK;

-- odd documents give a summary too (and still complete): counts that are not
-- non-negative numbers count 0, lists that are not lists count nothing
SELECT pg_temp.analyse(:grace_id, 'https://github.com/grace/odd',
	'{"user": {"lines": "many", "share": 7, "commits": -3, "by_language": {"language": "C", "lines": 5}},
	  "stack": {"technologies": "React"}}') AS odd \gset
SELECT summary FROM sesami.results WHERE job_id = :odd;
SELECT pg_temp.analyse(:grace_id, 'https://github.com/grace/odd', '{"user": null}') AS odd \gset
SELECT summary FROM sesami.results WHERE job_id = :odd;
SELECT pg_temp.analyse(:grace_id, 'https://github.com/grace/odd',
	'{"user": {"lines": 1e300, "by_language": [{"language": 5, "lines": 1}, {"language": "C", "lines": 2}, {"language": "C", "lines": 3}]},
	  "stack": {"technologies": [{"name": "X"}, {"name": "X"}, {"name": 1}, "Y"]}}') AS odd \gset
SELECT summary FROM sesami.results WHERE job_id = :odd;

------------------------------------------------------------------------------
-- The card
------------------------------------------------------------------------------

-- private by default: the same 404 for a private profile and an unknown login
BEGIN;
SET LOCAL ROLE sesami_anon;
SELECT pg_temp.call($$SELECT api.card('ada')$$);
SELECT pg_temp.call($$SELECT api.card('nobody')$$);
SELECT pg_temp.call($$SELECT api.card('<script>')$$);
SELECT pg_temp.call($$SELECT api.card(NULL)$$);
ROLLBACK;

-- ada makes hers public (a null is refused); grace stays private
BEGIN;
SET LOCAL ROLE sesami_user;
SELECT set_config('request.jwt.claims', :'ada', true) IS NOT NULL AS set;
SELECT pg_temp.call('SELECT api.set_profile_public(NULL)');
SELECT api.set_profile_public(true);
SELECT api.profile() -> 'public' AS public;
COMMIT;
SELECT login, profile_public FROM sesami.accounts WHERE github_id BETWEEN 88201 AND 88204 ORDER BY login;

-- anyone gets ada's card; escaped text, no script, no external reference
BEGIN;
SET LOCAL ROLE sesami_anon;
SELECT api.card('ada') AS card;
SELECT api.card('ADA') = api.card('ada') AS login_ignores_case;
SELECT api.card('ada') !~* '<script|href|url\(|@import|<foreignObject|<image|javascript:' AS nothing_external;
SELECT api.card('ada') LIKE '%Ada &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Q&#39;%' AS name_escaped;
SELECT api.card('ada') LIKE '%&lt;img src=x onerror=alert(1)&gt;%' AS language_escaped;
SELECT current_setting('response.headers') AS headers;
SELECT api.card('ada', 'dark') LIKE '%fill="#0d1117"%' AS dark,
	   api.card('ada', 'light') = api.card('ada') AS light_is_default;
SELECT pg_temp.call($$SELECT api.card('ada', 'blue')$$);
SELECT pg_temp.call($$SELECT api.card('ada', NULL)$$);
SELECT pg_temp.call($$SELECT api.card('nobody', 'blue')$$);
-- grace's private card: the same answer as a login nobody has
SELECT pg_temp.call($$SELECT api.card('grace')$$);
-- the card is the only way in: anon reads no table and no helper
SELECT pg_temp.call('SELECT count(*) FROM sesami.accounts');
SELECT pg_temp.call($$SELECT sesami.public_card('ada', 5)$$);
ROLLBACK;

-- a signed-in user gets cards too, but not the helper behind them
BEGIN;
SET LOCAL ROLE sesami_user;
SELECT set_config('request.jwt.claims', :'grace', true) IS NOT NULL AS set;
SELECT api.card('ada') LIKE '<svg %</svg>' AS card;
SELECT pg_temp.call($$SELECT sesami.public_card('ada', 5)$$);
COMMIT;

-- a public profile with no result yet, and text that would not fit
UPDATE sesami.accounts SET profile_public = true,
	display_name = repeat('W', 60) || E'\x01\x1f' || 'end'
WHERE login = 'hedy';
SELECT api.card('hedy') AS card;

-- more than five languages: the top five, shares of all the user's lines
SELECT pg_temp.analyse(:ada_id, 'https://github.com/one/polyglot',
	pg_temp.doc(700, 0.5, 7, '[{"language": "A", "lines": 100}, {"language": "B", "lines": 100},
							   {"language": "D", "lines": 100}, {"language": "E", "lines": 100},
							   {"language": "F", "lines": 100}, {"language": "G", "lines": 100},
							   {"language": "H", "lines": 100}]', '{}')) IS NOT NULL AS done;
SELECT (regexp_matches(api.card('ada'), '<text x="38" [^>]*>([^<]*)</text><text [^>]*>([^<]*)</text>', 'g'))
	AS languages_shown;

-- a login held by two accounts (GitHub gave it to someone new): the card is
-- the newest account's
INSERT INTO sesami.accounts (github_id, login, display_name, updated_at, profile_public)
VALUES (88204, 'Ada', 'The new ada', now() + interval '1 minute', false);
SELECT pg_temp.call($$SELECT api.card('ada')$$);
UPDATE sesami.accounts SET profile_public = true WHERE github_id = 88204;
SELECT json_build_object('sub', id::text, 'role', 'sesami_user')::text AS new_ada
FROM sesami.accounts WHERE github_id = 88204 \gset
SELECT api.card('ada') LIKE '%The new ada (@Ada)%No analysed repositories yet%' AS newest_account;

-- the signed-in user can make it private again
BEGIN;
SET LOCAL ROLE sesami_user;
SELECT set_config('request.jwt.claims', :'new_ada', true) IS NOT NULL AS set;
SELECT api.set_profile_public(false);
COMMIT;
SELECT pg_temp.call($$SELECT api.card('ada')$$);

-- privileges: what each role may call, and the definer functions' search_path
SELECT p.oid::regprocedure AS function,
	   has_function_privilege('sesami_anon', p.oid, 'EXECUTE') AS anon,
	   has_function_privilege('sesami_user', p.oid, 'EXECUTE') AS "user",
	   p.prosecdef AS definer, p.proconfig AS config, p.provolatile AS volatility
FROM pg_proc p
WHERE p.oid IN ('api.profile()'::regprocedure, 'api.set_profile_public(boolean)'::regprocedure,
				'api.card(text, text)'::regprocedure, 'sesami.public_card(text, integer)'::regprocedure,
				'sesami.profile_document(bigint, boolean)'::regprocedure,
				'sesami.latest_results(bigint)'::regprocedure)
ORDER BY p.oid::regprocedure::text;
SELECT format_type(prorettype, NULL) AS card_returns, t.typtype, format_type(t.typbasetype, NULL) AS over
FROM pg_proc p JOIN pg_type t ON t.oid = p.prorettype
WHERE p.oid = 'api.card(text, text)'::regprocedure;
