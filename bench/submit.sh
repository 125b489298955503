#!/usr/bin/env bash
# api.submit_analysis throughput against two job queues that also live in
# PostgreSQL, all measured by pgbench in this run, on one private cluster with
# fsync and synchronous_commit on, with the same clients and duration:
#   - submit_analysis in PostgREST's request shape (BEGIN; a SELECT setting the
#     role and the claims; the call; COMMIT), a new repository each call, so
#     every call inserts a job;
#   - graphile-worker's graphile_worker.add_job('task', json), from the
#     graphile-worker pinned in bench/peers/package-lock.json (npm ci; its
#     schema installed with its own CLI);
#   - pgmq's pgmq.send('queue', jsonb), loaded from a copy of the pgmq
#     repository fetched into /work/.mirror/pgmq+pgmq/repo (or
#     tembo-io+pgmq; SESAMI_PGMQ_GIT names another git directory).  pgmq is
#     not part of this repository and is skipped, with a message, without
#     that copy.
# It also prints the older ratios against a bare INSERT of the same row into
# a plain table.  Not a test: figures vary with the machine.
#
#   sudo bash bench/submit.sh [seconds=10] [clients=4]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
secs=${1:-10}
clients=${2:-4}
port=${SESAMI_BENCH_PORT:-54360}

make -s -j2 >/dev/null && make -s install >/dev/null
(cd bench/peers && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
pgmq_git=${SESAMI_PGMQ_GIT:-}
if [ -z "$pgmq_git" ]; then
	for d in /work/.mirror/pgmq+pgmq/repo /work/.mirror/tembo-io+pgmq/repo; do
		[ -d "$d" ] && { pgmq_git=$d; break; }
	done
fi
pgmq_sql=pgmq-extension/sql/pgmq.sql
tmp=$(mktemp -d /tmp/sesami-bench.XXXXXX)
chmod 755 "$tmp"
source scripts/pgcluster.sh
trap 'pgc_stop; rm -rf "$tmp"' EXIT
# pgcluster.sh turns durability off for tests; later lines win
pgc_start "$tmp/pg" "$port" "sesami.database_name = 'bench'" \
	"max_connections = 100" "shared_buffers = 256MB" \
	"fsync = on" "synchronous_commit = on" "full_page_writes = on"
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

# graphile-worker's schema, installed by its own migrations
bench/peers/node_modules/.bin/graphile-worker --schema-only \
	-c "postgres://postgres@127.0.0.1:$port/bench" >/dev/null
# pgmq's SQL (its current versions need no shared library), from the fetched copy
if [ -n "$pgmq_git" ] && git --git-dir="$pgmq_git" cat-file -e "HEAD:$pgmq_sql" 2>/dev/null; then
	git --git-dir="$pgmq_git" show "HEAD:$pgmq_sql" | psql -X -q -v ON_ERROR_STOP=1 -d bench >/dev/null
	psql -X -qAt -d bench -c "SELECT pgmq.create('bench')" >/dev/null
	pgmq_version="$(git --git-dir="$pgmq_git" show HEAD:pgmq-extension/pgmq.control |
		sed -nE "s/^default_version *= *'([^']+)'.*/\1/p") ($(git --git-dir="$pgmq_git" rev-parse --short HEAD))"
else
	pgmq_git=
	echo "pgmq skipped: no fetched copy of the pgmq repository with $pgmq_sql" \
		"(fetch github:pgmq/pgmq into /work/.mirror, or set SESAMI_PGMQ_GIT)" >&2
fi
gw_version=$(node -p "require('./bench/peers/node_modules/graphile-worker/package.json').version")

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
# the peers, each called the way its clients call it: one autocommit statement
# carrying the same URL as the job's payload
cat >"$tmp/add_job.sql" <<'SQL'
\set repo random(1, 1000000000)
SELECT graphile_worker.add_job('analyse', json_build_object('repo_url', 'https://github.com/bench/r' || :repo));
SQL
cat >"$tmp/send.sql" <<'SQL'
\set repo random(1, 1000000000)
SELECT * FROM pgmq.send('bench', jsonb_build_object('repo_url', 'https://github.com/bench/r' || :repo));
SQL

run() {
	"$pgbench_bin" -n -M prepared -c "$clients" -j 2 -T "$secs" -f "$1" bench 2>/dev/null |
		sed -nE 's/^tps = ([0-9.]+).*/\1/p'
}

ratio() { echo "$1 / $base" | bc -l; }
call() { PGOPTIONS="-c role=sesami_user -c request.jwt.claims={\"sub\":\"1\"}" run "$tmp/call.sql"; }
service() { psql -X -qAt -d bench -c "ALTER DATABASE bench SET sesami.task_service = '$1'" >/dev/null; }

echo "pgbench: $clients clients, $secs s per run; fsync and synchronous_commit on"
# the peers run between the two submit runs they are compared with, so that
# load from other jobs on the machine falls on them alike
service local
local_tps=$(run "$tmp/submit.sql")
add_job=$(run "$tmp/add_job.sql")
send=
[ -n "$pgmq_git" ] && send=$(run "$tmp/send.sql")
service sqs
sqs_tps=$(run "$tmp/submit.sql")
call_sqs=$(call)
service local
call_local=$(call)
base=$(run "$tmp/plain.sql")
copy=$(run "$tmp/copy.sql")
shaped=$(run "$tmp/plain_shaped.sql")
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
echo
echo "against the peers (submit_analysis in PostgREST's request shape):"
printf '%-52s %8.0f tps\n' "graphile-worker $gw_version add_job" "$add_job"
if [ -n "$send" ]; then
	printf '%-52s %8.0f tps\n' "pgmq $pgmq_version send" "$send"
else
	echo "pgmq send: skipped (no fetched copy of pgmq)"
fi
peer() { printf 'submit ÷ %s: %.2f (local), %.2f (sqs)\n' "$1" \
	"$(echo "$local_tps / $2" | bc -l)" "$(echo "$sqs_tps / $2" | bc -l)"; }
peer "graphile-worker add_job" "$add_job"
[ -z "$send" ] || peer "pgmq send" "$send"
# every call above inserted a row: the counts show it
psql -X -qAt -d bench -c "SELECT 'rows written: sesami.jobs ' || (SELECT count(*) FROM sesami.jobs)
	|| ', graphile-worker jobs ' || (SELECT count(*) FROM graphile_worker._private_jobs)" \
	-c "SELECT coalesce(to_regclass('pgmq.q_bench')::text, '')" | {
	read -r line
	read -r q
	[ -n "$q" ] && line="$line, pgmq messages $(psql -X -qAt -d bench -c "SELECT count(*) FROM pgmq.q_bench")"
	echo "$line"
}
