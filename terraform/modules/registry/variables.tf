variable "repositories" {
  description = "Names of the ECR repositories to create (one per image: sesami-postgres, sesami-worker, postgrest)."
  type        = list(string)
}

variable "keep_tagged_images" {
  description = "How many tagged images each repository keeps; older ones expire."
  type        = number
  default     = 30
}

variable "untagged_expiry_days" {
  description = "Days after which untagged images (failed pushes, replaced manifests) expire."
  type        = number
  default     = 7
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
