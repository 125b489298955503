# The whole stack (terraform/ root) in dev and prod: log retention per
# environment, least-privilege policies, explicit image tags, autoscaling.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  environment         = "dev"
  sesami_image_tag    = "v0.1.0"
  api_certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
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
