#!/usr/bin/env bash
# compose.test.sh — the compose stack as it ships, in containers, with podman:
# builds every image of docker/ (BASE_IMAGE = a local debootstrapped Debian 12,
# test/podman/lib.sh), brings up docker/compose.yaml with podman-compose —
# PostgreSQL + sesami, the fauxqs SQS emulator, queue-init, the worker in poll
# mode — plus test/compose.test.yaml (the GitHub OAuth double as a container,
# a mirror of bare repositories mounted into the worker).  Then it signs in
# through api.login_github, submits a repository the PostgREST way and waits
# for the job to travel pending -> queued -> processing -> completed through
# the emulator; where web/ exists, serves the front end with its runtime
# config.json; checks TLS (the worker's connection, verify-full from the
# host, plain TCP refused), the secret files and settings the entrypoint
# writes, health checks, non-root users; tears everything down and checks
# nothing is left.
#
# Left out: the postgrest service (its image cannot be pulled here and it
# cannot be built from Debian packages); web runs only where web/ exists.
#
# Needs root (rootful podman), podman, runc, netavark, aardvark-dns,
# podman-compose, debootstrap (scripts/debian-packages.txt).  Images are
# tagged with a hash of their inputs and reused while the inputs are
# unchanged.  Prints "ok - ..." / "not ok - ...".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
source test/lib.sh
source test/podman/lib.sh
failed=0
t0=$(date +%s)

if [ "$(id -u)" -ne 0 ]; then
	notok "the compose suite runs as root (rootful podman)"
	exit 1
fi
for tool in podman podman-compose debootstrap runc netavark; do
	command -v "$tool" >/dev/null || [ -x /usr/lib/podman/$tool ] ||
		{ notok "$tool is installed (scripts/deps.sh)"; exit 1; }
done

tmp=$(mktemp -d /tmp/sesami-compose.XXXXXX)
chmod 755 "$tmp"
proj="sesamici$$"
compose=(podman-compose -p "$proj" -f "$tmp/compose.yaml" -f "$tmp/compose.test.yaml")
bg_pids=()
torn_down=0

# Stop and remove everything the project made: containers, volumes, network.
teardown() {
	[ "$torn_down" -eq 1 ] && return 0
	torn_down=1
	(cd "$tmp" && "${compose[@]}" down -v -t 5 >"$tmp/down.log" 2>&1)
	# podman-compose 1.0.3 leaves the network (and anything it did not start)
	pm ps -a -q --filter "label=io.podman.compose.project=$proj" | xargs -r podman rm -f -t 2 >/dev/null 2>&1
	pm volume ls -q --filter "label=io.podman.compose.project=$proj" | xargs -r podman volume rm -f >/dev/null 2>&1
	pm network rm -f "${proj}_default" >/dev/null 2>&1
	return 0
}
cleanup() {
	for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	teardown
	rm -rf "$tmp"
}
trap cleanup EXIT

c() { echo "${proj}_$1_1"; }	# container name of a service
# psql as postgres inside the postgres container (Unix socket, peer auth)
q() { pm exec -i "$(c postgres)" psql -X -qAt -v ON_ERROR_STOP=1 -d sesami -c "$1"; }
# wait_for SECONDS COMMAND...: until COMMAND succeeds
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while [ "$SECONDS" -lt "$end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 1
	done
	return 1
}
dump_logs() {
	local s
	for s in "$@"; do
		echo "# ---- logs of $s"
		pm logs --tail 40 "$(c "$s")" 2>&1 | sed 's/^/#   /'
	done
}

# ---- images: built once per set of inputs ---------------------------------
tb=$(date +%s)
base=$(pm_base_image) || { notok "the Debian 12 base image (debootstrap) is made"; exit 1; }
ok "the Debian 12 base image is there ($base)"
inputs=$(git ls-files -co --exclude-standard -- Makefile sesami.control extension common worker docker web \
	test/github_double.py test/podman | sort)
tag=ci-$({
	echo "$base"
	for f in $inputs; do [ -f "$f" ] && { echo "== $f"; cat "$f"; }; done
} | sha256sum | cut -c1-16)
# npm in the builds trusts the CA bundle node trusts here (a TLS-intercepting
# proxy's CA, on some CI machines).
ca_bundle=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
# build NAME DOCKERFILE CONTEXT [IGNOREFILE]
build() {
	local name=$1 df=$2 ctx=$3 ign=${4:-}
	pm image exists "localhost/sesami-$name:$tag" && return 0
	pm build --format docker --network host --layers --build-arg BASE_IMAGE="$base" \
		--secret id=ca_bundle,src="$ca_bundle" ${ign:+--ignorefile "$ign"} -f "$df" -t "localhost/sesami-$name:$tag" "$ctx" >"$tmp/build-$name.log" 2>&1 ||
		{ echo "$name:"; tail -30 "$tmp/build-$name.log"; return 1; }
}
# Two lanes on the machine's two cores: postgres then worker (the worker reuses
# the build stage's package layer), and sqs then the GitHub double.
lane() { # NAME:DOCKERFILE:CONTEXT[:IGNOREFILE] ...
	local spec
	for spec in "$@"; do
		IFS=: read -r name df ctx ign <<<"$spec"
		if build "$name" "$df" "$ctx" "$ign"; then echo "ok $name"; else echo "failed $name"; fi
	done
}
lane postgres:docker/Dockerfile.postgres:.:docker/Dockerfile.postgres.dockerignore \
	worker:docker/Dockerfile.worker:.:docker/Dockerfile.worker.dockerignore >"$tmp/lane1" 2>&1 &
lane1=$!
images=(postgres worker sqs github-double)
lane2_specs=(sqs:docker/Dockerfile.sqs:docker/sqs github-double:test/podman/Dockerfile.github-double:test)
if [ -f web/package.json ]; then
	images+=(web)
	lane2_specs+=(web:docker/Dockerfile.web:.:docker/Dockerfile.web.dockerignore)
fi
lane "${lane2_specs[@]}" >"$tmp/lane2" 2>&1 &
lane2=$!
bg_pids+=("$lane1" "$lane2")
wait "$lane1" "$lane2"
bg_pids=()
built=1
for name in "${images[@]}"; do
	if grep -hqx "ok $name" "$tmp/lane1" "$tmp/lane2"; then
		ok "image sesami-$name builds with podman"
	else
		notok "image sesami-$name builds with podman"
		grep -h -v '^\(ok\|failed\) ' "$tmp/lane1" "$tmp/lane2" | sed 's/^/#   /'
		built=0
	fi
done
[ "$built" -eq 1 ] || exit 1
echo "# images ready in $(($(date +%s) - tb)) s (tag $tag)"
# Older tags of these images (their layers stay as build cache).
pm images --format '{{.Repository}}:{{.Tag}}' | grep -E '^localhost/sesami-(postgres|worker|sqs|github-double):ci-' |
	grep -v ":$tag\$" | xargs -r podman rmi >/dev/null 2>&1

for img in "${images[@]}"; do
	cfg=$(pm image inspect --format '{{.Config.User}}|{{if .Config.Healthcheck}}{{index .Config.Healthcheck.Test 0}}{{end}}' "localhost/sesami-$img:$tag")
	user=${cfg%%|*}
	if [ -n "$user" ] && [ "${user%%:*}" != root ] && [ "${user%%:*}" != 0 ] && [ -n "${cfg#*|}" ]; then
		ok "image sesami-$img runs as a non-root user ($user) and has a HEALTHCHECK"
	else
		notok "image sesami-$img runs as a non-root user and has a HEALTHCHECK (got '$cfg')"
	fi
done

# ---- fixtures: secrets, worker keys, a mirrored repository ----------------
secrets="$tmp/secrets"
CLIENT_ID=Iv1.sesamicomposetest
CLIENT_SECRET=compose-double-client-secret-0123
GITHUB_CLIENT_SECRET=$CLIENT_SECRET bash docker/make-secrets.sh "$secrets" >"$tmp/keys.env" ||
	{ notok "docker/make-secrets.sh makes the secrets"; exit 1; }
same "make-secrets: the directory is private, the files readable where mounted" \
	"$(stat -c %a "$secrets") $(stat -c %a "$secrets/jwt_secret") $(wc -c <"$secrets/jwt_secret")" "700 644 49"
JWT_SECRET=$(cat "$secrets/jwt_secret")

src="$tmp/src/widgets"
mkdir -p "$src" "$tmp/mirror/github.com/acme"
git -C "$src" -c init.defaultBranch=main init -q
commit() { # WHO EMAIL DATE MESSAGE
	GIT_AUTHOR_NAME=$1 GIT_AUTHOR_EMAIL=$2 GIT_AUTHOR_DATE=$3 GIT_COMMITTER_NAME=$1 \
		GIT_COMMITTER_EMAIL=$2 GIT_COMMITTER_DATE=$3 git -C "$src" commit -q -m "$4"
}
printf 'int main(void)\n{\n\treturn 0;\n}\n' >"$src/main.c"
printf 'print("hi")\nprint("there")\n' >"$src/tool.py"
git -C "$src" add -A && commit Ada ada@example.com 2024-01-01T10:00:00Z one
printf '# widgets\n\nA library.\n' >"$src/README.md"
printf 'int main(void)\n{\n\tputs("x");\n\treturn 1;\n}\n' >"$src/main.c"
git -C "$src" add -A && commit Bob 4242+bob@users.noreply.github.com 2024-02-01T10:00:00Z two
git clone -q --bare "$src" "$tmp/mirror/github.com/acme/widgets.git"
# The worker (uid 10001) must own what it opens (libgit2's owner check).
chown -R 10001:10001 "$tmp/mirror"
bob_lines=$(git -C "$src" ls-files | while read -r f; do git -C "$src" blame --line-porcelain -- "$f"; done |
	grep -c '^author-mail <4242+bob@users.noreply.github.com>$')

cp docker/compose.yaml test/compose.test.yaml "$tmp/"
pgport=$(free_port)
set -a
# shellcheck disable=SC1091
source "$tmp/keys.env"
SESAMI_IMAGE_TAG=$tag
SESAMI_SECRETS_DIR=$secrets
SESAMI_TEST_MIRROR=$tmp/mirror
SESAMI_POSTGRES_PUBLISH=127.0.0.1:$pgport
SESAMI_SQS_PUBLISH=127.0.0.1:$(free_port)
GITHUB_CLIENT_ID=$CLIENT_ID
SESAMI_TEST_CLIENT_SECRET=$CLIENT_SECRET
GITHUB_OAUTH_URL=http://github:8080
GITHUB_API_URL=http://github:8080/
POSTGRES_PASSWORD=pg-$RANDOM$RANDOM
AUTHENTICATOR_PASSWORD=auth-$RANDOM$RANDOM
WORKER_DB_PASSWORD=worker-$RANDOM$RANDOM
set +a

# ---- up ------------------------------------------------------------------
tu=$(date +%s)
if (cd "$tmp" && "${compose[@]}" up -d --no-build postgres sqs queue-init worker github >"$tmp/up.log" 2>&1); then
	ok "podman-compose brings up postgres, sqs, queue-init, worker and the GitHub double"
else
	notok "podman-compose brings up postgres, sqs, queue-init, worker and the GitHub double"
	tail -30 "$tmp/up.log" | sed 's/^/#   /'
fi
check "sqs is healthy (its HEALTHCHECK)" wait_for 60 pm healthcheck run "$(c sqs)"
check "queue-init creates the queues and exits 0" wait_for 60 \
	bash -c "[ \"\$(podman inspect -f '{{.State.Status}} {{.State.ExitCode}}' $(c queue-init))\" = 'exited 0' ]"
check "postgres is healthy (its HEALTHCHECK)" wait_for 120 pm healthcheck run "$(c postgres)" ||
	dump_logs postgres
check "the GitHub double is healthy" wait_for 30 pm healthcheck run "$(c github)"
echo "# stack up in $(($(date +%s) - tu)) s"

# ---- what the entrypoint configured --------------------------------------
same "sesami settings come from compose (task service, queue, region, endpoint, client id, key id)" \
	"$(q "SELECT string_agg(current_setting(n), ' ' ORDER BY n) FROM unnest(ARRAY['sesami.task_service',
		'sesami.sqs_queue_url', 'sesami.aws_region', 'sesami.aws_endpoint_url', 'sesami.github_client_id',
		'sesami.worker_key_id', 'sesami.database_name']) AS n")" \
	"http://sqs:4566 us-east-1 sesami Iv1.sesamicomposetest http://sqs.us-east-1.sqs:4566/000000000000/sesami-jobs sqs local-1"
same "the worker's public key is set" "$(q "SELECT current_setting('sesami.worker_public_key')")" \
	"$SESAMI_WORKER_PUBLIC_KEY"
same "the secrets are files only postgres can read, named by sesami.*_file" \
	"$(q "SELECT current_setting('sesami.jwt_secret_file') || ' ' || current_setting('sesami.github_client_secret_file')") $(
		pm exec "$(c postgres)" stat -c '%a %U' /var/lib/postgresql/secrets /var/lib/postgresql/secrets/jwt_secret \
			/var/lib/postgresql/secrets/github_client_secret | tr '\n' ' ')" \
	"/var/lib/postgresql/secrets/jwt_secret /var/lib/postgresql/secrets/github_client_secret 700 postgres 600 postgres 600 postgres "
same "the secret files hold the compose secrets" \
	"$(pm exec "$(c postgres)" cat /var/lib/postgresql/secrets/jwt_secret /var/lib/postgresql/secrets/github_client_secret | sha256sum)" \
	"$(cat "$secrets/jwt_secret" "$secrets/github_client_secret" | sha256sum)"
same "no password or secret is left in the server's environment" \
	"$(pm exec "$(c postgres)" sh -c 'tr "\0" "\n" </proc/1/environ' | grep -cE 'PASSWORD|SECRET=')" 0
same "authenticator is granted sesami_anon and sesami_user only; the worker login sesami_worker" \
	"$(q "SELECT string_agg(u.rolname || '>' || g.rolname, ' ' ORDER BY u.rolname, g.rolname) FROM pg_auth_members m
		JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
		WHERE u.rolname IN ('authenticator', 'sesami_worker_login')")" \
	"authenticator>sesami_anon authenticator>sesami_user sesami_worker_login>sesami_worker"
same "the processes run as non-root users (postgres, sqs, worker)" \
	"$(for s in postgres sqs worker; do pm exec "$(c "$s")" id -u; done | tr '\n' ' ')" "999 10001 10001 "

# ---- TLS -----------------------------------------------------------------
same "ssl is on" "$(q "SHOW ssl")" on
pm cp "$(c postgres):/var/lib/postgresql/tls/ca.crt" "$tmp/ca.crt" >/dev/null 2>&1
psql_host() { "$(${PG_CONFIG:-pg_config} --bindir)/psql" -X -qAt "$@"; }
same "from the host, verify-full against the published CA connects over TLS (authenticator)" \
	"$(PGPASSWORD=$AUTHENTICATOR_PASSWORD psql_host "host=localhost port=$pgport dbname=sesami user=authenticator sslmode=verify-full sslrootcert=$tmp/ca.crt" \
		-c "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()" 2>&1)" t
out=$(PGPASSWORD=$AUTHENTICATOR_PASSWORD psql_host "host=127.0.0.1 port=$pgport dbname=sesami user=authenticator sslmode=disable" -c "SELECT 1" 2>&1)
if [[ $out == *"pg_hba.conf rejects connection"*"no encryption"* ]]; then
	ok "a connection without TLS is refused"
else
	notok "a connection without TLS is refused (got: $out)"
fi
out=$(PGPASSWORD=$AUTHENTICATOR_PASSWORD psql_host "host=localhost port=$pgport dbname=sesami user=authenticator sslmode=verify-full sslrootcert=/etc/ssl/certs/ca-certificates.crt" -c "SELECT 1" 2>&1)
if [[ $out == *"certificate verify failed"* ]]; then
	ok "verify-full fails against another CA (the server's certificate is the compose CA's)"
else
	notok "verify-full fails against another CA (got: $out)"
fi

# ---- sign in (api.login_github against the double), the PostgREST way ------
# request ROLE CLAIMS SQL: one PostgREST-shaped transaction
request() {
	pm exec -i "$(c postgres)" psql -X -qAt -v ON_ERROR_STOP=1 -d sesami -v role="$1" -v claims="$2" <<-EOF
	BEGIN;
	SET LOCAL ROLE :"role";
	SELECT set_config('request.jwt.claims', :'claims', true) \g /dev/null
	$3
	COMMIT;
	EOF
}
login=$(request sesami_anon '{"role":"sesami_anon"}' \
	"SELECT token || '|' || account_id || '|' || login FROM api.login_github('user:4242:bob:1', NULL);" 2>&1)
token=${login%%|*}
acct=$(cut -d'|' -f2 <<<"$login")
same "sign-in through api.login_github against the GitHub double returns bob's account" \
	"$(cut -d'|' -f3 <<<"$login")" bob
[ -n "$token" ] && [ "$token" != "$login" ] || echo "#   $login"
if claims=$(JWT_SECRET=$JWT_SECRET node test/jwt_verify.js "$token" 2>&1); then
	ok "the session token verifies with the compose JWT secret (the one PostgREST gets)"
else
	notok "the session token verifies with the compose JWT secret ($claims)"
	claims="{\"sub\":\"$acct\",\"role\":\"sesami_user\"}"
fi
same "bob's GitHub token is stored sealed to the worker's key" \
	"$(q "SELECT key_id FROM sesami.github_tokens WHERE account_id = ${acct:-0}")" local-1

# ---- a job through the SQS emulator ---------------------------------------
# Watch from inside the server for the worker's connection (it connects per
# message) and report whether it uses TLS.
pm exec -i "$(c postgres)" psql -X -qAt -d sesami >"$tmp/ssl-watch.out" 2>&1 <<-'EOF' &
	DO $$
	DECLARE r record;
	BEGIN
		FOR i IN 1..6000 LOOP
			PERFORM pg_stat_clear_snapshot();
			SELECT s.ssl, s.version INTO r FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
			 WHERE a.usename = 'sesami_worker_login' LIMIT 1;
			IF FOUND THEN
				RAISE NOTICE 'worker ssl=% version=%', r.ssl, r.version;
				RETURN;
			END IF;
			PERFORM pg_sleep(0.02);
		END LOOP;
	END $$;
EOF
bg_pids+=($!)
sleep 1
job=$(request sesami_user "$claims" "SELECT id || ' ' || status FROM api.submit_analysis('https://github.com/acme/widgets');" 2>&1)
same "submit_analysis (as the signed-in user) creates a pending job (task service sqs)" "${job#* }" pending
job=${job%% *}
[[ $job =~ ^[0-9]+$ ]] || job=0
if wait_for 180 bash -c "[ \"\$(podman exec $(c postgres) psql -X -qAt -d sesami -c 'SELECT status FROM sesami.jobs WHERE id = $job')\" = completed ]"; then
	ok "the job completes"
else
	notok "the job completes (status: $(q "SELECT status FROM sesami.jobs WHERE id = $job"))"
	dump_logs postgres worker sqs
fi
same "its audit trail: pending -> queued (dispatcher, after SQS) -> processing -> completed" \
	"$(q "SELECT string_agg(coalesce(from_status::text, '-') || '>' || to_status, ' ' ORDER BY id) FROM sesami.job_events WHERE job_id = $job")" \
	"->pending pending>queued queued>processing processing>completed"
same "the outbox row was sent and removed" "$(q "SELECT count(*) FROM sesami.outbox WHERE job_id = $job")" 0
same "the worker took the message from the queue and deleted it (emulator: 0 visible, 0 in flight)" \
	"$(pm exec "$(c sqs)" node -e '
		fetch("http://127.0.0.1:4566/", { method: "POST",
			headers: { "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.GetQueueAttributes",
				Authorization: "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0" },
			body: JSON.stringify({ QueueUrl: "http://sqs.us-east-1.sqs:4566/000000000000/sesami-jobs",
				AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }) })
		.then(r => r.json()).then(j => console.log(j.Attributes.ApproximateNumberOfMessages, j.Attributes.ApproximateNumberOfMessagesNotVisible))' 2>&1)" \
	"0 0"
same "the result counts bob's surviving lines as git blame does (blame_lines)" \
	"$(request sesami_user "$claims" "SELECT api.job_result($job) -> 'user' ->> 'blame_lines';" 2>&1)" "$bob_lines"
wait "${bg_pids[0]}" 2>/dev/null
same "the worker's database connection uses TLS (pg_stat_ssl)" \
	"$(sed -nE 's/.*NOTICE:  worker ssl=(\S+) version=(TLS\S*).*/\1 TLS/p' "$tmp/ssl-watch.out")" "t TLS"
same "and the server logged it as an SSL connection of sesami_worker_login" \
	"$(pm logs "$(c postgres)" 2>&1 | grep -c 'connection authorized: user=sesami_worker_login database=sesami SSL enabled' | awk '{print ($1 > 0)}')" 1
bg_pids=()

# ---- the web front end, once web/ exists ---------------------------------
if [ -f web/package.json ]; then
	webport=$(free_port)
	if (cd "$tmp" && SESAMI_WEB_PUBLISH=127.0.0.1:$webport SESAMI_API_URL=http://api.example.test \
			"${compose[@]}" up -d --no-build web >"$tmp/up-web.log" 2>&1) &&
		wait_for 30 curl -sf "http://127.0.0.1:$webport/index.html"; then
		ok "web serves web/dist (index.html)"
	else
		notok "web serves web/dist (index.html)"
		tail -20 "$tmp/up-web.log" 2>/dev/null | sed 's/^/#   /'
		dump_logs web
	fi
	same "web answers an app route with index.html (single-page app)" \
		"$(curl -s "http://127.0.0.1:$webport/jobs/42" | sha256sum)" "$(curl -s "http://127.0.0.1:$webport/index.html" | sha256sum)"
	check "web is healthy (its HEALTHCHECK)" wait_for 30 pm healthcheck run "$(c web)"
	same "web runs as a non-root user" "$(pm exec "$(c web)" id -u)" 10001
	same "web serves /config.json from the environment, next to index.html" \
		"$(curl -s "http://127.0.0.1:$webport/config.json" | jq -c .)" \
		'{"apiUrl":"http://api.example.test","githubClientId":"Iv1.sesamicomposetest","githubUrl":"http://github:8080"}'
	same "web sends the strict Content-Security-Policy, the API's origin its only other source" \
		"$(curl -sI "http://127.0.0.1:$webport/" | tr -d '\r' | sed -n 's/^Content-Security-Policy: //Ip' | grep -o "script-src 'self';\|connect-src 'self' http://api.example.test;\|img-src 'self' data: http://api.example.test;" | paste -sd' ')" \
		"script-src 'self'; img-src 'self' data: http://api.example.test; connect-src 'self' http://api.example.test;"
else
	echo "# web/ does not exist in this tree: the web service is not run"
fi

# ---- down ----------------------------------------------------------------
ids=$(pm ps -a -q --no-trunc --filter "label=io.podman.compose.project=$proj")
teardown
same "teardown leaves no container, volume or network of the project" \
	"$(pm ps -a -q --filter "label=io.podman.compose.project=$proj" | wc -l) $(pm volume ls -q --filter "label=io.podman.compose.project=$proj" | wc -l) $(pm network ls -q --filter "name=${proj}_" | wc -l)" \
	"0 0 0"
left=0
for id in $ids $proj; do
	left=$((left + $(ps -eo args | grep -F -- "$id" | grep -v grep | grep -c .)))
done
same "and no process of it (no conmon of its containers, no podman-compose)" "$left" 0
echo "# compose suite took $(($(date +%s) - t0)) s"
exit $failed
