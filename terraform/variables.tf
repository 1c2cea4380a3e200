# Every setting of the deployment. Defaults are the cheap, safe choice; docs/deploy.md explains
# each one. Cross-variable rules (Terraform >= 1.9) fail at plan time, before anything changes.

# --- Where and what ---------------------------------------------------------------------------

variable "region" {
  description = "AWS Region to deploy into. null uses the standard AWS chain (AWS_REGION, AWS_PROFILE, ~/.aws/config)."
  type        = string
  default     = null

  validation {
    condition     = var.region == null || can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must look like eu-west-1, or be null."
  }
}

variable "name" {
  description = "Prefix of every resource name (bucket, queue, function, repository, roles). Two deployments in one account need two names."
  type        = string
  default     = "behavior"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name))
    error_message = "name must be 3-20 characters of a-z, 0-9 and '-', starting with a letter (it becomes part of bucket names)."
  }
}

variable "tags" {
  description = "Extra tags on every resource (Project, Deployment and ManagedBy are always set)."
  type        = map(string)
  default     = {}
}

variable "image_tag" {
  description = "Tag of the converter image in the repository (scripts/deploy uses <git commit id>-<architecture>). \"\" before the first image exists: everything but the function and its event source mapping is created. No default on purpose: applying without it must not remove the function."
  type        = string

  validation {
    condition     = var.image_tag == "" || can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))
    error_message = "image_tag must be \"\" or a valid image tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})."
  }
}

# --- The function -----------------------------------------------------------------------------

variable "architecture" {
  description = "Instruction set of the function and of its image build: arm64 (cheaper per GB-second) or x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "function_memory_mb" {
  description = "Memory of the function in MB; Lambda gives CPU in proportion (1769 MB = one vCPU)."
  type        = number
  default     = 1024

  validation {
    condition     = var.function_memory_mb >= 128 && var.function_memory_mb <= 10240 && floor(var.function_memory_mb) == var.function_memory_mb
    error_message = "function_memory_mb must be a whole number from 128 to 10240."
  }
}

variable "function_timeout_seconds" {
  description = "Longest a batch may take, in seconds. The queue's visibility timeout must be at least 6 times this (plus the batching window)."
  type        = number
  default     = 60

  validation {
    condition     = var.function_timeout_seconds >= 1 && var.function_timeout_seconds <= 900 && floor(var.function_timeout_seconds) == var.function_timeout_seconds
    error_message = "function_timeout_seconds must be a whole number from 1 to 900."
  }
}

variable "reserved_concurrency" {
  description = "Concurrent executions reserved for (and capping) the function; -1 reserves none (needed on accounts whose concurrency quota is the new-account 10)."
  type        = number
  default     = 5

  validation {
    condition     = var.reserved_concurrency == -1 || (var.reserved_concurrency >= 1 && floor(var.reserved_concurrency) == var.reserved_concurrency)
    error_message = "reserved_concurrency must be -1 (none) or a whole number >= 1."
  }
}

variable "log_level" {
  description = "RUST_LOG of the function (tracing EnvFilter syntax, e.g. info or behavior_converter=debug)."
  type        = string
  default     = "info"

  validation {
    condition     = can(regex("^[A-Za-z0-9_:=,.-]+$", var.log_level))
    error_message = "log_level must be an EnvFilter directive such as info or warn,behavior_converter=debug."
  }
}

variable "log_retention_days" {
  description = "Days the function's and the build's logs are kept."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch Logs' retention values (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "max_event_bytes" {
  description = "MAX_EVENT_BYTES: one event over this many bytes is quarantined (the converter's default is 262144)."
  type        = number
  default     = 262144

  validation {
    condition     = var.max_event_bytes >= 1 && var.max_event_bytes <= var.max_body_bytes
    error_message = "max_event_bytes must be at least 1 and at most max_body_bytes."
  }
}

variable "max_body_bytes" {
  description = "MAX_BODY_BYTES: one message body over this many bytes, counted after decompression for a zstd body, is quarantined whole (the converter's default is 1048576). Must admit the queue's largest message; producers that compress must pack at most this much NDJSON per body (the generator packs up to 1048576, so lowering this below that quarantines some of its bodies)."
  type        = number
  default     = 1048576

  validation {
    condition     = var.max_body_bytes >= var.queue_max_message_bytes
    error_message = "max_body_bytes must be at least queue_max_message_bytes, or valid messages would be quarantined for their size."
  }
}

# --- The queue and its event source mapping ----------------------------------------------------

variable "queue_max_message_bytes" {
  description = "Largest message the events queue accepts, in bytes (the generator packs bodies of up to 64 KiB)."
  type        = number
  default     = 262144

  validation {
    condition     = var.queue_max_message_bytes >= 1024 && var.queue_max_message_bytes <= 1048576
    error_message = "queue_max_message_bytes must be from 1024 to 1048576."
  }
}

variable "queue_visibility_timeout_seconds" {
  description = "How long a received message stays hidden. At least 6 x function_timeout_seconds + batching_window_seconds, so a throttled or retried batch is not delivered twice."
  type        = number
  default     = 420

  validation {
    condition     = var.queue_visibility_timeout_seconds >= 6 * var.function_timeout_seconds + var.batching_window_seconds && var.queue_visibility_timeout_seconds <= 43200
    error_message = "queue_visibility_timeout_seconds must be at least 6 x function_timeout_seconds + batching_window_seconds (AWS's guidance for SQS event sources) and at most 43200."
  }
}

variable "queue_retention_seconds" {
  description = "How long an unconverted message is kept on the events queue (default 4 days)."
  type        = number
  default     = 345600

  validation {
    condition     = var.queue_retention_seconds >= 60 && var.queue_retention_seconds <= 1209600
    error_message = "queue_retention_seconds must be from 60 to 1209600 (14 days)."
  }
}

variable "dead_letter_retention_seconds" {
  description = "How long a message that failed max_receive_count times is kept on the dead-letter queue (default 14 days, the maximum)."
  type        = number
  default     = 1209600

  validation {
    # A standard queue's message keeps its first enqueue time when it moves to the dead-letter
    # queue, so a shorter retention there would expire it early.
    condition     = var.dead_letter_retention_seconds >= var.queue_retention_seconds && var.dead_letter_retention_seconds <= 1209600
    error_message = "dead_letter_retention_seconds must be at least queue_retention_seconds and at most 1209600."
  }
}

variable "max_receive_count" {
  description = "Deliveries of one message before it moves to the dead-letter queue."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be from 1 to 1000."
  }
}

variable "batch_size" {
  description = "Most messages per invocation (Lambda also stops at 6 MB of payload: about 90 full 64 KiB bodies, ~50,000 events with the generator's default compressed bodies)."
  type        = number
  default     = 1000

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000 && floor(var.batch_size) == var.batch_size && (var.batch_size <= 10 || var.batching_window_seconds >= 1)
    error_message = "batch_size must be a whole number from 1 to 10000; above 10 it needs batching_window_seconds >= 1."
  }
}

variable "batching_window_seconds" {
  description = "Seconds the event source mapping gathers messages before invoking: larger batches mean fewer, larger Parquet files."
  type        = number
  default     = 10

  validation {
    condition     = var.batching_window_seconds >= 0 && var.batching_window_seconds <= 300 && floor(var.batching_window_seconds) == var.batching_window_seconds
    error_message = "batching_window_seconds must be a whole number from 0 to 300."
  }
}

variable "maximum_concurrency" {
  description = "Most concurrent invocations the queue's event source mapping starts (2-1000); at most reserved_concurrency when that is set."
  type        = number
  default     = 5

  validation {
    condition     = var.maximum_concurrency >= 2 && var.maximum_concurrency <= 1000 && (var.reserved_concurrency == -1 || var.maximum_concurrency <= var.reserved_concurrency)
    error_message = "maximum_concurrency must be from 2 to 1000 and at most reserved_concurrency (unless that is -1)."
  }
}

# --- The lake -----------------------------------------------------------------------------------

variable "lake_prefix" {
  description = "Key prefix of the lake in its bucket: LAKE_URI is s3://<bucket>/<lake_prefix>."
  type        = string
  default     = "events"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_.-]*(/[a-z0-9][a-z0-9_.-]*)*$", var.lake_prefix))
    error_message = "lake_prefix must be non-empty path segments of a-z, 0-9, '_', '.', '-' separated by '/', without leading or trailing '/'."
  }
}

variable "noncurrent_version_retention_days" {
  description = "Days an overwritten or deleted lake object's previous version is kept."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_retention_days >= 1
    error_message = "noncurrent_version_retention_days must be at least 1."
  }
}

variable "quarantine_retention_days" {
  description = "Days rejected events (<lake_prefix>/_rejected/) are kept."
  type        = number
  default     = 90

  validation {
    condition     = var.quarantine_retention_days >= 1
    error_message = "quarantine_retention_days must be at least 1."
  }
}

variable "force_destroy_lake" {
  description = "Let terraform destroy delete a lake bucket that still holds data (scripts/deploy --destroy --delete-data sets it)."
  type        = bool
  default     = false
}

# --- Snowflake (optional) -----------------------------------------------------------------------

variable "snowpipe_sqs_arn" {
  description = "The Snowpipe's notification channel (SHOW PIPES: notification_channel). Set: new Parquet files under the lake prefix notify it (auto-ingest). \"\": no notification."
  type        = string
  default     = ""

  validation {
    condition     = var.snowpipe_sqs_arn == "" || can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$", var.snowpipe_sqs_arn))
    error_message = "snowpipe_sqs_arn must be \"\" or an SQS queue ARN."
  }
}

variable "snowflake_principal_arn" {
  description = "The storage integration's STORAGE_AWS_IAM_USER_ARN (DESC INTEGRATION). Set with snowflake_external_id: a read-only role for Snowflake on the lake prefix is created."
  type        = string
  default     = ""

  validation {
    condition     = var.snowflake_principal_arn == "" || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(user|role)/.+$", var.snowflake_principal_arn))
    error_message = "snowflake_principal_arn must be \"\" or an IAM user or role ARN."
  }
}

variable "snowflake_external_id" {
  description = "The storage integration's STORAGE_AWS_EXTERNAL_ID (DESC INTEGRATION); required with snowflake_principal_arn."
  type        = string
  default     = ""
  sensitive   = true

  validation {
    condition     = (var.snowflake_external_id == "") == (var.snowflake_principal_arn == "")
    error_message = "snowflake_external_id and snowflake_principal_arn must be set together (or both left empty)."
  }
}

# --- Image and build ----------------------------------------------------------------------------

variable "image_retention_count" {
  description = "Images kept in the repository (older ones expire); keep enough to roll back."
  type        = number
  default     = 10

  validation {
    condition     = var.image_retention_count >= 1 && var.image_retention_count <= 1000
    error_message = "image_retention_count must be from 1 to 1000."
  }
}

variable "build_compute_type" {
  description = "CodeBuild compute for the image build (billed per build minute only)."
  type        = string
  default     = "BUILD_GENERAL1_LARGE"

  validation {
    condition     = contains(["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE"], var.build_compute_type)
    error_message = "build_compute_type must be BUILD_GENERAL1_SMALL, BUILD_GENERAL1_MEDIUM or BUILD_GENERAL1_LARGE."
  }
}

variable "build_timeout_minutes" {
  description = "A build running longer than this fails."
  type        = number
  default     = 90

  validation {
    condition     = var.build_timeout_minutes >= 5 && var.build_timeout_minutes <= 480
    error_message = "build_timeout_minutes must be from 5 to 480."
  }
}

variable "run_tests_in_build" {
  description = "Run the test suite (scripts/test) in CodeBuild before building the image. false makes a deploy faster and cheaper; the image is then only as tested as your CI made it."
  type        = bool
  default     = true
}

# --- Alarms -------------------------------------------------------------------------------------

variable "alarm_email" {
  description = "Address that receives alarm notifications (a topic and an email subscription are created; confirm the email AWS sends). \"\": no topic."
  type        = string
  default     = ""

  validation {
    condition     = var.alarm_email == "" || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be \"\" or an email address."
  }
}

variable "alarm_actions" {
  description = "More ARNs (e.g. an existing SNS topic) notified when an alarm fires or recovers."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for action in var.alarm_actions : can(regex("^arn:", action))])
    error_message = "alarm_actions must be ARNs (arn:...), e.g. an SNS topic's."
  }
}

variable "max_message_age_seconds" {
  description = "Alarm when the oldest message on the events queue is older than this."
  type        = number
  default     = 900

  validation {
    condition     = var.max_message_age_seconds >= 60
    error_message = "max_message_age_seconds must be at least 60."
  }
}

variable "rejected_rate_threshold" {
  description = "Alarm when rejected / received events over 15 minutes exceeds this share (the converter's EMF metrics)."
  type        = number
  default     = 0.05

  validation {
    condition     = var.rejected_rate_threshold > 0 && var.rejected_rate_threshold <= 1
    error_message = "rejected_rate_threshold must be above 0 and at most 1."
  }
}
