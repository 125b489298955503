# The worker on AWS Batch: pipe SQS -> Batch job queue with the message body
# as SQS_MESSAGE_BODY, a SPOT 0..N compute environment, a job definition with
# resourceRequirements, the exit-code retry contract and a timeout.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                    = "t"
  subnet_ids              = ["subnet-a", "subnet-b"]
  security_group_ids      = ["sg-worker"]
  queue_arn               = "arn:aws:sqs:eu-west-1:123456789012:t-jobs"
  queue_url               = "https://sqs.eu-west-1.amazonaws.com/123456789012/t-jobs"
  image                   = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/t/sesami-worker:v0.1.0"
  ecr_repository_arn      = "arn:aws:ecr:eu-west-1:123456789012:repository/t/sesami-worker"
  database_url_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:t/worker-database-url-AbCdEf"
  worker_key_secret_arn   = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:t/worker-private-key-AbCdEf"
  max_vcpus               = 48
  log_retention_days      = 7
}

run "pipe_to_batch" {
  command = apply

  module {
    source = "./modules/batch_worker"
  }

  assert {
    condition     = aws_pipes_pipe.this.source == var.queue_arn
    error_message = "The pipe must read the job queue."
  }

  assert {
    condition     = aws_pipes_pipe.this.target == aws_batch_job_queue.this.arn
    error_message = "The pipe must target the Batch job queue."
  }

  assert {
    condition     = aws_pipes_pipe.this.target_parameters[0].batch_job_parameters[0].job_definition == aws_batch_job_definition.worker.arn
    error_message = "The pipe must submit the worker job definition."
  }

  assert {
    condition = contains(
      [for e in aws_pipes_pipe.this.target_parameters[0].batch_job_parameters[0].container_overrides[0].environment : "${e.name}=${e.value}"],
      "SQS_MESSAGE_BODY=$.body",
    )
    error_message = "The message body must reach the container as the SQS_MESSAGE_BODY override."
  }

  assert {
    condition     = aws_pipes_pipe.this.source_parameters[0].sqs_queue_parameters[0].batch_size == 1
    error_message = "One message must make one job."
  }

  assert {
    condition     = aws_batch_job_queue.this.compute_environment_order[0].compute_environment == aws_batch_compute_environment.spot.arn
    error_message = "The job queue must feed the SPOT compute environment."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.pipe.policy).Statement :
      contains(s.Resource, aws_batch_job_queue.this.arn) && contains(s.Resource, aws_batch_job_definition.worker.arn)
      if contains(s.Action, "batch:SubmitJob")
    ])
    error_message = "The pipe role may submit only to this job queue with this job definition."
  }
}

run "spot_compute_environment_scales_from_zero" {
  command = apply

  module {
    source = "./modules/batch_worker"
  }

  assert {
    condition     = aws_batch_compute_environment.spot.compute_resources[0].type == "SPOT"
    error_message = "Workers run on SPOT."
  }

  assert {
    condition     = aws_batch_compute_environment.spot.compute_resources[0].allocation_strategy == "SPOT_CAPACITY_OPTIMIZED"
    error_message = "The SPOT allocation strategy must be capacity-optimised."
  }

  assert {
    condition     = aws_batch_compute_environment.spot.compute_resources[0].min_vcpus == 0 && aws_batch_compute_environment.spot.compute_resources[0].max_vcpus == 48
    error_message = "The compute environment must scale from 0 to max_vcpus."
  }

  assert {
    condition     = aws_launch_template.worker.block_device_mappings[0].ebs[0].encrypted == "true"
    error_message = "Worker instances' volumes must be encrypted."
  }

  assert {
    condition     = aws_launch_template.worker.metadata_options[0].http_tokens == "required"
    error_message = "Worker instances must require IMDSv2."
  }

  assert {
    condition     = aws_launch_template.worker.metadata_options[0].http_put_response_hop_limit == 1
    error_message = "IMDS hop limit 1: worker containers cannot reach the instance role."
  }

  assert {
    condition = (aws_batch_compute_environment.on_demand.compute_resources[0].type == "EC2" &&
      aws_batch_compute_environment.on_demand.compute_resources[0].min_vcpus == 0 &&
      aws_batch_compute_environment.on_demand.compute_resources[0].launch_template[0].launch_template_id == aws_launch_template.worker.id &&
    aws_batch_compute_environment.on_demand.compute_resources[0].instance_role == aws_batch_compute_environment.spot.compute_resources[0].instance_role)
    error_message = "An on-demand compute environment from 0, with the same launch template (hop limit 1) and role."
  }

  assert {
    condition = ([for o in aws_batch_job_queue.this.compute_environment_order : o.compute_environment if o.order == 1] == [aws_batch_compute_environment.spot.arn] &&
    [for o in aws_batch_job_queue.this.compute_environment_order : o.compute_environment if o.order == 2] == [aws_batch_compute_environment.on_demand.arn])
    error_message = "The job queue tries Spot first and falls back to on demand."
  }
}

run "job_definition_contract" {
  command = apply

  module {
    source = "./modules/batch_worker"
  }

  assert {
    condition     = toset([for r in jsondecode(aws_batch_job_definition.worker.container_properties).resourceRequirements : r.type]) == toset(["VCPU", "MEMORY"])
    error_message = "The job definition must reserve VCPU and MEMORY through resourceRequirements."
  }

  assert {
    condition     = !can(jsondecode(aws_batch_job_definition.worker.container_properties).vcpus) && !can(jsondecode(aws_batch_job_definition.worker.container_properties).memory)
    error_message = "The deprecated vcpus/memory fields must not be used."
  }

  assert {
    condition     = jsondecode(aws_batch_job_definition.worker.container_properties).command == ["batch"]
    error_message = "Batch jobs run `sesami-worker batch`."
  }

  assert {
    condition     = jsondecode(aws_batch_job_definition.worker.container_properties).image == var.image
    error_message = "The job definition must run the given, explicitly tagged image."
  }

  assert {
    condition     = toset([for s in jsondecode(aws_batch_job_definition.worker.container_properties).secrets : s.name]) == toset(["DATABASE_URL", "SESAMI_WORKER_PRIVATE_KEY"])
    error_message = "DATABASE_URL and SESAMI_WORKER_PRIVATE_KEY must come from Secrets Manager."
  }

  assert {
    condition     = aws_batch_job_definition.worker.retry_strategy[0].attempts >= 2
    error_message = "Retryable failures need more than one attempt."
  }

  assert {
    condition = [
      for e in aws_batch_job_definition.worker.retry_strategy[0].evaluate_on_exit :
      "${e.action}:${coalesce(e.on_exit_code, "-")}:${coalesce(e.on_status_reason, "-")}:${coalesce(e.on_reason, "-")}"
    ] == ["RETRY:-:Host EC2*:-", "RETRY:75:-:-", "EXIT:-:-:*"]
    error_message = "retryStrategy must retry on host/spot loss and exit code 75, and exit on everything else."
  }

  assert {
    condition     = aws_batch_job_definition.worker.timeout[0].attempt_duration_seconds >= 60
    error_message = "Every attempt must have a timeout."
  }
}

run "latest_image_is_rejected" {
  command = plan

  module {
    source = "./modules/batch_worker"
  }

  variables {
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/t/sesami-worker:latest"
  }

  expect_failures = [var.image]
}

run "untagged_image_is_rejected" {
  command = plan

  module {
    source = "./modules/batch_worker"
  }

  variables {
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/t/sesami-worker"
  }

  expect_failures = [var.image]
}
