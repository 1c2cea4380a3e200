# The converter function (the container image's bootstrap serves Lambda invocations) and the
# event source mapping that feeds it the events queue. Both exist once an image tag does
# (local.deploy_function); everything they need exists before them.

resource "aws_cloudwatch_log_group" "converter" {
  #checkov:skip=CKV_AWS_158:Logs are encrypted at rest by CloudWatch Logs; a customer-managed KMS key adds a monthly key fee.
  #checkov:skip=CKV_AWS_338:Retention is a variable (log_retention_days, 30 by default): a year of batch summaries costs more than it is worth here.
  # Created before the function so Lambda never creates it (without retention) on first invoke.
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "converter" {
  #checkov:skip=CKV_AWS_116:SQS-triggered: failed messages go to the queue's dead-letter queue (redrive policy); a function DLQ applies to async invokes only.
  #checkov:skip=CKV_AWS_117:The function reaches only S3 and the Lambda service over AWS endpoints; a VPC would add NAT or endpoint cost and no isolation it needs.
  #checkov:skip=CKV_AWS_173:The environment holds no secrets (a bucket URI, byte limits, a log filter); Lambda encrypts it with an AWS-managed key.
  #checkov:skip=CKV_AWS_272:Lambda code signing applies to .zip packages only; the image is pinned by an immutable, scanned ECR tag.
  count = local.deploy_function ? 1 : 0

  function_name = local.function_name
  description   = "Raw JSON events from ${aws_sqs_queue.events.name} to typed Parquet in s3://${aws_s3_bucket.lake.bucket}/${var.lake_prefix}"
  role          = aws_iam_role.converter.arn
  package_type  = "Image"
  image_uri     = "${aws_ecr_repository.converter.repository_url}:${var.image_tag}"
  architectures = [local.function_architecture]
  memory_size   = var.function_memory_mb
  timeout       = var.function_timeout_seconds

  reserved_concurrent_executions = var.reserved_concurrency

  # Exactly the variables the converter reads (converter/src/contract.rs, LAMBDA_ENV); the
  # consistency test (tests/tests/it/terraform.rs) fails on a missing or extra name.
  environment {
    variables = {
      LAKE_URI        = "s3://${aws_s3_bucket.lake.bucket}/${var.lake_prefix}"
      MAX_EVENT_BYTES = tostring(var.max_event_bytes)
      MAX_BODY_BYTES  = tostring(var.max_body_bytes)
      RUST_LOG        = var.log_level
    }
  }

  # The converter's logs are JSON already (tracing's JSON layer on stderr, the EMF summary on
  # stdout); Lambda's JSON format adds request ids to platform lines and never double-encodes.
  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.converter.name
  }

  tracing_config {
    mode = "Active"
  }

  depends_on = [
    aws_iam_role_policy.converter,
    aws_ecr_repository_policy.converter,
  ]
}

resource "aws_lambda_event_source_mapping" "events" {
  count = local.deploy_function ? 1 : 0

  event_source_arn                   = aws_sqs_queue.events.arn
  function_name                      = aws_lambda_function.converter[0].arn
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.batching_window_seconds

  # The converter answers with the messages to deliver again (converter/src/lambda.rs); without
  # this, Lambda would ignore that answer and delete the whole batch.
  function_response_types = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = var.maximum_concurrency
  }
}
