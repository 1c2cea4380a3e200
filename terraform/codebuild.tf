# The image build: scripts/deploy uploads `git archive` of a commit to the build bucket and starts
# this project with IMAGE_TAG = <commit>-<architecture>; buildspec.yml runs the tests, builds
# Dockerfile.lambda natively for var.architecture, pushes the immutable tag and, once the function
# exists, points it at the new image and waits until it is updated.

resource "aws_s3_bucket" "build" {
  #checkov:skip=CKV_AWS_18:Holds only source archives the deploy script uploads; access logging would cost more than the bucket.
  #checkov:skip=CKV_AWS_144:Source archives are rebuilt from git on every deploy; replication would only add cost.
  #checkov:skip=CKV_AWS_145:SSE-S3 (AES-256) default encryption; a customer-managed KMS key adds a monthly key fee and per-request charges.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to source uploads: the deploy script starts the build itself.
  bucket = local.build_bucket_name
  # Only rebuildable source archives live here.
  force_destroy = true
}

resource "aws_s3_bucket_ownership_controls" "build" {
  bucket = aws_s3_bucket.build.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "build" {
  bucket = aws_s3_bucket.build.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "build" {
  bucket = aws_s3_bucket.build.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "build" {
  bucket = aws_s3_bucket.build.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "build" {
  bucket     = aws_s3_bucket.build.id
  depends_on = [aws_s3_bucket_versioning.build]

  rule {
    id     = "expire-source-archives"
    status = "Enabled"

    filter {}

    expiration {
      days = 30
    }

    noncurrent_version_expiration {
      noncurrent_days = 1
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "build_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.build.arn, "${aws_s3_bucket.build.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "build" {
  bucket     = aws_s3_bucket.build.id
  policy     = data.aws_iam_policy_document.build_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.build]
}

resource "aws_cloudwatch_log_group" "build" {
  #checkov:skip=CKV_AWS_158:Logs are encrypted at rest by CloudWatch Logs; a customer-managed KMS key adds a monthly key fee.
  #checkov:skip=CKV_AWS_338:Retention is a variable (log_retention_days, 30 by default); build logs are not worth a year of storage.
  name              = "/aws/codebuild/${var.name}-image"
  retention_in_days = var.log_retention_days
}

resource "aws_codebuild_project" "image" {
  #checkov:skip=CKV_AWS_316:docker build needs the Docker daemon, which CodeBuild runs only in privileged mode; the build runs only this repository's code.
  name           = local.build_project_name
  description    = "Tests and builds the converter image, pushes it and updates the function."
  service_role   = aws_iam_role.build.arn
  build_timeout  = var.build_timeout_minutes
  queued_timeout = 60

  source {
    type = "S3"
    # Overridden per build by scripts/deploy (--source-location-override .../source/<commit>.zip).
    location  = "${aws_s3_bucket.build.bucket}/source/latest.zip"
    buildspec = "buildspec.yml"
  }

  artifacts {
    type = "NO_ARTIFACTS"
  }

  # Reused when a build lands on a warm host: Docker layers (cargo-chef's dependency layer
  # above all) and the cargo caches of the test run.
  cache {
    type  = "LOCAL"
    modes = ["LOCAL_DOCKER_LAYER_CACHE", "LOCAL_CUSTOM_CACHE"]
  }

  environment {
    type                        = local.codebuild_env_type
    image                       = local.codebuild_image
    compute_type                = var.build_compute_type
    image_pull_credentials_type = "CODEBUILD"
    privileged_mode             = true

    # Native build: the host's architecture is the function's, so no emulation.
    environment_variable {
      name  = "ARCH"
      value = var.architecture
    }

    environment_variable {
      name  = "REPOSITORY_URI"
      value = aws_ecr_repository.converter.repository_url
    }

    environment_variable {
      name  = "FUNCTION_NAME"
      value = local.function_name
    }

    environment_variable {
      name  = "RUN_TESTS"
      value = tostring(var.run_tests_in_build)
    }

    # IMAGE_TAG has no project default: scripts/deploy sets it (<commit>-<arch>) per build, and
    # buildspec.yml fails without it. UPDATE_FUNCTION is "false" on the first build, before the
    # function exists.
    environment_variable {
      name  = "UPDATE_FUNCTION"
      value = "true"
    }
  }

  logs_config {
    cloudwatch_logs {
      group_name = aws_cloudwatch_log_group.build.name
    }

    s3_logs {
      status = "DISABLED"
    }
  }
}
