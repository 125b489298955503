#!/usr/bin/env bash
# fuzz.test.sh — the libFuzzer targets (test/fuzz/) as regression tests: build
# them (make fuzz), then run every target once over each input of its corpus
# (test/fuzz/corpus/<target>/, including regressions/ — inputs that once
# crashed), plus a short fixed-seed fuzzing burst.  One "ok"/"not ok" line
# per target.  Long runs are test/fuzz/run-long.sh's job.
#
# FUZZ_BURST_RUNS (default 2000) sets the burst; 0 skips it.  The whole suite
# stays well under a minute on two cores once the targets are built.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
failed=0
tmp=$(mktemp -d /tmp/sesami-fuzz.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; failed=1; }

if make -s fuzz PG_CONFIG="${PG_CONFIG:-pg_config}" >"$tmp/build.log" 2>&1; then
	ok "fuzz targets build (clang -fsanitize=fuzzer,address,undefined)"
else
	cat "$tmp/build.log"
	notok "fuzz targets build (clang -fsanitize=fuzzer,address,undefined)"
	exit 1
fi

burst=${FUZZ_BURST_RUNS:-2000}
for bin in test/fuzz/build/*; do
	[ -x "$bin" ] && [ -f "$bin" ] || continue
	t=$(basename "$bin")
	case $t in *.o) continue ;; esac
	corpus=test/fuzz/corpus/$t
	mapfile -t inputs < <(find "$corpus" -type f 2>/dev/null | sort)
	if [ ${#inputs[@]} -eq 0 ]; then
		notok "fuzz $t: no seed corpus in $corpus"
		continue
	fi
	# every corpus input once (files as arguments: run, do not fuzz)
	if ! timeout 60 "$bin" -rss_limit_mb=2048 "${inputs[@]}" >"$tmp/$t.log" 2>&1; then
		tail -40 "$tmp/$t.log"
		notok "fuzz $t: ${#inputs[@]} corpus inputs run without a crash or sanitizer report"
		continue
	fi
	# a short deterministic burst from the corpus, into a scratch copy
	if [ "$burst" -gt 0 ]; then
		mkdir -p "$tmp/$t.corpus"
		if ! timeout 60 "$bin" -seed=1 -runs="$burst" -max_len=4096 -rss_limit_mb=2048 \
			-artifact_prefix="$tmp/$t-" "$tmp/$t.corpus" "$corpus" >"$tmp/$t.burst.log" 2>&1; then
			tail -40 "$tmp/$t.burst.log"
			notok "fuzz $t: ${#inputs[@]} corpus inputs and $burst fuzzed runs (seed 1) without a crash"
			continue
		fi
	fi
	ok "fuzz $t: ${#inputs[@]} corpus inputs and $burst fuzzed runs (seed 1) without a crash"
done
exit "$failed"
