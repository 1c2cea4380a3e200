//! Packing events into message bodies: NDJSON, as many whole events as fit under a size cap.
//! Fewer, fuller messages are what makes a queue cheap (SQS bills per 64 KiB chunk of a
//! request, not per event).

/// One packed body and how many events it carries.
#[derive(Debug, PartialEq, Eq)]
pub struct Body {
    pub bytes: Vec<u8>,
    pub events: u64,
}

pub struct Packer {
    cap: usize,
    body: Vec<u8>,
    events: u64,
}

impl Packer {
    /// Bodies of at most `cap` bytes (a single larger event gets a body of its own); 0 packs
    /// one event per body.
    pub fn new(cap: usize) -> Self {
        Self {
            cap,
            body: Vec::new(),
            events: 0,
        }
    }

    /// Adds one event (a line without its newline); returns the previous body when the event
    /// does not fit in it.
    pub fn push(&mut self, line: &[u8]) -> Option<Body> {
        let separator = usize::from(!self.body.is_empty());
        let full = if self.events > 0 && self.body.len() + separator + line.len() > self.cap {
            self.finish()
        } else {
            None
        };
        if !self.body.is_empty() {
            self.body.push(b'\n');
        }
        self.body.extend_from_slice(line);
        self.events += 1;
        full
    }

    /// The body in progress, if it holds any event.
    pub fn finish(&mut self) -> Option<Body> {
        if self.events == 0 {
            return None;
        }
        Some(Body {
            bytes: std::mem::take(&mut self.body),
            events: std::mem::take(&mut self.events),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
