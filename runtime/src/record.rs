//! Records (structs of fields) and events (records with a type name and version): the traits
//! the derive implements, and the generic code that decodes, builds and finishes them.

use std::marker::PhantomData;
use std::sync::Arc;

use arrow::array::{ArrayRef, DictionaryArray, Int8Array, StringArray, StructArray};
use arrow::datatypes::{DataType, FieldRef, Int8Type};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use serde::Serialize;
use serde::ser::SerializeMap;

use crate::column::{Column, Validity};
use crate::decoder::{Decoder, KeyToken, Peek};
use crate::descriptor::{EVENT_TYPE_KEY, EventDescriptor, FieldDesc, SCHEMA_VERSION_KEY};
use crate::error::{DecodeError, ErrorKind};
use crate::fake::Faker;

/// A struct whose fields are columns. Implemented by `#[derive(BehaviorRecord)]` and
/// `#[derive(BehaviorEvent)]`.
pub trait Record: Sized + 'static {
    type Columns: RecordColumns<Self>;
    /// Fields being collected by `Deserialize` (see [`crate::de`]).
    type Partial: crate::de::RecordPartial<Self>;
    /// Columns this record contributes, flattened records included. At most 126, so one
    /// `u128` tracks which were seen (two bits are the event envelope's).
    const FIELD_COUNT: u32;

    /// Appends the descriptors of this record's fields, in wire order.
    fn describe_fields(out: &mut Vec<FieldDesc>);

    /// A random record satisfying every field's rules.
    fn fake_record(faker: &mut Faker) -> Self;

    /// Writes this record's fields as entries of an enclosing JSON object.
    fn serialize_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error>;
}

/// The descriptors of a record's fields.
pub fn describe<R: Record>() -> Vec<FieldDesc> {
    let mut fields = Vec::with_capacity(R::FIELD_COUNT as usize);
    R::describe_fields(&mut fields);
    fields
}

/// The column builders of a record, one per field (generated).
pub trait RecordColumns<R>: Send + 'static {
    fn with_capacity(rows: usize) -> Self;
    fn append(&mut self, record: &R);
    /// The index of the field with this wire name, among `0..R::FIELD_COUNT`.
    fn field_index(key: &str) -> Option<u32>;
    /// Decodes the value of field `index`; errors carry the field's name in their path.
    fn decode_field(
        &mut self,
        index: u32,
        decoder: &mut Decoder<'_>,
        peek: Peek,
    ) -> Result<(), DecodeError>;
    /// After the object's last key: nulls for absent optional fields, an error for absent
    /// required ones. `seen` has bit `i` set for each field `i` present.
    fn complete(&mut self, seen: u128) -> Result<(), DecodeError>;
    fn append_null(&mut self);
    fn truncate(&mut self, len: usize);
    fn byte_size(&self) -> usize;
    /// Finishes one array per field, taking each field's type from `fields` in order.
    fn finish(&mut self, fields: &mut std::slice::Iter<'_, FieldRef>, out: &mut Vec<ArrayRef>);
}

#[cold]
fn unknown_field(key: &str) -> DecodeError {
    DecodeError::new(ErrorKind::UnknownField, format!("unknown field {key:?}")).at_key(key)
}

/// A required field absent from its object (what generated `complete` returns).
#[cold]
pub fn missing_field(key: &str) -> DecodeError {
    DecodeError::new(
        ErrorKind::MissingField,
        format!("required field {key:?} is missing"),
    )
    .at_key(key)
}

/// A string outside an enum's values.
#[cold]
pub fn not_in_enum(value: &str, values: &[&str]) -> DecodeError {
    DecodeError::new(
        ErrorKind::NotInEnum,
        format!("{value:?} is not one of {values:?}"),
    )
}

// Errors are built out of line, in one copy, rather than formatted inside each event type's
// decoder, whose code the realistic mix of types runs through in turn (simulated
// instruction-cache misses on the mix: −29%; wall time within this VM's noise).
#[cold]
#[inline(never)]
fn wrong_event_type(name: &str, expected: &str) -> DecodeError {
    DecodeError::new(
        ErrorKind::UnknownEventType,
        format!("event_type {name:?} where {expected:?} was expected"),
    )
    .at_key(EVENT_TYPE_KEY)
}

#[cold]
#[inline(never)]
fn wrong_version(version: i64, expected: u32) -> DecodeError {
    DecodeError::new(
        ErrorKind::UnknownEventType,
        format!("schema_version {version} where {expected} was expected"),
    )
    .at_key(SCHEMA_VERSION_KEY)
}

#[cold]
fn duplicate_field(key: &str) -> DecodeError {
    DecodeError::new(
        ErrorKind::DuplicateField,
        format!("field {key:?} appears twice"),
    )
    .at_key(key)
}

/// A record's keys in wire order with their field indices: the order producers write them in,
/// which the decoder tries first.
pub type KeyOrder = Vec<(KeyToken, u32)>;

/// The key order of record `R`'s own fields (flattened records inlined).
pub fn key_order<R: Record>() -> KeyOrder {
    describe::<R>()
        .iter()
        .enumerate()
        .map(|(i, f)| (KeyToken::new(f.name), i as u32))
        .collect()
}

/// Decodes one JSON object into a record's columns. `envelope` handles keys the record does
/// not declare (the event's `event_type` and `schema_version`, whose indices `envelope_index`
/// gives, at `R::FIELD_COUNT` and up); `order` lists every key in the order producers write
/// them.
#[inline]
fn decode_object<R: Record>(
    decoder: &mut Decoder<'_>,
    peek: Peek,
    columns: &mut R::Columns,
    expected: &str,
    order: &[(KeyToken, u32)],
    envelope: impl FnMut(&mut Decoder<'_>, u32) -> Result<(), DecodeError>,
    envelope_index: impl Fn(&str) -> Option<u32>,
) -> Result<(), DecodeError> {
    // The set of keys seen fits a u64 for records of up to 62 fields (every record so far):
    // a 128-bit shift costs several instructions on every key of every event.
    if R::FIELD_COUNT + 2 <= u64::BITS {
        decode_keys::<R, u64>(
            decoder,
            peek,
            columns,
            expected,
            order,
            envelope,
            envelope_index,
        )
    } else {
        decode_keys::<R, u128>(
            decoder,
            peek,
            columns,
            expected,
            order,
            envelope,
            envelope_index,
        )
    }
}

/// Field indices seen in one object, for [`decode_object`]: a bit per index.
trait FieldSet: Copy {
    const EMPTY: Self;
    /// Adds `index`; false if it was already there.
    fn insert(&mut self, index: u32) -> bool;
    fn bits(self) -> u128;
}

impl FieldSet for u64 {
    const EMPTY: Self = 0;
    #[inline(always)]
    fn insert(&mut self, index: u32) -> bool {
        debug_assert!(index < u64::BITS);
        let bit = 1u64 << index;
        let new = *self & bit == 0;
        *self |= bit;
        new
    }
    fn bits(self) -> u128 {
        u128::from(self)
    }
}

impl FieldSet for u128 {
    const EMPTY: Self = 0;
    #[inline(always)]
    fn insert(&mut self, index: u32) -> bool {
        let bit = 1u128 << index;
        let new = *self & bit == 0;
        *self |= bit;
        new
    }
    fn bits(self) -> u128 {
        self
    }
}

#[inline(always)]
fn decode_keys<R: Record, S: FieldSet>(
    decoder: &mut Decoder<'_>,
    peek: Peek,
    columns: &mut R::Columns,
    expected: &str,
    order: &[(KeyToken, u32)],
    mut envelope: impl FnMut(&mut Decoder<'_>, u32) -> Result<(), DecodeError>,
    envelope_index: impl Fn(&str) -> Option<u32>,
) -> Result<(), DecodeError> {
    let mut seen = S::EMPTY;
    let mut cursor = 0;
    let mut first = true;
    decoder.object_enter(peek, expected)?;
    loop {
        let index = match order.get(cursor) {
            Some((key, index)) if decoder.key_is(first, key) => {
                cursor += 1;
                *index
            }
            _ => {
                let Some(name) = decoder.next_key(first)? else {
                    break;
                };
                let Some(index) = R::Columns::field_index(name).or_else(|| envelope_index(name))
                else {
                    return Err(unknown_field(name));
                };
                // Producers that skip a key (an absent optional field) resume the order here.
                cursor = order
                    .iter()
                    .position(|e| e.1 == index)
                    .map_or(order.len(), |p| p + 1);
                index
            }
        };
        first = false;
        if !seen.insert(index) {
            let name = order
                .iter()
                .find(|e| e.1 == index)
                .map_or("?", |e| e.0.name());
            return Err(duplicate_field(name));
        }
        if index < R::FIELD_COUNT {
            let peek = decoder.peek()?;
            columns.decode_field(index, decoder, peek)?;
        } else {
            envelope(decoder, index)?;
        }
    }
    columns.complete(seen.bits())
}

/// The column of a nested record (`Vec<LineItem>`, `Option<Address>`): Arrow `Struct`.
pub struct StructColumn<R: Record> {
    pub columns: R::Columns,
    nulls: Validity,
    order: KeyOrder,
}

impl<R: Record> StructColumn<R> {
    #[inline]
    pub fn push(&mut self, record: &R) {
        self.columns.append(record);
        self.nulls.append_non_null();
    }

    /// Decodes a JSON object as one struct row (what the derive's `ColumnType::decode` calls).
    #[inline]
    pub fn decode(&mut self, decoder: &mut Decoder<'_>, peek: Peek) -> Result<(), DecodeError> {
        decode_object::<R>(
            decoder,
            peek,
            &mut self.columns,
            "an object",
            &self.order,
            |_, _| Ok(()),
            |_| None,
        )?;
        self.nulls.append_non_null();
        Ok(())
    }
}

impl<R: Record> Column for StructColumn<R> {
    fn with_capacity(rows: usize) -> Self {
        Self {
            columns: R::Columns::with_capacity(rows),
            nulls: Validity::default(),
            order: key_order::<R>(),
        }
    }

    fn len(&self) -> usize {
        self.nulls.len()
    }

    fn append_null(&mut self) {
        self.columns.append_null();
        self.nulls.append_null();
    }

    fn truncate(&mut self, len: usize) {
        // Children can be ahead of `nulls` when a row failed half-way, so always cut them.
        self.columns.truncate(len);
        if len < self.nulls.len() {
            self.nulls.truncate(len);
        }
    }

    fn byte_size(&self) -> usize {
        self.columns.byte_size()
    }

    fn finish(&mut self, data_type: &DataType) -> ArrayRef {
        let DataType::Struct(fields) = data_type else {
            unreachable!("the type table maps records to Struct")
        };
        let mut arrays = Vec::with_capacity(fields.len());
        self.columns.finish(&mut fields.iter(), &mut arrays);
        // SAFETY: one array per field, each of the field's type (taken from `fields`), all of
        // the same length (every row appends to every column, or is truncated from all).
        Arc::new(unsafe { StructArray::new_unchecked(fields.clone(), arrays, self.nulls.finish()) })
    }
}

/// An event type: a record with a registered name and schema version.
/// Implemented by `#[derive(BehaviorEvent)]`.
pub trait Event: Record + Serialize {
    const EVENT_TYPE: &'static str;
    const VERSION: u32;
    const DOC: &'static str;

    /// Computed once per type (the derive emits the static).
    fn descriptor() -> &'static EventDescriptor;
}

/// Builds the descriptor of an event type (what the generated `descriptor()` caches).
pub fn build_descriptor<E: Event>() -> EventDescriptor {
    EventDescriptor::new(
        E::EVENT_TYPE,
        E::VERSION,
        E::DOC,
        std::any::type_name::<E>(),
        describe::<E>(),
    )
}

/// Serializes an event as its flat wire object (what the generated `Serialize` calls).
pub fn serialize_event<E: Event, S: serde::Serializer>(
    event: &E,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(None)?;
    map.serialize_entry(EVENT_TYPE_KEY, E::EVENT_TYPE)?;
    map.serialize_entry(SCHEMA_VERSION_KEY, &E::VERSION)?;
    event.serialize_fields(&mut map)?;
    map.end()
}

/// Columnar builder for a batch of one event type: append events or decode JSON, then finish
/// a `RecordBatch` whose schema is the type's Arrow schema.
pub struct EventBatchBuilder<E: Event> {
    columns: E::Columns,
    order: KeyOrder,
    rows: usize,
    tape: Vec<u8>,
    event: PhantomData<fn() -> E>,
}

impl<E: Event> EventBatchBuilder<E> {
    pub fn with_capacity(capacity: usize) -> Self {
        // The envelope first, as `serialize_event` writes it.
        let mut order = vec![
            (KeyToken::new(EVENT_TYPE_KEY), E::FIELD_COUNT),
            (KeyToken::new(SCHEMA_VERSION_KEY), E::FIELD_COUNT + 1),
        ];
        order.extend(key_order::<E>());
        Self {
            columns: E::Columns::with_capacity(capacity),
            order,
            rows: 0,
            tape: Vec::new(),
            event: PhantomData,
        }
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    pub fn byte_size(&self) -> usize {
        self.columns.byte_size()
    }

    /// Appends an in-memory event.
    pub fn push(&mut self, event: &E) {
        self.columns.append(event);
        self.rows += 1;
    }

    /// Decodes one JSON object (and nothing after it but whitespace) into the columns. On any
    /// error the builder is exactly as before the call.
    pub fn decode(&mut self, json: &[u8]) -> Result<(), DecodeError> {
        let mut decoder = Decoder::with_tape(json, std::mem::take(&mut self.tape));
        let result = self.decode_from(&mut decoder);
        self.tape = decoder.into_tape();
        result
    }

    fn decode_from(&mut self, decoder: &mut Decoder<'_>) -> Result<(), DecodeError> {
        let result = decoder
            .peek()
            .and_then(|peek| self.decode_object(decoder, peek))
            .and_then(|()| decoder.finish());
        match result {
            Ok(()) => {
                self.rows += 1;
                Ok(())
            }
            Err(error) => {
                self.columns.truncate(self.rows);
                Err(error.for_event_type(E::EVENT_TYPE))
            }
        }
    }

    #[inline]
    fn decode_object(&mut self, decoder: &mut Decoder<'_>, peek: Peek) -> Result<(), DecodeError> {
        let type_index = E::FIELD_COUNT;
        let version_index = E::FIELD_COUNT + 1;
        decode_object::<E>(
            decoder,
            peek,
            &mut self.columns,
            "an event object",
            &self.order,
            |decoder, index| {
                let peek = decoder.peek()?;
                if index == type_index {
                    // Event type names are snake_case (the derive checks), so plain bytes.
                    if decoder.plain_str_is(peek, E::EVENT_TYPE) {
                        return Ok(());
                    }
                    let name = decoder
                        .str(peek, "a string")
                        .map_err(|e| e.at_key(EVENT_TYPE_KEY))?;
                    if name != E::EVENT_TYPE {
                        return Err(wrong_event_type(name, E::EVENT_TYPE));
                    }
                } else {
                    let version = decoder
                        .int(peek)
                        .map_err(|e| e.at_key(SCHEMA_VERSION_KEY))?;
                    if version != i64::from(E::VERSION) {
                        return Err(wrong_version(version, E::VERSION));
                    }
                }
                Ok(())
            },
            |key| match key {
                EVENT_TYPE_KEY => Some(type_index),
                SCHEMA_VERSION_KEY => Some(version_index),
                _ => None,
            },
        )?;
        Ok(())
    }

    /// Finishes the batch and resets the builder for the next one.
    pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let schema = E::descriptor().arrow_schema();
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
        let keys = Int8Array::from(vec![0i8; self.rows]);
        let values: ArrayRef = Arc::new(StringArray::from(vec![E::EVENT_TYPE]));
        arrays.push(Arc::new(DictionaryArray::<Int8Type>::try_new(
            keys, values,
        )?));
        let mut fields = schema.fields()[1..].iter();
        // Each column resets itself, keeping its room for the next batch.
        self.columns.finish(&mut fields, &mut arrays);
        self.rows = 0;
        RecordBatch::try_new(schema, arrays)
    }
}

/// An event type with its Rust type erased: what the registry holds.
pub trait EventKind: Send + Sync + 'static {
    fn descriptor(&self) -> &'static EventDescriptor;
    fn new_builder(&self, capacity: usize) -> Box<dyn EventBuilder>;
    /// Appends one fake event, serialized as its wire JSON, to `out`.
    fn fake_json(&self, faker: &mut Faker, out: &mut Vec<u8>);
    /// `count` fake events: their wire JSON, and the batch built from the structs themselves
    /// (not through JSON), for round-trip tests and benchmarks.
    fn fake_sample(
        &self,
        faker: &mut Faker,
        count: usize,
    ) -> Result<(Vec<Vec<u8>>, RecordBatch), ArrowError>;
}

/// A batch builder with its event type erased.
pub trait EventBuilder: Send {
    fn descriptor(&self) -> &'static EventDescriptor;
    fn decode(&mut self, json: &[u8]) -> Result<(), DecodeError>;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn byte_size(&self) -> usize;
    fn finish(&mut self) -> Result<RecordBatch, ArrowError>;
}

/// The registry entry of event type `E`.
pub struct Kind<E>(PhantomData<fn() -> E>);

impl<E> Kind<E> {
    pub const NEW: Self = Kind(PhantomData);
}

impl<E: Event> EventKind for Kind<E> {
    fn descriptor(&self) -> &'static EventDescriptor {
        E::descriptor()
    }

    fn new_builder(&self, capacity: usize) -> Box<dyn EventBuilder> {
        Box::new(EventBatchBuilder::<E>::with_capacity(capacity))
    }

    fn fake_json(&self, faker: &mut Faker, out: &mut Vec<u8>) {
        let event = E::fake_record(faker);
        // Serializing derive-generated types into a Vec cannot fail.
        let _ = serde_json::to_writer(out, &event);
    }

    fn fake_sample(
        &self,
        faker: &mut Faker,
        count: usize,
    ) -> Result<(Vec<Vec<u8>>, RecordBatch), ArrowError> {
        let mut builder = EventBatchBuilder::<E>::with_capacity(count);
        let mut jsons = Vec::with_capacity(count);
        for _ in 0..count {
            let event = E::fake_record(faker);
            builder.push(&event);
            jsons.push(
                serde_json::to_vec(&event).map_err(|e| ArrowError::ExternalError(Box::new(e)))?,
            );
        }
        Ok((jsons, builder.finish()?))
    }
}

impl<E: Event> EventBuilder for EventBatchBuilder<E> {
    fn descriptor(&self) -> &'static EventDescriptor {
        E::descriptor()
    }

    fn decode(&mut self, json: &[u8]) -> Result<(), DecodeError> {
        EventBatchBuilder::decode(self, json)
    }

    fn len(&self) -> usize {
        self.rows
    }

    fn byte_size(&self) -> usize {
        EventBatchBuilder::byte_size(self)
    }

    fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        EventBatchBuilder::finish(self)
    }
}
