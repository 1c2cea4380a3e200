//! The converter: message bodies in, typed date-partitioned Parquet and a quarantine out.
//!
//! - [`lake`]: where files land (a local directory for now; S3 is issue 4);
//! - [`batch`]: one batch of bodies → Parquet files per (type, version, event date) and
//!   quarantine records, with accepted + rejected = received.

pub mod batch;
pub mod lake;
