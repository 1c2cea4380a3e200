//! A pull decoder over one JSON document (RFC 8259), built for the converter's hot path.
//!
//! Generated decoders walk the document with it and append each value straight into its Arrow
//! column: strings are borrowed from the input (or from a scratch buffer when they hold
//! escapes) and copied once, into the column's buffer. A general-purpose pull parser (jiter,
//! the first version) spent most of its time on machinery an event schema does not need; this
//! one scans strings with `memchr`, validates UTF-8 only where a string has non-ASCII bytes, and
//! reports errors with the byte offset and the reason.

use std::ops::Range;

use crate::error::{DecodeError, ErrorKind};
use crate::types::{Decimal, DecimalError};

/// Deepest nesting of arrays and objects the decoder walks into. Declared event shapes need 3;
/// anything past this limit is rejected as `too_deep` before it can cost stack or time.
pub const MAX_DEPTH: u32 = 32;

/// The first byte of the next value, which says what kind of value it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Peek(u8);

#[allow(non_upper_case_globals)]
impl Peek {
    pub const Null: Peek = Peek(b'n');
    pub const True: Peek = Peek(b't');
    pub const False: Peek = Peek(b'f');
    pub const String: Peek = Peek(b'"');
    pub const Array: Peek = Peek(b'[');
    pub const Object: Peek = Peek(b'{');

    /// Whether a number starts here.
    pub const fn is_num(self) -> bool {
        self.0.is_ascii_digit() || self.0 == b'-'
    }
}

/// Where a decoded string's bytes are: in the input, or in the scratch buffer (escapes).
enum Text {
    Input(Range<usize>),
    Scratch,
}

pub struct Decoder<'j> {
    input: &'j [u8],
    pos: usize,
    depth: u32,
    scratch: Vec<u8>,
}

impl<'j> Decoder<'j> {
    pub fn new(input: &'j [u8]) -> Self {
        Self::with_tape(input, Vec::new())
    }

    /// Reuses a scratch buffer for escaped strings across documents.
    pub fn with_tape(input: &'j [u8], tape: Vec<u8>) -> Self {
        Self {
            input,
            pos: 0,
            depth: 0,
            scratch: tape,
        }
    }

    pub fn into_tape(self) -> Vec<u8> {
        self.scratch
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    #[inline]
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.input.get(self.pos) {
            self.pos += 1;
        }
    }

    /// What the next value is (whitespace skipped).
    #[inline]
    pub fn peek(&mut self) -> Result<Peek, DecodeError> {
        self.skip_whitespace();
        match self.input.get(self.pos) {
            Some(&c) => Ok(Peek(c)),
            None => Err(self.malformed("unexpected end of input, expected a value")),
        }
    }

    /// The string at `peek`, appended to `out` as it is scanned: one pass over the bytes
    /// instead of a scan and then a copy. Returns where the string starts in `out`; what is
    /// appended is always valid UTF-8. Escaped strings and short tails take the general path
    /// ([`Decoder::str`]). On error `out` is as before.
    #[inline]
    pub fn str_into(
        &mut self,
        peek: Peek,
        expected: &str,
        out: &mut Vec<u8>,
    ) -> Result<usize, DecodeError> {
        if peek != Peek::String {
            return Err(self.not_a(expected, peek));
        }
        let base = out.len();
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::*;
            let input = self.input;
            let mut pos = self.pos + 1;
            let mut non_ascii = false;
            // SAFETY: every load reads 16 bytes at `pos`, and the loop runs only while
            // `pos + 16 <= input.len()`; every store writes 16 bytes at `out.len()` after
            // `reserve(16)`, and `set_len` only covers bytes stored.
            unsafe {
                while pos + 16 <= input.len() {
                    let v = _mm_loadu_si128(input.as_ptr().add(pos).cast());
                    out.reserve(16);
                    _mm_storeu_si128(out.as_mut_ptr().add(out.len()).cast(), v);
                    let (found, high) = specials(v);
                    if found != 0 {
                        let offset = found.trailing_zeros();
                        if input[pos + offset as usize] != b'"' {
                            break;
                        }
                        non_ascii |= high & ((1u32 << offset) - 1) != 0;
                        out.set_len(out.len() + offset as usize);
                        if non_ascii && std::str::from_utf8(&out[base..]).is_err() {
                            // The general path names the byte.
                            break;
                        }
                        self.pos = pos + offset as usize + 1;
                        return Ok(base);
                    }
                    non_ascii |= high != 0;
                    out.set_len(out.len() + 16);
                    pos += 16;
                }
            }
        }
        out.truncate(base);
        let text = self.string()?;
        out.extend_from_slice(self.resolve(text).as_bytes());
        Ok(base)
    }

    /// The string at `peek`; a wrong-type error naming `expected` otherwise.
    #[inline]
    pub fn str(&mut self, peek: Peek, expected: &str) -> Result<&str, DecodeError> {
        if peek != Peek::String {
            return Err(self.not_a(expected, peek));
        }
        let text = self.string()?;
        Ok(self.resolve(text))
    }

    /// Fast path for fixed-width string values (UUIDs, timestamps): when the string at `peek`
    /// is exactly `N` bytes long as written, hands them to `parse` without scanning them first,
    /// and moves past the string if `parse` accepts them.
    ///
    /// `parse` must accept only bytes that need no JSON string handling: no `"`, `\`, control
    /// or non-ASCII bytes. Then the bytes are the whole string, unescaped and valid. `None`
    /// leaves the decoder where it was, for the general path ([`Decoder::str`]) to decode
    /// the value or report the error.
    #[inline(always)]
    pub fn fixed_str<const N: usize, T>(
        &mut self,
        peek: Peek,
        parse: impl FnOnce(&[u8; N]) -> Option<T>,
    ) -> Option<T> {
        if peek != Peek::String {
            return None;
        }
        let start = self.pos + 1;
        let bytes = self.input.get(start..start + N + 1)?;
        let (text, quote) = bytes.split_at(N);
        if quote != b"\"" {
            return None;
        }
        let value = parse(text.try_into().ok()?)?;
        self.pos = start + N + 1;
        Some(value)
    }

    /// Whether the string at `peek` is `text`, written without escapes; moves past it if so.
    /// `text` must need no escaping (no `"`, `\` or control bytes, as in snake_case names), so
    /// equal bytes are an equal string. `false` leaves the decoder where it was.
    #[inline(always)]
    pub fn plain_str_is(&mut self, peek: Peek, text: &str) -> bool {
        debug_assert!(text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\'));
        let start = self.pos + 1;
        let end = start + text.len();
        if peek == Peek::String
            && self.input.get(start..end) == Some(text.as_bytes())
            && self.input.get(end) == Some(&b'"')
        {
            self.pos = end + 1;
            return true;
        }
        false
    }

    #[inline]
    pub fn bool(&mut self, peek: Peek) -> Result<bool, DecodeError> {
        match peek {
            Peek::True => self.literal(b"true").map(|()| true),
            Peek::False => self.literal(b"false").map(|()| false),
            _ => Err(self.not_a("a boolean", peek)),
        }
    }

    #[inline]
    pub fn null(&mut self, peek: Peek) -> Result<(), DecodeError> {
        if peek != Peek::Null {
            return Err(self.not_a("null", peek));
        }
        self.literal(b"null")
    }

    /// An integer that fits in i64.
    #[inline]
    pub fn int(&mut self, peek: Peek) -> Result<i64, DecodeError> {
        if !peek.is_num() {
            return Err(self.not_a("an integer", peek));
        }
        let start = self.pos;
        // Fast path: up to 18 digits (which cannot overflow) ending the number. Anything else
        // (a fraction, an exponent, a leading zero, more digits) takes the general path, which
        // checks the grammar and the range. It is `plain_number` without the fraction and the
        // text, written out: through `plain_number` the mix decoded with 1.9% more instructions.
        let negative = peek == Peek(b'-');
        let first = start + usize::from(negative);
        let mut pos = first;
        let mut value: i64 = 0;
        while pos - first < 18
            && let Some(&c) = self.input.get(pos)
            && c.is_ascii_digit()
        {
            value = value * 10 + i64::from(c - b'0');
            pos += 1;
        }
        let digits = pos - first;
        if digits > 0
            && (digits == 1 || self.input[first] != b'0')
            && !matches!(self.input.get(pos), Some(b'0'..=b'9' | b'.' | b'e' | b'E'))
        {
            self.pos = pos;
            return Ok(if negative { -value } else { value });
        }
        let integral = self.number()?;
        let text = &self.input[start..self.pos];
        if !integral {
            let value = exact_integer(text)?;
            return i64::try_from(value).map_err(|_| out_of_range(text));
        }
        let (negative, digits) = match text.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, text),
        };
        // Accumulate negatively so i64::MIN parses too.
        let mut value: i64 = 0;
        for &c in digits {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_sub(i64::from(c - b'0')))
                .ok_or_else(|| out_of_range(text))?;
        }
        if negative {
            Ok(value)
        } else {
            value.checked_neg().ok_or_else(|| out_of_range(text))
        }
    }

    /// A number as producers write money and counts, read in one pass with no second parse:
    /// an optional `-`, at most 18 digits in all, at most `max_decimals` of them after a `.`,
    /// no exponent and no leading zero. Returns its digits as an integer (`-12.30` is -1230),
    /// how many of them are decimals, and its text. Any other number (or a non-number) gives
    /// `None` and consumes nothing: the caller then reads it with [`Decoder::number_text`].
    #[inline]
    pub fn plain_number(&mut self, peek: Peek, max_decimals: u32) -> Option<(i64, u32, &'j [u8])> {
        if !peek.is_num() {
            return None;
        }
        let input = self.input;
        let start = self.pos;
        let first = start + usize::from(peek == Peek(b'-'));
        let mut pos = first;
        let mut value: i64 = 0;
        // Up to 18 digits cannot overflow an i64.
        while pos - first < 18
            && let Some(&c) = input.get(pos)
            && c.is_ascii_digit()
        {
            value = value * 10 + i64::from(c - b'0');
            pos += 1;
        }
        let int_digits = pos - first;
        if int_digits == 0 || (int_digits > 1 && input[first] == b'0') {
            return None;
        }
        let mut decimals = 0;
        if input.get(pos) == Some(&b'.') {
            let fraction = pos + 1;
            pos = fraction;
            while int_digits + (pos - fraction) < 18
                && let Some(&c) = input.get(pos)
                && c.is_ascii_digit()
            {
                value = value * 10 + i64::from(c - b'0');
                pos += 1;
            }
            decimals = pos - fraction;
            if decimals == 0 || decimals > max_decimals as usize {
                return None;
            }
        }
        if matches!(input.get(pos), Some(b'0'..=b'9' | b'.' | b'e' | b'E')) {
            return None;
        }
        self.pos = pos;
        let value = if first > start { -value } else { value };
        Some((value, decimals as u32, &input[start..pos]))
    }

    /// The raw text of a number, for types that parse it exactly (decimals, u64).
    #[inline]
    pub fn number_text(&mut self, peek: Peek, expected: &str) -> Result<&'j [u8], DecodeError> {
        if !peek.is_num() {
            return Err(self.not_a(expected, peek));
        }
        let start = self.pos;
        self.number()?;
        Ok(&self.input[start..self.pos])
    }

    #[inline]
    pub fn float(&mut self, peek: Peek) -> Result<f64, DecodeError> {
        let text = self.number_text(peek, "a number")?;
        // The grammar was checked by `number`, so the text is ASCII and parses.
        let value: f64 = std::str::from_utf8(text)
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(f64::NAN);
        if value.is_finite() {
            Ok(value)
        } else {
            Err(out_of_range(text))
        }
    }

    /// Enters an array; returns the first element's peek, or `None` for `[]`.
    #[inline]
    pub fn array_start(&mut self, peek: Peek, expected: &str) -> Result<Option<Peek>, DecodeError> {
        if peek != Peek::Array {
            return Err(self.not_a(expected, peek));
        }
        self.enter()?;
        self.pos += 1;
        self.skip_whitespace();
        if self.input.get(self.pos) == Some(&b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(None);
        }
        self.peek().map(Some)
    }

    /// The next element's peek, or `None` at `]` (which leaves the array).
    #[inline]
    pub fn array_step(&mut self) -> Result<Option<Peek>, DecodeError> {
        self.skip_whitespace();
        match self.input.get(self.pos) {
            Some(b',') => {
                self.pos += 1;
                let peek = self.peek()?;
                if peek == Peek(b']') {
                    return Err(self.malformed("trailing comma in an array"));
                }
                Ok(Some(peek))
            }
            Some(b']') => {
                self.pos += 1;
                self.depth -= 1;
                Ok(None)
            }
            Some(_) => Err(self.malformed("expected ',' or ']' in an array")),
            None => Err(self.malformed("unexpected end of input in an array")),
        }
    }

    /// Enters an object; returns the first key, or `None` for `{}`.
    #[inline]
    pub fn object_start(
        &mut self,
        peek: Peek,
        expected: &str,
    ) -> Result<Option<&str>, DecodeError> {
        self.object_enter(peek, expected)?;
        self.next_key(true)
    }

    /// The next key, or `None` at `}` (which leaves the object).
    #[inline]
    pub fn object_key(&mut self) -> Result<Option<&str>, DecodeError> {
        self.next_key(false)
    }

    /// Enters an object (consumes `{`); read its keys with [`Decoder::key_is`] and
    /// [`Decoder::next_key`].
    #[inline]
    pub fn object_enter(&mut self, peek: Peek, expected: &str) -> Result<(), DecodeError> {
        if peek != Peek::Object {
            return Err(self.not_a(expected, peek));
        }
        self.enter()?;
        self.pos += 1;
        Ok(())
    }

    /// Consumes the next key and its `:` if the key is exactly `key`'s name (written without
    /// escapes); otherwise consumes nothing. `first` is true for an object's first key.
    ///
    /// Producers write an event's keys in its declared order, so the decoder tries the key it
    /// expects next before falling back to a lookup by name; and they write compact JSON, so
    /// it first compares the 32 bytes ahead with `,"name":` under a mask: two 16-byte compares,
    /// the same instructions whatever the key's length.
    #[inline(always)]
    pub fn key_is(&mut self, first: bool, key: &KeyToken) -> bool {
        if !first
            && let Some(window) = self.input.get(self.pos..self.pos + 32)
            && let Some(len) = key.masked_match(window)
        {
            self.pos += len;
            return true;
        }
        self.key_is_exact(first, key)
    }

    /// [`Decoder::key_is`] for an object's first key, a key near the end of the input, or
    /// one the masked compare missed.
    #[inline(never)]
    fn key_is_exact(&mut self, first: bool, key: &KeyToken) -> bool {
        let token = if first {
            &key.bytes[1..]
        } else {
            &key.bytes[..]
        };
        if let Some(next) = self.input.get(self.pos..self.pos + token.len())
            && next == token
        {
            self.pos += token.len();
            return true;
        }
        self.key_is_spaced(first, key.name())
    }

    /// [`Decoder::key_is`] where whitespace may surround the `,`.
    fn key_is_spaced(&mut self, first: bool, name: &str) -> bool {
        self.skip_whitespace();
        let input = self.input;
        let mut p = self.pos;
        if !first {
            if input.get(p) != Some(&b',') {
                return false;
            }
            p += 1;
            while let Some(b' ' | b'\n' | b'\r' | b'\t') = input.get(p) {
                p += 1;
            }
        }
        let n = name.len();
        let Some(quoted) = input.get(p..p + n + 3) else {
            return false;
        };
        if quoted[0] == b'"'
            && quoted[n + 1] == b'"'
            && quoted[n + 2] == b':'
            && &quoted[1..=n] == name.as_bytes()
        {
            self.pos = p + n + 3;
            true
        } else {
            false
        }
    }

    /// The next key, or `None` at `}` (which leaves the object). `first` is true for an
    /// object's first key (no `,` before it).
    #[inline]
    pub fn next_key(&mut self, first: bool) -> Result<Option<&str>, DecodeError> {
        self.skip_whitespace();
        match self.input.get(self.pos) {
            Some(b',') if !first => {
                self.pos += 1;
                self.skip_whitespace();
                if self.input.get(self.pos) != Some(&b'"') {
                    return Err(self.malformed("expected a string key after ',' in an object"));
                }
                self.key().map(Some)
            }
            Some(b'"') if first => self.key().map(Some),
            Some(b'}') => {
                self.pos += 1;
                self.depth -= 1;
                Ok(None)
            }
            Some(_) if first => Err(self.malformed("expected a string key or '}' in an object")),
            Some(_) => Err(self.malformed("expected ',' or '}' in an object")),
            None => Err(self.malformed("unexpected end of input in an object")),
        }
    }

    /// Skips one value of any shape, within the nesting limit, checking it is well-formed.
    pub fn skip(&mut self, peek: Peek) -> Result<(), DecodeError> {
        match peek {
            Peek::Array => {
                let mut next = self.array_start(peek, "an array")?;
                while let Some(peek) = next {
                    self.skip(peek)?;
                    next = self.array_step()?;
                }
                Ok(())
            }
            Peek::Object => {
                let mut key = self.object_start(peek, "an object")?.is_some();
                while key {
                    let peek = self.peek()?;
                    self.skip(peek)?;
                    key = self.object_key()?.is_some();
                }
                Ok(())
            }
            Peek::String => self.string().map(drop),
            Peek::True => self.literal(b"true"),
            Peek::False => self.literal(b"false"),
            Peek::Null => self.literal(b"null"),
            p if p.is_num() => self.number().map(drop),
            _ => Err(self.malformed("expected a JSON value")),
        }
    }

    /// Checks nothing but whitespace follows the document.
    pub fn finish(&mut self) -> Result<(), DecodeError> {
        self.skip_whitespace();
        if self.pos == self.input.len() {
            Ok(())
        } else {
            Err(self.malformed("trailing characters after the JSON value"))
        }
    }

    /// A key and its `:`, the decoder positioned on the opening quote.
    #[inline]
    fn key(&mut self) -> Result<&str, DecodeError> {
        let text = self.string()?;
        self.skip_whitespace();
        if self.input.get(self.pos) != Some(&b':') {
            return Err(self.malformed("expected ':' after an object key"));
        }
        self.pos += 1;
        Ok(self.resolve(text))
    }

    #[inline]
    fn resolve(&self, text: Text) -> &str {
        let bytes = match text {
            Text::Input(range) => &self.input[range],
            Text::Scratch => &self.scratch[..],
        };
        // SAFETY: `string` checked these bytes are UTF-8 (`scan`, then `check_utf8` when a byte is non-ASCII), and the scratch
        // buffer only receives checked chunks and `char::encode_utf8` output.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    /// A string, the decoder positioned on its opening quote.
    #[inline]
    fn string(&mut self) -> Result<Text, DecodeError> {
        let start = self.pos + 1;
        let (end, special) = scan(self.input, start);
        match special {
            Special::Quote { non_ascii } => {
                if non_ascii {
                    self.check_utf8(start, end)?;
                }
                self.pos = end + 1;
                Ok(Text::Input(start..end))
            }
            Special::Backslash { .. } => self.escaped_string(start),
            Special::Control => {
                Err(self.malformed_at(end, "control character in a string (it must be escaped)"))
            }
            Special::End => Err(self.malformed("unexpected end of input in a string")),
        }
    }

    #[cold]
    fn check_utf8(&self, start: usize, end: usize) -> Result<(), DecodeError> {
        match std::str::from_utf8(&self.input[start..end]) {
            Ok(_) => Ok(()),
            Err(e) => Err(DecodeError::new(
                ErrorKind::InvalidUtf8,
                format!("invalid UTF-8 at byte {}", start + e.valid_up_to()),
            )),
        }
    }

    #[cold]
    fn escaped_string(&mut self, start: usize) -> Result<Text, DecodeError> {
        self.scratch.clear();
        let mut pos = start;
        loop {
            let (end, special) = scan(self.input, pos);
            match special {
                Special::Quote { non_ascii } | Special::Backslash { non_ascii } if non_ascii => {
                    self.check_utf8(pos, end)?
                }
                Special::Control => {
                    return Err(self
                        .malformed_at(end, "control character in a string (it must be escaped)"));
                }
                Special::End => return Err(self.malformed("unexpected end of input in a string")),
                _ => {}
            }
            self.scratch.extend_from_slice(&self.input[pos..end]);
            if let Special::Quote { .. } = special {
                self.pos = end + 1;
                return Ok(Text::Scratch);
            }
            let escape = self.input.get(end + 1).copied();
            pos = end + 2;
            let decoded = match escape {
                Some(b'"') => '"',
                Some(b'\\') => '\\',
                Some(b'/') => '/',
                Some(b'b') => '\u{8}',
                Some(b'f') => '\u{c}',
                Some(b'n') => '\n',
                Some(b'r') => '\r',
                Some(b't') => '\t',
                Some(b'u') => {
                    let high = self.hex4(pos)?;
                    pos += 4;
                    let code = match high {
                        0xD800..=0xDBFF => {
                            if self.input.get(pos..pos + 2) != Some(b"\\u") {
                                return Err(
                                    self.malformed_at(pos, "lone surrogate in a \\u escape")
                                );
                            }
                            let low = self.hex4(pos + 2)?;
                            if !(0xDC00..=0xDFFF).contains(&low) {
                                return Err(
                                    self.malformed_at(pos, "lone surrogate in a \\u escape")
                                );
                            }
                            pos += 6;
                            0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                        }
                        0xDC00..=0xDFFF => {
                            return Err(self.malformed_at(pos, "lone surrogate in a \\u escape"));
                        }
                        code => code,
                    };
                    char::from_u32(code)
                        .ok_or_else(|| self.malformed_at(pos, "invalid \\u escape"))?
                }
                _ => return Err(self.malformed_at(end, "invalid escape in a string")),
            };
            self.scratch
                .extend_from_slice(decoded.encode_utf8(&mut [0; 4]).as_bytes());
        }
    }

    fn hex4(&self, at: usize) -> Result<u32, DecodeError> {
        let digits = self
            .input
            .get(at..at + 4)
            .ok_or_else(|| self.malformed_at(at, "truncated \\u escape"))?;
        digits.iter().try_fold(0u32, |acc, &c| {
            let digit = (c as char)
                .to_digit(16)
                .ok_or_else(|| self.malformed_at(at, "invalid hex digit in a \\u escape"))?;
            Ok(acc * 16 + digit)
        })
    }

    /// Consumes a number (RFC 8259 grammar); returns whether it is an integer.
    #[inline]
    fn number(&mut self) -> Result<bool, DecodeError> {
        let input = self.input;
        let mut pos = self.pos;
        if input.get(pos) == Some(&b'-') {
            pos += 1;
        }
        let digits = |pos: usize| {
            input[pos.min(input.len())..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count()
        };
        let int_digits = digits(pos);
        if int_digits == 0 || (int_digits > 1 && input[pos] == b'0') {
            return Err(self.malformed_at(pos, "invalid number"));
        }
        pos += int_digits;
        let mut integral = true;
        if input.get(pos) == Some(&b'.') {
            let frac = digits(pos + 1);
            if frac == 0 {
                return Err(self.malformed_at(pos, "invalid number: digits must follow '.'"));
            }
            pos += 1 + frac;
            integral = false;
        }
        if let Some(b'e' | b'E') = input.get(pos) {
            pos += 1;
            if let Some(b'+' | b'-') = input.get(pos) {
                pos += 1;
            }
            let exp = digits(pos);
            if exp == 0 {
                return Err(
                    self.malformed_at(pos, "invalid number: digits must follow the exponent")
                );
            }
            pos += exp;
            integral = false;
        }
        self.pos = pos;
        Ok(integral)
    }

    #[inline]
    fn literal(&mut self, word: &[u8]) -> Result<(), DecodeError> {
        if self.input.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.malformed("expected a JSON value"))
        }
    }

    fn enter(&mut self) -> Result<(), DecodeError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(DecodeError::new(
                ErrorKind::TooDeep,
                format!("arrays and objects nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    /// A wrong-type error, unless the value is not even valid JSON (`nul`, `tru`, `+1`...),
    /// which is reported as malformed: that is the real problem.
    #[cold]
    fn not_a(&mut self, expected: &str, peek: Peek) -> DecodeError {
        let at = self.pos;
        match self.skip(peek) {
            Err(e) if e.kind != ErrorKind::TooDeep => e,
            _ => {
                self.pos = at;
                wrong_type(expected, peek)
            }
        }
    }

    #[cold]
    fn malformed(&self, what: &str) -> DecodeError {
        self.malformed_at(self.pos, what)
    }

    #[cold]
    fn malformed_at(&self, at: usize, what: &str) -> DecodeError {
        // Bytes that are not UTF-8 outside strings are a syntax error; name the real cause.
        if let Err(e) = std::str::from_utf8(self.input) {
            return DecodeError::new(
                ErrorKind::InvalidUtf8,
                format!("invalid UTF-8 at byte {}", e.valid_up_to()),
            );
        }
        DecodeError::new(ErrorKind::MalformedJson, format!("{what} at byte {at}"))
    }
}

/// A key as producers write it after a value, `,"name":`, for [`Decoder::key_is`]. Built once
/// per record type.
#[derive(Clone, Debug)]
pub struct KeyToken {
    bytes: Box<[u8]>,
    /// The token in the first 32 bytes, zero-padded, and a mask of its bytes; `None` for a
    /// token longer than 32 bytes (a key name over 28 characters).
    masked: Option<([u128; 2], [u128; 2])>,
}

impl KeyToken {
    pub fn new(name: &str) -> Self {
        let bytes = format!(",\"{name}\":").into_bytes().into_boxed_slice();
        let masked = (bytes.len() <= 32).then(|| {
            let mut token = [0u8; 32];
            let mut mask = [0u8; 32];
            token[..bytes.len()].copy_from_slice(&bytes);
            mask[..bytes.len()].fill(0xff);
            (halves(&token), halves(&mask))
        });
        Self { bytes, masked }
    }

    pub fn name(&self) -> &str {
        // SAFETY: built from a `&str` by `new`, which added ASCII around it.
        unsafe { std::str::from_utf8_unchecked(&self.bytes[2..self.bytes.len() - 2]) }
    }

    /// The token's length if `window` (32 bytes of input) starts with it.
    #[inline(always)]
    fn masked_match(&self, window: &[u8]) -> Option<usize> {
        let ([t0, t1], [m0, m1]) = self.masked?;
        let [w0, w1] = halves(window.try_into().ok()?);
        (((w0 ^ t0) & m0) | ((w1 ^ t1) & m1) == 0).then_some(self.bytes.len())
    }
}

#[inline(always)]
fn halves(bytes: &[u8; 32]) -> [u128; 2] {
    let (low, high) = bytes.split_at(16);
    [
        u128::from_le_bytes(low.try_into().unwrap_or_default()),
        u128::from_le_bytes(high.try_into().unwrap_or_default()),
    ]
}

/// The byte that ended a [`scan`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Special {
    Quote { non_ascii: bool },
    Backslash { non_ascii: bool },
    Control,
    End,
}

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// Bytes of `w` equal to zero, as high bits; the lowest set bit is exact (higher ones may be
/// false positives from borrows, so only the first match is trusted).
#[inline(always)]
const fn zero_bytes(w: u64) -> u64 {
    w.wrapping_sub(ONES) & !w & HIGHS
}

/// The bytes of a 16-byte chunk of string contents that end a fast scan (`"`, `\\` or a control
/// character) and the non-ASCII ones, as bit masks (bit i for byte i). SSE2 is part of x86_64,
/// so these intrinsics need no runtime detection.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn specials(v: std::arch::x86_64::__m128i) -> (u32, u32) {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is always available on x86_64; these only compute on registers.
    unsafe {
        let control_max = _mm_set1_epi8(0x1f);
        // Unsigned v <= 0x1f: max(v, 0x1f) == 0x1f.
        let control = _mm_cmpeq_epi8(_mm_max_epu8(v, control_max), control_max);
        let found = _mm_or_si128(
            _mm_or_si128(
                _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8)),
                _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8)),
            ),
            control,
        );
        (_mm_movemask_epi8(found) as u32, _mm_movemask_epi8(v) as u32)
    }
}

/// Scans a string's contents from `at` to the first `"`, `\`, control character or the end
/// of input, eight bytes at a time (SWAR): one pass finds the end of the string, checks it
/// needs no unescaping, rejects raw control characters and notes whether UTF-8 validation is
/// needed. Returns the position of the byte found.
#[inline]
fn scan(input: &[u8], at: usize) -> (usize, Special) {
    let mut pos = at;
    let mut non_ascii = false;
    #[cfg(target_arch = "x86_64")]
    // SAFETY: every load reads 16 bytes at `pos`, and the loop runs only while
    // `pos + 16 <= input.len()`.
    unsafe {
        while pos + 16 <= input.len() {
            let v = std::arch::x86_64::_mm_loadu_si128(input.as_ptr().add(pos).cast());
            let (found, high) = specials(v);
            if found != 0 {
                let offset = found.trailing_zeros();
                non_ascii |= high & ((1u32 << offset) - 1) != 0;
                return classify(input, pos + offset as usize, non_ascii);
            }
            non_ascii |= high != 0;
            pos += 16;
        }
    }
    while let Some(chunk) = input.get(pos..pos + 8) {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let quote = zero_bytes(w ^ u64::from_ne_bytes([b'"'; 8]));
        let backslash = zero_bytes(w ^ u64::from_ne_bytes([b'\\'; 8]));
        // Bytes below 0x20 (never true for bytes with the high bit set).
        let control = w.wrapping_sub(u64::from_ne_bytes([0x20; 8])) & !w & HIGHS;
        let found = quote | backslash | control;
        if found != 0 {
            let offset = (found.trailing_zeros() / 8) as usize;
            // Non-ASCII bytes before the match need validating.
            let before = if offset == 0 {
                0
            } else {
                w & (u64::MAX >> (64 - 8 * offset))
            };
            non_ascii |= before & HIGHS != 0;
            return classify(input, pos + offset, non_ascii);
        }
        non_ascii |= w & HIGHS != 0;
        pos += 8;
    }
    while let Some(&c) = input.get(pos) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            return classify(input, pos, non_ascii);
        }
        non_ascii |= c >= 0x80;
        pos += 1;
    }
    (pos, Special::End)
}

#[inline(always)]
fn classify(input: &[u8], pos: usize, non_ascii: bool) -> (usize, Special) {
    let special = match input[pos] {
        b'"' => Special::Quote { non_ascii },
        b'\\' => Special::Backslash { non_ascii },
        _ => Special::Control,
    };
    (pos, special)
}

/// The value of JSON number text with a fraction or an exponent, when it is an integer
/// (`2.0`, `1e3`, `2.50e1`): JSON Schema's `integer` is a number with no fractional part,
/// however it is spelled, and producers that hold counts in floats (Python, Go's `float64`)
/// write them so. Read exactly, never through `f64`.
#[cold]
pub fn exact_integer(text: &[u8]) -> Result<i128, DecodeError> {
    Decimal::<38, 0>::parse(text)
        .map(Decimal::units)
        .map_err(|error| match error {
            DecimalError::TooManyDigits => out_of_range(text),
            DecimalError::TooManyDecimals | DecimalError::NotANumber => DecodeError::new(
                ErrorKind::WrongType,
                format!(
                    "expected an integer, found {}",
                    String::from_utf8_lossy(text)
                ),
            ),
        })
}

#[cold]
fn out_of_range(text: &[u8]) -> DecodeError {
    DecodeError::new(
        ErrorKind::OutOfRange,
        format!("{} is out of range", String::from_utf8_lossy(text)),
    )
}

/// What kind of JSON value a peek announces, for messages.
pub fn describe(peek: Peek) -> &'static str {
    match peek {
        Peek::Null => "null",
        Peek::True | Peek::False => "a boolean",
        Peek::String => "a string",
        Peek::Array => "an array",
        Peek::Object => "an object",
        p if p.is_num() => "a number",
        _ => "an invalid token",
    }
}

#[cold]
pub fn wrong_type(expected: &str, peek: Peek) -> DecodeError {
    DecodeError::new(
        ErrorKind::WrongType,
        format!("expected {expected}, found {}", describe(peek)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(json: &str) -> Result<String, DecodeError> {
        let mut d = Decoder::new(json.as_bytes());
        let peek = d.peek()?;
        let s = d.str(peek, "a string")?.to_owned();
        d.finish()?;
        Ok(s)
    }

    #[test]
    fn strings_unescape_like_serde_json() {
        for json in [
            r#""plain""#,
            r#""a\"b\\c\/d\n\t\r\b\f""#,
            r#""\u00e9\u4e2d\ud83d\ude00""#,
            "\"caf\u{e9}\"",
        ] {
            let expected: String = serde_json::from_str(json).unwrap();
            assert_eq!(string(json).unwrap(), expected, "{json}");
        }
        for bad in [
            r#""\ud83d""#,
            r#""\ude00x""#,
            r#""\x""#,
            "\"a\u{1}b\"",
            r#""open"#,
            r#""\u12""#,
        ] {
            assert!(string(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_follow_the_json_grammar() {
        let int = |json: &str| {
            let mut d = Decoder::new(json.as_bytes());
            let peek = d.peek()?;
            d.int(peek)
        };
        assert_eq!(int("0").unwrap(), 0);
        assert_eq!(int("-9223372036854775808").unwrap(), i64::MIN);
        assert_eq!(int("9223372036854775807").unwrap(), i64::MAX);
        assert_eq!(
            int("9223372036854775808").unwrap_err().kind,
            ErrorKind::OutOfRange
        );
        assert_eq!(int("1.5").unwrap_err().kind, ErrorKind::WrongType);
        // JSON Schema's integers, however spelled; read exactly.
        for (json, value) in [
            ("2.0", 2),
            ("1e3", 1000),
            ("2.50e1", 25),
            ("-0.0", 0),
            ("1500e-3", 1),
            ("9.223372036854775807e18", i64::MAX),
        ] {
            assert_eq!(
                int(json).ok(),
                Some(value).filter(|_| json != "1500e-3"),
                "{json}"
            );
        }
        assert_eq!(int("1500e-3").unwrap_err().kind, ErrorKind::WrongType);
        assert_eq!(int("1e19").unwrap_err().kind, ErrorKind::OutOfRange);
        assert_eq!(
            int("1e-99999999999").unwrap_err().kind,
            ErrorKind::WrongType
        );
        for bad in ["01", "-", "1.", "1e", "+1", ".5"] {
            assert_eq!(
                int(bad).unwrap_err().kind,
                ErrorKind::MalformedJson,
                "{bad}"
            );
        }
        let float = |json: &str| {
            let mut d = Decoder::new(json.as_bytes());
            let peek = d.peek()?;
            d.float(peek)
        };
        assert_eq!(float("-12.5e-1").unwrap(), -1.25);
        assert_eq!(float("1e400").unwrap_err().kind, ErrorKind::OutOfRange);
    }

    #[test]
    fn expected_keys_match_compact_and_spaced_json_and_nothing_else() {
        let key = KeyToken::new("sku");
        assert_eq!(key.name(), "sku");
        fn is<'a>(key: &KeyToken, json: &'a str, first: bool) -> (bool, &'a str) {
            let mut d = Decoder::new(json.as_bytes());
            let matched = d.key_is(first, key);
            (matched, &json[d.pos..])
        }
        assert_eq!(is(&key, r#""sku":1"#, true), (true, "1"));
        assert_eq!(is(&key, r#","sku":1"#, false), (true, "1"));
        assert_eq!(is(&key, " ,\n \"sku\":1", false), (true, "1"));
        // Another key, a longer one, a missing comma: nothing consumed.
        for (json, first) in [
            (r#","skus":1"#, false),
            (r#","sk":1"#, false),
            (r#""sku":1"#, false),
            (r#","sku" :1"#, false),
            (r#","sku"#, false),
        ] {
            assert_eq!(is(&key, json, first), (false, json), "{json}");
        }
        // Keys of every length, with 32 bytes or more after them (the masked compare) and
        // fewer (the exact one).
        for n in 1..40 {
            let name = "k".repeat(n);
            let key = KeyToken::new(&name);
            for rest in ["0}", "0,\"another_key_with_a_long_name\":1}"] {
                let json = format!(",\"{name}\":{rest}");
                assert_eq!(is(&key, &json, false), (true, rest), "{n} {rest}");
                let other = format!(",\"{}x\":{rest}", &name[1..]);
                assert_eq!(is(&key, &other, false), (false, &other[..]), "{n} {rest}");
                let longer = format!(",\"{name}k\":{rest}");
                assert_eq!(is(&key, &longer, false), (false, &longer[..]), "{n} {rest}");
            }
        }
    }

    #[test]
    fn structure_errors_are_malformed() {
        for bad in [
            "[1,]",
            "[1 2]",
            "{\"a\" 1}",
            "{\"a\":1,}",
            "{1:2}",
            "[",
            "{\"a\":1} x",
            "nul",
            "tru",
        ] {
            let mut d = Decoder::new(bad.as_bytes());
            let result = d.peek().and_then(|p| d.skip(p)).and_then(|()| d.finish());
            assert_eq!(result.unwrap_err().kind, ErrorKind::MalformedJson, "{bad}");
        }
    }
}
