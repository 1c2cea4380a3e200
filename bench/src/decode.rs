//! The decode paths the decode benchmarks compare, on the same NDJSON lines:
//! - `direct`: this project's generated decoder (the converter's path, dispatch included);
//! - `arrow_json`: `arrow_json::ReaderBuilder` given the same Arrow schema;
//! - `serde_struct`: `serde_json` into the event struct, then appended to the same builders.

use arrow::record_batch::RecordBatch;
use behavior_runtime::{BatchDecoder, Event, EventBatchBuilder, Faker, Limits};
use behavior_schema::events::*;

use crate::{Lines, arrow_json_schema, generated_mix};

/// Events per decode workload.
pub const EVENTS: usize = 20_000;
/// Initial rows of every builder, as the converter uses: buffers grow from there.
pub const CAPACITY: usize = behavior_converter::batch::INITIAL_ROWS;

/// `count` events of only `event_type`, from its fakes.
pub fn one_type(event_type: &str, seed: u64) -> Lines {
    let registry = behavior_schema::registry();
    let index = registry
        .kinds()
        .iter()
        .position(|k| k.descriptor().event_type == event_type)
        .unwrap();
    let mut faker = Faker::new(seed);
    (0..EVENTS)
        .map(|_| {
            let mut line = Vec::new();
            registry.kinds()[index].fake_json(&mut faker, &mut line);
            (index, line)
        })
        .collect()
}

pub fn direct(lines: &[(usize, Vec<u8>)]) -> Vec<(usize, RecordBatch)> {
    let mut decoder = BatchDecoder::new(behavior_schema::registry(), Limits::default(), CAPACITY);
    for (_, line) in lines {
        decoder.decode_event(line).unwrap();
    }
    decoder.finish().unwrap()
}

pub fn arrow_json(lines: &[(usize, Vec<u8>)]) -> Vec<RecordBatch> {
    let registry = behavior_schema::registry();
    let mut decoders: Vec<_> = registry
        .descriptors()
        .map(|d| {
            arrow_json::ReaderBuilder::new(arrow_json_schema(d))
                .with_batch_size(EVENTS)
                .build_decoder()
                .unwrap()
        })
        .collect();
    for (index, line) in lines {
        let decoder = &mut decoders[*index];
        decoder.decode(line).unwrap();
        decoder.decode(b"\n").unwrap();
    }
    decoders
        .iter_mut()
        .filter_map(|d| d.flush().unwrap())
        .collect()
}

/// A typed serde path per event type, behind one trait so the mix can dispatch on it.
trait SerdePath {
    fn push_json(&mut self, line: &[u8]);
    fn finish(&mut self) -> RecordBatch;
}

impl<E: Event + serde::de::DeserializeOwned> SerdePath for EventBatchBuilder<E> {
    fn push_json(&mut self, line: &[u8]) {
        let event: E = serde_json::from_slice(line).unwrap();
        self.push(&event);
    }
    fn finish(&mut self) -> RecordBatch {
        EventBatchBuilder::finish(self).unwrap()
    }
}

fn serde_paths() -> Vec<Box<dyn SerdePath>> {
    let mut paths: Vec<(&str, Box<dyn SerdePath>)> = vec![
        (
            PageView::EVENT_TYPE,
            Box::new(EventBatchBuilder::<PageView>::with_capacity(CAPACITY)),
        ),
        (
            ProductView::EVENT_TYPE,
            Box::new(EventBatchBuilder::<ProductView>::with_capacity(CAPACITY)),
        ),
        (
            Search::EVENT_TYPE,
            Box::new(EventBatchBuilder::<Search>::with_capacity(CAPACITY)),
        ),
        (
            AddToCart::EVENT_TYPE,
            Box::new(EventBatchBuilder::<AddToCart>::with_capacity(CAPACITY)),
        ),
        (
            RemoveFromCart::EVENT_TYPE,
            Box::new(EventBatchBuilder::<RemoveFromCart>::with_capacity(CAPACITY)),
        ),
        (
            CheckoutStarted::EVENT_TYPE,
            Box::new(EventBatchBuilder::<CheckoutStarted>::with_capacity(
                CAPACITY,
            )),
        ),
        (
            Purchase::EVENT_TYPE,
            Box::new(EventBatchBuilder::<Purchase>::with_capacity(CAPACITY)),
        ),
        (
            RefundRequested::EVENT_TYPE,
            Box::new(EventBatchBuilder::<RefundRequested>::with_capacity(
                CAPACITY,
            )),
        ),
    ];
    // In registry order, so a line's registry index picks its path.
    let order: Vec<&str> = behavior_schema::registry()
        .descriptors()
        .map(|d| d.event_type)
        .collect();
    paths.sort_by_key(|(name, _)| order.iter().position(|o| o == name));
    paths.into_iter().map(|p| p.1).collect()
}

pub fn serde_struct(lines: &[(usize, Vec<u8>)]) -> usize {
    let mut paths = serde_paths();
    for (index, line) in lines {
        paths[*index].push_json(line);
    }
    paths.iter_mut().map(|p| p.finish().num_rows()).sum()
}

/// The workloads: the generator's realistic mix, then each event type from its fakes.
pub fn workloads() -> Vec<(String, Lines)> {
    let registry = behavior_schema::registry();
    let mut workloads: Vec<(String, Lines)> =
        vec![("mix".into(), generated_mix(registry, EVENTS as u64, 1))];
    for d in registry.descriptors() {
        workloads.push((d.event_type.to_string(), one_type(d.event_type, 2)));
    }
    workloads
}
