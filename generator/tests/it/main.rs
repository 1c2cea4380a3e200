//! The generator's integration tests, as one test binary (one link of the dependency stack instead
//! of one per file). `tests/pace.rs` stays a binary of its own: it measures the send rate, which
//! the CPU-heavy tests here would disturb if they ran beside it.

mod dirty;
mod model;
mod sqs;
