variable "name" {
  description = "Name of the job queue; the dead-letter queue is named \"<name>-dlq\"."
  type        = string
}

variable "consumer_target_seconds" {
  description = "Longest time a consumer (the EventBridge Pipe's Batch SubmitJob call, or a poll-mode worker's receive-to-delete cycle) holds a message. The visibility timeout is at least six times this."
  type        = number
  default     = 30

  validation {
    condition     = var.consumer_target_seconds >= 1 && var.consumer_target_seconds <= 7200
    error_message = "consumer_target_seconds must be between 1 and 7200."
  }
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout of the job queue; null means 6 x consumer_target_seconds. Must not be lower than that."
  type        = number
  default     = null
}

variable "max_receive_count" {
  description = "Receives before a message moves to the dead-letter queue (redrive maxReceiveCount); at least 5."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 5
    error_message = "max_receive_count must be at least 5 so that transient throttling does not dead-letter jobs."
  }
}

variable "message_retention_seconds" {
  description = "How long the job queue keeps an unconsumed message."
  type        = number
  default     = 345600
}

variable "dlq_message_retention_seconds" {
  description = "How long the dead-letter queue keeps a message (the maximum, 14 days, by default so operators can inspect it)."
  type        = number
  default     = 1209600
}

variable "kms_master_key_id" {
  description = "KMS key for SSE-KMS; null uses SQS-managed server-side encryption (SSE-SQS)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
