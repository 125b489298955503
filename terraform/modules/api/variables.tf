variable "name" {
  description = "Name prefix for every resource (for example \"sesami-prod\")."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the load balancer's target group."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets of the internet-facing load balancer."
  type        = list(string)
}

variable "private_subnet_ids" {
  description = "Private subnets the PostgREST tasks run in."
  type        = list(string)
}

variable "alb_security_group_id" {
  description = "Security group of the load balancer."
  type        = string
}

variable "task_security_group_id" {
  description = "Security group of the PostgREST tasks."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate (same region) for the HTTPS listener."
  type        = string
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "image" {
  description = "PostgREST image as <repository-url>:<tag> or <repository-url>@sha256:<digest> (mirrored into ECR); never latest."
  type        = string

  validation {
    condition     = !endswith(var.image, ":latest") && (can(regex(":[A-Za-z0-9_][A-Za-z0-9_.-]*$", var.image)) || can(regex("@sha256:[0-9a-f]{64}$", var.image)))
    error_message = "The PostgREST image must carry an explicit version tag or digest, not \"latest\"."
  }
}

variable "ecr_repository_arn" {
  description = "ARN of the ECR repository holding the PostgREST image."
  type        = string
}

variable "db_uri_secret_arn" {
  description = "Secrets Manager ARN of PGRST_DB_URI (connects as the authenticator role)."
  type        = string
}

variable "jwt_secret_arn" {
  description = "Secrets Manager ARN of PGRST_JWT_SECRET."
  type        = string
}

variable "db_schemas" {
  description = "Schemas PostgREST exposes (PGRST_DB_SCHEMAS). Never sesami's internal schemas: the worker's functions (schema worker) and the tables (schema sesami) are not for HTTP."
  type        = string
  default     = "api"

  validation {
    condition     = length(setintersection([for s in split(",", var.db_schemas) : trimspace(s)], ["worker", "sesami"])) == 0
    error_message = "PostgREST must not serve the worker or sesami schemas; serve api only."
  }
}

variable "db_anon_role" {
  description = "Role for requests without a JWT (PGRST_DB_ANON_ROLE)."
  type        = string
  default     = "sesami_anon"
}

variable "db_pool" {
  description = "Connections each PostgREST task keeps to PostgreSQL (PGRST_DB_POOL)."
  type        = number
  default     = 10

  validation {
    condition     = var.db_pool >= 1
    error_message = "db_pool must be at least 1."
  }
}

variable "cpu" {
  description = "Fargate task CPU units."
  type        = number
  default     = 256
}

variable "memory_mib" {
  description = "Fargate task memory in MiB."
  type        = number
  default     = 512
}

variable "port" {
  description = "Port PostgREST serves the API on."
  type        = number
  default     = 3000
}

variable "admin_port" {
  description = "Port of PostgREST's admin server (/live, /ready) used for health checks."
  type        = number
  default     = 3001
}

variable "min_capacity" {
  description = "Fewest running tasks (autoscaling floor)."
  type        = number
  default     = 2
}

variable "max_capacity" {
  description = "Most running tasks (autoscaling ceiling)."
  type        = number
  default     = 10

  validation {
    condition     = var.max_capacity >= 1
    error_message = "max_capacity must be at least 1."
  }
}

variable "cpu_target_percent" {
  description = "Average service CPU utilisation the target-tracking policy keeps."
  type        = number
  default     = 60
}

variable "log_retention_days" {
  description = "Retention of the API CloudWatch log group, in days."
  type        = number
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
