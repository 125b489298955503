variable "name" {
  description = "Name prefix of the secrets (secrets are named \"<name>/<secret>\")."
  type        = string
}

variable "secrets" {
  description = "Secrets to create, by key, with a description of what value an operator must put in each. Values are never in Terraform state."
  type        = map(string)
}

variable "recovery_window_in_days" {
  description = "Days a deleted secret can still be restored (0 deletes at once; dev only)."
  type        = number
  default     = 30
}

variable "kms_key_id" {
  description = "KMS key that encrypts the secrets; null uses the AWS-managed key aws/secretsmanager."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
