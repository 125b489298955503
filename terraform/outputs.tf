output "queue_url" {
  description = "SQS job queue URL (sesami.sqs_queue_url on the PostgreSQL host)."
  value       = module.queue.queue_url
}

output "api_endpoint" {
  description = "DNS name of the API load balancer; point the API hostname (covered by api_certificate_arn) at it."
  value       = module.api.alb_dns_name
}

output "frontend_bucket" {
  description = "S3 bucket to upload the front end's static build to."
  value       = module.frontend.bucket_name
}

output "frontend_distribution_id" {
  description = "CloudFront distribution id of the front end (for the invalidation after an upload)."
  value       = module.frontend.distribution_id
}

output "frontend_config" {
  description = "The runtime config.json Terraform uploads next to index.html."
  value       = module.frontend.config
}

output "postgres_connection_budget" {
  description = "How max_connections is sized: PostgREST tasks x pool + Batch jobs + reserve."
  value       = local.connection_budget
}

output "postgres_settings" {
  description = "Settings the PostgreSQL host's boot script writes into postgresql.conf, by name."
  value       = module.postgres.postgresql_settings
}

output "postgres_user_data" {
  description = "The PostgreSQL host's rendered boot script (no secret in it)."
  value       = module.postgres.user_data
}

output "postgres_readable_secret_arns" {
  description = "Secrets the PostgreSQL host's role may read."
  value       = module.postgres.readable_secret_arns
}

output "secret_arns" {
  description = "Secrets Manager secret ARNs by key."
  value       = module.secrets.arns
}

output "backup_bucket" {
  description = "S3 bucket of the pgBackRest repository (WAL and backups)."
  value       = module.postgres.backup_bucket
}

output "frontend_domain_name" {
  description = "CloudFront domain name of the front end."
  value       = module.frontend.distribution_domain_name
}

output "ecr_repository_urls" {
  description = "ECR repository URLs by image (postgres, worker, postgrest)."
  value       = { for k, r in local.repositories : k => module.registry.repository_urls[r] }
}

output "images" {
  description = "Image references deployed, by component (always an explicit tag)."
  value       = local.images
}

output "secret_names" {
  description = "Secrets Manager secret names by key; put their values before the first deployment (docs/deploy.md)."
  value       = module.secrets.names
}

output "postgres_hostname" {
  description = "Private DNS name of the PostgreSQL host, for the DB URI secrets."
  value       = module.postgres.hostname
}

output "postgres_private_ip" {
  description = "Private IP of the PostgreSQL host."
  value       = module.postgres.private_ip
}

output "postgres_instance_id" {
  description = "Instance ID of the PostgreSQL host (for SSM Session Manager or snapshots)."
  value       = module.postgres.instance_id
}

output "batch_job_queue" {
  description = "Name of the Batch job queue the pipe submits to."
  value       = module.batch_worker.job_queue_name
}

output "alarm_topic_arn" {
  description = "SNS topic of every alarm."
  value       = module.monitoring.topic_arn
}

output "log_groups" {
  description = "Every CloudWatch log group of the stack, with its retention in days."
  value = merge(
    module.batch_worker.log_groups,
    module.api.log_groups,
    module.postgres.log_groups,
  )
}

output "api_autoscaling" {
  description = "Task-count bounds of the PostgREST service."
  value       = module.api.autoscaling
}

output "nat_gateway_count" {
  description = "NAT gateways in the VPC (one in dev, one per AZ in prod)."
  value       = module.network.nat_gateway_count
}

output "iam_policy_documents" {
  description = "Every IAM and resource policy document the stack attaches, by name (JSON)."
  value = merge(
    module.batch_worker.iam_policy_documents,
    module.api.iam_policy_documents,
    module.postgres.iam_policy_documents,
    module.frontend.iam_policy_documents,
    module.monitoring.iam_policy_documents,
  )
}
