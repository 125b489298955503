-- Sign-in (issue 5), the parts that need no GitHub: hidden secrets, setting
-- validation, the sealed-token format check, session tokens and refresh,
-- input and configuration errors of api.login_github, privileges, and the
-- claim's sealed-token columns.  The HTTP paths are in test/auth.test.sh.

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

-- secrets: hidden from pg_settings for everyone, SHOW only for superusers
SET sesami.jwt_secret = 'regress-secret-regress-secret-0123456789';
SET sesami.github_client_secret = 'regress-client-secret';
SELECT count(*) AS listed FROM pg_settings
WHERE name IN ('sesami.jwt_secret', 'sesami.github_client_secret');
SHOW sesami.github_client_secret;
SET ROLE sesami_user;
SELECT pg_temp.call('SHOW sesami.jwt_secret');
SELECT pg_temp.call($$SELECT current_setting('sesami.github_client_secret')$$);
SELECT pg_temp.call('SET sesami.jwt_secret = ''forged-forged-forged-forged-forged-forged''');
SELECT pg_temp.call('SET sesami.worker_public_key = ''e3+5M1AFJgEQMVLHqBMfh8NYS0zSkdtC370Cg5xLwXE=''');
RESET ROLE;

-- settings are checked when set
SET sesami.worker_public_key = 'not a key';
SET sesami.worker_public_key = 'e3+5M1AFJgEQMVLHqBMfh8NYS0zSkdtC370Cg5xLwXE=';
SET sesami.worker_public_key = '-----BEGIN PUBLIC KEY-----
MCowBQYDK2VuAyEAHcIG44yQqmqowdCP9dhlPvtdvT2Bm/LiSN751sPu2xw=
-----END PUBLIC KEY-----';
SET sesami.worker_public_key = 'MCowBQYDK2VuAyEAHcIG44yQqmqowdCP9dhlPvtdvT2Bm/LiSN751sPu2xw=';
SET sesami.worker_key_id = 'has space';
SET sesami.worker_key_id = '2026-11.k1';
SET sesami.github_oauth_url = 'ftp://github.example.com';
SET sesami.github_api_url = 'https://user:pw@api.github.example.com';
SET sesami.github_api_url = 'https://ghe.example.com/api/v3';
SET sesami.jwt_ttl = 0;
SET sesami.http_timeout = '10ms';
RESET sesami.github_api_url;

-- the sealed format: magic "SSB1", key id length, key id, ...
SELECT sesami.sealed_key_id('\x53534231066b2d7465737498ec9370f68900d4a586b7c4559ded06844d483b2bbbea410b0e20f694615e770f52f45ab70a3b3b2f262fed1c8ee1ea00c974aeabde629e2b9e1c7dbec0c48b0d24b73d014907');
SELECT pg_temp.call($$SELECT sesami.sealed_key_id('gho_plaintext_token'::bytea)$$);
SELECT pg_temp.call($$SELECT sesami.sealed_key_id('\x5353423100'::bytea)$$);
SELECT pg_temp.call($$SELECT sesami.sealed_key_id('\x53534231ff6b'::bytea)$$);

-- the table refuses anything that is not a sealed token under its key id
INSERT INTO sesami.accounts (github_id, login, emails) VALUES (301, 'sam', '{sam@example.com}');
SELECT id AS sam FROM sesami.accounts WHERE login = 'sam' \gset
SELECT pg_temp.call(format($$INSERT INTO sesami.github_tokens (account_id, key_id, sealed) VALUES (%s, 'k1', 'gho_plain'::bytea) RETURNING 1$$, :sam));
SELECT pg_temp.call(format($$INSERT INTO sesami.github_tokens (account_id, key_id, sealed) VALUES (%s, 'other', '\x53534231066b2d7465737498ec9370f68900d4a586b7c4559ded06844d483b2bbbea410b0e20f694615e770f52f45ab70a3b3b2f262fed1c8ee1ea00c974aeabde629e2b9e1c7dbec0c48b0d24b73d014907') RETURNING 1$$, :sam));
INSERT INTO sesami.github_tokens (account_id, key_id, sealed) VALUES (:sam, 'k-test', '\x53534231066b2d7465737498ec9370f68900d4a586b7c4559ded06844d483b2bbbea410b0e20f694615e770f52f45ab70a3b3b2f262fed1c8ee1ea00c974aeabde629e2b9e1c7dbec0c48b0d24b73d014907');

-- session tokens: HS256, PostgREST's claims
SELECT s.account_id = :sam AS same_account, s.login, s.emails,
	   s.expires_at BETWEEN now() + interval '59 minutes' AND now() + interval '61 minutes' AS one_hour,
	   convert_from(decode(split_part(s.token, '.', 1), 'base64'), 'UTF8') AS header,
	   (convert_from(decode(rpad(translate(split_part(s.token, '.', 2), '-_', '+/'),
				(length(split_part(s.token, '.', 2)) + 3) / 4 * 4, '='), 'base64'), 'UTF8')::jsonb
		- 'iat' - 'exp' - 'sub') AS claims,
	   length(split_part(s.token, '.', 3)) AS signature_chars
FROM sesami.issue_session(:sam) s;
SET sesami.jwt_audience = 'sesami-regress';
SELECT (convert_from(decode(rpad(translate(split_part(token, '.', 2), '-_', '+/'),
		(length(split_part(token, '.', 2)) + 3) / 4 * 4, '='), 'base64'), 'UTF8')::jsonb) ->> 'aud' AS aud
FROM sesami.issue_session(:sam);
RESET sesami.jwt_audience;
SELECT pg_temp.call('SELECT token FROM sesami.issue_session(999999)');
SET sesami.jwt_secret = 'too-short';
SELECT pg_temp.call(format('SELECT token FROM sesami.issue_session(%s)', :sam));
RESET sesami.jwt_secret;
SELECT pg_temp.call(format('SELECT token FROM sesami.issue_session(%s)', :sam));
SET sesami.jwt_secret = 'regress-secret-regress-secret-0123456789';

-- refresh: a still-valid token gets a new one for the same sub
BEGIN;
SET LOCAL ROLE sesami_user;
SELECT set_config('request.jwt.claims',
	json_build_object('role', 'sesami_user', 'sub', :sam::text,
					  'exp', extract(epoch FROM now())::bigint + 60)::text, true) IS NOT NULL AS set;
SELECT account_id = :sam AS same_account, login FROM api.refresh_token();
SELECT set_config('request.jwt.claims',
	json_build_object('role', 'sesami_user', 'sub', :sam::text,
					  'exp', extract(epoch FROM now())::bigint - 1)::text, true) IS NOT NULL AS set;
SELECT pg_temp.call('SELECT login FROM api.refresh_token()');
SELECT set_config('request.jwt.claims', json_build_object('sub', :sam::text)::text, true) IS NOT NULL AS set;
SELECT pg_temp.call('SELECT login FROM api.refresh_token()');
SELECT set_config('request.jwt.claims', json_build_object('sub', '999999', 'exp', 9999999999)::text, true) IS NOT NULL AS set;
SELECT pg_temp.call('SELECT login FROM api.refresh_token()');
SELECT pg_temp.call(format('SELECT token FROM sesami.issue_session(%s)', :sam));
ROLLBACK;

-- sign-in: bad input and missing configuration fail before any HTTP
BEGIN;
SET LOCAL ROLE sesami_anon;
SELECT pg_temp.call('SELECT token FROM api.login_github(NULL)');
SELECT pg_temp.call($$SELECT token FROM api.login_github('')$$);
SELECT pg_temp.call($$SELECT token FROM api.login_github('two words')$$);
SELECT pg_temp.call($$SELECT token FROM api.login_github('abc', 'javascript:alert(1)')$$);
SELECT pg_temp.call($$SELECT token FROM api.login_github('abc')$$);
SELECT pg_temp.call('SELECT token FROM api.refresh_token()');
SELECT pg_temp.call('SELECT count(*) FROM sesami.github_tokens');
ROLLBACK;

-- privileges: the re-seal and session functions belong to no API role
SELECT p.oid::regprocedure AS function,
	   has_function_privilege('sesami_anon', p.oid, 'EXECUTE') AS anon,
	   has_function_privilege('sesami_user', p.oid, 'EXECUTE') AS "user",
	   has_function_privilege('sesami_worker', p.oid, 'EXECUTE') AS worker
FROM pg_proc p
WHERE p.oid IN ('sesami.issue_session(bigint)'::regprocedure,
				'sesami.tokens_to_reseal(text, integer)'::regprocedure,
				'sesami.reseal_token(bigint, bytea, bytea)'::regprocedure)
ORDER BY 1::text;

-- the claim carries the sealed token (appended columns), null without one
SELECT attname FROM pg_attribute
WHERE attrelid = 'sesami.claimed_job'::regclass AND attnum > 9 ORDER BY attnum;
UPDATE sesami.jobs SET status = 'cancelled' WHERE status IN ('pending', 'queued', 'processing');
INSERT INTO sesami.accounts (github_id, login, emails) VALUES (302, 'tokenless', '{t@example.com}');
SELECT json_build_object('sub', id::text)::text AS tokenless FROM sesami.accounts WHERE login = 'tokenless' \gset
BEGIN;
SET LOCAL ROLE sesami_user;
SELECT set_config('request.jwt.claims', json_build_object('sub', :sam::text)::text, true) IS NOT NULL AS set;
SELECT status FROM api.submit_analysis('https://github.com/sam/repo');
SELECT set_config('request.jwt.claims', :'tokenless', true) IS NOT NULL AS set;
SELECT status FROM api.submit_analysis('https://github.com/tokenless/repo');
COMMIT;
SET ROLE sesami_worker;
SELECT repo_name, github_login, token_key_id, sesami.sealed_key_id(sealed_token) AS sealed_for
FROM worker.claim_next('regress-worker');
SELECT repo_name, github_login, token_key_id, sealed_token IS NULL AS no_token
FROM worker.claim_next('regress-worker');
RESET ROLE;

-- key rotation helpers (superuser here)
SELECT account_id = :sam AS is_sam, key_id FROM sesami.tokens_to_reseal('k-test');
-- a stale old value replaces nothing; a new value must be a sealed token
SELECT sesami.reseal_token(:sam, '\x00', sealed) AS replaced FROM sesami.github_tokens WHERE account_id = :sam;
SELECT pg_temp.call(format($$SELECT sesami.reseal_token(%s, sealed, 'junk'::bytea) FROM sesami.github_tokens WHERE account_id = %s$$, :sam, :sam));
