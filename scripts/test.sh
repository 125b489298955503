#!/usr/bin/env bash
# Run every sesami test: build, install, start a private cluster with sesami
# preloaded, run pg_regress + isolation (make installcheck), then every
# test/*.test.sh suite, stop the cluster, and print "N passed, N failed".
#
# Suites print one line per check, "ok - what" or "not ok - what" (TAP style);
# a suite that exits non-zero without such a line counts as one failure.
# Needs root (or sudo) for `make install` and, on a fresh machine, apt-get.
#
#   bash scripts/test.sh                  everything (what CI runs)
#   bash scripts/test.sh worker dispatcher   pg_regress + isolation, then only
#                                         test/worker.test.sh and test/dispatcher.test.sh
#   SANITIZE=1 bash scripts/test.sh worker blame lingstack aws
#                                         the same with the worker and the test
#                                         drivers built with ASan + UBSan
# PG_CONFIG picks the PostgreSQL to build against, install into and run
# (a relocated copy keeps concurrent checkouts from overwriting each other's
# installed sesami); SESAMI_TEST_PORT the private cluster's port.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/deps.sh || exit 1
# SANITIZE=1: the worker and the test drivers are built with ASan + UBSan
# (make reads SANITIZE from the environment; suites add SESAMI_SANITIZE_CFLAGS
# to the drivers they compile).  The extension stays a normal build.
if [ "${SANITIZE:-0}" = 1 ]; then
	export SANITIZE SESAMI_SANITIZE_CFLAGS="-g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
	export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/test/lsan.supp:print_suppressions=0}
fi
make -s -j2 >/dev/null || { echo "build failed" >&2; make; exit 1; }
make -s install ${SESAMI_DESTDIR:+DESTDIR=$SESAMI_DESTDIR} >/dev/null || { echo "make install failed (run as root?)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/sesami-test.XXXXXX)
chmod 755 "$tmp"
export SESAMI_ROOT="$root" SESAMI_TMP="$tmp"
# Comparisons on real repositories under /work/.mirror (fetched snapshots) are
# for benchmarks and manual runs: the suite must not depend on what is there.
export SESAMI_TEST_MIRRORS=${SESAMI_TEST_MIRRORS:-0}
source scripts/pgcluster.sh
cleanup() { pgc_stop; rm -rf "$tmp"; }
trap cleanup EXIT

pgc_start "$tmp/pg" "${SESAMI_TEST_PORT:-54329}" || exit 1

passed=0 failed=0
failures=()

# pg_regress + isolation: one check per test file.
if make -s installcheck >"$tmp/installcheck.log" 2>&1; then ic=0; else ic=1; fi
while read -r name result; do
	if [ "$result" = ok ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1)); failures+=("regress: $name")
	fi
done < <(sed -nE 's/^(test| ) +([A-Za-z0-9_-]+) +\.\.\. +(ok|FAILED|failed).*/\2 \3/p' "$tmp/installcheck.log")
if [ "$ic" -ne 0 ]; then
	cat "$tmp/installcheck.log"
	for d in regression.diffs output_iso/regression.diffs; do [ -f "$d" ] && cat "$d"; done
	[ "$failed" -eq 0 ] && { failed=1; failures+=("make installcheck"); }
fi

# Every other suite, or the ones named on the command line.
suites=()
if [ $# -gt 0 ]; then
	for n in "$@"; do suites+=("test/${n%.test.sh}.test.sh"); done
else
	suites=(test/*.test.sh)
fi
for t in "${suites[@]}"; do
	[ -e "$t" ] || continue
	log="$tmp/$(basename "$t").log"
	bash "$t" >"$log" 2>&1
	rc=$?
	ok=$(grep -cE '^ok( |$)' "$log")
	bad=$(grep -cE '^not ok( |$)' "$log")
	passed=$((passed + ok))
	failed=$((failed + bad))
	if [ "$rc" -ne 0 ] || [ "$bad" -ne 0 ]; then
		[ "$bad" -eq 0 ] && failed=$((failed + 1))
		failures+=("$t (exit $rc)")
		echo "---- $t (exit $rc) ----"
		cat "$log"
	else
		echo "$t: $ok passed"
	fi
done

echo
grep -E '\.\.\. +(ok|FAILED|failed)' "$tmp/installcheck.log" | sed 's/^/  /'
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
