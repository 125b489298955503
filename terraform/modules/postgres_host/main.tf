# Self-managed PostgreSQL 15 with sesami preloaded, on one EC2 instance.
#
# Amazon RDS and Aurora cannot load a custom C extension or run its background
# worker, so sesami's database runs here: the sesami PostgreSQL image
# (docker/Dockerfile.postgres, from ECR) under Docker on Amazon Linux 2023,
# PGDATA on a separate encrypted gp3 volume with daily DLM snapshots.
# The dispatcher reaches SQS with the instance role via IMDSv2 (hop limit 2,
# because PostgreSQL runs in a container).  Operators reach the host through
# SSM Session Manager (no SSH, no public address), e.g. a port forward to 5432
# for pg_restore; clients find it as postgres.<private zone>.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

data "aws_ssm_parameter" "ami" {
  name = var.ami_ssm_parameter
}

locals {
  region          = data.aws_region.current.name
  snapshot_tag    = "${var.name}-postgres-data"
  ec2_arn_prefix  = "arn:${data.aws_partition.current.partition}:ec2:${local.region}"
  ecr_registry    = split("/", var.image)[0]
  volume_resource = "${local.ec2_arn_prefix}:${data.aws_caller_identity.current.account_id}:volume/*"
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
        Sid      = "SuperuserPassword"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = [var.superuser_password_secret_arn]
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

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }

  root_block_device {
    volume_type = "gp3"
    volume_size = 30
    encrypted   = true
    kms_key_id  = var.kms_key_id
  }

  user_data_replace_on_change = false
  user_data = templatefile("${path.module}/user_data.sh.tftpl", {
    region             = local.region
    ecr_registry       = local.ecr_registry
    image              = var.image
    database_name      = var.database_name
    queue_url          = var.queue_url
    password_secret_id = var.superuser_password_secret_arn
    log_group          = aws_cloudwatch_log_group.this.name
  })

  tags = merge(var.tags, { Name = "${var.name}-postgres" })

  lifecycle {
    # A new AMI must not replace the database host behind the operator's back.
    ignore_changes = [ami, user_data]
  }
}

resource "aws_ebs_volume" "data" {
  availability_zone = var.availability_zone
  type              = "gp3"
  size              = var.data_volume_size_gib
  iops              = var.data_volume_iops
  throughput        = var.data_volume_throughput
  encrypted         = true
  kms_key_id        = var.kms_key_id

  tags = merge(var.tags, { Name = "${var.name}-postgres-data", Snapshot = local.snapshot_tag })
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
