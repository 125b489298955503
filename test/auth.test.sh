#!/usr/bin/env bash
# Sign-in suite (issue 5): api.login_github against a loopback double of
# GitHub (test/github_double.py), JWTs checked by an independent verifier
# (node's crypto, test/jwt_verify.js), GitHub tokens sealed to the worker and
# opened by the C driver (test/seal_driver.c, the same common/seal.c the
# worker links), no token in pg_dump, the server log or any error, and every
# api function called the PostgREST way with a JWT-derived role.
#
# Run by scripts/test.sh from the repository root after the cluster started,
# with PGHOST/PGPORT/PGUSER and PGC_DIR exported.  Uses its own database
# (sesami_auth_test) and kills what it starts.  Prints "ok - ..." or
# "not ok - ..." per check; exits non-zero if any check failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
: "${PGHOST:?run from scripts/test.sh}" "${PGPORT:?}" "${PGC_DIR:?}"

DB=sesami_auth_test
PY=/usr/bin/python3
CLIENT_ID=Iv1.sesamitestclient
CLIENT_SECRET=double-client-secret-0123456789
JWT_SECRET=test-jwt-secret-that-is-at-least-32-characters
tmp=$(mktemp -d /tmp/sesami-auth.XXXXXX)
chmod 755 "$tmp"
failed=0
double_pid=

cleanup() {
	[ -n "$double_pid" ] && kill "$double_pid" 2>/dev/null && wait "$double_pid" 2>/dev/null
	dropdb --if-exists "$DB" >/dev/null 2>&1
	dropdb --if-exists "${DB}_restore" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() { echo "ok - $1"; }
nok() {
	echo "not ok - $1"
	[ $# -gt 1 ] && printf '#   %s\n' "${@:2}"
	failed=1
}
# check WHAT COMMAND...: ok if the command succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else nok "$what"; fi
}
# same WHAT GOT WANT
same() {
	if [ -n "$3" ] && [ "$2" = "$3" ]; then ok "$1"; else nok "$1" "got:  $2" "want: $3"; fi
}

sq() { psql -X -At -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

# req ROLE CLAIMS SQL [PRE]: one PostgREST-shaped request.  Sets OUT, ERR,
# STATE (the SQLSTATE of the error, or "ok").  PRE runs first as superuser
# (session settings such as a shorter timeout).
req() {
	local role=$1 claims=$2 sql=$3 pre=${4:-}
	OUT=$(psql -X -At -q -v ON_ERROR_STOP=1 -d "$DB" -v role="$role" -v claims="$claims" \
		2>"$tmp/err" <<-EOF
	\set VERBOSITY verbose
	$pre
	BEGIN;
	SET LOCAL ROLE :"role";
	SELECT set_config('request.jwt.claims', :'claims', true) \g /dev/null
	$sql
	COMMIT;
	EOF
	)
	ERR=$(cat "$tmp/err")
	cat "$tmp/err" >>"$tmp/errors.log"
	STATE=$(sed -nE 's/^ERROR:  ([0-9A-Z]{5}): .*/\1/p' "$tmp/err" | head -1)
	[ -n "$STATE" ] || STATE=ok
}

ANON='{"role":"sesami_anon"}'
# login CODE [REDIRECT] [PRE]: sign in as anonymous; OUT = token|account|login|name|emails
login() {
	local r=NULL
	[ -n "${2:-}" ] && r="'$2'"
	req sesami_anon "$ANON" \
		"SELECT token, account_id, login, coalesce(display_name, ''), array_to_string(emails, ',') FROM api.login_github('$1', $r);" \
		"${3:-}"
}
field() { cut -d'|' -f"$1" <<<"$OUT"; }
# The claims of a JWT (its middle part), as PostgREST passes them on.
claims_of() { node -e 'process.stdout.write(Buffer.from(process.argv[1].split(".")[1], "base64url").toString())' "$1"; }
verify() { JWT_SECRET=$JWT_SECRET node test/jwt_verify.js "$@"; }
token_of() { awk -v c="$1" '$1 == c { print $2 }' "$tmp/tokens"; }
accounts() { sq -c "SELECT count(*) FROM sesami.accounts"; }

# --- set up: driver, keys, secrets, the double, the database -------------
make -s test/seal_driver || { nok "build test/seal_driver"; exit 1; }
DRIVER=$root/test/seal_driver
read -r _ PRIV1 < <($DRIVER keygen | grep private)
PUB1=$(SESAMI_WORKER_PRIVATE_KEY=$PRIV1 $DRIVER public)
printf '%s\n' "$JWT_SECRET" >"$tmp/jwt_secret"
printf '%s\n' "$CLIENT_SECRET" >"$tmp/client_secret"
chmod 600 "$tmp/jwt_secret" "$tmp/client_secret"
[ "$(id -u)" -eq 0 ] && chown postgres "$tmp/jwt_secret" "$tmp/client_secret"
: >"$tmp/tokens"
: >"$tmp/errors.log"

$PY test/github_double.py "$tmp/port" "$tmp/tokens" "$CLIENT_ID" "$CLIENT_SECRET" &
double_pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || { nok "start the GitHub double"; exit 1; }
BASE=http://127.0.0.1:$(cat "$tmp/port")

dropdb --if-exists "$DB" >/dev/null 2>&1
createdb "$DB" || { nok "createdb $DB"; exit 1; }
sq <<-EOF || { nok "configure $DB"; exit 1; }
	CREATE EXTENSION sesami;
	ALTER DATABASE $DB SET sesami.github_oauth_url = '$BASE';
	ALTER DATABASE $DB SET sesami.github_api_url = '$BASE/';
	ALTER DATABASE $DB SET sesami.github_client_id = '$CLIENT_ID';
	ALTER DATABASE $DB SET sesami.github_client_secret_file = '$tmp/client_secret';
	ALTER DATABASE $DB SET sesami.jwt_secret_file = '$tmp/jwt_secret';
	ALTER DATABASE $DB SET sesami.worker_public_key = '$PUB1';
	ALTER DATABASE $DB SET sesami.worker_key_id = 'k1';
	ALTER DATABASE $DB SET sesami.http_timeout = '5s';
	ALTER DATABASE $DB SET log_statement = 'all';
	ALTER DATABASE $DB SET log_min_messages = 'debug1';
EOF

# --- sign-in --------------------------------------------------------------
n0=$(accounts)
login "user:583231:octocat:1" "https://app.example.com/callback"
same "sign-in succeeds for anonymous (PostgREST shape)" "$STATE" ok
[ "$STATE" = ok ] || printf '#   %s\n' "$ERR"
TOK1=$(field 1) ACCT=$(field 2)
same "sign-in returns the account" "$(field 3)|$(field 4)" "octocat|The Octocat"
same "only verified e-mails are kept, primary first" "$(field 5)" \
	"octocat@example.com,secondary-octocat@example.com,583231+octocat@users.noreply.github.com"
same "the account is stored by GitHub id" \
	"$(sq -c "SELECT id, login FROM sesami.accounts WHERE github_id = 583231")" "$ACCT|octocat"
same "the token is stored sealed under key k1" \
	"$(sq -c "SELECT key_id, substr(sealed, 1, 4) = 'SSB1'::bytea, sesami.sealed_key_id(sealed) FROM sesami.github_tokens WHERE account_id = $ACCT")" \
	"k1|t|k1"
GH1=$(token_of "user:583231:octocat:1")
check "the double issued a token" test -n "$GH1"

# the sealed token opens with the worker's private key (C driver)
sealed=$(sq -c "SELECT sealed FROM sesami.github_tokens WHERE account_id = $ACCT")
same "sealed round trip: extension seals, worker driver unseals" \
	"$(SESAMI_WORKER_PRIVATE_KEY=$PRIV1 $DRIVER unseal <<<"$sealed")" "$GH1"
read -r _ PRIVX < <($DRIVER keygen | grep private)
check "a different private key cannot unseal it" \
	bash -c "[ -n '$sealed' ] && ! SESAMI_WORKER_PRIVATE_KEY=$PRIVX $DRIVER unseal <<<'$sealed' >/dev/null 2>&1"

# --- the JWT, checked by an independent verifier -------------------------
claims=$(verify "$TOK1")
same "node verifies the JWT (HS256, same secret)" "$?" 0
same "JWT claims: role sesami_user, sub = account id" \
	"$(node -e 'const c=JSON.parse(process.argv[1]); console.log(c.role, c.sub, c.exp - c.iat)' "$claims")" \
	"sesami_user $ACCT 3600"
# change the signature's first character (the last one carries unused bits)
sig=${TOK1##*.}
bad_sig="${TOK1%.*}.$([ "${sig:0:1}" = A ] && echo B || echo A)${sig:1}"
same "node rejects a tampered signature" "$(verify "$bad_sig")" "invalid: bad signature"
same "node rejects the token under another secret" \
	"$(JWT_SECRET=another-secret-another-secret-0123456789 node test/jwt_verify.js "$TOK1")" "invalid: bad signature"

login "user:583231:octocat:ttl" "" "SET sesami.jwt_ttl = '3s'; SET sesami.jwt_audience = 'sesami-test';"
TTL_TOK=$(field 1)
check "a short-lived token with an audience verifies" bash -c "JWT_SECRET=$JWT_SECRET node test/jwt_verify.js '$TTL_TOK' sesami-test >/dev/null"
sleep 4
same "node rejects the token once it has expired" "$(verify "$TTL_TOK" sesami-test)" "invalid: expired"

# --- failures: a clear error and nothing changed ---------------------------
snapshot() { sq -c "SELECT count(*), string_agg(login || ':' || emails::text, ',' ORDER BY id), (SELECT string_agg(encode(sealed, 'hex'), ',' ORDER BY account_id) FROM sesami.github_tokens) FROM sesami.accounts"; }
before=$(snapshot)

login "definitely-not-a-code"
same "bad code: PT401 (GitHub's error=bad_verification_code in a 200)" "$STATE" PT401
login "user:583231:octocat:1"
same "a code works once: reuse gives PT401" "$STATE" PT401
login "boom"
same "GitHub 5xx: PT502" "$STATE" PT502
login "truncated"
same "GitHub sends cut-off JSON (with a token in it): PT502" "$STATE" PT502
check "that error does not quote the body" bash -c "! grep -q gho_ <<<'$ERR'"
start=$(date +%s%N)
login "slow:4" "" "SET sesami.http_timeout = '1s';"
elapsed=$((($(date +%s%N) - start) / 1000000))
same "GitHub too slow: PT504" "$STATE" PT504
check "the timeout is enforced (${elapsed} ms < 3000 ms)" test "$elapsed" -lt 3000
start=$(date +%s%N)
login "slow:3" "" "SET statement_timeout = '500ms';"
elapsed=$((($(date +%s%N) - start) / 1000000))
same "a sign-in waiting on GitHub is cancelled by statement_timeout (57014, ${elapsed} ms)" "$STATE" 57014
login "user:9001:ghost:1:noemail"
same "no verified e-mail: PT403" "$STATE" PT403
login "user:9002:limited:1:scope=user:email"
same "scope \"repo\" denied: PT403" "$STATE" PT403
check "the error names the missing scope" grep -q 'Missing scopes: "repo"' <<<"$ERR"
login "user:9003:flaky:1:userboom"
same "GitHub /user fails after the code exchange: PT502" "$STATE" PT502
login "user:9004:redirected:1" "https://evil.example.org/callback"
same "redirect_uri mismatch: 22023" "$STATE" 22023
login "has a space"
same "malformed code: 22023" "$STATE" 22023
login "user:9005:wrongsecret:1" "" "SET sesami.github_client_secret = 'not-the-secret';"
same "wrong client secret: F0000 (not configured)" "$STATE" F0000
login "user:9006:keyless:1" "" "SET sesami.worker_public_key = '';"
same "no worker key: F0000 before the code is spent" "$STATE" F0000
check "the client is not told which setting is missing" bash -c "! grep -q worker_public_key <<<'$ERR'"
same "every failed sign-in changed nothing" "$(snapshot)" "$before"
login "user:9006:keyless:1"
same "the code refused for missing configuration still works afterwards" "$STATE" ok
sq -c "DELETE FROM sesami.accounts WHERE github_id = 9006" >/dev/null

# --- second sign-in: login, name and e-mails refreshed, token re-sealed ----
login "user:583231:octocat-renamed:2:named=Mona" "https://app.example.com/callback"
same "second sign-in: same account, new login and name" "$(field 2)|$(field 3)|$(field 4)" "$ACCT|octocat-renamed|Mona"
same "second sign-in: one account row, e-mails refreshed" \
	"$(sq -c "SELECT count(*), min(login), min(emails[1]) FROM sesami.accounts WHERE github_id = 583231")" \
	"1|octocat-renamed|octocat-renamed@example.com"
GH2=$(token_of "user:583231:octocat-renamed:2:named=Mona")
same "second sign-in: the new token replaced the old one, sealed" \
	"$(sq -c "SELECT sealed FROM sesami.github_tokens WHERE account_id = $ACCT" | SESAMI_WORKER_PRIVATE_KEY=$PRIV1 $DRIVER unseal)" "$GH2"
TOK_A=$(field 1)

# --- secrets are hidden from API roles -------------------------------------
for role in sesami_anon sesami_user sesami_worker; do
	req $role "$ANON" "SELECT count(*) FROM pg_settings WHERE name IN ('sesami.jwt_secret', 'sesami.github_client_secret', 'sesami.jwt_secret_file', 'sesami.github_client_secret_file');"
	same "$role: secret settings are not in pg_settings" "$OUT" 0
	req $role "$ANON" "SHOW sesami.jwt_secret;"
	same "$role: SHOW sesami.jwt_secret is refused" "$STATE" 42501
	req $role "$ANON" "SELECT current_setting('sesami.github_client_secret_file');"
	same "$role: current_setting of the secret file is refused" "$STATE" 42501
done
psql -X -At -d "$DB" -c 'SHOW ALL' >"$tmp/showall" 2>&1
check "SHOW ALL (superuser) lists sesami settings but not the secrets" \
	bash -c "grep -q '^sesami.jwt_ttl|' '$tmp/showall' && ! grep -qE '^sesami\.(jwt_secret|github_client_secret)\|' '$tmp/showall'"

# --- every api function through PostgREST's request shape ------------------
login "user:777:bob:1"
TOK_B=$(field 1) BOB=$(field 2)
CA=$(claims_of "$TOK_A") CB=$(claims_of "$TOK_B")
ROLE_A=$(node -e 'console.log(JSON.parse(process.argv[1]).role)' "$CA")

privs=$(sq -c "SELECT string_agg(p.proname || ':' ||
	has_function_privilege('sesami_anon', p.oid, 'EXECUTE')::text || has_function_privilege('sesami_user', p.oid, 'EXECUTE')::text ||
	has_function_privilege('sesami_worker', p.oid, 'EXECUTE')::text, ' ' ORDER BY p.proname)
	FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'api'")
anon_can=$(tr ' ' '\n' <<<"$privs" | grep -E ':true(true|false){2}$' | cut -d: -f1 | paste -sd,)
same "anonymous can execute only api.login_github and api.card (the README card)" "$anon_can" card,login_github
worker_can=$(tr ' ' '\n' <<<"$privs" | grep -E ':(true|false){2}true$' | cut -d: -f1 | paste -sd,)
same "PostgREST's schema api holds no function the worker role may execute" "${worker_can:-none}" none
req sesami_anon "$ANON" "SELECT id FROM api.submit_analysis('https://github.com/a/b');"
same "anonymous: submit_analysis refused (42501)" "$STATE" 42501
req sesami_anon "$ANON" "SELECT token FROM api.refresh_token();"
same "anonymous: refresh_token refused (42501)" "$STATE" 42501
req sesami_anon "$ANON" "SELECT count(*) FROM api.jobs;"
same "anonymous: api.jobs refused (42501)" "$STATE" 42501
req sesami_anon "$ANON" "SELECT job_id FROM worker.claim_next('w');"
same "anonymous: worker API refused (42501)" "$STATE" 42501
req sesami_anon "$ANON" "SELECT count(*) FROM sesami.github_tokens;"
same "anonymous: sesami.github_tokens refused (42501)" "$STATE" 42501

req "$ROLE_A" "$CA" "SELECT string_agg(login, ',') FROM sesami.accounts;"
same "user (JWT role $ROLE_A): sees only their own account" "$OUT" octocat-renamed
req "$ROLE_A" "$CA" "SELECT count(*) FROM sesami.github_tokens;"
same "user: cannot read sealed tokens, not even their own (42501)" "$STATE" 42501
for call in "claim_next('w')" "claim_job(1, 0, 'w')" "heartbeat(1, 1, 0.5, 'x')" "fail(1, 1, 'x', false)"; do
	req "$ROLE_A" "$CA" "SELECT worker.$call;"
	same "user: worker.${call%%(*} refused (42501)" "$STATE" 42501
done
req "$ROLE_A" "$CA" "SELECT token FROM api.login_github('x');"
same "user: login_github is for anonymous only (42501)" "$STATE" 42501
req "$ROLE_A" "$CA" "SELECT (sesami.issue_session($BOB)).token;"
same "user: cannot mint a token for someone else (42501)" "$STATE" 42501
req "$ROLE_A" "$CA" "SELECT id FROM api.submit_analysis('https://github.com/octo/one');"
JOB_A=$OUT
same "user: submit_analysis works with the JWT's claims" "$STATE" ok
req sesami_user "$CB" "SELECT id FROM api.submit_analysis('https://github.com/bob/two');"
JOB_B=$OUT
req sesami_user "$CB" "SELECT string_agg(id::text, ',') FROM api.jobs;"
same "user B sees only B's job" "$OUT" "$JOB_B"
req sesami_user "$CB" "SELECT status FROM api.job($JOB_A);"
same "user B cannot read A's job (PT404)" "$STATE" PT404
req sesami_user "$CB" "SELECT status FROM api.cancel_job($JOB_A);"
same "user B cannot cancel A's job (PT404)" "$STATE" PT404
req sesami_user "$CB" "SELECT api.job_result($JOB_A);"
same "user B cannot read A's result (PT404)" "$STATE" PT404

req "$ROLE_A" "$CA" "SELECT token, account_id FROM api.refresh_token();" 
REFRESHED=$(cut -d'|' -f1 <<<"$OUT")
same "refresh_token: a fresh token for the same sub" "$(cut -d'|' -f2 <<<"$OUT")|$(verify "$REFRESHED" | node -e 'let d="";process.stdin.on("data",c=>d+=c).on("end",()=>console.log(JSON.parse(d).sub))')" "$ACCT|$ACCT"
req sesami_user '{"role":"sesami_user","sub":"'"$ACCT"'","exp":1000}' "SELECT token FROM api.refresh_token();"
same "refresh_token: an expired token is refused (PT401)" "$STATE" PT401

# the worker: no tables, only what a claim hands out
W='{"role":"sesami_worker"}'
for t in sesami.accounts sesami.github_tokens; do
	req sesami_worker "$W" "SELECT count(*) FROM $t;"
	same "worker: $t refused (42501)" "$STATE" 42501
done
req sesami_worker "$W" "SELECT count(*) FROM sesami.tokens_to_reseal('k1');"
same "worker: tokens_to_reseal refused (42501)" "$STATE" 42501
sq -c "UPDATE sesami.jobs SET status = 'cancelled' WHERE status = 'queued' AND id <> $JOB_A" >/dev/null
req sesami_worker "$W" "SELECT job_id, account_id, token_key_id, sealed_token FROM worker.claim_next('worker-1');"
same "worker: claim returns A's job with the key id" "$(cut -d'|' -f1-3 <<<"$OUT")" "$JOB_A|$ACCT|k1"
same "worker: the claim's sealed token opens to A's GitHub token" \
	"$(cut -d'|' -f4 <<<"$OUT" | SESAMI_WORKER_PRIVATE_KEY=$PRIV1 $DRIVER unseal)" "$GH2"
req sesami_worker "$W" "SELECT count(*) FROM worker.claim_next('worker-1');"
same "worker: nothing more to claim, so no other account's token" "$OUT" 0

# --- key rotation: new key id seals new tokens; old ones re-sealed ---------
read -r _ PRIV2 < <($DRIVER keygen | grep private)
PUB2=$(SESAMI_WORKER_PRIVATE_KEY=$PRIV2 $DRIVER public)
sq -c "ALTER DATABASE $DB SET sesami.worker_public_key = '$PUB2'" -c "ALTER DATABASE $DB SET sesami.worker_key_id = 'k2'"
login "user:888:carol:1"
CAROL=$(field 2)
same "after rotation, a new sign-in is sealed under k2" \
	"$(sq -c "SELECT key_id FROM sesami.github_tokens WHERE account_id = $CAROL")" k2
same "old tokens are still under k1" "$(sq -c "SELECT count(*) FROM sesami.tokens_to_reseal('k1')")" 2
out=$(SESAMI_WORKER_PRIVATE_KEY=$PRIV1 bash scripts/reseal-tokens.sh k1 k2 "$PUB2" -d "$DB" 2>&1)
same "scripts/reseal-tokens.sh re-seals them" "$out" "resealed 2"
same "no token is left under k1" "$(sq -c "SELECT count(*) FROM sesami.github_tokens WHERE key_id <> 'k2'")" 0
same "a re-sealed token opens with the new key" \
	"$(sq -c "SELECT sealed FROM sesami.github_tokens WHERE account_id = $ACCT" | SESAMI_WORKER_PRIVATE_KEY=$PRIV2 $DRIVER unseal)" "$GH2"
old=$(sq -c "SELECT sealed FROM sesami.github_tokens WHERE account_id = $BOB")
same "reseal_token refuses a stale old value" "$(sq -c "SELECT sesami.reseal_token($BOB, '\\x00'::bytea, '$old'::bytea)")" f

# --- no token anywhere: dump, server log, errors ---------------------------
mapfile -t ghtokens < <(awk '{ print $2 }' "$tmp/tokens")
check "the double issued ${#ghtokens[@]} tokens to look for" test "${#ghtokens[@]}" -ge 5
pg_dump -d "$DB" >"$tmp/dump.sql" 2>"$tmp/dump.err"
check "pg_dump ran" test -s "$tmp/dump.sql"
check "the dump holds the sealed tokens (so the search is meaningful)" grep -q '\\x53534231' "$tmp/dump.sql"
# leaked NEEDLE FILE: does FILE contain NEEDLE as text, base64, base64url or hex?
leaked() {
	local t=$1 f=$2 b64 hex
	b64=$(printf '%s' "$t" | base64 -w0)
	hex=$(printf '%s' "$t" | od -An -tx1 | tr -d ' \n')
	grep -qiF -e "$t" -e "${b64%%=*}" -e "$(tr '+/' '-_' <<<"${b64%%=*}")" -e "$hex" "$f"
}
leaks=0
for t in "${ghtokens[@]}"; do leaked "$t" "$tmp/dump.sql" && leaks=$((leaks + 1)); done
same "pg_dump contains no GitHub token (plain, base64, hex)" "$leaks" 0
check "the dump holds neither the JWT secret nor the client secret" \
	bash -c "! grep -qF -e '$JWT_SECRET' -e '$CLIENT_SECRET' '$tmp/dump.sql'"
dropdb --if-exists "${DB}_restore" >/dev/null 2>&1
createdb "${DB}_restore" && psql -X -q -v ON_ERROR_STOP=1 -d "${DB}_restore" -f "$tmp/dump.sql" >/dev/null 2>"$tmp/restore.err"
same "the dump restores with accounts and sealed tokens intact" \
	"$(psql -X -At -d "${DB}_restore" -c "SELECT count(*), md5(string_agg(encode(sealed, 'hex'), ',' ORDER BY account_id)) FROM sesami.github_tokens" 2>&1)" \
	"$(sq -c "SELECT count(*), md5(string_agg(encode(sealed, 'hex'), ',' ORDER BY account_id)) FROM sesami.github_tokens")"
dropdb --if-exists "${DB}_restore" >/dev/null 2>&1

cp "$PGC_DIR/server.log" "$tmp/server.log" 2>/dev/null
check "the server log recorded the sign-in statements (log_statement = all)" \
	grep -q 'statement: SELECT token, account_id, login' "$tmp/server.log"
check "the server log has debug1 messages" grep -q 'DEBUG: ' "$tmp/server.log"
check "the server log says which setting is missing" \
	grep -q 'DETAIL:  sesami.worker_public_key is not set.' "$tmp/server.log"
leaks=0
for t in "${ghtokens[@]}"; do leaked "$t" "$tmp/server.log" && leaks=$((leaks + 1)); done
same "the server log contains no GitHub token" "$leaks" 0
check "errors were collected" test -s "$tmp/errors.log"
leaks=0
for t in "${ghtokens[@]}"; do leaked "$t" "$tmp/errors.log" && leaks=$((leaks + 1)); done
same "no error message contains a GitHub token" "$leaks" 0
check "no secret in the server log or errors" \
	bash -c "! grep -qF -e '$CLIENT_SECRET' -e '$JWT_SECRET' '$tmp/server.log' '$tmp/errors.log'"

exit $failed
