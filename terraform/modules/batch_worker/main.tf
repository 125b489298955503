# sesami-worker on AWS Batch, fed by an EventBridge Pipe from the SQS job queue.
#
#   SQS job queue --(pipe, batch size 1)--> Batch job queue --> SPOT compute env,
#                                                then an on-demand one when Spot has no capacity
#   The message body reaches the container as the SQS_MESSAGE_BODY environment
#   override; the container runs `sesami-worker batch`.
#
# The pipe deletes the message once SubmitJob succeeds, so retries are the job
# definition's retryStrategy (and PostgreSQL's lease/attempt bookkeeping):
#   exit 0   job done, or failed permanently  -> EXIT (no retry)
#   exit 75  retryable failure (EX_TEMPFAIL)  -> RETRY
#   exit 2   usage/config error               -> EXIT
#   host/spot reclamation ("Host EC2*")       -> RETRY
#   anything else                             -> EXIT

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  region     = data.aws_region.current.name
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  # Batch names the ECS cluster behind a compute environment "AWSBatch-<ce name>-<uuid>".
  ecs_cluster_arn_patterns  = [for ce in ["spot", "on-demand"] : "arn:${local.partition}:ecs:${local.region}:${local.account_id}:cluster/AWSBatch-${var.name}-worker-${ce}*"]
  ecs_instance_arn_prefixes = [for ce in ["spot", "on-demand"] : "arn:${local.partition}:ecs:${local.region}:${local.account_id}:container-instance/AWSBatch-${var.name}-worker-${ce}*"]
}

resource "aws_cloudwatch_log_group" "worker" {
  name              = "/sesami/${var.name}/worker"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_cloudwatch_log_group" "pipe" {
  name              = "/sesami/${var.name}/pipe"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

# ---------------------------------------------------------------- IAM

# Role of the EC2 instances Batch launches (the ECS agent on them).
resource "aws_iam_role" "instance" {
  name = "${var.name}-batch-instance"
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

resource "aws_iam_role_policy" "instance" {
  name = "ecs-agent"
  role = aws_iam_role.instance.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "EcsAgentCluster"
        Effect = "Allow"
        Action = [
          "ecs:RegisterContainerInstance",
          "ecs:DeregisterContainerInstance",
          "ecs:SubmitContainerStateChange",
          "ecs:SubmitTaskStateChange",
          "ecs:SubmitAttachmentStateChanges",
          "ecs:UpdateContainerInstancesState",
        ]
        Resource = local.ecs_cluster_arn_patterns
      },
      {
        Sid      = "EcsAgentInstance"
        Effect   = "Allow"
        Action   = ["ecs:Poll", "ecs:StartTelemetrySession", "ecs:PutSystemLogEvents"]
        Resource = local.ecs_instance_arn_prefixes
      },
      {
        # DiscoverPollEndpoint and GetAuthorizationToken support no resource-level permissions.
        Sid      = "UnscopableByAws"
        Effect   = "Allow"
        Action   = ["ecs:DiscoverPollEndpoint", "ecr:GetAuthorizationToken"]
        Resource = ["*"]
      },
      {
        Sid      = "PullWorkerImage"
        Effect   = "Allow"
        Action   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
        Resource = [var.ecr_repository_arn]
      },
      {
        Sid      = "WorkerLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${aws_cloudwatch_log_group.worker.arn}:*"]
      },
    ]
  })
}

resource "aws_iam_instance_profile" "instance" {
  name = "${var.name}-batch-instance"
  role = aws_iam_role.instance.name
  tags = var.tags
}

# Execution role of the worker container: pull the image, write logs, read
# the two secrets the worker needs.  The worker itself calls no AWS API in
# batch mode, so the job has no job role.
resource "aws_iam_role" "execution" {
  name = "${var.name}-worker-execution"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "execution" {
  name = "worker-execution"
  role = aws_iam_role.execution.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "PullWorkerImage"
        Effect   = "Allow"
        Action   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
        Resource = [var.ecr_repository_arn]
      },
      {
        Sid      = "UnscopableByAws"
        Effect   = "Allow"
        Action   = ["ecr:GetAuthorizationToken"]
        Resource = ["*"]
      },
      {
        Sid      = "WorkerLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${aws_cloudwatch_log_group.worker.arn}:*"]
      },
      {
        Sid      = "WorkerSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = [var.database_url_secret_arn, var.worker_key_secret_arn]
      },
    ]
  })
}

# Role the EventBridge Pipe assumes: read/delete from the queue, submit jobs.
resource "aws_iam_role" "pipe" {
  name = "${var.name}-pipe"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "pipes.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "pipe" {
  name = "sqs-to-batch"
  role = aws_iam_role.pipe.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadJobQueue"
        Effect   = "Allow"
        Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
        Resource = [var.queue_arn]
      },
      {
        Sid      = "SubmitWorkerJobs"
        Effect   = "Allow"
        Action   = ["batch:SubmitJob"]
        Resource = [aws_batch_job_queue.this.arn, aws_batch_job_definition.worker.arn]
      },
      {
        Sid      = "PipeLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${aws_cloudwatch_log_group.pipe.arn}:*"]
      },
    ]
  })
}

# ---------------------------------------------------------------- Batch

resource "aws_launch_template" "worker" {
  name_prefix = "${var.name}-worker-"

  # IMDSv2 only, hop limit 1: the ECS agent (host network) reaches it, the
  # worker containers (bridge network, one hop further) cannot, so a job never
  # holds the instance role's credentials.  The worker calls no AWS API in
  # batch mode; its secrets arrive through the execution role.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = 50
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(var.tags, { Name = "${var.name}-worker" })
  }

  tags = var.tags
}

resource "aws_batch_compute_environment" "spot" {
  compute_environment_name_prefix = "${var.name}-worker-spot"
  type                            = "MANAGED"
  state                           = "ENABLED"

  compute_resources {
    type                = "SPOT"
    allocation_strategy = "SPOT_CAPACITY_OPTIMIZED"
    bid_percentage      = var.spot_bid_percentage
    min_vcpus           = 0
    desired_vcpus       = 0
    max_vcpus           = var.max_vcpus
    instance_type       = var.instance_types
    instance_role       = aws_iam_instance_profile.instance.arn
    subnets             = var.subnet_ids
    security_group_ids  = var.security_group_ids

    ec2_configuration {
      image_type = "ECS_AL2023"
    }

    launch_template {
      launch_template_id = aws_launch_template.worker.id
      version            = aws_launch_template.worker.latest_version
    }

    tags = merge(var.tags, { Name = "${var.name}-worker" })
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
    # Batch changes desired_vcpus itself as jobs arrive and finish.
    ignore_changes = [compute_resources[0].desired_vcpus]
  }
}

# The fallback: jobs the Spot environment cannot place (no capacity in any
# of the instance types) run on demand, up to on_demand_max_vcpus.
resource "aws_batch_compute_environment" "on_demand" {
  compute_environment_name_prefix = "${var.name}-worker-on-demand"
  type                            = "MANAGED"
  state                           = "ENABLED"

  compute_resources {
    type                = "EC2"
    allocation_strategy = "BEST_FIT_PROGRESSIVE"
    min_vcpus           = 0
    desired_vcpus       = 0
    max_vcpus           = var.on_demand_max_vcpus
    instance_type       = var.instance_types
    instance_role       = aws_iam_instance_profile.instance.arn
    subnets             = var.subnet_ids
    security_group_ids  = var.security_group_ids

    ec2_configuration {
      image_type = "ECS_AL2023"
    }

    launch_template {
      launch_template_id = aws_launch_template.worker.id
      version            = aws_launch_template.worker.latest_version
    }

    tags = merge(var.tags, { Name = "${var.name}-worker" })
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
    ignore_changes        = [compute_resources[0].desired_vcpus]
  }
}

resource "aws_batch_job_queue" "this" {
  name     = "${var.name}-worker"
  state    = "ENABLED"
  priority = 1

  compute_environment_order {
    order               = 1
    compute_environment = aws_batch_compute_environment.spot.arn
  }

  compute_environment_order {
    order               = 2
    compute_environment = aws_batch_compute_environment.on_demand.arn
  }

  tags = var.tags
}

resource "aws_batch_job_definition" "worker" {
  name                  = "${var.name}-worker"
  type                  = "container"
  platform_capabilities = ["EC2"]
  propagate_tags        = true

  container_properties = jsonencode({
    image   = var.image
    command = ["batch"]
    resourceRequirements = [
      { type = "VCPU", value = tostring(var.job_vcpus) },
      { type = "MEMORY", value = tostring(var.job_memory_mib) },
    ]
    executionRoleArn = aws_iam_role.execution.arn
    environment = [
      { name = "AWS_REGION", value = local.region },
      { name = "SQS_QUEUE_URL", value = var.queue_url },
    ]
    secrets = [
      { name = "DATABASE_URL", valueFrom = var.database_url_secret_arn },
      { name = "SESAMI_WORKER_PRIVATE_KEY", valueFrom = var.worker_key_secret_arn },
    ]
    linuxParameters = { initProcessEnabled = true }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        "awslogs-group"         = aws_cloudwatch_log_group.worker.name
        "awslogs-region"        = local.region
        "awslogs-stream-prefix" = "worker"
      }
    }
  })

  retry_strategy {
    attempts = var.job_attempts

    # Spot reclamation or a lost host: run the attempt again elsewhere.
    evaluate_on_exit {
      on_status_reason = "Host EC2*"
      action           = "RETRY"
    }

    # The worker says the failure is transient.
    evaluate_on_exit {
      on_exit_code = tostring(var.retryable_exit_code)
      action       = "RETRY"
    }

    # 0 (done or permanently failed), 2 (usage/config error) and anything else.
    evaluate_on_exit {
      on_reason = "*"
      action    = "EXIT"
    }
  }

  timeout {
    attempt_duration_seconds = var.job_timeout_seconds
  }

  tags = var.tags
}

# ---------------------------------------------------------------- EventBridge Pipe

resource "aws_pipes_pipe" "this" {
  name     = "${var.name}-jobs-to-batch"
  role_arn = aws_iam_role.pipe.arn
  source   = var.queue_arn
  target   = aws_batch_job_queue.this.arn

  source_parameters {
    sqs_queue_parameters {
      # One message, one job: a job's failure never drags others with it.
      batch_size                         = 1
      maximum_batching_window_in_seconds = 0
    }
  }

  target_parameters {
    batch_job_parameters {
      job_definition = aws_batch_job_definition.worker.arn
      job_name       = "${var.name}-job"

      container_overrides {
        environment {
          name  = "SQS_MESSAGE_BODY"
          value = "$.body"
        }
      }
    }
  }

  log_configuration {
    level = "ERROR"
    cloudwatch_logs_log_destination {
      log_group_arn = aws_cloudwatch_log_group.pipe.arn
    }
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.pipe]
}
