# sesami on AWS: the whole stack, composed from ./modules.
#
#   CloudFront -> S3 (front end)           ALB (HTTPS) -> PostgREST on Fargate (2..10)
#                                                              |
#   PostgreSQL + sesami on EC2 (encrypted gp3, snapshots) <----+---- sesami-worker on Batch SPOT
#        | dispatcher: SendMessageBatch                                   ^
#        v                                                                |
#   SQS job queue (+DLQ) -- EventBridge Pipe (body -> SQS_MESSAGE_BODY) --+
#
# RDS/Aurora cannot load sesami's C extension or run its background worker,
# hence the self-managed host.  See docs/deploy.md.
#
# The availability zones are an input, not a data source: the database volume
# lives in the first one, and no change in what AWS reports may move it.

data "aws_caller_identity" "current" {}

locals {
  prefix  = "${var.name}-${var.environment}"
  is_prod = var.environment == "prod"
  azs     = var.availability_zones

  # Connections PostgreSQL must accept (docs/deploy.md, "Connections"): every
  # PostgREST task at its maximum count holds its whole pool, every Batch job
  # running at once holds one, plus a reserve for the superuser, operators,
  # the metrics exporter and backups.  Dispatchers are background workers and
  # do not count against max_connections.
  batch_max_jobs = (floor(var.batch_max_vcpus / var.worker_job_vcpus) +
  floor(var.batch_on_demand_max_vcpus / var.worker_job_vcpus))
  connection_budget = {
    api_tasks       = var.api_max_capacity
    api_pool        = var.postgrest_db_pool
    batch_jobs      = local.batch_max_jobs
    reserved        = var.postgres_reserved_connections
    max_connections = var.api_max_capacity * var.postgrest_db_pool + local.batch_max_jobs + var.postgres_reserved_connections
  }

  log_retention_days = var.log_retention_days[var.environment]

  tags = merge(var.tags, {
    Project     = var.name
    Environment = var.environment
    ManagedBy   = "terraform"
  })

  repositories = {
    postgres  = "${local.prefix}/sesami-postgres"
    worker    = "${local.prefix}/sesami-worker"
    postgrest = "${local.prefix}/postgrest"
  }

  images = {
    postgres  = "${module.registry.repository_urls[local.repositories.postgres]}:${var.sesami_image_tag}"
    worker    = "${module.registry.repository_urls[local.repositories.worker]}:${var.sesami_image_tag}"
    postgrest = "${module.registry.repository_urls[local.repositories.postgrest]}:${var.postgrest_image_tag}"
  }

  secrets = {
    "github-oauth-client" = "GitHub OAuth app client secret (the bare string; the client id is the github_client_id variable)."
    "jwt-secret"          = "PostgREST JWT secret (PGRST_JWT_SECRET), at least 32 characters."
    "api-db-uri"          = "PostgREST connection URI (PGRST_DB_URI) as the authenticator role."
    "worker-database-url" = "sesami-worker libpq connection string (DATABASE_URL) as a login role granted sesami_worker."
    "worker-private-key"  = "sesami-worker private key (SESAMI_WORKER_PRIVATE_KEY), PEM."
    "postgres-superuser"  = "Password of the postgres superuser on the PostgreSQL host."
  }
}

module "network" {
  source = "./modules/network"

  name               = local.prefix
  cidr_block         = var.vpc_cidr
  availability_zones = local.azs
  single_nat_gateway = !local.is_prod
  tags               = local.tags
}

module "registry" {
  source = "./modules/registry"

  repositories = values(local.repositories)
  tags         = local.tags
}

module "secrets" {
  source = "./modules/secrets"

  name                    = local.prefix
  secrets                 = local.secrets
  recovery_window_in_days = local.is_prod ? 30 : 0
  tags                    = local.tags
}

module "queue" {
  source = "./modules/queue"

  name                    = "${local.prefix}-jobs"
  consumer_target_seconds = var.queue_consumer_target_seconds
  max_receive_count       = var.queue_max_receive_count
  tags                    = local.tags
}

module "postgres" {
  source = "./modules/postgres_host"

  name                            = local.prefix
  vpc_id                          = module.network.vpc_id
  subnet_id                       = module.network.private_subnet_ids[0]
  availability_zone               = local.azs[0]
  security_group_ids              = [module.network.security_group_ids.postgres]
  instance_type                   = var.postgres_instance_type
  ami_ssm_parameter               = var.postgres_ami_ssm_parameter
  data_volume_size_gib            = var.postgres_data_volume_size_gib
  snapshot_retain_count           = var.postgres_snapshot_retain_count
  image                           = local.images.postgres
  ecr_repository_arn              = module.registry.repository_arns[local.repositories.postgres]
  superuser_password_secret_arn   = module.secrets.arns["postgres-superuser"]
  jwt_secret_arn                  = module.secrets.arns["jwt-secret"]
  github_client_secret_arn        = module.secrets.arns["github-oauth-client"]
  github_client_id                = var.github_client_id
  worker_public_key               = var.worker_public_key
  worker_key_id                   = var.worker_key_id
  max_connections                 = local.connection_budget.max_connections
  backup_retention_full           = var.backup_retention_full
  backup_retention_diff           = var.backup_retention_diff
  batch_job_queue_name            = module.batch_worker.job_queue_name
  batch_compute_environment_names = module.batch_worker.compute_environment_arns
  queue_arn                       = module.queue.queue_arn
  queue_url                       = module.queue.queue_url
  log_retention_days              = local.log_retention_days
  tags                            = local.tags
}

module "batch_worker" {
  source = "./modules/batch_worker"

  name                    = local.prefix
  subnet_ids              = module.network.private_subnet_ids
  security_group_ids      = [module.network.security_group_ids.worker]
  queue_arn               = module.queue.queue_arn
  queue_url               = module.queue.queue_url
  image                   = local.images.worker
  ecr_repository_arn      = module.registry.repository_arns[local.repositories.worker]
  database_url_secret_arn = module.secrets.arns["worker-database-url"]
  worker_key_secret_arn   = module.secrets.arns["worker-private-key"]
  max_vcpus               = var.batch_max_vcpus
  on_demand_max_vcpus     = var.batch_on_demand_max_vcpus
  instance_types          = var.batch_instance_types
  job_vcpus               = var.worker_job_vcpus
  job_memory_mib          = var.worker_job_memory_mib
  job_attempts            = var.worker_job_attempts
  job_timeout_seconds     = var.worker_job_timeout_seconds
  log_retention_days      = local.log_retention_days
  tags                    = local.tags
}

module "api" {
  source = "./modules/api"

  name                   = local.prefix
  vpc_id                 = module.network.vpc_id
  public_subnet_ids      = module.network.public_subnet_ids
  private_subnet_ids     = module.network.private_subnet_ids
  alb_security_group_id  = module.network.security_group_ids.alb
  task_security_group_id = module.network.security_group_ids.api
  certificate_arn        = var.api_certificate_arn
  image                  = local.images.postgrest
  ecr_repository_arn     = module.registry.repository_arns[local.repositories.postgrest]
  db_uri_secret_arn      = module.secrets.arns["api-db-uri"]
  jwt_secret_arn         = module.secrets.arns["jwt-secret"]
  min_capacity           = var.api_min_capacity
  db_pool                = var.postgrest_db_pool
  max_capacity           = var.api_max_capacity
  log_retention_days     = local.log_retention_days
  tags                   = local.tags
}

module "frontend" {
  source = "./modules/frontend"

  name                = local.prefix
  bucket_name         = coalesce(var.frontend_bucket_name, "${local.prefix}-frontend-${data.aws_caller_identity.current.account_id}")
  aliases             = var.frontend_aliases
  acm_certificate_arn = var.frontend_certificate_arn
  api_url             = var.api_url
  github_client_id    = var.github_client_id
  tags                = local.tags
}

module "monitoring" {
  source = "./modules/monitoring"

  name                    = local.prefix
  alarm_emails            = var.alarm_emails
  queue_name              = module.queue.queue_name
  dlq_name                = module.queue.dlq_name
  batch_job_queue_arn     = module.batch_worker.job_queue_arn
  alb_arn_suffix          = module.api.alb_arn_suffix
  target_group_arn_suffix = module.api.target_group_arn_suffix
  postgres_instance_id    = module.postgres.instance_id
  metrics_namespace       = module.postgres.metrics_namespace
  tags                    = local.tags
}
