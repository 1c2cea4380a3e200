//! The converter: queue messages in, typed date-partitioned Parquet and a quarantine out.
//!
//! - [`batch`]: one batch of messages → Parquet files per (type, version, event date) and a
//!   quarantine file, in memory, with accepted + rejected = received;
//! - [`handler`]: the one handler every runner shares: convert, write, report what was stored;
//! - [`contract`]: environment variables, IAM actions and the response type the deployment
//!   must match;
//! - [`metrics`]: the per-batch summary line (CloudWatch embedded metric format);
//! - [`lake`]: where files land (a local directory or `s3://bucket/prefix`);
//! - [`queue`]: SQS and an in-process queue with SQS semantics;
//! - runners: [`lambda`] (SQS event → partial batch response), [`poll`] (long-polls a queue
//!   like Lambda's event source mapping) and [`files`] (NDJSON files → lake).

pub mod batch;
pub mod contract;
pub mod files;
pub mod handler;
pub mod lake;
pub mod lambda;
pub mod metrics;
pub mod poll;
pub mod queue;

pub use batch::Message;
pub use handler::{BatchReport, Handler};
pub use lake::{Lake, LakeUri, S3Options};
