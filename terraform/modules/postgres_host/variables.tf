variable "name" {
  description = "Name prefix for every resource (for example \"sesami-prod\")."
  type        = string
}

variable "vpc_id" {
  description = "VPC the private DNS zone is attached to."
  type        = string
}

variable "private_zone_name" {
  description = "Private Route 53 zone in which the host gets the name \"postgres.<zone>\" (what the DB URI secrets point at)."
  type        = string
  default     = "sesami.internal"
}

variable "subnet_id" {
  description = "Private subnet of the PostgreSQL host; the data volume is created in the same availability zone."
  type        = string
}

variable "availability_zone" {
  description = "Availability zone of subnet_id (EBS volumes are zonal)."
  type        = string
}

variable "security_group_ids" {
  description = "Security groups of the host (the network module's postgres group)."
  type        = list(string)
}

variable "instance_type" {
  description = "EC2 instance type of the PostgreSQL host."
  type        = string
  default     = "m7g.large"
}

variable "ami_ssm_parameter" {
  description = "Public SSM parameter naming the Amazon Linux 2023 AMI (its architecture must match instance_type)."
  type        = string
  default     = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
}

variable "data_volume_size_gib" {
  description = "Size of the encrypted gp3 volume holding PGDATA, in GiB."
  type        = number
  default     = 100
}

variable "data_volume_iops" {
  description = "Provisioned IOPS of the gp3 data volume (3000 is included in the gp3 price)."
  type        = number
  default     = 3000
}

variable "data_volume_throughput" {
  description = "Provisioned throughput of the gp3 data volume in MiB/s (125 is included in the gp3 price)."
  type        = number
  default     = 125
}

variable "kms_key_id" {
  description = "KMS key ARN for the EBS volumes; null uses the AWS-managed key aws/ebs."
  type        = string
  default     = null
}

variable "snapshot_retain_count" {
  description = "Daily EBS snapshots of the data volume to keep."
  type        = number
  default     = 14
}

variable "snapshot_time_utc" {
  description = "Time of day (UTC, HH:MM) of the daily snapshot."
  type        = string
  default     = "03:00"
}

variable "image" {
  description = "sesami PostgreSQL image (docker/Dockerfile.postgres) as <repository-url>:<tag> or @sha256 digest; never latest."
  type        = string

  validation {
    condition     = !endswith(var.image, ":latest") && (can(regex(":[A-Za-z0-9_][A-Za-z0-9_.-]*$", var.image)) || can(regex("@sha256:[0-9a-f]{64}$", var.image)))
    error_message = "The PostgreSQL image must carry an explicit version tag or digest, not \"latest\"."
  }
}

variable "ecr_repository_arn" {
  description = "ARN of the ECR repository holding the PostgreSQL image."
  type        = string
}

variable "superuser_password_secret_arn" {
  description = "Secrets Manager ARN of the postgres superuser password (used when the cluster is first initialised)."
  type        = string
}

variable "jwt_secret_arn" {
  description = "Secrets Manager ARN of the JWT secret shared with PostgREST; written to a file only postgres reads (sesami.jwt_secret_file)."
  type        = string
}

variable "github_client_secret_arn" {
  description = "Secrets Manager ARN of the GitHub OAuth app's client secret (the bare string); written to a file only postgres reads (sesami.github_client_secret_file)."
  type        = string
}

variable "github_client_id" {
  description = "Client ID of the GitHub OAuth app (sesami.github_client_id; public)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,100}$", var.github_client_id))
    error_message = "github_client_id must be a GitHub OAuth client ID (letters, digits, dot, dash, underscore)."
  }
}

variable "worker_public_key" {
  description = "The worker's X25519 public key, base64 of the 32 bytes (sesami.worker_public_key; public). The private key stays in the worker-private-key secret."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+/]{43}=$", var.worker_public_key))
    error_message = "worker_public_key must be the base64 of a 32-byte X25519 public key (44 characters)."
  }
}

variable "worker_key_id" {
  description = "Name of the worker key pair (sesami.worker_key_id), stored with every sealed token."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._:-]{1,64}$", var.worker_key_id))
    error_message = "worker_key_id must be 1-64 characters of letters, digits and . _ : -."
  }
}

variable "max_connections" {
  description = "PostgreSQL max_connections (the root module computes it from PostgREST tasks x pool + Batch jobs + reserve)."
  type        = number
  default     = 100
}

variable "backup_retention_full" {
  description = "Full pgBackRest backups to keep; older ones, and the WAL only they need, expire."
  type        = number
  default     = 4

  validation {
    condition     = var.backup_retention_full >= 2
    error_message = "Keep at least two full backups."
  }
}

variable "backup_retention_diff" {
  description = "Differential pgBackRest backups to keep."
  type        = number
  default     = 6
}

variable "backup_full_calendar" {
  description = "systemd OnCalendar expression (UTC) of the full backup."
  type        = string
  default     = "Sun *-*-* 02:00:00 UTC"
}

variable "backup_diff_calendar" {
  description = "systemd OnCalendar expression (UTC) of the differential backup."
  type        = string
  default     = "Mon..Sat *-*-* 02:00:00 UTC"
}

variable "backup_noncurrent_days" {
  description = "Days an overwritten or deleted object of the backup bucket stays recoverable."
  type        = number
  default     = 30
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the host's sesami metrics (dimension Stack = name)."
  type        = string
  default     = "Sesami"
}

variable "batch_job_queue_name" {
  description = "Batch job queue whose RUNNABLE jobs the host's metrics watch; null for none."
  type        = string
  default     = null
}

variable "batch_compute_environment_names" {
  description = "Batch compute environments (names or ARNs) whose status the host's metrics watch."
  type        = list(string)
  default     = []
}

variable "database_name" {
  description = "Database sesami runs in (the sesami.database_name GUC)."
  type        = string
  default     = "sesami"
}

variable "queue_arn" {
  description = "ARN of the SQS job queue the dispatcher sends to."
  type        = string
}

variable "queue_url" {
  description = "URL of the SQS job queue (the sesami.sqs_queue_url GUC)."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the PostgreSQL CloudWatch log group, in days."
  type        = number
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
