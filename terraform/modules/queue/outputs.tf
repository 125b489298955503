output "queue_arn" {
  description = "ARN of the job queue."
  value       = aws_sqs_queue.this.arn
}

output "queue_url" {
  description = "URL of the job queue (the value of the sesami.sqs_queue_url GUC)."
  value       = aws_sqs_queue.this.url
}

output "queue_name" {
  description = "Name of the job queue."
  value       = aws_sqs_queue.this.name
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "dlq_name" {
  description = "Name of the dead-letter queue."
  value       = aws_sqs_queue.dlq.name
}

output "visibility_timeout_seconds" {
  description = "Visibility timeout applied to the job queue."
  value       = aws_sqs_queue.this.visibility_timeout_seconds
}
