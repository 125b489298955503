#!/usr/bin/env bash
# Open the web app locally against the demo cluster (run scripts/demo.sh
# first): builds web/, configures sign-in against the loopback GitHub double
# (test/github_double.py signs you in as the demo account), starts
# `sesami-worker local` on the demo's mirror, the test-only PostgREST
# stand-in (test/postgrest/standin.mjs; real deployments run PostgREST) and a
# static server for web/dist, then prints the address.  Ctrl-C stops them.
#
#   bash scripts/web.sh        then open http://127.0.0.1:54332/
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

dir=${SESAMI_DEMO_DIR:-/tmp/sesami-demo}
port=${SESAMI_DEMO_PORT:-54330}
api_port=${SESAMI_WEB_API_PORT:-54331}
web_port=${SESAMI_WEB_PORT:-54332}
[ -f "$dir/data/postmaster.pid" ] || { echo "sesami: the demo cluster is not running; run scripts/demo.sh first" >&2; exit 1; }
export PGHOST="$dir/sock" PGPORT="$port" PGUSER=postgres

for d in web test/postgrest; do (cd "$d" && npm ci --no-audit --no-fund >/dev/null); done
(cd web && npm run -s build >/dev/null)
make -s test/seal_driver

w="$dir/web"
mkdir -p "$w"
chmod 755 "$w"
read -r _ priv < <(test/seal_driver keygen | grep private)
pub=$(SESAMI_WORKER_PRIVATE_KEY=$priv test/seal_driver public)
jwt_secret=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
client_id=Iv1.sesamidemo
printf '%s\n' "$jwt_secret" >"$w/jwt_secret"
printf 'demo-client-secret\n' >"$w/client_secret"
chmod 600 "$w/jwt_secret" "$w/client_secret"
[ "$(id -u)" -eq 0 ] && chown postgres "$w/jwt_secret" "$w/client_secret"

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
rm -f "$w/gh_port"
GITHUB_DOUBLE_REDIRECT_PREFIX="http://127.0.0.1:$web_port/" GITHUB_DOUBLE_AUTHORIZE_AS="user:1:demo" \
	/usr/bin/python3 test/github_double.py "$w/gh_port" "$w/gh_tokens" "$client_id" demo-client-secret &
pids+=($!)
for _ in $(seq 100); do [ -s "$w/gh_port" ] && break; sleep 0.05; done
gh=http://127.0.0.1:$(cat "$w/gh_port")

psql -X -q -v ON_ERROR_STOP=1 -d sesami >/dev/null <<-EOF
	DO \$\$ BEGIN
		IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sesami_demo_authenticator') THEN
			CREATE ROLE sesami_demo_authenticator LOGIN NOINHERIT;
		END IF;
	END \$\$;
	GRANT sesami_anon, sesami_user TO sesami_demo_authenticator;
	ALTER DATABASE sesami SET sesami.github_oauth_url = '$gh';
	ALTER DATABASE sesami SET sesami.github_api_url = '$gh/';
	ALTER DATABASE sesami SET sesami.github_client_id = '$client_id';
	ALTER DATABASE sesami SET sesami.github_client_secret_file = '$w/client_secret';
	ALTER DATABASE sesami SET sesami.jwt_secret_file = '$w/jwt_secret';
	ALTER DATABASE sesami SET sesami.worker_public_key = '$pub';
	ALTER DATABASE sesami SET sesami.worker_key_id = 'demo';
EOF

DATABASE_URL="host=$PGHOST port=$PGPORT user=postgres dbname=sesami" SESAMI_WORKER_PRIVATE_KEY=$priv \
	SESAMI_MIRROR_DIR="$dir/mirror" SESAMI_WORK_DIR="$dir/work" worker/sesami-worker local >"$w/worker.log" 2>&1 &
pids+=($!)
PGRST_DB_URI="postgresql://sesami_demo_authenticator@/sesami?host=$PGHOST&port=$PGPORT" \
	PGRST_JWT_SECRET=$jwt_secret PGRST_SERVER_PORT=$api_port node test/postgrest/standin.mjs &
pids+=($!)
node test/postgrest/static.mjs web/dist "$web_port" "http://127.0.0.1:$api_port" "$client_id" "$gh" &
pids+=($!)
sleep 1
echo "sesami web app: http://127.0.0.1:$web_port/  (signs in as 'demo'; try https://github.com/sesami-demo/sesami)"
echo "Ctrl-C stops it."
wait
