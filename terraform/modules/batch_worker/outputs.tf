output "compute_environment_arn" {
  description = "ARN of the SPOT compute environment."
  value       = aws_batch_compute_environment.spot.arn
}

output "compute_environment_arns" {
  description = "ARNs of the compute environments, in the job queue's order (Spot, then on demand)."
  value       = [aws_batch_compute_environment.spot.arn, aws_batch_compute_environment.on_demand.arn]
}

output "job_queue_arn" {
  description = "ARN of the Batch job queue (the pipe's target)."
  value       = aws_batch_job_queue.this.arn
}

output "job_queue_name" {
  description = "Name of the Batch job queue."
  value       = aws_batch_job_queue.this.name
}

output "job_definition_arn" {
  description = "ARN of the worker job definition."
  value       = aws_batch_job_definition.worker.arn
}

output "pipe_arn" {
  description = "ARN of the EventBridge Pipe SQS -> Batch."
  value       = aws_pipes_pipe.this.arn
}

output "log_group_names" {
  description = "CloudWatch log groups of the worker jobs and of the pipe."
  value       = [aws_cloudwatch_log_group.worker.name, aws_cloudwatch_log_group.pipe.name]
}

output "iam_policy_documents" {
  description = "Every IAM policy document this module attaches, by name (JSON), for review and tests."
  value = {
    batch_instance   = aws_iam_role_policy.instance.policy
    worker_execution = aws_iam_role_policy.execution.policy
    pipe             = aws_iam_role_policy.pipe.policy
    assume_instance  = aws_iam_role.instance.assume_role_policy
    assume_execution = aws_iam_role.execution.assume_role_policy
    assume_pipe      = aws_iam_role.pipe.assume_role_policy
  }
}

output "log_groups" {
  description = "Retention in days of each CloudWatch log group this module creates, by name."
  value = {
    (aws_cloudwatch_log_group.worker.name) = aws_cloudwatch_log_group.worker.retention_in_days
    (aws_cloudwatch_log_group.pipe.name)   = aws_cloudwatch_log_group.pipe.retention_in_days
  }
}
