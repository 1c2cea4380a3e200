//! Pacing: a stream of timed events released when the wall clock reaches their time, for a
//! duration.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use behavior_runtime::Timestamp;

/// Yields the items of a `(time, item)` stream; when it follows the clock, each no earlier than
/// its time (at most a millisecond before), so event times track the wall clock and the rate
/// is the simulation's own, from the first item timed at or after the pacer's creation. Stops
/// after `duration`.
pub struct Paced<I> {
    inner: I,
    /// The wall clock when pacing started, as an instant and as µs since the Unix epoch.
    clock: Option<(Instant, i64)>,
    deadline: Option<Instant>,
}

impl<I> Paced<I> {
    pub fn new(inner: I, follow_clock: bool, duration: Option<Duration>) -> Self {
        let started = Instant::now();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as i64);
        Self {
            inner,
            clock: follow_clock.then_some((started, now)),
            // A duration past what the clock can count is no deadline.
            deadline: duration.and_then(|d| started.checked_add(d)),
        }
    }
}

impl<I: Iterator<Item = (Timestamp, T)>, T> Iterator for Paced<I> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return None;
        }
        let (mut time, mut item) = self.inner.next()?;
        if let Some((started, epoch_micros)) = self.clock {
            // Events timed before pacing began (while the simulation warmed up and the sink
            // connected) are skipped: released at once, they would start the stream with a
            // burst of late events instead of at its rate. Times only grow, so only these.
            while time.micros() < epoch_micros {
                (time, item) = self.inner.next()?;
            }
            let ahead = u64::try_from(time.micros() - epoch_micros).unwrap_or(0);
            let due = started + Duration::from_micros(ahead);
            if self.deadline.is_some_and(|d| due >= d) {
                return None;
            }
            // Sleeps are coarse: only worth it a millisecond or more ahead.
            let now = Instant::now();
            if due > now + Duration::from_millis(1) {
                std::thread::sleep(due - now);
            }
        }
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_at_the_event_time_and_stops_at_the_duration() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_micros() as i64;
        // One event every 0.5 ms from now: 2,000 per second.
        let timed = (0..).map(|i: i64| (Timestamp::from_micros(now + i * 500), i));
        let started = Instant::now();
        let n = Paced::new(timed, true, Some(Duration::from_millis(300))).count();
        let seconds = started.elapsed().as_secs_f64();
        assert!((0.29..0.6).contains(&seconds), "{seconds}");
        assert!((450..=650).contains(&n), "{n} events in 0.3 s at 2,000/s");
    }

    #[test]
    fn without_the_clock_it_only_stops_at_the_duration() {
        let timed = (0..1000).map(|i: i64| (Timestamp::from_micros(i64::MAX - i), i));
        let started = Instant::now();
        assert_eq!(Paced::new(timed, false, None).count(), 1000);
        assert!(started.elapsed() < Duration::from_millis(100));
    }
}
