variable "name" {
  description = "Project name; resources are named \"<name>-<environment>-...\"."
  type        = string
  default     = "sesami"
}

variable "environment" {
  description = "Deployment environment: \"dev\" or \"prod\". Selects log retention, NAT layout and deletion windows."
  type        = string

  validation {
    condition     = contains(["dev", "prod"], var.environment)
    error_message = "environment must be \"dev\" or \"prod\"."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
  default     = "10.40.0.0/16"
}

variable "sesami_image_tag" {
  description = "Tag of the sesami-postgres and sesami-worker images in ECR (an immutable version such as \"v0.1.0\" or \"sha-<commit>\"); never \"latest\"."
  type        = string

  validation {
    condition     = var.sesami_image_tag != "latest" && can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.sesami_image_tag))
    error_message = "sesami_image_tag must be an explicit version tag, not \"latest\"."
  }
}

variable "postgrest_image_tag" {
  description = "Tag of the PostgREST image mirrored into the postgrest ECR repository; never \"latest\"."
  type        = string
  default     = "v12.2.3"

  validation {
    condition     = var.postgrest_image_tag != "latest" && can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.postgrest_image_tag))
    error_message = "postgrest_image_tag must be an explicit version tag, not \"latest\"."
  }
}

variable "api_certificate_arn" {
  description = "ACM certificate ARN (in the deployment region) for the API load balancer's HTTPS listener."
  type        = string
}

variable "api_min_capacity" {
  description = "Fewest PostgREST tasks."
  type        = number
  default     = 2
}

variable "api_max_capacity" {
  description = "Most PostgREST tasks."
  type        = number
  default     = 10
}

variable "log_retention_days" {
  description = "CloudWatch log retention in days, by environment."
  type        = map(number)
  default = {
    dev  = 7
    prod = 30
  }

  validation {
    condition     = alltrue([for e in ["dev", "prod"] : contains(keys(var.log_retention_days), e)])
    error_message = "log_retention_days needs an entry for dev and for prod."
  }
}

variable "queue_consumer_target_seconds" {
  description = "Longest time the pipe's target call (Batch SubmitJob) or a poll-mode worker holds a job message; the queue's visibility timeout is 6x this."
  type        = number
  default     = 30
}

variable "queue_max_receive_count" {
  description = "Receives before a job message moves to the dead-letter queue (at least 5)."
  type        = number
  default     = 5
}

variable "batch_max_vcpus" {
  description = "vCPU ceiling of the SPOT Batch compute environment (it scales from 0)."
  type        = number
  default     = 64
}

variable "batch_instance_types" {
  description = "Instance families the SPOT compute environment may launch."
  type        = list(string)
  default     = ["c6i", "c6a", "c7i", "m6i", "m6a", "m7i"]
}

variable "worker_job_vcpus" {
  description = "vCPUs of one worker job."
  type        = number
  default     = 2
}

variable "worker_job_memory_mib" {
  description = "Memory of one worker job in MiB."
  type        = number
  default     = 4096
}

variable "worker_job_timeout_seconds" {
  description = "Time limit of one worker job attempt."
  type        = number
  default     = 3600
}

variable "worker_job_attempts" {
  description = "Batch attempts per job (retries happen on exit code 75 and on spot/host loss)."
  type        = number
  default     = 3
}

variable "postgres_instance_type" {
  description = "EC2 instance type of the PostgreSQL host (arm64 by default, matching the AMI parameter)."
  type        = string
  default     = "m7g.large"
}

variable "postgres_ami_ssm_parameter" {
  description = "Public SSM parameter of the Amazon Linux 2023 AMI for the PostgreSQL host; must match the instance architecture."
  type        = string
  default     = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
}

variable "postgres_data_volume_size_gib" {
  description = "Size of the PostgreSQL data volume in GiB."
  type        = number
  default     = 100
}

variable "postgres_snapshot_retain_count" {
  description = "Daily snapshots of the PostgreSQL data volume to keep."
  type        = number
  default     = 14
}

variable "frontend_bucket_name" {
  description = "Name of the front-end bucket; null derives \"<name>-<environment>-frontend-<account id>\"."
  type        = string
  default     = null
}

variable "frontend_aliases" {
  description = "Custom domain names of the front-end distribution."
  type        = list(string)
  default     = []
}

variable "frontend_certificate_arn" {
  description = "ACM certificate in us-east-1 for frontend_aliases; null when there are none."
  type        = string
  default     = null
}

variable "alarm_emails" {
  description = "E-mail addresses that receive alarm notifications."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "availability_zones" {
  description = "Exactly two availability zones of the region (e.g. [\"eu-west-1a\", \"eu-west-1b\"]). The PostgreSQL host and its data volume live in the first; changing it would move them, so it is an input, not a data source."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) == 2 && length(distinct(var.availability_zones)) == 2
    error_message = "availability_zones must name exactly two different zones."
  }
}

variable "api_url" {
  description = "Public HTTPS URL of the API (the host name api_certificate_arn covers, pointed at the load balancer); the web app's config.json and its Content-Security-Policy use it."
  type        = string

  validation {
    condition     = can(regex("^https://[A-Za-z0-9.-]+(:[0-9]+)?$", var.api_url))
    error_message = "api_url must be https://<host>[:port], without a path or trailing slash."
  }
}

variable "github_client_id" {
  description = "Client ID of the GitHub OAuth app (public): sesami.github_client_id on the host and githubClientId in the web app's config.json. Its secret goes into the github-oauth-client secret."
  type        = string
}

variable "worker_public_key" {
  description = "The worker's X25519 public key, base64 of the 32 bytes (sesami.worker_public_key). Its private key goes into the worker-private-key secret."
  type        = string
}

variable "worker_key_id" {
  description = "Name of the worker key pair (sesami.worker_key_id), e.g. \"k-2026-12\"."
  type        = string
}

variable "postgrest_db_pool" {
  description = "Connections each PostgREST task keeps (PGRST_DB_POOL)."
  type        = number
  default     = 10
}

variable "postgres_reserved_connections" {
  description = "Connections kept beyond PostgREST and Batch: superuser_reserved_connections (3), operators, the metrics exporter, backups."
  type        = number
  default     = 10

  validation {
    condition     = var.postgres_reserved_connections >= 5
    error_message = "Reserve at least 5 connections (3 are the superuser's)."
  }
}

variable "batch_on_demand_max_vcpus" {
  description = "vCPU ceiling of the on-demand compute environment the job queue falls back to when Spot has no capacity (0 turns it off in effect)."
  type        = number
  default     = 16
}

variable "backup_retention_full" {
  description = "Full pgBackRest backups (weekly) to keep; point-in-time recovery reaches back to the oldest."
  type        = number
  default     = 4
}

variable "backup_retention_diff" {
  description = "Differential pgBackRest backups (daily) to keep."
  type        = number
  default     = 6
}
