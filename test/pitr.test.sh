#!/usr/bin/env bash
# pitr.test.sh — point-in-time recovery with pgBackRest, configured exactly as
# the AWS PostgreSQL host configures it.
#
# The pgbackrest.conf and the archiving settings come from the generator the
# host's boot script runs (terraform/modules/postgres_host/files/
# pgbackrest-conf.sh), with the repository switched from s3 to a local posix
# directory; restores go through the same restore script the host's
# sesami-restore runs.  On a private cluster with sesami preloaded:
#   1. stanza-create, check (archive_command works), a full backup over jobs A;
#   2. more jobs B completed with results and a sealed token replaced, time T;
#   3. jobs C and another token after T, WAL archived;
#   4. restore to T: A and B come back exactly (jobs, results, audit rows,
#      sealed tokens), C does not; the server is writable on a new timeline;
#   5. restore to the backup set: only A;
#   6. the host's metrics exporter reads sesami.stats from the restored server.
# pgBackRest runs as the cluster owner (postgres) when this runs as root.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
source test/lib.sh
source scripts/pgcluster.sh
failed=0
files=terraform/modules/postgres_host/files

if ! command -v pgbackrest >/dev/null; then
	notok "pgbackrest is installed (apt-get install pgbackrest; it is in scripts/debian-packages.txt)"
	exit 1
fi

tmp=$(mktemp -d /tmp/sesami-pitr.XXXXXX)
chmod 755 "$tmp"
cleanup() { pgc_stop immediate; rm -rf "$tmp"; }
trap cleanup EXIT
port=$(free_port)
conf=$tmp/pgbackrest.conf
mkdir -p "$tmp/repo" "$tmp/lock"
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$tmp/repo" "$tmp/lock"
# Where pgBackRest keeps its lock files, for every pgbackrest the test or
# archive_command starts (the server inherits this environment).
export PGBACKREST_LOCK_PATH=$tmp/lock
br() { pgc_as_owner pgbackrest --config="$conf" --stanza=sesami "$@"; }

# The host's generator, repository switched to posix.
gen_args=(--stanza sesami --pg-path "$tmp/pg/data" --pg-port "$port" --pg-socket "$tmp/pg/sock"
	--repo-type posix --repo-path "$tmp/repo" --retention-full 2 --retention-diff 3 --config "$conf")
if bash "$files/pgbackrest-conf.sh" pgbackrest "${gen_args[@]}" >"$conf" &&
	bash "$files/pgbackrest-conf.sh" postgresql "${gen_args[@]}" >"$tmp/archive.conf"; then
	ok "pgbackrest-conf.sh writes pgbackrest.conf and the archiving settings"
else
	notok "pgbackrest-conf.sh writes pgbackrest.conf and the archiving settings"
	exit 1
fi
chmod 644 "$conf"
grep -qx 'repo1-type=posix' "$conf" && grep -qx 'repo1-retention-full=2' "$conf" &&
	grep -qx "archive_mode = 'on'" "$tmp/archive.conf" && ok "generated configuration has the posix repository, retention and archive_mode" ||
	notok "generated configuration has the posix repository, retention and archive_mode"
s3=$(bash "$files/pgbackrest-conf.sh" pgbackrest --s3-bucket b-1 --s3-region eu-west-1)
if grep -qx 'repo1-type=s3' <<<"$s3" && grep -qx 'repo1-s3-key-type=auto' <<<"$s3" && ! grep -qi 'key-secret' <<<"$s3"; then
	ok "the host's s3 variant uses the instance role and holds no key"
else
	notok "the host's s3 variant uses the instance role and holds no key"
fi
if bash "$files/pgbackrest-conf.sh" pgbackrest --repo-type s3 >/dev/null 2>&1; then
	notok "an s3 repository without a bucket is refused"
else
	ok "an s3 repository without a bucket is refused"
fi

mapfile -t archive_lines <"$tmp/archive.conf"
pgc_start "$tmp/pg" "$port" "${archive_lines[@]}" || { notok "cluster starts with the archiving settings"; exit 1; }
ok "cluster with sesami preloaded starts with the generated archiving settings"
q() { psql -X -qAt -v ON_ERROR_STOP=1 -d sesami -c "$1"; }

# brq WHAT ARGS...: a pgbackrest command as one check, its output shown on failure
brq() {
	local what=$1
	shift
	if br "$@" >"$tmp/br.log" 2>&1; then ok "$what"; else notok "$what"; sed 's/^/#   /' "$tmp/br.log"; return 1; fi
}
brq "stanza-create" stanza-create || exit 1
brq "pgbackrest check (archive_command reaches the repository)" check

createdb sesami || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d sesami >/dev/null <<'SQL' || { notok "fixture A"; exit 1; }
CREATE EXTENSION sesami;
CREATE FUNCTION public.submit(acct bigint, url text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE id bigint;
BEGIN
	PERFORM set_config('request.jwt.claims', json_build_object('sub', acct::text)::text, true);
	SET LOCAL ROLE sesami_user;
	SELECT j.id INTO id FROM api.submit_analysis(url) j;
	RESET ROLE;
	RETURN id;
END $$;
CREATE FUNCTION public.finish(job bigint, lines int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	SET LOCAL ROLE sesami_worker;
	PERFORM worker.claim_job(job, 0, 'w1');
	PERFORM worker.complete(job, 1, json_build_object('schema', 'sesami.analysis/1', 'user', json_build_object('lines', lines))::jsonb);
	RESET ROLE;
END $$;
INSERT INTO sesami.accounts (github_id, login, emails) VALUES (11, 'ada', '{ada@example.com}'), (12, 'bob', '{}');
-- A sealed token's layout (magic, key id, ephemeral key, nonce, ciphertext and
-- tag); the bytes after the key id stand in for a real seal.
CREATE FUNCTION public.sealed(label text) RETURNS bytea LANGUAGE sql AS $$
	SELECT '\x53534231066b2d74657374'::bytea || sha256(convert_to(label, 'UTF8')) || sha256(convert_to(label || '.', 'UTF8'))
$$;
INSERT INTO sesami.github_tokens (account_id, key_id, sealed) VALUES (1, 'k-test', public.sealed('ada token A'));
SELECT public.finish(public.submit(1, 'https://github.com/ada/a1'), 10);
SELECT public.submit(2, 'https://github.com/bob/a2');
SQL

brq "full backup" backup --type=full || exit 1
set_label=$(br info --output=json | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["backup"][-1]["label"])')
snap() {
	q "SELECT 'jobs', md5(string_agg(j::text, '|' ORDER BY id)) FROM sesami.jobs j
	   UNION ALL SELECT 'results', md5(string_agg(r::text, '|' ORDER BY job_id)) FROM sesami.results r
	   UNION ALL SELECT 'job_events', md5(string_agg(e::text, '|' ORDER BY id)) FROM sesami.job_events e
	   UNION ALL SELECT 'tokens', md5(string_agg(t::text, '|' ORDER BY account_id)) FROM sesami.github_tokens t
	   UNION ALL SELECT 'accounts', md5(string_agg(a::text, '|' ORDER BY id)) FROM sesami.accounts a"
}
snap_a=$(snap)

# B: after the backup, before T.
q "SELECT public.finish(2, 20);
   SELECT public.finish(public.submit(1, 'https://github.com/ada/b1'), 30);
   UPDATE sesami.github_tokens SET sealed = public.sealed('ada token B'), updated_at = now() WHERE account_id = 1;
   INSERT INTO sesami.github_tokens (account_id, key_id, sealed) VALUES (2, 'k-test', public.sealed('bob token B'));" >/dev/null ||
	notok "writes B"
snap_b=$(snap)
jobs_b=$(q "SELECT string_agg(id || ':' || status, ',' ORDER BY id) FROM sesami.jobs")
sleep 1
target=$(q "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
sleep 1
# C: after T.
q "SELECT public.finish(public.submit(2, 'https://github.com/bob/c1'), 40);
   SELECT public.submit(1, 'https://github.com/ada/c2');
   UPDATE sesami.github_tokens SET sealed = public.sealed('ada token C') WHERE account_id = 1;" >/dev/null ||
	notok "writes C"
same "jobs C were written after T" "$(q "SELECT count(*) FROM sesami.jobs")" 5
# pgbackrest check switches WAL and waits until the segment is archived.
brq "WAL up to C archived (pgbackrest check)" check

restore() { # restore ARGS... : stop, restore with the host's script, start
	pgc_stop fast
	pgc_as_owner env PATH="$PATH" PGBACKREST_LOCK_PATH="$PGBACKREST_LOCK_PATH" \
		bash "$files/pgbackrest-restore.sh" --config "$conf" --stanza sesami "$@" >"$tmp/restore.log" 2>&1 ||
		{ sed 's/^/#   /' "$tmp/restore.log"; return 1; }
	pgc_start "$tmp/pg" "$port" || return 1
	wait_sql "SELECT NOT pg_is_in_recovery()" 60
}

if restore --time "$target"; then
	ok "restore to T ($target) with pgbackrest-restore.sh, server promoted"
	same "restore to T: jobs, results, audit rows, sealed tokens and accounts as of T" "$(snap)" "$snap_b"
	same "restore to T: every job of A and B in its state as of T, none of C" \
		"$(q "SELECT string_agg(id || ':' || status, ',' ORDER BY id) FROM sesami.jobs")" "$jobs_b"
	same "restore to T: the sealed token replaced after T has its value of T" \
		"$(q "SELECT sealed = public.sealed('ada token B') FROM sesami.github_tokens WHERE account_id = 1")" t
	same "restored server is on a new timeline" \
		"$(q "SELECT timeline_id > 1 FROM pg_control_checkpoint()")" t
	if q "SELECT public.submit(2, 'https://github.com/bob/after-restore')" >/dev/null; then
		ok "restored server takes new jobs"
	else
		notok "restored server takes new jobs"
	fi
else
	notok "restore to T ($target) with pgbackrest-restore.sh, server promoted"
fi

# The metrics exporter the host runs every minute, against this server (the
# job submitted after the restore is the one queued job, 2 s old).
sleep 2
state=$tmp/metrics.state
if json=$(PSQL="psql -X -qAt -d sesami" bash "$files/sesami-metrics.sh" --namespace Sesami --stack t --state "$state" --print) &&
	$PY - "$json" <<'PY'
import json, sys
m = {d["MetricName"]: d["Value"] for d in json.loads(sys.argv[1])}
assert m["QueuedJobs"] == 1 and m["PendingJobs"] == 0, m
assert m["OldestQueuedJobSeconds"] >= 2, m
assert m["DispatcherErrors"] == 0 and m["MetricsExportOk"] == 1, m
assert m["DispatchersRunning"] >= 1, m
PY
then
	ok "sesami-metrics.sh exports queued jobs, the oldest queued job's age and the dispatcher count from sesami.stats"
else
	notok "sesami-metrics.sh exports queued jobs, the oldest queued job's age and the dispatcher count from sesami.stats ($json)"
fi

if restore --set "$set_label"; then
	same "restore to the backup set $set_label: exactly the data of the backup" "$(snap)" "$snap_a"
else
	notok "restore to the backup set $set_label"
fi

[ "$failed" -eq 0 ]
