# The sesami stack's dev environment.
#
#   terraform init && terraform apply -var sesami_image_tag=v0.1.0 \
#     -var api_certificate_arn=arn:aws:acm:...
#
# See docs/deploy.md for the order of steps (images, secrets, database).

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      Project     = "sesami"
      Environment = "dev"
    }
  }
}

module "sesami" {
  source = "../.."

  environment         = "dev"
  sesami_image_tag    = var.sesami_image_tag
  api_certificate_arn = var.api_certificate_arn
  availability_zones  = var.availability_zones
  api_url             = var.api_url
  github_client_id    = var.github_client_id
  worker_public_key   = var.worker_public_key
  worker_key_id       = var.worker_key_id
  alarm_emails        = var.alarm_emails
  batch_max_vcpus     = 16

  # Small and cheap: one NAT gateway, short log retention (7 days), a small
  # database host and volume.
  postgres_instance_type         = "t4g.medium"
  postgres_data_volume_size_gib  = 30
  postgres_snapshot_retain_count = 7
}
