variable "aws_region" {
  description = "AWS region of the dev stack."
  type        = string
  default     = "eu-west-1"
}

variable "sesami_image_tag" {
  description = "Version tag of the sesami-postgres and sesami-worker images pushed to ECR (never latest)."
  type        = string
}

variable "api_certificate_arn" {
  description = "ACM certificate ARN for the API's HTTPS listener."
  type        = string
}

variable "alarm_emails" {
  description = "E-mail addresses that receive alarm notifications."
  type        = list(string)
  default     = []
}

variable "availability_zones" {
  description = "The two availability zones of the stack; the PostgreSQL host and its data volume live in the first. Never change it on a running stack."
  type        = list(string)
  default     = ["eu-west-1a", "eu-west-1b"]
}

variable "api_url" {
  description = "Public HTTPS URL of the API (the host name of api_certificate_arn)."
  type        = string
}

variable "github_client_id" {
  description = "Client ID of the GitHub OAuth app."
  type        = string
}

variable "worker_public_key" {
  description = "The worker's X25519 public key (base64 of 32 bytes); its private key goes into the worker-private-key secret."
  type        = string
}

variable "worker_key_id" {
  description = "Name of the worker key pair."
  type        = string
}
