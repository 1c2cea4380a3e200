//! Why an event was rejected: a machine-readable kind, the field path, and a message a person
//! can act on.
//!
//! Paths are built only when an error propagates (each level adds its segment on the way out),
//! so the happy path never pays for them.

use std::fmt;

use serde::Serialize;

/// What rule an event broke. The snake_case name is what lands in the quarantine's
/// `error_kind` column, so renaming a variant is a warehouse change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Not JSON, or truncated JSON.
    MalformedJson,
    /// Bytes that are not UTF-8.
    InvalidUtf8,
    /// The body, or a line of it, holds no event.
    Empty,
    /// A JSON value of the wrong type (a number where a string belongs...).
    WrongType,
    /// A required field is absent.
    MissingField,
    /// A field the event type does not declare.
    UnknownField,
    /// The same key twice in one object.
    DuplicateField,
    /// `event_type` missing from the registry (or `schema_version` not registered for it).
    UnknownEventType,
    /// A number outside its declared or physical range, or with too many decimals.
    OutOfRange,
    /// A string or list over its declared maximum length.
    TooLong,
    /// A string or list under its declared minimum length.
    TooShort,
    /// A string that does not match its declared pattern or format.
    InvalidFormat,
    /// A string not among an enum's values.
    NotInEnum,
    /// Arrays or objects nested deeper than the decoder's fixed limit.
    TooDeep,
    /// One event larger than the configured maximum.
    EventTooLarge,
    /// A message body larger than the configured maximum.
    BodyTooLarge,
    /// A compressed body (see [`crate::wire`]) that is not valid base64 or zstd.
    BadEncoding,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 17] = [
        ErrorKind::MalformedJson,
        ErrorKind::InvalidUtf8,
        ErrorKind::Empty,
        ErrorKind::WrongType,
        ErrorKind::MissingField,
        ErrorKind::UnknownField,
        ErrorKind::DuplicateField,
        ErrorKind::UnknownEventType,
        ErrorKind::OutOfRange,
        ErrorKind::TooLong,
        ErrorKind::TooShort,
        ErrorKind::InvalidFormat,
        ErrorKind::NotInEnum,
        ErrorKind::TooDeep,
        ErrorKind::EventTooLarge,
        ErrorKind::BodyTooLarge,
        ErrorKind::BadEncoding,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::MalformedJson => "malformed_json",
            ErrorKind::InvalidUtf8 => "invalid_utf8",
            ErrorKind::Empty => "empty",
            ErrorKind::WrongType => "wrong_type",
            ErrorKind::MissingField => "missing_field",
            ErrorKind::UnknownField => "unknown_field",
            ErrorKind::DuplicateField => "duplicate_field",
            ErrorKind::UnknownEventType => "unknown_event_type",
            ErrorKind::OutOfRange => "out_of_range",
            ErrorKind::TooLong => "too_long",
            ErrorKind::TooShort => "too_short",
            ErrorKind::InvalidFormat => "invalid_format",
            ErrorKind::NotInEnum => "not_in_enum",
            ErrorKind::TooDeep => "too_deep",
            ErrorKind::EventTooLarge => "event_too_large",
            ErrorKind::BodyTooLarge => "body_too_large",
            ErrorKind::BadEncoding => "bad_encoding",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One step of a field path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

/// A rejected event: what it broke, where, and why ([`ErrorDetail`], behind one pointer).
///
/// Boxed because every decoding step returns `Result<_, DecodeError>`: a pointer-sized error
/// makes `Result<(), DecodeError>` one register and each `?` a test of it, where the unboxed
/// 80 bytes were copied out through memory at every level and the copying code filled a third
/// of each event type's decoder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError(Box<ErrorDetail>);

// The decoder's speed depends on this; a field added to `DecodeError` itself would undo it.
const _: () = assert!(size_of::<Result<(), DecodeError>>() == size_of::<usize>());

/// The contents of a [`DecodeError`] (which dereferences to it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorDetail {
    pub kind: ErrorKind,
    /// The event type, when it was known before the error.
    pub event_type: Option<String>,
    /// Innermost segment first while propagating; read it with [`ErrorDetail::path`].
    segments: Vec<PathSegment>,
    pub message: String,
}

impl std::ops::Deref for DecodeError {
    type Target = ErrorDetail;

    fn deref(&self) -> &ErrorDetail {
        &self.0
    }
}

impl std::ops::DerefMut for DecodeError {
    fn deref_mut(&mut self) -> &mut ErrorDetail {
        &mut self.0
    }
}

impl DecodeError {
    #[cold]
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self(Box::new(ErrorDetail {
            kind,
            event_type: None,
            segments: Vec::new(),
            message: message.into(),
        }))
    }

    /// Adds the enclosing object key (called while the error travels outwards).
    #[cold]
    pub fn at_key(mut self, key: &str) -> Self {
        self.0.segments.push(PathSegment::Key(key.to_string()));
        self
    }

    /// Adds the enclosing array index.
    #[cold]
    pub fn at_index(mut self, index: usize) -> Self {
        self.0.segments.push(PathSegment::Index(index));
        self
    }

    #[cold]
    pub fn for_event_type(mut self, event_type: &str) -> Self {
        self.0.event_type = Some(event_type.to_string());
        self
    }
}

impl ErrorDetail {
    /// The JSONPath of the offending value: `$`, `$.items[2].price`.
    pub fn path(&self) -> String {
        let mut path = String::from("$");
        for segment in self.segments.iter().rev() {
            match segment {
                PathSegment::Key(key) => {
                    path.push('.');
                    path.push_str(key);
                }
                PathSegment::Index(index) => {
                    path.push_str(&format!("[{index}]"));
                }
            }
        }
        path
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.event_type {
            Some(event_type) => write!(
                f,
                "{} at {} of {event_type}: {}",
                self.kind,
                self.path(),
                self.message
            ),
            None => write!(f, "{} at {}: {}", self.kind, self.path(), self.message),
        }
    }
}

impl std::error::Error for DecodeError {}
