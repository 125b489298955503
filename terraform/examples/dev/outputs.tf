output "api_endpoint" {
  description = "DNS name of the API load balancer."
  value       = module.sesami.api_endpoint
}

output "frontend_domain_name" {
  description = "CloudFront domain name of the front end."
  value       = module.sesami.frontend_domain_name
}

output "ecr_repository_urls" {
  description = "Where to push the images."
  value       = module.sesami.ecr_repository_urls
}

output "secret_names" {
  description = "Secrets to fill before the stack can serve."
  value       = module.sesami.secret_names
}

output "queue_url" {
  description = "SQS job queue URL."
  value       = module.sesami.queue_url
}

output "postgres_instance_id" {
  description = "Instance ID of the PostgreSQL host."
  value       = module.sesami.postgres_instance_id
}

output "frontend_bucket" {
  description = "S3 bucket the front-end build is uploaded to."
  value       = module.sesami.frontend_bucket
}

output "frontend_distribution_id" {
  description = "CloudFront distribution id, for the invalidation after an upload."
  value       = module.sesami.frontend_distribution_id
}

output "backup_bucket" {
  description = "S3 bucket of the pgBackRest repository."
  value       = module.sesami.backup_bucket
}

output "postgres_connection_budget" {
  description = "How max_connections was sized."
  value       = module.sesami.postgres_connection_budget
}

output "postgres_hostname" {
  description = "Private DNS name of the PostgreSQL host (for the DB URI secrets)."
  value       = module.sesami.postgres_hostname
}

output "alarm_topic_arn" {
  description = "SNS topic of every alarm."
  value       = module.sesami.alarm_topic_arn
}
