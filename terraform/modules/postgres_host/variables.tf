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
  description = "Secrets Manager ARN of the postgres superuser password, read once at boot."
  type        = string
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
