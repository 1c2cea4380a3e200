//! The end-to-end tests, as one test binary: one link of the AWS, arrow and parquet stack instead
//! of one per file. Two stay binaries of their own, so that nothing runs beside them: `sqs_to_s3`
//! (visibility timeouts of a few seconds, which the poller must extend in time) and
//! `generator_pacing` (it measures the send rate).

mod adapters;
mod lambda_runtime;
mod misconfiguration;
mod terraform;
mod warehouse;
