//! Dirty traffic: the defects real pipelines receive, injected into a clean stream at a given
//! rate, each counted so tests can check the converter's decision on every one.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::ops::RangeInclusive;

use behavior_runtime::Faker;
use rand::RngExt;
use serde::Serialize;

/// One kind of defect. Those with `invalid() == true` must be rejected by the converter; the
/// others are valid events that arrive in an awkward way and must be accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Defect {
    MalformedJson,
    TruncatedJson,
    WrongType,
    MissingField,
    UnknownEventType,
    MixedCaseEventType,
    EpochTimestamp,
    StringOverBound,
    InvalidUtf8,
    /// The same event (same `event_id`) sent again, [`RESEND_DELAY`] lines later.
    Duplicate,
    /// `event_time` days before the rest of the stream.
    Late,
    /// Swapped with the event after it.
    OutOfOrder,
}

impl Defect {
    pub const ALL: [Defect; 12] = [
        Defect::MalformedJson,
        Defect::TruncatedJson,
        Defect::WrongType,
        Defect::MissingField,
        Defect::UnknownEventType,
        Defect::MixedCaseEventType,
        Defect::EpochTimestamp,
        Defect::StringOverBound,
        Defect::InvalidUtf8,
        Defect::Duplicate,
        Defect::Late,
        Defect::OutOfOrder,
    ];

    /// Whether an event with this defect is invalid (to be quarantined, not loaded).
    pub fn invalid(self) -> bool {
        !matches!(self, Defect::Duplicate | Defect::Late | Defect::OutOfOrder)
    }
}

/// How many lines after the original a re-send goes out: far enough that it usually lands in
/// another message body and another batch, as a producer's retry does.
pub const RESEND_DELAY: RangeInclusive<u64> = 64..=4096;

/// Wraps a clean stream and injects defects into a share `rate` of its lines.
///
/// Every line is counted when it is emitted, so the counts always describe exactly the lines
/// yielded so far, however early the consumer stops; re-sends still held back when the clean
/// stream ends are all emitted before the stream does.
pub struct Dirty<I> {
    clean: I,
    rate: f64,
    faker: Faker,
    /// Lines to emit before drawing from `clean` again (swapped events).
    queued: VecDeque<Vec<u8>>,
    /// Re-sends held back, by the line number they are due at (then the order they were made).
    held: BinaryHeap<Reverse<(u64, u64, Vec<u8>)>>,
    /// Lines emitted so far, and re-sends made so far.
    emitted: u64,
    resends: u64,
    counts: BTreeMap<Defect, u64>,
    kinds: Vec<Defect>,
}

impl<I: Iterator<Item = Vec<u8>>> Dirty<I> {
    pub fn new(clean: I, rate: f64, seed: u64) -> Self {
        Self {
            clean,
            rate: rate.clamp(0.0, 1.0),
            // Its own stream, so the clean events are the same whatever the dirty rate.
            faker: Faker::new(seed ^ 0xd1e7_7afe_c0ff_ee00),
            queued: VecDeque::new(),
            held: BinaryHeap::new(),
            emitted: 0,
            resends: 0,
            counts: BTreeMap::new(),
            kinds: Defect::ALL.to_vec(),
        }
    }

    /// Never injects `defect` (SQS carries only valid Unicode, so invalid UTF-8 is a defect
    /// of files and stdout only).
    pub fn without(mut self, defect: Defect) -> Self {
        self.kinds.retain(|d| *d != defect);
        self
    }

    /// How many lines carry each defect so far.
    pub fn counts(&self) -> &BTreeMap<Defect, u64> {
        &self.counts
    }

    /// How many lines so far carry a defect that makes them invalid.
    pub fn invalid_injected(&self) -> u64 {
        self.counts
            .iter()
            .filter(|(d, _)| d.invalid())
            .map(|(_, n)| n)
            .sum()
    }

    fn inject(&mut self, defect: Defect, line: Vec<u8>) -> Vec<u8> {
        let mut line = line;
        match defect {
            Defect::MalformedJson => replace_first(&mut line, b"\":", b"\"="),
            Defect::TruncatedJson => {
                let cut = 1 + self.faker.index(line.len().saturating_sub(2).max(1));
                line.truncate(cut);
                line
            }
            Defect::WrongType => replace_first(
                &mut line,
                b"\"schema_version\":1",
                b"\"schema_version\":\"1\"",
            ),
            Defect::MissingField => remove_field(&line, b"\"event_id\":"),
            Defect::UnknownEventType => {
                replace_value(&line, b"\"event_type\":", b"\"unknown_event\"")
            }
            Defect::MixedCaseEventType => {
                let at = find(&line, b"\"event_type\":\"").map(|i| i + 14);
                if let Some(at) = at {
                    line[at] = line[at].to_ascii_uppercase();
                }
                line
            }
            Defect::EpochTimestamp => replace_value(&line, b"\"event_time\":", b"1767225600"),
            Defect::StringOverBound => {
                let long = format!("\"{}\"", "x".repeat(600));
                replace_value(&line, b"\"user_agent\":", long.as_bytes())
            }
            Defect::InvalidUtf8 => {
                if let Some(at) = find(&line, b"\"user_agent\":\"") {
                    line[at + 14] = 0xff;
                }
                line
            }
            Defect::Late => {
                // Two days earlier: same instant of day, so the text edit is exact.
                let at = find(&line, b"\"event_time\":\"").map(|i| i + 14);
                match at
                    .and_then(|at| Some((at, std::str::from_utf8(line.get(at..at + 27)?).ok()?)))
                {
                    Some((at, text)) => match behavior_runtime::Timestamp::parse(text) {
                        Some(ts) => {
                            let late = behavior_runtime::Timestamp(ts.0 - 2 * 86_400_000_000);
                            line[at..at + 27].copy_from_slice(late.to_string().as_bytes());
                            line
                        }
                        None => line,
                    },
                    None => line,
                }
            }
            Defect::Duplicate | Defect::OutOfOrder => line,
        }
    }
}

impl<I: Iterator<Item = Vec<u8>>> Dirty<I> {
    /// The next line, its defect counted if it has one.
    fn line(&mut self) -> Option<(Vec<u8>, Option<Defect>)> {
        if let Some(line) = self.queued.pop_front() {
            return Some((line, None));
        }
        if self
            .held
            .peek()
            .is_some_and(|Reverse((due, _, _))| *due <= self.emitted)
        {
            return self
                .held
                .pop()
                .map(|Reverse((_, _, line))| (line, Some(Defect::Duplicate)));
        }
        let Some(line) = self.clean.next() else {
            // The clean stream is over: what is held back goes out now, in order.
            return self
                .held
                .pop()
                .map(|Reverse((_, _, line))| (line, Some(Defect::Duplicate)));
        };
        if self.rate == 0.0 || self.kinds.is_empty() || !self.faker.rng.random_bool(self.rate) {
            return Some((line, None));
        }
        let defect = self.kinds[self.faker.index(self.kinds.len())];
        Some(match defect {
            Defect::Duplicate => {
                // This event goes out now; its re-send, counted when it goes out, later.
                let due = self.emitted + self.faker.rng.random_range(RESEND_DELAY);
                self.resends += 1;
                self.held.push(Reverse((due, self.resends, line.clone())));
                (line, None)
            }
            Defect::OutOfOrder => match self.clean.next() {
                Some(next) => {
                    self.queued.push_back(line);
                    (next, Some(defect))
                }
                None => (line, None),
            },
            other => (self.inject(other, line), Some(defect)),
        })
    }
}

impl<I: Iterator<Item = Vec<u8>>> Iterator for Dirty<I> {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        let (line, defect) = self.line()?;
        if let Some(defect) = defect {
            *self.counts.entry(defect).or_default() += 1;
        }
        self.emitted += 1;
        Some(line)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn replace_first(line: &mut Vec<u8>, from: &[u8], to: &[u8]) -> Vec<u8> {
    match find(line, from) {
        Some(at) => {
            line.splice(at..at + from.len(), to.iter().copied());
            std::mem::take(line)
        }
        None => std::mem::take(line),
    }
}

/// The end of the string or number value starting at `at` (exclusive).
fn value_end(line: &[u8], at: usize) -> usize {
    if line.get(at) == Some(&b'"') {
        line[at + 1..]
            .iter()
            .position(|&c| c == b'"')
            .map_or(line.len(), |p| at + p + 2)
    } else {
        line[at..]
            .iter()
            .position(|&c| c == b',' || c == b'}')
            .map_or(line.len(), |p| at + p)
    }
}

/// `line` with the value after `key` (e.g. `"event_time":`) replaced by `value`.
fn replace_value(line: &[u8], key: &[u8], value: &[u8]) -> Vec<u8> {
    let Some(start) = find(line, key).map(|i| i + key.len()) else {
        return line.to_vec();
    };
    let end = value_end(line, start);
    [&line[..start], value, &line[end..]].concat()
}

/// `line` without the entry for `key` (and its comma).
fn remove_field(line: &[u8], key: &[u8]) -> Vec<u8> {
    let Some(start) = find(line, key) else {
        return line.to_vec();
    };
    let mut end = value_end(line, start + key.len());
    if line.get(end) == Some(&b',') {
        end += 1;
    }
    [&line[..start], &line[end..]].concat()
}
