//! What the deployment must agree with, in one place: the environment variables the converter
//! reads, the AWS API actions it calls, and its metrics. The infrastructure's consistency test
//! checks the Terraform against these.

/// The lake URI (`s3://bucket/prefix` on AWS).
pub const ENV_LAKE_URI: &str = "LAKE_URI";
/// One event over this many bytes is quarantined.
pub const ENV_MAX_EVENT_BYTES: &str = "MAX_EVENT_BYTES";
/// One message body over this many bytes is quarantined whole.
pub const ENV_MAX_BODY_BYTES: &str = "MAX_BODY_BYTES";
/// Path-style S3 addressing (moto, LocalStack; never needed on AWS).
pub const ENV_S3_FORCE_PATH_STYLE: &str = "S3_FORCE_PATH_STYLE";
/// The queue `converter poll` reads (not used by the Lambda: the event source mapping reads).
pub const ENV_QUEUE_URL: &str = "QUEUE_URL";
/// Log filter (`info` by default).
pub const ENV_LOG: &str = "RUST_LOG";

/// Every variable the converter reads in Lambda mode.
pub const LAMBDA_ENV: [&str; 4] = [
    ENV_LAKE_URI,
    ENV_MAX_EVENT_BYTES,
    ENV_MAX_BODY_BYTES,
    ENV_LOG,
];

/// IAM actions the function's own code needs on the lake bucket: `HeadBucket` at start-up
/// (authorized as `s3:ListBucket`), `PutObject` and multipart uploads (authorized as
/// `s3:PutObject`), and aborting a failed multipart upload.
pub const S3_ACTIONS: [&str; 3] = ["s3:ListBucket", "s3:PutObject", "s3:AbortMultipartUpload"];

/// IAM actions Lambda's SQS event source mapping needs on the queue (the function's role).
pub const SQS_EVENT_SOURCE_ACTIONS: [&str; 3] = [
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
];

/// IAM actions `converter poll` needs on the queue (batch calls are authorized as their single
/// counterparts).
pub const SQS_POLL_ACTIONS: [&str; 4] = [
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
];

/// The Lambda's response type: partial batch responses must be enabled on the mapping
/// (`function_response_types = ["ReportBatchItemFailures"]`).
pub const FUNCTION_RESPONSE_TYPE: &str = "ReportBatchItemFailures";

/// The value of the metrics' `service` dimension inside Lambda (the summary line's runner name);
/// the rejected-event-rate alarm selects it.
pub const METRICS_SERVICE_LAMBDA: &str = "lambda";
