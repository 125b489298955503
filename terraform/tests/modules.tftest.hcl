# The remaining modules, each on its own: API, PostgreSQL host, ECR, front
# end, network.

mock_provider "aws" {
  source = "./tests/mocks"
}

run "api_postgrest_on_fargate" {
  command = apply

  module {
    source = "./modules/api"
  }

  variables {
    name                   = "t"
    vpc_id                 = "vpc-0123"
    public_subnet_ids      = ["subnet-pa", "subnet-pb"]
    private_subnet_ids     = ["subnet-a", "subnet-b"]
    alb_security_group_id  = "sg-alb"
    task_security_group_id = "sg-api"
    certificate_arn        = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
    image                  = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/t/postgrest:v12.2.3"
    ecr_repository_arn     = "arn:aws:ecr:eu-west-1:123456789012:repository/t/postgrest"
    db_uri_secret_arn      = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:t/api-db-uri-AbCdEf"
    jwt_secret_arn         = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:t/jwt-secret-AbCdEf"
    log_retention_days     = 30
  }

  assert {
    condition     = aws_appautoscaling_target.this.min_capacity == 2 && aws_appautoscaling_target.this.max_capacity == 10
    error_message = "PostgREST scales between 2 and 10 tasks by default."
  }

  assert {
    condition     = aws_appautoscaling_policy.cpu.target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].predefined_metric_type == "ECSServiceAverageCPUUtilization"
    error_message = "Autoscaling tracks average CPU."
  }

  assert {
    condition     = aws_lb_listener.https.protocol == "HTTPS" && aws_lb_listener.https.certificate_arn == var.certificate_arn
    error_message = "The API is served over HTTPS with the ACM certificate."
  }

  assert {
    condition     = aws_lb_listener.http_redirect.default_action[0].type == "redirect"
    error_message = "Plain HTTP only redirects to HTTPS."
  }

  assert {
    condition = toset([for s in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].secrets : "${s.name}=${s.valueFrom}"]) == toset([
      "PGRST_DB_URI=${var.db_uri_secret_arn}", "PGRST_JWT_SECRET=${var.jwt_secret_arn}",
    ])
    error_message = "DB URI and JWT secret come from Secrets Manager."
  }

  assert {
    condition = alltrue([
      for e in ["PGRST_DB_SCHEMAS=api", "PGRST_DB_ANON_ROLE=sesami_anon"] :
      contains([for v in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : "${v.name}=${v.value}"], e)
    ])
    error_message = "PostgREST serves the api schema with sesami_anon as the anonymous role."
  }

  assert {
    condition     = contains([for v in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : "${v.name}=${v.value}"], "PGRST_DB_POOL=10")
    error_message = "PostgREST's pool size is set explicitly (it sizes max_connections)."
  }

  assert {
    condition     = aws_ecs_service.this.network_configuration[0].assign_public_ip == false && aws_ecs_service.this.launch_type == "FARGATE"
    error_message = "Tasks run on Fargate in private subnets."
  }

  assert {
    condition     = aws_lb_target_group.this.health_check[0].path == "/ready"
    error_message = "The load balancer checks PostgREST's /ready endpoint."
  }
}

run "api_refuses_to_serve_the_worker_schema" {
  command = plan

  module {
    source = "./modules/api"
  }

  variables {
    name                   = "t"
    vpc_id                 = "vpc-0123"
    public_subnet_ids      = ["subnet-pa", "subnet-pb"]
    private_subnet_ids     = ["subnet-a", "subnet-b"]
    alb_security_group_id  = "sg-alb"
    task_security_group_id = "sg-api"
    certificate_arn        = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
    image                  = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/t/postgrest:v12.2.3"
    ecr_repository_arn     = "arn:aws:ecr:eu-west-1:123456789012:repository/t/postgrest"
    db_uri_secret_arn      = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:t/api-db-uri-AbCdEf"
    jwt_secret_arn         = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:t/jwt-secret-AbCdEf"
    log_retention_days     = 30
    db_schemas             = "api, worker"
  }

  expect_failures = [var.db_schemas]
}

run "postgres_host" {
  command = apply

  module {
    source = "./modules/postgres_host"
  }

  variables {
    name                          = "t"
    vpc_id                        = "vpc-0123"
    subnet_id                     = "subnet-a"
    availability_zone             = "eu-west-1a"
    security_group_ids            = ["sg-postgres"]
    image                         = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/t/sesami-postgres:v0.1.0"
    ecr_repository_arn            = "arn:aws:ecr:eu-west-1:123456789012:repository/t/sesami-postgres"
    superuser_password_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:t/postgres-superuser-AbCdEf"
    jwt_secret_arn                = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:t/jwt-secret-AbCdEf"
    github_client_secret_arn      = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:t/github-oauth-client-AbCdEf"
    github_client_id              = "Iv1.0123456789abcdef"
    worker_public_key             = "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08="
    worker_key_id                 = "k-2026-12"
    max_connections               = 123
    queue_arn                     = "arn:aws:sqs:eu-west-1:123456789012:t-jobs"
    queue_url                     = "https://sqs.eu-west-1.amazonaws.com/123456789012/t-jobs"
    log_retention_days            = 7
  }

  assert {
    condition     = aws_instance.this.user_data_base64 == base64gzip(output.user_data) && length(base64gzip(output.user_data)) < 16384
    error_message = "The instance boots the rendered script, gzipped under EC2's 16 KiB limit."
  }

  assert {
    condition     = aws_ebs_volume.data.encrypted == true && aws_ebs_volume.data.type == "gp3"
    error_message = "PGDATA lives on an encrypted gp3 volume."
  }

  assert {
    condition     = aws_instance.this.root_block_device[0].encrypted == true
    error_message = "The host's root volume is encrypted."
  }

  assert {
    condition     = aws_dlm_lifecycle_policy.data.policy_details[0].target_tags["Snapshot"] == aws_ebs_volume.data.tags["Snapshot"]
    error_message = "The snapshot policy targets the data volume."
  }

  assert {
    condition     = aws_route53_record.postgres.records == toset([aws_instance.this.private_ip]) && aws_route53_record.postgres.name == "postgres.sesami.internal"
    error_message = "The host is reachable as postgres.<private zone>."
  }

  assert {
    condition     = aws_ebs_volume.data.availability_zone == var.availability_zone
    error_message = "The data volume is in the host's availability zone."
  }

  assert {
    condition     = aws_instance.this.metadata_options[0].http_tokens == "required" && aws_instance.this.metadata_options[0].http_put_response_hop_limit == 1
    error_message = "IMDSv2 only, hop limit 1 (PostgreSQL runs with host networking)."
  }

  # Every setting sign-in and the dispatcher need, in the rendered boot script.
  assert {
    condition = alltrue([
      for s in [
        "shared_preload_libraries = 'sesami'",
        "sesami.task_service = 'sqs'",
        "sesami.sqs_queue_url = '${var.queue_url}'",
        "sesami.aws_region = 'eu-west-1'",
        "sesami.database_name = 'sesami'",
        "sesami.jwt_secret_file = '/etc/sesami/secrets/jwt_secret'",
        "sesami.github_client_secret_file = '/etc/sesami/secrets/github_client_secret'",
        "sesami.github_client_id = '${var.github_client_id}'",
        "sesami.worker_public_key = '${var.worker_public_key}'",
        "sesami.worker_key_id = '${var.worker_key_id}'",
        "max_connections = 123",
        "ssl = on",
        "hostssl   all  all  0.0.0.0/0     scram-sha-256",
        "config_file=/etc/sesami/postgresql.conf",
        var.image,
      ] : strcontains(output.user_data, s)
    ])
    error_message = "The boot script sets every sesami, sign-in, TLS and connection setting."
  }

  # The secrets reach files only postgres (uid 999) reads.
  assert {
    condition = alltrue([
      for s in [
        "get '${var.jwt_secret_arn}' >/etc/sesami/secrets/jwt_secret.new",
        "get '${var.github_client_secret_arn}' >/etc/sesami/secrets/github_client_secret.new",
        "chown 999:999 /etc/sesami/secrets/$f.new",
        "chmod 0400 /etc/sesami/secrets/$f.new",
        "install -d -m 0700 -o 999 -g 999 /etc/sesami/secrets",
      ] : strcontains(output.user_data, s)
    ])
    error_message = "The JWT and OAuth client secrets are written to files only postgres can read."
  }

  assert {
    condition = (toset(flatten([
      for s in jsondecode(aws_iam_role_policy.host.policy).Statement : s.Resource if contains(flatten([s.Action]), "secretsmanager:GetSecretValue")
      ])) == toset([var.superuser_password_secret_arn, var.jwt_secret_arn, var.github_client_secret_arn]) &&
      length([for s in jsondecode(aws_iam_role_policy.host.policy).Statement : s if anytrue([for a in flatten([s.Action]) : startswith(a, "secretsmanager:")])]) == 1
    )
    error_message = "The host may read exactly the superuser password, the JWT secret and the OAuth client secret."
  }

  # PostgreSQL never starts on an unmounted or foreign volume.
  assert {
    condition = alltrue([
      for s in [
        "RequiresMountsFor=/srv/pgdata",
        "ExecStartPre=/usr/local/lib/sesami/check-data-volume",
        "mountpoint -q /srv/pgdata || { echo",
        "nvme-Amazon_Elastic_Block_Store_${replace(aws_ebs_volume.data.id, "-", "")}",
      ] : strcontains(output.user_data, s)
    ])
    error_message = "The data volume is found by its id and checked before PostgreSQL starts."
  }

  # WAL archiving and backups: the generator test/pitr.test.sh runs, with the s3 repository.
  assert {
    condition = alltrue([
      for s in [
        "pgbackrest-conf.sh postgresql --stanza sesami",
        "pgbackrest-conf.sh pgbackrest --stanza sesami",
        "--repo-type s3 --repo-path /t --s3-bucket t-pgbackrest-123456789012 --s3-region eu-west-1",
        "--retention-full 4 --retention-diff 6",
        file("modules/postgres_host/files/pgbackrest-conf.sh"),
        file("modules/postgres_host/files/pgbackrest-restore.sh"),
        file("modules/postgres_host/files/sesami-metrics.sh"),
        "sesami-backup-full.timer", "sesami-backup-diff.timer", "/usr/local/sbin/sesami-restore",
      ] : strcontains(output.user_data, s)
    ])
    error_message = "The host archives WAL and backs up to S3 with the shared pgBackRest generator, and installs the restore."
  }

  assert {
    condition = (contains(flatten([for s in jsondecode(aws_iam_role_policy.host.policy).Statement : s.Resource if contains(flatten([s.Action]), "s3:PutObject")]), "${aws_s3_bucket.backups.arn}/*") &&
      aws_s3_bucket_versioning.backups.versioning_configuration[0].status == "Enabled" &&
    aws_s3_bucket_public_access_block.backups.restrict_public_buckets)
    error_message = "The host writes its backups to a private, versioned bucket."
  }

  assert {
    condition = contains(flatten([
      for s in jsondecode(aws_iam_role_policy.host.policy).Statement : s.Action if contains(s.Resource, var.queue_arn)
    ]), "sqs:SendMessage")
    error_message = "The dispatcher may send to the job queue."
  }
}

run "registry" {
  command = apply

  module {
    source = "./modules/registry"
  }

  variables {
    repositories = ["t/sesami-postgres", "t/sesami-worker", "t/postgrest"]
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.image_tag_mutability == "IMMUTABLE"])
    error_message = "Image tags are immutable."
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.image_scanning_configuration[0].scan_on_push])
    error_message = "Images are scanned on push."
  }

  assert {
    condition     = length(aws_ecr_repository.this) == 3
    error_message = "One repository per image."
  }
}

run "frontend" {
  command = apply

  module {
    source = "./modules/frontend"
  }

  variables {
    name             = "t"
    bucket_name      = "t-frontend-123456789012"
    api_url          = "https://api.example.com"
    github_client_id = "Iv1.0123456789abcdef"
  }

  assert {
    condition     = aws_cloudfront_distribution.this.default_cache_behavior[0].response_headers_policy_id == aws_cloudfront_response_headers_policy.this.id
    error_message = "Every response carries the security headers policy."
  }

  assert {
    condition = (
      strcontains(aws_cloudfront_response_headers_policy.this.security_headers_config[0].content_security_policy[0].content_security_policy, "script-src 'self';") &&
      strcontains(aws_cloudfront_response_headers_policy.this.security_headers_config[0].content_security_policy[0].content_security_policy, "default-src 'none'") &&
      strcontains(aws_cloudfront_response_headers_policy.this.security_headers_config[0].content_security_policy[0].content_security_policy, "connect-src 'self' https://api.example.com;") &&
      strcontains(aws_cloudfront_response_headers_policy.this.security_headers_config[0].content_security_policy[0].content_security_policy, "img-src 'self' data: https://avatars.githubusercontent.com https://api.example.com;") &&
      !strcontains(aws_cloudfront_response_headers_policy.this.security_headers_config[0].content_security_policy[0].content_security_policy, "unsafe") &&
      aws_cloudfront_response_headers_policy.this.security_headers_config[0].content_security_policy[0].override
    )
    error_message = "A strict Content-Security-Policy: scripts only from the site, no inline code, the API the only other origin called."
  }

  assert {
    condition = (aws_s3_object.config.key == "config.json" && aws_s3_object.config.bucket == aws_s3_bucket.this.id &&
      jsondecode(aws_s3_object.config.content) == { apiUrl = "https://api.example.com", githubClientId = "Iv1.0123456789abcdef" } &&
    aws_s3_object.config.content_type == "application/json" && aws_s3_object.config.cache_control == "no-cache")
    error_message = "Terraform uploads config.json with the API URL and GitHub client id, never cached."
  }

  assert {
    condition = (aws_s3_bucket_public_access_block.this.block_public_acls && aws_s3_bucket_public_access_block.this.block_public_policy &&
    aws_s3_bucket_public_access_block.this.ignore_public_acls && aws_s3_bucket_public_access_block.this.restrict_public_buckets)
    error_message = "All public access to the bucket is blocked."
  }

  assert {
    condition     = aws_s3_bucket_ownership_controls.this.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs are disabled."
  }

  assert {
    condition     = one(aws_cloudfront_distribution.this.origin).origin_access_control_id == aws_cloudfront_origin_access_control.this.id
    error_message = "CloudFront reads the bucket through origin access control."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement :
      s.Principal == { Service = "cloudfront.amazonaws.com" } && s.Condition.StringEquals["AWS:SourceArn"] == aws_cloudfront_distribution.this.arn
    ])
    error_message = "Only this distribution may read the bucket."
  }

  assert {
    condition     = aws_cloudfront_distribution.this.default_cache_behavior[0].viewer_protocol_policy == "redirect-to-https"
    error_message = "Viewers are redirected to HTTPS."
  }
}

run "network" {
  command = apply

  module {
    source = "./modules/network"
  }

  variables {
    name               = "t"
    availability_zones = ["eu-west-1a", "eu-west-1b"]
  }

  assert {
    condition     = length(aws_subnet.private) == 2 && length(aws_subnet.public) == 2 && toset(aws_subnet.private[*].availability_zone) == toset(var.availability_zones)
    error_message = "One public and one private subnet in each of two AZs."
  }

  assert {
    condition     = alltrue([for s in ["sqs", "ecr.api", "ecr.dkr", "logs", "secretsmanager", "sts"] : contains(keys(aws_vpc_endpoint.interface), s)])
    error_message = "Private subnets reach SQS, ECR, Logs, Secrets Manager and STS through VPC endpoints."
  }

  assert {
    condition     = aws_vpc_endpoint.s3.vpc_endpoint_type == "Gateway"
    error_message = "S3 (ECR layers) is reached through a gateway endpoint."
  }

  assert {
    condition     = alltrue([for k, r in aws_vpc_security_group_ingress_rule.postgres_from : r.from_port == 5432 && r.referenced_security_group_id != null])
    error_message = "PostgreSQL accepts connections only from the API and worker security groups."
  }

  assert {
    condition = (aws_vpc_security_group_egress_rule.postgres_https_internet.security_group_id == aws_security_group.postgres.id &&
      aws_vpc_security_group_egress_rule.postgres_https_internet.from_port == 443 && aws_vpc_security_group_egress_rule.postgres_https_internet.to_port == 443 &&
    aws_vpc_security_group_egress_rule.postgres_https_internet.cidr_ipv4 == "0.0.0.0/0")
    error_message = "The PostgreSQL host may reach GitHub on 443 (sign-in)."
  }
}

run "network_needs_two_azs" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    name               = "t"
    availability_zones = ["eu-west-1a"]
  }

  expect_failures = [var.availability_zones]
}

run "monitoring" {
  command = apply

  module {
    source = "./modules/monitoring"
  }

  variables {
    name                    = "t"
    queue_name              = "t-jobs"
    dlq_name                = "t-jobs-dlq"
    batch_job_queue_arn     = "arn:aws:batch:eu-west-1:123456789012:job-queue/t-worker"
    alb_arn_suffix          = "app/t-api/0123456789abcdef"
    target_group_arn_suffix = "targetgroup/t-api/0123456789abcdef"
    postgres_instance_id    = "i-0123456789abcdef0"
    alarm_emails            = ["ops@example.com"]
  }

  assert {
    condition = (aws_cloudwatch_metric_alarm.dlq_not_empty.dimensions["QueueName"] == "t-jobs-dlq" &&
      aws_cloudwatch_metric_alarm.dlq_not_empty.metric_name == "ApproximateNumberOfMessagesVisible" &&
      aws_cloudwatch_metric_alarm.dlq_not_empty.threshold == 0 &&
    aws_cloudwatch_metric_alarm.dlq_not_empty.comparison_operator == "GreaterThanThreshold")
    error_message = "Any message in the DLQ raises the alarm."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.oldest_message_age.metric_name == "ApproximateAgeOfOldestMessage" && aws_cloudwatch_metric_alarm.oldest_message_age.dimensions["QueueName"] == "t-jobs"
    error_message = "The job queue's oldest message age is watched."
  }

  assert {
    condition = (jsondecode(aws_cloudwatch_event_rule.batch_failed.event_pattern).detail.status == ["FAILED"] &&
      jsondecode(aws_cloudwatch_event_rule.batch_failed.event_pattern).detail.jobQueue == [var.batch_job_queue_arn] &&
    aws_cloudwatch_event_target.batch_failed.arn == aws_sns_topic.alarms.arn)
    error_message = "FAILED jobs of the worker queue are sent to the alarm topic."
  }

  assert {
    condition = alltrue([
      for a in [
        aws_cloudwatch_metric_alarm.dlq_not_empty, aws_cloudwatch_metric_alarm.oldest_message_age,
        aws_cloudwatch_metric_alarm.api_5xx, aws_cloudwatch_metric_alarm.postgres_cpu,
        aws_cloudwatch_metric_alarm.postgres_disk, aws_cloudwatch_metric_alarm.postgres_status,
      ] : a.alarm_actions == toset([aws_sns_topic.alarms.arn])
    ])
    error_message = "Every alarm notifies the SNS topic."
  }

  assert {
    condition     = length(aws_sns_topic_subscription.email) == 1
    error_message = "Each alarm e-mail address is subscribed."
  }

  assert {
    condition = (aws_cloudwatch_metric_alarm.postgres_disk.namespace == "CWAgent" &&
    aws_cloudwatch_metric_alarm.postgres_disk.dimensions["path"] == "/srv/pgdata")
    error_message = "The PostgreSQL data disk's fill level is watched."
  }

  # A stuck pipeline is seen from the database's side: the pipe deletes SQS
  # messages once Batch accepts a job, so SQS alone cannot see a stalled Batch.
  assert {
    condition = alltrue([
      for k in ["outbox-backlog", "oldest-pending-job", "oldest-queued-job", "dispatcher-errors", "dispatcher-down",
      "metrics-silent", "batch-runnable-too-long", "compute-environment-invalid", "backup-failed", "backup-missing"] :
      contains(keys(aws_cloudwatch_metric_alarm.pipeline), k) &&
      aws_cloudwatch_metric_alarm.pipeline[k].namespace == "Sesami" &&
      aws_cloudwatch_metric_alarm.pipeline[k].dimensions["Stack"] == "t" &&
      aws_cloudwatch_metric_alarm.pipeline[k].alarm_actions == toset([aws_sns_topic.alarms.arn])
    ])
    error_message = "Alarms on outbox backlog, oldest pending and queued job, dispatcher errors and absence, RUNNABLE jobs, INVALID compute environments, the exporter and backups."
  }

  # Each alarm watches a metric the host actually publishes.
  assert {
    condition = alltrue([
      for k, a in aws_cloudwatch_metric_alarm.pipeline :
      strcontains(file("modules/postgres_host/files/sesami-metrics.sh"), "metric ${a.metric_name} ") ||
      strcontains(file("modules/postgres_host/files/sesami-metrics.sh"), "(metric ${a.metric_name} ") ||
      strcontains(file("modules/postgres_host/user_data.sh.tftpl"), "metric=${a.metric_name} ")
    ])
    error_message = "Every pipeline alarm's metric is one the PostgreSQL host exports."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.pipeline["metrics-silent"].treat_missing_data == "breaching" && aws_cloudwatch_metric_alarm.pipeline["backup-missing"].treat_missing_data == "breaching"
    error_message = "A silent exporter and missing backups raise alarms (missing data is breaching)."
  }

  assert {
    condition     = !strcontains(aws_cloudwatch_metric_alarm.oldest_message_age.alarm_description, "Batch has stalled")
    error_message = "The oldest-message alarm does not claim to catch a stalled Batch (the pipe deletes messages)."
  }
}
