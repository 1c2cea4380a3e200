//! `ColumnType`: how one Rust field type maps to a logical type, an Arrow column, a JSON
//! decoder and fake values. Implemented here for every supported type; the derive implements it
//! for `#[derive(BehaviorEnum)]` enums and `#[derive(BehaviorRecord)]` structs, and a newtype
//! opts in by implementing it (usually by delegating to the wrapped type).

use arrow::datatypes::{
    Date32Type, Decimal128Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType,
};
use rand::RngExt;
use serde::Serialize;

use crate::column::{BoolColumn, Column, ListColumn, PrimitiveColumn, Utf8Column};
use crate::decoder::{Decoder, Peek, exact_integer};
use crate::descriptor::{FieldDesc, Rules};
use crate::error::{DecodeError, ErrorKind};
use crate::fake::Faker;
use crate::logical::Logical;
use crate::types::{Date, Decimal, DecimalError, Timestamp};

pub use uuid::Uuid;

/// The kinds of declared rule a column type enforces (bit flags for [`ColumnType::RULES`]).
///
/// The derive asserts at compile time that every rule declared on a field is one its type
/// enforces: a `max_length` on a list used to compile, reach the JSON Schema and the warehouse
/// docs, and be enforced by nothing.
pub mod rule_kinds {
    /// `min` / `max`.
    pub const BOUNDS: u8 = 1;
    /// `min_length` / `max_length`.
    pub const LENGTH: u8 = 2;
    /// `pattern`.
    pub const PATTERN: u8 = 4;
    /// `min_items` / `max_items`.
    pub const ITEMS: u8 = 8;
}

/// A type that can be a field of an event.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a supported event field type",
    label = "no column mapping for this type",
    note = "supported: String, bool, i32, i64, u32, u64, f64, Decimal<P, S>, Timestamp, Date, Uuid, Option<T>, Vec<T>, #[derive(BehaviorEnum)] enums and #[derive(BehaviorRecord)] structs",
    note = "a newtype opts in with `impl behavior_runtime::ColumnType for ...` (declaring in `RULES` the rules its `decode` enforces)"
)]
pub trait ColumnType: Sized + Serialize + serde::de::DeserializeOwned {
    /// The builder values of this type are appended to.
    type Column: Column;
    /// Whether JSON `null` (or an absent key) is a valid value.
    const NULLABLE: bool = false;
    /// The [`rule_kinds`] `decode` enforces; none unless the type says so.
    const RULES: u8 = 0;

    /// The row of the type table this type maps to.
    fn logical() -> Logical;

    /// Appends an in-memory value (the struct-to-columns path).
    fn append(&self, column: &mut Self::Column);

    /// Decodes the JSON value announced by `peek` into `column`, enforcing `rules`. On error the
    /// column may hold a partial value; the caller truncates it.
    fn decode(
        decoder: &mut Decoder<'_>,
        peek: Peek,
        column: &mut Self::Column,
        rules: &Rules,
    ) -> Result<(), DecodeError>;

    /// A random value satisfying `rules`.
    fn fake(faker: &mut Faker, rules: &Rules) -> Self;

    /// The value of an absent key, for nullable types (`None` means the key is required).
    fn absent() -> Option<Self> {
        None
    }
}

/// Builds a field's descriptor from its type (used by generated `describe_fields`).
pub fn field<T: ColumnType>(
    name: &'static str,
    doc: &'static str,
    rules: &'static Rules,
) -> FieldDesc {
    FieldDesc {
        name,
        doc,
        ty: T::logical(),
        nullable: T::NULLABLE,
        rules,
    }
}

#[cold]
fn out_of_range(message: String) -> DecodeError {
    DecodeError::new(ErrorKind::OutOfRange, message)
}

/// Checks declared numeric bounds.
#[inline]
pub fn check_number(value: f64, rules: &Rules) -> Result<(), DecodeError> {
    if let Some(min) = rules.minimum
        && value < min
    {
        return Err(out_of_range(format!(
            "{value} is less than the minimum {min}"
        )));
    }
    if let Some(max) = rules.maximum
        && value > max
    {
        return Err(out_of_range(format!(
            "{value} is greater than the maximum {max}"
        )));
    }
    Ok(())
}

/// Checks declared length bounds (in characters) and pattern.
#[inline]
pub fn check_str(value: &str, rules: &Rules) -> Result<(), DecodeError> {
    // Bytes bound characters from above, so the count is only needed near a bound.
    if let Some(max) = rules.max_length
        && value.len() > max as usize
    {
        let chars = value.chars().count();
        if chars > max as usize {
            return Err(DecodeError::new(
                ErrorKind::TooLong,
                format!("{chars} characters, more than the maximum {max}"),
            ));
        }
    }
    if let Some(min) = rules.min_length
        && value.len() < 4 * min as usize
    {
        let chars = value.chars().count();
        if chars < min as usize {
            return Err(DecodeError::new(
                ErrorKind::TooShort,
                format!("{chars} characters, fewer than the minimum {min}"),
            ));
        }
    }
    if let Some(pattern) = &rules.pattern
        && !pattern.is_match(value)
    {
        return Err(DecodeError::new(
            ErrorKind::InvalidFormat,
            format!("{value:?} does not match the pattern {}", pattern.source),
        ));
    }
    Ok(())
}

impl ColumnType for String {
    type Column = Utf8Column;
    const RULES: u8 = rule_kinds::LENGTH | rule_kinds::PATTERN;

    fn logical() -> Logical {
        Logical::String
    }

    #[inline]
    fn append(&self, column: &mut Utf8Column) {
        column.push(self);
    }

    #[inline]
    fn decode(
        d: &mut Decoder<'_>,
        peek: Peek,
        column: &mut Utf8Column,
        rules: &Rules,
    ) -> Result<(), DecodeError> {
        // SAFETY: `str_into` appends only valid UTF-8.
        unsafe {
            column.push_with(|values| {
                let start = d.str_into(peek, "a string", values)?;
                // SAFETY: the bytes from `start` are the string `str_into` just appended.
                check_str(std::str::from_utf8_unchecked(&values[start..]), rules)
            })
        }
    }

    fn fake(faker: &mut Faker, rules: &Rules) -> Self {
        faker.text(rules)
    }
}

impl ColumnType for bool {
    type Column = BoolColumn;

    fn logical() -> Logical {
        Logical::Bool
    }

    #[inline]
    fn append(&self, column: &mut BoolColumn) {
        column.push(*self);
    }

    #[inline]
    fn decode(
        d: &mut Decoder<'_>,
        peek: Peek,
        column: &mut BoolColumn,
        _: &Rules,
    ) -> Result<(), DecodeError> {
        column.push(d.bool(peek)?);
        Ok(())
    }

    fn fake(faker: &mut Faker, _: &Rules) -> Self {
        faker.rng.random_bool(0.5)
    }
}

/// Integer types stored in a wider or equal Arrow integer.
macro_rules! integer_column {
    ($rust:ty, $arrow:ty, $logical:expr, $fake_max:expr) => {
        impl ColumnType for $rust {
            type Column = PrimitiveColumn<$arrow>;
            const RULES: u8 = rule_kinds::BOUNDS;

            fn logical() -> Logical {
                $logical
            }

            #[inline]
            fn append(&self, column: &mut Self::Column) {
                column.push((*self).into());
            }

            #[inline]
            fn decode(
                d: &mut Decoder<'_>,
                peek: Peek,
                column: &mut Self::Column,
                rules: &Rules,
            ) -> Result<(), DecodeError> {
                let value = d.int(peek)?;
                #[allow(irrefutable_let_patterns)] // i64 from i64
                let Ok(value) = <$rust>::try_from(value) else {
                    return Err(out_of_range(format!(
                        "{value} does not fit {}",
                        stringify!($rust)
                    )));
                };
                check_number(value as f64, rules)?;
                column.push(value.into());
                Ok(())
            }

            fn fake(faker: &mut Faker, rules: &Rules) -> Self {
                let (lo, hi) = faker.bounds(rules, 0.0, $fake_max);
                faker.rng.random_range(lo as i64..=hi as i64) as $rust
            }
        }
    };
}

integer_column!(i32, Int32Type, Logical::Int32, 1000.0);
integer_column!(i64, Int64Type, Logical::Int64, 1_000_000.0);
integer_column!(u32, Int64Type, Logical::UInt32, 1000.0);

impl ColumnType for u64 {
    type Column = PrimitiveColumn<Decimal128Type>;
    const RULES: u8 = rule_kinds::BOUNDS;

    fn logical() -> Logical {
        Logical::UInt64
    }

    #[inline]
    fn append(&self, column: &mut Self::Column) {
        column.push(i128::from(*self));
    }

    #[inline]
    fn decode(
        d: &mut Decoder<'_>,
        peek: Peek,
        column: &mut Self::Column,
        rules: &Rules,
    ) -> Result<(), DecodeError> {
        // Counts as producers write them: read in one pass.
        let value = match d.plain_number(peek, 0) {
            Some((value, _, text)) => u64::try_from(value).map_err(|_| {
                out_of_range(format!(
                    "{} does not fit u64",
                    String::from_utf8_lossy(text)
                ))
            })?,
            None => {
                let text = d.number_text(peek, "a non-negative integer")?;
                let value = std::str::from_utf8(text)
                    .ok()
                    .and_then(|t| t.parse::<u64>().ok());
                match value {
                    Some(value) => value,
                    None => u64::try_from(exact_integer(text)?).map_err(|_| {
                        out_of_range(format!(
                            "{} does not fit u64",
                            String::from_utf8_lossy(text)
                        ))
                    })?,
                }
            }
        };
        check_number(value as f64, rules)?;
        column.push(i128::from(value));
        Ok(())
    }

    fn fake(faker: &mut Faker, rules: &Rules) -> Self {
        let (lo, hi) = faker.bounds(rules, 0.0, 1.0e12);
        faker.rng.random_range(lo as u64..=hi as u64)
    }
}

impl ColumnType for f64 {
    type Column = PrimitiveColumn<Float64Type>;
    const RULES: u8 = rule_kinds::BOUNDS;

    fn logical() -> Logical {
        Logical::Float64
    }

    #[inline]
    fn append(&self, column: &mut Self::Column) {
        column.push(*self);
    }

    #[inline]
    fn decode(
        d: &mut Decoder<'_>,
        peek: Peek,
        column: &mut Self::Column,
        rules: &Rules,
    ) -> Result<(), DecodeError> {
        let value = d.float(peek)?;
        check_number(value, rules)?;
        column.push(value);
        Ok(())
    }

    fn fake(faker: &mut Faker, rules: &Rules) -> Self {
        let (lo, hi) = faker.bounds(rules, 0.0, 1000.0);
        // Rounded to 1/1024 so the value's JSON text is short and round-trips exactly.
        (faker.rng.random_range(lo..=hi) * 1024.0).round() / 1024.0
    }
}

/// A number too big for `DECIMAL(P, S)`.
#[cold]
fn too_many_digits<const P: u8, const S: u8>(text: &[u8]) -> DecodeError {
    out_of_range(format!(
        "{} does not fit DECIMAL({P}, {S})",
        String::from_utf8_lossy(text)
    ))
}

impl<const P: u8, const S: u8> ColumnType for Decimal<P, S> {
    type Column = PrimitiveColumn<Decimal128Type>;
    const RULES: u8 = rule_kinds::BOUNDS;

    fn logical() -> Logical {
        Logical::Decimal {
            precision: P,
            scale: S,
        }
    }

    #[inline]
    fn append(&self, column: &mut Self::Column) {
        column.push(self.units());
    }

    #[inline]
    fn decode(
        d: &mut Decoder<'_>,
        peek: Peek,
        column: &mut Self::Column,
        rules: &Rules,
    ) -> Result<(), DecodeError> {
        // Money as producers write it (`129.99`): read in one pass, scaled in i64.
        let value = match d.plain_number(peek, u32::from(S)) {
            Some((digits, decimals, text)) => {
                let shift = u32::from(S) - decimals;
                let units = match 10i64.checked_pow(shift).and_then(|p| digits.checked_mul(p)) {
                    Some(units) => i128::from(units),
                    None => i128::from(digits).saturating_mul(10i128.pow(shift)),
                };
                if units.unsigned_abs() >= 10u128.pow(u32::from(P)) {
                    return Err(too_many_digits::<P, S>(text));
                }
                Decimal::<P, S>::from_units(units)
            }
            None => {
                let text = d.number_text(peek, "a decimal number")?;
                Decimal::<P, S>::parse(text).map_err(|e| match e {
                    DecimalError::NotANumber => DecodeError::new(
                        ErrorKind::WrongType,
                        format!(
                            "expected a decimal number, found {}",
                            String::from_utf8_lossy(text)
                        ),
                    ),
                    DecimalError::TooManyDecimals => out_of_range(format!(
                        "{} has more than {S} decimal places",
                        String::from_utf8_lossy(text)
                    )),
                    DecimalError::TooManyDigits => too_many_digits::<P, S>(text),
                })?
            }
        };
        if rules.minimum.is_some() || rules.maximum.is_some() {
            check_number(value.to_f64(), rules)?;
        }
        column.push(value.units());
        Ok(())
    }

    fn fake(faker: &mut Faker, rules: &Rules) -> Self {
        let scale = 10f64.powi(i32::from(S));
        let (lo, hi) = faker.bounds(rules, 0.0, (Self::limit() - 1.0 / scale).min(1000.0));
        let units = faker
            .rng
            .random_range((lo * scale).ceil() as i128..=(hi * scale).floor() as i128);
        Self::from_units(units)
    }
}

impl ColumnType for Timestamp {
    type Column = PrimitiveColumn<TimestampMicrosecondType>;

    fn logical() -> Logical {
        Logical::Timestamp
    }

    #[inline]
    fn append(&self, column: &mut Self::Column) {
        column.push(self.micros());
    }

    #[inline]
    fn decode(
        d: &mut Decoder<'_>,
        peek: Peek,
        column: &mut Self::Column,
        _: &Rules,
    ) -> Result<(), DecodeError> {
        // The forms producers write nearly always: microseconds (as `Timestamp::format`
        // does) or milliseconds (JavaScript's `toISOString`), read without a scan.
        if let Some(value) = d
            .fixed_str(peek, Timestamp::parse_fixed::<27>)
            .or_else(|| d.fixed_str(peek, Timestamp::parse_fixed::<24>))
        {
            column.push(value.micros());
            return Ok(());
        }
        let text = d.str(peek, "an RFC 3339 date-time string")?;
        let Some(value) = Timestamp::parse(text) else {
            return Err(DecodeError::new(
                ErrorKind::InvalidFormat,
                format!(
                    "{text:?} is not an RFC 3339 date-time in years 0001 to 9999 UTC, such as 2026-01-31T12:00:00.000000Z"
                ),
            ));
        };
        column.push(value.micros());
        Ok(())
    }

    fn fake(faker: &mut Faker, _: &Rules) -> Self {
        faker.timestamp()
    }
}

impl ColumnType for Date {
    type Column = PrimitiveColumn<Date32Type>;

    fn logical() -> Logical {
        Logical::Date
    }

    #[inline]
    fn append(&self, column: &mut Self::Column) {
        column.push(self.0);
    }

    #[inline]
    fn decode(
        d: &mut Decoder<'_>,
        peek: Peek,
        column: &mut Self::Column,
        _: &Rules,
    ) -> Result<(), DecodeError> {
        let text = d.str(peek, "a YYYY-MM-DD date string")?;
        let Some(value) = Date::parse(text) else {
            return Err(DecodeError::new(
                ErrorKind::InvalidFormat,
                format!("{text:?} is not a date in years 0001 to 9999, such as 2026-01-31"),
            ));
        };
        column.push(value.0);
        Ok(())
    }

    fn fake(faker: &mut Faker, _: &Rules) -> Self {
        faker.timestamp().date()
    }
}

/// The hyphenated form JSON Schema's `uuid` format requires (any case).
#[inline]
pub fn is_hyphenated_uuid(text: &str) -> bool {
    canonical_uuid(text).is_some()
}

/// The hyphenated form JSON Schema's `uuid` format requires (any case), lowercased: the text
/// the lake stores, so deduplication on it in the warehouse is exact. `None` if `text` is not
/// such a UUID.
///
/// Lowercasing is one OR per byte: every byte of a valid UUID is a digit, `-` or a letter
/// `a`-`f` in either case, and setting bit 5 (0x20) lowers the letters and leaves the digits
/// and `-` as they are. The check reads the original bytes, so nothing that merely lowers to
/// a valid character (a control character to a digit) gets through.
#[inline]
pub fn canonical_uuid(text: &str) -> Option<CanonicalUuid> {
    canonical_uuid_bytes(<&[u8; 36]>::try_from(text.as_bytes()).ok()?)
}

/// [`canonical_uuid`] of 36 bytes. It accepts only hex digits and hyphens, so it can read a
/// UUID straight out of JSON ([`Decoder::fixed_str`]).
#[inline]
pub fn canonical_uuid_bytes(bytes: &[u8; 36]) -> Option<CanonicalUuid> {
    let lowered = LoweredUuid::check(bytes)?;
    let mut text = [0u8; UUID_LEN];
    // SAFETY: `text` has room for the 36 bytes `store` writes.
    unsafe { lowered.store(text.as_mut_ptr()) };
    Some(CanonicalUuid(text))
}

/// Appends the UUID in `bytes`, lowered, to `values` if it is canonical (what
/// [`canonical_uuid_bytes`] accepts); appends nothing otherwise. Only ASCII is ever appended.
///
/// The bytes go from registers straight into `values`: built in a `[u8; 36]` first, they were
/// stored piecewise and then reloaded whole, a store-forwarding stall on every UUID of every
/// event (11.7% of the mix's decode time was in UUIDs).
#[inline]
fn push_canonical_uuid(bytes: &[u8; 36], values: &mut Vec<u8>) -> bool {
    let Some(lowered) = LoweredUuid::check(bytes) else {
        return false;
    };
    values.reserve(UUID_LEN);
    let len = values.len();
    // SAFETY: `reserve` made room for 36 bytes past `len`, `store` initializes all of them.
    unsafe {
        lowered.store(values.as_mut_ptr().add(len));
        values.set_len(len + UUID_LEN);
    }
    true
}

/// A UUID's text, checked (hex digits, hyphens at 8, 13, 18 and 23) and lowered as
/// [`canonical_uuid`] describes.
///
/// On x86_64, three 16-byte lanes at offsets 0, 16 and 20 (the last two overlap): every event
/// has several UUIDs, and checking 16 bytes per instruction pays.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
struct LoweredUuid([std::arch::x86_64::__m128i; 3]);

#[cfg(target_arch = "x86_64")]
impl LoweredUuid {
    #[inline]
    fn check(bytes: &[u8; 36]) -> Option<Self> {
        use std::arch::x86_64::*;

        /// Bit i of `dashes` set: byte i of the lane must be '-'; the others must be hex
        /// digits.
        #[inline(always)]
        fn valid(v: __m128i, dashes: u32) -> bool {
            // SAFETY: SSE2 is part of the x86_64 baseline, so these are always available.
            unsafe {
                let in_range = |v: __m128i, lo: u8, hi: u8| {
                    _mm_and_si128(
                        _mm_cmpgt_epi8(v, _mm_set1_epi8(lo as i8 - 1)),
                        _mm_cmplt_epi8(v, _mm_set1_epi8(hi as i8 + 1)),
                    )
                };
                let lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
                let hex = _mm_or_si128(in_range(v, b'0', b'9'), in_range(lower, b'a', b'f'));
                let dash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'-' as i8));
                _mm_movemask_epi8(hex) as u32 == (!dashes & 0xffff)
                    && _mm_movemask_epi8(dash) as u32 == dashes
            }
        }

        // SAFETY: the three loads read 16 bytes each within the 36-byte array.
        let [first, middle, last] = unsafe {
            let at = |offset: usize| _mm_loadu_si128(bytes.as_ptr().add(offset).cast());
            [at(0), at(16), at(20)]
        };
        let valid = valid(first, (1 << 8) | (1 << 13))
            && valid(middle, (1 << (18 - 16)) | (1 << (23 - 16)))
            && valid(last, 1 << (23 - 20));
        // SAFETY: SSE2 is part of the x86_64 baseline.
        let lower = |v| unsafe { _mm_or_si128(v, _mm_set1_epi8(0x20)) };
        valid.then(|| Self([lower(first), lower(middle), lower(last)]))
    }

    /// # Safety
    /// `out` must be valid for writes of 36 bytes.
    #[inline]
    unsafe fn store(self, out: *mut u8) {
        use std::arch::x86_64::_mm_storeu_si128;
        let [first, middle, last] = self.0;
        // SAFETY: the stores cover bytes 0..16, 16..32 and 20..36 of `out` (the caller's 36).
        unsafe {
            _mm_storeu_si128(out.cast(), first);
            _mm_storeu_si128(out.add(16).cast(), middle);
            _mm_storeu_si128(out.add(20).cast(), last);
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[derive(Clone, Copy)]
struct LoweredUuid([u8; 36]);

#[cfg(not(target_arch = "x86_64"))]
impl LoweredUuid {
    #[inline]
    fn check(bytes: &[u8; 36]) -> Option<Self> {
        let valid = bytes.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        });
        valid.then(|| Self(bytes.map(|b| b | 0x20)))
    }

    /// # Safety
    /// `out` must be valid for writes of 36 bytes.
    #[inline]
    unsafe fn store(self, out: *mut u8) {
        // SAFETY: the caller's 36 bytes.
        unsafe { std::ptr::copy_nonoverlapping(self.0.as_ptr(), out, 36) };
    }
}

/// A UUID's canonical text: 36 ASCII bytes (lowercase hex digits and hyphens).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CanonicalUuid([u8; 36]);

impl CanonicalUuid {
    #[inline]
    pub fn as_str(&self) -> &str {
        // SAFETY: built only by `canonical_uuid` from bytes it checked are hex digits and
        // hyphens, lowered with an OR that keeps them ASCII.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }
}

/// Bytes of a UUID's text.
const UUID_LEN: usize = 36;

impl ColumnType for Uuid {
    type Column = Utf8Column<UUID_LEN>;

    fn logical() -> Logical {
        Logical::Uuid
    }

    #[inline]
    fn append(&self, column: &mut Utf8Column<UUID_LEN>) {
        column.push(self.hyphenated().encode_lower(&mut Uuid::encode_buffer()));
    }

    #[inline]
    fn decode(
        d: &mut Decoder<'_>,
        peek: Peek,
        column: &mut Utf8Column<UUID_LEN>,
        _: &Rules,
    ) -> Result<(), DecodeError> {
        // Nearly every UUID on the wire is 36 plain bytes: checked and copied in one pass.
        // SAFETY: `push_canonical_uuid` appends only ASCII.
        let fast = unsafe {
            column.push_with(|values| {
                d.fixed_str(peek, |bytes| {
                    push_canonical_uuid(bytes, values).then_some(())
                })
                .ok_or(())
            })
        };
        if fast.is_ok() {
            return Ok(());
        }
        let text = d.str(peek, "a UUID string")?;
        let Some(canonical) = canonical_uuid(text) else {
            return Err(DecodeError::new(
                ErrorKind::InvalidFormat,
                format!("{text:?} is not a UUID such as 123e4567-e89b-12d3-a456-426614174000"),
            ));
        };
        column.push(canonical.as_str());
        Ok(())
    }

    fn fake(faker: &mut Faker, _: &Rules) -> Self {
        faker.uuid()
    }
}

impl<T: ColumnType> ColumnType for Option<T> {
    type Column = T::Column;
    const NULLABLE: bool = true;
    const RULES: u8 = T::RULES;

    fn logical() -> Logical {
        T::logical()
    }

    #[inline]
    fn append(&self, column: &mut T::Column) {
        match self {
            Some(value) => value.append(column),
            None => column.append_null(),
        }
    }

    #[inline]
    fn decode(
        d: &mut Decoder<'_>,
        peek: Peek,
        column: &mut T::Column,
        rules: &Rules,
    ) -> Result<(), DecodeError> {
        if peek == Peek::Null {
            d.null(peek)?;
            column.append_null();
            Ok(())
        } else {
            T::decode(d, peek, column, rules)
        }
    }

    fn fake(faker: &mut Faker, rules: &Rules) -> Self {
        faker.rng.random_bool(0.8).then(|| T::fake(faker, rules))
    }

    fn absent() -> Option<Self> {
        Some(None)
    }
}

impl<T: ColumnType> ColumnType for Vec<T> {
    type Column = ListColumn<T::Column>;
    // Element rules are not declarable: list rules bound the count.
    const RULES: u8 = rule_kinds::ITEMS;

    fn logical() -> Logical {
        Logical::List(Box::new(FieldDesc {
            // The Parquet spec's name for a list's element (Arrow's default is `item`): the
            // Arrow schema is written as is, and strict readers (Snowflake, Hive, Athena)
            // expect `<list> / list / element`.
            name: "element",
            doc: "",
            ty: T::logical(),
            nullable: T::NULLABLE,
            rules: &Rules::NONE,
        }))
    }

    fn append(&self, column: &mut Self::Column) {
        for item in self {
            item.append(&mut column.child);
        }
        column.close();
    }

    fn decode(
        d: &mut Decoder<'_>,
        peek: Peek,
        column: &mut Self::Column,
        rules: &Rules,
    ) -> Result<(), DecodeError> {
        let mut next = d.array_start(peek, "an array")?;
        let mut index = 0usize;
        while let Some(peek) = next {
            if rules.max_items.is_some_and(|max| index >= max as usize) {
                return Err(DecodeError::new(
                    ErrorKind::TooLong,
                    format!(
                        "more than the maximum {} items",
                        rules.max_items.unwrap_or(0)
                    ),
                ));
            }
            // Element rules are not declarable yet; list rules bound the count.
            T::decode(d, peek, &mut column.child, &Rules::NONE).map_err(|e| e.at_index(index))?;
            index += 1;
            next = d.array_step()?;
        }
        if let Some(min) = rules.min_items
            && index < min as usize
        {
            return Err(DecodeError::new(
                ErrorKind::TooShort,
                format!("{index} items, fewer than the minimum {min}"),
            ));
        }
        column.close();
        Ok(())
    }

    fn fake(faker: &mut Faker, rules: &Rules) -> Self {
        let lo = rules.min_items.unwrap_or(1);
        let hi = rules.max_items.unwrap_or(lo.max(3)).max(lo).min(lo + 4);
        let n = faker.rng.random_range(lo..=hi);
        (0..n).map(|_| T::fake(faker, &Rules::NONE)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `json` (one value) into a fresh column of `T`; the decoder's position after it.
    fn decode_one<T: ColumnType>(
        json: &str,
    ) -> (Result<arrow::array::ArrayRef, DecodeError>, usize) {
        let mut column = T::Column::with_capacity(4);
        let mut d = Decoder::new(json.as_bytes());
        let result = d
            .peek()
            .and_then(|peek| T::decode(&mut d, peek, &mut column, &Rules::NONE));
        let data_type = T::logical().arrow_type();
        (result.map(|()| column.finish(&data_type)), d.position())
    }

    #[test]
    fn fixed_width_fast_paths_agree_with_the_general_path() {
        use arrow::array::AsArray;
        use arrow::datatypes::TimestampMicrosecondType;
        let uuid = |json: &str| {
            let (result, at) = decode_one::<Uuid>(json);
            result.map(|a| (a.as_string::<i32>().value(0).to_owned(), at))
        };
        let lower = "123e4567-e89b-12d3-a456-42661417400f";
        // Plain, upper case, escaped (the general path) and followed by more JSON: one value.
        assert_eq!(
            uuid(&format!("\"{lower}\"")).unwrap(),
            (lower.to_owned(), 38)
        );
        assert_eq!(
            uuid(&format!("\"{}\",1", lower.to_uppercase())).unwrap(),
            (lower.to_owned(), 38)
        );
        assert_eq!(
            uuid(&format!("\"\\u0031{}\"", &lower[1..])).unwrap().0,
            format!("1{}", &lower[1..])
        );
        // A quote where the 37th byte would be, inside a shorter string: not a UUID.
        assert!(uuid(r#""123e4567-e89b-12d3-a456-4266141740","x""#).is_err());
        assert!(uuid(&format!("\"{lower}0\"")).is_err());
        assert!(uuid(&format!("\"{}\"", &lower[1..])).is_err());
        assert!(uuid(&format!("\"{}\\\"\"", &lower[..35])).is_err());

        let micros = |json: &str| {
            let (result, _) = decode_one::<Timestamp>(json);
            result.map(|a| a.as_primitive::<TimestampMicrosecondType>().value(0))
        };
        let general = |text: &str| Timestamp::parse(text).unwrap().micros();
        for text in [
            "2026-03-01T12:34:56.123456Z",
            "2026-03-01T12:34:56.123Z",
            "2026-03-01t12:34:56.123456z",
            "2026-03-01T12:34:56Z",
            "2026-03-01T12:34:56.1234567Z",
            "2026-03-01T12:34:56.123456+02:00",
        ] {
            assert_eq!(
                micros(&format!("\"{text}\"")).unwrap(),
                general(text),
                "{text}"
            );
        }
        for bad in [
            "2026-02-30T12:34:56.123456Z",
            "2026-13-01T12:34:56.123456Z",
            "2026-03-01T24:00:00.000000Z",
            "2026-03-01T12:34:56.12345xZ",
            "2026-03-01T12:34:56.123456",
        ] {
            assert!(micros(&format!("\"{bad}\"")).is_err(), "{bad}");
        }
    }

    #[test]
    fn number_fast_paths_agree_with_the_general_parse() {
        use arrow::array::AsArray;
        use arrow::datatypes::Decimal128Type;
        type Money = Decimal<18, 2>;
        let units = |json: &str| {
            let (result, at) = decode_one::<Money>(json);
            result.map(|a| (a.as_primitive::<Decimal128Type>().value(0), at))
        };
        for text in [
            "0",
            "-0",
            "7",
            "129.99",
            "-12.3",
            "0.05",
            "999999999999999.99",
            "1.50",
            "1.500",
            "1e2",
            "1.5E1",
            "0.000e5",
            "-0.10",
        ] {
            assert_eq!(
                units(text).map(|(u, _)| u).ok(),
                Money::parse(text.as_bytes()).ok().map(Money::units),
                "{text}"
            );
        }
        // The number ends where the JSON value does.
        assert_eq!(units("129.99,").unwrap(), (12999, 6));
        assert_eq!(units("129.99}").unwrap(), (12999, 6));
        for bad in ["1.999", "1000000000000000000", "01", "1.", "-", "-.5", ".5"] {
            assert!(units(bad).is_err(), "{bad}");
        }
        // 18 digits is the fast path's limit; 19 or more take the general path.
        type Wide = Decimal<38, 2>;
        let wide = |json: &str| {
            let (result, _) = decode_one::<Wide>(json);
            result.map(|a| a.as_primitive::<Decimal128Type>().value(0))
        };
        assert_eq!(wide("123456789012345678").unwrap(), 12345678901234567800);
        assert_eq!(
            wide("1234567890123456789.5").unwrap(),
            123456789012345678950
        );
        type Fine = Decimal<38, 30>;
        let (fine, _) = decode_one::<Fine>("123456789012345678");
        assert!(fine.is_err(), "48 digits do not fit 38");

        let count = |json: &str| {
            let (result, _) = decode_one::<u64>(json);
            result.map(|a| a.as_primitive::<Decimal128Type>().value(0))
        };
        assert_eq!(count("0").unwrap(), 0);
        assert_eq!(count("42").unwrap(), 42);
        assert_eq!(count("18446744073709551615").unwrap(), i128::from(u64::MAX));
        for bad in [
            "-1",
            "1.5",
            "1e-3",
            "18446744073709551616",
            "1.8446744073709551616e19",
            "01",
        ] {
            assert!(count(bad).is_err(), "{bad}");
        }
        // JSON Schema integers with a fraction or an exponent.
        assert_eq!(count("1e3").unwrap(), 1000);
        assert_eq!(count("2.0").unwrap(), 2);
        assert_eq!(
            count("1.8446744073709551615e19").unwrap(),
            i128::from(u64::MAX)
        );
    }

    #[test]
    fn strings_copied_while_scanned_match_serde_json() {
        use arrow::array::AsArray;
        use arrow::datatypes::DataType;
        // Lengths around the 16-byte chunks, escapes, non-ASCII, quotes at every offset and
        // strings ending near the end of the input.
        let mut texts: Vec<String> = Vec::new();
        for len in 0..70 {
            let plain: String = (0..len).map(|i| (b'a' + (i % 26) as u8) as char).collect();
            texts.push(plain.clone());
            texts.push(format!("{plain}é"));
            texts.push(format!("ü{plain}"));
            texts.push(format!("{plain}\n{plain}"));
            texts.push(format!("{plain}\"x"));
            texts.push(format!("{plain}é😀{plain}"));
        }
        for text in &texts {
            let json = serde_json::to_string(text).unwrap();
            for tail in ["", "}", ",\"next_key_long_enough\":1}"] {
                let input = format!("{json}{tail}");
                let mut column = Utf8Column::with_capacity(1);
                let mut d = Decoder::new(input.as_bytes());
                let peek = d.peek().unwrap();
                String::decode(&mut d, peek, &mut column, &Rules::NONE).unwrap();
                assert_eq!(d.position(), json.len(), "{input}");
                let array = column.finish(&DataType::Utf8);
                assert_eq!(array.as_string::<i32>().value(0), text, "{input}");
            }
        }
        // Invalid UTF-8, a raw control character, an unterminated string: errors, and the
        // column keeps only what it had.
        let long = "x".repeat(40);
        for bad in [
            format!("\"{long}\u{1}{long}\"").into_bytes(),
            [b"\"", long.as_bytes(), b"\xff\xfe", long.as_bytes(), b"\""].concat(),
            [b"\"", long.as_bytes(), b"\xc3"].concat(),
            format!("\"{long}").into_bytes(),
        ] {
            let mut column = Utf8Column::with_capacity(1);
            column.push("kept");
            let mut d = Decoder::new(&bad);
            let peek = d.peek().unwrap();
            assert!(String::decode(&mut d, peek, &mut column, &Rules::NONE).is_err());
            let array = column.finish(&DataType::Utf8);
            assert_eq!(array.len(), 1);
            assert_eq!(array.as_string::<i32>().value(0), "kept");
        }
        // A value over its bound is rejected and leaves nothing behind.
        let rules = Rules {
            max_length: Some(10),
            ..Rules::NONE
        };
        let mut column = Utf8Column::with_capacity(1);
        let json = format!("\"{long}\"");
        let mut d = Decoder::new(json.as_bytes());
        let peek = d.peek().unwrap();
        assert!(String::decode(&mut d, peek, &mut column, &rules).is_err());
        assert_eq!(column.finish(&DataType::Utf8).len(), 0);
    }

    #[test]
    fn integers_on_the_fast_path_and_off_it() {
        use arrow::array::AsArray;
        use arrow::datatypes::Int64Type;
        let int = |json: &str| {
            let (result, at) = decode_one::<i64>(json);
            result.map(|a| (a.as_primitive::<Int64Type>().value(0), at))
        };
        assert_eq!(int("0,").unwrap(), (0, 1));
        assert_eq!(int("-7}").unwrap(), (-7, 2));
        assert_eq!(
            int("123456789012345678").unwrap().0,
            123_456_789_012_345_678
        );
        assert_eq!(int("9223372036854775807").unwrap().0, i64::MAX);
        assert_eq!(int("-9223372036854775808").unwrap().0, i64::MIN);
        for bad in ["01", "-", "1.5", "9223372036854775808", "9.3e18", "-01"] {
            assert!(int(bad).is_err(), "{bad}");
        }
        // JSON Schema integers with a fraction or an exponent.
        assert_eq!(int("1e3,").unwrap(), (1000, 3));
        assert_eq!(int("-2.0}").unwrap(), (-2, 4));
    }

    #[test]
    fn uuid_check_accepts_only_the_hyphenated_form() {
        assert!(is_hyphenated_uuid("123e4567-e89b-12d3-a456-426614174000"));
        assert!(is_hyphenated_uuid("123E4567-E89B-12D3-A456-42661417400F"));
        assert_eq!(
            canonical_uuid("123E4567-E89B-12D3-A456-42661417400F").map(|u| u.as_str().to_owned()),
            Some("123e4567-e89b-12d3-a456-42661417400f".to_owned())
        );
        for bad in [
            "123e4567e89b12d3a456426614174000",
            "123e4567-e89b-12d3-a456-42661417400g",
            "123e4567-e89b-12d3-a456_426614174000",
            "123e4567-e89b-12d3-a4564-26614174000",
            "g23e4567-e89b-12d3-a456-426614174000",
            "123e4567-e89b-12d3-a456-4266141740\u{e9}",
            // Characters that an OR with 0x20 would turn into valid ones.
            "\u{10}23e4567-e89b-12d3-a456-426614174000",
            "123e4567\re89b-12d3-a456-426614174000",
            "123e4567-e89b-12d3-a456-42661417400\u{10}",
            "",
        ] {
            assert!(!is_hyphenated_uuid(bad), "{bad}");
        }
    }

    /// Every byte position of a UUID, through the validation check and the decoder's fast path
    /// (which checks and lowers in 16-byte lanes, two of them overlapping): every hex digit in
    /// either case is accepted at a digit position and lowered, and anything else at any
    /// position is rejected with nothing appended.
    #[test]
    fn uuid_checks_every_position_on_both_paths() {
        let valid = "0123abcd-ef45-6789-abcd-ef0123456789";
        let decode = |text: &[u8]| {
            let mut json = vec![b'"'];
            json.extend_from_slice(text);
            json.push(b'"');
            let mut column = Utf8Column::<UUID_LEN>::with_capacity(1);
            let mut d = Decoder::new(&json);
            let result = d
                .peek()
                .and_then(|peek| Uuid::decode(&mut d, peek, &mut column, &Rules::NONE));
            let array = column.finish(&Logical::Uuid.arrow_type());
            use arrow::array::AsArray;
            let values = array.as_string::<i32>();
            (
                result.is_ok(),
                values
                    .iter()
                    .flatten()
                    .map(str::to_owned)
                    .collect::<Vec<_>>(),
            )
        };
        for at in 0..UUID_LEN {
            let dash = matches!(at, 8 | 13 | 18 | 23);
            let (good, bad): (&[u8], &[u8]) = if dash {
                (b"-", b"0aA_\r,.")
            } else {
                (b"0123456789abcdefABCDEF", b"gG-/:@`\x10\x7f\r\xe9")
            };
            for &byte in good {
                let mut text = valid.as_bytes().to_vec();
                text[at] = byte;
                let mut lower = text.clone();
                lower[at] = byte.to_ascii_lowercase();
                let lower = String::from_utf8(lower).unwrap();
                let text = String::from_utf8(text).unwrap();
                assert_eq!(
                    canonical_uuid(&text).map(|u| u.as_str().to_owned()),
                    Some(lower.clone())
                );
                assert_eq!(decode(text.as_bytes()), (true, vec![lower]), "{text}");
            }
            for &byte in bad {
                let mut text = valid.as_bytes().to_vec();
                text[at] = byte;
                assert!(canonical_uuid_bytes(text.as_slice().try_into().unwrap()).is_none());
                assert_eq!(decode(&text), (false, vec![]), "byte {byte:#x} at {at}");
            }
        }
    }
}
