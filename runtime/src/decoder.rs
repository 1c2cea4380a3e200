//! A pull decoder over one JSON document: a thin layer on `jiter` that turns its errors into
//! [`DecodeError`]s and bounds nesting.
//!
//! Generated decoders walk the document with it and append each value straight into its Arrow
//! column: strings are borrowed from the input (or from jiter's scratch tape when they hold
//! escapes) and copied once, into the column's buffer.

use jiter::{Jiter, JiterError, JiterErrorType, JsonErrorType, Peek};

use crate::error::{DecodeError, ErrorKind};

/// Deepest nesting of arrays and objects the decoder walks into. Declared event shapes need 3;
/// anything past this limit is rejected as `too_deep` before it can cost stack or time.
pub const MAX_DEPTH: u32 = 32;

pub struct Decoder<'j> {
    jiter: Jiter<'j>,
    input: &'j [u8],
    depth: u32,
}

impl<'j> Decoder<'j> {
    pub fn new(input: &'j [u8]) -> Self {
        Self {
            jiter: Jiter::new(input),
            input,
            depth: 0,
        }
    }

    /// Reuses a scratch buffer for escaped strings across documents.
    pub fn with_tape(input: &'j [u8], tape: Vec<u8>) -> Self {
        Self {
            jiter: Jiter::with_tape(input, tape),
            input,
            depth: 0,
        }
    }

    pub fn into_tape(self) -> Vec<u8> {
        self.jiter.into_tape()
    }

    pub fn position(&self) -> usize {
        self.jiter.current_index()
    }

    #[inline]
    pub fn peek(&mut self) -> Result<Peek, DecodeError> {
        self.jiter.peek().map_err(|e| self.error(e))
    }

    /// The string at `peek`; a wrong-type error naming `expected` otherwise.
    #[inline]
    pub fn str(&mut self, peek: Peek, expected: &str) -> Result<&str, DecodeError> {
        if peek != Peek::String {
            return Err(wrong_type(expected, peek));
        }
        match self.jiter.known_str() {
            Ok(s) => Ok(s),
            Err(e) => Err(classify(e, self.input)),
        }
    }

    #[inline]
    pub fn bool(&mut self, peek: Peek) -> Result<bool, DecodeError> {
        if peek != Peek::True && peek != Peek::False {
            return Err(wrong_type("a boolean", peek));
        }
        self.jiter.known_bool(peek).map_err(|e| self.error(e))
    }

    #[inline]
    pub fn null(&mut self, peek: Peek) -> Result<(), DecodeError> {
        if peek != Peek::Null {
            return Err(wrong_type("null", peek));
        }
        self.jiter.known_null().map_err(|e| self.error(e))
    }

    /// An integer that fits in i64.
    #[inline]
    pub fn int(&mut self, peek: Peek) -> Result<i64, DecodeError> {
        if !peek.is_num() {
            return Err(wrong_type("an integer", peek));
        }
        match self.jiter.known_int(peek) {
            Ok(jiter::NumberInt::Int(value)) => Ok(value),
            Err(e) => Err(self.error(e)),
        }
    }

    /// The raw text of a number, for types that parse it exactly (decimals, u64).
    #[inline]
    pub fn number_text(&mut self, peek: Peek, expected: &str) -> Result<&'j [u8], DecodeError> {
        if !peek.is_num() {
            return Err(wrong_type(expected, peek));
        }
        let input = self.input;
        let start = self.jiter.current_index();
        match self.jiter.known_number_bytes(peek) {
            // The returned slice borrows the jiter; the same bytes, by position, live in `input`.
            Ok(_) => Ok(&input[start..self.jiter.current_index()]),
            Err(e) => Err(self.error(e)),
        }
    }

    #[inline]
    pub fn float(&mut self, peek: Peek) -> Result<f64, DecodeError> {
        if !peek.is_num() {
            return Err(wrong_type("a number", peek));
        }
        self.jiter.known_float(peek).map_err(|e| self.error(e))
    }

    /// Enters an array; returns the first element's peek, or `None` for `[]`.
    #[inline]
    pub fn array_start(&mut self, peek: Peek, expected: &str) -> Result<Option<Peek>, DecodeError> {
        if peek != Peek::Array {
            return Err(self.not_a(expected, peek));
        }
        self.enter()?;
        let first = self.jiter.known_array().map_err(|e| self.error(e))?;
        if first.is_none() {
            self.depth -= 1;
        }
        Ok(first)
    }

    /// The next element's peek, or `None` at `]` (which leaves the array).
    #[inline]
    pub fn array_step(&mut self) -> Result<Option<Peek>, DecodeError> {
        let next = self.jiter.array_step().map_err(|e| self.error(e))?;
        if next.is_none() {
            self.depth -= 1;
        }
        Ok(next)
    }

    /// Enters an object; returns the first key, or `None` for `{}`.
    #[inline]
    pub fn object_start(
        &mut self,
        peek: Peek,
        expected: &str,
    ) -> Result<Option<&str>, DecodeError> {
        if peek != Peek::Object {
            return Err(self.not_a(expected, peek));
        }
        self.enter()?;
        let input = self.input;
        match self.jiter.known_object() {
            Ok(Some(key)) => Ok(Some(key)),
            Ok(None) => {
                self.depth -= 1;
                Ok(None)
            }
            Err(e) => Err(classify(e, input)),
        }
    }

    /// The next key, or `None` at `}` (which leaves the object).
    #[inline]
    pub fn object_key(&mut self) -> Result<Option<&str>, DecodeError> {
        let input = self.input;
        match self.jiter.next_key() {
            Ok(Some(key)) => Ok(Some(key)),
            Ok(None) => {
                self.depth -= 1;
                Ok(None)
            }
            Err(e) => Err(classify(e, input)),
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
            Peek::String => self.str(peek, "a string").map(drop),
            _ => self.jiter.known_skip(peek).map_err(|e| self.error(e)),
        }
    }

    /// Checks nothing but whitespace follows the document.
    pub fn finish(&mut self) -> Result<(), DecodeError> {
        self.jiter.finish().map_err(|e| self.error(e))
    }

    /// A wrong-type error, unless the value is not even valid JSON (`nul`, `tru`...), which
    /// is reported as malformed: that is the real problem.
    #[cold]
    fn not_a(&mut self, expected: &str, peek: Peek) -> DecodeError {
        match self.jiter.known_skip(peek) {
            Err(e) => self.error(e),
            Ok(()) => wrong_type(expected, peek),
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

    #[cold]
    fn error(&self, error: JiterError) -> DecodeError {
        classify(error, self.input)
    }
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
    if !peek.is_num()
        && !matches!(
            peek,
            Peek::Null | Peek::True | Peek::False | Peek::String | Peek::Array | Peek::Object
        )
    {
        return DecodeError::new(ErrorKind::MalformedJson, "expected a JSON value");
    }
    DecodeError::new(
        ErrorKind::WrongType,
        format!("expected {expected}, found {}", describe(peek)),
    )
}

#[cold]
fn classify(error: JiterError, input: &[u8]) -> DecodeError {
    let at = error.index;
    let kind = match &error.error_type {
        JiterErrorType::WrongType { .. } => ErrorKind::WrongType,
        JiterErrorType::JsonError(json) => match json {
            JsonErrorType::FloatExpectingInt => ErrorKind::WrongType,
            JsonErrorType::NumberOutOfRange => ErrorKind::OutOfRange,
            JsonErrorType::RecursionLimitExceeded => ErrorKind::TooDeep,
            JsonErrorType::InvalidUnicodeCodePoint if std::str::from_utf8(input).is_err() => {
                ErrorKind::InvalidUtf8
            }
            _ => ErrorKind::MalformedJson,
        },
    };
    let message = match (kind, &error.error_type) {
        (ErrorKind::InvalidUtf8, _) => {
            let valid = std::str::from_utf8(input)
                .map_err(|e| e.valid_up_to())
                .err();
            format!("invalid UTF-8 at byte {}", valid.unwrap_or(at))
        }
        (ErrorKind::WrongType, JiterErrorType::JsonError(JsonErrorType::FloatExpectingInt)) => {
            "expected an integer, found a number with a fraction".to_string()
        }
        (_, JiterErrorType::JsonError(JsonErrorType::NumberOutOfRange)) => {
            "number out of range of a 64-bit integer".to_string()
        }
        (_, other) => format!("{other} at byte {at}"),
    };
    DecodeError::new(kind, message)
}
