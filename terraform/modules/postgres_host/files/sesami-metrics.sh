#!/bin/bash
# sesami-metrics.sh — export sesami's pipeline health as CloudWatch metrics.
#
# The PostgreSQL host runs it every minute (systemd timer).  It reads
# sesami.stats and sesami.dispatcher_status() in one query and publishes, in
# the namespace given (dimension Stack=<name>):
#   OutboxBacklog, OutboxParked         outbox rows waiting / parked
#   OldestPendingJobSeconds             a job committed but not yet sent to SQS
#   OldestQueuedJobSeconds              a job sent but not yet claimed by a worker
#                                       (the pipe deletes messages, so SQS cannot tell)
#   PendingJobs, QueuedJobs, ProcessingJobs, FailedJobsLastHour
#   DispatchersRunning                  dispatcher background workers alive
#   DispatcherErrors                    SQS sends that failed plus rows parked since
#                                       the previous run (the counters are cumulative)
#   MetricsExportOk                     1 on every successful run (missing data = the
#                                       exporter or the database is down)
# and, with --batch-job-queue / --compute-environment (AWS CLI calls):
#   OldestRunnableBatchJobSeconds       the oldest worker job waiting for capacity
#   InvalidComputeEnvironments          compute environments whose status is INVALID
#
#   sesami-metrics.sh --namespace NS --stack NAME [--state FILE] [--print]
#                     [--batch-job-queue NAME] [--compute-environment NAME]...
# PSQL (default "psql -X -qAt") is how it reaches the database; the host sets it
# to a `docker exec` into the PostgreSQL container.  --print writes the
# put-metric-data JSON to stdout instead of calling the AWS CLI (what the test
# checks).
set -euo pipefail

namespace="" stack="" state=/var/lib/sesami-metrics/counters print=0 job_queue="" ces=()
while [ $# -gt 0 ]; do
	case $1 in
	--namespace) namespace=$2; shift 2 ;;
	--stack) stack=$2; shift 2 ;;
	--state) state=$2; shift 2 ;;
	--print) print=1; shift ;;
	--batch-job-queue) job_queue=$2; shift 2 ;;
	--compute-environment) ces+=("$2"); shift 2 ;;
	*) echo "sesami-metrics.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$namespace" ] && [ -n "$stack" ] ||
	{ echo "usage: sesami-metrics.sh --namespace NS --stack NAME [--state FILE] [--print]" >&2; exit 2; }
read -r -a psql <<<"${PSQL:-psql -X -qAt}"

row=$("${psql[@]}" -F ' ' -c "
	SELECT s.outbox_backlog, s.outbox_parked,
	       coalesce(extract(epoch FROM s.oldest_pending_age), 0)::bigint,
	       coalesce((SELECT extract(epoch FROM now() - min(queued_at)) FROM sesami.jobs WHERE status = 'queued'), 0)::bigint,
	       s.pending, s.queued, s.processing, s.failed_last_hour,
	       d.workers, d.send_failed + d.parked, d.started_at IS NOT NULL
	FROM sesami.stats s, sesami.dispatcher_status() d")
read -r backlog parked oldest_pending oldest_queued pending queued processing failed_hour workers errors_total _ <<<"$row"

# DispatcherErrors is the increase of the cumulative counter since the last
# run; a restart (counter went down) counts from zero.
prev=$(cat "$state" 2>/dev/null || echo "")
if [ -z "$prev" ] || [ "$errors_total" -lt "$prev" ]; then
	errors=$([ -z "$prev" ] && echo 0 || echo "$errors_total")
else
	errors=$((errors_total - prev))
fi

metric() { printf '{"MetricName":"%s","Value":%s,"Unit":"%s","Dimensions":[{"Name":"Stack","Value":"%s"}]}' "$1" "$2" "$3" "$stack"; }
data="[$(metric OutboxBacklog "$backlog" Count),$(metric OutboxParked "$parked" Count),\
$(metric OldestPendingJobSeconds "$oldest_pending" Seconds),$(metric OldestQueuedJobSeconds "$oldest_queued" Seconds),\
$(metric PendingJobs "$pending" Count),$(metric QueuedJobs "$queued" Count),$(metric ProcessingJobs "$processing" Count),\
$(metric FailedJobsLastHour "$failed_hour" Count),$(metric DispatchersRunning "$workers" Count),\
$(metric DispatcherErrors "$errors" Count),$(metric MetricsExportOk 1 Count)"

if [ -n "$job_queue" ]; then
	# createdAt is in milliseconds; no RUNNABLE job is an age of 0.
	oldest_ms=$(aws batch list-jobs --job-queue "$job_queue" --job-status RUNNABLE \
		--query 'min(jobSummaryList[].createdAt)' --output text)
	age=0
	[[ $oldest_ms =~ ^[0-9]+$ ]] && age=$(( $(date +%s) - oldest_ms / 1000 ))
	data="$data,$(metric OldestRunnableBatchJobSeconds "$age" Seconds)"
fi
if [ ${#ces[@]} -gt 0 ]; then
	invalid=$(aws batch describe-compute-environments --compute-environments "${ces[@]}" \
		--query "length(computeEnvironments[?status=='INVALID'])" --output text)
	data="$data,$(metric InvalidComputeEnvironments "$invalid" Count)"
fi
data="$data]"

if [ "$print" -eq 1 ]; then
	echo "$data"
else
	aws cloudwatch put-metric-data --namespace "$namespace" --metric-data "$data"
fi
mkdir -p "$(dirname "$state")"
echo "$errors_total" >"$state"
