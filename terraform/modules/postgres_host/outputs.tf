output "instance_id" {
  description = "ID of the PostgreSQL EC2 instance."
  value       = aws_instance.this.id
}

output "private_ip" {
  description = "Private IP address of the PostgreSQL host (the host part of the DB URI secrets)."
  value       = aws_instance.this.private_ip
}

output "hostname" {
  description = "Private DNS name of the PostgreSQL host (use it in the DB URI secrets)."
  value       = aws_route53_record.postgres.fqdn
}

output "data_volume_id" {
  description = "ID of the encrypted EBS volume holding PGDATA."
  value       = aws_ebs_volume.data.id
}

output "log_group_name" {
  description = "CloudWatch log group of the PostgreSQL host."
  value       = aws_cloudwatch_log_group.this.name
}

output "iam_policy_documents" {
  description = "Every IAM policy document this module attaches, by name (JSON), for review and tests."
  value = {
    postgres_host   = aws_iam_role_policy.host.policy
    snapshots       = aws_iam_role_policy.dlm.policy
    assume_host     = aws_iam_role.host.assume_role_policy
    assume_snapshot = aws_iam_role.dlm.assume_role_policy
  }
}

output "log_groups" {
  description = "Retention in days of each CloudWatch log group this module creates, by name."
  value       = { (aws_cloudwatch_log_group.this.name) = aws_cloudwatch_log_group.this.retention_in_days }
}
