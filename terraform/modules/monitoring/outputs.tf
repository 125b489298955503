output "topic_arn" {
  description = "ARN of the SNS topic every alarm notifies."
  value       = aws_sns_topic.alarms.arn
}

output "alarm_names" {
  description = "Names of the CloudWatch alarms."
  value = concat([
    aws_cloudwatch_metric_alarm.dlq_not_empty.alarm_name,
    aws_cloudwatch_metric_alarm.oldest_message_age.alarm_name,
    aws_cloudwatch_metric_alarm.api_5xx.alarm_name,
    aws_cloudwatch_metric_alarm.postgres_cpu.alarm_name,
    aws_cloudwatch_metric_alarm.postgres_disk.alarm_name,
    aws_cloudwatch_metric_alarm.postgres_status.alarm_name,
  ], [for a in aws_cloudwatch_metric_alarm.pipeline : a.alarm_name])
}

output "iam_policy_documents" {
  description = "Resource policies this module attaches, by name (JSON), for review and tests."
  value = {
    alarm_topic = aws_sns_topic_policy.alarms.policy
  }
}
