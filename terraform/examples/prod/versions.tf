terraform {
  required_version = ">= 1.7.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "= 5.100.0"
    }
  }

  # Configure a remote state backend here (for example S3 with a DynamoDB or
  # S3-native lock); it is left out so `terraform init -backend=false` works
  # offline in CI.
}
