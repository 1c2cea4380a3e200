# Terraform and provider versions. Cross-variable validation (variables.tf) needs Terraform 1.9.
terraform {
  required_version = ">= 1.9.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # State is local (terraform/terraform.tfstate) unless you add a backend; see docs/deploy.md
  # ("Team use") for the S3 backend with native locking.
}

provider "aws" {
  # null: the standard AWS chain (AWS_REGION, AWS_PROFILE, ~/.aws/config).
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      Project    = "behavior"
      Deployment = var.name
      ManagedBy  = "terraform"
    })
  }
}
