output "arns" {
  description = "Secret ARNs by key."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.arn }
}

output "names" {
  description = "Secret names by key."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.name }
}
