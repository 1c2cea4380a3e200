//! With `--rate`, events are released when the wall clock reaches their event time: event
//! times track the clock from the first event on, at the requested rate.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use behavior_generator::model::EVENTS_PER_SESSION;
use behavior_generator::pace::Paced;
use behavior_generator::{Config, Simulation};
use behavior_runtime::Timestamp;
use serde_json::Value;

fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros() as i64
}

#[test]
fn event_times_follow_the_wall_clock_at_the_rate() {
    let rate = 1_000.0;
    let config = Config {
        seed: 12,
        start: Timestamp::from_micros(now_micros()),
        warm_up_seconds: 600.0,
        sessions_per_second: rate / EVENTS_PER_SESSION,
        diurnal: false,
        ..Config::default()
    };
    let simulation = Simulation::new(behavior_schema::registry(), config).timed();
    let started = Instant::now();
    let mut lateness = Vec::new();
    for line in Paced::new(simulation, true, Some(Duration::from_secs(2))) {
        let received = now_micros();
        let event: Value = serde_json::from_slice(&line).unwrap();
        let time = Timestamp::parse(event["event_time"].as_str().unwrap()).unwrap();
        // Never more than the pacer's millisecond (and some clock slack) early.
        assert!(
            time.micros() <= received + 5_000,
            "released {} µs early",
            time.micros() - received
        );
        lateness.push(received - time.micros());
    }
    let seconds = started.elapsed().as_secs_f64();
    assert!((1.9..3.0).contains(&seconds), "{seconds}");
    // Warm from the first second: the rate, not a ramp from an empty shop.
    let n = lateness.len() as f64;
    assert!(
        (0.75..1.25).contains(&(n / (rate * 2.0))),
        "{n} events in 2 s at {rate}/s"
    );
    lateness.sort_unstable();
    let median = lateness[lateness.len() / 2];
    let worst = lateness[lateness.len() - 1];
    assert!(median < 20_000, "median {median} µs behind the clock");
    assert!(worst < 2_000_000, "up to {worst} µs behind the clock");
}
