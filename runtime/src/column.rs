//! Column builders: growable Arrow buffers that can also be cut back.
//!
//! Arrow's own builders cannot truncate, and a decoder that appends field by field must undo a
//! half-decoded event when a later field turns out to be invalid. These builders keep plain
//! vectors, truncate in O(1), and hand their buffers to Arrow once per batch.

use std::marker::PhantomData;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, BooleanBufferBuilder, DictionaryArray, Int8Array, ListArray,
    PrimitiveArray, StringArray,
};
use arrow::buffer::{BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{ArrowPrimitiveType, DataType, Int8Type};

/// A column being built for one batch.
pub trait Column: Send + 'static {
    fn with_capacity(rows: usize) -> Self;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn append_null(&mut self);
    /// Drops every row from `len` on.
    fn truncate(&mut self, len: usize);
    /// Bytes held, to bound a batch's memory.
    fn byte_size(&self) -> usize;
    /// Finishes the batch and resets the builder, with room for as many rows as it just held.
    /// `data_type` comes from the schema (the type table decides it, not the builder), so
    /// every array carries exactly the declared type.
    fn finish(&mut self, data_type: &DataType) -> ArrayRef;
}

/// Takes the rows out of `v` and leaves it empty with the same room: the next batch is likely
/// the size of this one, so its buffers need not grow (and be copied) again.
fn take_keeping_capacity<T>(v: &mut Vec<T>) -> Vec<T> {
    let capacity = v.capacity();
    std::mem::replace(v, Vec::with_capacity(capacity))
}

/// [`take_keeping_capacity`] for offsets, which restart at 0.
fn take_offsets(offsets: &mut Vec<i32>) -> Vec<i32> {
    let taken = take_keeping_capacity(offsets);
    offsets.push(0);
    taken
}

/// Which rows of a column are valid (not null): nothing until the first null, as most
/// columns never get one, then a bit per row in 64-bit words.
///
/// Arrow's `NullBufferBuilder` does the same, but resizes its byte buffer through a call every
/// eighth row; optional fields append a bit on every event.
#[derive(Default)]
pub struct Validity {
    len: usize,
    /// Empty until the first null; then `len.div_ceil(64)` words, bits past `len` clear.
    words: Vec<u64>,
}

impl Validity {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline(always)]
    pub fn append_non_null(&mut self) {
        if !self.words.is_empty() {
            self.push_bit(true);
        }
        self.len += 1;
    }

    #[inline]
    pub fn append_null(&mut self) {
        if self.words.is_empty() {
            self.materialize();
        }
        self.push_bit(false);
        self.len += 1;
    }

    /// Sets bit `len` (the words are materialized).
    #[inline(always)]
    fn push_bit(&mut self, valid: bool) {
        let bit = self.len % 64;
        if bit == 0 {
            self.words.push(0);
        }
        if let Some(word) = self.words.last_mut() {
            *word |= u64::from(valid) << bit;
        }
    }

    /// Every row so far valid, as bits.
    #[cold]
    fn materialize(&mut self) {
        self.words = vec![u64::MAX; self.len / 64];
        if !self.len.is_multiple_of(64) {
            self.words.push((1 << (self.len % 64)) - 1);
        }
    }

    /// Drops every row from `len` on.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        self.len = len;
        if !self.words.is_empty() {
            self.words.truncate(len.div_ceil(64));
            if !len.is_multiple_of(64)
                && let Some(word) = self.words.last_mut()
            {
                *word &= (1 << (len % 64)) - 1;
            }
        }
    }

    /// The validity of the rows so far (`None`: all valid), and a reset for the next batch.
    pub fn finish(&mut self) -> Option<NullBuffer> {
        let len = std::mem::take(&mut self.len);
        let mut words = std::mem::take(&mut self.words);
        if words.is_empty() {
            return None;
        }
        // Arrow's bitmaps are little-endian bytes: bit i is bit i % 8 of byte i / 8.
        for word in &mut words {
            *word = word.to_le();
        }
        Some(NullBuffer::new(BooleanBuffer::new(
            Buffer::from_vec(words),
            0,
            len,
        )))
    }
}

/// Variable-length UTF-8 strings (Arrow `Utf8`). `ROW_BYTES` is the text bytes reserved per
/// row of capacity: buffers that start near their final size are not copied as they grow.
/// Event strings run from country codes to user agents and URLs of 50-150 bytes; 32 is their
/// typical middle.
pub struct Utf8Column<const ROW_BYTES: usize = 32> {
    offsets: Vec<i32>,
    values: Vec<u8>,
    nulls: Validity,
}

impl<const ROW_BYTES: usize> Utf8Column<ROW_BYTES> {
    /// Appends the value `write` appends to the text buffer (a decoder copying straight into
    /// it), if `write` succeeds; on error the column is as before.
    ///
    /// # Safety
    /// `write` must append only valid UTF-8 (the array is built without re-checking it).
    #[inline(always)]
    pub unsafe fn push_with<E>(
        &mut self,
        write: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
    ) -> Result<(), E> {
        let base = self.values.len();
        match write(&mut self.values) {
            Ok(()) => {
                self.offsets.push(self.values.len() as i32);
                self.nulls.append_non_null();
                Ok(())
            }
            Err(error) => {
                self.values.truncate(base);
                Err(error)
            }
        }
    }

    #[inline(always)]
    pub fn push(&mut self, value: &str) {
        self.values.extend_from_slice(value.as_bytes());
        // Batches hold at most 1 GiB of input (`MAX_BATCH_INPUT_BYTES`), so offsets fit.
        self.offsets.push(self.values.len() as i32);
        self.nulls.append_non_null();
    }
}

impl<const ROW_BYTES: usize> Column for Utf8Column<ROW_BYTES> {
    fn with_capacity(rows: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        Self {
            offsets,
            values: Vec::with_capacity(rows * ROW_BYTES),
            nulls: Validity::default(),
        }
    }

    fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    fn append_null(&mut self) {
        self.offsets.push(self.values.len() as i32);
        self.nulls.append_null();
    }

    fn truncate(&mut self, len: usize) {
        if len < self.len() {
            self.offsets.truncate(len + 1);
            self.values.truncate(self.offsets[len] as usize);
            self.nulls.truncate(len);
        }
    }

    fn byte_size(&self) -> usize {
        self.values.len() + self.offsets.len() * 4
    }

    fn finish(&mut self, _data_type: &DataType) -> ArrayRef {
        let offsets = take_offsets(&mut self.offsets);
        let values = take_keeping_capacity(&mut self.values);
        let nulls = self.nulls.finish();
        // SAFETY: offsets start at 0 and never decrease, and `values` is only ever extended
        // with whole `&str`s, so every slice between offsets is valid UTF-8.
        let array = unsafe {
            StringArray::new_unchecked(
                OffsetBuffer::new_unchecked(ScalarBuffer::from(offsets)),
                Buffer::from_vec(values),
                nulls,
            )
        };
        Arc::new(array)
    }
}

/// Fixed-width values (integers, floats, decimals, timestamps, dates).
pub struct PrimitiveColumn<T: ArrowPrimitiveType> {
    values: Vec<T::Native>,
    nulls: Validity,
}

impl<T: ArrowPrimitiveType> PrimitiveColumn<T> {
    #[inline]
    pub fn push(&mut self, value: T::Native) {
        self.values.push(value);
        self.nulls.append_non_null();
    }
}

impl<T: ArrowPrimitiveType> Column for PrimitiveColumn<T> {
    fn with_capacity(rows: usize) -> Self {
        Self {
            values: Vec::with_capacity(rows),
            nulls: Validity::default(),
        }
    }

    fn len(&self) -> usize {
        self.values.len()
    }

    fn append_null(&mut self) {
        self.values.push(T::Native::default());
        self.nulls.append_null();
    }

    fn truncate(&mut self, len: usize) {
        if len < self.len() {
            self.values.truncate(len);
            self.nulls.truncate(len);
        }
    }

    fn byte_size(&self) -> usize {
        self.values.len() * std::mem::size_of::<T::Native>()
    }

    fn finish(&mut self, data_type: &DataType) -> ArrayRef {
        let values = ScalarBuffer::from(take_keeping_capacity(&mut self.values));
        Arc::new(
            PrimitiveArray::<T>::new(values, self.nulls.finish()).with_data_type(data_type.clone()),
        )
    }
}

/// Booleans, bit-packed.
pub struct BoolColumn {
    values: BooleanBufferBuilder,
    nulls: Validity,
}

impl BoolColumn {
    #[inline]
    pub fn push(&mut self, value: bool) {
        self.values.append(value);
        self.nulls.append_non_null();
    }
}

impl Column for BoolColumn {
    fn with_capacity(rows: usize) -> Self {
        Self {
            values: BooleanBufferBuilder::new(rows),
            nulls: Validity::default(),
        }
    }

    fn len(&self) -> usize {
        self.values.len()
    }

    fn append_null(&mut self) {
        self.values.append(false);
        self.nulls.append_null();
    }

    fn truncate(&mut self, len: usize) {
        if len < self.len() {
            self.values.truncate(len);
            self.nulls.truncate(len);
        }
    }

    fn byte_size(&self) -> usize {
        self.values.len() / 8
    }

    fn finish(&mut self, _data_type: &DataType) -> ArrayRef {
        Arc::new(BooleanArray::new(self.values.finish(), self.nulls.finish()))
    }
}

/// A closed set of strings known at compile time, stored as `Dictionary(Int8, Utf8)`: the
/// decoder appends a key, never the text.
pub struct DictColumn<V: DictValues> {
    keys: Vec<i8>,
    nulls: Validity,
    values: PhantomData<V>,
}

/// The values of a dictionary column.
pub trait DictValues: Send + 'static {
    fn values() -> &'static [&'static str];
}

impl<V: DictValues> DictColumn<V> {
    #[inline]
    pub fn push(&mut self, key: i8) {
        self.keys.push(key);
        self.nulls.append_non_null();
    }
}

impl<V: DictValues> Column for DictColumn<V> {
    fn with_capacity(rows: usize) -> Self {
        Self {
            keys: Vec::with_capacity(rows),
            nulls: Validity::default(),
            values: PhantomData,
        }
    }

    fn len(&self) -> usize {
        self.keys.len()
    }

    fn append_null(&mut self) {
        self.keys.push(0);
        self.nulls.append_null();
    }

    fn truncate(&mut self, len: usize) {
        if len < self.len() {
            self.keys.truncate(len);
            self.nulls.truncate(len);
        }
    }

    fn byte_size(&self) -> usize {
        self.keys.len()
    }

    fn finish(&mut self, _data_type: &DataType) -> ArrayRef {
        let keys = Int8Array::new(
            ScalarBuffer::from(take_keeping_capacity(&mut self.keys)),
            self.nulls.finish(),
        );
        let values: ArrayRef = Arc::new(StringArray::from(V::values().to_vec()));
        // SAFETY: every key was produced from an index into `V::values()` (checked < its length
        // by `DictColumn::push` callers, which map a matched value to its position).
        Arc::new(unsafe { DictionaryArray::<Int8Type>::new_unchecked(keys, values) })
    }
}

/// Variable-length lists of one child column.
pub struct ListColumn<C: Column> {
    offsets: Vec<i32>,
    pub child: C,
    nulls: Validity,
}

impl<C: Column> ListColumn<C> {
    /// Closes the list whose elements were just appended to `child`.
    #[inline]
    pub fn close(&mut self) {
        self.offsets.push(self.child.len() as i32);
        self.nulls.append_non_null();
    }

    /// Elements appended to the child since the last closed list.
    #[inline]
    pub fn open_len(&self) -> usize {
        self.child.len() - *self.offsets.last().unwrap_or(&0) as usize
    }
}

impl<C: Column> Column for ListColumn<C> {
    fn with_capacity(rows: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        Self {
            offsets,
            child: C::with_capacity(rows * 2),
            nulls: Validity::default(),
        }
    }

    fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    fn append_null(&mut self) {
        self.offsets.push(self.child.len() as i32);
        self.nulls.append_null();
    }

    fn truncate(&mut self, len: usize) {
        // Also drops elements of a list still open (appended to the child, not yet closed).
        if len <= self.len() {
            self.offsets.truncate(len + 1);
            self.child.truncate(self.offsets[len] as usize);
            self.nulls.truncate(len);
        }
    }

    fn byte_size(&self) -> usize {
        self.offsets.len() * 4 + self.child.byte_size()
    }

    fn finish(&mut self, data_type: &DataType) -> ArrayRef {
        let DataType::List(field) = data_type else {
            unreachable!("the type table maps Vec<T> to List")
        };
        let offsets = take_offsets(&mut self.offsets);
        let values = self.child.finish(field.data_type());
        // SAFETY: offsets start at 0, never decrease, and end at the child's length.
        let offsets = unsafe { OffsetBuffer::new_unchecked(ScalarBuffer::from(offsets)) };
        Arc::new(ListArray::new(
            field.clone(),
            offsets,
            values,
            self.nulls.finish(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::Validity;

    #[test]
    fn validity_matches_a_list_of_flags_through_appends_and_truncations() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..200 {
            let mut validity = Validity::default();
            let mut model: Vec<bool> = Vec::new();
            // Some rounds never see a null: the bitmap must stay absent.
            let null_rate = if round % 4 == 0 { 0 } else { next() % 50 };
            for _ in 0..next() % 400 {
                match next() % 100 {
                    0..=2 => {
                        let len = (next() as usize) % (model.len() + 1);
                        validity.truncate(len);
                        model.truncate(len);
                    }
                    r if r < null_rate => {
                        validity.append_null();
                        model.push(false);
                    }
                    _ => {
                        validity.append_non_null();
                        model.push(true);
                    }
                }
                assert_eq!(validity.len(), model.len());
            }
            let finished = validity.finish();
            assert!(validity.is_empty());
            match finished {
                None => assert!(model.iter().all(|&v| v), "round {round}"),
                Some(nulls) => {
                    assert_eq!(nulls.len(), model.len());
                    let bits: Vec<bool> = nulls.iter().collect();
                    assert_eq!(bits, model, "round {round}");
                    assert_eq!(nulls.null_count(), model.iter().filter(|v| !**v).count());
                }
            }
        }
    }
}
