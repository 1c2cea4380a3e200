# What a producer, the deploy script and Snowflake need. scripts/deploy reads these by name (the
# consistency test checks every one it reads exists).

output "region" {
  description = "Region of the deployment."
  value       = local.region
}

output "architecture" {
  description = "Instruction set of the function and its image (part of the image tag)."
  value       = var.architecture
}

output "queue_url" {
  description = "Send events here: generator --queue-url <this>."
  value       = aws_sqs_queue.events.id
}

output "queue_arn" {
  description = "ARN of the events queue."
  value       = aws_sqs_queue.events.arn
}

output "dead_letter_queue_url" {
  description = "Messages the converter gave up on; redrive them to the events queue once fixed."
  value       = aws_sqs_queue.dead_letter.id
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue: aws sqs start-message-move-task --source-arn <this> --destination-arn <queue_arn>."
  value       = aws_sqs_queue.dead_letter.arn
}

output "producer_policy_arn" {
  description = "Managed policy allowing sqs:SendMessage and sqs:GetQueueUrl on the events queue only: attach it to a producer's role or user."
  value       = aws_iam_policy.producer.arn
}

output "lake_bucket" {
  description = "The lake's bucket."
  value       = aws_s3_bucket.lake.bucket
}

output "lake_uri" {
  description = "LAKE_URI of the function: where the Parquet files and the quarantine land."
  value       = "s3://${aws_s3_bucket.lake.bucket}/${var.lake_prefix}"
}

output "repository_url" {
  description = "The converter's image repository."
  value       = aws_ecr_repository.converter.repository_url
}

output "repository_name" {
  description = "Name of the image repository."
  value       = aws_ecr_repository.converter.name
}

output "build_project" {
  description = "CodeBuild project that tests, builds and pushes the image."
  value       = aws_codebuild_project.image.name
}

output "build_bucket" {
  description = "Bucket scripts/deploy uploads source archives to (under source/)."
  value       = aws_s3_bucket.build.bucket
}

output "build_log_group" {
  description = "Log group of the image builds."
  value       = aws_cloudwatch_log_group.build.name
}

output "function_name" {
  description = "Name of the converter function (created once image_tag is set)."
  value       = local.function_name
}

output "function_deployed" {
  description = "Whether the function exists (image_tag was set)."
  value       = local.deploy_function
}

output "image_tag" {
  description = "Image tag the function runs (\"\" before the first image)."
  value       = var.image_tag
}

output "log_group" {
  description = "Log group of the converter function (JSON lines and one EMF summary per batch)."
  value       = aws_cloudwatch_log_group.converter.name
}

output "snowflake_role_arn" {
  description = "STORAGE_AWS_ROLE_ARN for CREATE STORAGE INTEGRATION. Known before the role exists: create the integration with it, then set snowflake_principal_arn and snowflake_external_id from DESC INTEGRATION and deploy again."
  value       = "arn:${local.partition}:iam::${local.account_id}:role/${local.snowflake_role_name}"
}
