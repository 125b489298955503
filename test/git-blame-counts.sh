#!/usr/bin/env bash
# Print what `git blame` (default options, .mailmap applied) says about a
# repository at HEAD: one line "KEY<TAB>EMAIL<TAB>LINES" per (file, author),
# over every regular file git does not consider binary.  KEY is "B:" + the
# base64 of the path bytes when the path is valid UTF-8, else "H:" + the hex
# of the bytes (the form sesami's JSON uses for such paths: path_hex).
# Symlinks and submodules are left out, as sesami does.
#
# usage: test/git-blame-counts.sh REPO
set -euo pipefail
repo=$1
empty=$(git -C "$repo" hash-object -t tree /dev/null)

# Paths git's own binary test (NUL in the first 8000 bytes) calls binary.
declare -A binary=()
while IFS= read -r -d '' rec; do
	if [[ "$rec" == $'-\t-\t'* ]]; then
		binary["${rec#$'-\t-\t'}"]=1
	fi
done < <(git -C "$repo" -c core.quotepath=off diff --no-renames --numstat -z "$empty" HEAD)

while IFS= read -r -d '' rec; do
	meta=${rec%%$'\t'*}
	path=${rec#*$'\t'}
	mode=${meta%% *}
	[[ "$mode" == 100644 || "$mode" == 100755 ]] || continue
	[[ -n "${binary[$path]:-}" ]] && continue
	if printf '%s' "$path" | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1; then
		key="B:$(printf '%s' "$path" | base64 -w0)"
	else
		key="H:$(printf '%s' "$path" | od -An -v -tx1 | tr -d ' \n')"
	fi
	git -C "$repo" blame --line-porcelain HEAD -- "$path" |
		awk -v key="$key" '
			/^author-mail / { m = substr($0, 13); sub(/^</, "", m); sub(/>$/, "", m); n[m]++ }
			END { for (m in n) printf "%s\t%s\t%d\n", key, m, n[m] }'
done < <(git -C "$repo" ls-tree -r -z HEAD)
