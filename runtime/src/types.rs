//! Value types the catalog uses that std has no exact equivalent for: UTC timestamps in
//! microseconds, calendar dates and fixed-point decimals.
//!
//! Each keeps the representation Arrow and Parquet store (so appending is a copy) and parses and
//! formats its wire text without allocating, because both sit on the converter's and the
//! generator's hot paths. Timestamps are read by RFC 3339's grammar itself, not chrono's
//! `parse_from_rfc3339`, which also takes a space for `T`, a Unicode minus in the offset and a
//! leap second (moved into the next minute): values the published JSON Schema's `date-time`
//! refuses would otherwise land in the lake. chrono stays the tests' reference for the instant.

use std::fmt;

use serde::{Serialize, Serializer};

const MICROS_PER_SECOND: i64 = 1_000_000;
const SECONDS_PER_DAY: i64 = 86_400;
/// Microseconds in a UTC day (Parquet timestamps count microseconds; UTC has no leap seconds
/// in them).
pub const MICROS_PER_DAY: i64 = MICROS_PER_SECOND * SECONDS_PER_DAY;
/// Days from 1970-01-01 to 0001-01-01, the first day a four-digit year can name.
const MIN_DAY: i64 = -719_162;
/// Days from 1970-01-01 to 10000-01-01, the first day after the last one it can name.
const END_DAY: i64 = 2_932_897;

/// An instant in UTC with microsecond precision: what Parquet stores as
/// `INT64 TIMESTAMP(MICROS, isAdjustedToUTC = true)` and Snowflake loads losslessly.
///
/// On the wire it is RFC 3339 text. Any offset is accepted on input and normalised to UTC;
/// output is always `YYYY-MM-DDTHH:MM:SS.ffffffZ`. Epoch numbers are rejected on purpose: a bare
/// number cannot say whether it counts seconds, milliseconds or microseconds.
///
/// Only instants from 0001-01-01 to 9999-12-31 in UTC are accepted: outside it the canonical
/// text (and the lake's `event_date=YYYY-MM-DD` partition) would need more than four digits
/// for the year, and two far-apart days could share a partition key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub const fn from_micros(micros: i64) -> Self {
        Self(micros)
    }

    pub const fn micros(self) -> i64 {
        self.0
    }

    /// The UTC calendar day this instant falls on.
    pub const fn date(self) -> Date {
        Date(self.0.div_euclid(MICROS_PER_DAY) as i32)
    }

    /// Earliest instant accepted: 0001-01-01T00:00:00Z.
    pub const MIN: Self = Self(MIN_DAY * MICROS_PER_DAY);
    /// Latest instant accepted: 9999-12-31T23:59:59.999999Z.
    pub const MAX: Self = Self(END_DAY * MICROS_PER_DAY - 1);

    /// Parses RFC 3339 text (the `date-time` of its section 5.6); `None` when it is not one or
    /// is outside [`Timestamp::MIN`]..=[`Timestamp::MAX`].
    pub fn parse(text: &str) -> Option<Self> {
        parse_fast(text.as_bytes()).or_else(|| parse_general(text.as_bytes()))
    }

    /// Parses RFC 3339 text of exactly `N` bytes in the `Z` form [`Timestamp::format`] writes,
    /// with `N - 21` fraction digits (or none at `N` = 20). The length known at compile time
    /// lets the checks unroll. Accepts only digits and the separators `-`, `T`, `:`, `.` and
    /// `Z` (either case), so it can read a timestamp straight out of JSON
    /// ([`crate::decoder::Decoder::fixed_str`]); other forms are for [`Timestamp::parse`].
    #[inline]
    pub fn parse_fixed<const N: usize>(text: &[u8; N]) -> Option<Self> {
        parse_fast(text)
    }

    /// Writes the canonical text form into `out` and returns it.
    pub fn format(self, out: &mut [u8; 27]) -> &str {
        let days = self.0.div_euclid(MICROS_PER_DAY);
        let in_day = self.0.rem_euclid(MICROS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let secs = in_day / MICROS_PER_SECOND;
        let micros = in_day % MICROS_PER_SECOND;
        write_digits(&mut out[0..4], year.rem_euclid(10_000) as u64);
        out[4] = b'-';
        write_digits(&mut out[5..7], month as u64);
        out[7] = b'-';
        write_digits(&mut out[8..10], day as u64);
        out[10] = b'T';
        write_digits(&mut out[11..13], (secs / 3600) as u64);
        out[13] = b':';
        write_digits(&mut out[14..16], (secs / 60 % 60) as u64);
        out[16] = b':';
        write_digits(&mut out[17..19], (secs % 60) as u64);
        out[19] = b'.';
        write_digits(&mut out[20..26], micros as u64);
        out[26] = b'Z';
        // Every byte written above is ASCII.
        std::str::from_utf8(out).unwrap_or_default()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.format(&mut [0; 27]))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.format(&mut [0; 27]))
    }
}

/// A calendar date (no time zone): days since 1970-01-01, Arrow's `Date32`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Date(pub i32);

impl Date {
    pub fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let year = digits(&b[0..4])? as i64;
        let month = digits(&b[5..7])?;
        let day = digits(&b[8..10])?;
        if year == 0 || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Self(days_from_civil(year, month, day) as i32))
    }

    pub fn format(self, out: &mut [u8; 10]) -> &str {
        let (year, month, day) = civil_from_days(self.0 as i64);
        write_digits(&mut out[0..4], year.rem_euclid(10_000) as u64);
        out[4] = b'-';
        write_digits(&mut out[5..7], month as u64);
        out[7] = b'-';
        write_digits(&mut out[8..10], day as u64);
        std::str::from_utf8(out).unwrap_or_default()
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.format(&mut [0; 10]))
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.format(&mut [0; 10]))
    }
}

/// A fixed-point number with `P` significant digits, `S` of them after the point: Arrow's
/// `Decimal128(P, S)`, Snowflake's `NUMBER(P, S)`. The value is `units / 10^S`.
///
/// On the wire it is a JSON number, parsed from its text exactly (never through `f64`), so
/// `19.99` stays 1999 cents. A number with more than `S` decimals, or more than `P` digits, is
/// rejected rather than rounded: silently changing money is worse than quarantining it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Decimal<const P: u8, const S: u8>(pub i128);

impl<const P: u8, const S: u8> Decimal<P, S> {
    /// `10^(P - S)`: every value is strictly inside `(-LIMIT, LIMIT)`.
    pub fn limit() -> f64 {
        10f64.powi(i32::from(P) - i32::from(S))
    }

    pub const fn from_units(units: i128) -> Self {
        Self(units)
    }

    pub const fn units(self) -> i128 {
        self.0
    }

    /// Parses JSON number text exactly; the error says why it does not fit.
    #[inline]
    pub fn parse(text: &[u8]) -> Result<Self, DecimalError> {
        // Money as producers write it (`129.99`) fits i64 arithmetic, several times cheaper
        // than the general path's i128.
        if let Some(units) = parse_small_decimal(text, S)
            && (P >= 19 || units.unsigned_abs() < 10u64.pow(u32::from(P)))
        {
            return Ok(Self(i128::from(units)));
        }
        parse_decimal(text, P, S).map(Self)
    }

    #[inline]
    pub fn to_f64(self) -> f64 {
        let scale = 10f64.powi(i32::from(S));
        // i64 to f64 is one instruction, i128 to f64 a library call; both round the same.
        match i64::try_from(self.0) {
            Ok(small) => small as f64 / scale,
            Err(_) => self.0 as f64 / scale,
        }
    }
}

impl<const P: u8, const S: u8> Decimal<P, S> {
    /// The exact decimal text (`-12.30` at scale 2), written into `buf` without allocating:
    /// the generator writes one per money field, and `format!` with i128 arithmetic was a
    /// tenth of its time.
    pub fn text<'b>(&self, buf: &'b mut [u8; 48]) -> &'b str {
        // i128 has at most 39 digits; with a sign and a point that is 41 bytes.
        let mut at = buf.len();
        let abs = self.0.unsigned_abs();
        let scale = 10u128.pow(u32::from(S));
        if S > 0 {
            write_decimal_digits(abs % scale, buf, &mut at, usize::from(S));
            at -= 1;
            buf[at] = b'.';
        }
        write_decimal_digits(abs / scale, buf, &mut at, 1);
        if self.0 < 0 {
            at -= 1;
            buf[at] = b'-';
        }
        // Only ASCII digits, '.' and '-' were written.
        std::str::from_utf8(&buf[at..]).unwrap_or_default()
    }
}

/// Writes `value` in decimal right before `buf[*at]`, at least `min` digits (zero-padded).
fn write_decimal_digits(value: u128, buf: &mut [u8], at: &mut usize, min: usize) {
    const CHUNK: u128 = 10u128.pow(19);
    let end = *at;
    // u64 division is several times cheaper than u128's: peel 19-digit chunks off big values.
    let mut value = value;
    while u64::try_from(value).is_err() {
        let mut chunk = (value % CHUNK) as u64;
        value /= CHUNK;
        for _ in 0..19 {
            *at -= 1;
            buf[*at] = b'0' + (chunk % 10) as u8;
            chunk /= 10;
        }
    }
    let mut rest = value as u64;
    loop {
        *at -= 1;
        buf[*at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 && end - *at >= min {
            break;
        }
    }
}

impl<const P: u8, const S: u8> fmt::Display for Decimal<P, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text(&mut [0; 48]))
    }
}

impl<const P: u8, const S: u8> Serialize for Decimal<P, S> {
    fn serialize<S2: Serializer>(&self, serializer: S2) -> Result<S2::Ok, S2::Error> {
        // A RawValue writes the exact digits as a JSON number with serde_json; going through
        // f64 would print 0.30000000000000004 for some sums of cents. Borrowed from a stack
        // buffer, not allocated.
        let mut buf = [0; 48];
        let raw: &serde_json::value::RawValue =
            serde_json::from_str(self.text(&mut buf)).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

/// Why a JSON number does not fit a `Decimal<P, S>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecimalError {
    NotANumber,
    TooManyDecimals,
    TooManyDigits,
}

/// `[-]digits[.digits]` with at most 18 digits once scaled and at most `scale` fraction
/// digits, as units of `10^-scale`; `None` for anything else (an exponent, more digits or
/// decimals, malformed text), which [`parse_decimal`] decides.
#[inline(always)]
fn parse_small_decimal(text: &[u8], scale: u8) -> Option<i64> {
    let (negative, rest) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let mut units: i64 = 0;
    let mut digits = 0usize;
    let mut point = None;
    for (at, &c) in rest.iter().enumerate() {
        match c {
            b'0'..=b'9' if digits < 18 => {
                units = units * 10 + i64::from(c - b'0');
                digits += 1;
            }
            b'.' if point.is_none() && at > 0 => point = Some(at),
            _ => return None,
        }
    }
    let decimals = point.map_or(0, |at| rest.len() - at - 1);
    let shift = usize::from(scale).checked_sub(decimals)?;
    if digits == 0 || digits + shift > 18 {
        return None;
    }
    let units = units * 10i64.pow(shift as u32);
    Some(if negative { -units } else { units })
}

fn parse_decimal(text: &[u8], precision: u8, scale: u8) -> Result<i128, DecimalError> {
    let (negative, rest) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let (mantissa, exponent) = match rest.iter().position(|&c| c == b'e' || c == b'E') {
        Some(at) => (&rest[..at], parse_exponent(&rest[at + 1..])?),
        None => (rest, 0),
    };
    let (int_part, frac_part) = match mantissa.iter().position(|&c| c == b'.') {
        Some(at) => (&mantissa[..at], &mantissa[at + 1..]),
        None => (mantissa, &[][..]),
    };
    if int_part.is_empty() || !int_part.iter().chain(frac_part).all(u8::is_ascii_digit) {
        return Err(DecimalError::NotANumber);
    }
    // Trailing zeros carry no value (1.50 fits a scale of 1, and 1.000… with forty zeros has
    // one significant digit): drop them and count them off the decimals.
    let zeros = |part: &[u8]| part.iter().rev().take_while(|&&c| c == b'0').count();
    let mut trailing = zeros(frac_part);
    if trailing == frac_part.len() {
        trailing += zeros(int_part);
    }
    let kept = int_part.len() + frac_part.len() - trailing;
    // Digits of the number as an integer, and the power of ten that scales it back.
    let mut units: i128 = 0;
    let mut significant = 0u32;
    for &c in int_part.iter().chain(frac_part).take(kept) {
        if significant > 0 || c != b'0' {
            significant += 1;
        }
        if significant > 38 {
            return Err(DecimalError::TooManyDigits);
        }
        units = units * 10 + i128::from(c - b'0');
    }
    if units == 0 {
        // Zero fits any scale, whatever its exponent (`0e-999`, `0.000e5`).
        return Ok(0);
    }
    // i64: the exponent is held to ±10^15 and the lengths are those of the input.
    let decimals = frac_part.len() as i64 - trailing as i64 - exponent;
    if decimals > i64::from(scale) {
        return Err(DecimalError::TooManyDecimals);
    }
    let shift =
        u32::try_from(i64::from(scale) - decimals).map_err(|_| DecimalError::TooManyDigits)?;
    units = 10i128
        .checked_pow(shift)
        .and_then(|p| units.checked_mul(p))
        .ok_or(DecimalError::TooManyDigits)?;
    if units >= 10i128.pow(u32::from(precision)) {
        return Err(DecimalError::TooManyDigits);
    }
    Ok(if negative { -units } else { units })
}

/// An exponent's digits with their sign, held to ±10^15: far past any scale or precision, so
/// the caller's verdict (too many decimals or digits, or zero) is the same as for the exact
/// value, and no exponent the input can spell is mistaken for "not a number".
fn parse_exponent(text: &[u8]) -> Result<i64, DecimalError> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(DecimalError::NotANumber);
    }
    let magnitude = digits.iter().fold(0i64, |acc, &c| {
        (acc * 10 + i64::from(c - b'0')).min(1_000_000_000_000_000)
    });
    Ok(if negative { -magnitude } else { magnitude })
}

/// The `YYYY-MM-DDTHH:MM:SS` every RFC 3339 date-time starts with (`T` in either case), as
/// seconds since 1970-01-01T00:00:00 of that calendar; `None` when it is not a real date and
/// time. The rest (fraction, offset) is the caller's.
#[inline(always)]
fn date_time_seconds(b: &[u8]) -> Option<i64> {
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = digits(&b[0..4])? as i64;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let (hour, minute, second) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * SECONDS_PER_DAY + i64::from(hour * 3600 + minute * 60 + second))
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z`, the only shape producers normally send.
#[inline(always)]
fn parse_fast(b: &[u8]) -> Option<Timestamp> {
    let secs = date_time_seconds(b)?;
    if !matches!(b[b.len() - 1], b'Z' | b'z') {
        return None;
    }
    let micros = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', frac @ ..] if (1..=9).contains(&frac.len()) => {
            let value = digits(frac)? as i64;
            // Truncate below a microsecond, as Parquet's MICROS unit does.
            match frac.len() {
                n @ 1..=6 => value * 10i64.pow(6 - n as u32),
                n => value / 10i64.pow(n as u32 - 6),
            }
        }
        _ => return None,
    };
    // Year 0000 is the only out-of-range instant a `Z` form can spell.
    if secs < MIN_DAY * SECONDS_PER_DAY {
        return None;
    }
    Some(Timestamp(secs * MICROS_PER_SECOND + micros))
}

/// Any RFC 3339 `date-time`: `T` or `t`, a fraction of any length (truncated below a
/// microsecond), and `Z`, `z` or a numeric offset `±HH:MM`. Nothing looser: no space for `T`,
/// no offset without its colon, no leap second (a Parquet timestamp has none to store).
fn parse_general(b: &[u8]) -> Option<Timestamp> {
    let local = date_time_seconds(b)?;
    let mut rest = &b[19..];
    let mut micros = 0;
    if let [b'.', fraction @ ..] = rest {
        let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let kept = &fraction[..n.min(6)];
        micros = i64::from(digits(kept)?) * 10i64.pow(6 - kept.len() as u32);
        rest = &fraction[n..];
    }
    let offset = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (hours, minutes) = (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = i64::from(hours * 3600 + minutes * 60);
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    let secs = local - offset;
    let instant = Timestamp(secs * MICROS_PER_SECOND + micros);
    (Timestamp::MIN..=Timestamp::MAX)
        .contains(&instant)
        .then_some(instant)
}

#[inline(always)]
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn write_digits(out: &mut [u8], mut value: u64) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(month) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_and_agree_with_chrono() {
        for text in [
            "1970-01-01T00:00:00.000000Z",
            "2026-11-27T15:42:29.123456Z",
            "2024-02-29T23:59:59.999999Z",
            "1969-12-31T23:59:59.000001Z",
            "9999-12-31T23:59:59.999999Z",
        ] {
            let ts = Timestamp::parse(text).unwrap();
            assert_eq!(ts.to_string(), text);
            assert_eq!(Some(ts), parse_general(text.as_bytes()), "{text}");
            assert_eq!(ts.micros(), chrono_micros(text), "{text}");
        }
    }

    fn chrono_micros(text: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_micros()
    }

    #[test]
    fn the_general_parser_reads_every_rfc3339_spelling_as_chrono_does() {
        for text in [
            "2026-01-01T12:00:00.5+02:00",
            "2026-01-01t12:00:00z",
            "2026-01-01T12:00:00-00:00",
            "2026-01-01T00:30:00+01:00",
            "2026-12-31T23:30:00-23:59",
            "2026-01-01T12:00:00.1234567891234Z",
            "2026-01-01T12:00:00.000000999-05:30",
            "0001-01-01T00:00:00Z",
            "0001-01-01T00:59:00-00:59",
            "9999-12-31T23:59:59.999999Z",
            "9999-12-31T23:59:59.9999999+00:00",
        ] {
            let parsed = Timestamp::parse(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(parsed.micros(), chrono_micros(text), "{text}");
        }
    }

    #[test]
    fn instants_outside_years_1_to_9999_utc_are_rejected() {
        // Either of the first two would print, and partition, as a year that wraps around.
        for text in [
            "0000-01-01T12:00:00Z",
            "0000-12-31T23:59:59.999999Z",
            "0001-01-01T00:00:00+00:01",
            "9999-12-31T23:30:00-01:00",
            "9999-12-31T23:59:59.999999-00:01",
        ] {
            assert_eq!(Timestamp::parse(text), None, "{text}");
        }
        assert_eq!(Timestamp::MIN.to_string(), "0001-01-01T00:00:00.000000Z");
        assert_eq!(Timestamp::MAX.to_string(), "9999-12-31T23:59:59.999999Z");
        assert_eq!(Date::parse("0000-01-01"), None);
        assert_eq!(Timestamp::MIN.date(), Date::parse("0001-01-01").unwrap());
        assert_eq!(Timestamp::MAX.date(), Date::parse("9999-12-31").unwrap());
    }

    #[test]
    fn timestamps_accept_offsets_and_short_fractions() {
        let utc = Timestamp::parse("2026-01-01T10:00:00.5Z").unwrap();
        assert_eq!(utc.to_string(), "2026-01-01T10:00:00.500000Z");
        let offset = Timestamp::parse("2026-01-01T12:00:00.5+02:00").unwrap();
        assert_eq!(offset, utc);
        assert_eq!(utc.date().to_string(), "2026-01-01");
    }

    #[test]
    fn timestamps_reject_impossible_dates_and_junk() {
        for text in [
            "2026-02-30T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01 00:00:00",
            // Spellings chrono accepts and RFC 3339 does not: a space for `T`, a leap second
            // (chrono moves it into the next minute), a Unicode minus, no colon in the offset.
            "2026-01-01 10:00:00Z",
            "2026-01-01T10:15:60Z",
            "2026-01-01T10:00:00\u{2212}05:00",
            "2026-01-01T10:00:00+0500",
            "2026-01-01T10:00:00+05",
            "2026-01-01T10:00:00+24:00",
            "2026-01-01T10:00:00+05:60",
            "2026-01-01T10:00:00.Z",
            "2026-01-01T10:00:00",
            "2026-01-01T10:00:00Z ",
            "+2026-01-01T10:00:00Z",
            "1700000000",
            "",
        ] {
            assert_eq!(Timestamp::parse(text), None, "{text}");
        }
    }

    #[test]
    fn dates_round_trip() {
        for text in ["1970-01-01", "2000-02-29", "2026-11-27", "1900-03-01"] {
            assert_eq!(Date::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(Date::parse("2001-02-29"), None);
    }

    #[test]
    fn decimals_parse_exactly() {
        type Money = Decimal<18, 2>;
        assert_eq!(Money::parse(b"19.99"), Ok(Money::from_units(1999)));
        assert_eq!(Money::parse(b"-0.5"), Ok(Money::from_units(-50)));
        assert_eq!(Money::parse(b"7"), Ok(Money::from_units(700)));
        assert_eq!(Money::parse(b"1.50e1"), Ok(Money::from_units(1500)));
        assert_eq!(Money::parse(b"1.230"), Ok(Money::from_units(123)));
        assert_eq!(Money::parse(b"1.999"), Err(DecimalError::TooManyDecimals));
        assert_eq!(
            Money::parse(b"1234567890123456789"),
            Err(DecimalError::TooManyDigits)
        );
        assert_eq!(Money::from_units(-1999).to_string(), "-19.99");
        // Extreme exponents neither hang nor overflow.
        assert_eq!(Money::parse(b"0e-2147483647"), Ok(Money::from_units(0)));
        assert_eq!(Money::parse(b"0e100"), Ok(Money::from_units(0)));
        assert_eq!(
            Money::parse(b"1e-2147483648"),
            Err(DecimalError::TooManyDecimals)
        );
        assert_eq!(
            Money::parse(b"1e2147483647"),
            Err(DecimalError::TooManyDigits)
        );
        // Exponents past i32 are still numbers, with the same verdicts.
        assert_eq!(Money::parse(b"0e99999999999"), Ok(Money::from_units(0)));
        assert_eq!(
            Money::parse(b"1e-99999999999"),
            Err(DecimalError::TooManyDecimals)
        );
        assert_eq!(
            Money::parse(b"1e+99999999999"),
            Err(DecimalError::TooManyDigits)
        );
        // Trailing zeros are not significant digits, wherever they sit.
        let one = format!("1.{}", "0".repeat(40));
        assert_eq!(Money::parse(one.as_bytes()), Ok(Money::from_units(100)));
        let hundred = format!("1{}e-40", "0".repeat(42));
        assert_eq!(
            Money::parse(hundred.as_bytes()),
            Ok(Money::from_units(10_000))
        );
        assert_eq!(Money::parse(b"1500e-3"), Ok(Money::from_units(150)));
        assert_eq!(Money::parse(b"0.0500"), Ok(Money::from_units(5)));
        assert_eq!(Money::parse(b"10.00e-1"), Ok(Money::from_units(100)));
        assert_eq!(Money::from_units(5).to_string(), "0.05");
    }

    #[test]
    fn the_i64_decimal_path_agrees_with_the_general_one() {
        // Every number text the fast path takes, it must read as the general path does, at
        // every scale; the texts cover signs, points, leading and trailing zeros and the
        // 18-digit edge.
        let mut texts: Vec<String> = [
            "0",
            "-0",
            "7",
            "19.99",
            "-0.5",
            "1.",
            "0.05",
            "00",
            "1.230",
            "129.990",
            "999999999999999999",
            "99999999999999999.9",
            "9999999999999999999",
            "123456789012345678",
            "1.2.3",
            ".5",
            "-",
            "",
            "1e2",
            "12a",
            "--1",
            "1-",
        ]
        .map(String::from)
        .to_vec();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let units = (seed % 10u64.pow((seed % 19) as u32 + 1)) as i64;
            let decimals = (seed >> 40) as usize % 5;
            let digits = format!("{:0width$}", units, width = decimals + 1);
            let (int, frac) = digits.split_at(digits.len() - decimals);
            let sign = if seed & 1 == 1 { "-" } else { "" };
            texts.push(if decimals == 0 {
                format!("{sign}{int}")
            } else {
                format!("{sign}{int}.{frac}")
            });
        }
        for text in &texts {
            for scale in 0..=4u8 {
                if let Some(units) = parse_small_decimal(text.as_bytes(), scale) {
                    assert_eq!(
                        parse_decimal(text.as_bytes(), 38, scale),
                        Ok(i128::from(units)),
                        "{text} at scale {scale}"
                    );
                }
            }
        }
        assert_eq!(parse_small_decimal(b"19.99", 2), Some(1999));
        assert_eq!(parse_small_decimal(b"19.999", 2), None);
        assert_eq!(parse_small_decimal(b"1e2", 2), None);
    }

    #[test]
    fn decimal_text_matches_integer_formatting_at_every_magnitude() {
        fn expected(units: i128, scale: u32) -> String {
            let sign = if units < 0 { "-" } else { "" };
            let abs = units.unsigned_abs();
            let p = 10u128.pow(scale);
            if scale == 0 {
                format!("{sign}{abs}")
            } else {
                format!("{sign}{}.{:0w$}", abs / p, abs % p, w = scale as usize)
            }
        }
        let mut values = vec![
            0,
            1,
            -1,
            9,
            10,
            99,
            100,
            i128::MAX,
            i128::MIN,
            i128::MIN + 1,
        ];
        for exp in 0..39 {
            let p = 10i128.pow(exp);
            values.extend([p, p - 1, -p, p + 7, u64::MAX as i128 + p]);
        }
        for &units in &values {
            assert_eq!(
                Decimal::<38, 2>::from_units(units).to_string(),
                expected(units, 2)
            );
            assert_eq!(
                Decimal::<38, 0>::from_units(units).to_string(),
                expected(units, 0)
            );
            assert_eq!(
                Decimal::<38, 9>::from_units(units).to_string(),
                expected(units, 9)
            );
            let json = serde_json::to_string(&Decimal::<38, 2>::from_units(units)).unwrap();
            assert_eq!(json, expected(units, 2));
        }
    }
}
