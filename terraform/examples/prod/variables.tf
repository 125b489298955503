variable "aws_region" {
  description = "AWS region of the prod stack."
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
