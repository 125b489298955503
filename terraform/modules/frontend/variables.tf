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
