output "repository_urls" {
  description = "Repository URLs by name (push and pull as <url>:<tag>)."
  value       = { for k, r in aws_ecr_repository.this : k => r.repository_url }
}

output "repository_arns" {
  description = "Repository ARNs by name (for least-privilege pull policies)."
  value       = { for k, r in aws_ecr_repository.this : k => r.arn }
}
