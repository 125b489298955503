#!/usr/bin/env bash
# worker.test.sh — sesami-worker's database modes end to end against the
# cluster scripts/test.sh started: local (LISTEN/NOTIFY + SKIP LOCKED claims),
# batch (SQS_MESSAGE_BODY, exit codes), poll (the fauxqs SQS emulator), with
# repositories served from a local mirror (SESAMI_MIRROR_DIR; no network).
# Checks results against `git blame`, progress, fencing, cancellation, clone
# failures and limits, sealed tokens.  Prints "ok - ..." / "not ok - ...".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
source test/lib.sh
W="$root/worker/sesami-worker"
db=sesami_worker_test
tmp=$(mktemp -d /tmp/sesami-wtest.XXXXXX)
chmod 755 "$tmp"
pids=()
failed=0
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	dropdb --if-exists "$db" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
q() { psql -X -qAt -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
# submit ACCOUNT_ID URL -> job id, the PostgREST way
submit() {
	psql -X -qAt -v ON_ERROR_STOP=1 -d "$db" -c "BEGIN" \
		-c "SELECT set_config('request.jwt.claims', '{\"sub\": \"$1\"}', true) IS NULL" \
		-c "SET LOCAL ROLE sesami_user" -c "SELECT id FROM api.submit_analysis('$2')" -c "COMMIT" | tail -1
}
export DATABASE_URL="host=$PGHOST port=$PGPORT user=${PGUSER:-postgres} dbname=$db"
export SESAMI_MIRROR_DIR="$tmp/mirror" SESAMI_WORK_DIR="$tmp/work"

# ---- fixtures: repositories with known authors, served from the mirror ----
mkrepo() {	# mkrepo NAME: a small history by ada and bob (bob's commits as his noreply address)
	local d="$tmp/src/$1"
	mkdir -p "$d" && git -C "$d" -c init.defaultBranch=main init -q
	commit() {	# commit WHO EMAIL DATE MESSAGE
		GIT_AUTHOR_NAME=$1 GIT_AUTHOR_EMAIL=$2 GIT_AUTHOR_DATE="$3" \
		GIT_COMMITTER_NAME=$1 GIT_COMMITTER_EMAIL=$2 GIT_COMMITTER_DATE="$3" \
			git -C "$d" commit -q -m "$4"
	}
	printf 'int main(void)\n{\n\treturn 0;\n}\n' >"$d/main.c"
	printf 'print("hi")\nprint("there")\n' >"$d/tool.py"
	git -C "$d" add -A && commit Ada ada@example.com "2024-01-01T10:00:00Z" one
	printf '# widgets\n\nA library.\nMore text.\n' >"$d/README.md"
	printf 'int main(void)\n{\n\tputs("x");\n\treturn 1;\n}\n' >"$d/main.c"
	git -C "$d" add -A && commit Bob 4242+bob@users.noreply.github.com "2024-02-01T10:00:00Z" two
	printf 'print("hi")\nprint("everyone")\nprint("bye")\n' >"$d/tool.py"
	git -C "$d" add -A && commit Ada ada@example.com "2024-03-01T10:00:00Z" three
	mkdir -p "$tmp/mirror/github.com/acme"
	git clone -q --bare "$d" "$tmp/mirror/github.com/acme/$1.git"
}
mkrepo widgets
mkrepo gadgets
# a bigger history, so progress can be watched while the worker runs
$PY - "$tmp/src/big" <<'PYEOF'
import os, subprocess, sys
d = sys.argv[1]; os.makedirs(d)
subprocess.run(["git", "-C", d, "-c", "init.defaultBranch=main", "init", "-q"], check=True)
out = []
files = {}
for c in range(1, 1201):
    who = ["ada", "bob", "cy"][c % 3]
    f = "src/f%02d.c" % (c % 40)
    lines = files.setdefault(f, [])
    lines.insert((c * 7) % (len(lines) + 1), "line %d by %s" % (c, who))
    if len(lines) > 30 and c % 5 == 0:
        del lines[(c * 3) % len(lines)]
    data = ("\n".join(lines) + "\n").encode()
    t = 1700000000 + c * 3600
    msg = b"c%d\n" % c
    out.append(b"commit refs/heads/main\n")
    out.append(b"author %s <%s@example.com> %d +0000\n" % (who.encode(), who.encode(), t))
    out.append(b"committer %s <%s@example.com> %d +0000\n" % (who.encode(), who.encode(), t))
    out.append(b"data %d\n%s" % (len(msg), msg))
    out.append(b"M 100644 inline %s\ndata %d\n%s\n" % (f.encode(), len(data), data))
subprocess.run(["git", "-C", d, "fast-import", "--quiet"], input=b"".join(out), check=True)
PYEOF
git clone -q --bare "$tmp/src/big" "$tmp/mirror/github.com/acme/big.git"

# surviving lines per author e-mail at HEAD, as git blame counts them
blame_lines() {	# blame_lines SRC EMAIL
	git -C "$1" ls-files | while read -r f; do git -C "$1" blame --line-porcelain -- "$f"; done |
		grep -c "^author-mail <$2>$"
}

dropdb --if-exists "$db" 2>/dev/null
createdb "$db" || { notok "database"; exit 1; }
q "CREATE EXTENSION sesami" >/dev/null
q "INSERT INTO sesami.accounts (github_id, login, emails) VALUES (4242, 'bob', '{bob@example.com}'), (7, 'ada', '{ada@example.com}')" >/dev/null

# ---- local mode end to end ----
j1=$(submit 1 https://github.com/acme/widgets)
"$W" local --once >"$tmp/local1.log" 2>&1
same "local mode: sesami-worker local --once exits 0" "$?" 0
same "the job is completed" "$(q "SELECT status FROM sesami.jobs WHERE id = $j1")" completed
res=$(psql -X -qAt -d "$db" -c "BEGIN" -c "SELECT set_config('request.jwt.claims', '{\"sub\": \"1\"}', true) IS NULL" -c "SET LOCAL ROLE sesami_user" -c "SELECT api.job_result($j1)" -c "COMMIT" | sed -n 2p)
echo "$res" >"$tmp/result1.json"
same "the result is a sesami.analysis/2 document for the repository" \
	"$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["schema"], d["repo"]["url"], d["job"]["id"])' "$tmp/result1.json")" \
	"sesami.analysis/2 https://github.com/acme/widgets $j1"
same "the user's surviving lines (matched through the GitHub noreply address) equal git blame's" \
	"$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["user"]["blame_lines"])' "$tmp/result1.json")" \
	"$(blame_lines "$tmp/src/widgets" 4242+bob@users.noreply.github.com)"
same "the user's code lines leave out README.md (documentation, counted apart)" \
	"$($PY -c 'import json,sys; u=json.load(open(sys.argv[1]))["user"]; print(u["lines"] + u["doc_lines"] == u["blame_lines"], u["doc_lines"])' "$tmp/result1.json")" \
	"True $(wc -l <"$tmp/src/widgets/README.md")"
same "every author's blame_lines equal git blame's" \
	"$($PY -c 'import json,sys; print(" ".join("%s=%d" % (a["email"], a["blame_lines"]) for a in sorted(json.load(open(sys.argv[1]))["authors"], key=lambda a: a["email"])))' "$tmp/result1.json")" \
	"4242+bob@users.noreply.github.com=$(blame_lines "$tmp/src/widgets" 4242+bob@users.noreply.github.com) ada@example.com=$(blame_lines "$tmp/src/widgets" ada@example.com)"
same "the result splits the user's lines by language, summing to their total" \
	"$($PY -c 'import json,sys; u=json.load(open(sys.argv[1]))["user"]; print(sum(l["lines"] for l in u["by_language"]) == u["lines"], sorted(l["language"] for l in u["by_language"]))' "$tmp/result1.json")" \
	"True ['C']"
same "and carries languages and the tech stack" \
	"$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sorted(l["name"] for l in d["languages"]["languages"]), "technologies" in d["stack"])' "$tmp/result1.json")" \
	"['C', 'Python'] True"
same "the audit trail shows the worker's claim and completion" \
	"$(q "SELECT string_agg(coalesce(from_status::text, '-') || '>' || to_status, ' ' ORDER BY id) FROM sesami.job_events WHERE job_id = $j1")" \
	"->queued queued>processing processing>completed"
same "the run directory is removed" "$(find "$tmp/work" -mindepth 1 -maxdepth 1 | wc -l)" 0

# ---- progress is visible while the worker runs ----
j2=$(submit 2 https://github.com/acme/big)
"$W" local --once --threads 1 >"$tmp/local2.log" 2>&1 &
wpid=$!
: >"$tmp/progress"
# sample with psql's binary (Debian's wrapper starts Perl each time, too slow to
# see a stage that lasts a fraction of a second)
psql_bin="$(${PG_CONFIG:-pg_config} --bindir)/psql"
while kill -0 "$wpid" 2>/dev/null; do
	"$psql_bin" -X -qAt -d "$db" -c "SELECT status || ' ' || progress || ' ' || coalesce(stage, '') FROM sesami.jobs WHERE id = $j2" >>"$tmp/progress" 2>/dev/null
	sleep 0.01
done
wait "$wpid"
if awk '$1 == "processing" && $2 > 0 && $2 < 1 { found = 1 } END { exit !found }' "$tmp/progress"; then
	ok "progress between 0 and 1 is visible while the job runs ($(awk '$1 == "processing" {print $3}' "$tmp/progress" | sort -u | tr '\n' ' '))"
else
	notok "progress between 0 and 1 is visible while the job runs"; sed 's/^/# /' "$tmp/progress" | sort -u | head
fi
same "the big job completes" "$(q "SELECT status || ' ' || progress FROM sesami.jobs WHERE id = $j2")" "completed 1"

# ---- file names that are not UTF-8: the result is still valid JSON for jsonb ----
d="$tmp/src/latin1"
mkdir -p "$d" && git -C "$d" -c init.defaultBranch=main init -q
printf 'int f(void)\n{\n\treturn 1;\n}\n' >"$d/caf$(printf '\351').c"
printf 'notes\n' >"$d/caf$(printf '\351').txt"
git -C "$d" add -A
GIT_AUTHOR_NAME=Bob GIT_AUTHOR_EMAIL=bob@example.com GIT_COMMITTER_NAME=Bob GIT_COMMITTER_EMAIL=bob@example.com \
	git -C "$d" commit -q -m latin1
git clone -q --bare "$d" "$tmp/mirror/github.com/acme/latin1.git"
j10=$(submit 1 https://github.com/acme/latin1)
"$W" local --once >"$tmp/latin1.log" 2>&1
same "a repository with non-UTF-8 file names completes (its result stored as jsonb)" \
	"$(q "SELECT status FROM sesami.jobs WHERE id = $j10")" completed
same "and such a file counts under its language, its bytes kept in path_hex" \
	"$(q "SELECT (r.result -> 'user' -> 'by_language' -> 0 ->> 'language') || ' ' || (SELECT f ->> 'path_hex' FROM jsonb_array_elements(r.result -> 'files') f WHERE f ->> 'path' LIKE 'caf%.c') FROM sesami.results r WHERE r.job_id = $j10")" \
	"C 636166e92e63"

# ---- failures are recorded, the worker keeps going ----
j3=$(submit 1 https://github.com/acme/not-mirrored-and-unreachable)
j4=$(submit 1 https://github.com/acme/gadgets)
SESAMI_CLONE_TIMEOUT=20 "$W" local --once >"$tmp/local3.log" 2>&1
same "an unreachable repository fails after its attempts, with the clone error" \
	"$(q "SELECT status || ' ' || attempt || ' ' || (error LIKE 'could not clone the repository%') FROM sesami.jobs WHERE id = $j3")" "failed 3 true"
same "the worker kept running and completed the next job" "$(q "SELECT status FROM sesami.jobs WHERE id = $j4")" completed
j5=$(submit 2 https://github.com/acme/widgets)
SESAMI_MAX_CLONE_BYTES=200 "$W" local --once >"$tmp/local4.log" 2>&1
same "a repository over the clone limit fails for good, with the limit in the error" \
	"$(q "SELECT status || ' ' || attempt || ' ' || (error LIKE '%exceeds the clone limits%') FROM sesami.jobs WHERE id = $j5")" "failed 1 true"
SESAMI_MAX_CLONE_BYTES=200 "$W" analyze https://github.com/acme/big >/dev/null 2>"$tmp/analyze-limit.err"
same "analyze URL honours the same clone limits (exit 1, the limit in the error)" \
	"$?/$(grep -c 'exceeds the clone limits' "$tmp/analyze-limit.err")" "1/1"

j5b=$(submit 2 https://github.com/acme/gadgets)
SESAMI_MAX_FILES=2 "$W" local --once >"$tmp/local5.log" 2>&1
same "a repository with more files than SESAMI_MAX_FILES fails for good, saying so" \
	"$(q "SELECT status || ' ' || (error LIKE 'repository has more than 2 files%') FROM sesami.jobs WHERE id = $j5b")" "failed true"
j5c=$(submit 1 https://github.com/acme/widgets)
SESAMI_MAX_FILE_BYTES=40 "$W" local --once >"$tmp/local6.log" 2>&1
same "files over SESAMI_MAX_FILE_BYTES are skipped and listed, the job completes" \
	"$(q "SELECT j.status || ' ' || (SELECT count(*) FROM jsonb_array_elements(r.result -> 'stats' -> 'skipped') s WHERE s ->> 'reason' = 'too large') FROM sesami.jobs j JOIN sesami.results r ON r.job_id = j.id WHERE j.id = $j5c")" "completed 2"

# ---- the analysis runs in a child under SESAMI_MAX_ANALYSIS_BYTES ----
# (not under SANITIZE=1: ASan needs more address space than any such limit)
if [ "${SANITIZE:-0}" != 1 ]; then
j5d=$(submit 1 https://github.com/acme/big)
SESAMI_MAX_ANALYSIS_BYTES=$((48 << 20)) "$W" local --once >"$tmp/analysis-limit.log" 2>&1
same "an analysis over SESAMI_MAX_ANALYSIS_BYTES fails the job for good, saying so; the worker goes on (exit 0)" \
	"$?/$(q "SELECT status || ' ' || attempt || ' ' || (error LIKE '%SESAMI_MAX_ANALYSIS_BYTES%') FROM sesami.jobs WHERE id = $j5d")" "0/failed 1 true"
same "and no run directory is left behind" "$(find "$tmp/work" -mindepth 1 -maxdepth 1 | wc -l)" 0
fi

# ---- a cancelled job is not worked on ----
j6=$(submit 1 https://github.com/acme/big)
psql -X -qAt -d "$db" -c "BEGIN" -c "SELECT set_config('request.jwt.claims', '{\"sub\": \"1\"}', true) IS NULL" -c "SET LOCAL ROLE sesami_user" -c "SELECT status FROM api.cancel_job($j6)" -c "COMMIT" >/dev/null
"$W" local --once >/dev/null 2>&1
same "a job cancelled before a worker got it stays cancelled" "$(q "SELECT status || ' ' || attempt FROM sesami.jobs WHERE id = $j6")" "cancelled 0"

# ---- a clone that stalls: heartbeats go on; cancelling or SIGTERM stops it at once ----
# The mirror's config is a FIFO with no writer: the clone child blocks opening it.
git init -q --bare "$tmp/mirror/github.com/acme/stall.git"
rm "$tmp/mirror/github.com/acme/stall.git/config"
mkfifo "$tmp/mirror/github.com/acme/stall.git/config"
stall_clones() { pgrep -f "sesami-worker _clone $tmp/mirror/github.com/acme/stall.git" | wc -l; }
lease() { q "SELECT extract(epoch FROM lease_expires_at) FROM sesami.jobs WHERE id = $1"; }
j8=$(submit 1 https://github.com/acme/stall)
SESAMI_CLONE_TIMEOUT=30 "$W" local --once >"$tmp/stall1.log" 2>&1 &
wpid=$!
wait_for() { for _ in $(seq 100); do [ "$(q "$1")" = t ] && return 0; sleep 0.1; done; return 1; }
check "a stalled clone: the job is processing in stage clone" \
	wait_for "SELECT status = 'processing' AND stage = 'clone' FROM sesami.jobs WHERE id = $j8"
l1=$(lease "$j8")
sleep 6.5
l2=$(lease "$j8")
check "its heartbeats go on while the clone sends nothing (the lease moves on)" \
	awk -v a="$l1" -v b="$l2" 'BEGIN { exit !(b > a) }'
psql -X -qAt -d "$db" -c "BEGIN" -c "SELECT set_config('request.jwt.claims', '{\"sub\": \"1\"}', true) IS NULL" -c "SET LOCAL ROLE sesami_user" -c "SELECT status FROM api.cancel_job($j8)" -c "COMMIT" >/dev/null
t0=$(date +%s)
wait "$wpid"
check "cancelling it stops the worker within a heartbeat ($(($(date +%s) - t0)) s), the clone process killed" \
	test $(($(date +%s) - t0)) -le 8 -a "$(stall_clones)" = 0
same "the job stays cancelled" "$(q "SELECT status FROM sesami.jobs WHERE id = $j8")" cancelled
j9=$(submit 1 https://github.com/acme/stall)
SESAMI_CLONE_TIMEOUT=30 "$W" local --once >"$tmp/stall2.log" 2>&1 &
wpid=$!
wait_for "SELECT status = 'processing' AND stage = 'clone' FROM sesami.jobs WHERE id = $j9"
sleep 0.5
kill -TERM "$wpid"
t0=$(date +%s)
wait "$wpid"
check "SIGTERM during a stalled clone stops the worker at once ($(($(date +%s) - t0)) s), the clone process killed" \
	test $(($(date +%s) - t0)) -le 3 -a "$(stall_clones)" = 0
same "and the job goes back to the queue, saying why" \
	"$(q "SELECT status || ' ' || (error LIKE '%stopped before the clone finished%') FROM sesami.jobs WHERE id = $j9")" "queued true"
psql -X -qAt -d "$db" -c "BEGIN" -c "SELECT set_config('request.jwt.claims', '{\"sub\": \"1\"}', true) IS NULL" -c "SET LOCAL ROLE sesami_user" -c "SELECT status FROM api.cancel_job($j9)" -c "COMMIT" >/dev/null

# A killed worker takes its clone process with it (PR_SET_PDEATHSIG).
j9b=$(submit 1 https://github.com/acme/stall)
SESAMI_CLONE_TIMEOUT=60 "$W" local --once >"$tmp/stall3.log" 2>&1 &
wpid=$!
wait_for "SELECT status = 'processing' AND stage = 'clone' FROM sesami.jobs WHERE id = $j9b"
sleep 0.5
before=$(stall_clones)
kill -KILL "$wpid"
wait "$wpid" 2>/dev/null
for _ in $(seq 20); do [ "$(stall_clones)" = 0 ] && break; sleep 0.1; done
check "SIGKILL of the worker mid-clone: its clone process ($before before) is gone within 2 s" \
	test "$before" = 1 -a "$(stall_clones)" = 0
for p in $(pgrep -f "sesami-worker _clone $tmp/mirror/github.com/acme/stall.git"); do kill -KILL "$p"; done
q "SELECT worker.fail($j9b, 1, 'released by the test', false)" >/dev/null
# A clone child enforces its own wall-time limit, whoever its parent is (here
# this shell, which never kills it): `_clone SRC DEST BYTES OBJECTS MEMORY TIMEOUT PARENT_PID`.
t0=$(date +%s)
"$W" _clone "$tmp/mirror/github.com/acme/stall.git" "$tmp/stall-direct" 1000000 1000 0 2 $$ </dev/null >/dev/null 2>&1
rc=$?
t1=$(date +%s)
check "a clone child whose parent does not watch it ends by itself at its timeout (exit $rc after $((t1 - t0)) s)" \
	test "$rc" = 142 -a $((t1 - t0)) -ge 1 -a $((t1 - t0)) -le 5
rm -rf "$tmp/stall-direct"
# A clone timeout is a transient fault: the job goes back to the queue.
j9c=$(submit 1 https://github.com/acme/stall)
SESAMI_CLONE_TIMEOUT=2 "$W" local --once >"$tmp/stall4.log" 2>&1
same "a clone timeout is retried (retryable), not failed on the first attempt" \
	"$(q "SELECT status || ' ' || attempt || ' ' || (error LIKE 'clone did not finish within 2 seconds%') FROM sesami.jobs WHERE id = $j9c")/$(q "SELECT count(*) FROM sesami.job_events WHERE job_id = $j9c AND from_status = 'processing' AND to_status = 'queued'")" \
	"failed 3 true/2"

# ---- a GitHub token goes to its own host only ----
$PY test/auth401_double.py "$tmp/auth.port" "$tmp/auth.log" &
pids+=($!)
for _ in $(seq 50); do [ -s "$tmp/auth.port" ] && break; sleep 0.1; done
printf 'ghp_hostcheck' >"$tmp/tok"
: >"$tmp/auth.log"
"$W" _clone "http://127.0.0.1:$(cat "$tmp/auth.port")/acme/private.git" "$tmp/auth-clone" 1000000 1000 0 20 $$ \
	<"$tmp/tok" >"$tmp/auth-clone.out" 2>&1
same "a host other than the token's (SESAMI_GITHUB_HOST, default github.com) answering 401 is not sent the token" \
	"$(grep -c . "$tmp/auth.log")/$(grep -c 'Basic' "$tmp/auth.log")/$(grep -c 'error permanent' "$tmp/auth-clone.out")" "1/0/1"
rm -rf "$tmp/auth-clone"
: >"$tmp/auth.log"
SESAMI_GITHUB_HOST=127.0.0.1 "$W" _clone "http://127.0.0.1:$(cat "$tmp/auth.port")/acme/private.git" "$tmp/auth-clone" \
	1000000 1000 0 20 $$ <"$tmp/tok" >/dev/null 2>&1
same "the token's own host is sent it (once)" \
	"$(grep -c "Basic $(printf 'x-access-token:ghp_hostcheck' | base64)" "$tmp/auth.log")" 1
rm -rf "$tmp/auth-clone"

# ---- batch mode ----
j7=$(submit 2 https://github.com/acme/gadgets)
SQS_MESSAGE_BODY="{\"v\": 1, \"job_id\": $j7, \"attempt\": 0}" "$W" batch >"$tmp/batch1.log" 2>&1
same "batch: the job in SQS_MESSAGE_BODY completes, exit 0" "$?/$(q "SELECT status FROM sesami.jobs WHERE id = $j7")" "0/completed"
before=$(q "SELECT md5(result::text) || created_at FROM sesami.results WHERE job_id = $j7")
SQS_MESSAGE_BODY="{\"v\": 1, \"job_id\": $j7, \"attempt\": 0}" "$W" batch >"$tmp/batch2.log" 2>&1
same "batch: the same message again exits 0 and changes nothing" \
	"$?/$(q "SELECT count(*) FROM sesami.results WHERE job_id = $j7")/$(q "SELECT md5(result::text) || created_at FROM sesami.results WHERE job_id = $j7")" "0/1/$before"
j8=$(submit 1 https://github.com/acme/gadgets)
q "SELECT job_id FROM worker.claim_job($j8, 0, 'other-worker')" >/dev/null
SQS_MESSAGE_BODY="{\"v\": 1, \"job_id\": $j8, \"attempt\": 0}" "$W" batch >"$tmp/batch3.log" 2>&1
same "batch: a stale attempt does not touch a job another worker holds" \
	"$?/$(q "SELECT status || ' ' || attempt || ' ' || worker_id FROM sesami.jobs WHERE id = $j8")" "0/processing 1 other-worker"
q "SELECT worker.fail($j8, 1, 'released by the test', false)" >/dev/null
for body in 'not json' '{"job_id": "7"}' '{"job_id": -1, "attempt": 0}' '[]'; do
	SQS_MESSAGE_BODY="$body" "$W" batch >/dev/null 2>&1
	same "batch: malformed body '$body' exits 0 (not retryable)" "$?" 0
done
SQS_MESSAGE_BODY='{"job_id": 987654, "attempt": 0}' "$W" batch >"$tmp/batch5.log" 2>&1
same "batch: an unknown job exits 0 and says so" "$?/$(grep -c 'does not exist' "$tmp/batch5.log")" "0/1"
DATABASE_URL="host=$PGHOST port=1 dbname=nowhere connect_timeout=2" SQS_MESSAGE_BODY='{"job_id": 1, "attempt": 0}' "$W" batch >/dev/null 2>"$tmp/nodb.log"
same "batch: no database exits 75 so AWS Batch retries" "$?" 75
same "the log has one event per line: libpq's multi-line message is one line" \
	"$(grep -c . "$tmp/nodb.log")/$(grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z sesami-worker: ' "$tmp/nodb.log")" "1/0"
"$W" batch >/dev/null 2>&1
same "batch: no SQS_MESSAGE_BODY is a usage error (exit 2)" "$?" 2

# ---- sealed GitHub tokens ----
cc -O1 -Icommon -o "$tmp/seal_driver" test/seal_driver.c common/seal.c -lcrypto 2>/dev/null || notok "seal driver builds"
"$tmp/seal_driver" keygen >"$tmp/keys" 2>/dev/null
priv=$(sed -n 's/^private //p' "$tmp/keys"); pub=$(sed -n 's/^public //p' "$tmp/keys")
if [ -n "$priv" ] && [ -n "$pub" ]; then
	sealed=$(printf 'ghp_testtoken' | "$tmp/seal_driver" seal key-1 "$pub" 2>/dev/null)
	q "INSERT INTO sesami.github_tokens (account_id, key_id, sealed) VALUES (1, 'key-1', '$sealed'::bytea)" >/dev/null
	j9=$(submit 1 https://github.com/acme/gadgets)
	SESAMI_WORKER_PRIVATE_KEY="$priv" "$W" local --once >"$tmp/token1.log" 2>&1
	same "a job with a sealed token completes when the worker holds the key" "$(q "SELECT status FROM sesami.jobs WHERE id = $j9")" completed
	j10=$(submit 1 https://github.com/acme/widgets)
	other=$("$tmp/seal_driver" keygen 2>/dev/null | sed -n 's/^private //p')
	SESAMI_WORKER_PRIVATE_KEY="$other" "$W" local --once >"$tmp/token2.log" 2>&1
	same "with the wrong key the job fails for good with a clear error" \
		"$(q "SELECT status || ' ' || (error LIKE 'cannot open the account''s GitHub token%') FROM sesami.jobs WHERE id = $j10")" "failed true"
	# a repository on another allowed host: the account's GitHub token is not
	# even opened (a wrong key would fail the job if it were)
	q "ALTER DATABASE $db SET sesami.allowed_repo_hosts = 'github.com, git.example.org'" >/dev/null
	mkdir -p "$tmp/mirror/git.example.org/acme"
	git clone -q --bare "$tmp/src/widgets" "$tmp/mirror/git.example.org/acme/widgets.git"
	j10b=$(submit 1 https://git.example.org/acme/widgets)
	SESAMI_WORKER_PRIVATE_KEY="$other" "$W" local --once >"$tmp/token3.log" 2>&1
	same "a repository on another host than GitHub's is cloned without the account's GitHub token" \
		"$(q "SELECT status FROM sesami.jobs WHERE id = $j10b")" completed
	q "ALTER DATABASE $db RESET sesami.allowed_repo_hosts" >/dev/null
	if grep -q ghp_testtoken "$tmp"/*.log; then notok "the token never reaches the worker's log"; else ok "the token never reaches the worker's log"; fi
	q "DELETE FROM sesami.github_tokens" >/dev/null
else
	notok "seal driver makes a key pair"
fi

# ---- configuration from Secrets Manager (a loopback double; no emulator exists) ----
arn="arn:aws:secretsmanager:eu-west-1:123456789012:secret:sesami/worker-AbCdEf"
printf '{"DATABASE_URL": "%s", "lower_case": "ignored", "NUMBER": 5}' "$DATABASE_URL" >"$tmp/secret.json"
$PY test/secretsmanager_double.py "$tmp/sm.port" smsecret eu-west-1 "$arn" "$tmp/secret.json" >"$tmp/sm.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -s "$tmp/sm.port" ] && break; sleep 0.1; done
sm_env=(AWS_ACCESS_KEY_ID=AKIDSM AWS_SECRET_ACCESS_KEY=smsecret AWS_EC2_METADATA_DISABLED=true
	AWS_REGION=eu-west-1 AWS_ENDPOINT_URL_SECRETS_MANAGER="http://127.0.0.1:$(cat "$tmp/sm.port")")
j12=$(submit 2 https://github.com/acme/gadgets)
env -u DATABASE_URL "${sm_env[@]}" SESAMI_SECRET_ARN="$arn" "$W" local --once >"$tmp/sm1.log" 2>&1
same "DATABASE_URL read from Secrets Manager (signature checked by botocore): the job completes" \
	"$?/$(q "SELECT status FROM sesami.jobs WHERE id = $j12")/$(grep -c 'read 1 setting' "$tmp/sm1.log")" "0/completed/1"
env -u DATABASE_URL "${sm_env[@]}" AWS_SECRET_ACCESS_KEY=wrong SESAMI_SECRET_ARN="$arn" "$W" local --once >"$tmp/sm2.log" 2>&1
same "a request the service rejects stops the worker with its error (exit 75)" \
	"$?/$(grep -c 'InvalidSignatureException' "$tmp/sm2.log")" "75/1"
env -u DATABASE_URL "${sm_env[@]}" SESAMI_SECRET_ARN="${arn}x" "$W" local --once >"$tmp/sm3.log" 2>&1
same "an unknown secret says so (exit 75)" "$?/$(grep -c 'ResourceNotFoundException' "$tmp/sm3.log")" "75/1"
if grep -q "password\|$PGHOST" "$tmp"/sm*.log; then notok "secret values never reach the log"; else ok "secret values never reach the log"; fi

# ---- a database restart while a job runs: the worker reconnects and writes back ----
# The gate repository's config is a FIFO: its clone waits until the test feeds
# it, so the database is down before the clone, analysis and write-back run.
source scripts/pgcluster.sh
git clone -q --bare "$tmp/src/widgets" "$tmp/mirror/github.com/acme/gate.git"
rm "$tmp/mirror/github.com/acme/gate.git/config"
mkfifo "$tmp/mirror/github.com/acme/gate.git/config"
j13=$(submit 2 https://github.com/acme/gate)
"$W" local --once >"$tmp/restart.log" 2>&1 &
wpid=$!
wait_for "SELECT status = 'processing' AND stage = 'clone' FROM sesami.jobs WHERE id = $j13"
t0=$(date +%s)
# The test cluster runs with synchronous_commit = off: flush the WAL first, or
# the crash may take the just-committed job with it (as it could not in production).
q "CHECKPOINT" >/dev/null
pgc_as_owner "$PGC_BIN/pg_ctl" -D "$PGC_DIR/data" -m immediate -w stop >/dev/null 2>&1
# (a reader that closes early must not end the feeder with SIGPIPE)
( trap '' PIPE; while :; do printf '[core]\n\trepositoryformatversion = 0\n\tbare = true\n' \
	>"$tmp/mirror/github.com/acme/gate.git/config" 2>/dev/null; done ) &
feeder=$!
# keep the database down until the worker has the result in hand and fails to store it
for _ in $(seq 300); do grep -q 'could not store the result' "$tmp/restart.log" && break; sleep 0.1; done
pgc_as_owner "$PGC_BIN/pg_ctl" -D "$PGC_DIR/data" -l "$PGC_DIR/server.log" -w -t 120 start >/dev/null
wait "$wpid"
# (on a loaded machine recovery may outlast pg_ctl's wait: read only once it answers)
for _ in $(seq 600); do q "SELECT 1" >/dev/null 2>&1 && break; sleep 0.1; done
t1=$(date +%s)
kill "$feeder" 2>/dev/null
wait "$feeder" 2>/dev/null
check "the worker tried to store the result while the database was down" grep -q 'could not store the result' "$tmp/restart.log"
same "after the restart the same attempt completes the job within $((t1 - t0)) s (no wait for the 300 s lease)" \
	"$(q "SELECT status || ' ' || attempt FROM sesami.jobs WHERE id = $j13")/$([ $((t1 - t0)) -le 60 ] && echo fast)" "completed 1/fast"

# ---- poll mode against the SQS emulator ----
fq_port=$(free_port)
start_fauxqs "$tmp/fauxqs.log" || notok "fauxqs emulator starts"
pids+=("$fq_pid")
qurl=$(sqs CreateQueue '{"QueueName":"work"}' | $PY -c 'import json,sys; print(json.load(sys.stdin)["QueueUrl"])')
j11=$(submit 2 https://github.com/acme/widgets)
msg=$($PY -c 'import json,sys; print(json.dumps(json.dumps({"v": 1, "job_id": int(sys.argv[1]), "attempt": 0})))' "$j11")
sqs SendMessage "{\"QueueUrl\":\"$qurl\",\"MessageBody\":$msg}" >/dev/null
sqs SendMessage "{\"QueueUrl\":\"$qurl\",\"MessageBody\":$msg}" >/dev/null
sqs SendMessage "{\"QueueUrl\":\"$qurl\",\"MessageBody\":\"garbage\"}" >/dev/null
AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret AWS_EC2_METADATA_DISABLED=true \
	SQS_QUEUE_URL="$qurl" AWS_REGION=us-east-1 AWS_ENDPOINT_URL="http://127.0.0.1:$fq_port" \
	"$W" poll --concurrency 2 >"$tmp/poll.log" 2>&1 &
ppid_=$!
pids+=("$ppid_")
wait_sql "SELECT status = 'completed' FROM sesami.jobs WHERE id = $j11" 30 &&
	ok "poll: the message's job completes" || notok "poll: the message's job completes"
same "poll: the same message twice gives one result" "$(q "SELECT count(*) FROM sesami.results WHERE job_id = $j11")" 1
left=""
for _ in $(seq 50); do
	left=$(sqs GetQueueAttributes "{\"QueueUrl\":\"$qurl\",\"AttributeNames\":[\"All\"]}" | $PY -c 'import json,sys; a=json.load(sys.stdin)["Attributes"]; print(a["ApproximateNumberOfMessages"], a["ApproximateNumberOfMessagesNotVisible"])')
	[ "$left" = "0 0" ] && break
	sleep 0.2
done
same "poll: every message is deleted (the duplicate and the garbage too)" "$left" "0 0"
kill -TERM "$ppid_"
wait "$ppid_"
same "poll: SIGTERM stops the worker cleanly (exit 0)" "$?" 0
exit $failed
