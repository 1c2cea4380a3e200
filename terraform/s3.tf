# The lake: typed Parquet under <lake_prefix>/<event_type>/v<version>/event_date=.../ and the
# quarantine under <lake_prefix>/_rejected/. Private, encrypted, versioned, TLS only.

resource "aws_s3_bucket" "lake" {
  #checkov:skip=CKV_AWS_18:Access logging needs a second log bucket and costs per request; CloudTrail data events are the opt-in audit trail.
  #checkov:skip=CKV_AWS_144:Cross-region replication doubles storage cost; the lake is rebuildable from the producers and versioned here.
  #checkov:skip=CKV_AWS_145:SSE-S3 (AES-256) default encryption; a customer-managed KMS key adds a monthly key fee and per-request charges.
  bucket        = local.lake_bucket_name
  force_destroy = var.force_destroy_lake
}

resource "aws_s3_bucket_ownership_controls" "lake" {
  bucket = aws_s3_bucket.lake.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "lake" {
  bucket = aws_s3_bucket.lake.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "lake" {
  bucket = aws_s3_bucket.lake.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "lake" {
  bucket = aws_s3_bucket.lake.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "lake" {
  bucket = aws_s3_bucket.lake.id

  # Versioning must be on before noncurrent-version rules mean anything.
  depends_on = [aws_s3_bucket_versioning.lake]

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }

    # A failed multipart upload the converter could not abort leaves parts behind.
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }

    expiration {
      expired_object_delete_marker = true
    }
  }

  rule {
    id     = "expire-quarantine"
    status = "Enabled"

    filter {
      prefix = local.quarantine_prefix
    }

    expiration {
      days = var.quarantine_retention_days
    }
  }
}

data "aws_iam_policy_document" "lake_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.lake.arn, "${aws_s3_bucket.lake.arn}/*"]

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

resource "aws_s3_bucket_policy" "lake" {
  bucket = aws_s3_bucket.lake.id
  policy = data.aws_iam_policy_document.lake_bucket.json

  # S3 rejects a policy write while the public access block is being changed.
  depends_on = [aws_s3_bucket_public_access_block.lake]
}

# Snowpipe auto-ingest: new Parquet files under the lake prefix and new quarantine NDJSON
# files under its _rejected/ notify the account's Snowpipe queue (one per account, shared by
# every pipe: each pipe loads only what its COPY's path and pattern match), which Snowflake
# owns and allows S3 to send to. The two filters do not overlap (their suffixes differ), as S3
# requires of rules for one event type.
resource "aws_s3_bucket_notification" "snowpipe" {
  count  = var.snowpipe_sqs_arn == "" ? 0 : 1
  bucket = aws_s3_bucket.lake.id

  queue {
    id            = "snowpipe-auto-ingest"
    queue_arn     = var.snowpipe_sqs_arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = "${var.lake_prefix}/"
    filter_suffix = ".parquet"
  }

  queue {
    id            = "snowpipe-auto-ingest-quarantine"
    queue_arn     = var.snowpipe_sqs_arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = "${var.lake_prefix}/_rejected/"
    filter_suffix = ".ndjson"
  }
}
