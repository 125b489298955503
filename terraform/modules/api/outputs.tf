output "alb_dns_name" {
  description = "DNS name of the load balancer (point the API's DNS record at it)."
  value       = aws_lb.this.dns_name
}

output "alb_arn_suffix" {
  description = "ARN suffix of the load balancer, for CloudWatch metrics."
  value       = aws_lb.this.arn_suffix
}

output "target_group_arn_suffix" {
  description = "ARN suffix of the target group, for CloudWatch metrics."
  value       = aws_lb_target_group.this.arn_suffix
}

output "cluster_name" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.this.name
}

output "service_name" {
  description = "ECS service name."
  value       = aws_ecs_service.this.name
}

output "log_group_name" {
  description = "CloudWatch log group of the PostgREST tasks."
  value       = aws_cloudwatch_log_group.this.name
}

output "iam_policy_documents" {
  description = "Every IAM policy document this module attaches, by name (JSON), for review and tests."
  value = {
    api_execution    = aws_iam_role_policy.execution.policy
    assume_execution = aws_iam_role.execution.assume_role_policy
  }
}

output "log_groups" {
  description = "Retention in days of each CloudWatch log group this module creates, by name."
  value       = { (aws_cloudwatch_log_group.this.name) = aws_cloudwatch_log_group.this.retention_in_days }
}

output "autoscaling" {
  description = "Task-count bounds of the service's autoscaling target."
  value = {
    min_capacity = aws_appautoscaling_target.this.min_capacity
    max_capacity = aws_appautoscaling_target.this.max_capacity
  }
}
