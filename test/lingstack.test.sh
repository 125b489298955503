#!/usr/bin/env bash
# lingstack.test.sh — languages (worker/languages.c) and tech stack
# (worker/stack*.c), checked on synthetic git repositories built here.
#
# What it pins down:
#   - the committed languages_table.c is exactly what worker/gen produces;
#   - per-file verdicts (counted / vendored / generated / documentation /
#     binary / not-counted), ambiguous-extension choices and Linguist's
#     .gitattributes overrides (nested files included);
#   - byte percentages agree with linguist-js (pinned in test/linguist) within
#     1 percentage point on synthetic trees, this project's own HEAD and the
#     repositories mirrored under /work/.mirror, up to 8,000 files in all
#     (read-only: HEAD is checked out
#     into a temp dir through a private index; linguist-js needs files on disk);
#   - every manifest kind yields the expected dependencies and technologies
#     with evidence; malformed and oversized manifests are listed as skipped
#     and contribute nothing; vendored manifests are ignored;
#   - the C code runs clean under -fsanitize=address,undefined on those repos.
# Output: one "ok - ..." / "not ok - ..." line per check; exit 1 on failure.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

tmp=$(mktemp -d /tmp/sesami-lingstack.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failed=0

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; failed=$((failed + 1)); }
# check "what" command...: ok when the command succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else notok "$what"; fi
}
# jcheck "what" FILE 'js expression' (see test/json_assert.mjs).
jcheck() { check "$1" node test/json_assert.mjs "$2" "$3"; }

# ---------------------------------------------------------------- build
pkgs="libgit2 json-c libxml-2.0 yaml-0.1"
cflags="-std=gnu11 -Wall -Wextra -Werror -Iworker $(pkg-config --cflags $pkgs)"
libs=$(pkg-config --libs $pkgs)
lang_src="worker/glob.c worker/jsonutf8.c worker/languages.c worker/languages_git.c worker/languages_table.c"
stack_src="worker/glob.c worker/jsonutf8.c worker/stack.c worker/stack_manifests.c worker/stack_rules.c"
san="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"

if ! command -v node >/dev/null; then
	notok "node is installed (needed for linguist-js and the JSON checks)"
	exit 1
fi
build_ok=1
cc $cflags -O2 -o "$tmp/ld" test/languages_driver.c $lang_src $libs || build_ok=0
cc $cflags -O2 -o "$tmp/sd" test/stack_driver.c $stack_src $libs || build_ok=0
cc $cflags $san -o "$tmp/ld-asan" test/languages_driver.c $lang_src $libs || build_ok=0
cc $cflags $san -o "$tmp/sd-asan" test/stack_driver.c $stack_src $libs || build_ok=0
cc $cflags $san -o "$tmp/glob-test" test/glob_test.c worker/glob.c || build_ok=0
check "test drivers build with -Wall -Wextra -Werror (plain and ASan/UBSan)" test "$build_ok" = 1
[ "$build_ok" = 1 ] || exit 1
# glob_test prints its own ok / not ok lines.
"$tmp/glob-test" >"$tmp/glob.out" || failed=$((failed + 1))
cat "$tmp/glob.out"
check "sesami-worker still builds with the new modules" make -s -C worker

# npm packages (pinned by the committed lock files); quiet, no install scripts.
for d in worker/gen test/linguist; do
	[ -d "$d/node_modules" ] || (cd "$d" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
done
(cd worker/gen && node gen-languages.mjs "$tmp/languages_table.c" 2>/dev/null)
check "worker/languages_table.c is what gen-languages.mjs generates" cmp -s "$tmp/languages_table.c" worker/languages_table.c

# ---------------------------------------------------------------- helpers
# commit DIR: make DIR a git repository with everything committed.
commit() {
	git -C "$1" init -q -b main &&
		git -C "$1" add -A &&
		git -C "$1" -c user.name=t -c user.email=t@example.com commit -q -m tree
}
# lines N TEXT: TEXT repeated on N lines.
lines() { local i; for ((i = 0; i < $1; i++)); do printf '%s\n' "$2"; done; }
# compare NAME REPO: linguist-js vs sesami on REPO's HEAD, within 1 point.
compare() {
	local name=$1 repo=$2 out="$tmp/cmp-$1"
	rm -rf "$out" && mkdir -p "$out/tree"
	# Check HEAD out through a private index: unlike git archive this honours
	# no export-ignore/export-subst, and the repository is left untouched.
	GIT_INDEX_FILE="$out/index" git -C "$repo" read-tree HEAD &&
		GIT_INDEX_FILE="$out/index" git -C "$repo" --work-tree="$out/tree" checkout-index -a -f ||
		{ notok "$name: export HEAD"; return; }
	# linguist-js applies .gitignore even to committed files (GitHub does not):
	# everything exported is committed, so the ignore files must not count.
	find "$out/tree" -name .gitignore -type f -delete
	"$tmp/ld" "$repo" >"$out/sesami.json" || { notok "$name: languages_driver runs"; return; }
	(cd test/linguist && node compare.mjs "$out/tree" "$out/sesami.json") >"$out/diff.txt" 2>&1
	local max
	max=$(sed -n 's/^max-diff //p' "$out/diff.txt")
	if [ -n "$max" ] && awk -v m="$max" 'BEGIN { exit !(m <= 1.0) }'; then
		ok "$name: percentages within 1 point of linguist-js (max $max)"
	else
		notok "$name: percentages within 1 point of linguist-js (max ${max:-?})"
		cat "$out/diff.txt"
	fi
}
# verdict REPO PATH: "verdict<TAB>language" of one file from the driver.
verdict() { awk -F'\t' -v p="$2" '$1 == p { print $2 "\t" $3 }' "$tmp/files-$(basename "$1")"; }
# vcheck REPO PATH EXPECTED: the file's verdict and language are EXPECTED.
vcheck() {
	local got want=${3/$'\t'/ }
	got=$(verdict "$1" "$2")
	if [ "$got" = "$3" ]; then ok "languages: $2 is $want"; else notok "languages: $2 is $want (got '${got/$'\t'/ }')"; fi
}

# ---------------------------------------------------------------- tree A: a web + backend mix
A="$tmp/tree-a"
mkdir -p "$A"/{src,include,app,bin,web,cmd/svc,scripts,node_modules/lib,vendor/dep,third_party,dist,types,docs,assets}
lines 120 'int counter_step(int x) { return x * 2 + 1; } /* step */' >"$A/src/main.c"
lines 30 'int util_max(int a, int b);' >"$A/include/util.h"
{ echo 'class Widget {'; echo 'public:'; lines 40 '    int size() const { return 42; }'; echo '};'; } >"$A/include/widget.h"
lines 50 'std::string widget_name() { return std::string("w"); }' >"$A/src/widget.cpp"
lines 150 'def handler(request): return {"status": 200, "body": request}' >"$A/app/server.py"
{ echo '#!/usr/bin/env python3'; lines 20 'print("tool output line")'; } >"$A/bin/tool"
lines 90 'export function render(node) { return node.children.map(String); }' >"$A/web/app.js"
lines 80 'export const total = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);' >"$A/web/main.ts"
lines 40 'export const View = (): JSX.Element => <div className="view">hello</div>;' >"$A/web/view.tsx"
{ echo '<!doctype html>'; lines 30 '<p class="para">Some paragraph text for the page.</p>'; } >"$A/web/index.html"
lines 40 '.box { margin: 0 auto; padding: 4px 8px; color: #333; }' >"$A/web/style.css"
{ echo 'package main'; lines 60 'func add(a, b int) int { return a + b } // helper'; } >"$A/cmd/svc/main.go"
{ echo '#!/bin/sh'; lines 25 'echo "building step"; make -s all'; } >"$A/scripts/build.sh"
printf 'all:\n\tcc -o app src/main.c\n' >"$A/Makefile"
lines 50 'Some notes in *Markdown* prose.' >"$A/notes.md"
lines 20 'key: value' >"$A/config.yml"
echo '{"a": 1}' >"$A/data.json"
lines 400 'module.exports = function () { return "vendored code"; };' >"$A/node_modules/lib/index.js"
lines 300 'int vendored_fn(void) { return 0; }' >"$A/vendor/dep/dep.c"
lines 300 'VENDORED = True' >"$A/third_party/x.py"
lines 300 'function(e){return e}' >"$A/web/jquery-3.7.1.min.js"
lines 300 'var bundle = 1;' >"$A/dist/bundle.js"
lines 100 'export declare function api(x: number): string;' >"$A/types/api.d.ts"
lines 300 '{"lockfileVersion": 3}' >"$A/package-lock.json"
lines 100 'A guide.' >"$A/docs/guide.md"
lines 100 'print("example")' >"$A/docs/example.py"
lines 30 'Read me.' >"$A/README.md"
lines 30 'MIT License text.' >"$A/LICENSE"
lines 30 '- change' >"$A/CHANGELOG.md"
printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR' >"$A/assets/logo.png"
commit "$A"
"$tmp/ld" --files "$A" >"$tmp/files-tree-a"
"$tmp/ld" "$A" >"$tmp/lang-a.json"

vcheck "$A" src/main.c $'counted\tC'
vcheck "$A" include/util.h $'counted\tC'
vcheck "$A" include/widget.h $'counted\tC++'
vcheck "$A" bin/tool $'counted\tPython'
vcheck "$A" web/view.tsx $'counted\tTSX'
vcheck "$A" notes.md $'not-counted\tMarkdown'
vcheck "$A" config.yml $'not-counted\tYAML'
vcheck "$A" node_modules/lib/index.js $'vendored\t-'
vcheck "$A" vendor/dep/dep.c $'vendored\t-'
vcheck "$A" third_party/x.py $'vendored\t-'
vcheck "$A" web/jquery-3.7.1.min.js $'vendored\t-'
vcheck "$A" dist/bundle.js $'vendored\t-'
vcheck "$A" types/api.d.ts $'vendored\t-'
vcheck "$A" package-lock.json $'generated\t-'
vcheck "$A" docs/guide.md $'documentation\t-'
vcheck "$A" docs/example.py $'documentation\t-'
vcheck "$A" README.md $'documentation\t-'
vcheck "$A" LICENSE $'documentation\t-'
vcheck "$A" CHANGELOG.md $'documentation\t-'
vcheck "$A" assets/logo.png $'binary\t-'
jcheck "languages: TSX bytes are reported under TypeScript (Linguist group)" "$tmp/lang-a.json" \
	'lang("TypeScript").files === 2 && !lang("TSX")'
jcheck "languages: only programming and markup languages are counted" "$tmp/lang-a.json" \
	'!lang("Markdown") && !lang("YAML") && !lang("JSON") && j.languages.every(l => ["programming","markup"].includes(l.type))'
jcheck "languages: percentages sum to 100 and bytes to total_bytes" "$tmp/lang-a.json" \
	'Math.abs(j.languages.reduce((s,l)=>s+l.percent,0) - 100) < 0.05 && j.languages.reduce((s,l)=>s+l.bytes,0) === j.total_bytes'
jcheck "languages: excluded files are listed with their reason" "$tmp/lang-a.json" \
	'excluded("node_modules/lib/index.js").reason === "vendored" && excluded("assets/logo.png").reason === "binary" && excluded("notes.md").language === "Markdown" && j.excluded_count === j.excluded.length'
compare "tree A (C, C++, Python, JS, TS, Go, HTML/CSS, vendored, docs)" "$A"

# ---------------------------------------------------------------- tree B: ambiguous extensions and more ecosystems
B="$tmp/tree-b"
mkdir -p "$B"/{lib,src,java/com/x,rs,migrations,.github/workflows,test/fixtures,testdata,tools}
{ echo 'use strict;'; echo 'use warnings;'; lines 60 'my $total = $x + $y; print "$total\n";'; } >"$B/lib/parse.pl"
lines 40 'parent(tom, bob) :- true.' >"$B/lib/facts.pl"
{ echo '#import <Foundation/Foundation.h>'; echo '@interface Obj : NSObject'; lines 30 '- (void)run;'; echo '@end'; } >"$B/src/obj.h"
{ echo '#import "obj.h"'; echo '@implementation Obj'; lines 50 '- (void)run { NSLog(@"run"); }'; echo '@end'; } >"$B/src/obj.m"
lines 100 'public class App { public static void main(String[] a) { System.out.println(a); } }' >"$B/java/com/x/App.java"
lines 60 'fun main() { println("kotlin says hi to everyone") }' >"$B/java/com/x/Main.kt"
lines 80 'fn main() { println!("rust {}", 1 + 2); }' >"$B/rs/main.rs"
lines 50 'def run; puts "ruby"; end' >"$B/lib/task.rb"
printf 'task :default do\n  puts "rake"\nend\n' >"$B/Rakefile"
lines 40 'CREATE TABLE t (id int);' >"$B/migrations/001.sql"
printf 'FROM debian:12\nRUN apt-get update\n' >"$B/Dockerfile"
printf 'cmake_minimum_required(VERSION 3.20)\nproject(x C)\n' >"$B/CMakeLists.txt"
lines 30 'on: push' >"$B/.github/workflows/ci.yml"
lines 200 'FIXTURE = 1' >"$B/test/fixtures/sample.py"
lines 200 'package testdata' >"$B/testdata/in.go"
{ echo '#!/usr/bin/env bash'; lines 30 'echo "no extension, bash shebang"'; } >"$B/tools/run"
{ echo '#!/usr/bin/env -S PYTHONUNBUFFERED=1 python3.11 -u'; lines 10 'print("env -S")'; } >"$B/tools/pyrun"
{ echo '#!/usr/local/bin/node --harmony'; lines 10 'console.log("node")'; } >"$B/tools/noderun"
commit "$B"
"$tmp/ld" --files "$B" >"$tmp/files-tree-b"
vcheck "$B" lib/parse.pl $'counted\tPerl'
vcheck "$B" lib/facts.pl $'counted\tProlog'
vcheck "$B" src/obj.h $'counted\tObjective-C'
vcheck "$B" src/obj.m $'counted\tObjective-C'
vcheck "$B" Rakefile $'counted\tRuby'
vcheck "$B" migrations/001.sql $'not-counted\tSQL'
vcheck "$B" tools/run $'counted\tShell'
vcheck "$B" tools/pyrun $'counted\tPython'
vcheck "$B" tools/noderun $'counted\tJavaScript'
vcheck "$B" test/fixtures/sample.py $'vendored\t-'
vcheck "$B" .github/workflows/ci.yml $'vendored\t-'
compare "tree B (Perl, Prolog, Objective-C, Java, Kotlin, Rust, Ruby, Dockerfile)" "$B"

# ---------------------------------------------------------------- tree C: content rules linguist-js lacks
C="$tmp/tree-c"
mkdir -p "$C"/{gen,web}
{ echo '// Code generated by protoc-gen-go. DO NOT EDIT.'; lines 50 'var x = 1'; } >"$C/gen/zz.go"
lines 50 'package gen' >"$C/gen/api.pb.go"
{ printf 'var a=1;'; for ((i = 0; i < 300; i++)); do printf 'function f%d(a){return a+%d}' $i $i; done; echo; } >"$C/web/app.js"
lines 50 'package main' >"$C/main.go"
# linguist-js ignores -linguist-documentation; GitHub Linguist honours it.
mkdir -p "$C/docs"
lines 20 'def documented(): pass' >"$C/docs/tool.py"
lines 20 'def also_documented(): pass' >"$C/docs/other.py"
printf 'docs/tool.py -linguist-documentation\nvendor/*.c linguist-vendored=false\n' >"$C/.gitattributes"
mkdir -p "$C/vendor"
lines 10 'int kept(void);' >"$C/vendor/kept.c"
commit "$C"
"$tmp/ld" --files "$C" >"$tmp/files-tree-c"
vcheck "$C" gen/zz.go $'generated\t-'
vcheck "$C" gen/api.pb.go $'generated\t-'
vcheck "$C" web/app.js $'generated\t-'
vcheck "$C" main.go $'counted\tGo'
vcheck "$C" docs/tool.py $'counted\tPython'
vcheck "$C" docs/other.py $'documentation\t-'
vcheck "$C" vendor/kept.c $'counted\tC'

# ---------------------------------------------------------------- tree D: .gitattributes overrides
D="$tmp/tree-d"
mkdir -p "$D"/{vendor/lib,gen,src,db,sub/third_party}
cat >"$D/.gitattributes" <<'EOF'
vendor/** -linguist-vendored
gen/*.js linguist-generated
*.inc linguist-language=PHP
*.sql linguist-detectable
src/legacy.c linguist-vendored
src/*.h linguist-language=cpp
EOF
printf 'third_party/*.py -linguist-vendored\n' >"$D/sub/.gitattributes"
lines 100 'int lib_fn(void) { return 1; } /* vendor/ but un-vendored */' >"$D/vendor/lib/lib.c"
lines 100 'var generated = true; // marked generated' >"$D/gen/out.js"
lines 60 '$x = 1; echo $x;' >"$D/src/page.inc"
lines 80 'SELECT id, name FROM users WHERE id = 1;' >"$D/db/q.sql"
lines 100 'int legacy(void) { return 0; }' >"$D/src/legacy.c"
lines 30 'int plain_header(int);' >"$D/src/x.h"
lines 120 'int main(void) { return lib_fn(); }' >"$D/src/main.c"
lines 40 'NESTED = "attributes file in a subdirectory"' >"$D/sub/third_party/keep.py"
commit "$D"
"$tmp/ld" --files "$D" >"$tmp/files-tree-d"
vcheck "$D" vendor/lib/lib.c $'counted\tC'
vcheck "$D" gen/out.js $'generated\t-'
vcheck "$D" src/page.inc $'counted\tPHP'
vcheck "$D" db/q.sql $'counted\tSQL'
vcheck "$D" src/legacy.c $'vendored\t-'
vcheck "$D" src/x.h $'counted\tC++'
vcheck "$D" sub/third_party/keep.py $'counted\tPython'
"$tmp/ld" --files --no-attributes "$D" >"$tmp/files-tree-d"
vcheck "$D" vendor/lib/lib.c $'vendored\t-'
compare "tree D (.gitattributes linguist-* overrides)" "$D"

# tree E: only a nested .gitattributes (the reader must still look these up)
E="$tmp/tree-e"
mkdir -p "$E/sub/deeper"
printf '*.c linguist-vendored\n' >"$E/sub/.gitattributes"
lines 5 'int a;' >"$E/sub/a.c"
lines 5 'int c;' >"$E/sub/deeper/c.c"
lines 5 'int b;' >"$E/b.c"
commit "$E"
"$tmp/ld" --files "$E" >"$tmp/files-tree-e"
vcheck "$E" sub/a.c $'vendored\t-'
vcheck "$E" sub/deeper/c.c $'vendored\t-'
vcheck "$E" b.c $'counted\tC'

# ---------------------------------------------------------------- real trees
compare "this project's HEAD" "$root"
# Keep the suite inside its time budget: linguist-js needs ~3 s per 1,000
# files, so mirrors are compared (in name order) while 8,000 files remain.
budget=8000
[ "${SESAMI_TEST_MIRRORS:-1}" != 0 ] || budget=0
for m in /work/.mirror/*/repo /work/.mirror/*.git; do
	[ "$budget" -gt 0 ] || break
	[ -d "$m" ] || continue
	git -C "$m" rev-parse -q --verify HEAD >/dev/null 2>&1 || continue
	files=$(git -C "$m" ls-tree -r --name-only HEAD | wc -l)
	if [ "$files" -gt "$budget" ]; then
		echo "# mirror $(basename "$(dirname "$m")") not compared: $files files, budget left $budget"
		continue
	fi
	budget=$((budget - files))
	compare "mirror $(basename "$(dirname "$m")")" "$m"
done

# ---------------------------------------------------------------- tech stack
S="$tmp/stack"
mkdir -p "$S"/{services/api,infra,k8s,.github/workflows,node_modules/vue,broken,big,App,mobile,jvm,gems,php,rs,py}
cat >"$S/package.json" <<'EOF'
{ "name": "web", "packageManager": "pnpm@9.1.0",
  "dependencies": { "react": "^18.2.0", "next": "14.1.0", "express": "^4.18.2", "pg": "^8.11.0" },
  "devDependencies": { "jest": "^29.0.0", "typescript": "^5.3.0", "prisma": "^5.0.0" } }
EOF
echo '{}' >"$S/tsconfig.json"
mkdir -p "$S/bom"
printf '\xef\xbb\xbf{"dependencies": {"koa": "^2.0.0"}}\n' >"$S/bom/package.json"
echo 'export default {}' >"$S/vite.config.ts"
cat >"$S/requirements.txt" <<'EOF'
# web app
Django==4.2.7 \
    --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000
psycopg2-binary>=2.9 ; python_version > "3.8"
celery[redis] >= 5.3   # queue
-r requirements-dev.txt
git+https://github.com/example/somepkg.git#egg=somepkg
EOF
printf 'pytest==7.4\n' >"$S/requirements-dev.txt"
cat >"$S/services/api/pyproject.toml" <<'EOF'
[project]
name = "api"
dependencies = [
    "fastapi>=0.100",  # web
    "SQLAlchemy[asyncio]>=2.0",
]

[project.optional-dependencies]
test = ["hypothesis"]

[tool.poetry.dependencies]
python = "^3.11"
flask = "^2.0"
redis = { version = "^5.0", extras = ["hiredis"] }

[tool.ruff]
line-length = 100
EOF
cat >"$S/py/Pipfile" <<'EOF'
[[source]]
url = "https://pypi.org/simple"

[packages]
requests = "*"
boto3 = {version = ">=1.28"}

[dev-packages]
black = "*"
EOF
cat >"$S/py/setup.py" <<'EOF'
from setuptools import setup
REQS = ["ignored-variable-list"]
setup(
    name="x",
    install_requires=[
        "numpy>=1.20",  # arrays
        'pandas',
    ],
    extras_require={"ml": ["torch>=2"], "dev": ["mypy"]},
    tests_require=REQS,
)
EOF
cat >"$S/py/setup.cfg" <<'EOF'
[metadata]
name = x

[options]
python_requires = >=3.8
install_requires =
    scipy
    matplotlib>=3

[options.extras_require]
viz = seaborn
EOF
printf 'setup(install_requires=["gunicorn",\n' >"$S/broken/setup.py"
cat >"$S/go.mod" <<'EOF'
module example.com/svc

go 1.21

require (
	github.com/gin-gonic/gin v1.9.1
	github.com/labstack/echo/v4 v4.11.0
	github.com/spf13/cobra v1.8.0 // indirect
)

require gorm.io/gorm v1.25.5
EOF
cat >"$S/rs/Cargo.toml" <<'EOF'
[package]
name = "svc"
version = "0.1.0"

[dependencies]
actix-web = "4"
tokio = { version = "1.35", features = ["full"] }
serde = { version = "1.0", features = [
    "derive",
] }

[dependencies.axum]
version = "0.7"

[dev-dependencies]
criterion = "0.5"
EOF
cat >"$S/jvm/pom.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>3.2.0</version>
  </parent>
  <dependencies>
    <dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-web</artifactId></dependency>
    <dependency><groupId>org.postgresql</groupId><artifactId>postgresql</artifactId><version>42.7.0</version></dependency>
    <dependency><groupId>org.junit.jupiter</groupId><artifactId>junit-jupiter</artifactId><scope>test</scope></dependency>
  </dependencies>
</project>
EOF
cat >"$S/jvm/build.gradle.kts" <<'EOF'
plugins {
    id("org.springframework.boot") version "3.2.0"
    kotlin("jvm") version "1.9.20"
}
/* block comment with "fake:coordinate:1" */
dependencies {
    implementation("io.ktor:ktor-server-core:2.3.7")
    implementation(group = "x", name = "y")
    testImplementation("io.kotest:kotest-runner-junit5:5.8.0")
}
repositories { maven { url = uri("https://repo.example.com/maven") } }
EOF
mkdir -p "$S/jvm/gradle"
cat >"$S/jvm/gradle/libs.versions.toml" <<'EOF'
[versions]
spring = "3.2.0"

[libraries]
spring-web = { module = "org.springframework.boot:spring-boot-starter-web", version.ref = "spring" }
jedis = "redis.clients:jedis:5.0.0"
mockk = { group = "io.mockk", name = "mockk", version = "1.13.8" }

[plugins]
flyway = { id = "org.flywaydb.flyway", version = "10.0.0" }
EOF
cat >"$S/gems/Gemfile" <<'EOF'
source "https://rubygems.org"
ruby "3.2.2"
gem "rails", "~> 7.1", ">= 7.1.2"
gem 'pg'
group :development, :test do
  gem "rspec-rails", require: false
end
if RUBY_VERSION >= "3.0"
  gem "sidekiq"
end
gem "puma" if ENV["PUMA"]
EOF
cat >"$S/php/composer.json" <<'EOF'
{ "require": { "php": "^8.1", "ext-json": "*", "laravel/framework": "^10.0" },
  "require-dev": { "phpunit/phpunit": "^10.0" } }
EOF
cat >"$S/App/App.csproj" <<'EOF'
<Project Sdk="Microsoft.NET.Sdk.Web">
  <PropertyGroup><TargetFramework>net8.0</TargetFramework></PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Microsoft.EntityFrameworkCore" Version="8.0.0" />
    <PackageReference Include="xunit"><Version>2.6.0</Version></PackageReference>
  </ItemGroup>
</Project>
EOF
cat >"$S/mobile/pubspec.yaml" <<'EOF'
name: app
dependencies:
  flutter:
    sdk: flutter
  flutter_bloc: ^8.1.3
dev_dependencies:
  flutter_test:
    sdk: flutter
EOF
cat >"$S/Dockerfile" <<'EOF'
# syntax=docker/dockerfile:1
ARG BASE=alpine:3.19
FROM ${BASE} AS base
FROM --platform=$BUILDPLATFORM node:20-alpine AS build
RUN npm ci
FROM build AS test
FROM nginx:1.25
COPY --from=build /app /usr/share/nginx/html
EOF
cat >"$S/docker-compose.yml" <<'EOF'
services:
  db:
    image: postgres:16
  cache:
    image: "redis:7-alpine"
  search:
    image: docker.elastic.co/elasticsearch/elasticsearch:8.11.0
  app:
    build: .
EOF
cat >"$S/infra/main.tf" <<'EOF'
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}
provider "aws" {
  region = "eu-west-1"
}
# resource "azurerm_thing" "commented" {}
resource "google_storage_bucket" "b" {
  name = "x"
}
data "terraform_remote_state" "net" {
  backend = "s3"
}
module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.1.0"
}
module "local" {
  source = "../modules/net"
}
EOF
cat >"$S/.github/workflows/ci.yml" <<'EOF'
name: ci
on: [push]
jobs:
  build:
    runs-on: ubuntu-latest
    services:
      mq:
        image: rabbitmq:3
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
      - uses: docker/build-push-action@v5
      - uses: ./.github/actions/local
  infra:
    uses: hashicorp/setup-terraform@v3
EOF
cat >"$S/k8s/deploy.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: ghcr.io/example/web:1.0
        - name: proxy
          image: traefik:v3.0
---
apiVersion: v1
kind: Service
metadata: {name: web}
EOF
printf 'version: 2\nupdates: []\n' >"$S/.github/dependabot.yml"
echo '{"dependencies": {"vue": "^3.0.0"}}' >"$S/node_modules/vue/package.json"
mkdir -p "$S/deps/lib"
printf 'cmake_minimum_required(VERSION 3.0)\n' >"$S/deps/lib/CMakeLists.txt"
printf 'gem "hanami"\n' >"$S/deps/lib/Gemfile"
echo '{"dependencies": {"svelte": "^4.0.0", }' >"$S/broken/package.json"
printf '<project><dependencies><dependency><artifactId>quarkus-core</artifactId>\n' >"$S/broken/pom.xml"
printf '[project]\ndependencies = [\n  "tornado",\n' >"$S/broken/pyproject.toml"
printf '[dependencies\nwarp = "0.3"\n' >"$S/broken/Cargo.toml"
printf 'services:\n  db:\n    image: [mongo\n' >"$S/broken/docker-compose.yml"
printf 'module x\nrequire (\n\tgithub.com/gofiber/fiber/v2 v2.0.0\n' >"$S/broken/go.mod"
printf 'gem "sinatra"\ngroup :test do\n  gem "capybara"\n' >"$S/broken/Gemfile"
printf 'Flask==2.0\n!!! not a requirement\n' >"$S/broken/requirements.txt"
printf 'RUN echo no base image\n' >"$S/broken/Dockerfile"
printf 'name: x\ndependencies:\n  get: [\n' >"$S/broken/pubspec.yaml"
printf '<Project><ItemGroup><PackageReference Include="Dapper">\n' >"$S/broken/Broken.csproj"
printf 'resource "heroku_app" "x" {\n' >"$S/broken/main.tf"
printf 'jobs: [unclosed\n' >"$S/.github/workflows/broken.yml"
{ printf '{"dependencies": {"lodash": "1"}, "pad": "'; head -c 1100000 /dev/zero | tr '\0' x; printf '"}\n'; } >"$S/big/package.json"
commit "$S"
"$tmp/sd" "$S" >"$tmp/stack.json"
check "stack: stack_driver runs on the synthetic repository" test -s "$tmp/stack.json"

jcheck "stack: one manifest of each kind found" "$tmp/stack.json" \
	'["package.json","requirements.txt","pyproject.toml","Pipfile","setup.py","setup.cfg","go.mod","Cargo.toml","pom.xml","build.gradle","libs.versions.toml","Gemfile","composer.json","csproj","pubspec.yaml","Dockerfile","docker-compose","terraform","github-actions","kubernetes"].every(k => j.manifests.some(m => m.kind === k))'
jcheck "stack: package.json → React, Next.js, Express, Jest, PostgreSQL, Prisma with evidence" "$tmp/stack.json" \
	'ev("React","package.json","react") && ev("Next.js","package.json","next") && ev("Express","package.json","express") && ev("Jest","package.json","jest") && ev("PostgreSQL","package.json","pg") && ev("Prisma","package.json","prisma")'
jcheck "stack: package.json dependency keeps version spec and scope" "$tmp/stack.json" \
	'dep("npm","react").version === "^18.2.0" && dep("npm","react").scope === "runtime" && dep("npm","jest").scope === "dev"'
jcheck "stack: a UTF-8 byte order mark is accepted" "$tmp/stack.json" \
	'ev("Koa","bom/package.json","koa")'
jcheck "stack: packageManager and presence files (pnpm, TypeScript, Vite, Dependabot)" "$tmp/stack.json" \
	'ev("pnpm","package.json") && ev("TypeScript","tsconfig.json") && ev("Vite","vite.config.ts") && ev("Dependabot",".github/dependabot.yml")'
jcheck "stack: requirements.txt → Django, PostgreSQL (psycopg2), Celery; markers, extras and options handled" "$tmp/stack.json" \
	'ev("Django","requirements.txt","Django") && dep("pypi","Django").version === "==4.2.7" && ev("PostgreSQL","requirements.txt","psycopg2-binary") && ev("Celery","requirements.txt","celery") && dep("pypi","psycopg2-binary").version === ">=2.9" && dep("pypi","somepkg") && ev("pytest","requirements-dev.txt")'
jcheck "stack: pyproject.toml [project] and [tool.poetry] → FastAPI, SQLAlchemy, Flask, Redis, Ruff" "$tmp/stack.json" \
	'ev("FastAPI","services/api/pyproject.toml") && ev("SQLAlchemy","services/api/pyproject.toml","SQLAlchemy") && ev("Flask","services/api/pyproject.toml") && dep("pypi","redis").version === "^5.0" && ev("Ruff","services/api/pyproject.toml") && dep("pypi","hypothesis") && !dep("pypi","python")'
jcheck "stack: Pipfile → Requests, AWS (boto3), Black" "$tmp/stack.json" \
	'ev("Requests","py/Pipfile") && dep("pypi","boto3").version === ">=1.28" && ev("Black","py/Pipfile") && dep("pypi","black").scope === "dev"'
jcheck "stack: setup.py literal lists and setup.cfg options → NumPy, pandas, PyTorch, SciPy, Matplotlib, seaborn" "$tmp/stack.json" \
	'ev("NumPy","py/setup.py","numpy") && dep("pypi","numpy").version === ">=1.20" && ev("pandas","py/setup.py") && dep("pypi","torch").scope === "optional" && !dep("pypi","ml") && !dep("pypi","ignored-variable-list") && ev("SciPy","py/setup.cfg") && dep("pypi","matplotlib").version === ">=3" && ev("seaborn","py/setup.cfg") && !dep("pypi","x") && tech("setuptools")'
jcheck "stack: go.mod → Gin, Echo, GORM; indirect requirements are not evidence" "$tmp/stack.json" \
	'ev("Gin","go.mod") && ev("Echo","go.mod","github.com/labstack/echo/v4") && ev("GORM","go.mod") && dep("go","github.com/spf13/cobra").scope === "indirect" && !tech("Cobra")'
jcheck "stack: Cargo.toml → Actix, Tokio, Axum (sub-table form), Serde (multi-line), Criterion" "$tmp/stack.json" \
	'ev("Actix","rs/Cargo.toml") && dep("cargo","tokio").version === "1.35" && dep("cargo","axum").version === "0.7" && dep("cargo","serde").version === "1.0" && dep("cargo","criterion").scope === "dev" && tech("Rust")'
jcheck "stack: pom.xml → Spring Boot (parent), PostgreSQL, JUnit (test scope)" "$tmp/stack.json" \
	'ev("Spring Boot","jvm/pom.xml","org.springframework.boot:spring-boot-starter-parent") && ev("PostgreSQL","jvm/pom.xml") && dep("maven","org.junit.jupiter:junit-jupiter").scope === "test" && tech("Maven")'
jcheck "stack: build.gradle.kts → Spring Boot plugin, Kotlin, Ktor, Kotest; comments and URLs ignored" "$tmp/stack.json" \
	'ev("Spring Boot","jvm/build.gradle.kts") && ev("Kotlin","jvm/build.gradle.kts") && dep("maven","io.ktor:ktor-server-core").version === "2.3.7" && ev("Kotest","jvm/build.gradle.kts") && !dep("maven","fake:coordinate") && !j.dependencies.some(d => d.name.startsWith("https"))'
jcheck "stack: Gradle version catalog → libraries (module/group+name/string, version.ref) and plugins" "$tmp/stack.json" \
	'j.dependencies.some(d => d.manifest === "jvm/gradle/libs.versions.toml" && d.name === "org.springframework.boot:spring-boot-starter-web" && d.version === "3.2.0") && ev("Redis","jvm/gradle/libs.versions.toml","redis.clients:jedis") && dep("maven","io.mockk:mockk").version === "1.13.8" && ev("Flyway","jvm/gradle/libs.versions.toml","org.flywaydb.flyway")'
jcheck "stack: Gemfile → Rails (version constraints joined), PostgreSQL, RSpec in a dev group" "$tmp/stack.json" \
	'dep("rubygems","rails").version === "~> 7.1, >= 7.1.2" && ev("Ruby on Rails","gems/Gemfile") && ev("PostgreSQL","gems/Gemfile","pg") && dep("rubygems","rspec-rails").scope === "dev" && ev("RSpec","gems/Gemfile") && ev("Sidekiq","gems/Gemfile") && dep("rubygems","puma").scope === "runtime"'
jcheck "stack: composer.json → Laravel, PHPUnit, PHP; ext-* skipped" "$tmp/stack.json" \
	'ev("Laravel","php/composer.json") && ev("PHPUnit","php/composer.json") && ev("PHP","php/composer.json","php") && !dep("packagist","ext-json")'
jcheck "stack: csproj → ASP.NET Core (Sdk), Entity Framework Core, xUnit (child Version), .NET" "$tmp/stack.json" \
	'ev("ASP.NET Core","App/App.csproj","Microsoft.NET.Sdk.Web") && ev("Entity Framework Core","App/App.csproj") && dep("nuget","xunit").version === "2.6.0" && tech(".NET")'
jcheck "stack: pubspec.yaml → Flutter (sdk), BLoC, Dart" "$tmp/stack.json" \
	'ev("Flutter","mobile/pubspec.yaml","flutter") && dep("pub","flutter").version === "sdk" && ev("BLoC","mobile/pubspec.yaml") && tech("Dart")'
jcheck "stack: Dockerfile → Node.js, Nginx images; stage references, --platform and \${ARG} images skipped" "$tmp/stack.json" \
	'dep("docker","node").version === "20-alpine" && ev("Nginx","Dockerfile","nginx") && !j.dependencies.some(d => d.ecosystem === "docker" && (d.name === "build" || d.name.includes("$"))) && ev("Docker","Dockerfile")'
jcheck "stack: docker-compose → PostgreSQL, Redis, Elasticsearch (registry host stripped), Docker Compose" "$tmp/stack.json" \
	'ev("PostgreSQL","docker-compose.yml","postgres") && ev("Redis","docker-compose.yml","redis") && ev("Elasticsearch","docker-compose.yml","elasticsearch/elasticsearch") && ev("Docker Compose","docker-compose.yml")'
jcheck "stack: Terraform → AWS (required_providers version), Google Cloud (resource prefix), registry module; comments and local modules ignored" "$tmp/stack.json" \
	'dep("terraform","aws").version === "~> 5.0" && ev("Google Cloud","infra/main.tf","google") && dep("terraform-module","terraform-aws-modules/vpc/aws").version === "5.1.0" && !dep("terraform","azurerm") && !dep("terraform","terraform") && !j.dependencies.some(d => d.name.startsWith("../")) && ev("Terraform","infra/main.tf")'
jcheck "stack: workflow uses: → GitHub Actions, Node.js, Docker, Terraform; service images; local actions skipped" "$tmp/stack.json" \
	'ev("GitHub Actions",".github/workflows/ci.yml") && ev("Node.js",".github/workflows/ci.yml","actions/setup-node") && dep("github-actions","actions/checkout").version === "v4" && ev("Docker",".github/workflows/ci.yml") && ev("Terraform",".github/workflows/ci.yml","hashicorp/setup-terraform") && ev("RabbitMQ",".github/workflows/ci.yml","rabbitmq") && !j.dependencies.some(d => d.name.startsWith("./"))'
jcheck "stack: Kubernetes manifest → Kubernetes, container images (Traefik)" "$tmp/stack.json" \
	'ev("Kubernetes","k8s/deploy.yaml") && ev("Traefik","k8s/deploy.yaml","traefik") && dep("docker","example/web").version === "1.0"'
jcheck "stack: vendored manifests and presence files (node_modules/, deps/) are ignored" "$tmp/stack.json" \
	'!tech("Vue") && !tech("Hanami") && !tech("CMake") && !j.manifests.some(m => /^(node_modules|deps)\//.test(m.path))'
jcheck "stack: every malformed manifest is skipped with the parser's message" "$tmp/stack.json" \
	'["package.json","pom.xml","pyproject.toml","Cargo.toml","docker-compose.yml","go.mod","Gemfile","requirements.txt","Dockerfile","pubspec.yaml","Broken.csproj","main.tf","setup.py"].map(f => "broken/" + f).concat([".github/workflows/broken.yml"]).every(f => (skipped(f) || {reason: ""}).reason.startsWith("malformed "))'
jcheck "stack: malformed manifests contribute no dependency or technology" "$tmp/stack.json" \
	'!j.dependencies.some(d => d.manifest.startsWith("broken/")) && !tech("Svelte") && !tech("Quarkus") && !tech("Tornado") && !tech("Sinatra") && !tech("Fiber") && !tech("Heroku") && !tech("Gunicorn")'
jcheck "stack: parser messages say where (JSON byte / YAML line / TOML line)" "$tmp/stack.json" \
	'/JSON error at byte/.test(skipped("broken/package.json").reason) && /YAML error at line \d+: did not find/.test(skipped("broken/docker-compose.yml").reason) && /line 2: unterminated array/.test(skipped("broken/pyproject.toml").reason)'
jcheck "stack: a manifest over 1 MiB is skipped with a reason" "$tmp/stack.json" \
	'skipped("big/package.json").reason === "larger than 1 MiB" && !dep("npm","lodash")'
jcheck "stack: output is complete and sorted (technologies by name, not truncated)" "$tmp/stack.json" \
	'j.truncated === false && j.technologies.every((t,i,a) => i === 0 || a[i-1].name.localeCompare(t.name, "en", {sensitivity: "base"}) <= 0) && j.technologies.every(t => t.category && t.evidence.length > 0)'
# A YAML alias bomb of a few KB (2,000-byte scalar, 8 levels of 10 aliases:
# 200 GB once expanded) in a compose file: the conversion stops at its byte
# budget, the file is skipped with a reason, and the scan stays small.
Y="$tmp/yamlbomb"
mkdir -p "$Y"
python3 - "$Y/docker-compose.yml" <<'PYEOF'
import sys
lines = ['x-a: &a "%s"' % ("x" * 2000)]
prev = "a"
for i in range(1, 9):
    lines.append("x-l%d: &l%d [%s]" % (i, i, ", ".join(["*" + prev] * 10)))
    prev = "l%d" % i
lines.append("services:\n  web:\n    image: nginx\n    environment: *%s" % prev)
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PYEOF
commit "$Y"
/usr/bin/time -f '%M' -o "$tmp/bomb.rss" "$tmp/sd" "$Y" >"$tmp/bomb.json"
rss=$(tail -1 "$tmp/bomb.rss")
check "stack: a $(wc -c <"$Y/docker-compose.yml")-byte YAML alias bomb is scanned in bounded memory (max RSS ${rss} KiB < 64 MiB)" \
	test "$rss" -lt 65536
jcheck "stack: and the bomb is skipped with a reason" "$tmp/bomb.json" \
	'skipped("docker-compose.yml").reason === "malformed docker-compose: YAML too large after alias expansion"'

rules=$("$tmp/sd" --count-rules)
check "stack: the rule table knows well over 150 technologies ($rules)" test "$rules" -gt 200

# ---------------------------------------------------------------- sanitizers
asan_run() {
	local what=$1
	shift
	if ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		"$@" >"$tmp/asan.out" 2>"$tmp/asan.err" && ! grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$tmp/asan.err"; then
		ok "$what"
	else
		notok "$what"
		head -40 "$tmp/asan.err"
	fi
}
asan_run "ASan/UBSan: languages on trees A, B, C, D" sh -c "'$tmp/ld-asan' '$A' && '$tmp/ld-asan' --files '$B' && '$tmp/ld-asan' '$C' && '$tmp/ld-asan' '$D'"
asan_run "ASan/UBSan: stack scan on the synthetic repository (incl. malformed manifests)" "$tmp/sd-asan" "$S"
check "ASan build gives the same stack result" cmp -s "$tmp/asan.out" "$tmp/stack.json"

[ "$failed" -eq 0 ]
