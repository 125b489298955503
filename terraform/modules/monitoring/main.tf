# Alarms, all to one SNS topic:
#   DLQ not empty, oldest job-queue message too old (the pipe stalled: it
#   deletes a message once Batch accepts the job, so SQS never shows a stalled
#   Batch), Batch job FAILED (EventBridge rule; Batch has no failed-jobs metric),
#   API 5xx (load balancer + targets), PostgreSQL host CPU, data disk, status;
#   and the pipeline as the database sees it, from the metrics the PostgreSQL
#   host exports every minute (files/sesami-metrics.sh): outbox backlog, oldest
#   pending job (not sent to SQS), oldest queued job (sent, never claimed: the
#   alarm that catches a stalled pipe or Batch), dispatcher errors, no
#   dispatcher running, Batch jobs RUNNABLE too long, an INVALID compute
#   environment, the exporter itself silent; failed or missing backups.

data "aws_caller_identity" "current" {}

# Not encrypted with the AWS-managed key aws/sns on purpose: CloudWatch alarms
# and EventBridge cannot publish to a topic under that key (its key policy
# cannot be changed).  Alarm payloads carry no secrets; pass a customer-managed
# key through kms_master_key_id if policy demands encryption.
resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = var.kms_master_key_id
  tags              = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alarm_emails)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_sns_topic_policy" "alarms" {
  arn = aws_sns_topic.alarms.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "CloudWatchAlarms"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["sns:Publish"]
        Resource  = [aws_sns_topic.alarms.arn]
        Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
      },
      {
        Sid       = "BatchFailedJobEvents"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = ["sns:Publish"]
        Resource  = [aws_sns_topic.alarms.arn]
        Condition = { ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.batch_failed.arn } }
      },
    ]
  })
}

resource "aws_cloudwatch_metric_alarm" "dlq_not_empty" {
  alarm_name          = "${var.name}-dlq-not-empty"
  alarm_description   = "Messages reached the dead-letter queue: the pipe could not submit them to Batch."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = var.dlq_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "oldest_message_age" {
  alarm_name          = "${var.name}-job-queue-oldest-message"
  alarm_description   = "The oldest job message waits too long: the pipe is not taking messages (a stalled Batch does not show here; see the oldest-queued-job alarm)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = var.queue_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.oldest_message_age_threshold_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

resource "aws_cloudwatch_event_rule" "batch_failed" {
  name        = "${var.name}-batch-job-failed"
  description = "A sesami worker job ended FAILED after its retries."
  event_pattern = jsonencode({
    source        = ["aws.batch"]
    "detail-type" = ["Batch Job State Change"]
    detail = {
      status   = ["FAILED"]
      jobQueue = [var.batch_job_queue_arn]
    }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "batch_failed" {
  rule      = aws_cloudwatch_event_rule.batch_failed.name
  target_id = "sns"
  arn       = aws_sns_topic.alarms.arn
}

resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${var.name}-api-5xx"
  alarm_description   = "The API answers with server errors (load balancer or PostgREST)."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.api_5xx_threshold
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "total"
    expression  = "FILL(elb, 0) + FILL(target, 0)"
    label       = "5xx responses"
    return_data = true
  }

  metric_query {
    id = "elb"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_ELB_5XX_Count"
      dimensions  = { LoadBalancer = var.alb_arn_suffix }
      stat        = "Sum"
      period      = 300
    }
  }

  metric_query {
    id = "target"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_Target_5XX_Count"
      dimensions  = { LoadBalancer = var.alb_arn_suffix, TargetGroup = var.target_group_arn_suffix }
      stat        = "Sum"
      period      = 300
    }
  }

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "postgres_cpu" {
  alarm_name          = "${var.name}-postgres-cpu"
  alarm_description   = "The PostgreSQL host is CPU-bound."
  namespace           = "AWS/EC2"
  metric_name         = "CPUUtilization"
  dimensions          = { InstanceId = var.postgres_instance_id }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.postgres_cpu_threshold_percent
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "postgres_disk" {
  alarm_name          = "${var.name}-postgres-disk"
  alarm_description   = "The PostgreSQL data volume is filling up; grow it (gp3 grows online)."
  namespace           = "CWAgent"
  metric_name         = "disk_used_percent"
  dimensions          = { InstanceId = var.postgres_instance_id, path = "/srv/pgdata" }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.postgres_disk_threshold_percent
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "postgres_status" {
  alarm_name          = "${var.name}-postgres-status-check"
  alarm_description   = "The PostgreSQL host fails its EC2 status checks."
  namespace           = "AWS/EC2"
  metric_name         = "StatusCheckFailed"
  dimensions          = { InstanceId = var.postgres_instance_id }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

# ---------------------------------------------------------------- pipeline (host metrics)

locals {
  # name => metric, statistic, comparison, threshold, period, periods, what the alarm means.
  pipeline_alarms = {
    outbox-backlog = {
      metric = "OutboxBacklog", stat = "Minimum", op = "GreaterThanThreshold", threshold = var.outbox_backlog_threshold
      period = 60, periods = 5, missing = "notBreaching"
      text   = "The outbox has stayed above the threshold for 5 minutes: the dispatcher is not keeping up or cannot reach SQS."
    }
    oldest-pending-job = {
      metric = "OldestPendingJobSeconds", stat = "Maximum", op = "GreaterThanThreshold", threshold = var.oldest_pending_job_threshold_seconds
      period = 60, periods = 3, missing = "notBreaching"
      text   = "A committed job has not been sent to SQS: the dispatcher is stuck, stopped or failing."
    }
    oldest-queued-job = {
      metric = "OldestQueuedJobSeconds", stat = "Maximum", op = "GreaterThanThreshold", threshold = var.oldest_queued_job_threshold_seconds
      period = 60, periods = 5, missing = "notBreaching"
      text   = "A job sent to SQS has not been claimed by a worker: the pipe, Batch or the workers have stalled."
    }
    dispatcher-errors = {
      metric = "DispatcherErrors", stat = "Sum", op = "GreaterThanThreshold", threshold = 0
      period = 60, periods = 5, missing = "notBreaching"
      text   = "SQS sends have failed (or rows were parked) in each of the last 5 minutes; see the PostgreSQL log and sesami.dispatcher_status()."
    }
    dispatcher-down = {
      metric = "DispatchersRunning", stat = "Minimum", op = "LessThanThreshold", threshold = 1
      period = 60, periods = 3, missing = "notBreaching"
      text   = "No sesami dispatcher background worker is running."
    }
    metrics-silent = {
      metric = "MetricsExportOk", stat = "SampleCount", op = "LessThanThreshold", threshold = 1
      period = 60, periods = 5, missing = "breaching"
      text   = "The PostgreSQL host has exported no pipeline metrics for 5 minutes: PostgreSQL, the host or its exporter is down."
    }
    batch-runnable-too-long = {
      metric = "OldestRunnableBatchJobSeconds", stat = "Maximum", op = "GreaterThanThreshold", threshold = var.batch_runnable_threshold_seconds
      period = 60, periods = 3, missing = "notBreaching"
      text   = "A worker job has waited RUNNABLE too long: no capacity in either compute environment, or an environment is broken."
    }
    compute-environment-invalid = {
      metric = "InvalidComputeEnvironments", stat = "Maximum", op = "GreaterThanThreshold", threshold = 0
      period = 60, periods = 3, missing = "notBreaching"
      text   = "A Batch compute environment is INVALID (its role, launch template or subnets); jobs cannot run there."
    }
    backup-failed = {
      metric = "BackupFailed", stat = "Sum", op = "GreaterThanThreshold", threshold = 0
      period = 3600, periods = 1, missing = "notBreaching"
      text   = "A pgBackRest backup failed; see journalctl -u 'sesami-backup@*' on the PostgreSQL host."
    }
    backup-missing = {
      metric = "BackupSucceeded", stat = "SampleCount", op = "LessThanThreshold", threshold = 1
      period = 21600, periods = 5, missing = "breaching"
      text   = "No pgBackRest backup has succeeded for 30 hours (backups run daily)."
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "pipeline" {
  for_each = local.pipeline_alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.text
  namespace           = var.metrics_namespace
  metric_name         = each.value.metric
  dimensions          = { Stack = var.name }
  statistic           = each.value.stat
  period              = each.value.period
  evaluation_periods  = each.value.periods
  comparison_operator = each.value.op
  threshold           = each.value.threshold
  treat_missing_data  = each.value.missing
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}
