#!/bin/bash
# First start of an empty data directory (docker/postgres/entrypoint.sh runs it):
# create the roles PostgREST and the worker use, then the extension.
#
#   sesami_anon, sesami_user, sesami_worker   NOLOGIN; what the API grants to
#   authenticator        LOGIN NOINHERIT; PostgREST connects as it and
#                        switches to the JWT's role (or sesami_anon); granted
#                        sesami_anon and sesami_user only, never sesami_worker
#   sesami_worker_login  LOGIN; the worker's DATABASE_URL user, a member of
#                        sesami_worker
#
# Passwords come from AUTHENTICATOR_PASSWORD and WORKER_DB_PASSWORD (or their
# _FILE variants, read by docker/postgres/entrypoint.sh); a login
# role whose password is not set is left out (on AWS the operator creates the
# login roles, docs/deploy.md).  Roles are created only when missing, so an
# extension script that creates them too is not disturbed.
set -euo pipefail

psql=(psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB")

"${psql[@]}" <<'SQL'
SELECT format('CREATE ROLE %I NOLOGIN', r)
  FROM unnest(ARRAY['sesami_anon', 'sesami_user', 'sesami_worker']) AS r
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r)
\gexec

CREATE EXTENSION IF NOT EXISTS sesami;
SQL

if [ -n "${AUTHENTICATOR_PASSWORD:-}" ]; then
	"${psql[@]}" -v authenticator_password="$AUTHENTICATOR_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE authenticator LOGIN NOINHERIT PASSWORD %L', :'authenticator_password')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticator')
\gexec
GRANT sesami_anon, sesami_user TO authenticator;
SQL
else
	echo "sesami initdb: AUTHENTICATOR_PASSWORD is not set; role authenticator not created" >&2
fi

if [ -n "${WORKER_DB_PASSWORD:-}" ]; then
	"${psql[@]}" -v worker_password="$WORKER_DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE sesami_worker_login LOGIN PASSWORD %L IN ROLE sesami_worker', :'worker_password')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sesami_worker_login')
\gexec
SQL
else
	echo "sesami initdb: WORKER_DB_PASSWORD is not set; role sesami_worker_login not created" >&2
fi
