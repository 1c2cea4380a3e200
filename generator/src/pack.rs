//! Packing events into message bodies: NDJSON, as many whole events as fit under a size cap,
//! sent plain or compressed ([`BodyEncoding`]). Fewer, fuller messages are what makes a queue
//! cheap (SQS bills per 64 KiB chunk of a request, not per event).

use behavior_runtime::wire::BodyEncoding;

/// One packed body and how many events it carries.
#[derive(Debug, PartialEq, Eq)]
pub struct Body {
    pub bytes: Vec<u8>,
    pub events: u64,
}

pub struct Packer {
    cap: usize,
    encoding: BodyEncoding,
    /// Most NDJSON bytes a compressed body may carry (the converter's decompressed limit).
    raw_limit: usize,
    /// NDJSON bytes gathered before a compressed body is sealed: the cap times the last
    /// body's compression ratio, so bodies come out just under the cap.
    raw_budget: usize,
    body: Vec<u8>,
    /// Where each gathered event ends in `body`, to cut a body that came out over the cap.
    ends: Vec<usize>,
}

impl Packer {
    /// Plain NDJSON bodies of at most `cap` bytes (a single larger event gets a body of its
    /// own); 0 packs one event per body.
    pub fn new(cap: usize) -> Self {
        Self::with_encoding(cap, BodyEncoding::Plain, usize::MAX)
    }

    /// Bodies of at most `cap` bytes once encoded, each holding at most `raw_limit` bytes of
    /// NDJSON (what the converter accepts after decompressing).
    pub fn with_encoding(cap: usize, encoding: BodyEncoding, raw_limit: usize) -> Self {
        Self {
            cap,
            encoding,
            raw_limit,
            // A first guess below the usual ratio; each body corrects it.
            raw_budget: cap.saturating_mul(3).min(raw_limit),
            body: Vec::new(),
            ends: Vec::new(),
        }
    }

    /// Adds one event (a line without its newline); returns a body when the gathered events
    /// are ready to go.
    pub fn push(&mut self, line: &[u8]) -> Option<Body> {
        let budget = match self.encoding {
            BodyEncoding::Plain => self.cap,
            BodyEncoding::Zstd if self.cap == 0 => 0,
            BodyEncoding::Zstd => self.raw_budget,
        };
        let separator = usize::from(!self.body.is_empty());
        let full = if !self.ends.is_empty() && self.body.len() + separator + line.len() > budget {
            self.seal()
        } else {
            None
        };
        if !self.body.is_empty() {
            self.body.push(b'\n');
        }
        self.body.extend_from_slice(line);
        self.ends.push(self.body.len());
        full
    }

    /// The next body of the events still gathered, if any: call until `None` at the end.
    pub fn finish(&mut self) -> Option<Body> {
        self.seal()
    }

    /// Encodes the gathered events as one body, or as many of the first ones as fit under the
    /// cap (the rest stay gathered for the next body).
    fn seal(&mut self) -> Option<Body> {
        if self.ends.is_empty() {
            return None;
        }
        let mut take = self.ends.len();
        let mut bytes = self.encoding.encode(&self.body);
        while bytes.len() > self.cap && take > 1 {
            // Over the cap (compression did worse than the budget assumed): keep the share of
            // events that should fit, with a margin, and try again.
            let share = (self.cap as f64 / bytes.len() as f64 * 0.95 * take as f64) as usize;
            take = share.clamp(1, take - 1);
            bytes = self.encoding.encode(&self.body[..self.ends[take - 1]]);
        }
        let raw = self.ends[take - 1];
        if self.encoding != BodyEncoding::Plain && !bytes.is_empty() {
            let ratio = raw as f64 / bytes.len() as f64;
            self.raw_budget = ((self.cap as f64 * ratio * 0.97) as usize).clamp(1, self.raw_limit);
        }
        // Events after the cut (and their newline) start the next body.
        let skip = raw + 1;
        self.body.drain(..skip.min(self.body.len()));
        let events = take as u64;
        self.ends.drain(..take);
        for end in &mut self.ends {
            *end -= skip;
        }
        Some(Body { bytes, events })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use behavior_runtime::wire;

    #[test]
    fn packs_whole_events_under_the_cap() {
        let mut packer = Packer::new(10);
        assert_eq!(packer.push(b"aaaa"), None);
        assert_eq!(packer.push(b"bbbb"), None);
        let full = packer.push(b"cc").unwrap();
        assert_eq!(full.bytes, b"aaaa\nbbbb");
        assert_eq!(full.events, 2);
        // An event over the cap travels alone.
        assert_eq!(packer.push(b"0123456789abc").unwrap().bytes, b"cc");
        assert_eq!(packer.finish().unwrap().events, 1);
        assert_eq!(packer.finish(), None);
        let mut single = Packer::new(0);
        assert_eq!(single.push(b"a"), None);
        assert_eq!(single.push(b"b").unwrap().bytes, b"a");
    }

    #[test]
    fn compressed_bodies_stay_under_the_cap_and_lose_nothing() {
        let cap = 4096;
        let mut packer = Packer::with_encoding(cap, BodyEncoding::Zstd, 1 << 20);
        // Half compressible, half not: the budget has to adapt both ways.
        let mut rng = 0x9E37_79B9_7F4A_7C15u64;
        let lines: Vec<Vec<u8>> = (0..3000)
            .map(|i| {
                let mut noise = String::new();
                for _ in 0..(i % 7) * 8 {
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    noise.push(char::from(b'a' + (rng % 26) as u8));
                }
                format!(
                    "{{\"event\":{i},\"page\":\"https://shop.example/p/{}\",\"n\":\"{noise}\"}}",
                    i % 13
                )
                .into_bytes()
            })
            .collect();
        let mut bodies = Vec::new();
        for line in &lines {
            bodies.extend(packer.push(line));
        }
        while let Some(body) = packer.finish() {
            bodies.push(body);
        }
        let mut decoded = Vec::new();
        for body in &bodies {
            assert!(body.bytes.len() <= cap, "{} > {cap}", body.bytes.len());
            assert!(wire::is_compressed(&body.bytes));
            let ndjson = wire::decompress(&body.bytes, 1 << 20).unwrap();
            let events: Vec<Vec<u8>> = ndjson.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
            assert_eq!(events.len() as u64, body.events);
            decoded.extend(events);
        }
        assert_eq!(decoded, lines);
        // Compression pays: far fewer bodies than plain packing would need.
        let plain: usize = lines.iter().map(|l| l.len() + 1).sum();
        assert!(bodies.len() * 2 < plain / cap, "{} bodies", bodies.len());
    }

    #[test]
    fn compressed_bodies_respect_the_raw_limit() {
        let mut packer = Packer::with_encoding(65536, BodyEncoding::Zstd, 1000);
        let line = [b'x'; 300];
        let mut bodies = Vec::new();
        for _ in 0..10 {
            bodies.extend(packer.push(&line));
        }
        while let Some(body) = packer.finish() {
            bodies.push(body);
        }
        for body in &bodies {
            assert!(wire::decompress(&body.bytes, 1000).is_ok());
        }
        assert_eq!(bodies.iter().map(|b| b.events).sum::<u64>(), 10);
    }
}
