# The job queue the dispatcher (inside PostgreSQL) sends to, and its
# dead-letter queue.  Both are encrypted at rest.
#
# The EventBridge Pipe deletes a message as soon as Batch SubmitJob succeeds,
# so the DLQ only collects messages the pipe could not submit max_receive_count
# times; job retries live in PostgreSQL and in the Batch retryStrategy.

locals {
  visibility_timeout = coalesce(var.visibility_timeout_seconds, 6 * var.consumer_target_seconds)
  sse_sqs            = var.kms_master_key_id == null
}

resource "aws_sqs_queue" "dlq" {
  name                      = "${var.name}-dlq"
  message_retention_seconds = var.dlq_message_retention_seconds

  sqs_managed_sse_enabled = local.sse_sqs ? true : null
  kms_master_key_id       = var.kms_master_key_id

  tags = var.tags
}

resource "aws_sqs_queue" "this" {
  name                       = var.name
  visibility_timeout_seconds = local.visibility_timeout
  message_retention_seconds  = var.message_retention_seconds
  receive_wait_time_seconds  = 20

  sqs_managed_sse_enabled = local.sse_sqs ? true : null
  kms_master_key_id       = var.kms_master_key_id

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.max_receive_count
  })

  tags = var.tags

  lifecycle {
    precondition {
      condition     = local.visibility_timeout >= 6 * var.consumer_target_seconds
      error_message = "The visibility timeout must be at least 6 x consumer_target_seconds."
    }
  }
}

# Only the job queue may use the DLQ as its dead-letter target.
resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this.arn]
  })
}
