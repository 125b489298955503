variable "name" {
  description = "Name prefix for every resource (for example \"sesami-prod\")."
  type        = string
}

variable "bucket_name" {
  description = "Name of the private S3 bucket holding the web front end's static files (globally unique)."
  type        = string
}

variable "aliases" {
  description = "Custom domain names of the distribution; empty uses the cloudfront.net name."
  type        = list(string)
  default     = []
}

variable "acm_certificate_arn" {
  description = "ACM certificate in us-east-1 for the aliases; null when aliases is empty."
  type        = string
  default     = null
}

variable "api_url" {
  description = "Public HTTPS URL of the API: apiUrl in config.json and the only other origin the CSP lets the app call."
  type        = string

  validation {
    condition     = can(regex("^https://[A-Za-z0-9.-]+(:[0-9]+)?$", var.api_url))
    error_message = "api_url must be https://<host>[:port], without a path or trailing slash."
  }
}

variable "github_client_id" {
  description = "GitHub OAuth app client ID: githubClientId in config.json."
  type        = string
}

variable "price_class" {
  description = "CloudFront price class (edge locations used)."
  type        = string
  default     = "PriceClass_100"
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
