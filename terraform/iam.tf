# Least privilege: named actions only (no wildcards), on the ARNs this deployment uses. The only
# "*" resources are for actions that support no resource (X-Ray writes, the ECR login token).
# The consistency test (tests/tests/it/terraform.rs) checks these statements against the actions
# the converter's code calls (converter/src/contract.rs).

# --- The converter function ----------------------------------------------------------------------

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "converter" {
  name               = "${var.name}-converter"
  description        = "The converter function: reads the events queue, writes the lake."
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "converter" {
  # Lambda's SQS event source mapping polls with the function's role.
  statement {
    sid       = "ReadEventsQueue"
    effect    = "Allow"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.events.arn]
  }

  # HeadBucket at start-up is authorized as s3:ListBucket on the bucket.
  statement {
    sid       = "CheckLakeBucket"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.lake.arn]
  }

  # PutObject and multipart uploads (authorized as s3:PutObject), and aborting a failed one,
  # under the lake prefix only.
  statement {
    sid       = "WriteLake"
    effect    = "Allow"
    actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
    resources = [local.lake_objects_arn]
  }

  statement {
    sid       = "WriteOwnLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.converter.arn}:*"]
  }

  # X-Ray's write actions support no resource-level permissions.
  statement {
    sid       = "WriteTraces"
    effect    = "Allow"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "converter" {
  name   = "converter"
  role   = aws_iam_role.converter.id
  policy = data.aws_iam_policy_document.converter.json
}

# --- The image build (CodeBuild) -----------------------------------------------------------------

data "aws_iam_policy_document" "codebuild_assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["codebuild.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    # Only on behalf of this deployment's build project, not any project in the account.
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.build_project_arn]
    }
  }
}

resource "aws_iam_role" "build" {
  name               = "${var.name}-image-build"
  description        = "The image build: reads the uploaded source, pushes the image, updates the function."
  assume_role_policy = data.aws_iam_policy_document.codebuild_assume.json
}

data "aws_iam_policy_document" "build" {
  statement {
    sid       = "ReadSource"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${aws_s3_bucket.build.arn}/source/*"]
  }

  # CodeBuild checks who owns an S3 source's bucket before reading it.
  statement {
    sid       = "CheckSourceBucket"
    effect    = "Allow"
    actions   = ["s3:GetBucketAcl", "s3:GetBucketLocation"]
    resources = [aws_s3_bucket.build.arn]
  }

  statement {
    sid       = "WriteOwnLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.build.arn}:*"]
  }

  # The registry login token supports no resource-level permissions.
  statement {
    sid       = "RegistryLogin"
    effect    = "Allow"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid    = "PushImage"
    effect = "Allow"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = [aws_ecr_repository.converter.arn]
  }

  # update-function-code, then `aws lambda wait function-updated-v2` (GetFunction).
  statement {
    sid       = "DeployFunction"
    effect    = "Allow"
    actions   = ["lambda:UpdateFunctionCode", "lambda:GetFunction"]
    resources = [local.function_arn]
  }
}

resource "aws_iam_role_policy" "build" {
  name   = "image-build"
  role   = aws_iam_role.build.id
  policy = data.aws_iam_policy_document.build.json
}

# --- Producers -----------------------------------------------------------------------------------

# For whoever sends events (the generator, an application): attach it to their role or user
# (output producer_policy_arn). SendMessageBatch is authorized as sqs:SendMessage; GetQueueUrl
# lets a producer that knows only the queue's name find it; GetQueueAttributes lets it read the
# queue's MaximumMessageSize (the generator does at start-up, to pack bodies up to it). No kms: the queue uses SQS-managed
# encryption, which needs no key permission.
data "aws_iam_policy_document" "producer" {
  statement {
    sid       = "SendEvents"
    effect    = "Allow"
    actions   = ["sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.events.arn]
  }
}

resource "aws_iam_policy" "producer" {
  name        = "${var.name}-producer"
  description = "Send events to ${aws_sqs_queue.events.name}, the converter's queue (nothing else)."
  policy      = data.aws_iam_policy_document.producer.json
}
