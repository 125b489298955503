# Start and stop a private PostgreSQL 15 cluster with sesami preloaded.
# Source this file, then:  pgc_start DIR PORT [extra postgresql.conf lines...]; ...; pgc_stop
# It listens only on a Unix socket in DIR/sock (and 127.0.0.1:PORT), never on the
# machine's default port.  PostgreSQL refuses to run as root, so as root the server
# runs as the "postgres" user (runuser) and DIR is handed to that user.
# Exports PGHOST, PGPORT, PGUSER=postgres and PGC_DIR for the caller.

PGC_BIN=${PGC_BIN:-$(${PG_CONFIG:-pg_config} --bindir)}

# Run a command as the cluster's owner.
pgc_as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pgc_start() {
	local dir=$1 port=$2
	shift 2
	mkdir -p "$dir/sock"
	[ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$dir"
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		pgc_as_owner "$PGC_BIN/initdb" -D "$dir/data" -U postgres --auth=trust \
			--encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; return 1; }
		{
			echo "port = $port"
			echo "listen_addresses = '127.0.0.1'"
			echo "unix_socket_directories = '$dir/sock'"
			echo "shared_preload_libraries = 'sesami'"
			echo "fsync = off"
			echo "synchronous_commit = off"
			echo "full_page_writes = off"
			echo "max_connections = 60"
			echo "log_min_messages = warning"
			for line in "$@"; do echo "$line"; done
		} | pgc_as_owner tee -a "$dir/data/postgresql.conf" >/dev/null
	fi
	pgc_as_owner "$PGC_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
		{ cat "$dir/server.log" >&2; return 1; }
	export PGHOST="$dir/sock" PGPORT="$port" PGUSER=postgres PGC_DIR="$dir"
}

# Stop the cluster; mode is fast by default (immediate simulates a crash).
pgc_stop() {
	local mode=${1:-fast}
	[ -n "${PGC_DIR:-}" ] && [ -f "$PGC_DIR/data/postmaster.pid" ] || return 0
	pgc_as_owner "$PGC_BIN/pg_ctl" -D "$PGC_DIR/data" -m "$mode" -w stop >/dev/null 2>&1 || true
}
