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
    backup_bucket   = aws_s3_bucket_policy.backups.policy
    snapshots       = aws_iam_role_policy.dlm.policy
    assume_host     = aws_iam_role.host.assume_role_policy
    assume_snapshot = aws_iam_role.dlm.assume_role_policy
  }
}

output "log_groups" {
  description = "Retention in days of each CloudWatch log group this module creates, by name."
  value       = { (aws_cloudwatch_log_group.this.name) = aws_cloudwatch_log_group.this.retention_in_days }
}

output "user_data" {
  description = "The host's rendered boot script (it holds no secret: secrets are fetched at boot)."
  value       = local.user_data
}

output "postgresql_settings" {
  description = "Settings the boot script writes into the host's postgresql.conf, by name (WAL archiving is added at boot by pgbackrest-conf.sh)."
  value       = local.settings
}

output "readable_secret_arns" {
  description = "The Secrets Manager secrets the host's role may read."
  value       = local.readable_secret_arns
}

output "backup_bucket" {
  description = "S3 bucket of the pgBackRest repository."
  value       = aws_s3_bucket.backups.bucket
}

output "metrics_namespace" {
  description = "CloudWatch namespace of the host's sesami metrics."
  value       = var.metrics_namespace
}
