#!/usr/bin/env bash
# P1: api.submit_analysis throughput ÷ a bare INSERT of the same row into a
# plain table, both measured by pgbench in this run on a private cluster.
# Goal: ratio >= 0.6.  Not a test: figures vary with the machine.
#
#   sudo bash bench/submit.sh [seconds=10] [clients=4]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
secs=${1:-10}
clients=${2:-4}

make -s -j2 >/dev/null && make -s install >/dev/null
tmp=$(mktemp -d /tmp/sesami-bench.XXXXXX)
chmod 755 "$tmp"
source scripts/pgcluster.sh
trap 'pgc_stop; rm -rf "$tmp"' EXIT
pgc_start "$tmp/pg" "${SESAMI_BENCH_PORT:-54360}" "sesami.database_name = 'bench'" \
	"max_connections = 100" "shared_buffers = 256MB"
pgbench_bin="$(${PG_CONFIG:-pg_config} --bindir)/pgbench"

psql -X -q -d postgres -c 'CREATE DATABASE bench'
psql -X -q -d bench <<'SQL'
CREATE EXTENSION sesami;
INSERT INTO sesami.accounts (github_id, login)
SELECT g, 'bench' || g FROM generate_series(1, 100) g;
-- the baseline: the same row into a plain table (no triggers, no RLS, PK only)
CREATE TABLE plain_jobs (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	account_id bigint NOT NULL, repo_url text NOT NULL, repo_host text NOT NULL,
	repo_owner text NOT NULL, repo_name text NOT NULL, status text NOT NULL DEFAULT 'pending',
	attempt integer NOT NULL DEFAULT 0, max_attempts integer NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now()
);
GRANT INSERT ON plain_jobs TO sesami_user;
-- not a baseline, an explanation: the same row into a table with sesami.jobs'
-- indexes and CHECK constraints, but no trigger, audit or outbox row
CREATE TABLE jobs_copy (LIKE sesami.jobs INCLUDING ALL);
SQL

cat >"$tmp/plain.sql" <<'SQL'
\set acct random(1, 100)
\set repo random(1, 1000000000)
INSERT INTO plain_jobs (account_id, repo_url, repo_host, repo_owner, repo_name, max_attempts)
VALUES (:acct, 'https://github.com/bench/r' || :repo, 'github.com', 'bench', 'r' || :repo, 3);
SQL
cat >"$tmp/copy.sql" <<'SQL'
\set acct random(1, 100)
\set repo random(1, 1000000000)
INSERT INTO jobs_copy (account_id, repo_url, repo_host, repo_owner, repo_name, max_attempts)
VALUES (:acct, 'https://github.com/bench/r' || :repo, 'github.com', 'bench', 'r' || :repo, 3)
ON CONFLICT DO NOTHING;
SQL
# the same bare INSERT wrapped in PostgREST's request shape: the ceiling any
# PostgREST-called function can reach against the bare INSERT
cat >"$tmp/plain_shaped.sql" <<'SQL'
\set acct random(1, 100)
\set repo random(1, 1000000000)
BEGIN;
SELECT set_config('role', 'sesami_user', true), set_config('request.jwt.claims', '{"role":"sesami_user","sub":"' || :acct || '"}', true);
INSERT INTO plain_jobs (account_id, repo_url, repo_host, repo_owner, repo_name, max_attempts)
VALUES (:acct, 'https://github.com/bench/r' || :repo, 'github.com', 'bench', 'r' || :repo, 3);
COMMIT;
SQL
# what PostgREST sends for POST /rpc/submit_analysis: a transaction, one
# statement setting the role and the claims, the call, COMMIT
cat >"$tmp/submit.sql" <<'SQL'
\set acct random(1, 100)
\set repo random(1, 1000000000)
BEGIN;
SELECT set_config('role', 'sesami_user', true), set_config('request.jwt.claims', '{"role":"sesami_user","sub":"' || :acct || '"}', true);
SELECT id, status FROM api.submit_analysis('https://github.com/bench/r' || :repo);
COMMIT;
SQL
# the same call as one autocommit statement (claims fixed per session): the
# cost inside the database, without PostgREST's extra round trips
cat >"$tmp/call.sql" <<'SQL'
\set repo random(1, 1000000000)
SELECT id, status FROM api.submit_analysis('https://github.com/bench/r' || :repo);
SQL

run() {
	"$pgbench_bin" -n -M prepared -c "$clients" -j 2 -T "$secs" -f "$1" bench 2>/dev/null |
		sed -nE 's/^tps = ([0-9.]+).*/\1/p'
}

ratio() { echo "$1 / $base" | bc -l; }
call() { PGOPTIONS="-c role=sesami_user -c request.jwt.claims={\"sub\":\"1\"}" run "$tmp/call.sql"; }
service() { psql -X -qAt -d bench -c "ALTER DATABASE bench SET sesami.task_service = '$1'" >/dev/null; }

echo "pgbench: $clients clients, $secs s per run"
base=$(run "$tmp/plain.sql")
copy=$(run "$tmp/copy.sql")
shaped=$(run "$tmp/plain_shaped.sql")
service local
call_local=$(call)
local_tps=$(run "$tmp/submit.sql")
service sqs
call_sqs=$(call)
sqs_tps=$(run "$tmp/submit.sql")
line() { printf '%-52s %8.0f tps   ratio %.2f%s\n' "$1" "$2" "$(ratio "$2")" "${3:-}"; }
printf '%-52s %8.0f tps\n' "bare INSERT (the baseline)" "$base"
line "submit_analysis, one statement, local" "$call_local"
line "submit_analysis, one statement, sqs" "$call_sqs"
line "bare INSERT into a copy of sesami.jobs" "$copy" "   (its indexes and CHECKs alone)"
line "bare INSERT in PostgREST's request shape" "$shaped" "   (the ceiling for any RPC)"
line "submit_analysis, PostgREST shape, local" "$local_tps"
line "submit_analysis, PostgREST shape, sqs" "$sqs_tps"
printf 'submit ÷ INSERT in PostgREST shape: %.2f (local), %.2f (sqs)\n' \
	"$(echo "$local_tps / $shaped" | bc -l)" "$(echo "$sqs_tps / $shaped" | bc -l)"
echo "goal (issue 3, P1): submit ÷ bare INSERT >= 0.60"
