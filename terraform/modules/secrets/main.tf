# Secrets Manager secrets.  Terraform creates the containers only; operators
# put the values with `aws secretsmanager put-secret-value` (docs/deploy.md),
# so no secret value ever lands in Terraform state.  ECS and Batch inject them
# into containers through task/job definition `secrets`.

resource "aws_secretsmanager_secret" "this" {
  for_each = var.secrets

  name                    = "${var.name}/${each.key}"
  description             = each.value
  recovery_window_in_days = var.recovery_window_in_days
  kms_key_id              = var.kms_key_id

  tags = var.tags
}
