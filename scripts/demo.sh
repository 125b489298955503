#!/usr/bin/env bash
# The main job on the local default (task_service = 'local', no AWS):
# build and install sesami, start a private PostgreSQL 15 cluster with sesami
# preloaded, create an account, submit a repository the PostgREST way and
# show the job.  The cluster is left running for you to explore; the script
# prints how to connect and how to stop it.
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
psql -X -q -v ON_ERROR_STOP=1 -d sesami <<'SQL'
CREATE EXTENSION sesami;
INSERT INTO sesami.accounts (github_id, login, emails)
VALUES (1, 'demo', '{demo@example.com}');

-- what PostgREST does for POST /rpc/submit_analysis with a user's JWT
BEGIN;
SET LOCAL ROLE sesami_user;
SELECT set_config('request.jwt.claims', '{"sub": "1", "role": "sesami_user"}', true) \g /dev/null
\echo 'submitted:'
SELECT id, repository, status, queued_at IS NOT NULL AS queued
FROM api.submit_analysis('https://github.com/expressjs/express');
COMMIT;

\echo 'audit trail and monitoring:'
SELECT job_id, from_status, to_status, actor FROM sesami.job_events;
SELECT queued, outbox_backlog FROM sesami.stats;
SQL

cat <<MSG

The job is queued for a local worker.  sesami-worker's analysis modes are
not built yet (issue 4), so the demo stops here.

Connect:  psql -h $dir/sock -p $port -U postgres sesami
Stop:     $( [ "$(id -u)" -eq 0 ] && echo "runuser -u postgres -- ")$(pg_config --bindir)/pg_ctl -D $dir/data stop
MSG
