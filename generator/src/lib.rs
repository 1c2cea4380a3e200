//! Simulated traffic. For now: fake events of every registered type, in a fixed mix, from one
//! seed. (The behavioural model — users, sessions, funnels, dirty records, SQS — is issue 3.)

use std::io::Write;

use behavior_runtime::{Faker, Registry};

/// Relative weight of an event type in the traffic; types without one get [`DEFAULT_WEIGHT`],
/// so a new type in the catalog is generated with no edit here.
pub const WEIGHTS: &[(&str, u32)] = &[
    ("page_view", 40),
    ("product_view", 25),
    ("search", 10),
    ("add_to_cart", 10),
    ("remove_from_cart", 3),
    ("checkout_started", 6),
    ("purchase", 5),
    ("refund_requested", 1),
];
pub const DEFAULT_WEIGHT: u32 = 1;

/// Writes `count` events as NDJSON; the same seed gives the same bytes.
pub fn write_ndjson(
    registry: &Registry,
    count: u64,
    seed: u64,
    out: &mut impl Write,
) -> std::io::Result<u64> {
    let weights: Vec<u32> = registry
        .descriptors()
        .map(|d| {
            WEIGHTS
                .iter()
                .find(|w| w.0 == d.event_type)
                .map_or(DEFAULT_WEIGHT, |w| w.1)
        })
        .collect();
    let total: u32 = weights.iter().sum();
    let mut faker = Faker::new(seed);
    let mut line = Vec::with_capacity(1024);
    let mut bytes = 0;
    for _ in 0..count {
        let mut pick = faker.index(total as usize) as u32;
        let kind = weights.iter().position(|&w| {
            if pick < w {
                true
            } else {
                pick -= w;
                false
            }
        });
        let kind = registry.kinds()[kind.unwrap_or(0)];
        line.clear();
        kind.fake_json(&mut faker, &mut line);
        line.push(b'\n');
        out.write_all(&line)?;
        bytes += line.len() as u64;
    }
    Ok(bytes)
}
