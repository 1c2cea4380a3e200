//! The decode paths the decode benchmarks compare, on the same NDJSON message bodies:
//! - `direct`: this project's generated decoder, given the run's bodies as the converter gives
//!   it a batch's (`decode_bodies`, which groups their events by type [`GROUP_BYTES`] at a
//!   time);
//! - `arrow_json`: `arrow_json::ReaderBuilder` given the same Arrow schema, in record batches
//!   of its default size;
//! - `serde_struct`: `serde_json` into the event struct, then appended to the same builders.
//!
//! The references take the body event by event (`ndjson_events`, the direct path's own
//! splitting) and route every event by its `event_type` with the registry's dispatch (one
//! arrow_json decoder reads one schema, so a body of mixed types must be split); the direct
//! path does the same inside `decode_bodies`. Every path keeps its builders
//! or decoders from run to run, as a long-running converter does.

use arrow::record_batch::RecordBatch;
use behavior_runtime::{BatchDecoder, Event, EventBatchBuilder, Faker, Limits};
use behavior_schema::events::*;

#[cfg(doc)]
use behavior_runtime::registry::GROUP_BYTES;
use behavior_runtime::registry::ndjson_events;

use crate::{ARROW_JSON_BATCH_ROWS, Lines, arrow_json_decode, arrow_json_schema, generated_mix};

/// Events per decode workload.
pub const EVENTS: usize = 20_000;
/// NDJSON bytes per message body: what one plain SQS message holds, the generator's body size
/// (a compressed body of that size decompresses to ~5× as many events).
pub const BODY_BYTES: usize = 64 * 1024;

/// A decode workload: its events packed into message bodies.
pub struct Workload {
    pub name: String,
    pub bodies: Vec<Vec<u8>>,
    pub events: usize,
    /// NDJSON bytes, newlines included.
    pub bytes: usize,
}

impl Workload {
    pub fn new(name: impl Into<String>, lines: Lines) -> Self {
        let mut bodies: Vec<Vec<u8>> = Vec::new();
        for line in &lines {
            match bodies.last_mut() {
                Some(body) if body.len() + line.len() < BODY_BYTES => {}
                _ => bodies.push(Vec::with_capacity(BODY_BYTES)),
            }
            let body = bodies.last_mut().expect("a body was just pushed");
            body.extend_from_slice(line);
            body.push(b'\n');
        }
        Self {
            name: name.into(),
            bytes: bodies.iter().map(Vec::len).sum(),
            events: lines.len(),
            bodies,
        }
    }
}

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
            line
        })
        .collect()
}

/// One decode path. A path keeps its state from run to run (builders, decoders and their
/// buffers), as the converter keeps its `Converter` from batch to batch: each run measures
/// the steady state, not the growth of fresh buffers. Every path routes each line by its
/// `event_type` (the registry's dispatch, which the direct path also runs) and ends the run
/// with one `RecordBatch` per event type present.
pub trait DecodePath {
    fn run(&mut self, bodies: &[Vec<u8>]) -> Vec<RecordBatch>;
}

/// This project's generated decoder: the converter's path.
pub struct Direct(BatchDecoder<'static>);

impl Default for Direct {
    fn default() -> Self {
        Self(BatchDecoder::new(
            behavior_schema::registry(),
            Limits::default(),
            CAPACITY,
        ))
    }
}

impl DecodePath for Direct {
    fn run(&mut self, bodies: &[Vec<u8>]) -> Vec<RecordBatch> {
        let counts = self.0.decode_bodies(bodies, |_, _| {});
        assert_eq!(counts.rejected, 0, "the workloads hold valid events only");
        self.0.finish().unwrap().into_iter().map(|b| b.1).collect()
    }
}

/// `arrow_json`'s decoder, one per event type, given the same Arrow schema.
pub struct ArrowJson(Vec<arrow_json::reader::Decoder>);

impl Default for ArrowJson {
    fn default() -> Self {
        Self(
            behavior_schema::registry()
                .descriptors()
                .map(|d| {
                    arrow_json::ReaderBuilder::new(arrow_json_schema(d))
                        .with_batch_size(ARROW_JSON_BATCH_ROWS)
                        .build_decoder()
                        .unwrap()
                })
                .collect(),
        )
    }
}

impl DecodePath for ArrowJson {
    fn run(&mut self, bodies: &[Vec<u8>]) -> Vec<RecordBatch> {
        let registry = behavior_schema::registry();
        let mut batches = Vec::new();
        for line in bodies.iter().flat_map(|body| ndjson_events(body)) {
            let decoder = &mut self.0[registry.dispatch(line).unwrap()];
            arrow_json_decode(decoder, line, &mut batches).unwrap();
        }
        batches.extend(self.0.iter_mut().filter_map(|d| d.flush().unwrap()));
        batches
    }
}

/// A typed serde path per event type, behind one trait so the mix can dispatch on it.
trait SerdePath {
    fn push_json(&mut self, line: &[u8]);
    fn finish(&mut self) -> Option<RecordBatch>;
}

impl<E: Event + serde::de::DeserializeOwned> SerdePath for EventBatchBuilder<E> {
    fn push_json(&mut self, line: &[u8]) {
        let event: E = serde_json::from_slice(line).unwrap();
        self.push(&event);
    }
    fn finish(&mut self) -> Option<RecordBatch> {
        (!self.is_empty()).then(|| EventBatchBuilder::finish(self).unwrap())
    }
}

/// `serde_json` into the event struct, then appended to the same builders.
pub struct SerdeStruct(Vec<Box<dyn SerdePath>>);

impl Default for SerdeStruct {
    fn default() -> Self {
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
        Self(paths.into_iter().map(|p| p.1).collect())
    }
}

impl DecodePath for SerdeStruct {
    fn run(&mut self, bodies: &[Vec<u8>]) -> Vec<RecordBatch> {
        let registry = behavior_schema::registry();
        for line in bodies.iter().flat_map(|body| ndjson_events(body)) {
            self.0[registry.dispatch(line).unwrap()].push_json(line);
        }
        self.0.iter_mut().filter_map(|p| p.finish()).collect()
    }
}

/// The three paths, fresh, in the order the benchmarks report them.
pub fn paths() -> [(&'static str, Box<dyn DecodePath>); 3] {
    [
        ("direct", Box::new(Direct::default())),
        ("arrow_json", Box::new(ArrowJson::default())),
        ("serde_struct", Box::new(SerdeStruct::default())),
    ]
}

/// The workloads: the generator's realistic mix, then each event type from its fakes.
pub fn workloads() -> Vec<Workload> {
    let registry = behavior_schema::registry();
    let mut workloads = vec![Workload::new(
        "mix",
        generated_mix(registry, EVENTS as u64, 1),
    )];
    for d in registry.descriptors() {
        workloads.push(Workload::new(d.event_type, one_type(d.event_type, 2)));
    }
    workloads
}
