output "bucket_name" {
  description = "Bucket to upload the front end's build to."
  value       = aws_s3_bucket.this.bucket
}

output "distribution_id" {
  description = "CloudFront distribution ID (for cache invalidations after an upload)."
  value       = aws_cloudfront_distribution.this.id
}

output "distribution_domain_name" {
  description = "Domain name of the distribution."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "iam_policy_documents" {
  description = "Resource policies this module attaches, by name (JSON), for review and tests."
  value = {
    frontend_bucket = aws_s3_bucket_policy.this.policy
  }
}

output "config" {
  description = "The runtime config.json uploaded next to index.html."
  value       = local.config
}

output "content_security_policy" {
  description = "The Content-Security-Policy header every response carries."
  value       = local.content_security_policy
}
