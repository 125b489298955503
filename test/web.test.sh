#!/usr/bin/env bash
# web.test.sh — the web app (web/) in a real browser against the real local
# stack: Debian's chromium driven by playwright-core (test/web/journey.mjs),
# the built app served under a strict Content-Security-Policy, the test-only
# PostgREST stand-in (test/postgrest/standin.mjs) in front of this cluster's
# sesami, `sesami-worker local` on mirror repositories, and the GitHub double
# (test/github_double.py) playing GitHub's authorize page and OAuth endpoints.
#
# Run by scripts/test.sh after the cluster started (PGHOST/PGPORT/PGUSER).
# Installs its npm packages with `npm ci` from the committed lock files and
# builds web/ itself.  Screenshots go to ${SESAMI_ARTIFACTS:-/tmp/sesami-artifacts}/web/.
# Prints "ok - ..." / "not ok - ..." per check.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
source test/lib.sh
: "${PGHOST:?run from scripts/test.sh}" "${PGPORT:?}"

db=sesami_web_test
auth_role=sesami_web_authenticator
CLIENT_ID=Iv1.sesamiwebtest
CLIENT_SECRET=web-double-client-secret-0123456789
JWT_SECRET=web-test-jwt-secret-that-is-at-least-32-characters
tmp=$(mktemp -d /tmp/sesami-web.XXXXXX)
chmod 755 "$tmp"
art=${SESAMI_ARTIFACTS:-/tmp/sesami-artifacts}/web
pids=()
failed=0
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	dropdb --if-exists "$db" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
q() { psql -X -qAt -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }

# ---- npm packages and the build ----
for d in web test/postgrest test/web; do
	npm_ci "$d" >"$tmp/npm-$(basename "$d").log" 2>&1 ||
		{ notok "npm ci in $d"; cat "$tmp/npm-$(basename "$d").log"; exit 1; }
done
(cd web && npm run -s lint >"$tmp/lint.log" 2>&1)
check "web/: ESLint and Prettier find nothing" [ $? -eq 0 ] || cat "$tmp/lint.log"
if (cd web && npm run -s build >"$tmp/build.log" 2>&1); then
	ok "web/ builds (tsc strict, vite)"
else
	notok "web/ builds"; cat "$tmp/build.log"; exit 1
fi
check "the build has no inline script" \
	bash -c "! grep -Pzo '<script(?![^>]*\bsrc=)[^>]*>' web/dist/index.html >/dev/null"
[ -x /usr/bin/chromium ] || { notok "Debian's chromium is installed (/usr/bin/chromium)"; exit 1; }

# ---- mirror repositories: a small one, a bigger one, one whose clone stalls ----
export SESAMI_MIRROR_DIR="$tmp/mirror" SESAMI_WORK_DIR="$tmp/work"
mkdir -p "$tmp/mirror/github.com/acme"
src=$tmp/src/widgets
mkdir -p "$src" && git -C "$src" -c init.defaultBranch=main init -q
commit() {	# commit WHO EMAIL DATE MESSAGE
	GIT_AUTHOR_NAME=$1 GIT_AUTHOR_EMAIL=$2 GIT_AUTHOR_DATE="$3" \
	GIT_COMMITTER_NAME=$1 GIT_COMMITTER_EMAIL=$2 GIT_COMMITTER_DATE="$3" \
		git -C "$src" commit -q -m "$4"
}
printf 'int main(void)\n{\n\treturn 0;\n}\n' >"$src/main.c"
printf 'print("hi")\nprint("there")\n' >"$src/tool.py"
printf '{"name": "widgets", "dependencies": {"react": "^18.2.0"}}\n' >"$src/package.json"
git -C "$src" add -A && commit Ada ada@example.com "2024-01-01T10:00:00Z" one
printf 'int main(void)\n{\n\tputs("x");\n\treturn 1;\n}\n' >"$src/main.c"
printf 'export const x = 1;\nexport const y = 2;\n' >"$src/web.ts"
git -C "$src" add -A && commit Bob 4242+bob@users.noreply.github.com "2024-02-01T10:00:00Z" two
printf 'print("hi")\nprint("everyone")\nprint("bye")\n' >"$src/tool.py"
git -C "$src" add -A && commit Ada ada@example.com "2024-03-01T10:00:00Z" three
git clone -q --bare "$src" "$tmp/mirror/github.com/acme/widgets.git"
$PY - "$tmp/src/big" <<'PYEOF'
import os, subprocess, sys
d = sys.argv[1]; os.makedirs(d)
subprocess.run(["git", "-C", d, "-c", "init.defaultBranch=main", "init", "-q"], check=True)
out, files = [], {}
for c in range(1, 16001):	# long enough (seconds) for the list to show it mid-run
    who = ["ada", "bob", "cy"][c % 3]
    f = "src/f%02d.c" % (c % 40)
    lines = files.setdefault(f, [])
    lines.insert((c * 7) % (len(lines) + 1), "line %d by %s" % (c, who))
    if len(lines) > 30 and c % 5 == 0:
        del lines[(c * 3) % len(lines)]
    data = ("\n".join(lines) + "\n").encode()
    t = 1700000000 + c * 3600
    mail = b"4242+bob@users.noreply.github.com" if who == "bob" else who.encode() + b"@example.com"
    out.append(b"commit refs/heads/main\n")
    out.append(b"author %s <%s> %d +0000\n" % (who.encode(), mail, t))
    out.append(b"committer %s <%s> %d +0000\n" % (who.encode(), mail, t))
    out.append(b"data %d\nc%d\n" % (len(b"c%d\n" % c), c))
    out.append(b"M 100644 inline %s\ndata %d\n%s\n" % (f.encode(), len(data), data))
subprocess.run(["git", "-C", d, "fast-import", "--quiet"], input=b"".join(out), check=True)
PYEOF
git clone -q --bare "$tmp/src/big" "$tmp/mirror/github.com/acme/big.git"
# The stalled clone (as in worker.test.sh): the mirror's config is a FIFO with no writer.
git init -q --bare "$tmp/mirror/github.com/acme/stall.git"
rm "$tmp/mirror/github.com/acme/stall.git/config"
mkfifo "$tmp/mirror/github.com/acme/stall.git/config"

# ---- sign-in settings, the GitHub double, the database ----
make -s test/seal_driver || { notok "build test/seal_driver"; exit 1; }
read -r _ PRIV < <(test/seal_driver keygen | grep private)
PUB=$(SESAMI_WORKER_PRIVATE_KEY=$PRIV test/seal_driver public)
printf '%s\n' "$JWT_SECRET" >"$tmp/jwt_secret"
printf '%s\n' "$CLIENT_SECRET" >"$tmp/client_secret"
chmod 600 "$tmp/jwt_secret" "$tmp/client_secret"
[ "$(id -u)" -eq 0 ] && chown postgres "$tmp/jwt_secret" "$tmp/client_secret"
web_port=$(free_port)
api_port=$(free_port)
GITHUB_DOUBLE_REDIRECT_PREFIX="http://127.0.0.1:$web_port/" GITHUB_DOUBLE_AUTHORIZE_AS="user:4242:bob" \
	$PY test/github_double.py "$tmp/gh_port" "$tmp/gh_tokens" "$CLIENT_ID" "$CLIENT_SECRET" &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/gh_port" ] && break; sleep 0.05; done
gh=http://127.0.0.1:$(cat "$tmp/gh_port")

dropdb --if-exists "$db" 2>/dev/null
createdb "$db" || { notok "createdb $db"; exit 1; }
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<-EOF || { notok "configure $db"; exit 1; }
	SET client_min_messages = warning;
	CREATE EXTENSION sesami;
	DO \$\$ BEGIN
		IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$auth_role') THEN
			CREATE ROLE $auth_role LOGIN NOINHERIT;
		END IF;
	END \$\$;
	GRANT sesami_anon, sesami_user TO $auth_role;
	ALTER DATABASE $db SET sesami.github_oauth_url = '$gh';
	ALTER DATABASE $db SET sesami.github_api_url = '$gh/';
	ALTER DATABASE $db SET sesami.github_client_id = '$CLIENT_ID';
	ALTER DATABASE $db SET sesami.github_client_secret_file = '$tmp/client_secret';
	ALTER DATABASE $db SET sesami.jwt_secret_file = '$tmp/jwt_secret';
	ALTER DATABASE $db SET sesami.jwt_ttl = '100s';
	ALTER DATABASE $db SET sesami.worker_public_key = '$PUB';
	ALTER DATABASE $db SET sesami.worker_key_id = 'web';
EOF

export DATABASE_URL="host=$PGHOST port=$PGPORT user=${PGUSER:-postgres} dbname=$db"
SESAMI_WORKER_PRIVATE_KEY=$PRIV SESAMI_CLONE_TIMEOUT=60 SESAMI_THREADS=1 worker/sesami-worker local >"$tmp/worker.log" 2>&1 &
pids+=($!)

# ---- the journey in the browser ----
mkdir -p "$art"
WEB_PORT=$web_port API_PORT=$api_port WEB_DIST="$root/web/dist" ARTIFACTS="$art" \
	GITHUB_URL="$gh" GITHUB_CLIENT_ID="$CLIENT_ID" JWT_SECRET="$JWT_SECRET" DB="$db" \
	PGRST_DB_URI="postgresql://$auth_role@/$db?host=$PGHOST&port=$PGPORT" \
	node test/web/journey.mjs 2>"$tmp/journey.err"
rc=$?
[ "$rc" -eq 0 ] || { notok "the browser journey ran to its end (exit $rc)"; cat "$tmp/journey.err"; tail -20 "$tmp/worker.log"; }
exit $((failed || rc))
