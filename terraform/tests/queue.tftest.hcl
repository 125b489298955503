# The SQS job queue: dead-letter wiring, redrive count, visibility timeout
# against the consumer's target time, encryption at rest.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                    = "t-jobs"
  consumer_target_seconds = 30
}

run "dlq_wiring_and_encryption" {
  command = apply

  module {
    source = "./modules/queue"
  }

  assert {
    condition     = jsondecode(aws_sqs_queue.this.redrive_policy).deadLetterTargetArn == aws_sqs_queue.dlq.arn
    error_message = "The job queue must dead-letter into its own DLQ."
  }

  assert {
    condition     = jsondecode(aws_sqs_queue.this.redrive_policy).maxReceiveCount >= 5
    error_message = "maxReceiveCount must be at least 5."
  }

  assert {
    condition     = aws_sqs_queue.this.visibility_timeout_seconds >= 6 * var.consumer_target_seconds
    error_message = "The visibility timeout must be at least 6x the consumer target time."
  }

  assert {
    condition     = aws_sqs_queue.this.sqs_managed_sse_enabled == true && aws_sqs_queue.dlq.sqs_managed_sse_enabled == true
    error_message = "Both queues must be encrypted at rest (SSE-SQS by default)."
  }

  assert {
    condition     = jsondecode(aws_sqs_queue_redrive_allow_policy.dlq.redrive_allow_policy).sourceQueueArns == [aws_sqs_queue.this.arn]
    error_message = "Only the job queue may redrive into the DLQ."
  }

  assert {
    condition     = aws_sqs_queue.dlq.name == "t-jobs-dlq"
    error_message = "The DLQ is named after the job queue."
  }
}

run "sse_kms_when_a_key_is_given" {
  command = plan

  module {
    source = "./modules/queue"
  }

  variables {
    kms_master_key_id = "alias/sesami"
  }

  assert {
    condition     = aws_sqs_queue.this.kms_master_key_id == "alias/sesami" && aws_sqs_queue.dlq.kms_master_key_id == "alias/sesami"
    error_message = "A given KMS key must encrypt both queues."
  }
}

run "max_receive_count_below_5_is_rejected" {
  command = plan

  module {
    source = "./modules/queue"
  }

  variables {
    max_receive_count = 3
  }

  expect_failures = [var.max_receive_count]
}

run "visibility_below_6x_target_is_rejected" {
  command = plan

  module {
    source = "./modules/queue"
  }

  variables {
    visibility_timeout_seconds = 120
  }

  expect_failures = [aws_sqs_queue.this]
}
