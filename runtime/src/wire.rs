//! Message bodies on the wire: NDJSON text, or the same NDJSON compressed with zstd and then
//! base64-encoded (`zstd` below), because SQS bodies must be text.
//!
//! Compression is what makes a queue cheap: SQS bills every 64 KiB of a request, for the send
//! and again for the receive, and a Lambda batch is capped at 6 MB of payload, so a body that
//! carries ~4× the events (generated NDJSON compresses ~5.6× at zstd level 1, ~4.3× after
//! base64) costs ~4× fewer SQS requests, S3 PUTs and invocations per event.
//!
//! A compressed body is recognised by its first bytes, `KLUv/`: the base64 of zstd's frame
//! magic (`28 B5 2F FD`). No JSON text starts with `K`, so a plain body is never mistaken for
//! a compressed one, and a body needs no attribute next to it to be read: the Lambda, the
//! poller and the file converter all see the same bytes.

use std::fmt;
use std::str::FromStr;

use crate::error::{DecodeError, ErrorKind};

/// The first bytes of every `zstd` body.
pub const ZSTD_PREFIX: &[u8] = b"KLUv/";

/// zstd level 1: on 64 KiB of generated events, within 1% of level 3's size at a fraction of
/// the time, so the producer is never slowed by it.
const ZSTD_LEVEL: i32 = 1;

/// How a message body is encoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BodyEncoding {
    /// NDJSON as is.
    Plain,
    /// NDJSON compressed with zstd, then base64 (standard alphabet, padded).
    #[default]
    Zstd,
}

impl BodyEncoding {
    pub fn as_str(self) -> &'static str {
        match self {
            BodyEncoding::Plain => "plain",
            BodyEncoding::Zstd => "zstd",
        }
    }

    /// Encodes an NDJSON body.
    pub fn encode(self, ndjson: &[u8]) -> Vec<u8> {
        match self {
            BodyEncoding::Plain => ndjson.to_vec(),
            BodyEncoding::Zstd => {
                // Compressing into a Vec cannot fail at a valid level; fall back to the plain
                // body rather than lose it if it ever did.
                match zstd::bulk::compress(ndjson, ZSTD_LEVEL) {
                    Ok(compressed) => base64_simd::STANDARD
                        .encode_to_string(compressed)
                        .into_bytes(),
                    Err(_) => ndjson.to_vec(),
                }
            }
        }
    }
}

impl fmt::Display for BodyEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BodyEncoding {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "plain" => Ok(BodyEncoding::Plain),
            "zstd" => Ok(BodyEncoding::Zstd),
            other => Err(format!(
                "unknown body encoding {other:?}: expected `zstd` or `plain`"
            )),
        }
    }
}

/// Whether `body` is a `zstd` body (by its prefix).
pub fn is_compressed(body: &[u8]) -> bool {
    body.starts_with(ZSTD_PREFIX)
}

/// The NDJSON of a `zstd` body, at most `limit` bytes once decompressed (a small body that
/// inflates to gigabytes is rejected, not allocated).
pub fn decompress(body: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
    Decompressor::default()
        .decompress(body, limit)
        .map(<[u8]>::to_vec)
}

/// Decompresses `zstd` bodies one after another with one zstd context and reused buffers.
///
/// A batch holds thousands of bodies; a fresh context per body costs an allocation and a CPU
/// feature probe (`cpuid`, which traps to the hypervisor on virtual machines, Lambda's
/// included), and a fresh output buffer costs page faults on every body.
#[derive(Default)]
pub struct Decompressor {
    context: Option<zstd::bulk::Decompressor<'static>>,
    compressed: Vec<u8>,
    ndjson: Vec<u8>,
}

impl Decompressor {
    /// The NDJSON of a `zstd` body, at most `limit` bytes once decompressed. The result
    /// borrows this decompressor's buffer until the next call.
    pub fn decompress(&mut self, body: &[u8], limit: usize) -> Result<&[u8], DecodeError> {
        self.compressed.clear();
        base64_simd::STANDARD
            .decode_append(body.trim_ascii_end(), &mut self.compressed)
            .map_err(|_| {
                DecodeError::new(
                    ErrorKind::BadEncoding,
                    "a zstd body (it starts with `KLUv/`) that is not valid base64",
                )
            })?;
        // zstd writes into the buffer's capacity and never past it: the frame's declared size
        // when it has one (the generator's do), else one byte over the limit, which tells
        // "too large" apart from "exactly the limit".
        let capacity = match zstd::zstd_safe::get_frame_content_size(&self.compressed) {
            Ok(Some(size)) if size > limit as u64 => {
                return Err(too_large(format!("{size} bytes")));
            }
            Ok(Some(size)) => size as usize,
            Ok(None) => limit.saturating_add(1),
            Err(_) => {
                return Err(DecodeError::new(
                    ErrorKind::BadEncoding,
                    "a zstd body (it starts with `KLUv/`) whose frame header is not zstd's",
                ));
            }
        };
        let context = match &mut self.context {
            Some(context) => context,
            empty => empty.insert(zstd::bulk::Decompressor::new().map_err(|e| {
                DecodeError::new(
                    ErrorKind::BadEncoding,
                    format!("no zstd context to decompress a body with: {e}"),
                )
            })?),
        };
        self.ndjson.clear();
        self.ndjson.reserve(capacity);
        context
            .decompress_to_buffer(&self.compressed, &mut self.ndjson)
            .map_err(|e| {
                DecodeError::new(
                    ErrorKind::BadEncoding,
                    format!("a zstd body (it starts with `KLUv/`) that does not decompress: {e}"),
                )
            })?;
        if self.ndjson.len() > limit {
            return Err(too_large(format!("more than {limit} bytes")));
        }
        Ok(&self.ndjson)
    }
}

fn too_large(size: String) -> DecodeError {
    DecodeError::new(
        ErrorKind::BodyTooLarge,
        format!("a zstd body that decompresses to {size}, more than the maximum body size"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zstd_bodies_round_trip_and_are_recognised() {
        let ndjson = b"{\"a\":1}\n{\"a\":2}".repeat(100);
        let body = BodyEncoding::Zstd.encode(&ndjson);
        assert!(is_compressed(&body));
        assert!(body.len() < ndjson.len() / 4);
        assert_eq!(decompress(&body, 1 << 20).unwrap(), ndjson);
        assert!(!is_compressed(&BodyEncoding::Plain.encode(&ndjson)));
        assert_eq!("zstd".parse::<BodyEncoding>(), Ok(BodyEncoding::Zstd));
        assert!("gzip".parse::<BodyEncoding>().unwrap_err().contains("gzip"));
    }

    #[test]
    fn one_decompressor_reads_body_after_body_whatever_came_before() {
        let mut decompressor = Decompressor::default();
        let small = b"{\"a\":1}".to_vec();
        let large = b"{\"b\":2}\n".repeat(20_000);
        let bomb = BodyEncoding::Zstd.encode(&vec![b' '; 4 << 20]);
        // A frame without a declared size, as a streaming producer writes it.
        let unsized_frame = zstd::stream::encode_all(&large[..], 1).unwrap();
        assert!(matches!(
            zstd::zstd_safe::get_frame_content_size(&unsized_frame),
            Ok(None)
        ));
        let unsized_body = base64_simd::STANDARD.encode_to_string(&unsized_frame);
        // A frame cut short: the context fails mid-frame and must still serve the next body.
        let frame = zstd::bulk::compress(&large, 1).unwrap();
        let cut = base64_simd::STANDARD.encode_to_string(&frame[..frame.len() / 2]);
        for (body, expected) in [
            (BodyEncoding::Zstd.encode(&large), Ok(&large[..])),
            (cut.into_bytes(), Err(ErrorKind::BadEncoding)),
            (BodyEncoding::Zstd.encode(&small), Ok(&small[..])),
            (b"KLUv/!!not base64".to_vec(), Err(ErrorKind::BadEncoding)),
            (bomb, Err(ErrorKind::BodyTooLarge)),
            (unsized_body.into_bytes(), Ok(&large[..])),
            (BodyEncoding::Zstd.encode(&small), Ok(&small[..])),
        ] {
            let got = decompressor.decompress(&body, 1 << 20).map_err(|e| e.kind);
            assert_eq!(got, expected);
        }
        // Exactly the limit is accepted, one byte over is not.
        let body = BodyEncoding::Zstd.encode(&large);
        assert!(decompressor.decompress(&body, large.len()).is_ok());
        let over = decompressor.decompress(&body, large.len() - 1).unwrap_err();
        assert_eq!(over.kind, ErrorKind::BodyTooLarge);
    }

    #[test]
    fn bad_and_oversized_bodies_are_errors_not_panics() {
        let kind = |body: &[u8], limit| decompress(body, limit).unwrap_err().kind;
        assert_eq!(kind(b"KLUv/!!not base64", 1 << 20), ErrorKind::BadEncoding);
        // Valid base64 of a zstd magic followed by garbage.
        assert_eq!(kind(b"KLUv/QAAAAAAAAAA", 1 << 20), ErrorKind::BadEncoding);
        let truncated = BodyEncoding::Zstd.encode(&b"x".repeat(10_000));
        let cut = &truncated[..truncated.len() / 2 / 4 * 4];
        assert_eq!(kind(cut, 1 << 20), ErrorKind::BadEncoding);
        // A bomb: small on the wire, over the limit once inflated.
        let bomb = BodyEncoding::Zstd.encode(&vec![b' '; 4 << 20]);
        assert!(bomb.len() < 4096);
        assert_eq!(kind(&bomb, 1 << 20), ErrorKind::BodyTooLarge);
    }
}
