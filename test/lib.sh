# lib.sh — helpers shared by the database-backed suites (sourced, not run).
# The suite defines q SQL (psql on its database) and sets failed=0; fq_port
# names the fauxqs emulator's port once it is started.
PY=/usr/bin/python3

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; failed=1; }
# check WHAT CMD...: ok if CMD succeeds
check() { local what=$1; shift; if "$@"; then ok "$what"; else notok "$what"; return 1; fi; }
# same WHAT GOT WANT
same() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1 (got '$2', want '$3')"; fi; }
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Wait up to $2 seconds for SQL $1 (run with q) to return t.
wait_sql() {
	local i
	for i in $(seq $(($2 * 10))); do
		[ "$(q "$1" 2>/dev/null)" = t ] && return 0
		sleep 0.1
	done
	return 1
}

# npm ci in DIR from its committed lock file, unless node_modules was
# installed from exactly that lock file already (a stamp of its hash).
npm_ci() {
	local sum
	sum=$(sha256sum "$1/package-lock.json" | cut -d' ' -f1)
	[ "$(cat "$1/node_modules/.sesami-lock" 2>/dev/null)" = "$sum" ] && return 0
	(cd "$1" && npm ci --no-audit --no-fund) && echo "$sum" >"$1/node_modules/.sesami-lock"
}

# Install (once) and start the fauxqs SQS emulator on $fq_port, logging to
# $1; sets fq_pid.  The caller kills it.
start_fauxqs() {
	( cd test/sqs && [ -d node_modules/fauxqs ] || npm ci --ignore-scripts --no-audit --no-fund >/dev/null 2>&1 )
	node test/sqs/emulator.mjs "$fq_port" >"$1" 2>&1 &
	fq_pid=$!
	for _ in $(seq 100); do grep -q ready "$1" && return 0; sleep 0.1; done
	return 1
}

# Call the emulator (it does not check signatures): sqs ACTION JSON
sqs() {
	curl -s -X POST "http://127.0.0.1:$fq_port/" -H 'Content-Type: application/x-amz-json-1.0' \
		-H "X-Amz-Target: AmazonSQS.$1" \
		-H 'Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=00' \
		-d "$2"
}
