#!/usr/bin/env bash
# dispatcher.test.sh — the extension's SQS dispatcher end to end, on a private
# PostgreSQL cluster (task_service = 'sqs') against the fauxqs SQS emulator
# (test/sqs), a loopback double that answers with per-entry failures
# (test/sqs_double.py), and a capture listener whose requests botocore
# re-signs (test/capture_sqs.py).  Prints "ok - ..." / "not ok - ...".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
tmp=$(mktemp -d /tmp/sesami-dispatch.XXXXXX)
chmod 755 "$tmp"
pids=()
failed=0
source scripts/pgcluster.sh
source test/lib.sh

cleanup() {
	pgc_stop immediate
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

q() { psql -X -qAt -v ON_ERROR_STOP=1 -d postgres -c "$1"; }
# Change a setting of the running cluster: setconf NAME VALUE [NAME VALUE ...]; then reload.
setconf() {
	while [ $# -ge 2 ]; do
		q "ALTER SYSTEM SET $1 = '$2'" >/dev/null
		shift 2
	done
	q "SELECT pg_reload_conf()" >/dev/null
	sleep 0.5
}
# Drain queue $1: print one message body per line (and delete nothing: a long visibility hides them).
drain() {
	local out n
	while :; do
		out=$(sqs ReceiveMessage "{\"QueueUrl\":\"$1\",\"MaxNumberOfMessages\":10,\"VisibilityTimeout\":600,\"WaitTimeSeconds\":0,\"MessageSystemAttributeNames\":[\"All\"],\"AttributeNames\":[\"All\"]}")
		n=$($PY -c 'import json,sys; d=json.loads(sys.stdin.read() or "{}"); m=d.get("Messages",[]); [print(json.dumps({"body":json.loads(x["Body"]),"attrs":x.get("Attributes",{})})) for x in m]; sys.exit(0 if m else 3)' <<<"$out") || break
		echo "$n"
	done
}
# Submit jobs for the test account as PostgREST would; $1 = repo name prefix, $2 = count; $3 = COMMIT|ROLLBACK
submit() {
	psql -X -qAt -v ON_ERROR_STOP=1 -d postgres >/dev/null <<SQL
BEGIN;
SET LOCAL ROLE sesami_user;
SELECT set_config('request.jwt.claims', '{"sub":"1","role":"sesami_user"}', true);
SELECT count(*) FROM generate_series(1, $2) g, api.submit_analysis('https://github.com/disp/$1-' || g);
${3:-COMMIT};
SQL
}

# ---- emulator and cluster ----
fq_port=$(free_port)
start_fauxqs "$tmp/fauxqs.log" || { notok "fauxqs emulator starts"; exit 1; }
pids+=("$fq_pid")
qurl=$(sqs CreateQueue '{"QueueName":"jobs"}' | $PY -c 'import json,sys; print(json.load(sys.stdin)["QueueUrl"])')
[ -n "$qurl" ] || { notok "queue created in the emulator"; exit 1; }

export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
export AWS_EC2_METADATA_DISABLED=true
pg_port=$(free_port)
pgc_start "$tmp/pg" "$pg_port" "sesami.task_service = 'sqs'" "sesami.sqs_queue_url = '$qurl'" \
	"sesami.aws_region = 'us-east-1'" "sesami.aws_endpoint_url = 'http://127.0.0.1:$fq_port'" \
	"sesami.poll_interval = '60s'" "log_min_messages = log" || { notok "cluster starts"; exit 1; }
q "CREATE EXTENSION sesami VERSION '0.1.0'" >/dev/null
q "INSERT INTO sesami.accounts (github_id, login) VALUES (1, 'disp')" >/dev/null
check "the dispatcher runs" [ "$(q 'SELECT sesami.wait_until_running()')" = t ]

# ---- a schema older than the library: wait for ALTER EXTENSION UPDATE ----
submit old 1
waitlog() { local i; for i in $(seq $(($2 * 10))); do grep -qE "$1" "$PGC_DIR/server.log" && return 0; sleep 0.1; done; return 1; }
check "on a 0.1.0 schema the dispatcher sends nothing and logs that it waits for the update" \
	waitlog 'LOG: +sesami dispatcher waits for the extension to be updated' 5
check "the job waits in the outbox" [ "$(q "SELECT count(*) FROM sesami.outbox o JOIN sesami.jobs j ON j.id = o.job_id WHERE j.repo_name = 'old-1' AND j.status = 'pending'")" = 1 ]
q "ALTER EXTENSION sesami UPDATE" >/dev/null
submit old2 1
check "after ALTER EXTENSION sesami UPDATE the waiting job is sent too" \
	wait_sql "SELECT count(*) = 2 FROM sesami.jobs WHERE repo_name IN ('old-1', 'old2-1') AND status = 'queued'" 5
drain "$qurl" >/dev/null

# ---- a committed job goes out at once (the poll interval is 60 s) ----
submit one 1
check "a committed job is sent within 3 s although the poll interval is 60 s" \
	wait_sql "SELECT status = 'queued' AND sqs_message_id IS NOT NULL FROM sesami.jobs WHERE repo_name = 'one-1'" 3
check "pending -> queued is audited" [ "$(q "SELECT count(*) FROM sesami.job_events e JOIN sesami.jobs j ON j.id = e.job_id WHERE j.repo_name = 'one-1' AND e.from_status = 'pending' AND e.to_status = 'queued'")" = 1 ]

# ---- batching: 25 jobs in one transaction ----
submit batch 25
check "25 jobs from one transaction are all queued" \
	wait_sql "SELECT count(*) = 25 FROM sesami.jobs WHERE repo_name LIKE 'batch-%' AND status = 'queued'" 10
drain "$qurl" >"$tmp/msgs1"
check "the queue holds 26 messages" [ "$(wc -l <"$tmp/msgs1")" = 26 ]
check "every message body names its job, attempt 0 and the repository" $PY - "$tmp/msgs1" <<'PYEOF'
import json, subprocess, sys
rows = dict(l.split("|", 1) for l in subprocess.run(
    ["psql", "-XAt", "-d", "postgres", "-c", "SELECT id, repo_url FROM sesami.jobs"],
    capture_output=True, text=True).stdout.split())
msgs = [json.loads(l)["body"] for l in open(sys.argv[1])]
ok = all(m["v"] == 1 and m["attempt"] == 0 and rows.get(str(m["job_id"])) == m["repo_url"] for m in msgs)
sys.exit(0 if ok and len({m["job_id"] for m in msgs}) == len(msgs) else 1)
PYEOF
check "outbox is empty after delivery" [ "$(q 'SELECT count(*) FROM sesami.outbox')" = 0 ]
sent=$(q 'SELECT sent FROM sesami.dispatcher_status()')
check "dispatcher_status counts 2 + 26 sent (got $sent)" [ "$sent" = 28 ]

# ---- a rolled-back transaction sends nothing ----
submit rolledback 3 ROLLBACK
sleep 1
drain "$qurl" >"$tmp/msgs2"
check "a rolled-back submit sends no message" [ ! -s "$tmp/msgs2" ]
check "and leaves no job or outbox row" [ "$(q "SELECT count(*) FROM sesami.jobs WHERE repo_name LIKE 'rolledback-%'")$(q 'SELECT count(*) FROM sesami.outbox')" = 00 ]

# ---- SQS down: the backlog waits, then drains by itself ----
# dispatch_max_attempts = 2 makes a long outage short: twice that many failed
# sends must not park a job either.
setconf sesami.poll_interval 300ms sesami.dispatch_max_attempts 2
kill "$fq_pid"; wait "$fq_pid" 2>/dev/null
submit down 5
check "while SQS is down the jobs stay pending with the error recorded" \
	wait_sql "SELECT count(*) = 5 FROM sesami.outbox WHERE send_attempts >= 1 AND last_error IS NOT NULL AND parked_at IS NULL" 10
check "an outage longer than sesami.dispatch_max_attempts sends parks nothing (4 sends, limit 2)" \
	wait_sql "SELECT count(*) = 5 AND bool_and(send_attempts >= 4) AND bool_and(parked_at IS NULL) FROM sesami.outbox" 30 ||
	q "SELECT '# outbox', id, send_attempts, parked_at, last_error FROM sesami.outbox"
check "a job that reached sesami.dispatch_max_attempts is logged as still being retried" \
	grep -qE 'LOG: +sesami dispatcher could not send [0-9]+ jobs? in 2 attempts; it keeps trying' "$PGC_DIR/server.log"
check "the dispatcher reports the last error" [ -n "$(q 'SELECT last_error FROM sesami.dispatcher_status()')" ]
check "sesami.stats shows the backlog" [ "$(q 'SELECT outbox_backlog FROM sesami.stats')" = 5 ]
start_fauxqs "$tmp/fauxqs2.log" || notok "fauxqs restarts"  # a new log: the old one says "ready"
pids+=("$fq_pid")
# (on a loaded machine the new emulator may take a moment to answer)
for _ in $(seq 20); do
	qurl2=$(sqs CreateQueue '{"QueueName":"jobs"}' | $PY -c 'import json,sys; print(json.load(sys.stdin)["QueueUrl"])' 2>/dev/null) && break
	sleep 0.5
done
check "the restarted emulator gives the same queue URL" [ "$qurl2" = "$qurl" ]
check "after SQS comes back every waiting job is delivered" \
	wait_sql "SELECT count(*) = 5 FROM sesami.jobs WHERE repo_name LIKE 'down-%' AND status = 'queued'" 70 ||
	q "SELECT '# outbox', id, send_attempts, available_at - now(), parked_at, last_error FROM sesami.outbox; SELECT '# status', * FROM sesami.dispatcher_status()"
drain "$qurl" >"$tmp/msgs3"
check "the queue received the 5 jobs" [ "$(wc -l <"$tmp/msgs3")" = 5 ]

# ---- a message lost after delivery: the job is sent again ----
submit lost 1
wait_sql "SELECT status = 'queued' FROM sesami.jobs WHERE repo_name = 'lost-1'" 10
sqs PurgeQueue "{\"QueueUrl\":\"$qurl\"}" >/dev/null
first=$(q "SELECT dispatched_at FROM sesami.jobs WHERE repo_name = 'lost-1'")
setconf sesami.redispatch_after 2s
check "a job still queued after sesami.redispatch_after gets a new message" \
	wait_sql "SELECT dispatched_at > '$first' FROM sesami.jobs WHERE repo_name = 'lost-1'" 15
check "dispatcher_status counts the re-dispatches" [ "$(q 'SELECT redispatched > 0 FROM sesami.dispatcher_status()')" = t ]
drain "$qurl" >"$tmp/msgs-lost"
setconf sesami.redispatch_after 0
lost_id=$(q "SELECT id FROM sesami.jobs WHERE repo_name = 'lost-1'")
check "the purged job's message is in the queue again (same job, attempt 0)" \
	$PY -c 'import json,sys; sys.exit(0 if any(json.loads(l)["body"] == {"v": 1, "job_id": int(sys.argv[2]), "attempt": 0, "repo_url": "https://github.com/disp/lost-1"} for l in open(sys.argv[1])) else 1)' "$tmp/msgs-lost" "$lost_id"

# ---- PostgreSQL crashes mid-dispatch ----
submit crash 200
pgc_as_owner "$PGC_BIN/pg_ctl" -D "$PGC_DIR/data" -m immediate -w stop >/dev/null 2>&1
pgc_as_owner "$PGC_BIN/pg_ctl" -D "$PGC_DIR/data" -l "$PGC_DIR/server.log" -w start >/dev/null
check "after an immediate shutdown and restart every job is delivered" \
	wait_sql "SELECT count(*) = 200 FROM sesami.jobs WHERE repo_name LIKE 'crash-%' AND status = 'queued'" 60
drain "$qurl" >"$tmp/msgs4"
dups=$($PY - "$tmp/msgs4" "$(q "SELECT string_agg(id::text, ',') FROM sesami.jobs WHERE repo_name LIKE 'crash-%'")" <<'PYEOF'
import json, sys
ids = [json.loads(l)["body"]["job_id"] for l in open(sys.argv[1])]
want = set(int(x) for x in sys.argv[2].split(","))
missing = want - set(ids)
print("missing=%d duplicates=%d" % (len(missing), len(ids) - len(set(ids))))
PYEOF
)
echo "# crash: $dups"
check "no job is lost in the crash (duplicates allowed)" grep -q 'missing=0' <<<"$dups"

# ---- per-entry failures (Failed[] in an HTTP 200) ----
echo > "$tmp/double.log"
$PY test/sqs_double.py "$tmp/double.port" "$tmp/double.log" &
pids+=($!)
for _ in $(seq 50); do [ -s "$tmp/double.port" ] && break; sleep 0.1; done
setconf sesami.aws_endpoint_url "http://127.0.0.1:$(cat "$tmp/double.port")"
submit partial 12
part="FROM sesami.outbox o JOIN sesami.jobs j ON j.id = o.job_id WHERE j.repo_name LIKE 'partial-%'"
check "entries that failed with SenderFault=false are retried and delivered" \
	wait_sql "SELECT count(*) = 0 $part AND o.parked_at IS NULL" 20
check "entries that failed with SenderFault=true are parked with their error, jobs still pending" \
	[ "$(q "SELECT count(*) > 0 AND count(*) FILTER (WHERE o.id % 5 = 0) = count(*) AND bool_and(o.last_error LIKE '%InvalidParameterValue%') AND bool_and(j.status = 'pending') $part")" = t ]
check "parked rows are counted in sesami.stats" \
	[ "$(q 'SELECT outbox_parked FROM sesami.stats')" = "$(q 'SELECT count(*) FROM sesami.outbox WHERE parked_at IS NOT NULL')" ]
check "the other jobs of the batch are queued" \
	[ "$(q "SELECT count(*) FROM sesami.jobs j WHERE repo_name LIKE 'partial-%' AND status = 'queued'")" = "$(q "SELECT 12 - count(*) $part")" ]

# ---- a parked job: requeued by the operator, or cancelled and resubmitted ----
mode() { echo "$*" >"$tmp/double.port.mode"; }
parked_ids=$(q "SELECT string_agg(job_id::text, ',' ORDER BY job_id) FROM sesami.outbox WHERE parked_at IS NOT NULL")
check "a user cannot requeue parked rows" \
	bash -c "! psql -X -qAt -d postgres -c 'SET ROLE sesami_user; SELECT sesami.requeue_parked()' 2>/dev/null"
first_parked=${parked_ids%%,*}
mode ok
resubmit() {
	psql -X -qAt -v ON_ERROR_STOP=1 -d postgres <<SQL
BEGIN;
SET LOCAL ROLE sesami_user;
SELECT set_config('request.jwt.claims', '{"sub":"1","role":"sesami_user"}', true) IS NULL;
SELECT status FROM api.cancel_job($first_parked);
SELECT id <> $first_parked, status FROM api.submit_analysis((SELECT repo_url FROM sesami.jobs WHERE id = $first_parked));
COMMIT;
SQL
}
check "a parked pending job can be cancelled and resubmitted as a new job" \
	[ "$(resubmit | tr "\n" " ")" = "f cancelled t|pending " ]
check "the resubmitted job is delivered" \
	wait_sql "SELECT status = 'queued' FROM sesami.jobs WHERE repo_url = (SELECT repo_url FROM sesami.jobs WHERE id = $first_parked) AND id <> $first_parked" 10
nparked=$(q "SELECT count(*) FROM sesami.outbox WHERE parked_at IS NOT NULL")
check "sesami.requeue_parked() requeues every parked row ($nparked)" [ "$(q 'SELECT sesami.requeue_parked()')" = "$nparked" ]
check "requeued jobs are delivered and nothing stays parked" \
	wait_sql "SELECT count(*) = 0 FROM sesami.outbox WHERE job_id = ANY ('{$parked_ids}') AND (SELECT outbox_parked = 0 FROM sesami.stats)" 15

# ---- refused credentials, throttling and server errors never park ----
# The double answers every request with one of them in turn, each message
# holding a newline; dispatch_max_attempts is still 2.
mode creds
submit errs 3
errs="FROM sesami.outbox o JOIN sesami.jobs j ON j.id = o.job_id WHERE j.repo_name LIKE 'errs-%'"
check "refused credentials (InvalidClientTokenId) are retried, not parked" \
	wait_sql "SELECT count(*) = 3 AND bool_and(o.send_attempts >= 2 AND o.parked_at IS NULL AND o.last_error LIKE '%InvalidClientTokenId%') $errs" 15
mode throttle
check "then throttling: retried, not parked" \
	wait_sql "SELECT count(*) = 3 AND bool_and(o.parked_at IS NULL AND o.last_error LIKE '%Throttling%') $errs" 20
mode 500
check "then HTTP 500: retried, not parked" \
	wait_sql "SELECT count(*) = 3 AND bool_and(o.parked_at IS NULL AND o.last_error LIKE '%InternalError%') $errs" 20
check "the error text is kept on one line in the outbox" \
	[ "$(q "SELECT bool_and(o.last_error LIKE '%the double says no second line of the error%' AND strpos(o.last_error, E'\n') = 0) $errs")" = t ]
check "and in sesami.dispatcher_status()" \
	[ "$(q "SELECT last_error LIKE '%no second line%' AND strpos(last_error, E'\n') = 0 FROM sesami.dispatcher_status()")" = t ]
check "the server log carries the error on the warning's own lines" \
	bash -c "grep -q 'DETAIL: .*the double says no second line of the error' '$PGC_DIR/server.log' && ! grep -q '^second line of the error' '$PGC_DIR/server.log'"
mode ok
check "once the endpoint answers, every one of those jobs is delivered" \
	wait_sql "SELECT count(*) = 3 FROM sesami.jobs WHERE repo_name LIKE 'errs-%' AND status = 'queued'" 40
# a request SQS rejects as malformed is the messages' own fault: parked at once
mode malformed
submit bad 2
check "a request SQS rejects as malformed (InvalidParameterValue) parks its rows at the first send" \
	wait_sql "SELECT count(*) = 2 AND bool_and(o.parked_at IS NOT NULL AND o.send_attempts = 1 AND o.last_error LIKE '%InvalidParameterValue%') FROM sesami.outbox o JOIN sesami.jobs j ON j.id = o.job_id WHERE j.repo_name LIKE 'bad-%'" 10
mode ok
check "sesami.requeue_parked(job ids) requeues just those rows" \
	[ "$(q "SELECT sesami.requeue_parked(ARRAY(SELECT id FROM sesami.jobs WHERE repo_name LIKE 'bad-%'))")" = 2 ]
check "then delivered" wait_sql "SELECT count(*) = 2 FROM sesami.jobs WHERE repo_name LIKE 'bad-%' AND status = 'queued'" 10
setconf sesami.dispatch_max_attempts 20

# ---- a round slower than the old lease: the rows are not sent twice ----
# 250 rows, one request of 10 at a time, 1.5 s each: 37.5 s, longer than the
# 30 s a lease used to last; the other dispatchers poll every 300 ms.
mode slow 1.5
setconf sesami.http_timeout 2500 sesami.dispatch_batch_size 250 sesami.dispatch_in_flight 1
: >"$tmp/double.log"
submit lease 250
check "a round's lease covers all of its waves (25 x 2.5 s + 30 s)" \
	wait_sql "SELECT min(lease_until - now()) > interval '60 s' FROM sesami.outbox o JOIN sesami.jobs j ON j.id = o.job_id WHERE j.repo_name LIKE 'lease-%' AND o.lease_until IS NOT NULL" 5
check "a slow round delivers all 250 jobs" \
	wait_sql "SELECT count(*) = 250 FROM sesami.jobs WHERE repo_name LIKE 'lease-%' AND status = 'queued'" 90
check "and no row was sent twice (another dispatcher never took over a live lease)" $PY - "$tmp/double.log" <<'PYEOF'
import json, sys
ids = [i for l in open(sys.argv[1]) for i in json.loads(l)["ids"]]
print("# lease: %d entries sent, %d distinct" % (len(ids), len(set(ids))))
sys.exit(0 if len(ids) >= 250 and len(set(ids)) == len(ids) else 1)
PYEOF
setconf sesami.http_timeout 10000 sesami.dispatch_batch_size 500 sesami.dispatch_in_flight 16

# ---- FIFO queues: group and deduplication ids ----
fifo=$(sqs CreateQueue '{"QueueName":"jobs.fifo","Attributes":{"FifoQueue":"true"}}' | $PY -c 'import json,sys; print(json.load(sys.stdin)["QueueUrl"])')
setconf sesami.aws_endpoint_url "http://127.0.0.1:$fq_port" sesami.sqs_queue_url "$fifo"
submit fifo 2
check "jobs are delivered to a FIFO queue" \
	wait_sql "SELECT count(*) = 2 FROM sesami.jobs WHERE repo_name LIKE 'fifo-%' AND status = 'queued'" 10
drain "$fifo" >"$tmp/msgs5"
# FIFO hands out one message per group at a time: the first one is visible
check "FIFO messages carry MessageGroupId account-<id> and a job/attempt deduplication id" $PY - "$tmp/msgs5" <<'PYEOF'
import json, sys
m = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if m and all(x["attrs"].get("MessageGroupId") == "account-1" and
                        x["attrs"].get("MessageDeduplicationId") == "job-%d-attempt-0" % x["body"]["job_id"]
                        for x in m) else 1)
PYEOF

# ---- the signature botocore computes for the request the dispatcher sent ----
check_signature() {
	: >"$tmp/capture.jsonl"
	rm -f "$tmp/capture.port"
	$PY test/capture_sqs.py serve "$tmp/capture.port" "$tmp/capture.jsonl" &
	pids+=($!)
	for _ in $(seq 50); do [ -s "$tmp/capture.port" ] && break; sleep 0.1; done
	setconf sesami.aws_endpoint_url "http://127.0.0.1:$(cat "$tmp/capture.port")" sesami.sqs_queue_url "$qurl"
	submit "sig$1" 1
	wait_sql "SELECT count(*) = 1 FROM sesami.jobs WHERE repo_name = 'sig$1-1' AND status = 'queued'" 10 &&
		$PY test/capture_sqs.py verify "$tmp/capture.jsonl" "$AWS_SECRET_ACCESS_KEY" us-east-1 >"$tmp/verify.log" &&
		grep -q '^match' "$tmp/verify.log" && ! grep -q '^mismatch' "$tmp/verify.log"
}
check "the dispatcher's Authorization header equals botocore's" check_signature plain
pgc_stop
export AWS_SESSION_TOKEN=FQoGZXIvYXdzEXAMPLEtoken//session+token=
pgc_as_owner "$PGC_BIN/pg_ctl" -D "$PGC_DIR/data" -l "$PGC_DIR/server.log" -w start >/dev/null
check "with a session token too (X-Amz-Security-Token signed)" check_signature token
check "the secret key never reaches the server log" bash -c "! grep -q -e '$AWS_SECRET_ACCESS_KEY' -e 'session+token' '$PGC_DIR/server.log'"
check "nor pg_settings" [ "$(q "SELECT count(*) FROM pg_settings WHERE setting LIKE '%EXAMPLEKEY%' OR setting LIKE '%session+token%'")" = 0 ]

# ---- a queue that does not exist yet: retried, not parked, delivered once it exists ----
late="${qurl%/*}/late"
setconf sesami.aws_endpoint_url "http://127.0.0.1:$fq_port" sesami.sqs_queue_url "$late"
submit late 3
latejobs="FROM sesami.outbox o JOIN sesami.jobs j ON j.id = o.job_id WHERE j.repo_name LIKE 'late-%'"
check "a missing queue is retried, not parked (QueueDoesNotExist recorded)" \
	wait_sql "SELECT count(*) = 3 AND bool_and(o.last_error LIKE '%QueueDoesNotExist%' AND o.parked_at IS NULL) $latejobs" 10
check "the created queue has the URL the dispatcher was given" \
	[ "$(sqs CreateQueue '{"QueueName":"late"}' | $PY -c 'import json,sys; print(json.load(sys.stdin)["QueueUrl"])')" = "$late" ]
check "once the queue exists its jobs are delivered" \
	wait_sql "SELECT count(*) = 3 FROM sesami.jobs WHERE repo_name LIKE 'late-%' AND status = 'queued'" 30

# ---- three dispatcher processes: every job sent exactly once ----
check "two dispatchers run by default" \
	[ "$(q "SELECT workers = 2 AND (SELECT count(*) = 2 FROM pg_stat_activity WHERE backend_type = 'sesami dispatcher') FROM sesami.dispatcher_status()")" = t ]
q "ALTER SYSTEM SET sesami.dispatch_workers = 3" >/dev/null
pgc_stop
pgc_as_owner "$PGC_BIN/pg_ctl" -D "$PGC_DIR/data" -l "$PGC_DIR/server.log" -w start >/dev/null
check "sesami.dispatch_workers = 3 runs three dispatchers" \
	wait_sql "SELECT workers = 3 AND (SELECT count(*) = 3 FROM pg_stat_activity WHERE backend_type = 'sesami dispatcher') FROM sesami.dispatcher_status()" 10
two=$(sqs CreateQueue '{"QueueName":"two"}' | $PY -c 'import json,sys; print(json.load(sys.stdin)["QueueUrl"])')
setconf sesami.sqs_queue_url "$two"
submit two 300
check "three dispatchers deliver 300 jobs" \
	wait_sql "SELECT count(*) = 300 FROM sesami.jobs WHERE repo_name LIKE 'two-%' AND status = 'queued'" 30
drain "$two" >"$tmp/msgs6"
check "each of them exactly once" $PY - "$tmp/msgs6" <<'PYEOF'
import json, sys
ids = [json.loads(l)["body"]["job_id"] for l in open(sys.argv[1])]
sys.exit(0 if len(ids) == 300 and len(set(ids)) == 300 else 1)
PYEOF

exit $failed
