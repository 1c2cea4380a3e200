# Names and facts every other file shares.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region

  # Bucket names are global: the account and Region make them unique.
  lake_bucket_name  = "${var.name}-lake-${local.account_id}-${local.region}"
  build_bucket_name = "${var.name}-build-${local.account_id}-${local.region}"

  function_name = "${var.name}-converter"
  # Known before the function exists, so the build role and the log group can name it.
  function_arn = "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${local.function_name}"

  # Built from its parts, not read from the project: the project names the build role, whose
  # trust policy names the project (a cycle otherwise).
  build_project_name = "${var.name}-image"
  build_project_arn  = "arn:${local.partition}:codebuild:${local.region}:${local.account_id}:project/${local.build_project_name}"

  # The function exists once an image does: scripts/deploy applies once with the tag the
  # function runs (the state's before there is a function, "" on an empty account), builds and
  # pushes the image, then applies with the new tag (docs/deploy.md, "No chicken-and-egg").
  deploy_function = var.image_tag != ""
  # The function runs on its image's instruction set, which the tag names (scripts/deploy tags
  # <commit>-<architecture>): after a change of var.architecture, the first apply keeps the
  # running function on its old image and architecture, CodeBuild then switches both at once
  # (buildspec.yml), and the next apply agrees. A tag without the suffix takes var.architecture.
  function_architecture = try(regex("-(arm64|x86_64)$", var.image_tag)[0], var.architecture)

  # Where the converter writes: `<prefix>/<event_type>/v<version>/...` and `<prefix>/_rejected/`.
  lake_objects_arn  = "${aws_s3_bucket.lake.arn}/${var.lake_prefix}/*"
  quarantine_prefix = "${var.lake_prefix}/_rejected/"
  # CodeBuild's current Amazon Linux images with Docker, native to the function's architecture.
  codebuild_env_type = var.architecture == "arm64" ? "ARM_CONTAINER" : "LINUX_CONTAINER"
  codebuild_image    = var.architecture == "arm64" ? "aws/codebuild/amazonlinux2-aarch64-standard:3.0" : "aws/codebuild/amazonlinux2-x86_64-standard:5.0"
}
