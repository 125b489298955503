#!/usr/bin/env bash
# upgrade.test.sh — every released version upgrades to the current one:
# CREATE EXTENSION sesami VERSION 'OLD' with data in it, then ALTER EXTENSION
# sesami UPDATE, must give the same catalog as a fresh CREATE EXTENSION sesami
# (compared as pg_dump --binary-upgrade prints the extension's members, with
# the OID-pinning calls and sequence positions removed) and keep the rows.  Runs against the cluster
# scripts/test.sh started (PGHOST/PGPORT/PGUSER).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
source test/lib.sh
db=sesami_upgrade_test
tmp=$(mktemp -d /tmp/sesami-upgrade.XXXXXX)
failed=0
dropdbs() { for d in "${db}_fresh" "${db}_old"; do dropdb --if-exists "$d" 2>/dev/null; done; }
cleanup() { dropdbs; rm -rf "$tmp"; }
trap cleanup EXIT
qd() { psql -X -qAt -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
pgdump="$(${PG_CONFIG:-pg_config} --bindir)/pg_dump"
current=$(sed -nE "s/^default_version = '([^']+)'/\1/p" sesami.control)

# The catalog of the extension's objects as text, without OIDs and comments
# that name the database.
catalog() {
	"$pgdump" --schema-only --binary-upgrade --no-owner -d "$1" |
		grep -vE '^(SELECT pg_catalog\.binary_upgrade_|UPDATE pg_catalog\.pg_class$|SET relfrozenxid|SELECT pg_catalog\.setval\(|WHERE oid = |\\(un)?restrict |-- |--$|$)' |
		sed -E "s/${1}/DB/g"
}

# Fixture rows that every version since 0.1.0 can hold.
fixture() {
	psql -X -q -v ON_ERROR_STOP=1 -d "$1" >/dev/null <<'SQL'
INSERT INTO sesami.accounts (github_id, login, emails) VALUES (11, 'ada', '{ada@example.com}');
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "1"}', true);
SET LOCAL ROLE sesami_user;
SELECT id FROM api.submit_analysis('https://github.com/ada/upgraded');
COMMIT;
SQL
}

# A completed job with its result, stored before the update summarises results.
result_fixture() {
	psql -X -q -v ON_ERROR_STOP=1 -d "$1" >/dev/null <<'SQL'
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "1"}', true);
CREATE TEMP TABLE j ON COMMIT DROP AS
	SELECT id, attempt FROM api.submit_analysis('https://github.com/ada/analysed');
SELECT api.worker_complete(c.job_id, c.attempt,
	'{"user": {"lines": 42, "share": 0.5, "commits": 3, "by_language": [{"language": "C", "lines": 42}]}}')
FROM j, api.worker_claim_job(j.id, j.attempt, 'upgrade-test') c;
COMMIT;
SQL
}

dropdbs
createdb "${db}_fresh" && createdb "${db}_old" || exit 1
qd "${db}_fresh" "CREATE EXTENSION sesami" || notok "fresh install"
for old in $(ls extension/sesami--*.sql | sed -nE 's#^extension/sesami--([0-9.]+)\.sql$#\1#p' | sort -V); do
	[ "$old" = "$current" ] && continue
	dropdb --if-exists "${db}_old"; createdb "${db}_old" || exit 1
	check "CREATE EXTENSION sesami VERSION '$old'" qd "${db}_old" "CREATE EXTENSION sesami VERSION '$old'"
	check "a $old install takes a job" fixture "${db}_old"
	check "a $old install stores a result" result_fixture "${db}_old"
	check "ALTER EXTENSION sesami UPDATE from $old" qd "${db}_old" "ALTER EXTENSION sesami UPDATE"
	same "$old updates to $current" "$(qd "${db}_old" "SELECT extversion FROM pg_extension WHERE extname = 'sesami'")" "$current"
	catalog "${db}_fresh" >"$tmp/fresh.sql"
	catalog "${db}_old" >"$tmp/old.sql"
	if diff -u "$tmp/fresh.sql" "$tmp/old.sql" >"$tmp/diff"; then
		ok "$old + update has the catalog of a fresh $current install ($(wc -l <"$tmp/fresh.sql") lines of schema)"
	else
		notok "$old + update differs from a fresh $current install"
		head -80 "$tmp/diff"
	fi
	same "the job submitted under $old is kept" \
		"$(qd "${db}_old" "SELECT repo_url || ' ' || status FROM sesami.jobs WHERE repo_name = 'upgraded'")" "https://github.com/ada/upgraded queued"
	same "its audit row is kept" "$(qd "${db}_old" "SELECT count(*) FROM sesami.job_events e JOIN sesami.jobs j ON j.id = e.job_id WHERE j.repo_name = 'upgraded'")" 1
	same "a result stored under $old gets its profile summary" \
		"$(qd "${db}_old" "SELECT summary FROM sesami.results")" \
		'{"lines": 42, "share": 0.5, "commits": 3, "languages": [{"lines": 42, "language": "C"}], "technologies": []}'
	same "accounts from $old have private profiles" "$(qd "${db}_old" "SELECT profile_public FROM sesami.accounts")" f
done
exit $failed
