#!/usr/bin/env bash
# Blame and analysis tests for `sesami-worker analyze`.
#
# Builds the synthetic repositories of test/make-repos.sh and checks, for each
# one, that sesami's surviving-line counts equal `git blame --line-porcelain`
# summed per mailmapped author-mail, per (file, author) and per author, over
# every non-binary regular file at HEAD (the git side is computed here by
# test/git-blame-counts.sh).  Then the JSON contract, the commit statistics
# against `git log --numstat`, --author matching, bare repositories, thread
# counts, errors, this repository itself and real repository snapshots in
# /work/.mirror when present (SESAMI_TEST_MIRRORS, below, picks which).
#
# Run from the repository root: bash test/blame.test.sh
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tmp=$(mktemp -d /tmp/sesami-blame.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
worker="$root/worker/sesami-worker"
failures=0

ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; failures=$((failures + 1)); }
# check WHAT COMMAND...: ok if the command succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else notok "$what"; fi
}

make -s -C worker >/dev/null || { notok "worker builds"; exit 1; }
ok "worker builds"
bash test/make-repos.sh "$tmp/repos" >"$tmp/make-repos.log" 2>&1 || { cat "$tmp/make-repos.log"; notok "test repositories build"; exit 1; }
ok "test repositories build"

# per_author FILE: sum a KEY/EMAIL/LINES listing per e-mail.
per_author() { awk -F'\t' '{n[$2] += $3} END {for (e in n) print e "\t" n[e]}' "$1" | sort; }
# person: a KEY/EMAIL/LINES listing with each e-mail as the person it names
# (lower case; a GitHub noreply address as login@users.noreply.github.com),
# rows of one person and file summed.  sesami.analysis/2 merges identities so.
person() {
	awk -F'\t' -v OFS='\t' '{e = tolower($2); if (e ~ /@users\.noreply\.github\.com$/) sub(/^[0-9]+\+/, "", e)
		n[$1 OFS e] += $3} END {for (k in n) print k, n[k]}' | sort
}

# compare_repo NAME REPO [WORKER ARGS]: sesami vs git blame, per file and per author.
compare_repo() {
	local name=$1 repo=$2
	shift 2
	local g="$tmp/$name.git" s="$tmp/$name.sesami"
	[ -f "$g" ] || bash test/git-blame-counts.sh "$repo" | person >"$g"
	if ! "$worker" analyze "$repo" --json "$@" >"$s.json"; then
		notok "$name: sesami-worker analyze runs ($*)"
		return
	fi
	bash test/sesami-counts.sh --json "$s.json" | person >"$s"
	if [ ! -s "$g" ]; then
		notok "$name: git blame found lines to compare"
		return
	fi
	if diff -u "$g" "$s" >"$tmp/$name.diff"; then
		ok "$name: lines per (file, author) equal git blame ($(wc -l <"$g") rows${*:+, $*})"
	else
		notok "$name: lines per (file, author) equal git blame${*:+ ($*)}"
		head -20 "$tmp/$name.diff"
	fi
	# the authors' blame_lines (every blamed file, whatever its class)
	jq -r '.authors[] | select(.blame_lines > 0) | "-\t\(.email)\t\(.blame_lines)"' "$s.json" | person | cut -f2- >"$s.authors"
	if diff <(per_author "$g") "$s.authors" >/dev/null; then
		ok "$name: blame_lines per author equal git blame${*:+ ($*)}"
	else
		notok "$name: blame_lines per author equal git blame${*:+ ($*)}"
		diff <(per_author "$g") "$s.authors" | head -10
	fi
}

for r in merges renames misc classes; do
	compare_repo "$r" "$tmp/repos/$r" --threads 1
	compare_repo "$r" "$tmp/repos/$r" --threads 3
	compare_repo "$r" "$tmp/repos/$r" --threads 7
done

# The scenarios really are in the repositories (a test that cannot fail is a defect).
m="$tmp/repos/merges" rn="$tmp/repos/renames" mi="$tmp/repos/misc"
check "merges: the history has an octopus merge" \
	test "$(git -C "$m" rev-list --min-parents=3 --count HEAD)" -ge 1
check "renames: a rename with a small edit is followed (alice keeps 38 lines of src/small2.c)" \
	grep -q "^B:$(printf 'src/small2.c' | base64 -w0)	alice@example.com	38$" "$tmp/renames.sesami"
check "renames: a rename with a big edit is not followed (dave owns all of src/big2.c)" \
	test "$(grep -c "^B:$(printf 'src/big2.c' | base64 -w0)	" "$tmp/renames.sesami")" -eq 1
check "misc: .mailmap folds bob@old.example into bob@example.com" \
	bash -c "! grep -q 'bob@old.example' '$tmp/misc.sesami' && grep -q 'bob@example.com' '$tmp/misc.sesami'"
check "misc: a file that was a symlink is blamed from its type change (carol owns was-link)" \
	grep -q "^B:$(printf 'was-link' | base64 -w0)	carol@example.com	6$" "$tmp/misc.sesami"

# JSON contract.
"$worker" analyze "$mi" --json >"$tmp/misc.json" 2>"$tmp/misc.err"
check "misc: --json exits 0" test $? -eq 0
check "json: schema is sesami.analysis/2" test "$(jq -r .schema "$tmp/misc.json")" = "sesami.analysis/2"
check "json: repo.head is HEAD" test "$(jq -r .repo.head "$tmp/misc.json")" = "$(git -C "$mi" rev-parse HEAD)"
check "json: repo.branch is main" test "$(jq -r .repo.branch "$tmp/misc.json")" = main
check "json: repo.commits counts every commit" \
	test "$(jq -r .repo.commits "$tmp/misc.json")" = "$(git -C "$mi" rev-list --count HEAD)"
check "json: binary file is skipped as binary" \
	test "$(jq -r '.stats.skipped[] | select(.path == "logo.gif") | .reason' "$tmp/misc.json")" = binary
check "json: symlinks are skipped as symlink" \
	test "$(jq -r '[.stats.skipped[] | select(.reason == "symlink") | .path] | sort | join(",")' "$tmp/misc.json")" \
	= "becomes-link.txt,link-to-main"
check "json: non-UTF-8 path has path_hex" \
	test "$(jq -r '.files[] | select(.path_hex) | .path_hex' "$tmp/misc.json")" = "636166e92e747874"
check "json: empty file is listed with 0 lines" \
	test "$(jq -r '.files[] | select(.path == "empty.txt") | .lines' "$tmp/misc.json")" = 0
check "json: shares add up to 1" \
	test "$(jq '[.authors[].share] | add | . * 100 | round' "$tmp/misc.json")" = 100
check "json: blame shares add up to 1" \
	test "$(jq '[.authors[].blame_share] | add | . * 100 | round' "$tmp/misc.json")" = 100
check "json: per-file lines add up to repo.blame_lines" \
	test "$(jq '[.files[].lines] | add' "$tmp/misc.json")" = "$(jq .repo.blame_lines "$tmp/misc.json")"
check "json: code files' lines add up to repo.lines and to the authors' lines" \
	test "$(jq '[([.files[] | select(.class == "code") | .lines] | add), .repo.lines, ([.authors[].lines] | add)] | unique | length' "$tmp/misc.json")" = 1
check "json: top_author of moved.c is alice" \
	test "$(jq -r '.files[] | select(.path == "moved.c") | .top_author' "$tmp/misc.json")" = alice@example.com

# Linguist classes (test/make-repos.sh "classes"): expected line counts are
# the files' own line counts (wc -l), grouped by the class the rules give them.
cl="$tmp/repos/classes"
"$worker" analyze "$cl" --json --author erin@example.com >"$tmp/classes.json"
wcl() { (cd "$cl" && cat "$@" | wc -l); }
cls() { jq -r --arg p "$1" '.files[] | select(.path == $p) | .class' "$tmp/classes.json"; }
for f in src/app.js:code src/erin.c:code docs/guide.md:documentation vendor/lib/util.js:vendored \
	.gitattributes:vendored package-lock.json:generated web/bundle.js:generated gen/kinds.go:generated \
	out/schema.sql:generated ext/logo.ai:binary assets/chart:binary; do
	check "classes: ${f%%:*} is ${f#*:}" test "$(cls "${f%%:*}")" = "${f#*:}"
done
check "classes: text-looking binaries have no NUL byte (git blames them)" \
	bash -c "! grep -qaP '\\x00' '$cl/ext/logo.ai' '$cl/assets/chart' && test \"\$(jq '[.files[] | select(.class == \"binary\")] | length' '$tmp/classes.json')\" = 2"
check "classes: stats.classes counts each class's lines" \
	test "$(jq -c '[.stats.classes[] | .lines]' "$tmp/classes.json")" \
	= "[$(wcl src/app.js src/erin.c),$(wcl docs/guide.md),$(wcl vendor/lib/util.js .gitattributes),$(wcl package-lock.json web/bundle.js gen/kinds.go out/schema.sql),$(wcl ext/logo.ai assets/chart)]"
check "classes: repo.lines are the code lines, repo.blame_lines every line" \
	test "$(jq -c '[.repo.lines, .repo.doc_lines, .repo.blame_lines]' "$tmp/classes.json")" \
	= "[$(wcl src/app.js src/erin.c),$(wcl docs/guide.md),$(git -C "$cl" ls-files | (cd "$cl" && xargs cat) | wc -l)]"
check "classes: alice's lines are her code (src/app.js), her blame_lines add .gitattributes" \
	test "$(jq -c '.authors[] | select(.email == "alice@example.com") | [.lines, .blame_lines]' "$tmp/classes.json")" \
	= "[$(wcl src/app.js),$(wcl src/app.js .gitattributes)]"
check "classes: bob has documentation lines but no code lines" \
	test "$(jq -c '.authors[] | select(.email == "bob@example.com") | [.lines, .doc_lines, .blame_lines]' "$tmp/classes.json")" \
	= "[0,$(wcl docs/guide.md),$(wcl docs/guide.md vendor/lib/util.js gen/kinds.go out/schema.sql)]"
check "classes: the lock file and bundle give carol blame_lines but no lines or share" \
	test "$(jq -c '.authors[] | select(.email == "carol@example.com") | [.lines, .share, .blame_lines]' "$tmp/classes.json")" \
	= "[0,0,$(wcl package-lock.json web/bundle.js)]"
check "classes: the headline ranks code authors first (alice, then erin)" \
	test "$(jq -r '[.authors[:2][] | .email | ascii_downcase] | join(",")' "$tmp/classes.json")" = "alice@example.com,erin@example.com"
check "classes: e-mails differing only in case are one author, named as in the latest commit" \
	test "$(jq -c '[.authors[] | select(.emails | length > 1) | [.name, (.emails | sort), .lines]]' "$tmp/classes.json")" \
	= "[[\"Erin Q\",[\"Erin@Example.COM\",\"erin@example.com\"],$(wcl src/erin.c)]]"
check "classes: the user's lines and share count only code" \
	test "$(jq -c '[.user.lines, .user.blame_lines, .user.share]' "$tmp/classes.json")" \
	= "[$(wcl src/erin.c),$(wcl src/erin.c),$(jq -n "$(wcl src/erin.c) / $(wcl src/app.js src/erin.c) * 10000 | round / 10000")]"
check "classes: per-file authors name the merged author" \
	test "$(jq -r '.files[] | select(.path == "src/erin.c") | [.authors[] | "\(.email) \(.lines)"] | join(",")' "$tmp/classes.json")" \
	= "$(jq -r '.authors[] | select(.name == "Erin Q") | .email' "$tmp/classes.json") $(wcl src/erin.c)"

# Commit statistics against git log (non-merge commits, mailmap, numstat),
# serially and split over history shards.
for r in merges renames misc merges@5 misc@7; do
	threads=1
	[[ "$r" == *@* ]] && threads=${r#*@} && r=${r%@*}
	git -C "$tmp/repos/$r" log --no-merges --numstat --use-mailmap --format='C %aE' |
		awk -F'\t' '/^C /{a = substr($0, 3); c[a]++; next} NF >= 3 && $1 != "-" {ad[a] += $1; de[a] += $2}
			END {for (a in c) print a, c[a], ad[a] + 0, de[a] + 0}' | sort >"$tmp/$r.log"
	# one author per person: sum git's rows the same way
	awk '{e = tolower($1); if (e ~ /@users\.noreply\.github\.com$/) sub(/^[0-9]+\+/, "", e)
		c[e] += $2; ad[e] += $3; de[e] += $4} END {for (e in c) print e, c[e], ad[e], de[e]}' "$tmp/$r.log" | sort >"$tmp/$r.log2"
	mv "$tmp/$r.log2" "$tmp/$r.log"
	"$worker" analyze "$tmp/repos/$r" --json --threads "$threads" |
		jq -r '.authors[] | select(.commits > 0) | "\(.email | ascii_downcase | sub("^[0-9]+\\+(?<l>.*@users\\.noreply\\.github\\.com)$"; "\(.l)")) \(.commits) \(.additions) \(.deletions)"' |
		sort >"$tmp/$r.stats"
	if diff "$tmp/$r.log" "$tmp/$r.stats" >/dev/null; then
		ok "$r: commits, additions, deletions per author equal git log --numstat (--threads $threads)"
	else
		notok "$r: commits, additions, deletions per author equal git log --numstat (--threads $threads)"
		diff "$tmp/$r.log" "$tmp/$r.stats" | head
	fi
done
alice_times=$(git -C "$mi" log --no-merges --use-mailmap --author=alice@example.com --format=%at | sort -n)
check "misc: first and last commit of alice" \
	test "$(jq -r '.authors[] | select(.email == "alice@example.com") | "\(.first_commit) \(.last_commit)"' "$tmp/misc.json")" \
	= "$(date -u -d "@$(head -1 <<<"$alice_times")" +%FT%TZ) $(date -u -d "@$(tail -1 <<<"$alice_times")" +%FT%TZ)"

# --author matching.
"$worker" analyze "$mi" --json --author BOB@example.com >"$tmp/bob.json"
check "--author matches e-mails case-insensitively after mailmap" \
	test "$(jq .user.lines "$tmp/bob.json")" = "$(jq '.authors[] | select(.email == "bob@example.com") | .lines' "$tmp/bob.json")"
"$worker" analyze "$mi" --json --author octo@users.noreply.github.com >"$tmp/octo.json"
check "--author noreply form matches both noreply forms" \
	test "$(jq -c '[.user.matched_authors[]] | sort' "$tmp/octo.json")" \
	= '["12345+octo@users.noreply.github.com","octo@users.noreply.github.com"]'
check "the two noreply forms of one login are one author" \
	test "$(jq -c '[.authors[] | select(.emails | index("octo@users.noreply.github.com"))] | map(.emails | sort)' "$tmp/octo.json")" \
	= '[["12345+octo@users.noreply.github.com","octo@users.noreply.github.com"]]'
check "--author: user commits and lines" \
	test "$(jq -r '"\(.user.commits) \(.user.lines)"' "$tmp/octo.json")" = "2 4"
check "--author: files touched are a union over the user's addresses" \
	test "$(jq .user.files "$tmp/octo.json")" = 2
check "--author: top_files lists octo.txt first" \
	test "$(jq -r '.user.top_files[0].path' "$tmp/octo.json")" = octo.txt
check "--author unknown e-mail gives zero lines" \
	test "$("$worker" analyze "$mi" --json --author nobody@example.com | jq .user.lines)" = 0
check "table output names the authors" bash -c "'$worker' analyze '$mi' | grep -q '| Alice'"

# Limits and progress.
"$worker" analyze "$mi" --json --max-file-bytes 100 >"$tmp/small.json"
check "--max-file-bytes skips larger files as too large" \
	test "$(jq -r '.stats.skipped[] | select(.path == "moved.c") | .reason' "$tmp/small.json")" = "too large"
check "--max-file-bytes: skipped files count no lines" \
	test "$(jq '[.files[].lines] | add' "$tmp/small.json")" = "$(jq .repo.blame_lines "$tmp/small.json")"
"$worker" analyze "$mi" --progress --threads 1 >/dev/null 2>"$tmp/progress"
check "--progress reports the blame, history and done stages" \
	bash -c "grep -q 'blame' '$tmp/progress' && grep -q 'history' '$tmp/progress' && grep -q 'done 100%' '$tmp/progress'"

# The C API (analysis.h) the database modes call.
# shellcheck disable=SC2086  # SANITIZE=1 (scripts/test.sh): the worker's objects need the sanitizers too
if cc -std=gnu11 ${SESAMI_SANITIZE_CFLAGS:-} -Wall -Wextra -Werror -Iworker $(pkg-config --cflags json-c libgit2) -o "$tmp/analysis-api" \
	test/analysis-api.c worker/analysis.o worker/blame.o worker/history.o worker/jsonutf8.o worker/strmap.o \
	worker/languages.o worker/languages_git.o worker/languages_table.o worker/glob.o \
	$(pkg-config --libs json-c libgit2) -lpthread; then
	ok "api test program builds"
	"$tmp/analysis-api" "$mi" || true
else
	notok "api test program builds"
fi

# Bare repositories (mailmap read from HEAD:.mailmap).
git clone -q --bare "$mi" "$tmp/misc-bare.git"
bash test/sesami-counts.sh "$worker" "$tmp/misc-bare.git" | person >"$tmp/misc-bare.sesami"
check "bare clone gives the same counts as the work tree" diff -q "$tmp/misc.sesami" "$tmp/misc-bare.sesami"

# Shallow clones: the boundary commits count as roots, as in git.
git clone -q --depth 4 "file://$m" "$tmp/merges-shallow"
compare_repo merges-shallow "$tmp/merges-shallow" --threads 1
check "shallow clone: repo.commits counts only the commits present" \
	test "$("$worker" analyze "$tmp/merges-shallow" --json | jq .repo.commits)" = "$(git -C "$tmp/merges-shallow" rev-list --count HEAD)"
git -C "$tmp/merges-shallow" log --no-merges --numstat --use-mailmap --format='C %aE' |
	awk -F'\t' '/^C /{a = substr($0, 3); c[a]++; next} NF >= 3 && $1 != "-" {ad[a] += $1; de[a] += $2}
		END {for (a in c) print a, c[a], ad[a] + 0, de[a] + 0}' | sort >"$tmp/shallow.log"
"$worker" analyze "$tmp/merges-shallow" --json --threads 3 |
	jq -r '.authors[] | select(.commits > 0) | "\(.email) \(.commits) \(.additions) \(.deletions)"' | sort >"$tmp/shallow.stats"
check "shallow clone: commit statistics equal git log --numstat" diff -q "$tmp/shallow.log" "$tmp/shallow.stats"

# Errors.
"$worker" analyze "$tmp/does-not-exist" >/dev/null 2>"$tmp/err1"
check "missing repository: exit 1" test $? -eq 1
check "missing repository: clear message" grep -q 'could not open repository' "$tmp/err1"
git -c init.defaultBranch=main init -q "$tmp/unborn"
"$worker" analyze "$tmp/unborn" >/dev/null 2>"$tmp/err3"
check "repository without commits: clear message" grep -q 'has no commits yet' "$tmp/err3"
"$worker" analyze "$mi" --threads zero >/dev/null 2>"$tmp/err2"
check "bad --threads: exit 2" test $? -eq 2
"$worker" analyze "$mi" --author not-an-email >/dev/null 2>&1
check "bad --author: exit 2" test $? -eq 2

# This repository, and real snapshots if there are any.
if git -C "$root" rev-parse --verify -q HEAD >/dev/null; then
	compare_repo self "$root"
fi
# SESAMI_TEST_MIRRORS: snapshot names (owner+name) to compare, "all", or 0
# for none; by default expressjs/express when its snapshot is present.
mirrors=${SESAMI_TEST_MIRRORS-expressjs+express}
[ "$mirrors" = 0 ] && mirrors=
[ "$mirrors" = all ] && mirrors=$(cd /work/.mirror 2>/dev/null && ls -d */ 2>/dev/null | tr -d /)
for name in $mirrors; do
	repo=/work/.mirror/$name/repo
	[ -d "$repo" ] || continue
	compare_repo "mirror-$name" "$repo"
done

[ "$failures" -eq 0 ]
