variable "name" {
  description = "Name prefix for every resource (for example \"sesami-prod\")."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets the Batch instances run in."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the Batch instances (the network module's worker group)."
  type        = list(string)
}

variable "queue_arn" {
  description = "ARN of the SQS job queue the EventBridge Pipe reads."
  type        = string
}

variable "queue_url" {
  description = "URL of the SQS job queue, passed to the worker as SQS_QUEUE_URL."
  type        = string
}

variable "image" {
  description = "Worker image as <repository-url>:<tag> or <repository-url>@sha256:<digest>; never a moving tag such as latest."
  type        = string

  validation {
    condition     = !endswith(var.image, ":latest") && (can(regex(":[A-Za-z0-9_][A-Za-z0-9_.-]*$", var.image)) || can(regex("@sha256:[0-9a-f]{64}$", var.image)))
    error_message = "The worker image must carry an explicit version tag or digest, not \"latest\"."
  }
}

variable "ecr_repository_arn" {
  description = "ARN of the ECR repository holding the worker image (the execution role may pull only from it)."
  type        = string
}

variable "database_url_secret_arn" {
  description = "Secrets Manager ARN of the worker's libpq connection string (DATABASE_URL)."
  type        = string
}

variable "worker_key_secret_arn" {
  description = "Secrets Manager ARN of the worker's private key (SESAMI_WORKER_PRIVATE_KEY)."
  type        = string
}

variable "max_vcpus" {
  description = "Upper bound of the SPOT compute environment; it scales from 0 to this many vCPUs."
  type        = number
  default     = 64

  validation {
    condition     = var.max_vcpus >= 1
    error_message = "max_vcpus must be at least 1."
  }
}

variable "on_demand_max_vcpus" {
  description = "vCPU ceiling of the on-demand compute environment behind the Spot one (it scales from 0)."
  type        = number
  default     = 16
}

variable "instance_types" {
  description = "Instance types or families the SPOT compute environment may use; several families give SPOT_CAPACITY_OPTIMIZED room to pick."
  type        = list(string)
  default     = ["c6i", "c6a", "c7i", "m6i", "m6a", "m7i"]
}

variable "spot_bid_percentage" {
  description = "Highest spot price paid, as a percentage of the on-demand price."
  type        = number
  default     = 100
}

variable "job_vcpus" {
  description = "vCPUs reserved for one worker job (resourceRequirements VCPU)."
  type        = number
  default     = 2
}

variable "job_memory_mib" {
  description = "Memory in MiB reserved for one worker job (resourceRequirements MEMORY)."
  type        = number
  default     = 4096
}

variable "job_attempts" {
  description = "Batch attempts per job, counting the first (retryStrategy attempts)."
  type        = number
  default     = 3

  validation {
    condition     = var.job_attempts >= 1 && var.job_attempts <= 10
    error_message = "job_attempts must be between 1 and 10."
  }
}

variable "retryable_exit_code" {
  description = "Exit code with which `sesami-worker batch` reports a retryable failure (EX_TEMPFAIL)."
  type        = number
  default     = 75
}

variable "job_timeout_seconds" {
  description = "Wall-clock limit of one job attempt; Batch stops the attempt after it."
  type        = number
  default     = 3600

  validation {
    condition     = var.job_timeout_seconds >= 60
    error_message = "Batch requires an attempt timeout of at least 60 seconds."
  }
}

variable "log_retention_days" {
  description = "Retention of the worker and pipe CloudWatch log groups, in days."
  type        = number
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
