# Self-managed PostgreSQL 15 with sesami preloaded, on one EC2 instance.
#
# Amazon RDS and Aurora cannot load a custom C extension or run its background
# worker, so sesami's database runs here: the sesami PostgreSQL image
# (docker/Dockerfile.postgres, from ECR) under Docker on Amazon Linux 2023 with
# host networking, PGDATA on a separate encrypted gp3 volume (prevent_destroy,
# checked before PostgreSQL starts) with daily DLM snapshots, WAL archiving and
# backups with pgBackRest to an S3 bucket (point-in-time recovery), TLS for
# every client.  The dispatcher and pgBackRest reach AWS with the instance role
# via IMDSv2 (hop limit 1: host networking adds no hop).  The boot script
# (user_data.sh.tftpl) writes the sign-in secrets to files only postgres reads
# and every sesami setting; files/ holds the scripts it installs, which
# test/pitr.test.sh runs too.  Operators reach the host through SSM Session
# Manager (no SSH, no public address); clients find it as postgres.<zone>.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

data "aws_ssm_parameter" "ami" {
  name = var.ami_ssm_parameter
}

locals {
  region        = data.aws_region.current.name
  account_id    = data.aws_caller_identity.current.account_id
  server_name   = "postgres.${var.private_zone_name}"
  backup_bucket = "${var.name}-pgbackrest-${local.account_id}"
  stanza        = "sesami"

  # Every setting the boot script writes into /etc/sesami/postgresql.conf
  # (the WAL archiving lines come from files/pgbackrest-conf.sh at boot).
  settings = {
    "max_connections"                  = tostring(var.max_connections)
    "shared_preload_libraries"         = "'sesami'"
    "hba_file"                         = "'/etc/sesami/pg_hba.conf'"
    "ssl"                              = "on"
    "ssl_cert_file"                    = "'/etc/sesami/tls/server.crt'"
    "ssl_key_file"                     = "'/etc/sesami/tls/server.key'"
    "ssl_min_protocol_version"         = "'TLSv1.2'"
    "password_encryption"              = "'scram-sha-256'"
    "sesami.task_service"              = "'sqs'"
    "sesami.sqs_queue_url"             = "'${var.queue_url}'"
    "sesami.aws_region"                = "'${local.region}'"
    "sesami.database_name"             = "'${var.database_name}'"
    "sesami.github_client_id"          = "'${var.github_client_id}'"
    "sesami.github_client_secret_file" = "'/etc/sesami/secrets/github_client_secret'"
    "sesami.jwt_secret_file"           = "'/etc/sesami/secrets/jwt_secret'"
    "sesami.worker_public_key"         = "'${var.worker_public_key}'"
    "sesami.worker_key_id"             = "'${var.worker_key_id}'"
  }
  postgresql_conf = join("\n", [for k in sort(keys(local.settings)) : "${k} = ${local.settings[k]}"])

  pgbackrest_args = join(" ", [
    "--stanza", local.stanza,
    "--pg-path", "/var/lib/postgresql/data/pgdata", "--pg-port", "5432", "--pg-socket", "/var/run/postgresql",
    "--repo-type", "s3", "--repo-path", "/${var.name}", "--s3-bucket", local.backup_bucket, "--s3-region", local.region,
    "--retention-full", tostring(var.backup_retention_full), "--retention-diff", tostring(var.backup_retention_diff),
    "--config", "/etc/pgbackrest/pgbackrest.conf",
  ])
  metrics_batch_args = join(" ", concat(
    var.batch_job_queue_name == null ? [] : ["--batch-job-queue", var.batch_job_queue_name],
    flatten([for ce in var.batch_compute_environment_names : ["--compute-environment", ce]]),
  ))

  # The secrets the host reads, and nothing else.
  readable_secret_arns = [var.superuser_password_secret_arn, var.jwt_secret_arn, var.github_client_secret_arn]
  snapshot_tag         = "${var.name}-postgres-data"
  ec2_arn_prefix       = "arn:${data.aws_partition.current.partition}:ec2:${local.region}"
  ecr_registry         = split("/", var.image)[0]
  volume_resource      = "${local.ec2_arn_prefix}:${data.aws_caller_identity.current.account_id}:volume/*"
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/sesami/${var.name}/postgres"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

# ---------------------------------------------------------------- IAM

resource "aws_iam_role" "host" {
  name = "${var.name}-postgres-host"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "host" {
  name = "postgres-host"
  role = aws_iam_role.host.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # SendMessage also authorises SendMessageBatch.
        Sid      = "DispatchJobs"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage", "sqs:GetQueueAttributes"]
        Resource = [var.queue_arn]
      },
      {
        Sid      = "PullPostgresImage"
        Effect   = "Allow"
        Action   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
        Resource = [var.ecr_repository_arn]
      },
      {
        Sid      = "UnscopableByAws"
        Effect   = "Allow"
        Action   = ["ecr:GetAuthorizationToken", "cloudwatch:PutMetricData"]
        Resource = ["*"]
      },
      {
        # The superuser password (first start), the JWT secret and the GitHub
        # OAuth client secret (sign-in); never the worker's keys or DB URIs.
        Sid      = "HostSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = local.readable_secret_arns
      },
      {
        Sid      = "BackupRepositoryList"
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = [aws_s3_bucket.backups.arn]
      },
      {
        Sid      = "BackupRepositoryObjects"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource = ["${aws_s3_bucket.backups.arn}/*"]
      },
      {
        # sesami-metrics: Batch jobs waiting for capacity, compute environment
        # status.  Neither call takes resource-level permissions.
        Sid      = "BatchHealth"
        Effect   = "Allow"
        Action   = ["batch:ListJobs", "batch:DescribeComputeEnvironments"]
        Resource = ["*"]
      },
      {
        # Session Manager agent; these actions take no resource-level permissions.
        Sid    = "SessionManager"
        Effect = "Allow"
        Action = [
          "ssm:UpdateInstanceInformation",
          "ssmmessages:CreateControlChannel",
          "ssmmessages:CreateDataChannel",
          "ssmmessages:OpenControlChannel",
          "ssmmessages:OpenDataChannel",
          "ec2messages:AcknowledgeMessage",
          "ec2messages:DeleteMessage",
          "ec2messages:FailMessage",
          "ec2messages:GetEndpoint",
          "ec2messages:GetMessages",
          "ec2messages:SendReply",
        ]
        Resource = ["*"]
      },
      {
        Sid      = "HostLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
      },
    ]
  })
}

resource "aws_iam_instance_profile" "host" {
  name = "${var.name}-postgres-host"
  role = aws_iam_role.host.name
  tags = var.tags
}

# Data Lifecycle Manager role: snapshot only volumes carrying our tag.
resource "aws_iam_role" "dlm" {
  name = "${var.name}-postgres-snapshots"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "dlm.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "dlm" {
  name = "snapshots"
  role = aws_iam_role.dlm.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "SnapshotTaggedVolume"
        Effect    = "Allow"
        Action    = ["ec2:CreateSnapshot"]
        Resource  = [local.volume_resource]
        Condition = { StringEquals = { "aws:ResourceTag/Snapshot" = local.snapshot_tag } }
      },
      {
        Sid      = "ManageSnapshots"
        Effect   = "Allow"
        Action   = ["ec2:CreateSnapshot", "ec2:CreateTags", "ec2:DeleteSnapshot"]
        Resource = ["${local.ec2_arn_prefix}::snapshot/*"]
      },
      {
        Sid      = "UnscopableByAws"
        Effect   = "Allow"
        Action   = ["ec2:DescribeInstances", "ec2:DescribeVolumes", "ec2:DescribeSnapshots"]
        Resource = ["*"]
      },
    ]
  })
}

# ---------------------------------------------------------------- host and storage

resource "aws_instance" "this" {
  ami                    = data.aws_ssm_parameter.ami.value
  instance_type          = var.instance_type
  subnet_id              = var.subnet_id
  vpc_security_group_ids = var.security_group_ids
  iam_instance_profile   = aws_iam_instance_profile.host.name
  ebs_optimized          = true
  monitoring             = true

  # IMDSv2 only, hop limit 1: PostgreSQL runs with host networking, so the
  # dispatcher and pgBackRest reach it; a bridged container would not.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    volume_type = "gp3"
    volume_size = 30
    encrypted   = true
    kms_key_id  = var.kms_key_id
  }

  # gzip: the boot script with its scripts is larger than EC2's 16 KiB limit
  # for user data; cloud-init unpacks it.
  user_data_replace_on_change = false
  user_data_base64            = base64gzip(local.user_data)

  tags = merge(var.tags, { Name = "${var.name}-postgres" })

  lifecycle {
    # A new AMI must not replace the database host behind the operator's back.
    ignore_changes = [ami, user_data_base64]
  }
}

locals {
  user_data = templatefile("${path.module}/user_data.sh.tftpl", {
    region                        = local.region
    ecr_registry                  = local.ecr_registry
    image                         = var.image
    database_name                 = var.database_name
    data_volume_id                = aws_ebs_volume.data.id
    server_name                   = local.server_name
    superuser_password_secret_arn = var.superuser_password_secret_arn
    jwt_secret_arn                = var.jwt_secret_arn
    github_client_secret_arn      = var.github_client_secret_arn
    postgresql_conf               = local.postgresql_conf
    pgbackrest_args               = local.pgbackrest_args
    backup_bucket                 = local.backup_bucket
    stanza                        = local.stanza
    backup_full_calendar          = var.backup_full_calendar
    backup_diff_calendar          = var.backup_diff_calendar
    metrics_namespace             = var.metrics_namespace
    metrics_batch_args            = local.metrics_batch_args
    stack                         = var.name
    log_group                     = aws_cloudwatch_log_group.this.name
    pgbackrest_conf               = chomp(file("${path.module}/files/pgbackrest-conf.sh"))
    pgbackrest_restore            = chomp(file("${path.module}/files/pgbackrest-restore.sh"))
    metrics                       = chomp(file("${path.module}/files/sesami-metrics.sh"))
  })
}

# The database's volume: a plan that would destroy it fails instead.  Its zone
# is an input (var.availability_zone), never a data source's answer.
resource "aws_ebs_volume" "data" {
  availability_zone = var.availability_zone
  type              = "gp3"
  size              = var.data_volume_size_gib
  iops              = var.data_volume_iops
  throughput        = var.data_volume_throughput
  encrypted         = true
  kms_key_id        = var.kms_key_id

  tags = merge(var.tags, { Name = "${var.name}-postgres-data", Snapshot = local.snapshot_tag })

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_volume_attachment" "data" {
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.data.id
  instance_id = aws_instance.this.id
}

resource "aws_dlm_lifecycle_policy" "data" {
  description        = "Daily snapshots of ${var.name} PostgreSQL data"
  execution_role_arn = aws_iam_role.dlm.arn
  state              = "ENABLED"

  policy_details {
    resource_types = ["VOLUME"]
    target_tags    = { Snapshot = local.snapshot_tag }

    schedule {
      name = "daily"

      create_rule {
        interval      = 24
        interval_unit = "HOURS"
        times         = [var.snapshot_time_utc]
      }

      retain_rule {
        count = var.snapshot_retain_count
      }

      copy_tags = true
    }
  }

  tags = var.tags
}

# ---------------------------------------------------------------- backups (pgBackRest)

# The pgBackRest repository: WAL and backups, expired by pgBackRest's own
# retention (backup_retention_full / _diff).  Versioned, so an object deleted
# or overwritten by mistake (or by a compromised host) stays recoverable for
# backup_noncurrent_days.
resource "aws_s3_bucket" "backups" {
  bucket = local.backup_bucket
  tags   = var.tags

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_public_access_block" "backups" {
  bucket                  = aws_s3_bucket.backups.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "backups" {
  bucket = aws_s3_bucket.backups.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "backups" {
  bucket = aws_s3_bucket.backups.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_id == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_id
    }
  }
}

resource "aws_s3_bucket_versioning" "backups" {
  bucket = aws_s3_bucket.backups.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "backups" {
  bucket = aws_s3_bucket.backups.id

  rule {
    id     = "noncurrent"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.backup_noncurrent_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.backups]
}

resource "aws_s3_bucket_policy" "backups" {
  bucket = aws_s3_bucket.backups.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "TlsOnly"
      Effect    = "Deny"
      Principal = "*"
      Action    = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"]
      Resource  = [aws_s3_bucket.backups.arn, "${aws_s3_bucket.backups.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })

  depends_on = [aws_s3_bucket_public_access_block.backups]
}

# ---------------------------------------------------------------- private DNS

resource "aws_route53_zone" "private" {
  name    = var.private_zone_name
  comment = "${var.name} private names"

  vpc {
    vpc_id = var.vpc_id
  }

  tags = var.tags
}

resource "aws_route53_record" "postgres" {
  zone_id = aws_route53_zone.private.zone_id
  name    = "postgres.${var.private_zone_name}"
  type    = "A"
  ttl     = 60
  records = [aws_instance.this.private_ip]
}
