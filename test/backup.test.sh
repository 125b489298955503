#!/usr/bin/env bash
# backup.test.sh — pg_dump keeps every sesami table (jobs, results, audit,
# outbox, accounts, tokens), and a restore with sesami.restoring = on brings
# them back exactly, sequences included; without it the restore stops with a
# hint instead of turning old jobs into new submissions.
# Runs against the cluster scripts/test.sh started (PGHOST/PGPORT/PGUSER).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
db=sesami_backup_test
tmp=$(mktemp -d /tmp/sesami-backup.XXXXXX)
failed=0
dropdbs() { for d in "$db" "${db}_r" "${db}_x"; do dropdb --if-exists "$d" 2>/dev/null; done; }
cleanup() { dropdbs; rm -rf "$tmp"; }
trap cleanup EXIT
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; failed=1; }
same() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1 (got '$2', want '$3')"; fi; }
q() { psql -X -qAt -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

dropdbs
createdb "$db" || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL' || { notok "fixture"; exit 1; }
CREATE EXTENSION sesami;
INSERT INTO sesami.accounts (github_id, login, emails) VALUES (11, 'ada', '{ada@example.com}'), (12, 'bob', '{}');
CREATE FUNCTION pg_temp.submit(acct bigint, url text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE id bigint;
BEGIN
	PERFORM set_config('request.jwt.claims', json_build_object('sub', acct::text)::text, true);
	SET LOCAL ROLE sesami_user;
	SELECT j.id INTO id FROM api.submit_analysis(url) j;
	RESET ROLE;
	RETURN id;
END $$;
SELECT pg_temp.submit(1, 'https://github.com/ada/done');
SELECT pg_temp.submit(1, 'https://github.com/ada/failed');
SELECT pg_temp.submit(2, 'https://github.com/bob/cancelled');
SELECT pg_temp.submit(2, 'https://github.com/bob/queued');
SET ROLE sesami_worker;
SELECT job_id FROM worker.claim_job(1, 0, 'w1');
SELECT worker.complete(1, 1, '{"schema": "sesami.analysis/1", "user": {"lines": 7}}');
SELECT job_id FROM worker.claim_job(2, 0, 'w1');
SELECT worker.fail(2, 1, 'repository not found', false);
RESET ROLE;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "2"}', true);
SET LOCAL ROLE sesami_user;
SELECT id FROM api.cancel_job(3);
COMMIT;
SET sesami.task_service = 'sqs';
SELECT pg_temp.submit(2, 'https://github.com/bob/pending');
SQL

snapshot() {
	psql -X -qAt -d "$1" -c "
	SELECT 'accounts', md5(string_agg(a::text, '|' ORDER BY id)) FROM sesami.accounts a
	UNION ALL SELECT 'jobs', md5(string_agg(j::text, '|' ORDER BY id)) FROM sesami.jobs j
	UNION ALL SELECT 'results', md5(string_agg(r::text, '|' ORDER BY job_id)) FROM sesami.results r
	UNION ALL SELECT 'job_events', md5(string_agg(e::text, '|' ORDER BY id)) FROM sesami.job_events e
	UNION ALL SELECT 'outbox', md5(string_agg(o::text, '|' ORDER BY id)) FROM sesami.outbox o
	UNION ALL SELECT 'counts', (SELECT count(*) FROM sesami.jobs) || '/' || (SELECT count(*) FROM sesami.job_events) || '/' || (SELECT count(*) FROM sesami.outbox)"
}
snapshot "$db" >"$tmp/before"
same "the fixture has 5 jobs, their audit rows and one outbox row" "$(q "$db" "SELECT (SELECT count(*) FROM sesami.jobs) || '/' || (SELECT count(*) FROM sesami.outbox)")" "5/1"

pg_dump -d "$db" >"$tmp/dump.sql" 2>"$tmp/dump.err"
same "pg_dump succeeds" "$?" 0
for t in jobs results job_events outbox accounts; do
	grep -q "^COPY sesami.$t " "$tmp/dump.sql" && ok "the dump holds sesami.$t" || notok "the dump holds sesami.$t"
done

createdb "${db}_r"
PGOPTIONS='-c sesami.restoring=on' psql -X -q -v ON_ERROR_STOP=1 -d "${db}_r" -f "$tmp/dump.sql" >/dev/null 2>"$tmp/restore.err"
same "the dump restores with sesami.restoring = on" "$?" 0
snapshot "${db}_r" >"$tmp/after"
if diff -u "$tmp/before" "$tmp/after" >"$tmp/diff"; then
	ok "every table comes back row for row (no extra audit or outbox rows)"
else
	notok "every table comes back row for row"; sed 's/^/# /' "$tmp/diff"
fi
same "sequences continue after the restored rows" \
	"$(q "${db}_r" "SELECT nextval('sesami.jobs_id_seq') > (SELECT max(id) FROM sesami.jobs)")" t
same "the restored queued job can be claimed" \
	"$(psql -X -qAt -d "${db}_r" -c "SET ROLE sesami_worker" -c "SELECT job_id FROM worker.claim_next('w2')")" 4
same "the restored result is readable by its owner" \
	"$(psql -X -qAt -d "${db}_r" -c "BEGIN" -c "SELECT set_config('request.jwt.claims', '{\"sub\": \"1\"}', true) IS NULL" -c "SET LOCAL ROLE sesami_user" -c "SELECT api.job_result(1) ->> 'schema'" -c "COMMIT")" "f
sesami.analysis/1"

createdb "${db}_x"
psql -X -q -v ON_ERROR_STOP=1 -d "${db}_x" -f "$tmp/dump.sql" >/dev/null 2>"$tmp/plain.err"
rc=$?
same "without sesami.restoring the restore stops" "$([ $rc -ne 0 ] && echo stopped)" stopped
grep -q 'set sesami.restoring = on' "$tmp/plain.err" && ok "and the error says how to restore" || { notok "and the error says how to restore"; sed 's/^/# /' "$tmp/plain.err" | head -5; }
exit $failed
