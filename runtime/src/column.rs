//! Column builders: growable Arrow buffers that can also be cut back.
//!
//! Arrow's own builders cannot truncate, and a decoder that appends field by field must undo a
//! half-decoded event when a later field turns out to be invalid. These builders keep plain
//! vectors, truncate in O(1), and hand their buffers to Arrow once per batch.

use std::marker::PhantomData;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, BooleanBufferBuilder, DictionaryArray, Int8Array, ListArray,
    NullBufferBuilder, PrimitiveArray, StringArray,
};
use arrow::buffer::{Buffer, OffsetBuffer, ScalarBuffer};
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
    /// Finishes the batch and resets the builder. `data_type` comes from the schema (the type
    /// table decides it, not the builder), so every array carries exactly the declared type.
    fn finish(&mut self, data_type: &DataType) -> ArrayRef;
}

/// Variable-length UTF-8 strings (Arrow `Utf8`).
pub struct Utf8Column {
    offsets: Vec<i32>,
    values: Vec<u8>,
    nulls: NullBufferBuilder,
}

impl Utf8Column {
    #[inline(always)]
    pub fn push(&mut self, value: &str) {
        self.values.extend_from_slice(value.as_bytes());
        // Batches hold at most 1 GiB of input (`MAX_BATCH_INPUT_BYTES`), so offsets fit.
        self.offsets.push(self.values.len() as i32);
        self.nulls.append_non_null();
    }
}

impl Column for Utf8Column {
    fn with_capacity(rows: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        Self {
            offsets,
            values: Vec::with_capacity(rows * 16),
            nulls: NullBufferBuilder::new(rows),
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
        let offsets = std::mem::replace(&mut self.offsets, vec![0]);
        let values = std::mem::take(&mut self.values);
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
    nulls: NullBufferBuilder,
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
            nulls: NullBufferBuilder::new(rows),
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
        let values = ScalarBuffer::from(std::mem::take(&mut self.values));
        Arc::new(
            PrimitiveArray::<T>::new(values, self.nulls.finish()).with_data_type(data_type.clone()),
        )
    }
}

/// Booleans, bit-packed.
pub struct BoolColumn {
    values: BooleanBufferBuilder,
    nulls: NullBufferBuilder,
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
            nulls: NullBufferBuilder::new(rows),
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
    nulls: NullBufferBuilder,
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
            nulls: NullBufferBuilder::new(rows),
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
            ScalarBuffer::from(std::mem::take(&mut self.keys)),
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
    nulls: NullBufferBuilder,
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
            nulls: NullBufferBuilder::new(rows),
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
        let offsets = std::mem::replace(&mut self.offsets, vec![0]);
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
