#!/usr/bin/env bash
# test/chaos/load.sh — many users submitting for minutes while workers drain
# the queue through SQS; prints what an operator would watch.
#
#   bash test/chaos/load.sh [SECONDS] [RATE]     (as root; default 180 s, 8 submits/s)
#
# Inside a private network namespace (unshare -n) it starts PostgreSQL with
# sesami in 'sqs' mode, the fauxqs emulator, two `sesami-worker poll`
# processes, then pgbench submits in PostgREST's request shape (SET LOCAL
# ROLE + request.jwt.claims + api.submit_analysis) from 8 clients for 200
# users and 200 mirrored repositories, at RATE submits/s.  It reports:
#   submit p50/p99     pgbench's per-transaction latencies
#   queue lag p50/p99  commit of the job to a worker's claim (audit rows)
#   completed jobs/s   over the run
#   memory             private memory of every process kind, after warm-up and at the end
# Memory is "flat" when no kind of sesami's processes grows by more than 20 %
# (and 8 MiB) from the end of warm-up (the first third of the run) to the end
# of the submitting; the script exits 1 otherwise.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
if [ -z "${CHAOS_IN_NETNS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "load.sh needs root (unshare -n, runuser)" >&2; exit 1; }
	exec unshare -n env CHAOS_IN_NETNS=1 bash "$0" "$@"
fi
ip link set lo up
seconds=${1:-180}
rate=${2:-8}
source test/lib.sh
source scripts/pgcluster.sh
bindir=$(${PG_CONFIG:-pg_config} --bindir)
tmp=$(mktemp -d /tmp/sesami-load.XXXXXX)
chmod 755 "$tmp"
mkdir -p "$tmp/work" "$tmp/mirror/github.com/load"
cleanup() {
	pkill -TERM -f "^$tmp/sesami-worker" 2>/dev/null
	wait 2>/dev/null
	sleep 1
	pkill -KILL -f "^$tmp/sesami-worker|_clone .*$tmp/" 2>/dev/null
	[ -n "${fq_pid:-}" ] && kill "$fq_pid" 2>/dev/null
	pgc_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
cp worker/sesami-worker "$tmp/"

# 200 repository names, all served by one small mirrored history
bash test/make-repos.sh "$tmp/src" >/dev/null
git clone -q --bare "$tmp/src/misc" "$tmp/mirror/small.git"
for i in $(seq 0 199); do ln -s "$tmp/mirror/small.git" "$tmp/mirror/github.com/load/r$i.git"; done

fq_port=9324
export AWS_ACCESS_KEY_ID=AKIDLOAD AWS_SECRET_ACCESS_KEY=load-secret AWS_EC2_METADATA_DISABLED=true
start_fauxqs "$tmp/fauxqs.log" || { echo "the SQS emulator did not start" >&2; exit 1; }
qurl=$(sqs CreateQueue '{"QueueName":"jobs"}' | $PY -c 'import json,sys; print(json.load(sys.stdin)["QueueUrl"])')
pgc_start "$tmp/pg" 54401 "synchronous_commit = on" "fsync = on" "max_connections = 100" \
	"sesami.database_name = 'load'" "sesami.task_service = 'sqs'" "sesami.aws_region = 'us-east-1'" \
	"sesami.aws_endpoint_url = 'http://127.0.0.1:$fq_port'" "sesami.sqs_queue_url = '$qurl'" || exit 1
q() { "$bindir/psql" -X -qAt -v ON_ERROR_STOP=1 -d load -c "$1"; }
createdb load && q "CREATE EXTENSION sesami" >/dev/null || exit 1
q "INSERT INTO sesami.accounts (github_id, login, emails) SELECT g, 'user' || g, '{}' FROM generate_series(1, 200) g" >/dev/null

export DATABASE_URL="host=$PGHOST port=$PGPORT user=postgres dbname=load"
export SESAMI_MIRROR_DIR="$tmp/mirror" SESAMI_WORK_DIR="$tmp/work" SESAMI_THREADS=1 \
	SQS_QUEUE_URL="$qurl" AWS_REGION=us-east-1 AWS_ENDPOINT_URL="http://127.0.0.1:$fq_port"
for w in 1 2; do "$tmp/sesami-worker" poll --concurrency 2 >"$tmp/worker$w.log" 2>&1 & done

cat >"$tmp/submit.sql" <<'SQL'
\set acct random(1, 200)
\set r random(0, 199)
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "' || :acct || '", "role": "sesami_user"}', true);
SET LOCAL ROLE sesami_user;
SELECT id FROM api.submit_analysis('https://github.com/load/r' || :r);
COMMIT;
SQL

# Private memory (KiB: Private_Clean + Private_Dirty of smaps_rollup, so
# PostgreSQL's shared buffers are not counted once per process) per process
# kind, every 5 s: the dispatchers, the API's backends, PostgreSQL's other
# processes, the emulator, the workers.
sample() {
	local t=0 pid args kind kb
	while [ -e "$tmp/sampling" ]; do
		ps -eo pid=,args= | while read -r pid args; do
			case $args in
			*"sesami dispatcher"*) kind=dispatcher ;;
			"postgres: "*load*) kind=backends ;;
			*"$tmp/pg/data"* | "postgres: "*) kind=postgres-other ;;
			*emulator.mjs*) kind=fauxqs ;;
			"$tmp/sesami-worker"*) kind=sesami-worker ;;
			*) continue ;;
			esac
			kb=$(awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s + 0 }' "/proc/$pid/smaps_rollup" 2>/dev/null)
			echo "$kind ${kb:-0}"
		done | awk -v t="$t" '{ k[$1] += $2 } END { for (n in k) print t, n, k[n] }' >>"$tmp/rss"
		sleep 5
		t=$((t + 5))
	done
}
touch "$tmp/sampling"
sample &
sampler=$!
t0=$(date +%s.%N)
"$bindir/pgbench" -n -f "$tmp/submit.sql" -c 8 -j 2 -T "$seconds" -R "$rate" -l --log-prefix="$tmp/pgb" load >"$tmp/pgbench.out" 2>&1
rm -f "$tmp/sampling"; wait "$sampler"
# let the workers drain what is left (at most another minute)
for _ in $(seq 60); do
	[ "$(q "SELECT count(*) FROM sesami.jobs WHERE status IN ('pending', 'queued', 'processing')")" = 0 ] && break
	sleep 1
done
t1=$(date +%s.%N)

cat "$tmp"/pgb* | awk '{print $3 / 1000}' | sort -n >"$tmp/lat"
n=$(wc -l <"$tmp/lat")
pct() { awk -v p="$1" -v n="$n" 'NR == int((n - 1) * p) + 1 { printf "%.1f", $1 }' "$tmp/lat"; }
echo "load: $seconds s at $rate submits/s from 8 clients: $n submits, p50 $(pct 0.5) ms, p99 $(pct 0.99) ms (fsync on)"
q "SELECT 'queue lag (commit to claim): p50 ' || round(1000 * percentile_cont(0.5) WITHIN GROUP (ORDER BY lag))::text || ' ms, p99 ' ||
          round(1000 * percentile_cont(0.99) WITHIN GROUP (ORDER BY lag))::text || ' ms over ' || count(*) || ' claims'
     FROM (SELECT extract(epoch FROM e.at - j.created_at) AS lag
             FROM sesami.job_events e JOIN sesami.jobs j ON j.id = e.job_id
            WHERE e.to_status = 'processing') l"
echo "jobs: $(q "SELECT string_agg(status || ' ' || n, ', ') FROM (SELECT status, count(*) n FROM sesami.jobs GROUP BY 1 ORDER BY 1) s")"
echo "completed jobs/s: $(q "SELECT round(count(*) / ($t1 - $t0)::numeric, 2) FROM sesami.jobs WHERE status = 'completed'")"
warm=$((seconds / 3 / 5 * 5))
awk -v warm="$warm" '
	$1 == warm { a[$2] = $3 } { last[$2] = $3 }
	END {
		bad = 0
		for (n in last) {
			if (!(n in a)) continue
			g = last[n] - a[n]
			printf "memory %-15s after warm-up %7.1f MiB, at the end %7.1f MiB (%+.1f %%)\n", n, a[n] / 1024, last[n] / 1024, 100 * g / a[n]
			if (g > 0.2 * a[n] && g > 8192 && n != "fauxqs") bad = 1	# the emulator is the test double
		}
		exit bad
	}' "$tmp/rss"
flat=$?
[ "$flat" = 0 ] && echo "memory: flat after warm-up" || echo "memory: GROWS after warm-up"
exit "$flat"
