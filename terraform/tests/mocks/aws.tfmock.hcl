# Values the mocked AWS provider returns for data sources and for computed
# attributes whose random mock strings would not be realistic enough.

mock_data "aws_availability_zones" {
  defaults = {
    names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  }
}

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
  }
}

mock_data "aws_region" {
  defaults = {
    name = "eu-west-1"
  }
}

mock_data "aws_partition" {
  defaults = {
    partition = "aws"
  }
}

mock_data "aws_ssm_parameter" {
  defaults = {
    value = "ami-0123456789abcdef0"
  }
}

mock_data "aws_iam_policy_document" {
  defaults = {
    json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
  }
}

mock_resource "aws_appautoscaling_policy" {
  defaults = {
    arn = "arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:mock"
  }
}

mock_resource "aws_appautoscaling_target" {
  defaults = {
    arn = "arn:aws:application-autoscaling:eu-west-1:123456789012:scalable-target/mock"
  }
}

mock_resource "aws_batch_compute_environment" {
  defaults = {
    arn = "arn:aws:batch:eu-west-1:123456789012:compute-environment/mock-ce"
  }
}

mock_resource "aws_batch_job_definition" {
  defaults = {
    arn        = "arn:aws:batch:eu-west-1:123456789012:job-definition/mock-worker:1"
    arn_prefix = "arn:aws:batch:eu-west-1:123456789012:job-definition/mock-worker"
    revision   = 1
  }
}

mock_resource "aws_batch_job_queue" {
  defaults = {
    arn = "arn:aws:batch:eu-west-1:123456789012:job-queue/mock-queue"
  }
}

mock_resource "aws_cloudfront_distribution" {
  defaults = {
    arn = "arn:aws:cloudfront::123456789012:distribution/EMOCK"
  }
}

mock_resource "aws_cloudwatch_event_rule" {
  defaults = {
    arn = "arn:aws:events:eu-west-1:123456789012:rule/mock"
  }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = {
    arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/mock"
  }
}

mock_resource "aws_cloudwatch_metric_alarm" {
  defaults = {
    arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:mock"
  }
}

mock_resource "aws_dlm_lifecycle_policy" {
  defaults = {
    arn = "arn:aws:dlm:eu-west-1:123456789012:policy/policy-0123456789abcdef0"
  }
}

mock_resource "aws_ebs_volume" {
  defaults = {
    arn = "arn:aws:ec2:eu-west-1:123456789012:volume/vol-0123456789abcdef0"
  }
}

mock_resource "aws_ecr_repository" {
  defaults = {
    repository_url = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/mock"
    arn            = "arn:aws:ecr:eu-west-1:123456789012:repository/mock"
  }
}

mock_resource "aws_ecs_cluster" {
  defaults = {
    arn = "arn:aws:ecs:eu-west-1:123456789012:cluster/mock"
  }
}

mock_resource "aws_ecs_service" {
  defaults = {
    arn = "arn:aws:ecs:eu-west-1:123456789012:service/mock/mock"
  }
}

mock_resource "aws_ecs_task_definition" {
  defaults = {
    arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/mock:1"
  }
}

mock_resource "aws_iam_instance_profile" {
  defaults = {
    arn = "arn:aws:iam::123456789012:instance-profile/mock-profile"
  }
}

mock_resource "aws_iam_role" {
  defaults = {
    arn = "arn:aws:iam::123456789012:role/mock-role"
  }
}

mock_resource "aws_instance" {
  defaults = {
    arn        = "arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0"
    id         = "i-0123456789abcdef0"
    private_ip = "10.40.128.10"
  }
}

mock_resource "aws_launch_template" {
  defaults = {
    arn            = "arn:aws:ec2:eu-west-1:123456789012:launch-template/lt-0123456789abcdef0"
    id             = "lt-0123456789abcdef0"
    latest_version = 1
  }
}

mock_resource "aws_lb" {
  defaults = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/mock/0123456789abcdef"
    arn_suffix = "app/mock/0123456789abcdef"
    dns_name   = "mock-123456789.eu-west-1.elb.amazonaws.com"
  }
}

mock_resource "aws_lb_listener" {
  defaults = {
    arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/mock/0123456789abcdef/0123456789abcdef"
  }
}

mock_resource "aws_lb_target_group" {
  defaults = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/mock/0123456789abcdef"
    arn_suffix = "targetgroup/mock/0123456789abcdef"
  }
}

mock_resource "aws_pipes_pipe" {
  defaults = {
    arn = "arn:aws:pipes:eu-west-1:123456789012:pipe/mock"
  }
}

mock_resource "aws_s3_bucket" {
  defaults = {
    arn = "arn:aws:s3:::mock-bucket"
  }
}

mock_resource "aws_secretsmanager_secret" {
  defaults = {
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:mock-AbCdEf"
  }
}

mock_resource "aws_sns_topic" {
  defaults = {
    arn = "arn:aws:sns:eu-west-1:123456789012:mock-topic"
  }
}

mock_resource "aws_sqs_queue" {
  defaults = {
    arn = "arn:aws:sqs:eu-west-1:123456789012:mock-queue"
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/mock-queue"
  }
}

mock_resource "aws_vpc_endpoint" {
  defaults = {
    prefix_list_id = "pl-0123456789abcdef0"
  }
}
