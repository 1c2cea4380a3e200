# Optional: the role a Snowflake storage integration assumes to read the lake (STORAGE_AWS_ROLE_ARN).
# Read-only, and only the lake prefix; the quarantine is under the prefix too, so a stage can
# load rejects for inspection. Created when snowflake_principal_arn and snowflake_external_id
# (from DESC INTEGRATION) are set.

locals {
  snowflake_enabled   = var.snowflake_principal_arn != ""
  snowflake_role_name = "${var.name}-snowflake-read"
}

data "aws_iam_policy_document" "snowflake_assume" {
  count = local.snowflake_enabled ? 1 : 0

  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = [var.snowflake_principal_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [var.snowflake_external_id]
    }
  }
}

resource "aws_iam_role" "snowflake" {
  count              = local.snowflake_enabled ? 1 : 0
  name               = local.snowflake_role_name
  description        = "Snowflake storage integration: read-only on s3://${aws_s3_bucket.lake.bucket}/${var.lake_prefix}/."
  assume_role_policy = data.aws_iam_policy_document.snowflake_assume[0].json
}

data "aws_iam_policy_document" "snowflake" {
  statement {
    sid       = "ReadLakeObjects"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = [local.lake_objects_arn]
  }

  statement {
    sid       = "ListLakePrefix"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.lake.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.lake_prefix}/*"]
    }
  }

  statement {
    sid       = "LocateBucket"
    effect    = "Allow"
    actions   = ["s3:GetBucketLocation"]
    resources = [aws_s3_bucket.lake.arn]
  }
}

resource "aws_iam_role_policy" "snowflake" {
  count  = local.snowflake_enabled ? 1 : 0
  name   = "read-lake"
  role   = aws_iam_role.snowflake[0].id
  policy = data.aws_iam_policy_document.snowflake.json
}
