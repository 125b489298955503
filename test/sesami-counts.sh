#!/usr/bin/env bash
# Print what `sesami-worker analyze --json` says about a repository in the
# same form as test/git-blame-counts.sh: "KEY<TAB>EMAIL<TAB>LINES" per
# (file, author), over every blamed file whatever its class.  Extra arguments
# go to the worker (e.g. --threads 1).  With --json FILE, read a document the
# worker already wrote instead.
#
# usage: test/sesami-counts.sh WORKER REPO [ARGS...]
#        test/sesami-counts.sh --json FILE
set -euo pipefail
filter='.files[] | (if .path_hex then "H:" + .path_hex else "B:" + (.path | @base64) end) as $k
	| .authors[] | "\($k)\t\(.email)\t\(.lines)"'
if [ "$1" = --json ]; then
	jq -r "$filter" "$2"
	exit
fi
worker=$1 repo=$2
shift 2
"$worker" analyze "$repo" --json "$@" | jq -r "$filter"
