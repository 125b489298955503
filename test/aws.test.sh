#!/usr/bin/env bash
# aws.test.sh — tests of sesami's shared AWS client layer (common/): SigV4
# signer, credential provider chain, SQS client.  Run from the repo root with
# bash; prints "ok - ..." / "not ok - ..." per check (scripts/test.sh counts
# them) and exits non-zero on any failure.
#
#  1. compile: every common/*.c as strict C11 (-pedantic -Werror), and all of
#     them as part of a throw-away PGXS module (PostgreSQL's CFLAGS, clang
#     bitcode, SHLIB_LINK -lcurl -lcrypto -ljson-c);
#  2. test drivers built with -Wall -Wextra -Werror and ASan/UBSan (leaks
#     fail the run); SESAMI_NO_SANITIZE=1 builds them without sanitizers;
#  3. SigV4: AWS's published vectors (test/sigv4-vectors), unit checks,
#     and botocore (Debian python3-botocore, /usr/bin/python3) signing the
#     same requests — including requests captured off the wire from the SQS
#     client on a loopback listener;
#  4. credentials: env / ECS container endpoint / IMDSv2 against a loopback
#     python double (test/metadata_double.py);
#  5. SQS: the fauxqs emulator (test/sqs, npm ci --ignore-scripts), then the
#     same endpoint after the emulator is stopped.
# Every process it starts is killed in the EXIT trap.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1

PY=/usr/bin/python3
CC=${CC:-cc}
VECTORS=test/sigv4-vectors
tmp=$(mktemp -d /tmp/sesami-aws.XXXXXX)
pids=()
failed=0

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; failed=1; }

# Run a TAP-printing driver; a non-zero exit without a "not ok" line is one.
run_driver() {
	local what=$1
	shift
	local out rc
	out=$(timeout 90 "$@" 2>&1)
	rc=$?
	echo "$out"
	if [ "$rc" -ne 0 ] && ! grep -q '^not ok' <<<"$out"; then
		notok "$what (exit $rc)"
	elif grep -q '^not ok' <<<"$out"; then
		failed=1
	fi
}

# A free TCP port on the given address.
free_port() {
	$PY -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$1"
}

# Wait until file $1 exists (up to ~10 s).
wait_file() {
	local _
	for _ in $(seq 100); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# ---- 1. compile checks -----------------------------------------------------
for f in common/*.c; do
	if $CC -std=c11 -O2 -pedantic -Wall -Wextra -Werror -Wmissing-prototypes \
		-Wdeclaration-after-statement -Wshadow -Icommon -c "$f" -o "$tmp/strict.o" 2>"$tmp/cc.log"; then
		ok "compile $f as strict C11 (-O2 -pedantic -Wall -Wextra -Werror)"
	else
		cat "$tmp/cc.log"
		notok "compile $f as strict C11 (-O2 -pedantic -Wall -Wextra -Werror)"
	fi
done

mkdir -p "$tmp/pgxs/common"
cp test/pgxs_check/Makefile test/pgxs_check/stub.c "$tmp/pgxs/"
cp common/*.c common/*.h "$tmp/pgxs/common/"
if make -C "$tmp/pgxs" >"$tmp/pgxs.log" 2>&1 && [ -f "$tmp/pgxs/sesami_aws_check.so" ]; then
	ok "common/*.c build and link as part of a PGXS module (PostgreSQL CFLAGS + -Werror, SHLIB_LINK -lcurl -lcrypto -ljson-c)"
else
	cat "$tmp/pgxs.log"
	notok "common/*.c build and link as part of a PGXS module"
fi

# ---- 2. test drivers -------------------------------------------------------
if [ "${SESAMI_NO_SANITIZE:-0}" = 1 ]; then
	san=()
else
	# shellcheck disable=SC2054  # the commas belong to -fsanitize=
	san=(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
fi
libs=$(pkg-config --cflags --libs openssl json-c libcurl)
common_srcs=(common/aws_buf.c common/sigv4.c common/aws_http.c common/aws_credentials.c common/sqs.c)
built=1
for d in sigv4_vectors aws_credentials_test sqs_test; do
	# shellcheck disable=SC2086
	if ! $CC -std=c11 -g -O1 "${san[@]}" -Wall -Wextra -Werror -Icommon \
		-o "$tmp/$d" "test/$d.c" "${common_srcs[@]}" $libs 2>"$tmp/cc.log"; then
		cat "$tmp/cc.log"
		built=0
	fi
done
if [ "$built" = 1 ]; then
	ok "test drivers build with -Wall -Wextra -Werror${san:+ and ASan/UBSan}"
else
	notok "test drivers build with -Wall -Wextra -Werror"
	exit 1
fi

# ---- 3. SigV4 --------------------------------------------------------------
if [ -d "$VECTORS/classic" ] && [ -d "$VECTORS/v4" ]; then
	run_driver "sigv4 vectors" "$tmp/sigv4_vectors" vectors "$VECTORS"
else
	notok "sigv4 vectors: $VECTORS not found"
fi
run_driver "sigv4 unit" "$tmp/sigv4_vectors" unit

# Same request through botocore and through the C signer.
printf '%s' '{"QueueUrl":"https://sqs.eu-west-1.amazonaws.com/123456789012/sesami-jobs","Entries":[{"Id":"j1","MessageBody":"{\"job_id\":1,\"attempt\":1}"},{"Id":"j2","MessageBody":"café \u2603 \"q\""}]}' >"$tmp/body.json"
token='FQoGZXIvYXdzEXAMPLE//////////wEaDCnU+token/with+slashes=='
for url in https://sqs.eu-west-1.amazonaws.com/ http://127.0.0.1:9324/; do
	for tok in "" "$token"; do
		args=(--method POST --url "$url" --region eu-west-1 --service sqs --time 1764124800
			--access-key AKIDEXAMPLE --secret-key wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
			--header "Content-Type: application/x-amz-json-1.0"
			--header "X-Amz-Target: AmazonSQS.SendMessageBatch" --body-file "$tmp/body.json")
		[ -n "$tok" ] && args+=(--token "$tok")
		label="botocore and sesami sign SendMessageBatch to $url $([ -n "$tok" ] && echo with || echo without) session token identically"
		want=$($PY test/botocore_sign.py "${args[@]}" 2>"$tmp/py.log")
		got=$("$tmp/sigv4_vectors" sign "${args[@]}" 2>&1)
		if [ -n "$want" ] && [ "$want" = "$got" ]; then
			ok "$label"
		else
			cat "$tmp/py.log"
			echo "# botocore: $want"
			echo "# sesami:   $got"
			notok "$label"
		fi
	done
done

# The exact body and headers sqs.c builds, signed by botocore too.
for tok in - "$token"; do
	label="SQS client's built SendMessageBatch request carries botocore's Authorization ($([ "$tok" != - ] && echo with || echo without) session token)"
	got=$("$tmp/sqs_test" build-sign https://sqs.eu-west-1.amazonaws.com/ eu-west-1 1764124800 "$tok" "$tmp/built.json" 2>"$tmp/built.hdr")
	targs=()
	[ "$tok" != - ] && targs=(--token "$tok")
	want=$($PY test/botocore_sign.py --method POST --url https://sqs.eu-west-1.amazonaws.com/ \
		--region eu-west-1 --service sqs --time 1764124800 --access-key AKIDEXAMPLE \
		--secret-key wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY "${targs[@]}" \
		--header "Content-Type: application/x-amz-json-1.0" \
		--header "X-Amz-Target: AmazonSQS.SendMessageBatch" --body-file "$tmp/built.json" 2>&1)
	if [ -n "$got" ] && [ "$want" = "$got" ] && grep -q '^header X-Amz-Date: 20251126T024000Z$' "$tmp/built.hdr"; then
		ok "$label"
	else
		cat "$tmp/built.hdr"
		echo "# botocore: $want"
		echo "# sesami:   $got"
		notok "$label"
	fi
done

# Requests captured off the wire from the SQS client, re-signed by botocore.
$PY test/capture_sqs.py serve "$tmp/capture.port" "$tmp/capture.jsonl" &
pids+=($!)
if wait_file "$tmp/capture.port"; then
	run_driver "sqs send to capture listener" "$tmp/sqs_test" send "http://127.0.0.1:$(cat "$tmp/capture.port")/" "$token"
	verify=$($PY test/capture_sqs.py verify "$tmp/capture.jsonl" wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY eu-west-1 2>&1)
	echo "$verify" | sed 's/^/# /'
	if [ "$(grep -c '^match ' <<<"$verify")" = 2 ] && ! grep -q '^mismatch' <<<"$verify"; then
		ok "requests captured from the SQS client (with session token) verify under botocore's SigV4"
	else
		notok "requests captured from the SQS client verify under botocore's SigV4"
	fi
	ports=$($PY -c 'import json,sys; print(" ".join(str(json.loads(l)["peer_port"]) for l in open(sys.argv[1])))' "$tmp/capture.jsonl" 2>/dev/null)
	read -r p1 p2 <<<"$ports"
	if [ -n "${p1:-}" ] && [ "$p1" = "${p2:-}" ]; then
		ok "SQS client reuses its connection (keep-alive) for consecutive requests"
	else
		notok "SQS client reuses its connection (keep-alive): client ports $ports"
	fi
else
	notok "capture listener started"
fi

# ---- 4. credentials --------------------------------------------------------
$PY test/metadata_double.py "$tmp/meta.port" &
pids+=($!)
if wait_file "$tmp/meta.port"; then
	closed=$(free_port 127.0.0.1)
	run_driver "credentials" "$tmp/aws_credentials_test" "http://127.0.0.1:$(cat "$tmp/meta.port")" "$closed"
else
	notok "metadata double started"
fi

# ---- 5. SQS ----------------------------------------------------------------
run_driver "sqs parse" "$tmp/sqs_test" parse

if (cd test/sqs && timeout 120 npm ci --ignore-scripts --no-audit --no-fund >"$tmp/npm.log" 2>&1); then
	ok "fauxqs installed from test/sqs/package-lock.json (npm ci --ignore-scripts)"
	port=$(free_port 0.0.0.0)
	node test/sqs/emulator.mjs "$port" >"$tmp/emulator.log" 2>&1 &
	emu=$!
	pids+=("$emu")
	for _ in $(seq 100); do
		grep -q '^ready' "$tmp/emulator.log" && break
		sleep 0.1
	done
	if grep -q '^ready' "$tmp/emulator.log"; then
		ok "fauxqs emulator started on port $port"
		run_driver "sqs against fauxqs" "$tmp/sqs_test" emulator "http://127.0.0.1:$port/"
		kill "$emu" 2>/dev/null
		wait "$emu" 2>/dev/null
		run_driver "sqs with the emulator down" "$tmp/sqs_test" down "http://127.0.0.1:$port/"
	else
		cat "$tmp/emulator.log"
		notok "fauxqs emulator started"
	fi
else
	cat "$tmp/npm.log"
	notok "fauxqs installed from test/sqs/package-lock.json (npm ci --ignore-scripts)"
fi

exit "$failed"
