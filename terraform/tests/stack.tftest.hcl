# The whole stack (terraform/ root) in dev and prod: log retention per
# environment, least-privilege policies, explicit image tags, autoscaling.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  environment         = "dev"
  sesami_image_tag    = "v0.1.0"
  api_certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  availability_zones  = ["eu-west-1b", "eu-west-1c"]
  api_url             = "https://api.sesami.example"
  github_client_id    = "Iv1.0123456789abcdef"
  worker_public_key   = "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08="
  worker_key_id       = "k-2026-12"
}

# Distinct ARNs per secret, so "exactly these secrets" can be told apart.
override_resource {
  target = module.secrets.aws_secretsmanager_secret.this["postgres-superuser"]
  values = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sesami-dev/postgres-superuser-AAAAAA" }
}
override_resource {
  target = module.secrets.aws_secretsmanager_secret.this["jwt-secret"]
  values = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sesami-dev/jwt-secret-BBBBBB" }
}
override_resource {
  target = module.secrets.aws_secretsmanager_secret.this["github-oauth-client"]
  values = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sesami-dev/github-oauth-client-CCCCCC" }
}
override_resource {
  target = module.secrets.aws_secretsmanager_secret.this["api-db-uri"]
  values = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sesami-dev/api-db-uri-DDDDDD" }
}
override_resource {
  target = module.secrets.aws_secretsmanager_secret.this["worker-database-url"]
  values = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sesami-dev/worker-database-url-EEEEEE" }
}
override_resource {
  target = module.secrets.aws_secretsmanager_secret.this["worker-private-key"]
  values = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sesami-dev/worker-private-key-FFFFFF" }
}

# Actions AWS only grants on Resource "*" (no resource-level permissions).
# Anything else must name its resources.
run "dev" {
  command = apply

  assert {
    condition     = length(output.log_groups) == 4 && alltrue([for name, days in output.log_groups : days == 7])
    error_message = "Every dev log group keeps its logs 7 days."
  }

  assert {
    condition = alltrue(flatten([
      for name, doc in output.iam_policy_documents : [
        for s in jsondecode(doc).Statement : [
          for a in flatten([s.Action]) : !strcontains(a, "*")
        ]
      ]
    ]))
    error_message = "No IAM or resource policy may grant a wildcard action."
  }

  assert {
    condition = alltrue(flatten([
      for name, doc in output.iam_policy_documents : [
        for s in jsondecode(doc).Statement : [
          for a in flatten([s.Action]) : contains([
            "ecr:GetAuthorizationToken", "ecs:DiscoverPollEndpoint", "cloudwatch:PutMetricData",
            "ec2:DescribeInstances", "ec2:DescribeVolumes", "ec2:DescribeSnapshots",
            "ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
            "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel", "ec2messages:AcknowledgeMessage",
            "ec2messages:DeleteMessage", "ec2messages:FailMessage", "ec2messages:GetEndpoint",
            "ec2messages:GetMessages", "ec2messages:SendReply",
            "batch:ListJobs", "batch:DescribeComputeEnvironments",
          ], a)
        ] if contains(flatten([try(s.Resource, [])]), "*")
      ]
    ]))
    error_message = "Resource \"*\" is allowed only for actions AWS cannot scope to a resource."
  }

  assert {
    condition     = length(output.iam_policy_documents) >= 10
    error_message = "The wildcard checks must see every policy document of the stack."
  }

  assert {
    condition     = alltrue([for k, image in output.images : !endswith(image, ":latest") && length(regexall(":[A-Za-z0-9_][A-Za-z0-9_.-]*$", image)) == 1])
    error_message = "Every image is deployed by an explicit tag, never :latest."
  }

  assert {
    condition     = output.api_autoscaling.min_capacity == 2 && output.api_autoscaling.max_capacity == 10
    error_message = "PostgREST scales between 2 and 10 tasks."
  }

  assert {
    condition     = output.nat_gateway_count == 1
    error_message = "dev uses a single NAT gateway."
  }

  assert {
    condition     = length(output.secret_names) == 6 && alltrue([for k, n in output.secret_names : startswith(n, "sesami-dev/")])
    error_message = "The stack creates its six secrets under sesami-dev/."
  }

  # Sign-in on AWS: every setting api.login_github needs is in the host's boot script.
  assert {
    condition = alltrue([
      for s in [
        "sesami.jwt_secret_file = '/etc/sesami/secrets/jwt_secret'",
        "sesami.github_client_secret_file = '/etc/sesami/secrets/github_client_secret'",
        "sesami.github_client_id = 'Iv1.0123456789abcdef'",
        "sesami.worker_public_key = '3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08='",
        "sesami.worker_key_id = 'k-2026-12'",
        "sesami.aws_region = 'eu-west-1'",
        "sesami.sqs_queue_url = 'https://sqs.eu-west-1.amazonaws.com/123456789012/mock-queue'",
        "get '${output.secret_arns["jwt-secret"]}' >/etc/sesami/secrets/jwt_secret.new",
        "get '${output.secret_arns["github-oauth-client"]}' >/etc/sesami/secrets/github_client_secret.new",
      ] : strcontains(output.postgres_user_data, s)
    ])
    error_message = "The PostgreSQL host's boot script sets every sign-in setting and writes both secrets' files."
  }

  # ... and the host's role reads exactly the secrets it needs.
  assert {
    condition = (toset(flatten([
      for s in jsondecode(output.iam_policy_documents["postgres_host"]).Statement : s.Resource if contains(flatten([s.Action]), "secretsmanager:GetSecretValue")
      ])) == toset([output.secret_arns["postgres-superuser"], output.secret_arns["jwt-secret"], output.secret_arns["github-oauth-client"]]) &&
    toset(output.postgres_readable_secret_arns) == toset([output.secret_arns["postgres-superuser"], output.secret_arns["jwt-secret"], output.secret_arns["github-oauth-client"]]))
    error_message = "The PostgreSQL host may read the superuser password, the JWT secret and the OAuth client secret, and no other secret."
  }

  assert {
    condition     = !contains(flatten([for s in jsondecode(output.iam_policy_documents["postgres_host"]).Statement : s.Resource]), output.secret_arns["worker-private-key"])
    error_message = "The database host never reads the worker's private key."
  }

  # max_connections = 10 PostgREST tasks x pool 10 + (64/2 Spot + 16/2 on-demand) Batch jobs + 10 reserved.
  assert {
    condition = (output.postgres_connection_budget == {
      api_tasks = 10, api_pool = 10, batch_jobs = 40, reserved = 10, max_connections = 150
    } && output.postgres_settings["max_connections"] == "150")
    error_message = "max_connections is PostgREST tasks x pool + Batch jobs + reserve (150 with the defaults)."
  }

  assert {
    condition     = output.postgres_settings["ssl"] == "on"
    error_message = "PostgreSQL serves TLS."
  }

  assert {
    condition     = output.frontend_config == { apiUrl = "https://api.sesami.example", githubClientId = "Iv1.0123456789abcdef" } && output.frontend_distribution_id != null
    error_message = "The front end gets its config.json, and the distribution id is an output for the upload step."
  }

  assert {
    condition     = strcontains(output.postgres_user_data, "-repo-type s3") && startswith(output.backup_bucket, "sesami-dev-pgbackrest-")
    error_message = "The PostgreSQL host archives to its pgBackRest bucket."
  }
}

run "connection_budget_follows_the_inputs" {
  command = apply

  variables {
    api_max_capacity              = 4
    postgrest_db_pool             = 5
    batch_max_vcpus               = 30
    worker_job_vcpus              = 4
    batch_on_demand_max_vcpus     = 8
    postgres_reserved_connections = 6
  }

  # 4 x 5 + floor(30/4) + floor(8/4) + 6 = 20 + 7 + 2 + 6
  assert {
    condition     = output.postgres_connection_budget.max_connections == 35 && output.postgres_connection_budget.batch_jobs == 9
    error_message = "max_connections follows the inputs: 4 x 5 + 7 + 2 + 6 = 35."
  }

  assert {
    condition     = strcontains(output.postgres_user_data, "max_connections = 35")
    error_message = "The host's postgresql.conf gets the computed max_connections."
  }
}

run "availability_zones_are_an_input" {
  command = plan

  variables {
    availability_zones = ["eu-west-1a"]
  }

  expect_failures = [var.availability_zones]
}

run "prod" {
  command = apply

  variables {
    environment = "prod"
  }

  assert {
    condition     = length(output.log_groups) == 4 && alltrue([for name, days in output.log_groups : days == 30])
    error_message = "Every prod log group keeps its logs 30 days."
  }

  assert {
    condition     = output.nat_gateway_count == 2
    error_message = "prod has one NAT gateway per availability zone."
  }
}

run "latest_tag_is_rejected" {
  command = plan

  variables {
    sesami_image_tag = "latest"
  }

  expect_failures = [var.sesami_image_tag]
}

run "latest_postgrest_tag_is_rejected" {
  command = plan

  variables {
    postgrest_image_tag = "latest"
  }

  expect_failures = [var.postgrest_image_tag]
}

run "unknown_environment_is_rejected" {
  command = plan

  variables {
    environment = "staging"
  }

  expect_failures = [var.environment]
}
