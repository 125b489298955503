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
