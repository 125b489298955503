#!/usr/bin/env bash
# chaos.test.sh — the short run of test/chaos/run.sh: the whole loop (PostgreSQL
# with sesami in 'sqs' mode, the SQS emulator, poll and local workers, several
# submitting users) under injected faults, in a private network namespace, then
# the checks that no job was lost, duplicated or crashed.  The long run and the
# load run are by hand: bash test/chaos/run.sh long; bash test/chaos/load.sh.
root=$(cd "$(dirname "$0")/.." && pwd)
exec bash "$root/test/chaos/run.sh" short
