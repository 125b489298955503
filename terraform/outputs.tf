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
