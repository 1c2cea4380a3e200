//! The registry of event types, and the decoding entry point for message bodies: split a body
//! into events, dispatch each on `event_type` (and `schema_version`), decode it into its type's
//! batch builder, and report every event's outcome.

use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use memchr::memchr;

use crate::decoder::Decoder;
use crate::descriptor::{EVENT_DATE_KEY, EVENT_TYPE_KEY, EventDescriptor, SCHEMA_VERSION_KEY};
use crate::error::{DecodeError, ErrorKind};
use crate::record::{EventBuilder, EventKind};

/// The field the lake deduplicates by.
const LAKE_ID: &str = "event_id";
/// The field whose UTC date partitions the lake.
const LAKE_TIME: &str = "event_time";

/// Every registered event type and version.
pub struct Registry {
    kinds: Vec<&'static dyn EventKind>,
    /// `(event_type, version, index, v1 alone)` per entry, for dispatch: "v1 alone" when the
    /// entry is version 1 and its type's only version, so that an event naming no version
    /// right after its type can be decoded as it without a scan (a version further on is
    /// checked by the event's own decoder).
    entries: Vec<(&'static str, u32, usize, bool)>,
}

impl Registry {
    /// Fails when two entries claim the same event type and version.
    pub fn new(kinds: &[&'static dyn EventKind]) -> Result<Self, String> {
        let mut seen = std::collections::BTreeSet::new();
        for kind in kinds {
            let d = kind.descriptor();
            // Flattened records are checked here, where their fields are finally side by side.
            let mut names = std::collections::BTreeSet::from([EVENT_TYPE_KEY, SCHEMA_VERSION_KEY]);
            if let Some(field) = d.fields.iter().find(|f| !names.insert(f.name)) {
                return Err(format!(
                    "{} v{} has two fields (or an envelope key) named {:?}",
                    d.event_type, d.version, field.name
                ));
            }
            if !seen.insert((d.event_type, d.version)) {
                return Err(format!(
                    "{} v{} is registered twice",
                    d.event_type, d.version
                ));
            }
        }
        let entries = kinds
            .iter()
            .enumerate()
            .map(|(index, kind)| {
                let d = kind.descriptor();
                let alone = kinds
                    .iter()
                    .filter(|k| k.descriptor().event_type == d.event_type)
                    .count()
                    == 1;
                (d.event_type, d.version, index, alone && d.version == 1)
            })
            .collect();
        Ok(Self {
            kinds: kinds.to_vec(),
            entries,
        })
    }

    /// Fails when an event type lacks a column the lake and the warehouse rely on: a required
    /// `event_id` UUID (deduplication) and a required `event_time` timestamp (the date
    /// partition). Decoding needs neither, so `new` accepts such types (tests declare small
    /// ones); the catalog the binaries run on is checked with this at start-up, so a type
    /// without them fails there, naming itself, instead of failing every batch it is in.
    pub fn check_lake_columns(&self) -> Result<(), String> {
        for d in self.descriptors() {
            // A flattened record can bring it in, past the derive's check of declared names.
            if d.fields.iter().any(|f| f.name == EVENT_DATE_KEY) {
                return Err(format!(
                    "{} v{} has a field named `{EVENT_DATE_KEY}`, the lake's date partition column",
                    d.event_type, d.version
                ));
            }
            for (name, ty, what) in [
                (LAKE_ID, crate::Logical::Uuid, "a UUID (Uuid)"),
                (
                    LAKE_TIME,
                    crate::Logical::Timestamp,
                    "a timestamp (Timestamp)",
                ),
            ] {
                let found = d.fields.iter().find(|f| f.name == name);
                if !found.is_some_and(|f| f.ty == ty && !f.nullable) {
                    return Err(format!(
                        "{} v{} needs a required field `{name}`, {what}: the lake deduplicates \
                         by event_id and partitions by the UTC date of event_time (flatten \
                         EventContext to get both){}",
                        d.event_type,
                        d.version,
                        found.map_or(String::new(), |f| format!(
                            "; it has `{name}` as {}{}",
                            f.ty.name(),
                            if f.nullable { ", optional" } else { "" }
                        )),
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn kinds(&self) -> &[&'static dyn EventKind] {
        &self.kinds
    }

    pub fn descriptors(&self) -> impl Iterator<Item = &'static EventDescriptor> + '_ {
        self.kinds.iter().map(|k| k.descriptor())
    }

    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// The index of `event_type` at `version`; `None` for the version means 1, as on the wire
    /// (even when the type's only registered version is another: an event that names no
    /// version was written for version 1).
    pub fn find(&self, event_type: &str, version: Option<u32>) -> Result<usize, DecodeError> {
        let mut count = 0;
        for (index, kind) in self.kinds.iter().enumerate() {
            let d = kind.descriptor();
            if d.event_type == event_type {
                count += 1;
                if version.unwrap_or(1) == d.version {
                    return Ok(index);
                }
            }
        }
        match count {
            0 => Err(self.unknown_type(event_type)),
            _ => Err(DecodeError::new(
                ErrorKind::UnknownEventType,
                format!(
                    "{event_type} has no registered schema_version {}{}; registered: {}",
                    version.unwrap_or(1),
                    if version.is_none() {
                        " (an event without schema_version is version 1)"
                    } else {
                        ""
                    },
                    self.versions(event_type)
                ),
            )
            .at_key(SCHEMA_VERSION_KEY)),
        }
    }

    fn versions(&self, event_type: &str) -> String {
        let versions: Vec<String> = self
            .descriptors()
            .filter(|d| d.event_type == event_type)
            .map(|d| d.version.to_string())
            .collect();
        versions.join(", ")
    }

    #[cold]
    fn unknown_type(&self, event_type: &str) -> DecodeError {
        let hint = self
            .descriptors()
            .find(|d| d.event_type.eq_ignore_ascii_case(event_type.trim()))
            .map(|d| {
                format!(
                    " (did you mean {:?}? event types are case-sensitive)",
                    d.event_type
                )
            })
            .unwrap_or_default();
        DecodeError::new(
            ErrorKind::UnknownEventType,
            format!("unknown event_type {event_type:?}{hint}"),
        )
        .at_key(EVENT_TYPE_KEY)
    }

    /// Which registered type and version a JSON object is, read from its envelope keys.
    pub fn dispatch(&self, json: &[u8]) -> Result<usize, DecodeError> {
        if let Some(index) = self.dispatch_compact(json) {
            return Ok(index);
        }
        let mut decoder = Decoder::new(json);
        let peek = decoder.peek()?;
        let first = decoder.object_start(peek, "an event object")?;
        // Fast path: producers (this project's generator included) write event_type first and
        // schema_version second; then nothing else needs scanning.
        if first == Some(EVENT_TYPE_KEY) {
            let peek = decoder.peek()?;
            let name = decoder
                .str(peek, "a string")
                .map_err(|e| e.at_key(EVENT_TYPE_KEY))?;
            // The registry's own copy of the name, so no allocation outlives the decoder borrow.
            let Some(event_type) = self
                .descriptors()
                .map(|d| d.event_type)
                .find(|t| *t == name)
            else {
                return Err(self.unknown_type(name));
            };
            if decoder.object_key()? == Some(SCHEMA_VERSION_KEY) {
                let version = read_version(&mut decoder)?;
                return self.find(event_type, Some(version));
            }
            if self.only_version_is_1(event_type) {
                return self.find(event_type, None);
            }
        }
        self.dispatch_by_scan(json)
    }

    /// The common case without parsing: the event starts with
    /// `{"event_type":"<name>"` (then `,"schema_version":<n>`, or nothing when version 1 is the
    /// type's only one).
    /// `None` sends the event down the general path, which also reports errors.
    #[inline]
    fn dispatch_compact(&self, json: &[u8]) -> Option<usize> {
        let rest = json.strip_prefix(b"{\"event_type\":\"")?;
        // The version after the name, read once: `Some(None)` when the event names none.
        let mut version: Option<Option<u32>> = None;
        for &(event_type, v, index, v1_alone) in &self.entries {
            // A registered name followed by the closing quote: checking the quote first rules
            // out most names by length alone, with no scan of the input. Names are snake_case
            // (the derive checks), so their bytes are the string.
            let len = event_type.len();
            if rest.get(len) != Some(&b'"') || !rest.starts_with(event_type.as_bytes()) {
                continue;
            }
            let version = match version {
                Some(version) => version,
                None => *version.insert(compact_version(&rest[len + 1..])?),
            };
            if version.map_or(v1_alone, |version| version == v) {
                return Some(index);
            }
        }
        None
    }

    fn only_version_is_1(&self, event_type: &str) -> bool {
        let mut versions = self
            .descriptors()
            .filter(|d| d.event_type == event_type)
            .map(|d| d.version);
        versions.next() == Some(1) && versions.next().is_none()
    }

    /// Reads every top-level key to find the envelope (keys in any order).
    #[cold]
    fn dispatch_by_scan(&self, json: &[u8]) -> Result<usize, DecodeError> {
        let mut decoder = Decoder::new(json);
        let peek = decoder.peek()?;
        let mut event_type: Option<String> = None;
        let mut version = None;
        let mut key = decoder
            .object_start(peek, "an event object")?
            .map(str::to_owned);
        while let Some(name) = key {
            let peek = decoder.peek()?;
            match name.as_str() {
                EVENT_TYPE_KEY => {
                    let value = decoder
                        .str(peek, "a string")
                        .map_err(|e| e.at_key(EVENT_TYPE_KEY))?;
                    event_type = Some(value.to_owned());
                }
                SCHEMA_VERSION_KEY => {
                    version = Some(read_version_at(&mut decoder, peek)?);
                }
                _ => decoder.skip(peek).map_err(|e| e.at_key(&name))?,
            }
            key = decoder.object_key()?.map(str::to_owned);
        }
        match event_type {
            Some(event_type) => self.find(&event_type, version),
            None => Err(DecodeError::new(
                ErrorKind::MissingField,
                "no event_type: cannot tell what happened",
            )
            .at_key(EVENT_TYPE_KEY)),
        }
    }
}

/// What follows the event type in the compact form: `,"schema_version":<n>` then `,` or
/// `}` gives `Some(n)`, anything else `Some(None)` (no version named); `None` for a version
/// the general path must read (too long, not followed by a delimiter).
fn compact_version(rest: &[u8]) -> Option<Option<u32>> {
    let Some(digits) = rest.strip_prefix(b",\"schema_version\":") else {
        return Some(None);
    };
    let len = digits.iter().take_while(|c| c.is_ascii_digit()).count();
    if len == 0 || len > 9 || !matches!(digits.get(len), Some(b',' | b'}')) {
        return None;
    }
    Some(Some(
        digits[..len]
            .iter()
            .fold(0u32, |v, &c| v * 10 + u32::from(c - b'0')),
    ))
}

fn read_version(decoder: &mut Decoder<'_>) -> Result<u32, DecodeError> {
    let peek = decoder.peek()?;
    read_version_at(decoder, peek)
}

fn read_version_at(
    decoder: &mut Decoder<'_>,
    peek: crate::decoder::Peek,
) -> Result<u32, DecodeError> {
    let version = decoder
        .int(peek)
        .map_err(|e| e.at_key(SCHEMA_VERSION_KEY))?;
    u32::try_from(version).map_err(|_| {
        DecodeError::new(
            ErrorKind::OutOfRange,
            format!("schema_version {version} is not a version"),
        )
        .at_key(SCHEMA_VERSION_KEY)
    })
}

/// The events of an NDJSON body as `decode_body` reads them: its lines (found with `memchr`)
/// without surrounding whitespace, blank ones skipped.
pub fn ndjson_events(body: &[u8]) -> impl Iterator<Item = &[u8]> {
    Lines { rest: body }
}

/// [`ndjson_events`]'s iterator; `rest` is what follows the last event returned.
struct Lines<'b> {
    rest: &'b [u8],
}

impl<'b> Iterator for Lines<'b> {
    type Item = &'b [u8];

    fn next(&mut self) -> Option<&'b [u8]> {
        while !self.rest.is_empty() {
            let (line, next) = match memchr(b'\n', self.rest) {
                Some(at) => (&self.rest[..at], &self.rest[at + 1..]),
                None => (self.rest, &self.rest[self.rest.len()..]),
            };
            self.rest = next;
            let event = trim_json_whitespace(line);
            if !event.is_empty() {
                return Some(event);
            }
        }
        None
    }
}

#[cold]
fn no_event() -> DecodeError {
    DecodeError::new(
        ErrorKind::Empty,
        "the body holds no event (empty or only whitespace)",
    )
}

/// Whether `line` is one whole JSON value (any value, well-formed, nothing after it).
fn is_one_value(line: &[u8]) -> bool {
    let mut decoder = Decoder::new(line);
    decoder
        .peek()
        .and_then(|peek| decoder.skip(peek))
        .and_then(|()| decoder.finish())
        .is_ok()
}

#[cold]
fn too_large_event(len: usize, max: usize) -> DecodeError {
    DecodeError::new(
        ErrorKind::EventTooLarge,
        format!("{len} bytes, more than the maximum event size {max}"),
    )
}

/// `bytes` without leading and trailing JSON whitespace (space, tab, CR, LF: not form feed).
fn trim_json_whitespace(bytes: &[u8]) -> &[u8] {
    let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    let start = bytes.iter().position(|c| !ws(c)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|c| !ws(c)).map_or(start, |e| e + 1);
    &bytes[start..end]
}

/// Size limits applied before decoding.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// A message body over this is rejected whole (SQS allows 256 KiB; 1 MiB with extended
    /// client libraries).
    pub max_body_bytes: usize,
    /// One event over this is rejected.
    pub max_event_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            max_event_bytes: 256 * 1024,
        }
    }
}

/// What happened to one event of a body.
#[derive(Debug)]
pub enum Outcome<'a> {
    /// Appended as row `row` of the builder for registry entry `kind`.
    Accepted { kind: usize, row: usize },
    /// Not appended; `raw` is the event's bytes as received.
    Rejected { raw: &'a [u8], error: DecodeError },
}

/// Counts for one body or batch. `accepted + rejected == received` always.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub received: usize,
    pub accepted: usize,
    pub rejected: usize,
}

impl Counts {
    pub fn add(&mut self, other: Counts) {
        self.received += other.received;
        self.accepted += other.accepted;
        self.rejected += other.rejected;
    }
}

/// Most input one batch may hold. Every column byte comes from an input byte, so this keeps
/// Arrow's 32-bit string offsets from overflowing (2 GiB) with room to spare.
pub const MAX_BATCH_INPUT_BYTES: usize = 1 << 30;

/// Decodes message bodies into one batch builder per registered type.
pub struct BatchDecoder<'r> {
    registry: &'r Registry,
    /// Input bytes accepted since the last `finish`; they bound the bytes the columns hold.
    input_bytes: usize,
    builders: Vec<Option<Box<dyn EventBuilder>>>,
    limits: Limits,
    capacity: usize,
    decompressor: crate::wire::Decompressor,
    /// The events queued for grouped decoding ([`BatchDecoder::decode_bodies`]), kept from
    /// call to call for their room.
    pending: Vec<Pending>,
    /// Queued events per registry entry.
    queued: Vec<u32>,
    /// `pending`'s indices grouped by event type.
    order: Vec<u32>,
}

/// NDJSON bytes whose events [`BatchDecoder::decode_bodies`] decodes as one group: four plain
/// 64 KiB bodies. On the generator's mix, bodies grouped 256 KiB at a time decoded 8.5% faster
/// than 64 KiB bodies one at a time, and 1 MiB at a time only 7% (their lines no longer stay in
/// the L2 cache between the passes).
pub const GROUP_BYTES: usize = 256 * 1024;

/// One queued event between the passes of [`BatchDecoder::decode_bodies`]: where it is (its
/// body, by index, and its span there), and its registry entry and row once known, or why it
/// was rejected.
struct Pending {
    body: usize,
    start: usize,
    end: usize,
    result: Result<(usize, usize), DecodeError>,
}

impl<'r> BatchDecoder<'r> {
    pub fn new(registry: &'r Registry, limits: Limits, capacity: usize) -> Self {
        Self {
            registry,
            input_bytes: 0,
            builders: (0..registry.len()).map(|_| None).collect(),
            limits,
            capacity,
            decompressor: crate::wire::Decompressor::default(),
            pending: Vec::new(),
            queued: vec![0; registry.len()],
            order: Vec::new(),
        }
    }

    pub fn registry(&self) -> &'r Registry {
        self.registry
    }

    /// Bytes held by the builders, to flush before a batch grows past memory or Arrow's 2 GiB
    /// offset limit.
    pub fn byte_size(&self) -> usize {
        self.builders.iter().flatten().map(|b| b.byte_size()).sum()
    }

    /// Decodes one event (one JSON object).
    pub fn decode_event(&mut self, json: &[u8]) -> Result<(usize, usize), DecodeError> {
        self.check_event_size(json)?;
        let kind = self.registry.dispatch(json)?;
        Ok((kind, self.decode_kind(kind, json)?))
    }

    /// An event over the size limit, before anything reads it.
    fn check_event_size(&self, json: &[u8]) -> Result<(), DecodeError> {
        if json.len() > self.limits.max_event_bytes {
            return Err(too_large_event(json.len(), self.limits.max_event_bytes));
        }
        Ok(())
    }

    /// Decodes one event already dispatched to registry entry `kind`; returns its row.
    fn decode_kind(&mut self, kind: usize, json: &[u8]) -> Result<usize, DecodeError> {
        if self.input_bytes + json.len() > MAX_BATCH_INPUT_BYTES {
            return Err(DecodeError::new(
                ErrorKind::BodyTooLarge,
                format!(
                    "the batch already holds {} bytes of events; finish it before adding more",
                    self.input_bytes
                ),
            ));
        }
        let capacity = self.capacity;
        let registry = self.registry;
        let builder =
            self.builders[kind].get_or_insert_with(|| registry.kinds()[kind].new_builder(capacity));
        builder.decode(json)?;
        self.input_bytes += json.len();
        Ok(builder.len() - 1)
    }

    /// Decodes a message body: one event, or many as NDJSON (blank lines ignored), plain or
    /// compressed ([`crate::wire`]). Calls `on_event` once per event, in order, and returns
    /// the counts. A compressed body that does not decompress is one rejection, its raw bytes
    /// the body as received.
    pub fn decode_body(&mut self, body: &[u8], mut on_event: impl FnMut(Outcome<'_>)) -> Counts {
        self.decode_bodies(&[body], |_, outcome| on_event(outcome))
    }

    /// Decodes message bodies one after another, each as [`BatchDecoder::decode_body`] does:
    /// `on_event(body, outcome)` once per event, in order (`body` indexes `bodies`), and the
    /// counts of them all. Rows are appended in the same order too.
    ///
    /// Events are decoded grouped by event type, across consecutive plain bodies up to
    /// [`GROUP_BYTES`]; a compressed body is a group of its own (a 64 KiB one holds ~330 KiB of
    /// NDJSON). A realistic stream interleaves event types, and each type appends to its own
    /// 20–40 columns: decoded event by event, the other types' events evict those columns'
    /// buffers and headers from the L1 cache, and the generator's mix ran ~25% slower than its
    /// events did one type at a time (arrow_json, which fills its columns once per record
    /// batch, loses ~5%). So a first pass finds each event's type (the dispatch reads only the
    /// envelope), a second decodes the group type by type, each type's events in input order
    /// so its rows keep that order, and a third reports every outcome in input order.
    pub fn decode_bodies<B: AsRef<[u8]>>(
        &mut self,
        bodies: &[B],
        mut on_event: impl FnMut(usize, Outcome<'_>),
    ) -> Counts {
        let mut counts = Counts::default();
        let mut report = |body: usize, outcome: Outcome<'_>| {
            counts.received += 1;
            match outcome {
                Outcome::Accepted { .. } => counts.accepted += 1,
                Outcome::Rejected { .. } => counts.rejected += 1,
            }
            on_event(body, outcome);
        };
        let text = |body: usize| bodies[body].as_ref();
        let mut pending = std::mem::take(&mut self.pending);
        pending.clear();
        let mut group_bytes = 0;
        for (index, body) in bodies.iter().enumerate() {
            let body = body.as_ref();
            let compressed =
                body.len() <= self.limits.max_body_bytes && crate::wire::is_compressed(body);
            if !compressed {
                match self.queue(index, body, &mut pending) {
                    Ok(()) => {
                        group_bytes += body.len();
                        if group_bytes >= GROUP_BYTES {
                            self.decode_queued(&mut pending, text, &mut report);
                            group_bytes = 0;
                        }
                    }
                    Err(lines) => {
                        // Decoded on its own, after the group before it, so rows keep the
                        // input order.
                        self.decode_queued(&mut pending, text, &mut report);
                        group_bytes = 0;
                        self.decode_alone(body, lines, &mut pending, &mut |o| report(index, o));
                    }
                }
                continue;
            }
            // A compressed body is a group of its own, after the group before it.
            self.decode_queued(&mut pending, text, &mut report);
            group_bytes = 0;
            // Lent out for the body: the NDJSON borrows it while the builders are written.
            let mut decompressor = std::mem::take(&mut self.decompressor);
            match decompressor.decompress(body, self.limits.max_body_bytes) {
                Ok(ndjson) => match self.queue(index, ndjson, &mut pending) {
                    Ok(()) => self.decode_queued(&mut pending, |_| ndjson, &mut report),
                    Err(lines) => {
                        self.decode_alone(ndjson, lines, &mut pending, &mut |o| report(index, o))
                    }
                },
                Err(error) => report(index, Outcome::Rejected { raw: body, error }),
            }
            self.decompressor = decompressor;
        }
        self.decode_queued(&mut pending, text, &mut report);
        self.pending = pending;
        counts
    }

    /// Queues the events of the NDJSON body `text` (body `body` of the call) for
    /// [`BatchDecoder::decode_queued`], each with its registry entry or why it is rejected
    /// unread (too large, no known event type); a body over the size limit, or with no event,
    /// is one rejection. Queues nothing when the first line is not a whole JSON value and more
    /// lines follow: perhaps a pretty-printed event, which [`BatchDecoder::decode_alone`] tries
    /// whole; then returns the body's lines, from the first.
    fn queue<'b>(
        &mut self,
        body: usize,
        text: &'b [u8],
        pending: &mut Vec<Pending>,
    ) -> Result<(), Lines<'b>> {
        let whole = |error| Pending {
            body,
            start: 0,
            end: text.len(),
            result: Err(error),
        };
        if text.len() > self.limits.max_body_bytes {
            pending.push(whole(DecodeError::new(
                ErrorKind::BodyTooLarge,
                format!(
                    "{} bytes, more than the maximum body size {}",
                    text.len(),
                    self.limits.max_body_bytes
                ),
            )));
            return Ok(());
        }
        let mut lines = Lines { rest: text };
        let Some(first) = lines.next() else {
            pending.push(whole(no_event()));
            return Ok(());
        };
        if !lines.rest.is_empty() && !is_one_value(first) {
            return Err(Lines { rest: text });
        }
        self.queue_lines(body, text, std::iter::once(first).chain(lines), pending);
        Ok(())
    }

    fn queue_lines<'b>(
        &mut self,
        body: usize,
        text: &'b [u8],
        lines: impl Iterator<Item = &'b [u8]>,
        pending: &mut Vec<Pending>,
    ) {
        for event in lines {
            let start = event.as_ptr() as usize - text.as_ptr() as usize;
            let result = self
                .check_event_size(event)
                .and_then(|()| self.registry.dispatch(event))
                .map(|kind| {
                    self.queued[kind] += 1;
                    (kind, 0)
                });
            pending.push(Pending {
                body,
                start,
                end: start + event.len(),
                result,
            });
        }
    }

    /// A body whose first line is not a whole JSON value (`lines`, from that line, as
    /// [`BatchDecoder::queue`] returns them): decodes that line alone, and if it is cut-off
    /// JSON, tries the whole body as one (pretty-printed) event before treating the lines as
    /// separate events; the rest of the lines are decoded as a group.
    fn decode_alone<'b>(
        &mut self,
        text: &'b [u8],
        mut lines: Lines<'b>,
        pending: &mut Vec<Pending>,
        report: &mut impl FnMut(Outcome<'b>),
    ) {
        let Some(event) = lines.next() else {
            return;
        };
        let outcome = self.decode_event(event);
        if !lines.rest.is_empty()
            && let Err(error) = &outcome
            && error.kind == ErrorKind::MalformedJson
            && let Ok((kind, row)) = self.decode_event(trim_json_whitespace(text))
        {
            return report(Outcome::Accepted { kind, row });
        }
        report(match outcome {
            Ok((kind, row)) => Outcome::Accepted { kind, row },
            Err(error) => Outcome::Rejected { raw: event, error },
        });
        // One body's group: its index is not needed, `text` is the only text.
        self.queue_lines(0, text, lines, pending);
        self.decode_queued(pending, |_| text, &mut |_, outcome| report(outcome));
    }

    /// Decodes the queued events grouped by event type (a stable counting sort by registry
    /// entry), then reports every outcome in input order and empties the queue.
    ///
    /// Grouped or in input order, the events decode the same, except where the batch's input
    /// limit ([`MAX_BATCH_INPUT_BYTES`]) falls inside the group: which events it rejects then
    /// depends on the order. So a group that could reach the limit is decoded in input order,
    /// as every group is when each body is decoded alone.
    fn decode_queued<'b>(
        &mut self,
        pending: &mut Vec<Pending>,
        text: impl Fn(usize) -> &'b [u8],
        report: &mut impl FnMut(usize, Outcome<'b>),
    ) {
        if pending.is_empty() {
            return;
        }
        let mut order = std::mem::take(&mut self.order);
        order.clear();
        let bytes: usize = pending
            .iter()
            .filter(|event| event.result.is_ok())
            .map(|event| event.end - event.start)
            .sum();
        if self.input_bytes + bytes > MAX_BATCH_INPUT_BYTES {
            order.extend(0..pending.len() as u32);
        } else {
            // Where each registry entry's events start in `order`.
            let mut next = 0;
            for queued in &mut self.queued {
                let count = *queued;
                *queued = next;
                next += count;
            }
            order.resize(next as usize, 0);
            for (index, event) in pending.iter().enumerate() {
                if let Ok((kind, _)) = event.result {
                    order[self.queued[kind] as usize] = index as u32;
                    self.queued[kind] += 1;
                }
            }
        }
        self.queued.fill(0);
        for &index in &order {
            let event = &mut pending[index as usize];
            if let Ok((kind, row)) = &mut event.result {
                match self.decode_kind(*kind, &text(event.body)[event.start..event.end]) {
                    Ok(decoded) => *row = decoded,
                    Err(error) => event.result = Err(error),
                }
            }
        }
        self.order = order;
        for event in pending.drain(..) {
            let body = event.body;
            report(
                body,
                match event.result {
                    Ok((kind, row)) => Outcome::Accepted { kind, row },
                    Err(error) => Outcome::Rejected {
                        raw: &text(body)[event.start..event.end],
                        error,
                    },
                },
            );
        }
    }

    /// Input bytes held since the last `finish`: callers flush well before
    /// [`MAX_BATCH_INPUT_BYTES`].
    pub fn input_bytes(&self) -> usize {
        self.input_bytes
    }

    /// Finishes every non-empty builder: `(registry index, batch)` pairs, in registry order.
    pub fn finish(&mut self) -> Result<Vec<(usize, RecordBatch)>, ArrowError> {
        self.input_bytes = 0;
        let mut batches = Vec::new();
        for (kind, builder) in self.builders.iter_mut().enumerate() {
            if let Some(builder) = builder
                && !builder.is_empty()
            {
                batches.push((kind, builder.finish()?));
            }
        }
        Ok(batches)
    }

    /// Rows currently held for registry entry `kind`.
    pub fn rows(&self, kind: usize) -> usize {
        self.builders[kind].as_ref().map_or(0, |b| b.len())
    }
}
