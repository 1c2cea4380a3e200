//! serde `Deserialize` for events and records: the wire JSON read back into the Rust structs.
//!
//! Not the converter's path (that decodes straight into Arrow columns); this is for programs
//! and tests that want typed events. It applies the same envelope and unknown-field rules as the
//! decoder, but not the declared value rules (bounds, lengths, patterns): those are the decoder's.
//! Integers are serde's: `2.0` or `1e3`, which the decoder reads as JSON Schema integers, are
//! refused here.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use crate::descriptor::{EVENT_TYPE_KEY, SCHEMA_VERSION_KEY};
use crate::record::{Event, Record};
use crate::types::{Date, Decimal, Timestamp};

/// Fields of a record collected while reading a JSON object (generated per record).
pub trait RecordPartial<R>: Default {
    /// Reads the value of `key` if the record declares it; `false` when it does not.
    fn accept<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error>;
    /// The record, or the first required field that was absent.
    fn build<E: de::Error>(self) -> Result<R, E>;
}

/// A string borrowed from the input when it has no escapes.
pub struct Text<'de>(pub Cow<'de, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// Reads a field value of an absent-or-present field (what generated `accept` calls).
pub fn take<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    slot: &mut Option<T>,
    key: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(key));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

struct RecordVisitor<R>(PhantomData<fn() -> R>, bool);

impl<'de, R: Record> Visitor<'de> for RecordVisitor<R> {
    type Value = R;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<R, A::Error>
    where
        R: Record,
    {
        let mut partial = R::Partial::default();
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            if partial.accept(&key, &mut map)? {
                continue;
            }
            if self.1 && (key == EVENT_TYPE_KEY || key == SCHEMA_VERSION_KEY) {
                // Checked by `deserialize_event` before it delegates here.
                map.next_value::<de::IgnoredAny>()?;
                continue;
            }
            return Err(de::Error::custom(format_args!("unknown field {key:?}")));
        }
        partial.build()
    }
}

/// `Deserialize` of a nested or flattened record.
pub fn deserialize_record<'de, R: Record, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<R, D::Error> {
    deserializer.deserialize_map(RecordVisitor::<R>(PhantomData, false))
}

/// `Deserialize` of an event: the record plus its envelope. The envelope must name this type;
/// an absent `schema_version` means 1.
pub fn deserialize_event<'de, E: Event, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<E, D::Error> {
    struct EventVisitor<E>(PhantomData<fn() -> E>);
    impl<'de, E: Event> Visitor<'de> for EventVisitor<E> {
        type Value = E;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a {} event object", E::EVENT_TYPE)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<E, A::Error> {
            let mut partial = E::Partial::default();
            let mut version = 1u32;
            let mut event_type = false;
            while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
                if partial.accept(&key, &mut map)? {
                    continue;
                }
                match key.as_ref() {
                    EVENT_TYPE_KEY => {
                        let Text(name) = map.next_value()?;
                        if name != E::EVENT_TYPE {
                            return Err(de::Error::custom(format_args!(
                                "event_type {name:?} where {:?} was expected",
                                E::EVENT_TYPE
                            )));
                        }
                        event_type = true;
                    }
                    SCHEMA_VERSION_KEY => version = map.next_value()?,
                    _ => return Err(de::Error::custom(format_args!("unknown field {key:?}"))),
                }
            }
            if !event_type {
                return Err(de::Error::missing_field(EVENT_TYPE_KEY));
            }
            if version != E::VERSION {
                return Err(de::Error::custom(format_args!(
                    "schema_version {version} where {} was expected",
                    E::VERSION
                )));
            }
            partial.build()
        }
    }
    deserializer.deserialize_map(EventVisitor::<E>(PhantomData))
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let Text(text) = Text::deserialize(deserializer)?;
        Timestamp::parse(&text).ok_or_else(|| {
            de::Error::custom(format_args!(
                "{text:?} is not an RFC 3339 date-time in years 0001 to 9999 UTC"
            ))
        })
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let Text(text) = Text::deserialize(deserializer)?;
        Date::parse(&text)
            .ok_or_else(|| de::Error::custom(format_args!("{text:?} is not a YYYY-MM-DD date")))
    }
}

impl<'de, const P: u8, const S: u8> Deserialize<'de> for Decimal<P, S> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DecimalVisitor<const P: u8, const S: u8>;
        impl<const P: u8, const S: u8> Visitor<'_> for DecimalVisitor<P, S> {
            type Value = Decimal<P, S>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a number that fits DECIMAL({P}, {S})")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                // Shortest round-trip text: 19.99 stays "19.99" for values of up to 15 digits.
                self.visit_str(&v.to_string())
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Decimal::parse(v.as_bytes()).map_err(|e| E::custom(format_args!("{v}: {e:?}")))
            }
        }
        deserializer.deserialize_any(DecimalVisitor::<P, S>)
    }
}
