-- The extension installs into its own schema plus "api", with the roles,
-- GUCs and the C transition table in place.
CREATE EXTENSION sesami;

SELECT extname, extversion, extrelocatable, nspname
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE extname = 'sesami';

-- the three API roles exist and cannot log in
SELECT rolname, rolcanlogin FROM pg_roles
WHERE rolname IN ('sesami_anon', 'sesami_user', 'sesami_worker') ORDER BY rolname;

-- GUCs with their defaults and full-sentence descriptions
SELECT name, setting, unit, context, short_desc
FROM pg_settings WHERE name LIKE 'sesami.%' ORDER BY name;

-- the prefix is reserved: a typo is an error, not a silent placeholder
SET sesami.no_such_setting = 'x';

-- bad values for the GUCs are refused
SET sesami.task_service = 'kafka';
SET sesami.max_attempts = 0;
SET sesami.allowed_repo_hosts = 'github.com, 127.0.0.1';
SET sesami.allowed_repo_hosts = 'github.com, [::1]';
SET sesami.allowed_repo_hosts = 'github.com, -bad-.example';
SET sesami.allowed_repo_hosts = 'github.com, gitlab.example.com';
SHOW sesami.allowed_repo_hosts;
RESET sesami.allowed_repo_hosts;

-- the transition table, as the C trigger enforces it
SELECT * FROM sesami.job_transitions();

-- row-level security is on for every table in the schema
SELECT c.relname, c.relrowsecurity
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'sesami' AND c.relkind = 'r' ORDER BY 1;

-- api (served by PostgREST) and worker (not served) functions are callable
-- only by the roles meant to call them: no api function by the worker, no
-- worker function by an API role
SELECT n.nspname AS schema, p.proname,
	   has_function_privilege('sesami_anon', p.oid, 'EXECUTE') AS anon,
	   has_function_privilege('sesami_user', p.oid, 'EXECUTE') AS "user",
	   has_function_privilege('sesami_worker', p.oid, 'EXECUTE') AS worker,
	   p.prosecdef AS definer
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname IN ('api', 'worker') ORDER BY 1, 2;
-- and who may look a name up in each schema
SELECT n.nspname AS schema,
	   has_schema_privilege('sesami_anon', n.oid, 'USAGE') AS anon,
	   has_schema_privilege('sesami_user', n.oid, 'USAGE') AS "user",
	   has_schema_privilege('sesami_worker', n.oid, 'USAGE') AS worker
FROM pg_namespace n WHERE n.nspname IN ('api', 'worker', 'sesami') ORDER BY 1;

-- no user role may write a table directly
SELECT c.relname,
	   has_table_privilege('sesami_user', c.oid, 'INSERT, UPDATE, DELETE') AS user_writes,
	   has_table_privilege('sesami_worker', c.oid, 'SELECT, INSERT, UPDATE, DELETE') AS worker_any,
	   has_table_privilege('sesami_anon', c.oid, 'SELECT') AS anon_reads
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'sesami' AND c.relkind = 'r' ORDER BY 1;

-- the dispatcher background workers are running
SELECT sesami.wait_until_running() AS dispatchers_running;
SELECT pid IS NOT NULL AS dispatcher_running, workers FROM sesami.dispatcher_status();
SELECT count(*) AS dispatchers, current_setting('sesami.dispatch_workers') AS dispatch_workers
FROM pg_stat_activity WHERE backend_type = 'sesami dispatcher';
