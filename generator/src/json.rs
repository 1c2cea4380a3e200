//! Events to compact JSON, byte for byte what `serde_json::to_writer` writes, with a cheaper
//! string path.
//!
//! Nearly every byte of an event is inside a string (keys, UUIDs, timestamps, URLs, the user
//! agent), and serde_json escapes strings one byte at a time: that loop was 40% of the
//! generator's instructions. Here a string is checked for characters that need escaping with
//! a loop the compiler vectorizes and, almost always finding none, copied whole. Numbers go
//! through serde_json's own formatter, strings that need escaping through serde_json itself,
//! and anything events never contain (byte arrays, enum variants with data, maps with
//! non-string keys) makes [`write`] hand the whole value to serde_json instead.

use serde::Serialize;
use serde::ser::{self, Error as _, Impossible};
use serde_json::ser::{CompactFormatter, Formatter};

/// serde_json's marker for a `RawValue`: the runtime's `Decimal` serializes money through one
/// so the exact digits go out as a JSON number. Its field is written as is.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Appends `value` as compact JSON, exactly as `serde_json::to_writer` would.
pub fn write<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> serde_json::Result<()> {
    let start = out.len();
    if value.serialize(Writer { out }).is_err() {
        // Something this writer does not handle: serde_json writes all of it.
        out.truncate(start);
        serde_json::to_writer(&mut *out, value)?;
    }
    Ok(())
}

/// Whether serde_json would escape any byte: control characters, `"` and `\`.
///
/// Eight bytes at a time (SWAR): a byte-at-a-time test costs as much as serde_json's own loop.
/// A tail shorter than a word is read as the last word, overlapping bytes already checked:
/// copying it into a padded word stalls on store forwarding (it was half of the time spent here).
#[inline]
fn needs_escape(bytes: &[u8]) -> bool {
    let word = |w: &[u8; 8]| escapes(u64::from_le_bytes(*w));
    let half = |w: &[u8; 4]| u64::from(u32::from_le_bytes(*w));
    if let Some(last) = bytes.last_chunk::<8>() {
        let (words, _) = bytes.as_chunks::<8>();
        return words.iter().fold(word(last), |flags, w| flags | word(w)) != 0;
    }
    if let (Some(first), Some(last)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        return escapes(half(first) | half(last) << 32) != 0;
    }
    bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

/// Non-zero if any byte of `word` is below 0x20, `"` or `\`.
#[inline]
fn escapes(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Mycroft's test: some byte of `x` is below `n` (n <= 0x80) exactly when this is non-zero;
    // `!x` keeps bytes from 0x80 up (UTF-8 beyond ASCII, never escaped) from counting.
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH;
    below(word, 0x20)
        | below(word ^ (ONES * u64::from(b'"')), 1)
        | below(word ^ (ONES * u64::from(b'\\')), 1)
}

fn write_str(out: &mut Vec<u8>, value: &str) {
    if needs_escape(value.as_bytes()) {
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, value);
        return;
    }
    out.reserve(value.len() + 2);
    out.push(b'"');
    out.extend_from_slice(value.as_bytes());
    out.push(b'"');
}

fn unsupported() -> serde_json::Error {
    serde_json::Error::custom("not written by the fast path")
}

struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

/// An array or object being written; `first` decides whether a comma goes before the next
/// element, `raw` marks a `RawValue` whose one field is copied unescaped.
struct Compound<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
    raw: bool,
}

impl Compound<'_> {
    fn separate(&mut self) {
        if !std::mem::take(&mut self.first) {
            self.out.push(b',');
        }
    }
}

type Result<T = ()> = serde_json::Result<T>;

// Formatting numbers into a Vec cannot fail: the `io::Result`s below are all `Ok`.
macro_rules! number {
    ($($method:ident($ty:ty) => $write:ident;)*) => {$(
        fn $method(self, value: $ty) -> Result {
            let _ = CompactFormatter.$write(self.out, value);
            Ok(())
        }
    )*};
}

impl<'a> ser::Serializer for Writer<'a> {
    type Ok = ();
    type Error = serde_json::Error;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Impossible<(), serde_json::Error>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Impossible<(), serde_json::Error>;

    number! {
        serialize_i8(i8) => write_i8;
        serialize_i16(i16) => write_i16;
        serialize_i32(i32) => write_i32;
        serialize_i64(i64) => write_i64;
        serialize_i128(i128) => write_i128;
        serialize_u8(u8) => write_u8;
        serialize_u16(u16) => write_u16;
        serialize_u32(u32) => write_u32;
        serialize_u64(u64) => write_u64;
        serialize_u128(u128) => write_u128;
    }

    fn serialize_bool(self, value: bool) -> Result {
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
        Ok(())
    }

    fn serialize_f32(self, value: f32) -> Result {
        // As serde_json: NaN and infinities are null.
        if value.is_finite() {
            let _ = CompactFormatter.write_f32(self.out, value);
        } else {
            self.out.extend_from_slice(b"null");
        }
        Ok(())
    }

    fn serialize_f64(self, value: f64) -> Result {
        if value.is_finite() {
            let _ = CompactFormatter.write_f64(self.out, value);
        } else {
            self.out.extend_from_slice(b"null");
        }
        Ok(())
    }

    fn serialize_char(self, value: char) -> Result {
        self.serialize_str(value.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, value: &str) -> Result {
        write_str(self.out, value);
        Ok(())
    }

    fn serialize_bytes(self, _: &[u8]) -> Result {
        Err(unsupported())
    }

    fn serialize_none(self) -> Result {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result {
        self.serialize_unit()
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result {
        Err(unsupported())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a>> {
        self.out.push(b'[');
        Ok(Compound {
            out: self.out,
            first: true,
            raw: false,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Compound<'a>> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(unsupported())
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a>> {
        self.out.push(b'{');
        Ok(Compound {
            out: self.out,
            first: true,
            raw: false,
        })
    }

    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Compound<'a>> {
        let raw = name == RAW_VALUE_TOKEN;
        if !raw && name.starts_with("$serde_json::private::") {
            // Another of serde_json's markers (such as its arbitrary-precision numbers).
            return Err(unsupported());
        }
        if !raw {
            self.out.push(b'{');
        }
        Ok(Compound {
            out: self.out,
            first: true,
            raw,
        })
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(unsupported())
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.separate();
        value.serialize(Writer { out: self.out })
    }

    fn end(self) -> Result {
        self.out.push(b']');
        Ok(())
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        self.separate();
        key.serialize(Key { out: self.out })
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.out.push(b':');
        value.serialize(Writer { out: self.out })
    }

    fn end(self) -> Result {
        self.out.push(b'}');
        Ok(())
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        if self.raw {
            return value.serialize(Raw { out: self.out });
        }
        ser::SerializeMap::serialize_entry(self, key, value)
    }

    fn end(self) -> Result {
        if !self.raw {
            self.out.push(b'}');
        }
        Ok(())
    }
}

/// An object key: only strings (serde_json also quotes numbers and booleans; events have none).
struct Key<'a> {
    out: &'a mut Vec<u8>,
}

/// The text of a `RawValue`, already valid JSON.
struct Raw<'a> {
    out: &'a mut Vec<u8>,
}

/// A serializer that accepts only a string: `Key` and `Raw` differ in what they do with it.
macro_rules! only_str {
    ($ty:ident, |$out:ident, $value:ident| $body:expr) => {
        impl ser::Serializer for $ty<'_> {
            type Ok = ();
            type Error = serde_json::Error;
            type SerializeSeq = Impossible<(), serde_json::Error>;
            type SerializeTuple = Impossible<(), serde_json::Error>;
            type SerializeTupleStruct = Impossible<(), serde_json::Error>;
            type SerializeTupleVariant = Impossible<(), serde_json::Error>;
            type SerializeMap = Impossible<(), serde_json::Error>;
            type SerializeStruct = Impossible<(), serde_json::Error>;
            type SerializeStructVariant = Impossible<(), serde_json::Error>;

            fn serialize_str(self, $value: &str) -> Result {
                let $out = self.out;
                $body;
                Ok(())
            }

            fn serialize_bool(self, _: bool) -> Result {
                Err(unsupported())
            }
            fn serialize_i8(self, _: i8) -> Result {
                Err(unsupported())
            }
            fn serialize_i16(self, _: i16) -> Result {
                Err(unsupported())
            }
            fn serialize_i32(self, _: i32) -> Result {
                Err(unsupported())
            }
            fn serialize_i64(self, _: i64) -> Result {
                Err(unsupported())
            }
            fn serialize_u8(self, _: u8) -> Result {
                Err(unsupported())
            }
            fn serialize_u16(self, _: u16) -> Result {
                Err(unsupported())
            }
            fn serialize_u32(self, _: u32) -> Result {
                Err(unsupported())
            }
            fn serialize_u64(self, _: u64) -> Result {
                Err(unsupported())
            }
            fn serialize_f32(self, _: f32) -> Result {
                Err(unsupported())
            }
            fn serialize_f64(self, _: f64) -> Result {
                Err(unsupported())
            }
            fn serialize_char(self, _: char) -> Result {
                Err(unsupported())
            }
            fn serialize_bytes(self, _: &[u8]) -> Result {
                Err(unsupported())
            }
            fn serialize_none(self) -> Result {
                Err(unsupported())
            }
            fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result {
                Err(unsupported())
            }
            fn serialize_unit(self) -> Result {
                Err(unsupported())
            }
            fn serialize_unit_struct(self, _: &'static str) -> Result {
                Err(unsupported())
            }
            fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result {
                Err(unsupported())
            }
            fn serialize_newtype_struct<T: Serialize + ?Sized>(
                self,
                _: &'static str,
                _: &T,
            ) -> Result {
                Err(unsupported())
            }
            fn serialize_newtype_variant<T: Serialize + ?Sized>(
                self,
                _: &'static str,
                _: u32,
                _: &'static str,
                _: &T,
            ) -> Result {
                Err(unsupported())
            }
            fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
                Err(unsupported())
            }
            fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
                Err(unsupported())
            }
            fn serialize_tuple_struct(
                self,
                _: &'static str,
                _: usize,
            ) -> Result<Self::SerializeTupleStruct> {
                Err(unsupported())
            }
            fn serialize_tuple_variant(
                self,
                _: &'static str,
                _: u32,
                _: &'static str,
                _: usize,
            ) -> Result<Self::SerializeTupleVariant> {
                Err(unsupported())
            }
            fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
                Err(unsupported())
            }
            fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
                Err(unsupported())
            }
            fn serialize_struct_variant(
                self,
                _: &'static str,
                _: u32,
                _: &'static str,
                _: usize,
            ) -> Result<Self::SerializeStructVariant> {
                Err(unsupported())
            }
        }
    };
}

only_str!(Key, |out, value| write_str(out, value));
only_str!(Raw, |out, value| out.extend_from_slice(value.as_bytes()));

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn same_as_serde_json<T: Serialize + ?Sized>(value: &T) {
        let mut fast = Vec::new();
        write(&mut fast, value).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&fast),
            String::from_utf8_lossy(&serde_json::to_vec(value).unwrap())
        );
    }

    #[test]
    fn writes_what_serde_json_writes() {
        same_as_serde_json(&json!({
            "plain": "abc", "quote": "a\"b", "backslash": "a\\b", "control": "\u{1}\t\n",
            "unicode": "café ☕", "slash": "a/b", "del": "\u{7f}", "high": "\u{80}\u{9f}ÿ",
            "long": "a long string with a \" quote after its first eight bytes",
            "long_control": "0123456789abcdef\u{1f}", "boundary": "\u{1f}\u{20}!#[]",
            "int": -12, "big": u64::MAX, "float": 0.1, "whole": 3.0, "none": null,
            "bool": [true, false], "nested": [{"a": []}, {}],
        }));
        same_as_serde_json(&(1u8, 'x', Some(2.5f32), None::<i32>, f64::NAN, i128::MIN));
        same_as_serde_json(&behavior_schema::Money::from_units(-1999));
    }

    #[test]
    fn finds_every_byte_that_needs_escaping() {
        for len in 0..20 {
            for at in 0..len {
                for byte in 0..=0x7f_u8 {
                    let mut text = vec![b'a'; len];
                    text[at] = byte;
                    let escaped = byte < 0x20 || byte == b'"' || byte == b'\\';
                    assert_eq!(needs_escape(&text), escaped, "{byte:#x} at {at} of {len}");
                }
            }
        }
    }

    #[test]
    fn falls_back_to_serde_json_for_the_rest() {
        #[derive(Serialize)]
        enum E {
            Tuple(u8, u8),
            Struct { a: u8 },
        }
        let mut keyed = std::collections::BTreeMap::new();
        keyed.insert(3, "three");
        same_as_serde_json(&(E::Tuple(1, 2), E::Struct { a: 1 }));
        same_as_serde_json(&keyed);
        same_as_serde_json(&serde_bytes_like());
    }

    fn serde_bytes_like() -> impl Serialize {
        struct Bytes;
        impl Serialize for Bytes {
            fn serialize<S: ser::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_bytes(b"\x00\xff")
            }
        }
        Bytes
    }
}
