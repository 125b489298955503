#!/usr/bin/env bash
# Print what `sesami-worker analyze --json` says about a repository in the
# same form as test/git-blame-counts.sh: "KEY<TAB>EMAIL<TAB>LINES" per
# (file, author).  Extra arguments go to the worker (e.g. --threads 1).
#
# usage: test/sesami-counts.sh WORKER REPO [ARGS...]
set -euo pipefail
worker=$1 repo=$2
shift 2
"$worker" analyze "$repo" --json "$@" | jq -r '
	.files[] | (if .path_hex then "H:" + .path_hex else "B:" + (.path | @base64) end) as $k
	| .authors[] | "\($k)\t\(.email)\t\(.lines)"'
