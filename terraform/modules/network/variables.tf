variable "name" {
  description = "Name prefix for every resource (for example \"sesami-prod\")."
  type        = string
}

variable "cidr_block" {
  description = "IPv4 CIDR block of the VPC; split into one public and one private /20 per availability zone."
  type        = string
  default     = "10.40.0.0/16"
}

variable "availability_zones" {
  description = "Exactly two availability zone names to spread the subnets over."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) == 2
    error_message = "The network spans exactly two availability zones."
  }
}

variable "single_nat_gateway" {
  description = "Use one NAT gateway for both AZs (cheaper, dev) instead of one per AZ (prod). Workers need NAT to clone from GitHub."
  type        = bool
  default     = false
}

variable "interface_endpoint_services" {
  description = "AWS services reached through interface VPC endpoints from the private subnets (short names, e.g. \"sqs\")."
  type        = list(string)
  default     = ["sqs", "ecr.api", "ecr.dkr", "logs", "secretsmanager", "sts", "ecs", "ecs-agent", "ecs-telemetry", "ssm", "ssmmessages", "ec2messages", "monitoring"]
}

variable "postgres_port" {
  description = "TCP port PostgreSQL listens on."
  type        = number
  default     = 5432
}

variable "api_port" {
  description = "TCP port PostgREST listens on inside its task."
  type        = number
  default     = 3000
}

variable "api_admin_port" {
  description = "TCP port of PostgREST's admin server (health checks /live and /ready)."
  type        = number
  default     = 3001
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
