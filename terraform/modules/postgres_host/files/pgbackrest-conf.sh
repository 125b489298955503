#!/bin/bash
# pgbackrest-conf.sh — the one generator of sesami's pgBackRest configuration.
#
# The PostgreSQL host's boot script runs it with --repo-type s3 (repository in
# the backup bucket, credentials from the instance role); test/pitr.test.sh
# runs the same script with --repo-type posix against a local directory, so the
# test exercises the configuration the host ships.
#
#   pgbackrest-conf.sh pgbackrest [options]   pgbackrest.conf on stdout
#   pgbackrest-conf.sh postgresql [options]   the postgresql.conf lines WAL
#                                             archiving needs
# Options (defaults in brackets):
#   --stanza NAME [sesami]          --pg-path DIR [/var/lib/postgresql/data]
#   --pg-port N [5432]              --pg-socket DIR [/var/run/postgresql]
#   --repo-type s3|posix [s3]       --repo-path PATH [/pgbackrest]
#   --s3-bucket NAME --s3-region REGION (s3 only)
#   --retention-full N [4]          full backups kept (older ones and their WAL expire)
#   --retention-diff N [6]          differential backups kept
#   --archive-timeout SECONDS [60]  longest time a quiet server waits to archive a WAL segment
#   --config PATH [/etc/pgbackrest/pgbackrest.conf]  what archive_command passes to pgbackrest
set -euo pipefail

mode=${1:-}
shift || true
stanza=sesami pg_path=/var/lib/postgresql/data pg_port=5432 pg_socket=/var/run/postgresql
repo_type=s3 repo_path=/pgbackrest s3_bucket="" s3_region=""
retention_full=4 retention_diff=6 archive_timeout=60 config=/etc/pgbackrest/pgbackrest.conf

while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || { echo "pgbackrest-conf.sh: $1 needs a value" >&2; exit 2; }
	case $1 in
	--stanza) stanza=$2 ;;
	--pg-path) pg_path=$2 ;;
	--pg-port) pg_port=$2 ;;
	--pg-socket) pg_socket=$2 ;;
	--repo-type) repo_type=$2 ;;
	--repo-path) repo_path=$2 ;;
	--s3-bucket) s3_bucket=$2 ;;
	--s3-region) s3_region=$2 ;;
	--retention-full) retention_full=$2 ;;
	--retention-diff) retention_diff=$2 ;;
	--archive-timeout) archive_timeout=$2 ;;
	--config) config=$2 ;;
	*) echo "pgbackrest-conf.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift 2
done

for n in "$pg_port" "$retention_full" "$retention_diff" "$archive_timeout"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "pgbackrest-conf.sh: \"$n\" is not a positive integer" >&2; exit 2; }
done
[[ $stanza =~ ^[A-Za-z0-9_-]+$ ]] || { echo "pgbackrest-conf.sh: bad stanza name \"$stanza\"" >&2; exit 2; }
# Paths go into postgresql.conf inside single quotes.
[[ $config != *\'* ]] || { echo "pgbackrest-conf.sh: --config must not contain a quote" >&2; exit 2; }

case $mode in
pgbackrest)
	echo "# Written by pgbackrest-conf.sh; regenerate instead of editing."
	echo "[global]"
	echo "repo1-type=$repo_type"
	echo "repo1-path=$repo_path"
	case $repo_type in
	s3)
		[ -n "$s3_bucket" ] && [ -n "$s3_region" ] ||
			{ echo "pgbackrest-conf.sh: --repo-type s3 needs --s3-bucket and --s3-region" >&2; exit 2; }
		echo "repo1-s3-bucket=$s3_bucket"
		echo "repo1-s3-region=$s3_region"
		echo "repo1-s3-endpoint=s3.$s3_region.amazonaws.com"
		# Credentials of the instance role (IMDSv2); nothing secret in this file.
		echo "repo1-s3-key-type=auto"
		echo "repo1-s3-uri-style=host"
		;;
	posix) ;;
	*) echo "pgbackrest-conf.sh: --repo-type must be s3 or posix" >&2; exit 2 ;;
	esac
	echo "repo1-retention-full-type=count"
	echo "repo1-retention-full=$retention_full"
	echo "repo1-retention-diff=$retention_diff"
	echo "compress-type=zst"
	echo "start-fast=y"
	echo "process-max=2"
	echo "log-level-console=info"
	echo "log-level-file=off"
	echo
	echo "[$stanza]"
	echo "pg1-path=$pg_path"
	echo "pg1-port=$pg_port"
	echo "pg1-socket-path=$pg_socket"
	echo "pg1-user=postgres"
	;;
postgresql)
	echo "wal_level = 'replica'"
	echo "archive_mode = 'on'"
	echo "archive_command = 'pgbackrest --config=$config --stanza=$stanza archive-push %p'"
	echo "archive_timeout = $archive_timeout"
	echo "max_wal_senders = 3"
	;;
*)
	echo "usage: pgbackrest-conf.sh pgbackrest|postgresql [options]" >&2
	exit 2
	;;
esac
