#!/usr/bin/env bash
# P2 and P3 (issue 3): the SQS dispatcher against the fauxqs emulator, on a
# private cluster.  Not a test: figures vary with the machine.
#
#   P2  drain a backlog of JOBS jobs (default 100,000): jobs/s, and that rate
#       ÷ the rate of bench/raw_sqs.c, which sends the same number of messages
#       through the same SQS layer (common/sqs.c: keep-alive, SigV4) in
#       batches of 10 with as many requests in flight, with no database, to
#       the same emulator (measured before and after the drain; their mean).
#       Goal >= 10,000 jobs/s and >= 0.3 of the raw client.
#   P3  on an idle system, commit -> message accepted by SQS, over LATENCY_JOBS
#       jobs (default 1,000) submitted one at a time: p50 and p99.  The commit
#       time is taken by the submitting session right after COMMIT returns; the
#       acceptance time is jobs.dispatched_at, which the dispatcher records in
#       the transaction it starts as soon as SendMessageBatch has answered.
#       Goal p50 <= 10 ms, p99 <= 50 ms.
#
#   sudo bash bench/dispatch.sh [JOBS=100000] [LATENCY_JOBS=1000]
#
# SESAMI_BENCH_BATCH, SESAMI_BENCH_IN_FLIGHT and SESAMI_BENCH_WORKERS
# override sesami.dispatch_batch_size, sesami.dispatch_in_flight and
# sesami.dispatch_workers (the raw client keeps in_flight x workers requests
# in flight); the defaults are the GUCs' defaults.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=${1:-100000}
latency_jobs=${2:-1000}
batch=${SESAMI_BENCH_BATCH:-500}
in_flight=${SESAMI_BENCH_IN_FLIGHT:-16}
workers=${SESAMI_BENCH_WORKERS:-2}

make -s -j2 >/dev/null && make -s install >/dev/null
tmp=$(mktemp -d /tmp/sesami-bench.XXXXXX)
chmod 755 "$tmp"
source scripts/pgcluster.sh
source test/lib.sh
fq_pid=
trap 'pgc_stop; [ -n "$fq_pid" ] && kill "$fq_pid" 2>/dev/null; rm -rf "$tmp"' EXIT

gcc -O2 -Icommon -o "$tmp/raw_sqs" bench/raw_sqs.c common/sqs.c common/aws_http.c \
	common/aws_credentials.c common/aws_json.c common/sigv4.c common/aws_buf.c \
	$(pkg-config --cflags --libs libcurl libcrypto json-c)

fq_port=$(free_port)
start_fauxqs "$tmp/fauxqs.log" || { echo "fauxqs did not start" >&2; exit 1; }
queue() { sqs CreateQueue "{\"QueueName\":\"$1\"}" | $PY -c 'import json,sys; print(json.load(sys.stdin)["QueueUrl"])'; }
depth() {
	sqs GetQueueAttributes "{\"QueueUrl\":\"$1\",\"AttributeNames\":[\"ApproximateNumberOfMessages\"]}" |
		$PY -c 'import json,sys; print(json.load(sys.stdin)["Attributes"]["ApproximateNumberOfMessages"])'
}
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
export AWS_EC2_METADATA_DISABLED=true
endpoint="http://127.0.0.1:$fq_port"

raw_rate() {
	local url out
	url=$(queue "raw$1")
	out=$("$tmp/raw_sqs" "$endpoint" "$url" "$jobs" $((in_flight * workers)))
	[ "$(depth "$url")" = "$jobs" ] || { echo "raw client: queue holds $(depth "$url"), not $jobs" >&2; exit 1; }
	sed -nE 's/.*: ([0-9.]+) messages\/s/\1/p' <<<"$out"
}

# the cluster starts without a queue URL: the dispatcher cannot send, the backlog builds up
pgc_start "$tmp/pg" "${SESAMI_BENCH_PORT:-54361}" "sesami.task_service = 'sqs'" \
	"sesami.database_name = 'postgres'" "sesami.poll_interval = '60s'" \
	"sesami.dispatch_batch_size = $batch" "sesami.dispatch_in_flight = $in_flight" \
	"sesami.dispatch_workers = $workers"
# the psql binary itself: Debian's psql wrapper starts Perl on every call, which
# would take CPU from the drain being measured
psql_bin="$PGC_BIN/psql"
q() { "$psql_bin" -X -qAt -v ON_ERROR_STOP=1 -d postgres -c "$1"; }
q "CREATE EXTENSION sesami" >/dev/null
q "INSERT INTO sesami.accounts (github_id, login) VALUES (1, 'bench')" >/dev/null

raw1=$(raw_rate 1)

echo "P2: building a backlog of $jobs jobs ..."
q "INSERT INTO sesami.jobs (account_id, repo_url, repo_host, repo_owner, repo_name, max_attempts)
   SELECT 1, 'https://github.com/bench/r' || g, 'github.com', 'bench', 'r' || g, 3
   FROM generate_series(1, $jobs) g" >/dev/null
[ "$(q "SELECT count(*) FROM sesami.outbox WHERE parked_at IS NULL")" = "$jobs" ] ||
	{ echo "the outbox does not hold $jobs rows" >&2; exit 1; }
q "VACUUM ANALYZE sesami.outbox, sesami.jobs" >/dev/null
p2url=$(queue p2)
q "ALTER SYSTEM SET sesami.sqs_queue_url = '$p2url'" >/dev/null
q "ALTER SYSTEM SET sesami.aws_region = 'us-east-1'" >/dev/null
q "ALTER SYSTEM SET sesami.aws_endpoint_url = '$endpoint'" >/dev/null
start=$(date +%s.%N)
q "SELECT pg_reload_conf()" >/dev/null
while [ "$(q "SELECT EXISTS (SELECT FROM sesami.outbox WHERE parked_at IS NULL)")" = t ]; do sleep 0.1; done
end=$(date +%s.%N)
queued=$(q "SELECT count(*) FROM sesami.jobs WHERE status = 'queued' AND sqs_message_id IS NOT NULL")
in_queue=$(depth "$p2url")
parked=$(q "SELECT count(*) FROM sesami.outbox")
[ "$queued" = "$jobs" ] && [ "$in_queue" -ge "$jobs" ] && [ "$parked" = 0 ] ||
	{ echo "drain incomplete: $queued jobs queued, $in_queue messages, $parked outbox rows left" >&2; exit 1; }

raw2=$(raw_rate 2)

secs=$(echo "$end - $start" | bc -l)
rate=$(echo "$jobs / $secs" | bc -l)
raw=$(echo "($raw1 + $raw2) / 2" | bc -l)
printf 'P2: drained %d jobs in %.2f s: %.0f jobs/s (goal >= 10000); %d messages in the queue\n' \
	"$jobs" "$secs" "$rate" "$in_queue"
printf '    (sesami.dispatch_batch_size = %d, dispatch_in_flight = %d, dispatch_workers = %d)\n' \
	"$batch" "$in_flight" "$workers"
printf '    raw SQS client, same batches and %d in flight: %.0f and %.0f messages/s\n' \
	$((in_flight * workers)) "$raw1" "$raw2"
printf '    dispatcher ÷ raw client = %.2f (goal >= 0.30)\n' "$(echo "$rate / $raw" | bc -l)"

echo "P3: $latency_jobs jobs, one at a time, on an idle system ..."
q "CREATE TABLE public.latency (job_id bigint, committed_at timestamptz)" >/dev/null
"$psql_bin" -X -q -v ON_ERROR_STOP=1 -d postgres >/dev/null <<SQL
DO \$\$
DECLARE
	jid bigint;
	t timestamptz;
BEGIN
	FOR i IN 1..$latency_jobs LOOP
		INSERT INTO sesami.jobs (account_id, repo_url, repo_host, repo_owner, repo_name, max_attempts)
		VALUES (1, 'https://github.com/bench/lat' || i, 'github.com', 'bench', 'lat' || i, 3)
		RETURNING id INTO jid;
		COMMIT;
		t := clock_timestamp();
		INSERT INTO public.latency VALUES (jid, t);
		-- wait (not measured: the times are the server's) until it is sent, then idle a little
		WHILE NOT EXISTS (SELECT FROM sesami.jobs WHERE id = jid AND status = 'queued') LOOP
			PERFORM pg_sleep(0.002);
		END LOOP;
		COMMIT;
		PERFORM pg_sleep(0.005);
	END LOOP;
END
\$\$;
SQL
q "SELECT format('P3: commit -> message accepted, %s jobs: p50 %s ms, p99 %s ms, max %s ms (goal p50 <= 10, p99 <= 50)',
	count(*),
	round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2),
	round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2),
	round(max(ms)::numeric, 2))
   FROM (SELECT extract(epoch FROM j.dispatched_at - l.committed_at) * 1000 AS ms
         FROM public.latency l JOIN sesami.jobs j ON j.id = l.job_id) d"
