#!/usr/bin/env bash
# The main job on the local default (task_service = 'local', no AWS):
# build and install sesami, start a private PostgreSQL 15 cluster with sesami
# preloaded, create an account, submit this project's own repository the
# PostgREST way, run sesami-worker local on it and print the result.  The
# cluster is left running for you to explore; the script says how to stop it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/deps.sh
make -s -j2 >/dev/null
make -s install >/dev/null

dir=${SESAMI_DEMO_DIR:-/tmp/sesami-demo}
port=${SESAMI_DEMO_PORT:-54330}
source scripts/pgcluster.sh
if [ -f "$dir/data/postmaster.pid" ]; then
	export PGC_DIR="$dir"
	pgc_stop
fi
rm -rf "$dir"
pgc_start "$dir" "$port" "sesami.database_name = 'sesami'"

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'CREATE DATABASE sesami'

# The repository to analyse: this project's own clone, served to the worker
# from a local mirror (the worker never needs the network for it).
mirror="$dir/mirror"
git clone -q --bare "$root" "$mirror/github.com/sesami-demo/sesami.git"
email=$(git -C "$root" log -1 --format=%ae)
[ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$mirror"

psql -X -q -v ON_ERROR_STOP=1 -d sesami -v email="$email" <<'SQL'
CREATE EXTENSION sesami;
INSERT INTO sesami.accounts (github_id, login, emails) VALUES (1, 'demo', ARRAY[:'email']);

-- what PostgREST does for POST /rpc/submit_analysis with a user's JWT
BEGIN;
SET LOCAL ROLE sesami_user;
SELECT set_config('request.jwt.claims', '{"sub": "1", "role": "sesami_user"}', true) \g /dev/null
\echo 'submitted:'
SELECT id, repository, status FROM api.submit_analysis('https://github.com/sesami-demo/sesami');
COMMIT;
SQL

echo "running: sesami-worker local --once (clone from the mirror, blame, languages, stack)"
DATABASE_URL="host=$dir/sock port=$port user=postgres dbname=sesami" \
	SESAMI_MIRROR_DIR="$mirror" SESAMI_WORK_DIR="$dir/work" \
	worker/sesami-worker local --once

psql -X -q -v ON_ERROR_STOP=1 -d sesami <<'SQL'
\echo 'the job, as the user sees it (GET /jobs):'
BEGIN;
SET LOCAL ROLE sesami_user;
SELECT set_config('request.jwt.claims', '{"sub": "1", "role": "sesami_user"}', true) \g /dev/null
SELECT id, repository, status, progress, stage FROM api.jobs;
CREATE TEMP TABLE r AS SELECT api.job_result(1) AS doc;
COMMIT;
\echo 'your contribution (POST /rpc/job_result):'
SELECT doc -> 'repo' ->> 'head' AS head, doc -> 'repo' ->> 'commits' AS commits,
       doc -> 'user' ->> 'lines' AS your_lines, round((doc -> 'user' ->> 'share')::numeric * 100, 1) AS "your_share_%",
       doc -> 'user' ->> 'commits' AS your_commits
FROM r;
\echo 'languages:'
SELECT l ->> 'name' AS language, l ->> 'percent' AS percent
FROM r, jsonb_array_elements(doc -> 'languages' -> 'languages') l LIMIT 6;
\echo 'technologies:'
SELECT string_agg(t ->> 'name', ', ') AS technologies
FROM r, jsonb_array_elements(doc -> 'stack' -> 'technologies') t;
\echo 'audit trail and monitoring:'
SELECT job_id, from_status, to_status, actor, worker_id FROM sesami.job_events ORDER BY id;
SELECT queued, processing, completed, failed FROM sesami.stats;
SQL

cat <<MSG

Done: the job went queued -> processing -> completed on this machine, with no AWS.
The full result document: SELECT result FROM sesami.results;

Connect:  psql -h $dir/sock -p $port -U postgres sesami
Stop:     $( [ "$(id -u)" -eq 0 ] && echo "runuser -u postgres -- ")$PGC_BIN/pg_ctl -D $dir/data stop
MSG
