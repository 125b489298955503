#!/usr/bin/env bash
# test/chaos/run.sh — the whole sesami loop under faults, and the checks that
# nothing was lost, duplicated or crashed.
#
#   bash test/chaos/run.sh [short|long]     (as root; builds nothing: run
#                                            scripts/test.sh or make first)
#
# Inside a private network namespace (unshare -n: only a loopback exists, so
# nothing can leave the machine) it starts PostgreSQL with sesami in 'sqs'
# mode, the fauxqs SQS emulator, several `sesami-worker poll` and `local`
# processes (each restarted when it exits) and many users submitting
# repositories served from a local mirror: small histories, a longer one
# (blame takes seconds), one that is not mirrored, one over the clone limit.
# While they run it injects, at random moments:
#   pg_crash     pg_ctl stop -m immediate, then start
#   sqs_outage   the emulator killed (losing its queue) for longer than
#                sesami.dispatch_max_attempts sends take, then restarted
#   kill_clone / kill_blame / kill_other
#                SIGKILL of a worker in that stage of a job
#   duplicate    a job's message sent again (current or stale attempt)
#   poison       a message that is not a job, or names no job
# Then it waits for the queue to drain and checks: every acknowledged submit
# exists and every job is terminal; exactly one result per completed job,
# equal to `sesami-worker analyze` of the same repository; attempts within
# max_attempts; every audit trail a chain of legal transitions; an empty
# outbox (or parked rows with their error); no worker or clone process and
# no run directory left; no crash in the server log or among the workers.
# It ends with one line:
#   chaos: jobs=... faults: ... duplicates_fenced=... retries=... lost=0
# and exits non-zero if any check failed.  CHAOS_SEED repeats a run's choices;
# CHAOS_KEEP=1 keeps the work directory.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
mode=${1:-short}

if [ -z "${CHAOS_IN_NETNS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "not ok - chaos: needs root (unshare -n, runuser)"; exit 1; }
	exec unshare -n env CHAOS_IN_NETNS=1 bash "$0" "$@"
fi
ip link set lo up || { echo "not ok - chaos: loopback in the private namespace"; exit 1; }

case $mode in
short)	fault_seconds=${CHAOS_SECONDS:-75}; submitters=4; per_submitter=24; outage=(12 18); drain=240 ;;
long)	fault_seconds=${CHAOS_SECONDS:-900}; submitters=12; per_submitter=80; outage=(20 60); drain=900 ;;
*)		echo "usage: run.sh [short|long]" >&2; exit 2 ;;
esac
seed=${CHAOS_SEED:-$RANDOM}
RANDOM=$seed

source test/lib.sh
source scripts/pgcluster.sh
tmp=$(mktemp -d /tmp/sesami-chaos.XXXXXX)
chmod 755 "$tmp"
mkdir -p "$tmp/bin" "$tmp/work" "$tmp/logs" "$tmp/acks"
cp worker/sesami-worker "$tmp/bin/" || { echo "not ok - chaos: worker/sesami-worker is built"; exit 1; }
W="$tmp/bin/sesami-worker"
failed=0
bg=()
cleanup() {
	touch "$tmp/stop"
	for p in "${bg[@]}"; do kill "$p" 2>/dev/null; done
	pkill -KILL -f "^$W" 2>/dev/null
	pkill -KILL -f "_clone .*$tmp/" 2>/dev/null
	[ -n "${fq_pid:-}" ] && kill "$fq_pid" 2>/dev/null
	pgc_stop immediate
	wait 2>/dev/null
	if [ "${CHAOS_KEEP:-0}" = 1 ]; then echo "# kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
log() { echo "# $(date +%T) $*"; }
count() { echo $(( $(cat "$tmp/faults.$1" 2>/dev/null || echo 0) + 1 )) >"$tmp/faults.$1"; }

# ---- repositories: mirrored ones with known histories, one missing, one too big ----
mirror="$tmp/mirror/github.com/chaos"
mkdir -p "$mirror"
bash test/make-repos.sh "$tmp/src" >/dev/null || { echo "not ok - chaos: fixture repositories"; exit 1; }
$PY - "$tmp/src/long" <<'PYEOF'
import subprocess, sys
d = sys.argv[1]
subprocess.run(["git", "-c", "init.defaultBranch=main", "init", "-q", d], check=True)
out, files = [], {}
for c in range(1, 1501):
    who = ["ada", "bob", "cy", "dee"][c % 4]
    f = "src/f%02d.c" % (c % 30)
    lines = files.setdefault(f, [])
    lines.insert((c * 7) % (len(lines) + 1), "line %d by %s" % (c, who))
    if len(lines) > 40 and c % 4 == 0:
        del lines[(c * 3) % len(lines)]
    data = ("\n".join(lines) + "\n").encode()
    t = 1700000000 + c * 3600
    out += [b"commit refs/heads/main\n",
            b"author %s <%s@example.com> %d +0000\n" % (who.encode(), who.encode(), t),
            b"committer %s <%s@example.com> %d +0000\n" % (who.encode(), who.encode(), t),
            b"data 3\nc%d\n" % (c % 10),
            b"M 100644 inline %s\ndata %d\n%s\n" % (f.encode(), len(data), data)]
subprocess.run(["git", "-C", d, "fast-import", "--quiet"], input=b"".join(out), check=True)
PYEOF
mkdir -p "$tmp/src/huge"
git -C "$tmp/src/huge" -c init.defaultBranch=main init -q
head -c 6000000 /dev/urandom >"$tmp/src/huge/blob.bin"
git -C "$tmp/src/huge" add -A
git -C "$tmp/src/huge" -c user.name=H -c user.email=h@example.com commit -q -m huge
good=(merges renames misc long)
for r in "${good[@]}" huge; do git clone -q --bare "$tmp/src/$r" "$mirror/$r.git"; done
# Several names per history (symlinks in the mirror), so users' submits make
# new jobs rather than finding their own active one.
repos=(missing huge)
for r in "${good[@]}"; do
	for i in 1 2 3 4 5 6; do ln -s "$mirror/$r.git" "$mirror/$r-$i.git"; repos+=("$r-$i"); done
done

# ---- the emulator and its queue, then PostgreSQL ----
pg_port=54400 fq_port=9324
export AWS_ACCESS_KEY_ID=AKIDCHAOS AWS_SECRET_ACCESS_KEY=chaos-secret AWS_EC2_METADATA_DISABLED=true
start_sqs() {	# (re)start the emulator; its queue comes back empty, at the same URL
	start_fauxqs "$tmp/logs/fauxqs.$(date +%s%N).log" || return 1
	sqs CreateQueue '{"QueueName":"jobs"}' >"$tmp/queue.json"
	$PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["QueueUrl"])' "$tmp/queue.json" >"$tmp/queue.url"
	[ -z "${qurl:-}" ] || [ "$(cat "$tmp/queue.url")" = "$qurl" ]
}
start_sqs || { echo "not ok - chaos: the SQS emulator starts"; exit 1; }
qurl=$(cat "$tmp/queue.url")
pgc_start "$tmp/pg" "$pg_port" "synchronous_commit = on" "max_connections = 100" \
	"sesami.database_name = 'chaos'" "sesami.task_service = 'sqs'" "sesami.aws_region = 'us-east-1'" \
	"sesami.aws_endpoint_url = 'http://127.0.0.1:$fq_port'" "sesami.sqs_queue_url = '$qurl'" \
	"sesami.max_attempts = 10" "sesami.lease_timeout = '8s'" "sesami.poll_interval = '1s'" \
	"sesami.dispatch_max_attempts = 3" "sesami.redispatch_after = '20s'" "sesami.http_timeout = '2s'" \
	"log_min_messages = log" ||
	{ echo "not ok - chaos: PostgreSQL starts"; exit 1; }
db=chaos
psql_bin="$(${PG_CONFIG:-pg_config} --bindir)/psql"	# not Debian's wrapper: it starts Perl per call
psql() { "$psql_bin" "$@"; }
q() { psql -X -qAt -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
createdb "$db" && q "CREATE EXTENSION sesami" >/dev/null || { echo "not ok - chaos: CREATE EXTENSION"; exit 1; }

for u in $(seq "$submitters"); do
	q "INSERT INTO sesami.accounts (github_id, login, emails) VALUES ($((1000 + u)), 'user$u', '{ada@example.com}')" >/dev/null
done

# ---- workers: each slot restarts its worker when it exits ----
export DATABASE_URL="host=$PGHOST port=$PGPORT user=postgres dbname=$db connect_timeout=3"
export SESAMI_MIRROR_DIR="$tmp/mirror" SESAMI_WORK_DIR="$tmp/work" SESAMI_MAX_CLONE_BYTES=3000000 \
	SESAMI_CLONE_TIMEOUT=20 SESAMI_THREADS=1 \
	SQS_QUEUE_URL="$qurl" AWS_REGION=us-east-1 \
	AWS_ENDPOINT_URL="http://127.0.0.1:$fq_port"
slot() {	# slot NAME ARGS...
	local name=$1 n=0 rc
	shift
	while [ ! -e "$tmp/stop" ]; do
		n=$((n + 1))
		"$W" "$@" >>"$tmp/logs/worker-$name.log" 2>&1 &
		echo $! >"$tmp/slot-$name.pid"
		wait $! 2>/dev/null
		rc=$?
		echo "$n $rc" >>"$tmp/logs/exits-$name"
		[ -e "$tmp/stop" ] || sleep 0.5
	done
}
for s in poll1 poll2; do slot "$s" poll --concurrency 2 & bg+=($!); done
for s in local1 local2; do slot "$s" local & bg+=($!); done

# ---- submitters: the PostgREST request shape; retried until acknowledged ----
submitter() {	# submitter ACCOUNT_ID SEED
	local acct=$1 i r id tries
	RANDOM=$2
	for i in $(seq "$per_submitter"); do
		r=${repos[$((RANDOM % ${#repos[@]}))]}
		for tries in $(seq 40); do
			id=$(psql -X -qAt -v ON_ERROR_STOP=1 -d "$db" -c "BEGIN" \
				-c "SELECT set_config('request.jwt.claims', '{\"sub\": \"$acct\", \"role\": \"sesami_user\"}', true) IS NULL" \
				-c "SET LOCAL ROLE sesami_user" -c "SELECT id FROM api.submit_analysis('https://github.com/chaos/$r')" \
				-c "COMMIT" 2>/dev/null | tail -1)
			[ -n "$id" ] && break
			sleep 0.5
		done
		echo "$id $r" >>"$tmp/acks/$acct"
		sleep "0.$((RANDOM % 10))"
		[ $((RANDOM % 6)) = 0 ] && sleep 2
	done
}
subs=()
for u in $(seq "$submitters"); do submitter "$u" $((seed + u)) & subs+=($!); bg+=($!); done

# ---- faults ----
pg_crash() {
	count pg_crash; log "fault: PostgreSQL stopped with -m immediate"
	pgc_stop immediate
	sleep "$((RANDOM % 3)).$((RANDOM % 10))"
	pgc_as_owner "$PGC_BIN/pg_ctl" -D "$PGC_DIR/data" -l "$PGC_DIR/server.log" -w -t 60 start >/dev/null ||
		{ echo "not ok - chaos: PostgreSQL restarts"; failed=1; }
}
sqs_outage() {
	local len=$((outage[0] + RANDOM % (outage[1] - outage[0] + 1)))
	count sqs_outage; log "fault: SQS emulator down for $len s (its queue is lost)"
	kill -KILL "$fq_pid"; wait "$fq_pid" 2>/dev/null
	sleep "$len"
	start_sqs || { echo "not ok - chaos: the emulator restarts"; failed=1; }
}
kill_worker() {
	local row wid stage pid kind
	row=$(q "SELECT worker_id || ' ' || coalesce(stage, '') FROM sesami.jobs WHERE status = 'processing' ORDER BY random() LIMIT 1" 2>/dev/null)
	[ -n "$row" ] || return 0
	read -r wid stage <<<"$row"
	pid=${wid##*-}
	[ -n "$pid" ] && [ -e "/proc/$pid" ] && grep -q "$W" "/proc/$pid/cmdline" 2>/dev/null || return 0
	case $stage in clone) kind=kill_clone ;; blame) kind=kill_blame ;; *) kind=kill_other ;; esac
	count "$kind"; log "fault: SIGKILL worker $pid in stage '$stage'"
	kill -KILL "$pid"
}
duplicate() {
	local row id att body
	row=$(q "SELECT id || ' ' || attempt FROM sesami.jobs WHERE status <> 'pending' ORDER BY random() LIMIT 1" 2>/dev/null)
	[ -n "$row" ] || return 0
	read -r id att <<<"$row"
	[ $((RANDOM % 2)) = 0 ] && [ "$att" -gt 0 ] && att=$((att - 1))
	body=$($PY -c 'import json,sys; print(json.dumps(json.dumps({"v": 1, "job_id": int(sys.argv[1]), "attempt": int(sys.argv[2])})))' "$id" "$att")
	sqs SendMessage "{\"QueueUrl\":\"$qurl\",\"MessageBody\":$body}" | grep -q MessageId && count duplicate
}
poison() {
	local bodies=('"garbage"' '"{\"job_id\": 99999999, \"attempt\": 0}"' '"{\"job_id\": -3, \"attempt\": 0}"'
		'"{\"job_id\": \"7\"}"' '"[]"' '"{\"v\": 1, \"job_id\": 1, \"attempt\": 2147483647}"' '"\u00ff\u0000"')
	sqs SendMessage "{\"QueueUrl\":\"$qurl\",\"MessageBody\":${bodies[$((RANDOM % ${#bodies[@]}))]}}" |
		grep -q MessageId && count poison
}

log "seed $seed: $submitters submitters x $per_submitter submits, faults for $fault_seconds s"
t_end=$(($(date +%s) + fault_seconds))
while [ "$(date +%s)" -lt "$t_end" ]; do
	sleep "$((1 + RANDOM % 4)).$((RANDOM % 10))"
	case $((RANDOM % 10)) in
	0 | 1) pg_crash ;;
	2) sqs_outage ;;
	3 | 4 | 5) kill_worker ;;
	6 | 7) duplicate ;;
	*) poison ;;
	esac
done
log "faults stop; waiting for the submitters"
for p in "${subs[@]}"; do wait "$p"; done

# ---- drain: every job terminal ----
log "draining (up to $drain s)"
deadline=$(($(date +%s) + drain))
until [ "$(q "SELECT count(*) FROM sesami.jobs WHERE status NOT IN ('completed', 'failed', 'cancelled')" 2>/dev/null)" = 0 ] ||
	[ "$(date +%s)" -ge "$deadline" ]; do sleep 1; done
[ "$(date +%s)" -lt "$deadline" ] ||
	log "still active: $(q "SELECT string_agg(id || ':' || status || ':' || attempt, ' ') FROM sesami.jobs WHERE status NOT IN ('completed', 'failed', 'cancelled')")"
touch "$tmp/stop"
for s in poll1 poll2 local1 local2; do kill -TERM "$(cat "$tmp/slot-$s.pid")" 2>/dev/null; done
for p in "${bg[@]}"; do wait "$p" 2>/dev/null; done
bg=()
sleep 1

# ---- checks ----
jobs=$(q "SELECT count(*) FROM sesami.jobs")
cat "$tmp"/acks/* | awk '$1 != ""' | sort -u >"$tmp/acked"
unacked=$(cat "$tmp"/acks/* | awk '$1 == ""' | wc -l)
missing=0
while read -r id _; do
	[ "$(q "SELECT count(*) FROM sesami.jobs WHERE id = $id")" = 1 ] || missing=$((missing + 1))
done <"$tmp/acked"
same "every acknowledged submit is a job ($(wc -l <"$tmp/acked") acknowledged ids, $unacked never acknowledged)" "$missing" 0
active=$(q "SELECT count(*) FROM sesami.jobs WHERE status NOT IN ('completed', 'failed', 'cancelled')")
same "every job is terminal ($jobs jobs)" "$active" 0
same "exactly one result per completed job, none for any other" \
	"$(q "SELECT count(*) FROM sesami.jobs j WHERE (j.status = 'completed') <> EXISTS (SELECT FROM sesami.results r WHERE r.job_id = j.id)")/$(q "SELECT count(*) FROM (SELECT job_id FROM sesami.results GROUP BY job_id HAVING count(*) > 1) d")" "0/0"
same "attempts stay within max_attempts" "$(q "SELECT count(*) FROM sesami.jobs WHERE attempt > max_attempts")" 0
same "every audit trail is a chain of legal transitions from the first status to the job's status" "$(q "
	WITH e AS (SELECT job_id, from_status::text AS f, to_status::text AS t,
	                  lag(to_status::text) OVER (PARTITION BY job_id ORDER BY id) AS prev,
	                  row_number() OVER (PARTITION BY job_id ORDER BY id DESC) AS back
	             FROM sesami.job_events)
	SELECT count(*) FROM e JOIN sesami.jobs j ON j.id = e.job_id
	 WHERE (e.prev IS NULL AND e.f IS NOT NULL)
	    OR (e.prev IS NOT NULL AND e.f IS DISTINCT FROM e.prev)
	    OR (e.f IS NOT NULL AND NOT EXISTS (SELECT FROM sesami.job_transitions() x WHERE x.from_status = e.f AND x.to_status = e.t))
	    OR (e.back = 1 AND e.t <> j.status::text)")" 0
same "every job has an audit trail" "$(q "SELECT count(*) FROM sesami.jobs j WHERE NOT EXISTS (SELECT FROM sesami.job_events e WHERE e.job_id = j.id)")" 0
outbox=$(q "SELECT count(*) FROM sesami.outbox")
parked=$(q "SELECT count(*) FROM sesami.outbox WHERE parked_at IS NOT NULL AND last_error IS NOT NULL")
same "the outbox is empty (or holds only parked rows with their error)" "$outbox" "$parked"
same "no job was parked by the SQS outages" "$parked" 0
same "the repositories meant to succeed completed, the missing and too-big ones failed" \
	"$(q "SELECT count(*) FROM sesami.jobs WHERE status = 'completed' AND (repo_name IN ('missing', 'huge'))")/$(q "SELECT count(*) FROM sesami.jobs WHERE status = 'failed' AND repo_name NOT IN ('missing', 'huge')")" "0/0"
same "a job over the clone limit fails with the limit in its error" \
	"$(q "SELECT count(*) FROM sesami.jobs WHERE repo_name = 'huge' AND status = 'failed' AND error NOT LIKE '%exceeds the clone limits%'")" 0

# results equal sesami-worker analyze of the same repository
# (every account's e-mail is ada@example.com, so the user's marks are compared too)
for r in "${good[@]}"; do
	"$W" analyze "$mirror/$r.git" --json --threads 1 --author ada@example.com >"$tmp/expect-$r.json" 2>/dev/null
done
q "SELECT regexp_replace(j.repo_name, '-[0-9]+$', '') || ' ' || r.result::text FROM sesami.results r JOIN sesami.jobs j ON j.id = r.job_id" >"$tmp/results.txt"
if $PY - "$tmp" >"$tmp/compare.txt" <<'PYEOF'
import json, sys
tmp = sys.argv[1]
def core(d):
    repo = dict(d["repo"])
    for k in ("path", "url", "full_name"):    # where it was read from, not what was found
        repo.pop(k, None)
    return json.dumps([repo, d["authors"], d["files"], d["languages"], d["stack"]], sort_keys=True)
want = {}
bad = n = 0
for line in open(tmp + "/results.txt"):
    name, doc = line.split(" ", 1)
    if name not in want:
        want[name] = core(json.load(open("%s/expect-%s.json" % (tmp, name))))
    n += 1
    if core(json.loads(doc)) != want[name]:
        bad += 1
        print("differs: %s" % name)
print("%d results compared" % n)
sys.exit(1 if bad else 0)
PYEOF
then ok "every result equals sesami-worker analyze of its repository ($(tail -1 "$tmp/compare.txt"))"
else notok "every result equals sesami-worker analyze of its repository"; sed 's/^/# /' "$tmp/compare.txt" | head; fi

same "no worker or clone process is left" "$(pgrep -f "^$W|_clone .*$tmp/" | wc -l)" 0
same "no run directory is left" "$(find "$tmp/work" -mindepth 1 -maxdepth 1 | wc -l)" 0
crashes=$(grep -cE 'terminated by signal|PANIC|was terminated by exception' "$PGC_DIR/server.log")
same "no crash in the server log" "$crashes" 0
grep -E 'terminated by signal|PANIC' "$PGC_DIR/server.log" | head -5 | sed 's/^/# /'
# Exit codes of the workers: 137 is our SIGKILL; a crash is any other signal.
wcrash=$(cat "$tmp"/logs/exits-* 2>/dev/null | awk '$2 > 128 && $2 != 137 && $2 != 143' | wc -l)
same "no worker crashed (exits by a signal other than the injected SIGKILL)" "$wcrash" 0
san=$(grep -lE 'AddressSanitizer|runtime error:|LeakSanitizer' "$tmp"/logs/worker-*.log 2>/dev/null | wc -l)
same "no sanitizer report in the workers' logs" "$san" 0

fenced=$(cat "$tmp"/logs/worker-*.log | grep -cE 'a duplicate or stale message|is not claimable|result not stored|stale attempt|is stale')
retries=$(q "SELECT coalesce(sum(greatest(attempt - 1, 0)), 0) FROM sesami.jobs")
lost=$((missing + active))
faults=""
for k in pg_crash sqs_outage kill_clone kill_blame kill_other duplicate poison; do
	faults="$faults $k=$(cat "$tmp/faults.$k" 2>/dev/null || echo 0)"
done
echo "chaos: seed=$seed jobs=$jobs completed=$(q "SELECT count(*) FROM sesami.jobs WHERE status = 'completed'") failed=$(q "SELECT count(*) FROM sesami.jobs WHERE status = 'failed'") faults:$faults duplicates_fenced=$fenced retries=$retries parked=$parked lost=$lost"
exit $failed
