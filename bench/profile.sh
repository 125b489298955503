#!/usr/bin/env bash
# api.profile() and api.card() with N completed results per user, against
# baselines measured in the same run on a private cluster: a plain SELECT of
# the user's result rows (documents included, as a client would fetch them to
# build the profile itself), and the same rows without their documents.
# Every call is made in PostgREST's request shape (a transaction, the role and
# claims set locally, the call, COMMIT).  Not a test: figures vary with the
# machine.
#
#   sudo bash bench/profile.sh [results=300] [seconds=10]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
n=${1:-300}
secs=${2:-10}

make -s -j2 >/dev/null && make -s install >/dev/null
tmp=$(mktemp -d /tmp/sesami-bench.XXXXXX)
chmod 755 "$tmp"
source scripts/pgcluster.sh
trap 'pgc_stop; rm -rf "$tmp"' EXIT
pgc_start "$tmp/pg" "${SESAMI_BENCH_PORT:-54361}" "sesami.database_name = 'bench'" \
	"shared_buffers = 256MB"
pgbench_bin="$(${PG_CONFIG:-pg_config} --bindir)/pgbench"

psql -X -q -d postgres -c 'CREATE DATABASE bench'
# Three users with N results each, as the worker writes them: a third of the
# repositories analysed twice (only the newer result counts), documents with
# 250 files, 12 authors, the user's languages and 8 technologies (about the
# size of a small real repository's document).
psql -X -q -v ON_ERROR_STOP=1 -v n="$n" -d bench <<'SQL'
CREATE EXTENSION sesami;
INSERT INTO sesami.accounts (github_id, login, display_name, emails, profile_public)
SELECT g, 'bench' || g, 'Bench User ' || g, ARRAY['bench' || g || '@example.com'], true
FROM generate_series(1, 3) g;
CREATE FUNCTION pg_temp.doc(seed integer) RETURNS jsonb LANGUAGE sql AS $$
	SELECT jsonb_build_object(
		'schema', 'sesami.analysis/1',
		'repo', jsonb_build_object('head', md5(seed::text), 'commits', 1000 + seed, 'lines', 40000),
		'authors', (SELECT jsonb_agg(jsonb_build_object('name', 'Author ' || a, 'email', md5((seed * a)::text) || '@example.com',
														'lines', 40000 / a, 'share', 1.0 / a, 'commits', 100 + a))
					FROM generate_series(1, 12) a),
		'files', (SELECT jsonb_agg(jsonb_build_object('path', 'src/' || md5((seed * 1000 + f)::text) || '.c',
													  'lines', 160 + f, 'top_author', md5(f::text) || '@example.com',
													  'top_author_lines', 80 + f, 'user_lines', f % 40,
													  'authors', jsonb_build_array(
														  jsonb_build_object('email', md5((seed + f)::text) || '@example.com', 'lines', 80 + f),
														  jsonb_build_object('email', md5((seed - f)::text) || '@example.com', 'lines', 80))))
				  FROM generate_series(1, 250) f),
		'user', jsonb_build_object('lines', 1000 + seed % 5000, 'share', round((seed % 100) / 100.0, 4),
								   'commits', 10 + seed % 300,
								   'by_language', jsonb_build_array(
									   jsonb_build_object('language', (ARRAY['C', 'Python', 'Go', 'Rust'])[1 + seed % 4], 'lines', 700 + seed % 3000, 'share', 0.5),
									   jsonb_build_object('language', 'Shell', 'lines', 200 + seed % 1000, 'share', 0.2),
									   jsonb_build_object('language', 'Markdown', 'lines', 100 + seed % 1000, 'share', 0.1))),
		'stack', jsonb_build_object('technologies', (SELECT jsonb_agg(jsonb_build_object('name', 'Tech ' || ((seed + t) % 30),
																						 'category', 'library',
																						 'evidence', jsonb_build_array(jsonb_build_object('file', 'package.json'))))
													  FROM generate_series(1, 8) t)))
$$;
SET bench.n = :'n';
DO $$
DECLARE
	n integer := current_setting('bench.n')::integer;
	c record;
BEGIN
	FOR u IN 1..3 LOOP
		PERFORM set_config('request.jwt.claims', json_build_object('sub', u::text)::text, true);
		FOR i IN 1..n LOOP
			PERFORM api.submit_analysis('https://github.com/bench' || u || '/repo' || (i % (2 * n / 3 + 1)));
			SELECT * INTO c FROM worker.claim_next('bench');
			PERFORM worker.complete(c.job_id, c.attempt, pg_temp.doc(u * 100000 + i));
		END LOOP;
	END LOOP;
END
$$;
VACUUM ANALYZE;
SQL

# PostgREST's request shape around one statement.
shaped() {
	printf '%s\n' "BEGIN;" \
		"SELECT set_config('role', '$1', true), set_config('request.jwt.claims', '{\"role\":\"$1\",\"sub\":\"1\"}', true);" \
		"$2" "COMMIT;"
}
shaped sesami_user 'SELECT * FROM sesami.results;' >"$tmp/rows.sql"
shaped sesami_user 'SELECT job_id, account_id, attempt, created_at FROM sesami.results;' >"$tmp/rows_nodoc.sql"
shaped sesami_user 'SELECT api.profile();' >"$tmp/profile.sql"
shaped sesami_anon "SELECT api.card('bench1');" >"$tmp/card.sql"

# CPU time (ms) of the cluster's exited processes: the postmaster's children's
# user + system time, which includes pgbench's backend once it has exited.
# Other jobs on a shared machine stretch the latency; they hardly change this.
postmaster=$(head -1 "$PGC_DIR/data/postmaster.pid")
tck=$(getconf CLK_TCK)
children_cpu() { awk -v t="$tck" '{ print ($16 + $17) * 1000 / t }' "/proc/$postmaster/stat"; }
# run SCRIPT: "LATENCY CPU" — the average wall time of one call and the
# server CPU per call, both in ms (one client, so latency is time per call).
run() {
	local c0 out n lat
	c0=$(children_cpu)
	out=$("$pgbench_bin" -n -M prepared -c 1 -T "$secs" -f "$1" bench 2>/dev/null)
	sleep 0.5
	n=$(sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' <<<"$out")
	lat=$(sed -nE 's/^latency average = ([0-9.]+) ms$/\1/p' <<<"$out")
	echo "$lat $(echo "($(children_cpu) - $c0) / $n" | bc -l)"
}
latest=$(psql -X -qAt -d bench -c "SELECT count(*) FROM sesami.latest_results(1)")
docs=$(psql -X -qAt -d bench -c "SELECT pg_size_pretty(avg(pg_column_size(result))::bigint) || ' stored, ' || pg_size_pretty(avg(length(result::text))::bigint) || ' as text' FROM sesami.results")
rows=$(run "$tmp/rows.sql")
nodoc=$(run "$tmp/rows_nodoc.sql")
profile=$(run "$tmp/profile.sql")
card=$(run "$tmp/card.sql")

echo "$n results per user ($latest latest, one per repository; 3 users); documents of $docs; $secs s per run"
echo "per call, PostgREST's request shape, one client:     wall ms   server CPU ms"
ratio() { echo "$1 / $2" | bc -l; }
line() {
	local lat cpu
	read -r lat cpu <<<"$2"
	printf '%-50s %9.3f %9.3f' "$1" "$lat" "$cpu"
	if [ -n "${3:-}" ]; then
		printf '   wall %.3f x baseline, %.2f x rows without documents; CPU %.3f x baseline' \
			"$(ratio "$lat" "${rows% *}")" "$(ratio "$lat" "${nodoc% *}")" "$(ratio "$cpu" "${rows#* }")"
	fi
	echo
}
line "baseline: SELECT * FROM sesami.results" "$rows"
line "the same rows without their documents" "$nodoc"
line "api.profile()" "$profile" ratio
line "api.card('bench1') as sesami_anon" "$card" ratio
