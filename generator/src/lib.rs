//! Simulated shop traffic, from the event catalog plus a behavioural model.
//!
//! - [`catalog`]: products with stable prices and ratings and Zipf-skewed popularity, and the
//!   queries that find them;
//! - [`population`]: visitors with a stable device, platform, country (and its time zone) and
//!   a heavy-tailed activity, one session at a time each;
//! - [`model`]: sessions arriving as a Poisson process (optionally diurnal, in each visitor's
//!   local time), each bouncing or walking the funnel page_view → product_view / search →
//!   cart changes → checkout → purchase, merged into one stream in event-time order. Event
//!   types the model does not know are generated from their fakes at a default rate, so a new
//!   catalog entry needs no edit here;
//! - [`pace`]: events released when the wall clock reaches their event time;
//! - `json`: events to compact JSON, serde_json's bytes with a cheaper string path.
//!
//! - [`dirty`]: defects injected at a rate (malformed JSON, wrong types, re-sends, late
//!   events...), counted per kind.
//!
//! - [`pack`]: events packed into NDJSON message bodies under a size cap;
//! - [`sqs`]: the SQS sink (packing, batching, bounded concurrency, retries).
//!
//! Everything draws from one seeded RNG: the same seed and options give the same bytes.

pub mod catalog;
pub mod dirty;
mod json;
pub mod model;
pub mod pace;
pub mod pack;
pub mod population;
pub mod sqs;

use std::io::Write;

use behavior_runtime::Registry;

pub use dirty::{Defect, Dirty};
pub use model::{Config, Funnel, Simulation};

/// Writes `count` events of the default model as NDJSON; returns the bytes written.
pub fn write_ndjson(
    registry: &Registry,
    count: u64,
    seed: u64,
    out: &mut impl Write,
) -> std::io::Result<u64> {
    let config = Config {
        seed,
        ..Config::default()
    };
    let mut simulation = Simulation::new(registry, config);
    let mut bytes = 0;
    for line in simulation.by_ref().take(count as usize) {
        out.write_all(&line)?;
        out.write_all(b"\n")?;
        bytes += line.len() as u64 + 1;
    }
    Ok(bytes)
}
