variable "name" {
  description = "Name prefix for every resource (for example \"sesami-prod\")."
  type        = string
}

variable "alarm_emails" {
  description = "E-mail addresses subscribed to the alarm topic (each must confirm)."
  type        = list(string)
  default     = []
}

variable "queue_name" {
  description = "Name of the SQS job queue."
  type        = string
}

variable "dlq_name" {
  description = "Name of the SQS dead-letter queue."
  type        = string
}

variable "oldest_message_age_threshold_seconds" {
  description = "Alarm when the oldest message in the job queue is older than this (the pipe has stalled)."
  type        = number
  default     = 900
}

variable "batch_job_queue_arn" {
  description = "ARN of the Batch job queue whose FAILED jobs raise an alert."
  type        = string
}

variable "alb_arn_suffix" {
  description = "ARN suffix of the API load balancer."
  type        = string
}

variable "target_group_arn_suffix" {
  description = "ARN suffix of the API target group."
  type        = string
}

variable "api_5xx_threshold" {
  description = "5xx responses per 5 minutes (load balancer plus targets) that raise the alarm."
  type        = number
  default     = 10
}

variable "postgres_instance_id" {
  description = "EC2 instance ID of the PostgreSQL host."
  type        = string
}

variable "postgres_cpu_threshold_percent" {
  description = "Average CPU of the PostgreSQL host that raises the alarm."
  type        = number
  default     = 80
}

variable "postgres_disk_threshold_percent" {
  description = "Used space of the PostgreSQL data volume (CloudWatch agent metric) that raises the alarm."
  type        = number
  default     = 80
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the metrics the PostgreSQL host exports (dimension Stack = name)."
  type        = string
  default     = "Sesami"
}

variable "outbox_backlog_threshold" {
  description = "Outbox rows waiting to be sent that raise the backlog alarm when they stay for 5 minutes."
  type        = number
  default     = 1000
}

variable "oldest_pending_job_threshold_seconds" {
  description = "Age of the oldest job not yet sent to SQS that raises an alarm."
  type        = number
  default     = 300
}

variable "oldest_queued_job_threshold_seconds" {
  description = "Age of the oldest job sent to SQS but not claimed by a worker that raises an alarm (Batch scales from zero: allow for instance start-up)."
  type        = number
  default     = 1800
}

variable "batch_runnable_threshold_seconds" {
  description = "Time a worker job may wait RUNNABLE before an alarm."
  type        = number
  default     = 1800
}

variable "kms_master_key_id" {
  description = "Customer-managed KMS key for the alarm topic; its key policy must let cloudwatch.amazonaws.com and events.amazonaws.com use it. null leaves the topic unencrypted."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
