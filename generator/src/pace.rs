//! Pacing: a stream held to a target rate in wall-clock time, for a duration.

use std::time::{Duration, Instant};

/// Yields the inner items at most `rate` per second, and stops after `duration`.
pub struct Paced<I> {
    inner: I,
    rate: Option<f64>,
    deadline: Option<Instant>,
    started: Instant,
    yielded: u64,
}

impl<I: Iterator> Paced<I> {
    pub fn new(inner: I, rate: Option<f64>, duration: Option<Duration>) -> Self {
        let started = Instant::now();
        Self {
            inner,
            rate,
            deadline: duration.map(|d| started + d),
            started,
            yielded: 0,
        }
    }
}

impl<I: Iterator> Iterator for Paced<I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return None;
        }
        if let Some(rate) = self.rate {
            // Sleep in steps of ~1 ms of events, not per event: sleeps are coarse.
            let due = Duration::from_secs_f64(self.yielded as f64 / rate);
            let elapsed = self.started.elapsed();
            if due > elapsed + Duration::from_millis(1) {
                std::thread::sleep(due - elapsed);
            }
        }
        self.yielded += 1;
        self.inner.next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_the_rate_and_stops_at_the_duration() {
        let started = Instant::now();
        let n = Paced::new(0.., Some(2_000.0), Some(Duration::from_millis(300))).count();
        let seconds = started.elapsed().as_secs_f64();
        assert!((0.29..0.6).contains(&seconds), "{seconds}");
        assert!((450..=650).contains(&n), "{n} events in 0.3 s at 2,000/s");
    }
}
