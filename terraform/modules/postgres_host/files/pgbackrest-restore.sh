#!/bin/bash
# pgbackrest-restore.sh — restore sesami's PostgreSQL data directory from the
# pgBackRest repository: the latest state, one backup set, or a chosen time.
#
# Run as the cluster owner (postgres) with PostgreSQL stopped.  The host's
# `sesami-restore` wraps it (stops the service, runs it in the image, starts
# the service); test/pitr.test.sh runs it directly against a local repository.
#
#   pgbackrest-restore.sh --config FILE [--stanza NAME] --latest
#   pgbackrest-restore.sh --config FILE [--stanza NAME] --set LABEL
#   pgbackrest-restore.sh --config FILE [--stanza NAME] --time 'YYYY-MM-DD HH:MM:SS+00'
#
# --latest replays every archived WAL segment; --set stops as soon as that
# backup is consistent; --time stops just before the first transaction that
# committed after the time.  In every case the server promotes itself at the
# end of recovery (a new timeline), so the restored cluster is writable and
# its archive does not overwrite the old timeline's WAL.
# --delta reuses matching files of a data directory that is still there; an
# empty or missing one is restored in full.
set -euo pipefail

config="" stanza=sesami target=""
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--config) config=$2; shift 2 ;;
	--stanza) stanza=$2; shift 2 ;;
	--latest) target=latest; args=(--type=default); shift ;;
	--set) target="set $2"; args=(--set="$2" --type=immediate --target-action=promote); shift 2 ;;
	--time) target="time $2"; args=(--type=time --target="$2" --target-action=promote); shift 2 ;;
	*) echo "pgbackrest-restore.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$config" ] && [ -n "$target" ] ||
	{ echo "usage: pgbackrest-restore.sh --config FILE [--stanza NAME] --latest | --set LABEL | --time TIME" >&2; exit 2; }

echo "pgbackrest-restore.sh: restoring stanza $stanza to $target" >&2
exec pgbackrest --config="$config" --stanza="$stanza" restore --delta "${args[@]}"
