#!/bin/bash
# Entry point of the sesami PostgreSQL image (docker/Dockerfile.postgres); runs
# as the "postgres" user.  With the command "postgres" (the default; extra
# arguments such as "-c name=value" are passed on) it:
#
#   1. on an empty PGDATA: initdb (superuser "postgres", password from
#      POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE), TCP only over TLS with
#      scram-sha-256, creates POSTGRES_DB, runs /docker-entrypoint-initdb.d/
#      (*.sh and *.sql) on a private socket, stops;
#   2. at every start: a self-signed CA and a server certificate for
#      POSTGRES_TLS_HOSTNAMES when PGDATA has none or it expires within 30
#      days; the CA certificate is published in /var/lib/postgresql/tls;
#   3. at every start: the JWT secret and the GitHub OAuth client secret
#      (SESAMI_JWT_SECRET[_FILE], SESAMI_GITHUB_CLIENT_SECRET[_FILE]) copied to
#      files only "postgres" can read, and PGDATA/sesami-env.conf written from
#      the SESAMI_* variables below (postgresql.conf includes it);
#   4. exec postgres, with the secret variables removed from its environment.
#
# Any other command runs as given (a shell, pg_dump, ...).
set -euo pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_DB:=sesami}"
: "${POSTGRES_TLS_HOSTNAMES:=postgres,localhost}"
tls_dir=/var/lib/postgresql/tls
secrets_dir=/var/lib/postgresql/secrets
export POSTGRES_USER=postgres POSTGRES_DB

log() { echo "sesami-postgres: $*" >&2; }
die() { log "$*"; exit 1; }

# file_env VAR: VAR from itself or from the file named by VAR_FILE.
file_env() {
	local var=$1 file_var="$1_FILE"
	if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
		die "set $var or $file_var, not both"
	fi
	if [ -n "${!file_var:-}" ]; then
		[ -r "${!file_var}" ] || die "$file_var names a file that cannot be read: ${!file_var}"
		printf -v "$var" '%s' "$(cat "${!file_var}")"
	fi
	export "$var"="${!var:-}"
	unset "$file_var"
}

# conf_quote VALUE: VALUE as a postgresql.conf string literal.
conf_quote() { printf "'%s'" "${1//\'/\'\'}"; }

# init_cluster: first start of an empty data directory.
init_cluster() {
	[ -n "$POSTGRES_PASSWORD" ] || die "PGDATA is empty and POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) is not set"
	log "initialising $PGDATA"
	initdb -D "$PGDATA" -U postgres --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
		--auth-local=peer --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
	cat >"$PGDATA/pg_hba.conf" <<-'EOF'
		# TYPE     DATABASE  USER  ADDRESS  METHOD
		local      all       all            peer
		hostnossl  all       all   all      reject
		hostssl    all       all   all      scram-sha-256
	EOF
	cat >>"$PGDATA/postgresql.conf" <<-'EOF'

		# sesami container (docker/postgres/entrypoint.sh)
		listen_addresses = '*'
		unix_socket_directories = '/run/postgresql'
		password_encryption = 'scram-sha-256'
		ssl = on
		ssl_cert_file = 'server.crt'
		ssl_key_file = 'server.key'
		ssl_min_protocol_version = 'TLSv1.2'
		# Rewritten at every start from the SESAMI_* environment variables.
		include_if_exists = 'sesami-env.conf'
	EOF
	write_settings
	make_certificate

	# Run the init scripts on a private socket, so the health check (the
	# public socket) does not report a half-initialised server.
	local sock
	sock=$(mktemp -d /tmp/initdb-sock.XXXXXX)
	pg_ctl -D "$PGDATA" -w -t 120 -o "-c listen_addresses='' -c unix_socket_directories='$sock'" start >/dev/null
	export PGHOST=$sock
	if [ "$POSTGRES_DB" != postgres ]; then
		psql -v ON_ERROR_STOP=1 --no-psqlrc -d postgres -q -v db="$POSTGRES_DB" <<<'CREATE DATABASE :"db"'
	fi
	local f
	for f in /docker-entrypoint-initdb.d/*; do
		case "$f" in
		*.sh) log "running $f"; bash "$f" ;;
		*.sql) log "running $f"; psql -v ON_ERROR_STOP=1 --no-psqlrc -d "$POSTGRES_DB" -q -f "$f" ;;
		*) ;;
		esac
	done
	pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
	export PGHOST=/run/postgresql
	rmdir "$sock"
	log "initialised"
}

# make_certificate: a CA (key kept in PGDATA) and a server certificate signed
# by it, unless a certificate valid for 30 more days is there.  Replace
# PGDATA/server.crt and server.key with your own to use another CA.
make_certificate() {
	local crt=$PGDATA/server.crt key=$PGDATA/server.key ca=$PGDATA/sesami-ca.crt cakey=$PGDATA/sesami-ca.key
	if [ -s "$crt" ] && [ -s "$key" ] && openssl x509 -in "$crt" -noout -checkend 2592000 >/dev/null; then
		[ -s "$ca" ] && install -m 644 "$ca" "$tls_dir/ca.crt"
		return 0
	fi
	if [ ! -s "$cakey" ] || ! openssl x509 -in "$ca" -noout -checkend 2592000 >/dev/null 2>&1; then
		log "creating a self-signed CA for TLS"
		(umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$cakey" 2>/dev/null)
		openssl req -new -x509 -key "$cakey" -out "$ca" -days 3650 -subj "/CN=sesami PostgreSQL CA" \
			-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	fi
	local san="" h
	IFS=, read -ra hosts <<<"$POSTGRES_TLS_HOSTNAMES"
	for h in "${hosts[@]}"; do
		h=${h// /}
		[ -n "$h" ] || continue
		if [[ $h =~ ^[0-9.]+$ || $h == *:* ]]; then san+=",IP:$h"; else san+=",DNS:$h"; fi
	done
	san+=",IP:127.0.0.1"
	log "creating the server certificate for ${POSTGRES_TLS_HOSTNAMES}"
	(umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$key" 2>/dev/null)
	openssl req -new -key "$key" -subj "/CN=${hosts[0]}" 2>/dev/null |
		openssl x509 -req -CA "$ca" -CAkey "$cakey" -CAcreateserial -days 825 -out "$crt" \
			-extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "${san#,}") 2>/dev/null
	install -m 644 "$ca" "$tls_dir/ca.crt"
}

# secret_file NAME VALUE: write VALUE to the secrets directory (mode 600).
secret_file() {
	(umask 077 && printf '%s\n' "$2" >"$secrets_dir/$1")
	echo "$secrets_dir/$1"
}

# write_settings: PGDATA/sesami-env.conf from the environment; unset
# variables leave the setting at its default (or postgresql.conf's value).
write_settings() {
	local out=$PGDATA/sesami-env.conf.tmp var guc
	{
		echo "# Written by docker/postgres/entrypoint.sh at every start; do not edit."
		echo "sesami.database_name = $(conf_quote "${SESAMI_DATABASE_NAME:-$POSTGRES_DB}")"
		for var in TASK_SERVICE SQS_QUEUE_URL AWS_REGION AWS_ENDPOINT_URL GITHUB_CLIENT_ID \
			GITHUB_OAUTH_URL GITHUB_API_URL WORKER_PUBLIC_KEY WORKER_KEY_ID JWT_AUDIENCE; do
			local name="SESAMI_$var"
			[ -n "${!name:-}" ] || continue
			guc=${var,,}
			echo "sesami.$guc = $(conf_quote "${!name}")"
		done
		if [ -n "$SESAMI_JWT_SECRET" ]; then
			echo "sesami.jwt_secret_file = $(conf_quote "$(secret_file jwt_secret "$SESAMI_JWT_SECRET")")"
		fi
		if [ -n "$SESAMI_GITHUB_CLIENT_SECRET" ]; then
			echo "sesami.github_client_secret_file = $(conf_quote "$(secret_file github_client_secret "$SESAMI_GITHUB_CLIENT_SECRET")")"
		fi
	} >"$out"
	mv "$out" "$PGDATA/sesami-env.conf"
}

if [ "${1:-}" != postgres ]; then
	exec "$@"
fi

file_env POSTGRES_PASSWORD
file_env SESAMI_JWT_SECRET
file_env SESAMI_GITHUB_CLIENT_SECRET
file_env AUTHENTICATOR_PASSWORD
file_env WORKER_DB_PASSWORD
[ -z "$SESAMI_JWT_SECRET" ] || [ ${#SESAMI_JWT_SECRET} -ge 32 ] || die "SESAMI_JWT_SECRET must be at least 32 characters"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	init_cluster
else
	write_settings
	make_certificate
fi

unset POSTGRES_PASSWORD SESAMI_JWT_SECRET SESAMI_GITHUB_CLIENT_SECRET AUTHENTICATOR_PASSWORD WORKER_DB_PASSWORD
exec "$@"
