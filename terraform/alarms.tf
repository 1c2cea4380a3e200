# What pages someone: messages given up on (dead-letter queue not empty), a backlog (age of the
# oldest message), invocations that stored nothing (function errors), and bad traffic (the share
# of rejected events, from the converter's embedded-metric-format summary line per batch).

resource "aws_sns_topic" "alarms" {
  #checkov:skip=CKV_AWS_26:CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer-managed key adds a monthly fee; alarm notifications carry no event data.
  count = var.alarm_email == "" ? 0 : 1
  name  = "${var.name}-alarms"
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count     = var.alarm_email == "" ? 0 : 1
  topic_arn = aws_sns_topic.alarms[0].arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  alarm_actions = concat(var.alarm_actions, aws_sns_topic.alarms[*].arn)
}

# A warning at plan time, not an error: the alarms are still created (and visible in the
# console), but with neither setting they notify nobody.
check "alarms_notify_someone" {
  assert {
    condition     = var.alarm_email != "" || length(var.alarm_actions) > 0
    error_message = "The alarms notify nobody: set alarm_email (an address; confirm the subscription email AWS sends) or alarm_actions (e.g. an SNS topic ARN) in terraform/terraform.tfvars or as TF_VAR_alarm_email."
  }
}

resource "aws_cloudwatch_metric_alarm" "dead_letter_not_empty" {
  alarm_name          = "${var.name}-dead-letter-not-empty"
  alarm_description   = "Messages the converter could not store ${var.max_receive_count} times are waiting on ${aws_sqs_queue.dead_letter.name}: read the function's logs, fix, then redrive them to ${aws_sqs_queue.events.name}."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dead_letter.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "oldest_message_age" {
  alarm_name          = "${var.name}-events-backlog"
  alarm_description   = "The oldest message on ${aws_sqs_queue.events.name} is older than ${var.max_message_age_seconds} s: the converter is not keeping up, throttled, or failing."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = aws_sqs_queue.events.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.max_message_age_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "function_errors" {
  alarm_name          = "${var.name}-converter-errors"
  alarm_description   = "${local.function_name} failed whole invocations (nothing in the batch could be stored, or it crashed); the batch is retried and, after ${var.max_receive_count} tries, dead-lettered."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = local.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# The converter prints one EMF line per batch (converter/src/metrics.rs): namespace
# BehaviorConverter, dimension service = "lambda" inside Lambda, metrics received and rejected.
resource "aws_cloudwatch_metric_alarm" "rejected_rate" {
  alarm_name          = "${var.name}-rejected-rate"
  alarm_description   = "More than ${var.rejected_rate_threshold * 100}% of the events received in 15 minutes were rejected: look in s3://${aws_s3_bucket.lake.bucket}/${local.quarantine_prefix} for the error kinds."
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.rejected_rate_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "rate"
    expression  = "IF(received > 0, rejected / received, 0)"
    label       = "rejected / received"
    return_data = true
  }

  metric_query {
    id = "rejected"

    metric {
      namespace   = "BehaviorConverter"
      metric_name = "rejected"
      dimensions  = { service = "lambda" }
      stat        = "Sum"
      period      = 900
    }
  }

  metric_query {
    id = "received"

    metric {
      namespace   = "BehaviorConverter"
      metric_name = "received"
      dimensions  = { service = "lambda" }
      stat        = "Sum"
      period      = 900
    }
  }
}
