# The converter's image repository: tags are immutable (one tag = one commit, forever), every
# push is scanned, and only the last image_retention_count images are kept.

resource "aws_ecr_repository" "converter" {
  #checkov:skip=CKV_AWS_136:AES-256 encryption at rest (ECR's default); a customer-managed KMS key adds a monthly key fee and per-request charges.
  name                 = "${var.name}-converter"
  image_tag_mutability = "IMMUTABLE"
  # Images are rebuilt from the repository's commits; nothing in here is irreplaceable.
  force_delete = true

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "AES256"
  }
}

resource "aws_ecr_lifecycle_policy" "converter" {
  repository = aws_ecr_repository.converter.name

  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the last ${var.image_retention_count} images"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = var.image_retention_count
      }
      action = { type = "expire" }
    }]
  })
}

# Lambda pulls the image with its service principal, not the function's role. Granting it here
# (only for this deployment's function) keeps Lambda from editing the policy itself at create time.
data "aws_iam_policy_document" "converter_repository" {
  statement {
    sid     = "LambdaPull"
    effect  = "Allow"
    actions = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringLike"
      variable = "aws:sourceArn"
      values   = [local.function_arn]
    }
  }
}

resource "aws_ecr_repository_policy" "converter" {
  repository = aws_ecr_repository.converter.name
  policy     = data.aws_iam_policy_document.converter_repository.json
}
