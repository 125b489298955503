#!/usr/bin/env bash
# run-long.sh — bounded long fuzzing runs of the test/fuzz targets.
#
#   bash test/fuzz/run-long.sh SECONDS [TARGET ...]
#
# Builds the targets (make fuzz), then runs each named target (default: all)
# for SECONDS, at most two at a time.  New coverage goes to a scratch corpus
# (test/fuzz/build/corpus-<target>/, not committed); a crash, leak or timeout
# input is written into test/fuzz/corpus/<target>/regressions/ so that
# test/fuzz.test.sh replays it from then on (commit it with the fix).  Prints
# the CPU seconds each target used and what it found; exits 1 if anything
# crashed.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
secs=${1:?usage: run-long.sh SECONDS [TARGET ...]}
shift
make -s fuzz PG_CONFIG="${PG_CONFIG:-pg_config}" || exit 1
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for b in test/fuzz/build/*; do
		[ -x "$b" ] && [ -f "$b" ] && [[ $b != *.o ]] && targets+=("$(basename "$b")")
	done
fi

run_one() {
	local t=$1 reg=test/fuzz/corpus/$1/regressions scratch=test/fuzz/build/corpus-$1
	mkdir -p "$reg" "$scratch"
	/usr/bin/time -f "%U %S" -o "test/fuzz/build/$t.time" \
		test/fuzz/build/"$t" -max_total_time="$secs" -max_len=4096 -rss_limit_mb=2048 \
		-timeout=10 -print_final_stats=1 -artifact_prefix="$reg/" \
		"$scratch" "test/fuzz/corpus/$t" >"test/fuzz/build/$t.log" 2>&1
	local rc=$? cpu
	cpu=$(awk '{printf "%.0f", $1 + $2}' "test/fuzz/build/$t.time" 2>/dev/null)
	local execs
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "test/fuzz/build/$t.log" | tail -1)
	if [ "$rc" -eq 0 ]; then
		echo "$t: ${cpu:-?} CPU s, ${execs:-?} executions, nothing found"
	else
		echo "$t: ${cpu:-?} CPU s, FOUND (exit $rc): $(ls "$reg" | tr '\n' ' ')"
		grep -m3 -E 'ERROR: |SUMMARY: |runtime error' "test/fuzz/build/$t.log" | sed 's/^/    /'
	fi
	return "$rc"
}

status=0
running=0
for t in "${targets[@]}"; do
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge 2 ]; then
		wait -n || status=1
		running=$((running - 1))
	fi
done
while [ "$running" -gt 0 ]; do
	wait -n || status=1
	running=$((running - 1))
done
exit "$status"
