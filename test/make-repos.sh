#!/usr/bin/env bash
# Build synthetic git repositories with known authorship for the blame tests.
#
# usage: test/make-repos.sh DIR      (creates DIR/<name> for each repository)
#
# Every commit sets author, committer and both dates explicitly, so the
# repositories (and their commit ids) are the same on every machine.
#   merges    branches, a clean merge, a conflict resolved by hand (lines from
#             both sides plus new ones), an "evil" merge, an octopus merge,
#             a merge whose result equals the second parent
#   renames   pure rename, rename + small edit (>= 50 % similar, followed),
#             rename + big edit (< 50 %, not followed), directory move, two
#             deleted files with the same basename, a copy (not followed)
#   misc      .mailmap (name and e-mail, upper/lower case), a binary file, a
#             vendored directory, an empty file, CRLF line endings, a
#             non-UTF-8 file name, symlinks, a file that became a symlink and
#             a symlink that became a file, deleted-then-restored lines, a
#             moved block, whitespace-only changes, no newline at end of
#             file, an executable-bit change, a commit dated before its parent
#   classes   one file of each Linguist class: code, documentation, vendored,
#             generated (lock file, minified bundle, "DO NOT EDIT" banner,
#             linguist-generated attribute), binary without a NUL byte
#             (Illustrator and PDF headers); e-mails differing only in case
set -euo pipefail
out=${1:?usage: make-repos.sh DIR}
mkdir -p "$out"
export GIT_CONFIG_NOSYSTEM=1 HOME="$out/.home" LC_ALL=C
mkdir -p "$HOME"
git config --global init.defaultBranch main
git config --global core.autocrlf false
git config --global merge.conflictstyle merge

t=1600000000

# commit as NAME EMAIL -m MSG ...: commit with that identity one hour after the last one.
as() {
	local name=$1 email=$2
	shift 2
	t=$((t + 3600))
	GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email GIT_AUTHOR_DATE="@$t +0000" \
		GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email GIT_COMMITTER_DATE="@$t +0000" \
		git "$@" -q
}
alice() { as Alice alice@example.com "$@"; }
bob() { as Bob bob@example.com "$@"; }
carol() { as Carol carol@example.com "$@"; }
dave() { as Dave dave@example.com "$@"; }

# lines N PREFIX: N numbered lines.
lines() { for i in $(seq 1 "$1"); do echo "$2 line $i"; done; }

# ---------------------------------------------------------------- merges
r="$out/merges"
git init -q "$r" && cd "$r"
lines 20 base >a.txt
lines 10 other >b.txt
git add . && alice commit -m "base"
git checkout -q -b feature
sed -i 's/^base line 5$/feature five/' a.txt
echo "feature tail" >>a.txt
bob commit -am "feature edits a"
lines 5 feat >f.txt
git add f.txt && bob commit -m "feature adds f"
git checkout -q main
sed -i 's/^base line 15$/main fifteen/' a.txt
carol commit -am "main edits a"
alice merge --no-ff feature -m "merge feature (clean)" >/dev/null
# conflict: both sides change line 10
git checkout -q -b left
sed -i 's/^base line 10$/left ten/' a.txt
bob commit -am "left ten"
git checkout -q main
sed -i 's/^base line 10$/right ten/' a.txt
carol commit -am "right ten"
alice merge left -m "merge left" >/dev/null 2>&1 || true  # conflicts on purpose
# resolve by hand: keep both lines and add one of our own
awk '/^<<<<<<< /||/^=======$/||/^>>>>>>> /{next} {print} /^left ten$/{print "resolved by dave"}' a.txt >a.new
mv a.new a.txt
git add a.txt && dave commit -m "merge left (conflict resolved)"
# evil merge: a merge that adds a line no parent has
git checkout -q -b evil
echo "evil side" >>b.txt
bob commit -am "evil side"
git checkout -q main
echo "main side" >e.txt
git add e.txt && carol commit -m "main side"
alice merge --no-ff --no-commit evil >/dev/null 2>&1
echo "added in the merge" >>b.txt
git add b.txt && dave commit -m "evil merge"
# octopus
for br in o1 o2 o3; do
	git checkout -q -b "$br" main
	lines 3 "$br" >"$br.txt"
	git add "$br.txt" && bob commit -m "$br"
done
git checkout -q main
alice merge --no-ff o1 o2 o3 -m "octopus" >/dev/null
# merge whose result equals the second parent for one file
git checkout -q -b theirs
sed -i 's/^other line 3$/theirs three/' b.txt
carol commit -am "theirs three"
git checkout -q main
sed -i 's/^other line 7$/ours seven/' b.txt
bob commit -am "ours seven"
alice merge --no-ff --no-commit theirs >/dev/null 2>&1
git show theirs:b.txt >b.txt
git add b.txt && alice commit -m "merge theirs, take their b.txt"

# ---------------------------------------------------------------- renames
r="$out/renames"
git init -q "$r" && cd "$r"
mkdir -p src lib docs
lines 40 pure >src/pure.c
lines 40 small >src/small.c
lines 40 big >src/big.c
lines 30 dir >lib/inner.c
lines 25 same1 >src/util.h
lines 25 same2 >lib/util.h
lines 30 copy >src/copy.c
git add . && alice commit -m "initial files"
git mv src/pure.c src/pure2.c && bob commit -m "pure rename"
git mv src/small.c src/small2.c
sed -i 's/^small line 1$/small one by carol/;s/^small line 2$/small two by carol/' src/small2.c
carol commit -am "rename small.c with a small edit"
git mv src/big.c src/big2.c
sed -i '1,30d' src/big2.c
lines 25 rewrite >>src/big2.c
git add -A && dave commit -m "rename big.c with a big edit"
git mv lib newlib && bob commit -m "move lib/ to newlib/"
# two deleted files with the same basename, one comes back elsewhere
git rm -q src/util.h newlib/util.h
mkdir -p include
lines 25 same2 >include/util.h
sed -i 's/^same2 line 4$/four by carol/' include/util.h
git add -A && carol commit -m "util.h: keep one copy"
# a copy (git blame does not follow copies without -C)
cp src/copy.c src/copy2.c
git add . && dave commit -m "copy copy.c"
echo "tail by alice" >>src/copy2.c && alice commit -am "edit the copy"

# ---------------------------------------------------------------- misc
r="$out/misc"
git init -q "$r" && cd "$r"
lines 10 code >main.c
lines 5 legacy >legacy.txt
git add . && as "Bobby" bob@old.example commit -m "old identity"
printf 'Bob <bob@example.com> <bob@old.example>\nCarol Real <carol@example.com> CAROL <Carol@Example.COM>\n' >.mailmap
git add .mailmap && alice commit -m "mailmap"
echo "shouty carol" >>main.c && as CAROL Carol@Example.COM commit -am "carol with odd case"
printf 'GIF89a\0\1\2\3binary\0data\n' >logo.gif
mkdir -p vendor/lib && lines 12 vendored >vendor/lib/dep.js
: >empty.txt
printf 'crlf one\r\ncrlf two\r\ncrlf three\r\n' >crlf.txt
printf 'latin1 name\n' >"$(printf 'caf\xe9.txt')"
git add . && dave commit -m "binary, vendored, empty, crlf, non-utf8 name"
ln -s main.c link-to-main
lines 4 target >becomes-link.txt
ln -s legacy.txt was-link
git add . && bob commit -m "symlinks"
rm becomes-link.txt && ln -s main.c becomes-link.txt
rm was-link && lines 6 "no longer a link" >was-link
git add -A && carol commit -m "file <-> symlink"
# deleted then restored lines
sed -i '/^code line 3$/d;/^code line 4$/d' main.c && alice commit -am "drop two lines"
sed -i 's/^code line 2$/code line 2\ncode line 3\ncode line 4/' main.c && bob commit -am "restore them"
# moved block
lines 30 block >moved.c
git add moved.c && alice commit -m "moved.c"
{ sed -n '21,30p' moved.c; sed -n '1,20p' moved.c; } >moved.new && mv moved.new moved.c
carol commit -am "move the last block to the top"
# whitespace-only changes
sed -i 's/^block line 5$/block line 5  /;s/^block line 6$/	block line 6/' moved.c
dave commit -am "whitespace only"
# no newline at end of file, then one added
printf 'no eol 1\nno eol 2' >noeol.txt
git add noeol.txt && alice commit -m "no eol"
printf 'no eol 1\nno eol 2\nno eol 3' >noeol.txt && bob commit -am "still no eol"
# executable bit
chmod +x main.c && carol commit -am "chmod +x"
# a commit dated before its parent (clock skew)
t_saved=$t
t=$((t - 86400 * 3))
echo "skewed line" >>legacy.txt && dave commit -am "clock skew"
t=$((t_saved + 3600))
echo "after skew" >>legacy.txt && alice commit -am "after skew"
# indent heuristic: inserting a function between two with the same tail
cat >heur.c <<'C'
int a(void)
{
	return 1;
}

int c(void)
{
	return 3;
}
C
git add heur.c && alice commit -m "heur.c"
cat >heur.c <<'C'
int a(void)
{
	return 1;
}

int b(void)
{
	return 2;
}

int c(void)
{
	return 3;
}
C
bob commit -am "insert b()"
# GitHub noreply identities, both forms, for --author matching
echo "from the web editor" >>noeol.txt
as Octo 12345+octo@users.noreply.github.com commit -am "web edit"
lines 3 octo >octo.txt
git add octo.txt && as Octo octo@users.noreply.github.com commit -m "octo.txt"

# ---------------------------------------------------------------- classes
r="$out/classes"
git init -q "$r" && cd "$r"
mkdir -p src docs vendor/lib ext assets web gen out
lines 20 app >src/app.js
printf 'out/schema.sql linguist-generated=true\n' >.gitattributes
git add . && alice commit -m "app and attributes"
lines 6 erin >src/erin.c
git add . && as Erin erin@example.com commit -m "erin.c"
lines 7 guide >docs/guide.md
lines 15 vendored >vendor/lib/util.js
{ echo "// Code generated by stringer. DO NOT EDIT."; lines 10 "var gen"; } >gen/kinds.go
lines 8 "create table t" >out/schema.sql
git add . && bob commit -m "docs, vendored, generated"
lines 50 '  "lock": "entry"' >package-lock.json
for i in $(seq 1 12); do printf 'var a%s=1;%.0s' "$i" $(seq 1 30); echo; done >web/bundle.js
git add . && carol commit -m "lock file and minified bundle"
# text-looking binaries: Illustrator (PostScript header) and PDF, no NUL byte
{ echo "%!PS-Adobe-3.0"; echo "%%Creator: Adobe Illustrator(R) 24.0"; lines 38 "%%AI8_ art"; } >ext/logo.ai
{ echo "%PDF-1.5"; lines 8 "obj"; } >assets/chart
git add . && dave commit -m "artwork"
# the same person with an e-mail differing only in case, later a new name
lines 4 "erin again" >>src/erin.c
as "Erin Q" Erin@Example.COM commit -am "more erin.c"
